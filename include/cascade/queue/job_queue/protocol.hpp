#pragma once
// The worker protocol after a claim: complete, fail, heartbeat, release, expire; every write fenced by
// (id, locked_by, attempts), so a worker whose row another took over changes nothing.
#include <cascade/queue/job_queue.hpp>

namespace cascade {

namespace detail {
/// Runs one of the protocol's statements, again when the database chose it as a deadlock's victim
/// (MariaDB's 1213, PostgreSQL's 40P01: only that statement was rolled back, and the fence makes it
/// safe to repeat), up to 5 times. Inside a caller's transaction the caller hears the deadlock: its
/// transaction is gone. Unretried, a worker's completion lost to a claim's deadlock left its batch
/// running until the leases lapsed, and every job of it ran again.
template <class F>
auto on_deadlock_again(soci::session& sql, F&& statement) {
    for (int attempt = 1;; ++attempt) {
        try {
            return statement();
        } catch (...) {
            if (attempt >= 5 || !retryable(std::current_exception()) || in_transaction(sql)) throw;
        }
    }
}
}  // namespace detail

inline long long job_queue::complete(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs) const {
    if (jobs.empty()) return 0;
    return detail::on_deadlock_again(sql, [&] {
        soci::statement st = (sql.prepare << "UPDATE " + table_ + " SET state = 'done', finished_at = " + now(detail::queue_dialect_of(sql)) +
                                                 ", locked_by = NULL, locked_until = NULL WHERE state = 'running' AND locked_by = :w AND " +
                                                 held(sql, jobs),
                              soci::use(worker));
        st.execute(true);
        return st.get_affected_rows();
    });
}

inline void job_queue::complete_with_note(soci::session& sql, std::string const& worker, claimed_job const& job,
                            std::string const& note) const {
    std::string const message = detail::printable(note);
    std::string const line = "attempt " + std::to_string(job.attempts) + " done: " + message + "\n";
    detail::on_deadlock_again(sql, [&] {
        sql << "UPDATE " + table_ + " SET state = 'done', finished_at = " + now(detail::queue_dialect_of(sql)) + ", last_error = :e, errors = " +
                   detail::sql_concat(detail::queue_dialect_of(sql), {"errors", ":line"}) +
                   ", locked_by = NULL, locked_until = NULL WHERE id = :id AND state = 'running' AND locked_by = :w AND attempts = :a",
            soci::use(message), soci::use(line), soci::use(job.id), soci::use(worker), soci::use(job.attempts);
    });
}

inline void job_queue::fail(soci::session& sql, std::string const& worker, claimed_job const& job, std::string const& error,
              std::chrono::milliseconds retry_in, bool final) const {
    auto const& d = detail::queue_dialect_of(sql);
    bool const dead = final || job.attempts >= job.max_attempts;
    // Every value bound lives until the statement has run (SOCI binds by reference and runs the
    // statement when the expression ends, after its temporaries are gone).
    std::string const message = detail::printable(error);
    std::string const line = "attempt " + std::to_string(job.attempts) + ": " + message + "\n";
    std::string const state = dead ? "dead" : "ready";
    long long const delay_ms = retry_in.count();
    detail::on_deadlock_again(sql, [&] {
        sql << "UPDATE " + table_ + " SET state = :s, last_error = :e, errors = " + detail::sql_concat(d, {"errors", ":line"}) +
                   ", run_at = " + now(d) + " + :d, locked_by = NULL, locked_until = NULL, finished_at = CASE WHEN :s2 = 'dead' THEN " +
                   now(d) + " ELSE NULL END WHERE id = :id AND state = 'running' AND locked_by = :w AND attempts = :a",
            soci::use(state), soci::use(message), soci::use(line), soci::use(delay_ms), soci::use(state), soci::use(job.id),
            soci::use(worker), soci::use(job.attempts);
    });
}

inline void job_queue::heartbeat(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs,
                   std::chrono::milliseconds lease) const {
    if (jobs.empty()) return;
    long long const lease_ms = lease.count();
    detail::on_deadlock_again(sql, [&] {
        sql << "UPDATE " + table_ + " SET locked_until = " + now(detail::queue_dialect_of(sql)) +
                   " + :l WHERE state = 'running' AND locked_by = :w AND " + held(sql, jobs),
            soci::use(lease_ms), soci::use(worker);
    });
}

inline void job_queue::release(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs) const {
    if (jobs.empty()) return;
    detail::on_deadlock_again(sql, [&] {
        sql << "UPDATE " + table_ + " SET state = 'ready', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,"
                   " locked_by = NULL, locked_until = NULL WHERE state = 'running' AND locked_by = :w AND " + held(sql, jobs),
            soci::use(worker);
    });
    auto const& d = detail::queue_dialect_of(sql);
    if (!d.notify) return;
    std::set<std::string> queues;
    for (auto const& j : jobs)
        if (!queue_name_problem(j.queue)) queues.insert(j.queue);  // a name written by hand is no queue a worker serves
    for (auto const& q : queues) d.notify(sql, channel(), q);
}

inline void job_queue::expire(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs) const {
    if (jobs.empty()) return;
    detail::on_deadlock_again(sql, [&] {
        sql << "UPDATE " + table_ + " SET locked_until = " + now(detail::queue_dialect_of(sql)) +
                   " - 1 WHERE state = 'running' AND locked_by = :w AND " + held(sql, jobs),
            soci::use(worker);
    });
}

}  // namespace cascade
