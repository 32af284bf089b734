#pragma once
// Moving values between SOCI and the models: a statement's bound values (checked: no text with a NUL
// byte ever reaches the database), running statements, and streaming rows into structs a page at a
// time, column by column in bulk. Statements run through a few non-template functions, so the
// database code is compiled once, not once per model or plan.
#include <cascade/detail/graph.hpp>
#include <cascade/errors.hpp>
#include <cascade/sql/dialect.hpp>

#include <soci/soci.h>

#include <array>
#include <atomic>
#include <iterator>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace cascade::detail {

/// The values a statement binds, in placeholder order: pointers to storage that outlives the
/// statement, tagged by type and by what the value is (named in a null_byte_in_text error).
struct bound_values {
    struct value {
        value_tag type;
        void const* at;
        char const* role;
    };
    static constexpr std::size_t capacity = 128;
    value values[capacity];
    std::size_t size = 0;

    void operator()(long long const& v, char const* role = "value") { push(value_tag::integer, &v, role); }
    void operator()(int const& v, char const* role = "value") { push(value_tag::small_integer, &v, role); }
    void operator()(double const& v, char const* role = "value") { push(value_tag::real, &v, role); }
    void operator()(std::string const& v, char const* role = "value") { push(value_tag::text, &v, role); }
    void push(value_tag t, void const* at, char const* role) {
        if (size == capacity) throw error("cascade: more than 128 bound values in one statement");
        values[size++] = {t, at, role};
    }
    value const& operator[](std::size_t i) const { return values[i]; }
    /// Refuses a text value with a NUL byte: SOCI's PostgreSQL backend would cut it short.
    void check() const {
        for (std::size_t i = 0; i < size; ++i)
            if (values[i].type == value_tag::text &&
                static_cast<std::string const*>(values[i].at)->find('\0') != std::string::npos)
                throw null_byte_in_text(values[i].role);
    }
    void bind(soci::statement& st) const {
        check();
        for (std::size_t i = 0; i < size; ++i) {
            switch (values[i].type) {
                case value_tag::integer: st.exchange(soci::use(*static_cast<long long const*>(values[i].at))); break;
                case value_tag::small_integer: st.exchange(soci::use(*static_cast<int const*>(values[i].at))); break;
                case value_tag::real: st.exchange(soci::use(*static_cast<double const*>(values[i].at))); break;
                case value_tag::text: st.exchange(soci::use(*static_cast<std::string const*>(values[i].at))); break;
            }
        }
    }
};

/// Refuses a text value with a NUL byte before anything runs (keys given to destroy, job values).
inline void check_text(std::string_view v, char const* role) {
    if (v.find('\0') != std::string_view::npos) throw null_byte_in_text(role);
}
template <class T>
void check_value(T const& v, char const* role) {
    if constexpr (std::is_convertible_v<T const&, std::string_view>) check_text(v, role);
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

/// Runs `text` with `values` and reads one value; false when there is no row (or it is NULL).
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
    // One-element vectors are broken in SOCI 4.0's SQLite backend (see page_columns::bind).
    std::vector<T> page(chunk < 2 ? 2 : chunk);
    std::vector<soci::indicator> nulls(page.size());
    soci::statement st(sql);
    st.alloc();
    st.prepare(std::string(text), soci::details::st_one_time_query);
    st.exchange(soci::into(page, nulls));
    values.bind(st);
    st.define_and_bind();
    for (bool got = st.execute(true); got; got = st.fetch()) {
        for (std::size_t i = 0; i < page.size(); ++i)
            if (nulls[i] != soci::i_null) out.push_back(page[i]);
        if (page.empty()) break;
    }
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

/// One page of one column, untyped: the values in the vector of the type they are read as (a
/// value_tag: integer, real or text), and their null indicators.
struct column_page {
    value_tag tag{};
    std::vector<long long> integers;
    std::vector<double> reals;
    std::vector<std::string> texts;
    std::vector<soci::indicator> nulls;

    template <class R>
    R const& at(std::size_t i) const {
        if constexpr (std::is_same_v<R, long long>) return integers[i];
        else if constexpr (std::is_same_v<R, double>) return reals[i];
        else return texts[i];
    }
};

/// The buffers one page of rows is fetched into, by column, and, last, the association that reached
/// each row (an edge index, -1 for the rows destroy was called on): sized and bound by their tags, so
/// this is compiled once for every model; only moving a page into structs is per model
/// (page_buffers::read).
class page_columns {
public:
    page_columns(std::span<value_tag const> tags, long long limit) : columns_(tags.size()), single_(limit <= 1) {
        auto const capacity = static_cast<std::size_t>(single_ ? 1 : limit);
        for (std::size_t c = 0; c < tags.size(); ++c) {
            auto& b = columns_[c];
            b.tag = tags[c];
            switch (b.tag) {
                case value_tag::integer: b.integers.resize(capacity); break;
                case value_tag::real: b.reals.resize(capacity); break;
                default: b.texts.resize(capacity); break;
            }
            b.nulls.resize(capacity);
        }
        via_.resize(capacity);
        via_nulls_.resize(capacity);
    }
    page_columns(page_columns const&) = delete;  // a statement is bound to the buffers
    page_columns& operator=(page_columns const&) = delete;

    /// SOCI 4.0's SQLite backend returns no row into one-element vectors: pages of one row are
    /// fetched into plain values instead.
    void bind(soci::statement& st) {
        for (auto& b : columns_) {
            switch (b.tag) {
                case value_tag::integer: into(st, b.integers, b.nulls); break;
                case value_tag::real: into(st, b.reals, b.nulls); break;
                default: into(st, b.texts, b.nulls); break;
            }
        }
        into(st, via_, via_nulls_);
    }
    /// How many rows the last fetch returned (`fetched`: whether it returned anything), and each
    /// row's association into `vias`.
    std::size_t read_vias(bool fetched, std::vector<int>& vias) const {
        std::size_t const n = !fetched ? 0 : single_ ? 1 : via_.size();
        vias.assign(via_.begin(), via_.begin() + static_cast<std::ptrdiff_t>(n));
        return n;
    }
    column_page const* columns() const { return columns_.data(); }

private:
    template <class V>
    void into(soci::statement& st, std::vector<V>& values, std::vector<soci::indicator>& nulls) {
        if (single_) st.exchange(soci::into(values[0], nulls[0]));
        else st.exchange(soci::into(values, nulls));
    }
    std::vector<column_page> columns_;
    std::vector<int> via_;
    std::vector<soci::indicator> via_nulls_;
    bool single_;
};

/// Member `pointer` of the first `n` rows, from its column's page.
template <class T, class Pointer>
void read_column(T* rows, std::size_t n, Pointer pointer, column_page const& b, std::string_view table,
                 std::string_view column) {
    using Member = std::remove_cvref_t<decltype(std::declval<T&>().*pointer)>;
    for (std::size_t i = 0; i < n; ++i) {
        auto& slot = rows[i].*pointer;
        if (b.nulls[i] == soci::i_null) {
            if constexpr (is_optional_v<Member>) slot = std::nullopt;
            else throw unexpected_null(table, column);
        } else {
            slot = from_db<Member>(b.template at<read_type_t<Member>>(i));
        }
    }
}

/// An adapted struct's columns as the page reads them: each one's read tag, and the one function that
/// moves a page into structs, a column at a time (one pack expansion: no tuple of typed buffers, no
/// function per column).
template <class Columns>
struct row_layout;
template <class... Cs>
struct row_layout<columns<Cs...>> {
    static constexpr std::array<value_tag, sizeof...(Cs)> tags{
        tag_of_v<read_type_t<typename member_traits<Cs::pointer>::type>>...};
    template <class T>
    static void read(T* rows, std::size_t n, column_page const* page, std::string_view table) {
        [[maybe_unused]] int const in_order[]{0, (read_column(rows, n, Cs::pointer, *page++, table, Cs::name), 0)...};
    }
};
template <class T>
using row_layout_t = row_layout<columns_of_t<T>>;

/// Rows of a page as structs: `size` of them from `data`, valid until the next page is read. A plain
/// pointer and count, not std::span or std::vector: at -O0 each of those is a few dozen functions more per
/// model.
template <class T>
struct page_rows {
    T* data = nullptr;
    std::size_t size = 0;
};

/// One page of M's rows, fetched into page_columns and read into structs, which are made for the
/// largest page read so far and reused page after page.
template <class M>
class page_buffers {
public:
    using T = typename M::type;
    using layout = row_layout_t<T>;

    explicit page_buffers(long long limit) : page_(layout::tags, limit) {}
    page_buffers(page_buffers const&) = delete;
    page_buffers& operator=(page_buffers const&) = delete;
    ~page_buffers() { delete[] rows_; }

    static void bind(void* self, soci::statement& st) { static_cast<page_buffers*>(self)->page_.bind(st); }
    /// Moves what the last fetch returned (`fetched`: whether it returned anything) into structs, and
    /// each row's association into `vias`.
    page_rows<T> read(bool fetched, std::vector<int>& vias) {
        std::size_t const n = page_.read_vias(fetched, vias);
        if (n > made_) {
            T* const more = new T[n]();  // value-initialized, as std::vector would
            delete[] rows_;
            rows_ = more;
            made_ = n;
        }
        layout::template read<T>(rows_, n, page_.columns(), M::table);
        return {rows_, n};
    }

private:
    page_columns page_;
    T* rows_ = nullptr;
    std::size_t made_ = 0;
};

/// A unique name for a server-side cursor of this process.
inline std::string next_cursor_name() {
    static std::atomic<unsigned long long> counter{0};
    return "\"cascade_c" + std::to_string(++counter) + "\"";
}

/// The rows of a SELECT, a page at a time, from one scan: a stepped statement on SQLite, a
/// server-side cursor on PostgreSQL (inside the transaction). open() runs the query: from then on the
/// rows are fixed even if they are deleted (PostgreSQL reads the cursor's snapshot; SQLite's sorted
/// statements have read every row when they return the first), so a caller may delete them and still
/// read them. Untyped, compiled once: the buffers a page is fetched into are bound through `bind`, so
/// each model's row code is only its page_buffers (see row_stream).
class row_cursor {
public:
    using binder = void (*)(void* buffers, soci::statement&);
    row_cursor(soci::session& sql, sql::dialect d, std::string_view text, bound_values const& values, long long page)
        : sql_(sql), dialect_(d), text_(text), values_(values), page_(page < 1 ? 1 : page) {}
    row_cursor(row_cursor const&) = delete;
    row_cursor& operator=(row_cursor const&) = delete;
    ~row_cursor() {
        if (!cursor_.empty()) {
            try {
                execute_text(sql_, "CLOSE " + cursor_);
            } catch (...) {
                // the transaction is failing; the cursor goes with it
            }
        }
    }
    long long page() const { return page_; }
    bool done() const { return done_; }

    void open(binder bind, void* buffers) {
        if (dialect_->server_cursor) {
            std::string name = next_cursor_name();
            execute_bound(sql_, "DECLARE " + name + " NO SCROLL CURSOR FOR " + std::string(text_), values_);
            cursor_ = std::move(name);
            st_.emplace(sql_);
            st_->alloc();
            st_->prepare("FETCH FORWARD " + std::to_string(page_) + " FROM " + cursor_, soci::details::st_one_time_query);
            bind(buffers, *st_);
            st_->define_and_bind();
        } else {
            st_.emplace(sql_);
            st_->alloc();
            st_->prepare(std::string(text_), soci::details::st_one_time_query);
            bind(buffers, *st_);
            values_.bind(*st_);
            st_->define_and_bind();
            pending_ = st_->execute(true);
            first_ = true;
        }
    }
    /// Fetches the next page into the bound buffers: whether it returned anything.
    bool fetch() {
        if (dialect_->server_cursor) return st_->execute(true);
        if (first_) {
            first_ = false;
            return pending_;
        }
        return st_->fetch();
    }
    /// After a page of `rows` rows: the last one (empty, or short of a page from a cursor) ends it.
    void after_page(std::size_t rows) {
        if (rows == 0 || (dialect_->server_cursor && rows < static_cast<std::size_t>(page_))) {
            done_ = true;
            close();
        }
    }
    /// Closes the cursor now (a finished stream holds nothing on the server).
    void close() {
        if (cursor_.empty()) return;
        std::string const name = std::move(cursor_);
        cursor_.clear();
        execute_text(sql_, "CLOSE " + name);
    }

private:
    soci::session& sql_;
    sql::dialect dialect_;
    std::string_view text_;
    bound_values const& values_;
    long long page_;
    std::optional<soci::statement> st_;
    std::string cursor_;
    bool pending_ = false, first_ = false, done_ = false;
};

/// The rows of model M that a row_cursor returns, a page at a time, as structs.
template <class M>
class row_stream {
public:
    using T = typename M::type;
    row_stream(soci::session& sql, sql::dialect d, std::string_view text, bound_values const& values, long long page)
        : buffers_(page < 1 ? 1 : page), cursor_(sql, d, text, values, page) {}

    void open() {
        cursor_.open(&page_buffers<M>::bind, &buffers_);
    }
    /// The next page, valid until the next call (no rows at the end).
    page_rows<T> next_page(std::vector<int>& vias) {
        if (cursor_.done()) {
            vias.clear();
            return {};
        }
        page_rows<T> const rows = buffers_.read(cursor_.fetch(), vias);
        cursor_.after_page(rows.size);
        return rows;
    }
    /// The next page, moved into `rows` (empty at the end).
    bool next(std::vector<T>& rows, std::vector<int>& vias) {
        page_rows<T> const page = next_page(vias);
        rows.assign(std::make_move_iterator(page.data), std::make_move_iterator(page.data + page.size));
        return page.size > 0;
    }
    void close() { cursor_.close(); }

private:
    // The buffers outlive the cursor, whose statement is bound to them.
    page_buffers<M> buffers_;
    row_cursor cursor_;
};

template <class M>
key_db_t<M> key_of(typename M::type const& row) {
    return static_cast<key_db_t<M>>(row.*primary_key_of<M>);
}

}  // namespace cascade::detail
