#pragma once
// The dry run: what a destroy would delete and nullify, per table, and the restrictions that would
// stop it, without changing anything (Django's admin shows this before a delete). It is the destroy's
// own plan, run by the same loop with each write replaced by a read of the same rows, in one
// read-only snapshot (REPEATABLE READ READ ONLY on PostgreSQL): what it reports is what the destroy
// does, and it runs anywhere a read does (a READ ONLY transaction, a hot standby, SQLite's
// query_only). A plan that reaches belongs_to targets, whose own plans run after some of its deletes
// and may meet rows it deleted (a profile and its user that destroy each other; a book that destroys
// its author, who restricts destroying books; one person as a badge's giver and holder), reads the
// keys each step would take and counts only those no earlier step took (run_context::track); other
// plans count. A dry run by a condition reads the matching keys first, as the destroy does.
#include <cascade/soci/destroy.hpp>

namespace cascade {

namespace detail {

/// Whether the plan reaches belongs_to targets (their plans then run after its deletes).
inline bool reaches_targets(plan const& p) {
    return std::any_of(p.steps.begin(), p.steps.end(), [](plan_step const& s) { return s.kind == step_kind::capture_targets; });
}

template <class Schema>
destroy_result run_dry(soci::session& sql, prepared_plan const& pp, bound_values const& root, bool not_found_is_empty) {
    root.check();
    destroy_result result;
    sql::dialect const d = dialect_of(sql);
    run_context ctx{sql, d, *pp.p.g, result, 1000, run_mode::dry_run, nullptr};
    ctx.track = reaches_targets(pp.p);
    bool const own = !in_transaction(sql);
    if (own) execute_text(sql, std::string(d->begin_read_only));
    run_outcome outcome;
    try {
        outcome = run_plan(ctx, pp, root);
    } catch (...) {
        if (own) {
            try {
                execute_text(sql, "ROLLBACK");
            } catch (...) {
            }
        }
        throw;
    }
    if (own) execute_text(sql, "ROLLBACK");
    if (outcome == run_outcome::not_found && !not_found_is_empty) {
        result.status = destroy_status::not_found;
        result.counts.clear();
    } else if (outcome == run_outcome::restricted) {
        result.status = destroy_status::restricted;
    }
    return result;
}

}  // namespace detail

/// Counts, per table, the rows destroy<Schema, T>(sql, key) would delete or nullify, and the
/// restrictions that would stop it (status restricted), without changing anything. Inside a
/// transaction it reads what that transaction sees; it writes nothing and takes no row lock, so it runs
/// in a read-only transaction or on a hot standby too.
template <class Schema, class T, class Key>
destroy_result dry_run(session_ref on, Key const& key) {
    if constexpr (check_schema<Schema>::ok) {
        soci::session& sql = on.session();
        using M = detail::model_for_t<Schema, T>;
        auto const value = detail::key_value<M>(key);
        detail::bound_values root;
        root(value, "key");
        static detail::prepared_plan const& pp = detail::prepare(detail::graph_of<Schema>, detail::key_root<Schema, T>());
        return detail::run_dry<Schema>(sql, pp, root, false);
    } else {
        return {};
    }
}

/// The dry run of destroy_all<Schema, T>(sql, keys).
template <class Schema, class T, detail::key_range Keys>
destroy_result dry_run_all(session_ref on, Keys const& keys) {
    if constexpr (check_schema<Schema>::ok) {
        soci::session& sql = on.session();
        using M = detail::model_for_t<Schema, T>;
        std::string const list = detail::key_list<M>(keys, detail::dialect_of(sql));
        detail::bound_values root;
        root(list, "key list");
        static detail::prepared_plan const& pp = detail::prepare(detail::graph_of<Schema>, detail::keys_root<Schema, T>());
        return detail::run_dry<Schema>(sql, pp, root, true);
    } else {
        return {};
    }
}
/// The dry run of destroy_all<Schema, T, where<...>...>(sql).
template <class Schema, class T, class Where, class... Wheres>
    requires(detail::is_where<Where>::value && (detail::is_where<Wheres>::value && ...))
destroy_result dry_run_all(session_ref on) {
    if constexpr (check_schema<Schema>::ok) {
        soci::session& sql = on.session();
        // as the destroy: the rows that match now, by key, the condition still checked
        std::string const list = detail::keys_where<Schema, T, Where, Wheres...>(sql);
        detail::bound_values root;
        root(list, "key list");
        static detail::prepared_plan const& pp =
            detail::prepare(detail::graph_of<Schema>, detail::where_keys_root<Schema, T, Where, Wheres...>());
        return detail::run_dry<Schema>(sql, pp, root, true);
    } else {
        return {};
    }
}

}  // namespace cascade
