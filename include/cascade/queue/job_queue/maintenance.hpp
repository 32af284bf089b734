#pragma once
// Maintenance: retention of done rows in chunks, and repair of rows no worker would touch.
#include <cascade/queue/job_queue.hpp>

namespace cascade {

inline long long job_queue::purge_done(soci::session& sql, std::chrono::milliseconds age, long long chunk) const {
    long long const age_ms = age.count();
    long long total = 0;
    for (;;) {
        soci::statement st = (sql.prepare << detail::queue_dialect_of(sql).purge_chunk(table_, detail::queue_dialect_of(sql).now),
                              soci::use(age_ms), soci::use(chunk));
        st.execute(true);
        long long const n = st.get_affected_rows();
        total += n;
        if (n < chunk) return total;
    }
}

inline long long job_queue::repair(soci::session& sql) const {
    auto const& d = detail::queue_dialect_of(sql);
    std::string const clock = now(d);
    // A job whose worker died (SIGKILL, OOM, a crash) on its last attempt is not claimed again (a job
    // that kills its worker must not kill them all in turn): dead, with the reason.
    soci::statement lapsed = (sql.prepare << "UPDATE " + table_ +
                                                 " SET last_error = 'cascade: the lease lapsed on the last attempt (its worker died or"
                                                 " lost its connection while running it)', errors = " +
                                                 detail::sql_concat(d, {"errors", "'attempt '", "attempts", "': the lease lapsed'", d.newline}) + ", state = 'dead', locked_by = NULL,"
                                                 " locked_until = NULL, finished_at = " + clock + " WHERE state = 'running' AND"
                                                 " (locked_until IS NULL OR locked_until < (SELECT " + clock + ")) AND attempts >= max_attempts");
    lapsed.execute(true);
    soci::statement unknown = (sql.prepare << "UPDATE " + table_ +
                                                  " SET last_error = " +
                                                  detail::sql_concat(d, {"'cascade: unknown state '''", "state",
                                                                     "''' (made dead by the queue: retry runs the job)'"}) +
                                                  ", errors = " + detail::sql_concat(d, {"errors", "'unknown state '", "state", "' (made dead)'", d.newline}) +
                                                  ", state = 'dead', locked_by = NULL, locked_until = NULL,"
                                                  " finished_at = " + clock + " WHERE state NOT IN ('ready', 'running', 'done', 'dead')");
    unknown.execute(true);
    soci::statement unfinished = (sql.prepare << "UPDATE " + table_ + " SET finished_at = " + clock +
                                                     " WHERE state IN ('done', 'dead') AND finished_at IS NULL");
    unfinished.execute(true);
    return lapsed.get_affected_rows() + unknown.get_affected_rows() + unfinished.get_affected_rows();
}

}  // namespace cascade
