#pragma once
// The roots a destroy starts from: one key, a list of keys, or a condition (its rows' keys read first),
// each checked and bound, then run by the engine with the row code of the models that root reaches.
#include <cascade/schema_check.hpp>
#include <cascade/soci/detail/run_destroy.hpp>

#include <iterator>
#include <string>
#include <string_view>

namespace cascade::detail {

/// The conditions of destroy_all(where<...>...): columns of the root model and their values.
template <class T, class... Ws>
struct where_list {
    static_assert(((member_traits<where_traits<Ws>::member>::is_member &&
                    std::is_same_v<typename member_traits<where_traits<Ws>::member>::owner, T>) && ...),
                  "cascade::destroy_all: every where<&T::member, value> must name a member of T");
    static constexpr std::array<scope_data, sizeof...(Ws)> scopes = [] {
        std::array<scope_data, sizeof...(Ws)> out{};
        int i = 0;
        ((out[static_cast<std::size_t>(i)] = {column_name_v<where_traits<Ws>::member>, i}, ++i), ...);
        return out;
    }();
    static constexpr std::array<constant_data, sizeof...(Ws)> constants{
        constant_data{tag_of_v<typename constant<where_traits<Ws>::value>::type>, &constant<where_traits<Ws>::value>::address}...};
};
template <class Schema, class T, class... Ws>
root_spec where_root() {
    root_spec r;
    r.model = root_model<Schema, T>();
    r.scopes = where_list<T, Ws...>::scopes;
    r.constants = where_list<T, Ws...>::constants;
    return r;
}

/// The value a key is bound as, checked (no NUL byte) before anything runs.
template <class M, class Key>
key_db_t<M> key_value(Key const& key) {
    check_value(key, "key");
    if constexpr (std::is_same_v<key_db_t<M>, std::string>) return std::string(key);
    else return static_cast<key_db_t<M>>(key);
}
/// A list of keys as one bound value (a PostgreSQL array, a JSON array for SQLite).
template <class M, class Keys>
std::string key_list(Keys const& keys, sql::dialect d) {
    std::string list;
    for (auto const& k : keys) {
        auto const v = key_value<M>(k);
        if constexpr (std::is_same_v<decltype(v), std::string const>) sql::append_list_element(list, d, std::string_view(v));
        else sql::append_list_element(list, d, static_cast<long long>(v));
    }
    sql::close_list(list, d);
    return list;
}

template <class Schema, class T, class Key>
destroy_result destroy_key(soci::session& sql, transaction* scope, Key const& key, destroy_options const& options) {
    using M = model_for_t<Schema, T>;
    auto const value = key_value<M>(key);
    bound_values root;
    root(value, "key");
    static prepared_plan const& pp = prepare(graph_of<Schema>, key_root<Schema, T>());
    no_sink sink;
    return run_destroy<Schema>(sql, scope, pp, root, options, sink, has_end_work<Schema>(root_model<Schema, T>(), false),
                               {.rows = row_table<Schema, no_sink, root_model<Schema, T>()>.data()});
}

template <class Schema, class T, class Keys>
destroy_result destroy_keys(soci::session& sql, transaction* scope, Keys const& keys, destroy_options const& options) {
    using M = model_for_t<Schema, T>;
    std::string const list = key_list<M>(keys, dialect_of(sql));
    bound_values root;
    root(list, "key list");
    static prepared_plan const& pp = prepare(graph_of<Schema>, keys_root<Schema, T>());
    no_sink sink;
    return run_destroy<Schema>(sql, scope, pp, root, options, sink, has_end_work<Schema>(root_model<Schema, T>(), false),
                               {.not_found_is_empty = true, .rows = row_table<Schema, no_sink, root_model<Schema, T>()>.data()});
}

/// The root of a destroy by condition once its rows are known: their keys, and the condition still.
template <class Schema, class T, class... Ws>
root_spec where_keys_root() {
    root_spec r = where_root<Schema, T, Ws...>();
    r.column = graph_of<Schema>.model(r.model).key;
    r.list = true;
    return r;
}
/// The keys of the rows of T that match the condition now, as one bound list. A destroy by condition
/// runs on the rows that matched when it started (by this list, the condition still checked), never
/// on the condition alone: on PostgreSQL each statement sees what other transactions committed before
/// it began, so a row that came to match meanwhile would be deleted by the last statement only: after
/// the statements that destroy dependents (its own would stay orphaned, or a foreign key refuse the
/// delete) and without its callbacks. Rails' where(...).destroy_all loads its rows first too.
template <class Schema, class T, class... Ws>
std::string keys_where(soci::session& sql) {
    using M = model_for_t<Schema, T>;
    static prepared_plan const& pp = prepare(graph_of<Schema>, where_root<Schema, T, Ws...>());
    sql::dialect const d = dialect_of(sql);
    auto const& st = pp.in(d).root_keys;
    std::vector<key_db_t<M>> keys;
    query_column(sql, st.text, bind(st, graph_of<Schema>, pp.p.root, bound_values{}), keys, 10000);
    return key_list<M>(keys, d);
}

template <class Schema, class T, class... Ws>
destroy_result destroy_where(soci::session& sql, transaction* scope, destroy_options const& options) {
    std::string const list = keys_where<Schema, T, Ws...>(sql);
    bound_values root;
    root(list, "key list");
    static prepared_plan const& pp = prepare(graph_of<Schema>, where_keys_root<Schema, T, Ws...>());
    no_sink sink;
    return run_destroy<Schema>(sql, scope, pp, root, options, sink, has_end_work<Schema>(root_model<Schema, T>(), false),
                               {.not_found_is_empty = true, .rows = row_table<Schema, no_sink, root_model<Schema, T>()>.data()});
}

[[noreturn]] inline void throw_not_destroyed(std::string_view table, std::string key, destroy_result const& r) {
    switch (r.status) {
        case destroy_status::not_found: throw record_not_destroyed(table, std::move(key), "not found");
        case destroy_status::restricted: throw record_not_destroyed(table, std::move(key), r.errors.front().message);
        default: throw record_not_destroyed(table, std::move(key), "a before_destroy callback aborted");
    }
}

template <class Key>
concept key_range = requires(Key const& k) {
    std::begin(k);
    std::end(k);
} && !std::is_convertible_v<Key const&, std::string_view>;


}  // namespace cascade::detail
