#pragma once
// The dry run: what a destroy would delete and nullify, per table, and the restrictions that would
// stop it, without changing anything (Django's admin shows this before a delete). It is the destroy's
// own plan, run by the same loop with each write replaced by a COUNT(*) of the same rows, in one
// read-only snapshot (REPEATABLE READ on PostgreSQL): what it reports is what the destroy does.
#include <cascade/soci/destroy.hpp>

namespace cascade {

namespace detail {

inline destroy_result run_dry(soci::session& sql, prepared_plan const& pp, bound_values const& root,
                              bool not_found_is_empty) {
    root.check();
    destroy_result result;
    sql::dialect const d = dialect_of(sql);
    run_context ctx{sql, d, *pp.p.g, result, 1000, true};
    bool const own = !in_transaction(sql);
    if (own) execute_text(sql, d == sql::dialect::postgresql ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
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
/// transaction it reads what that transaction sees.
template <class Schema, class T, class Key>
destroy_result dry_run(soci::session& sql, Key const& key) {
    if constexpr (check_schema<Schema>::ok) {
        using M = detail::model_for_t<Schema, T>;
        auto const value = detail::key_value<M>(key);
        detail::bound_values root;
        root(value, "key");
        static detail::prepared_plan const& pp = detail::prepare(detail::graph_of<Schema>, detail::key_root<Schema, T>());
        return detail::run_dry(sql, pp, root, false);
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
        return detail::run_dry(sql, pp, root, true);
    } else {
        return {};
    }
}
/// The dry run of destroy_all<Schema, T, where<...>...>(sql).
template <class Schema, class T, class Where, class... Wheres>
    requires(detail::is_where<Where>::value && (detail::is_where<Wheres>::value && ...))
destroy_result dry_run_all(soci::session& sql) {
    if constexpr (check_schema<Schema>::ok) {
        static detail::prepared_plan const& pp =
            detail::prepare(detail::graph_of<Schema>, detail::where_root<Schema, T, Where, Wheres...>());
        return detail::run_dry(sql, pp, detail::bound_values{}, true);
    } else {
        return {};
    }
}

}  // namespace cascade
