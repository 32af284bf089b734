#pragma once
// Moving values between SOCI and the models: running a statement with a path's bound values, and
// loading one keyset page of rows into structs, column by column in bulk.
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

/// Runs the statement Gen made for `path`, binding the path's values; returns the affected rows.
template <class Gen, class Path>
long long execute(soci::session& sql, Path const& path) {
    soci::statement st(sql);
    st.alloc();
    st.prepare(std::string(text_of<Gen>()));
    path.bind([&](auto const& v) { st.exchange(soci::use(v)); });
    st.define_and_bind();
    st.execute(true);
    return st.get_affected_rows();
}

/// Runs `text` with the path's values and reads one value; false when there is no row.
template <class Path, class T>
bool query_one(soci::session& sql, std::string_view text, Path const& path, T& out) {
    soci::statement st(sql);
    soci::indicator ind = soci::i_ok;
    st.alloc();
    st.prepare(std::string(text));
    st.exchange(soci::into(out, ind));
    path.bind([&](auto const& v) { st.exchange(soci::use(v)); });
    st.define_and_bind();
    return st.execute(true) && ind != soci::i_null;
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

/// Loads one page of `Path`'s rows (key > after when After), at most `limit` rows, ordered by key.
template <class Path, bool After>
void load_page(soci::session& sql, Path const& path, key_db_t<typename Path::model> const* after,
               long long limit, std::vector<typename Path::model::type>& rows) {
    using M = typename Path::model;
    using T = typename M::type;
    namespace hana = boost::hana;
    auto accessors = hana::accessors<T>();
    // SOCI 4.0's SQLite backend returns no row into string vectors of size 1, so the buffers hold
    // at least two rows; LIMIT still bounds what is fetched.
    auto const capacity = static_cast<std::size_t>(limit < 2 ? 2 : limit);
    auto buffers = hana::transform(accessors, [&](auto pair) {
        using member_t = std::remove_cvref_t<decltype(hana::second(pair)(std::declval<T&>()))>;
        return column_buffer<member_t>{std::vector<read_type_t<member_t>>(capacity),
                                       std::vector<soci::indicator>(capacity)};
    });
    soci::statement st(sql);
    st.alloc();
    st.prepare(std::string(text_of<sql::select_page<Path, After>>()));
    hana::for_each(buffers, [&](auto& b) { st.exchange(soci::into(b.values, b.nulls)); });
    path.bind([&](auto const& v) { st.exchange(soci::use(v)); });
    if constexpr (After) st.exchange(soci::use(*after));
    st.exchange(soci::use(limit));
    st.define_and_bind();
    rows.clear();
    if (!st.execute(true)) return;
    std::size_t const n = hana::front(buffers).values.size();
    rows.resize(n);
    constexpr std::size_t columns = decltype(hana::length(accessors))::value;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (read_column(hana::at_c<I>(accessors), hana::at_c<I>(buffers), rows, n, M::table), ...);
    }(std::make_index_sequence<columns>{});
}

template <class M>
key_db_t<M> key_of(typename M::type const& row) {
    return static_cast<key_db_t<M>>(row.*primary_key_of<M>);
}

}  // namespace cascade::detail
