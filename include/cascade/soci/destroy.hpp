#pragma once
// destroy, destroy_or_throw and destroy_all: the plan of the rows they name, run in one transaction
// (the engine: soci/detail/run_destroy.hpp; the roots: soci/detail/roots.hpp).
#include <cascade/soci/destroy_options.hpp>
#include <cascade/soci/detail/roots.hpp>

namespace cascade {


/// Destroys the row of T with `key` and everything its dependent policies reach, in one transaction: its
/// own, a savepoint of the one open on the session, or `on`'s cascade::transaction (whose commit runs
/// after_commit, and rollback after_rollback). restrict_with_exception throws
/// cascade::delete_restriction_error; every other outcome is in the result. Database errors propagate
/// after a rollback that leaves every row in place. (A cascade that reaches destroy_async needs a job
/// runtime: see <cascade/jobs.hpp>.)
template <class Schema, class T, class Key>
destroy_result destroy(session_ref on, Key const& key, destroy_options const& options = {}) {
    if constexpr (check_schema<Schema>::ok) {
        if constexpr (detail::destroy_allowed<Schema, T>()) return detail::destroy_key<Schema, T>(on.session(), on.scope(), key, options);
        else return {};
    } else {
        return {};
    }
}

/// Rails' destroy!: the same, but an outcome other than destroyed throws record_not_destroyed.
template <class Schema, class T, class Key>
destroy_result destroy_or_throw(session_ref on, Key const& key, destroy_options const& options = {}) {
    destroy_result r = destroy<Schema, T>(on, key, options);
    if (!r) detail::throw_not_destroyed(detail::model_for_t<Schema, T>::table, detail::key_string(key), r);
    return r;
}

/// Destroys the rows of T with these keys, in one transaction, each with its callbacks and its
/// dependents as if destroyed alone; one plan runs for all (Rails' `where(id: keys).destroy_all`,
/// Django's QuerySet.delete()). A restriction on any of them stops all: the result lists each.
template <class Schema, class T, detail::key_range Keys>
destroy_result destroy_all(session_ref on, Keys const& keys, destroy_options const& options = {}) {
    if constexpr (check_schema<Schema>::ok) {
        if constexpr (detail::destroy_allowed<Schema, T>()) return detail::destroy_keys<Schema, T>(on.session(), on.scope(), keys, options);
        else return {};
    } else {
        return {};
    }
}
/// Destroys the rows of T matching every condition given as template arguments:
///   cascade::destroy_all<schema, Author, cascade::where<&Author::banned, true>>(sql)
/// (the scopes' vocabulary: equality on T's columns, values bound).
template <class Schema, class T, class Where, class... Wheres>
    requires(detail::is_where<Where>::value && (detail::is_where<Wheres>::value && ...))
destroy_result destroy_all(session_ref on, destroy_options const& options = {}) {
    if constexpr (check_schema<Schema>::ok) {
        if constexpr (detail::destroy_allowed<Schema, T>())
            return detail::destroy_where<Schema, T, Where, Wheres...>(on.session(), on.scope(), options);
        else return {};
    } else {
        return {};
    }
}

}  // namespace cascade

