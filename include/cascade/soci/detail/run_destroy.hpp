#pragma once
// The engine every destroy runs on: a prepared plan in one transaction.
//   - its own transaction when the session has none; the caller's when it has one: a savepoint inside
//     it, so that a failure undoes this destroy only, and the caller's commit or rollback decides. A
//     cascade::transaction (or one found open on the session) runs after_commit/after_rollback and
//     hands over jobs at its real end; a transaction cascade did not open cannot tell it when that is,
//     so a destroy with such work refuses it (transaction_required) before running anything.
//   - a deadlock or a serialization failure runs the whole destroy again (a bounded number of times,
//     destroy_options::deadlock_retries), after after_rollback for the failed try, while the transaction
//     it runs in still exists (InnoDB rolls a deadlocked transaction back whole).
#include <cascade/soci/destroy_options.hpp>
#include <cascade/soci/detail/foreign_key_translation.hpp>
#include <cascade/soci/detail/rows.hpp>
#include <cascade/soci/transaction.hpp>

#include <chrono>
#include <cstdint>
#include <optional>

#include <time.h>

namespace cascade::detail {

/// Whether a destroy rooted at model `m` has work for the end of the outermost transaction:
/// after_commit/after_rollback callbacks, or (`jobs_after_commit`) destroy_async jobs held until then.
template <class Schema>
constexpr bool has_end_work(int m, bool jobs_after_commit) {
    auto const& r = reach_of<Schema>[static_cast<std::size_t>(m)];
    return r.commit_callbacks || (jobs_after_commit && r.async);
}

/// How a destroy ran, for the jobs layer: the result, and whether its root had any row.
struct destroy_run_options {
    run_options run{};
    bool not_found_is_empty = false;  ///< destroy_all: no row at all is a destroy of nothing
    /// The row code per model: row_table<Schema, Sink, Root>, where Root is the model the plan starts
    /// from when the caller knows it at compile time (only what that destroy can reach is generated), -1
    /// (every model's) when it does not.
    row_ops const* rows = nullptr;
};

/// A short, jittered pause before a destroy runs again (the other transaction finishes meanwhile).
inline void pause_before_retry(int attempt) {
    thread_local unsigned state = static_cast<unsigned>(reinterpret_cast<std::uintptr_t>(&state) ^
                                                        static_cast<std::uintptr_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    state = state * 1664525u + 1013904223u;
    long const ms = 5 + static_cast<long>(state >> 8) % (20L * (attempt + 1));
    timespec const pause{ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, nullptr);
}

/// Nothing to check inside the transaction before the plan runs.
struct nothing_inside {
    void operator()(soci::session&) const {}
};

/// Whether the session is still inside a transaction (false when that cannot be told: a lost connection).
inline bool still_in_transaction(soci::session& sql) {
    try {
        return in_transaction(sql);
    } catch (...) {
        return false;
    }
}

/// Runs a prepared plan as a destroy, in the session's transaction situation (see the top of this
/// file). `sink` receives destroy_async work: `add<E>(...)`, `clear()` when a try is undone, and
/// `hand_over()` returning the task that hands the held jobs to their executor after the commit.
/// `inside(sql)` runs first inside the transaction (a job's owner check).
template <class Schema, class Sink, class Inside = nothing_inside>
destroy_result run_destroy(soci::session& sql, transaction* scope, prepared_plan const& pp, bound_values const& root,
                           destroy_options const& options, Sink& sink, bool end_work, destroy_run_options ro = {},
                           Inside inside = {}) {
    if (!scope) scope = transaction::open_on(sql);
    bool const foreign = !scope && in_transaction(sql);
    if (foreign && end_work) throw transaction_required("cascade::destroy");
    root.check();
    sql::dialect const d = dialect_of(sql);
    row_ops const* const ops = ro.rows;
    if (!ops) throw std::logic_error("cascade::detail::run_destroy: no row table");
    if (int const m = missing_row_code(pp.p, ops); m >= 0) throw_missing_row_code(graph_of<Schema>, m);
    for (int attempt = 0;; ++attempt) {
        auto log = std::make_shared<commit_log<Schema>>();
        destroy_result result;
        run_context ctx{sql, d, graph_of<Schema>, result, static_cast<long long>(options.page_size), run_mode::destroy,
                        ops, &sink, log.get()};
        bool const own = !scope && !foreign;
        std::optional<write_transaction> tx;
        if (own) tx.emplace(sql);
        else execute_text(sql, "SAVEPOINT cascade_destroy");
        auto const undo = [&] {
            if (tx) {
                tx->rollback();
            } else {
                execute_text(sql, "ROLLBACK TO SAVEPOINT cascade_destroy");
                execute_text(sql, "RELEASE SAVEPOINT cascade_destroy");
            }
        };
        auto const give_up = [&](destroy_status status) {
            undo();
            sink.clear();
            log->after_rollback(sql);
            result.status = status;
            if (status != destroy_status::restricted) result.counts.clear();
            return result;
        };
        run_outcome outcome;
        try {
            inside(sql);
            outcome = run_plan(ctx, pp, root, ro.run);
            if (outcome == run_outcome::done) {
                if (tx) tx->commit();
                else execute_text(sql, "RELEASE SAVEPOINT cascade_destroy");
            }
        } catch (aborted_signal const& a) {
            result.aborted_by.emplace(a.model, a.key);
            return give_up(destroy_status::aborted);
        } catch (...) {
            auto const failure = std::current_exception();
            try {
                undo();
            } catch (...) {
                // the connection may be gone; the database rolls back an unfinished transaction itself
            }
            sink.clear();
            // Run again only inside a transaction that still exists: ours (begun anew), or the caller's
            // when the database kept it (PostgreSQL fails the statement; InnoDB rolls a deadlocked
            // transaction back whole, the caller's earlier writes with it: the caller must hear it, and
            // the destroy must not go on statement by statement outside any transaction).
            bool const again = retryable(failure) && attempt < options.deadlock_retries && (own || still_in_transaction(sql));
            try {
                log->after_rollback(sql);
            } catch (...) {
                if (!again) throw;
            }
            if (!again) rethrow_failure<Schema>(failure);
            pause_before_retry(attempt);
            continue;
        }
        if (outcome == run_outcome::not_found) {
            if (ro.not_found_is_empty) {
                undo();
                return result;
            }
            return give_up(destroy_status::not_found);
        }
        if (outcome == run_outcome::restricted) return give_up(destroy_status::restricted);
        if (own) {
            std::vector<unique_task> after;
            after.emplace_back([&] { log->after_commit(sql); });
            if (auto jobs = sink.hand_over()) after.push_back(std::move(jobs));
            run_all(after);
        } else if (scope) {
            scope->after_commit([log, &sql] { log->after_commit(sql); });
            if (auto jobs = sink.hand_over()) scope->after_commit(std::move(jobs));
            scope->after_rollback([log, &sql] { log->after_rollback(sql); });
        }
        return result;
    }
}

/// The sink of a destroy without a job runtime: destroy_async is refused at compile time.
struct no_sink : no_async_sink {
    void clear() {}
    unique_task hand_over() { return {}; }
};

template <class Schema, class T>
constexpr bool destroy_allowed() {
    constexpr int m = root_model<Schema, T>();
    static_assert(!reach_of<Schema>[static_cast<std::size_t>(m)].async,
                  "cascade::destroy: this cascade reaches dependent::destroy_async associations, whose jobs "
                  "need an executor; include <cascade/jobs.hpp> and pass a cascade::async_runtime: "
                  "cascade::destroy<Schema, T>(sql, key, jobs)");
    return !reach_of<Schema>[static_cast<std::size_t>(m)].async;
}


}  // namespace cascade::detail
