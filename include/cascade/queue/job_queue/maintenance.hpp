#pragma once
// Maintenance: retention of done rows in chunks, and repair of rows no worker would touch.
#include <cascade/queue/job_queue.hpp>

namespace cascade {

/// Where the database writes a chunk in one statement that locks only the rows it deletes (PostgreSQL,
/// SQLite), that statement; else (MariaDB, whose scanning DELETE locks each row it reads, and a claim
/// that meets such a lock skips the row) the chunk's ids are read first and deleted by id, their
/// condition checked again.
inline long long job_queue::purge_done(soci::session& sql, std::chrono::milliseconds age, long long chunk) const {
    auto const& d = detail::queue_dialect_of(sql);
    long long const age_ms = age.count();
    long long total = 0;
    for (;;) {
        long long n = 0;
        if (d.purge_chunk) {
            soci::statement st = (sql.prepare << d.purge_chunk(table_, d.now), soci::use(age_ms), soci::use(chunk));
            st.execute(true);
            n = st.get_affected_rows();
        } else {
            long long const cutoff = database_now(sql) - age_ms;
            std::vector<long long> ids;
            {
                soci::rowset<soci::row> rs = (sql.prepare << "SELECT id FROM " + table_ + " WHERE state = 'done' AND finished_at < " +
                                                                 std::to_string(cutoff) + " ORDER BY finished_at LIMIT " + std::to_string(chunk));
                for (auto const& r : rs) ids.push_back(detail::row_integer(r, 0));
            }
            if (!ids.empty()) {
                std::string list;
                for (auto id : ids) list += (list.empty() ? "" : ", ") + std::to_string(id);
                soci::statement st = (sql.prepare << "DELETE FROM " + table_ + " WHERE id IN (" + list + ") AND state = 'done' AND finished_at < " +
                                                         std::to_string(cutoff));
                st.execute(true);
            }
            n = static_cast<long long>(ids.size());  // what was there to delete: the next chunk, or the end
        }
        total += n;
        if (n < chunk) return total;
    }
}

/// Each repair finds its rows with a plain read first and then changes them by id, their condition
/// checked again: an UPDATE that scans the table locks each row it reads on MariaDB (its READ COMMITTED
/// releases the ones that do not match only afterwards), and a claim that meets such a lock skips the
/// row. Repaired rows are few; the ids go 500 to a statement.
inline long long job_queue::repair(soci::session& sql) const {
    auto const& d = detail::queue_dialect_of(sql);
    std::string const clock = now(d);
    auto const repaired = [&](std::string const& set, std::string const& where) {
        std::vector<long long> ids;
        {
            soci::rowset<soci::row> rs = (sql.prepare << "SELECT id FROM " + table_ + " WHERE " + where);
            for (auto const& r : rs) ids.push_back(detail::row_integer(r, 0));
        }
        long long n = 0;
        for (std::size_t from = 0; from < ids.size(); from += 500) {
            std::string list;
            for (std::size_t i = from; i < ids.size() && i < from + 500; ++i) list += (list.empty() ? "" : ", ") + std::to_string(ids[i]);
            soci::statement st = (sql.prepare << "UPDATE " + table_ + " SET " + set + " WHERE id IN (" + list + ") AND " + where);
            st.execute(true);
            n += st.get_affected_rows();
        }
        return n;
    };
    // A job whose worker died (SIGKILL, OOM, a crash) on its last attempt is not claimed again (a job
    // that kills its worker must not kill them all in turn): dead, with the reason.
    long long const lapsed = repaired(
        "last_error = 'cascade: the lease lapsed on the last attempt (its worker died or lost its connection while running it)', errors = " +
            detail::sql_concat(d, {"errors", "'attempt '", "attempts", "': the lease lapsed'", d.newline}) +
            ", state = 'dead', locked_by = NULL, locked_until = NULL, finished_at = " + clock,
        "state = 'running' AND (locked_until IS NULL OR locked_until < (SELECT " + clock + ")) AND attempts >= max_attempts");
    long long const unknown = repaired(
        "last_error = " + detail::sql_concat(d, {"'cascade: unknown state '''", "state", "''' (made dead by the queue: retry runs the job)'"}) +
            ", errors = " + detail::sql_concat(d, {"errors", "'unknown state '", "state", "' (made dead)'", d.newline}) +
            ", state = 'dead', locked_by = NULL, locked_until = NULL, finished_at = " + clock,
        "state NOT IN ('ready', 'running', 'done', 'dead')");
    long long const unfinished = repaired("finished_at = " + clock, "state IN ('done', 'dead') AND finished_at IS NULL");
    return lapsed + unknown + unfinished;
}

}  // namespace cascade
