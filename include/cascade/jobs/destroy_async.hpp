#pragma once
// destroy with destroy_async: the owner's cascade runs in the request's transaction; the jobs of its
// destroy_async associations go to the runtime's executor only after the outermost transaction
// commits (or, with the durable queue, are written into it).
//   cascade::destroy<schema, Author>(sql, 1, jobs);          // its own transaction
//   cascade::transaction tx(sql);                              // or the application's
//   cascade::destroy<schema, Author>(tx, 1, jobs);
//   tx.commit();                                               // the jobs are handed over here
#include <cascade/jobs/runtime.hpp>

namespace cascade {

namespace detail {

template <class Schema, class T, class Runtime, class Key>
destroy_result destroy_key_async(soci::session& sql, transaction* scope, Key const& key, Runtime& jobs,
                                 destroy_options const& options) {
    using M = model_for_t<Schema, T>;
    auto const value = key_value<M>(key);
    bound_values root;
    root(value, "key");
    static prepared_plan const& pp = prepare(graph_of<Schema>, key_root<Schema, T>());
    pending_jobs<Runtime> sink(jobs);
    return run_destroy<Schema>(sql, scope, pp, root, options, sink, has_end_work<Schema>(root_model<Schema, T>(), Runtime::holds_jobs),
                               {.rows = row_table<Schema, pending_jobs<Runtime>, root_model<Schema, T>()>.data()});
}

template <class Schema, class T, class Runtime, class Keys>
destroy_result destroy_keys_async(soci::session& sql, transaction* scope, Keys const& keys, Runtime& jobs,
                                  destroy_options const& options) {
    using M = model_for_t<Schema, T>;
    std::string const list = key_list<M>(keys, dialect_of(sql));
    bound_values root;
    root(list, "key list");
    static prepared_plan const& pp = prepare(graph_of<Schema>, keys_root<Schema, T>());
    pending_jobs<Runtime> sink(jobs);
    return run_destroy<Schema>(sql, scope, pp, root, options, sink, has_end_work<Schema>(root_model<Schema, T>(), Runtime::holds_jobs),
                               {.not_found_is_empty = true, .rows = row_table<Schema, pending_jobs<Runtime>, root_model<Schema, T>()>.data()});
}

}  // namespace detail

/// Destroys the row of T with `key`; the destroy_async jobs go to `jobs`' executor after the commit (of
/// the destroy's own transaction, or of `on`'s cascade::transaction; none after a rollback, none for an
/// owner without dependents).
template <class Schema, class T, class Key, class Executor, class Sessions>
destroy_result destroy(session_ref on, Key const& key, async_runtime<Schema, Executor, Sessions>& jobs,
                       destroy_options const& options = {}) {
    if constexpr (check_schema<Schema>::ok) return detail::destroy_key_async<Schema, T>(on.session(), on.scope(), key, jobs, options);
    else return {};
}

template <class Schema, class T, class Key, class Executor, class Sessions>
destroy_result destroy_or_throw(session_ref on, Key const& key, async_runtime<Schema, Executor, Sessions>& jobs,
                                destroy_options const& options = {}) {
    destroy_result r = destroy<Schema, T>(on, key, jobs, options);
    if (!r) detail::throw_not_destroyed(detail::model_for_t<Schema, T>::table, detail::key_string(key), r);
    return r;
}

/// destroy_all with destroy_async jobs: one transaction, each destroyed row's jobs after the commit.
template <class Schema, class T, detail::key_range Keys, class Executor, class Sessions>
destroy_result destroy_all(session_ref on, Keys const& keys, async_runtime<Schema, Executor, Sessions>& jobs,
                           destroy_options const& options = {}) {
    if constexpr (check_schema<Schema>::ok) return detail::destroy_keys_async<Schema, T>(on.session(), on.scope(), keys, jobs, options);
    else return {};
}

}  // namespace cascade
