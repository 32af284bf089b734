#pragma once
// What an operator reads and does (the tool, the dashboard): status, pause and resume, lists, retry,
// discard, the database's clock.
#include <cascade/queue/job_queue.hpp>

namespace cascade {

inline queue_status job_queue::status(soci::session& sql) const {
    queue_status s;
    long long const at = database_now(sql);
    std::string const clock = std::to_string(at);
    soci::rowset<soci::row> rs = (sql.prepare << "SELECT queue, state, COUNT(*), SUM(CASE WHEN state = 'ready' AND run_at > " +
                                                     clock + " THEN 1 ELSE 0 END), MIN(CASE WHEN state = 'ready' AND run_at <= " +
                                                     clock + " THEN run_at END) FROM " + table_ + " GROUP BY queue, state");
    std::optional<long long> oldest;
    for (auto const& r : rs) {
        std::string const queue = r.get_indicator(0) == soci::i_null ? std::string() : r.get<std::string>(0);
        std::string const state = r.get<std::string>(1);
        long long const rows = detail::row_integer(r, 2), scheduled = detail::row_integer(r, 3);
        s.counts[state] += rows;
        s.scheduled += scheduled;
        auto& per = s.queues[queue];
        if (state == "ready") {
            per["ready"] += rows - scheduled;
            per["scheduled"] += scheduled;
        } else {
            per[state] += rows;
        }
        if (r.get_indicator(4) != soci::i_null) {
            long long const due = detail::row_integer(r, 4);
            if (!oldest || due < *oldest) oldest = due;
        }
    }
    if (oldest && at > *oldest) s.oldest_ready_seconds = static_cast<double>(at - *oldest) / 1000.0;
    s.paused = paused(sql);
    for (auto const& q : s.paused) s.queues[q];  // a paused queue is listed even when it holds nothing
    return s;
}

inline bool job_queue::pause(soci::session& sql, std::string const& queue) const {
    detail::check_queue_name(queue);
    auto const& d = detail::queue_dialect_of(sql);
    soci::statement st = (sql.prepare << "INSERT INTO " + paused_table() + " (queue, paused_at) VALUES (:q, " + now(d) + ")" +
                                             std::string(d.skip_paused_twin),
                          soci::use(queue));
    try {
        st.execute(true);
    } catch (...) {
        if (d.duplicate && d.duplicate(std::current_exception())) return false;
        throw;
    }
    return st.get_affected_rows() > 0;
}

inline bool job_queue::resume(soci::session& sql, std::string const& queue) const {
    detail::check_queue_name(queue);
    soci::statement st = (sql.prepare << "DELETE FROM " + paused_table() + " WHERE queue = :q", soci::use(queue));
    st.execute(true);
    bool const resumed = st.get_affected_rows() > 0;
    if (auto const& d = detail::queue_dialect_of(sql); resumed && d.notify) d.notify(sql, channel(), queue);
    return resumed;
}

inline std::vector<std::string> job_queue::paused(soci::session& sql) const {
    std::vector<std::string> out;
    soci::rowset<std::string> rs = (sql.prepare << "SELECT queue FROM " + paused_table() + " ORDER BY queue");
    for (auto const& q : rs) out.push_back(q);
    return out;
}

inline std::vector<job_row> job_queue::list(soci::session& sql, std::string const& state, int limit) const {
    std::string const order = state == "ready" ? "priority, run_at, id" : "id DESC";
    long long const n = limit < 0 ? 0 : limit;
    soci::rowset<soci::row> rs =
        (sql.prepare << "SELECT id, name, queue, state, payload, priority, attempts, max_attempts, run_at, created_at,"
                        " finished_at, last_error, errors FROM " + table_ + " WHERE state = :s ORDER BY " + order + " LIMIT :n",
         soci::use(state), soci::use(n));
    std::vector<job_row> out;
    for (auto const& r : rs) {
        job_row j;
        j.id = detail::row_integer(r, 0);
        j.name = r.get<std::string>(1);
        j.queue = r.get_indicator(2) == soci::i_null ? std::string() : r.get<std::string>(2);
        j.state = r.get<std::string>(3);
        j.payload = r.get<std::string>(4);
        j.priority = static_cast<int>(detail::row_integer(r, 5));
        j.attempts = static_cast<int>(detail::row_integer(r, 6));
        j.max_attempts = static_cast<int>(detail::row_integer(r, 7));
        j.run_at = detail::row_integer(r, 8);
        j.created_at = detail::row_integer(r, 9);
        if (r.get_indicator(10) != soci::i_null) j.finished_at = detail::row_integer(r, 10);
        if (r.get_indicator(11) != soci::i_null) j.last_error = r.get<std::string>(11);
        if (r.get_indicator(12) != soci::i_null) j.errors = r.get<std::string>(12);
        out.push_back(std::move(j));
    }
    return out;
}

inline long long job_queue::database_now(soci::session& sql) const {
    long long at = 0;
    sql << "SELECT " + now(detail::queue_dialect_of(sql)), soci::into(at);
    return at;
}

inline long long job_queue::retry(soci::session& sql, long long id) const {
    if (id >= 0) {
        long long twin = 0;
        soci::indicator ind = soci::i_null;
        sql << "SELECT MIN(l.id) FROM " + table_ + " l, " + table_ + " d WHERE d.id = :id AND d.state = 'dead' AND " +
                   "l.dedup_key = d.dedup_key AND l.state IN ('ready', 'running')",
            soci::use(id), soci::into(twin, ind);
        if (ind != soci::i_null) throw job_has_live_twin(id, twin);
    }
    soci::statement st = (sql.prepare << "UPDATE " + table_ + " SET state = 'ready', attempts = 0, run_at = " +
                                             now(detail::queue_dialect_of(sql)) + ", finished_at = NULL, locked_by = NULL, locked_until = NULL"
                                             " WHERE state = 'dead' AND (:id < 0 OR id = :id2) AND NOT EXISTS (SELECT 1 FROM " +
                                             table_ + " l WHERE l.dedup_key = " + table_ + ".dedup_key AND l.state IN ('ready', 'running'))"
                                             " AND (:id3 >= 0 OR id = (SELECT MAX(d.id) FROM " + table_ + " d WHERE d.dedup_key = " +
                                             table_ + ".dedup_key AND d.state = 'dead'))",
                          soci::use(id), soci::use(id), soci::use(id));
    st.execute(true);
    return st.get_affected_rows();
}

inline long long job_queue::discard(soci::session& sql, long long id, bool dead_only) const {
    soci::statement st = (sql.prepare << "DELETE FROM " + table_ + " WHERE (:id < 0 AND state = 'dead') OR (id = :id2 AND state IN ('dead'" +
                                             (dead_only ? "" : ", 'ready'") + "))",
                          soci::use(id), soci::use(id));
    st.execute(true);
    return st.get_affected_rows();
}

}  // namespace cascade
