#pragma once
// Moving values between SOCI and the models: running a statement with a path's bound values, and
// streaming the rows of a path into structs, a page at a time, column by column in bulk.
#include <cascade/errors.hpp>
#include <cascade/sql/statements.hpp>

#include <boost/hana/accessors.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/transform.hpp>
#include <boost/hana/at.hpp>
#include <boost/hana/front.hpp>
#include <boost/hana/length.hpp>
#include <soci/soci.h>

#include <string>
#include <utility>
#include <vector>

namespace cascade::detail {

/// The values a path binds, collected in placeholder order: pointers to the path's own storage and
/// to static constants, tagged by type. Statements are then run by one non-template function, so
/// the database code is compiled once, not once per path of every plan.
struct bound_values {
    enum class tag : unsigned char { integer, small_integer, real, text };
    struct value {
        tag type;
        void const* at;
    };
    static constexpr std::size_t capacity = 64;
    value values[capacity];
    std::size_t size = 0;

    void operator()(long long const& v) { push(tag::integer, &v); }
    void operator()(int const& v) { push(tag::small_integer, &v); }
    void operator()(double const& v) { push(tag::real, &v); }
    void operator()(std::string const& v) { push(tag::text, &v); }
    void push(tag t, void const* at) {
        if (size == capacity) throw error("cascade: more than 64 bound values in one statement");
        values[size++] = {t, at};
    }
    void bind(soci::statement& st) const {
        for (std::size_t i = 0; i < size; ++i) {
            switch (values[i].type) {
                case tag::integer: st.exchange(soci::use(*static_cast<long long const*>(values[i].at))); break;
                case tag::small_integer: st.exchange(soci::use(*static_cast<int const*>(values[i].at))); break;
                case tag::real: st.exchange(soci::use(*static_cast<double const*>(values[i].at))); break;
                case tag::text: st.exchange(soci::use(*static_cast<std::string const*>(values[i].at))); break;
            }
        }
    }
};

template <class Path>
bound_values values_of(Path const& path) {
    bound_values v;
    path.bind(v);
    return v;
}

/// Runs `text` with `values`; returns the affected rows.
inline long long execute_bound(soci::session& sql, std::string_view text, bound_values const& values) {
    soci::statement st(sql);
    st.alloc();
    st.prepare(std::string(text), soci::details::st_one_time_query);
    values.bind(st);
    st.define_and_bind();
    st.execute(true);
    return st.get_affected_rows();
}

/// Runs a statement that binds nothing.
inline void execute_text(soci::session& sql, std::string_view text) {
    execute_bound(sql, text, bound_values{});
}

/// Runs `text` with `values` and reads one value; false when there is no row.
template <class T>
bool query_bound(soci::session& sql, std::string_view text, bound_values const& values, T& out) {
    soci::statement st(sql);
    soci::indicator ind = soci::i_ok;
    st.alloc();
    st.prepare(std::string(text), soci::details::st_one_time_query);
    st.exchange(soci::into(out, ind));
    values.bind(st);
    st.define_and_bind();
    return st.execute(true) && ind != soci::i_null;
}

/// Runs `text` with `values` and reads its one column into `out`, `chunk` rows per fetch.
template <class T>
void query_column(soci::session& sql, std::string_view text, bound_values const& values, std::vector<T>& out,
                  std::size_t chunk = 1000) {
    out.clear();
    // One-element vectors are broken in SOCI 4.0's SQLite backend (see page_buffers).
    std::vector<T> page(chunk < 2 ? 2 : chunk);
    std::vector<soci::indicator> nulls(page.size());
    soci::statement st(sql);
    st.alloc();
    st.prepare(std::string(text), soci::details::st_one_time_query);
    st.exchange(soci::into(page, nulls));
    values.bind(st);
    st.define_and_bind();
    for (bool got = st.execute(true); got; got = st.fetch()) {
        out.insert(out.end(), page.begin(), page.end());
        if (page.empty()) break;
    }
}

/// Runs `text` with the path's values and reads one value; false when there is no row.
template <class Path, class T>
bool query_one(soci::session& sql, std::string_view text, Path const& path, T& out) {
    return query_bound(sql, text, values_of(path), out);
}

/// The type a member is read through: bool goes through text because PostgreSQL sends 't'/'f'.
template <class T>
using read_type_t = std::conditional_t<std::is_same_v<unwrap_optional_t<T>, bool>, std::string, db_type_t<T>>;

template <class T>
T from_db(read_type_t<T> const& v) {
    using U = unwrap_optional_t<T>;
    if constexpr (std::is_same_v<U, bool>) return !(v.empty() || v == "0" || v == "f" || v == "false");
    else return static_cast<U>(v);
}

template <class Member>
struct column_buffer {
    std::vector<read_type_t<Member>> values;
    std::vector<soci::indicator> nulls;
};

template <class Pair, class Buffer, class T>
void read_column(Pair const& pair, Buffer const& b, std::vector<T>& rows, std::size_t n, std::string_view table) {
    namespace hana = boost::hana;
    using member_t = std::remove_cvref_t<decltype(hana::second(pair)(std::declval<T&>()))>;
    for (std::size_t i = 0; i < n; ++i) {
        auto& slot = hana::second(pair)(rows[i]);
        if (b.nulls[i] == soci::i_null) {
            if constexpr (is_optional_v<member_t>) slot = std::nullopt;
            else throw unexpected_null(table, hana::to<char const*>(hana::first(pair)));
        } else {
            slot = from_db<member_t>(b.values[i]);
        }
    }
}

/// Column buffers for one page of T's rows, filled by one bulk fetch.
template <class M>
struct page_buffers {
    using T = typename M::type;
    static constexpr auto accessors() { return boost::hana::accessors<T>(); }
    decltype(boost::hana::transform(accessors(), [](auto pair) {
        using member_t = std::remove_cvref_t<decltype(boost::hana::second(pair)(std::declval<T&>()))>;
        return column_buffer<member_t>{};
    })) columns;
    /// SOCI 4.0's SQLite backend returns no row into one-element vectors: pages of one row are
    /// fetched into plain values instead.
    bool single;

    explicit page_buffers(long long limit) : single(limit <= 1) {
        auto const capacity = static_cast<std::size_t>(single ? 1 : limit);
        boost::hana::for_each(columns, [&](auto& b) {
            b.values.resize(capacity);
            b.nulls.resize(capacity);
        });
    }
    void bind(soci::statement& st) {
        boost::hana::for_each(columns, [&](auto& b) {
            if (single) st.exchange(soci::into(b.values[0], b.nulls[0]));
            else st.exchange(soci::into(b.values, b.nulls));
        });
    }
    /// Moves what the last fetch returned (`fetched`: whether it returned anything) into `rows`.
    void read(bool fetched, std::vector<T>& rows) {
        namespace hana = boost::hana;
        std::size_t const n = !fetched ? 0 : single ? 1 : hana::front(columns).values.size();
        rows.resize(n);
        constexpr std::size_t count = decltype(hana::length(accessors()))::value;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (read_column(hana::at_c<I>(accessors()), hana::at_c<I>(columns), rows, n, M::table), ...);
        }(std::make_index_sequence<count>{});
    }
};

/// A non-owning reference to a callable: how a page of rows is handed back to the plan. One
/// indirect call per page (never per row) lets the streaming code be compiled once per model.
template <class Arg>
struct page_handler {
    void* object;
    void (*call)(void*, Arg&);
    template <class F>
    page_handler(F& f) : object(&f), call([](void* o, Arg& a) { (*static_cast<F*>(o))(a); }) {}
    void operator()(Arg& a) const { call(object, a); }
};

/// The statements that stream one path's rows, frozen per path.
struct row_stream_text {
    std::string_view select_all;      ///< SQLite: one stepped SELECT
    std::string_view declare_cursor;  ///< PostgreSQL: a cursor over the same SELECT
    std::string_view cursor_name;
    std::string_view close_cursor;
};
template <class Path>
constexpr row_stream_text row_stream_text_of() {
    return {text_of<sql::select_all<Path>>(), text_of<sql::declare_cursor<Path>>(),
            text_of<sql::cursor_name<Path>>(), text_of<sql::close_cursor<Path>>()};
}

/// Streams every row of a path by key, `limit` rows at a time, from one sorted scan, calling
/// on_page(rows) for each page. SQLite steps one SELECT; PostgreSQL reads a server-side cursor.
/// on_page may delete the rows it was given (and rows of other tables): SQLite allows deleting rows
/// a pending SELECT has already returned, and a PostgreSQL cursor reads its own snapshot.
template <class M>
void stream_rows(soci::session& sql, sql::dialect dialect, row_stream_text const& text, bound_values const& values,
                 long long limit, page_handler<std::vector<typename M::type>> on_page) {
    std::vector<typename M::type> rows;
    page_buffers<M> buffers(limit);
    if (dialect == sql::dialect::postgresql) {
        execute_bound(sql, text.declare_cursor, values);
        std::string const fetch = "FETCH FORWARD " + std::to_string(limit) + " FROM " + std::string(text.cursor_name);
        soci::statement st(sql);
        st.alloc();
        st.prepare(fetch, soci::details::st_one_time_query);
        buffers.bind(st);
        st.define_and_bind();
        for (;;) {
            bool const fetched = st.execute(true);
            buffers.read(fetched, rows);
            if (rows.empty()) break;
            on_page(rows);
            if (rows.size() < static_cast<std::size_t>(limit)) break;
        }
        execute_text(sql, text.close_cursor);
    } else {
        soci::statement st(sql);
        st.alloc();
        st.prepare(std::string(text.select_all), soci::details::st_one_time_query);
        buffers.bind(st);
        values.bind(st);
        st.define_and_bind();
        for (bool fetched = st.execute(true); fetched; fetched = st.fetch()) {
            buffers.read(fetched, rows);
            if (rows.empty()) break;
            on_page(rows);
        }
    }
}

template <class M>
key_db_t<M> key_of(typename M::type const& row) {
    return static_cast<key_db_t<M>>(row.*primary_key_of<M>);
}

}  // namespace cascade::detail
