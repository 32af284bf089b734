#pragma once
// The dry run: what a destroy would delete and nullify, per table, and the restrictions that would
// stop it, without changing anything (Django's admin shows this before a delete). It is the destroy's
// own plan, run by the same loop with each write replaced by a COUNT(*) of the same rows, in one
// read-only snapshot (REPEATABLE READ on PostgreSQL): what it reports is what the destroy does.
// One kind of plan cannot be counted so: one that reaches belongs_to targets, whose own plans run
// after this one's deletes and may meet rows it deleted (a profile and its user that each destroy the
// other; a book that destroys its author, who restricts destroying books; one person as a badge's
// giver and holder). Their dry run does the destroy, without callbacks or jobs, and rolls it back:
// exact, at the price of the destroy's row locks for its duration; it needs a transaction that may
// write (not a READ ONLY one, not a hot standby), and the database's own delete triggers fire (their
// writes are rolled back too; sequences they advance stay advanced). A dry run by a condition reads
// the matching keys first, as the destroy does, then counts in its snapshot.
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
    bool const by_doing = reaches_targets(pp.p);
    std::vector<row_ops> const no_code(by_doing ? arrays<Schema>::N : 0);
    run_context ctx{sql, d, *pp.p.g, result, 1000, !by_doing, by_doing ? no_code.data() : nullptr};
    ctx.preview = by_doing;
    bool const own = !in_transaction(sql);
    if (own) {
        if (by_doing) execute_text(sql, d == sql::dialect::sqlite ? "BEGIN IMMEDIATE" : "BEGIN");  // as the destroy's own
        else execute_text(sql, d == sql::dialect::postgresql ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
    } else if (by_doing) {
        execute_text(sql, "SAVEPOINT cascade_dry_run");
    }
    auto const undo = [&] {
        if (own) execute_text(sql, "ROLLBACK");
        else if (by_doing) {
            execute_text(sql, "ROLLBACK TO SAVEPOINT cascade_dry_run");
            execute_text(sql, "RELEASE SAVEPOINT cascade_dry_run");
        }
    };
    run_outcome outcome;
    try {
        outcome = run_plan(ctx, pp, root);
    } catch (...) {
        auto const failure = std::current_exception();
        try {
            undo();
        } catch (...) {
        }
        if (by_doing) rethrow_failure<Schema>(failure);  // a foreign key of the database refusing a delete, typed
        std::rethrow_exception(failure);
    }
    undo();
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
/// transaction it reads what that transaction sees. A destroy that reaches belongs_to targets is
/// previewed by doing it and rolling it back (see the top of this file): it waits for, and holds
/// until it ends, the row locks the destroy would, and needs a transaction that may write.
template <class Schema, class T, class Key>
destroy_result dry_run(soci::session& sql, Key const& key) {
    if constexpr (check_schema<Schema>::ok) {
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
template <class Schema, class T, class Key>
destroy_result dry_run(transaction& tx, Key const& key) {
    return dry_run<Schema, T>(tx.session(), key);
}

/// The dry run of destroy_all<Schema, T>(sql, keys).
template <class Schema, class T, detail::key_range Keys>
destroy_result dry_run_all(soci::session& sql, Keys const& keys) {
    if constexpr (check_schema<Schema>::ok) {
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
destroy_result dry_run_all(soci::session& sql) {
    if constexpr (check_schema<Schema>::ok) {
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
