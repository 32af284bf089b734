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

/// How a destroy runs, as its callers (the roots, the jobs layer) ask: the plan's run options, whether a
/// root without rows is a destroy of nothing, and the row code.
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

/// Where a destroy runs, decided once before its first try: its own transaction (`own`), or a savepoint
/// of the transaction open on the session, which `scope` names when it is a cascade::transaction.
struct destroy_place {
    transaction* scope = nullptr;
    bool own = false;
};

/// The place of a destroy on `sql`, `scope` being the cascade::transaction the caller named, if any. A
/// transaction cascade did not open cannot tell it when it ends: a destroy with work for that end
/// (`end_work`) refuses it (transaction_required) before running anything.
inline destroy_place place_of_destroy(soci::session& sql, transaction* scope, bool end_work) {
    if (!scope) scope = transaction::open_on(sql);
    bool const foreign = !scope && in_transaction(sql);
    if (foreign && end_work) throw transaction_required("cascade::destroy");
    return {scope, !scope && !foreign};
}

/// One try's transaction: its own (`own`), or a savepoint in the session's. Finished (committed or
/// released) or undone (rolled back); its own transaction rolls back if it is neither.
class try_transaction {
public:
    try_transaction(soci::session& sql, bool own) : sql_(sql) {
        if (own) tx_.emplace(sql);
        else execute_text(sql, "SAVEPOINT cascade_destroy");
    }
    /// Commits its own transaction, or releases the savepoint (the caller's commit decides).
    void finish() {
        if (tx_) tx_->commit();
        else execute_text(sql_, "RELEASE SAVEPOINT cascade_destroy");
    }
    void undo() {
        if (tx_) {
            tx_->rollback();
        } else {
            execute_text(sql_, "ROLLBACK TO SAVEPOINT cascade_destroy");
            execute_text(sql_, "RELEASE SAVEPOINT cascade_destroy");
        }
    }

private:
    soci::session& sql_;
    std::optional<write_transaction> tx_;
};

/// One destroy (see run_destroy): its place, decided once, and its tries, run again after a deadlock
/// while retries last.
template <class Schema, class Sink, class Inside>
class destroy_run {
public:
    destroy_run(soci::session& sql, prepared_plan const& pp, bound_values const& root, destroy_options const& options,
                Sink& sink, destroy_run_options const& ro, Inside& inside)
        : sql_(sql), pp_(pp), root_(root), options_(options), sink_(sink), ro_(ro), inside_(inside) {}

    destroy_result run(transaction* scope, bool end_work) {
        place_ = place_of_destroy(sql_, scope, end_work);
        root_.check();
        sql::dialect const d = dialect_of(sql_);
        if (!ro_.rows) throw std::logic_error("cascade::detail::run_destroy: no row table");
        if (int const m = missing_row_code(pp_.p, ro_.rows); m >= 0) throw_missing_row_code(graph_of<Schema>, m);
        for (int attempt = 0;; ++attempt) {
            if (auto result = try_once(d, attempt)) return std::move(*result);
            pause_before_retry(attempt);
        }
    }

private:
    /// One try: the plan in a transaction of its own or a savepoint. The result, or nothing when the try
    /// failed and runs again.
    std::optional<destroy_result> try_once(sql::dialect d, int attempt) {
        auto log = std::make_shared<commit_log<Schema>>();
        destroy_result result;
        run_context ctx{sql_, d, graph_of<Schema>, result, static_cast<long long>(options_.page_size), run_mode::destroy,
                        ro_.rows, &sink_, log.get()};
        try_transaction tx(sql_, place_.own);
        run_outcome outcome;
        try {
            inside_(sql_);
            outcome = run_plan(ctx, pp_, root_, ro_.run);
            if (outcome == run_outcome::done) tx.finish();
        } catch (aborted_signal const& a) {
            result.aborted_by.emplace(a.model, a.key);
            return give_up(std::move(result), destroy_status::aborted, tx, *log);
        } catch (...) {
            after_failure(std::current_exception(), attempt, tx, *log);
            return std::nullopt;
        }
        if (outcome == run_outcome::not_found) {
            if (!ro_.not_found_is_empty) return give_up(std::move(result), destroy_status::not_found, tx, *log);
            tx.undo();
            return result;
        }
        if (outcome == run_outcome::restricted) return give_up(std::move(result), destroy_status::restricted, tx, *log);
        hand_over_end_work(log);
        return result;
    }

    /// A try that ends without destroying: undone, its jobs dropped, after_rollback run on the rows that
    /// began their destroy; the result says why (a restricted one keeps what it would have done).
    destroy_result give_up(destroy_result result, destroy_status status, try_transaction& tx, commit_log<Schema>& log) {
        tx.undo();
        sink_.clear();
        log.after_rollback(sql_);
        result.status = status;
        if (status != destroy_status::restricted) result.counts.clear();
        return result;
    }

    /// A try that threw: undone, its jobs dropped, after_rollback run. Returns when it runs again: a
    /// deadlock or a serialization failure, retries left, and a transaction to run in: ours (begun anew),
    /// or the caller's when the database kept it (PostgreSQL fails the statement; InnoDB rolls a
    /// deadlocked transaction back whole, the caller's earlier writes with it: the caller must hear it,
    /// and the destroy must not go on statement by statement outside any transaction). Otherwise
    /// rethrows the failure (a foreign-key refusal as foreign_key_violation).
    void after_failure(std::exception_ptr const& failure, int attempt, try_transaction& tx, commit_log<Schema>& log) {
        try {
            tx.undo();
        } catch (...) {
            // the connection may be gone; the database rolls back an unfinished transaction itself
        }
        sink_.clear();
        bool const again = retryable(failure) && attempt < options_.deadlock_retries && (place_.own || still_in_transaction(sql_));
        try {
            log.after_rollback(sql_);
        } catch (...) {
            if (!again) throw;
        }
        if (!again) rethrow_failure<Schema>(failure);
    }

    /// After a try that committed: its own transaction's end work runs now (after_commit, then the jobs
    /// handed over); in a cascade::transaction it waits for that one's commit or rollback.
    void hand_over_end_work(std::shared_ptr<commit_log<Schema>> const& log) {
        if (place_.own) {
            std::vector<unique_task> after;
            after.emplace_back([&] { log->after_commit(sql_); });
            if (auto jobs = sink_.hand_over()) after.push_back(std::move(jobs));
            run_all(after);
        } else if (place_.scope) {
            soci::session& sql = sql_;
            place_.scope->after_commit([log, &sql] { log->after_commit(sql); });
            if (auto jobs = sink_.hand_over()) place_.scope->after_commit(std::move(jobs));
            place_.scope->after_rollback([log, &sql] { log->after_rollback(sql); });
        }
    }

    soci::session& sql_;
    prepared_plan const& pp_;
    bound_values const& root_;
    destroy_options const& options_;
    Sink& sink_;
    destroy_run_options const& ro_;
    Inside& inside_;
    destroy_place place_{};
};

/// Runs a prepared plan as a destroy, in the session's transaction situation (see the top of this
/// file). `sink` receives destroy_async work: `add<E>(...)`, `clear()` when a try is undone, and
/// `hand_over()` returning the task that hands the held jobs to their executor after the commit.
/// `inside(sql)` runs first inside the transaction (a job's owner check).
template <class Schema, class Sink, class Inside = nothing_inside>
destroy_result run_destroy(soci::session& sql, transaction* scope, prepared_plan const& pp, bound_values const& root,
                           destroy_options const& options, Sink& sink, bool end_work, destroy_run_options ro = {},
                           Inside inside = {}) {
    return destroy_run<Schema, Sink, Inside>(sql, pp, root, options, sink, ro, inside).run(scope, end_work);
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
