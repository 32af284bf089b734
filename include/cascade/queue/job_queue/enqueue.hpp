#pragma once
// Enqueue and deduplication: the job row goes into the caller's transaction (the outbox), and a live twin
// with the same dedup key stands for it while it has not begun.
#include <cascade/queue/job_queue.hpp>

namespace cascade {

inline bool job_queue::enqueue(soci::session& sql, std::string const& name, std::string const& payload, std::string const& dedup_key,
                 int max_attempts, std::chrono::milliseconds delay) const {
    enqueue_options o;
    o.delay = delay;
    return enqueue(sql, name, payload, dedup_key, max_attempts, o);
}

inline bool job_queue::enqueue(soci::session& sql, std::string const& name, std::string const& payload, std::string const& dedup_key,
                 int max_attempts, enqueue_options const& options) const {
    // SOCI's PostgreSQL backend cuts text at a NUL byte: two keys would share a dedup key.
    detail::check_text(name, "job name");
    detail::check_text(payload, "job payload");
    detail::check_text(dedup_key, "job dedup key");
    detail::check_queue_name(options.queue);
    if (options.run_at && options.delay.count() != 0)
        throw bad_enqueue_options("enqueue_options: give a run time (run_at) or a delay, not both");
    auto const& d = detail::queue_dialect_of(sql);
    long long const when = options.run_at ? *options.run_at : options.delay.count();
    int const priority = options.priority;
    std::string const run_at = options.run_at ? std::string(":r") : now(d) + " + :r";
    // A ready twin has not begun: it will find the rows this job is for. A running twin may be past
    // them (an owner's key used again: destroyed, made anew with new dependents and destroyed again
    // while the first job runs; dropped, those dependents stayed for good), so the job goes in under
    // its key's next generation (`key|2`, `key|3`, ...), where a ready twin stands for it again.
    // Nothing is written to the twin: a row a worker holds must not be locked by a caller's
    // transaction (an upsert's DO UPDATE holds it until the caller commits, and the worker's
    // heartbeat and completion wait for it, or deadlock with it). On MariaDB the refused duplicate and
    // the read of the twin's state share-lock the twin's index entries (not its row) until the caller
    // commits: the worker's completion of that one twin waits for the commit, its heartbeat does not.
    std::string key = dedup_key;
    for (int generation = 1, tries = 0;; ++tries) {
        soci::statement st = (sql.prepare << "INSERT INTO " + table_ +
                                                 " (name, payload, dedup_key, state, attempts, max_attempts, run_at, created_at, queue,"
                                                 " priority) VALUES (:n, :p, :k, 'ready', 0, :m, " + run_at + ", " + now(d) +
                                                 ", :q, :pr)" + std::string(d.skip_live_twin),
                              soci::use(name), soci::use(payload), soci::use(key), soci::use(max_attempts), soci::use(when),
                              soci::use(options.queue), soci::use(priority));
        bool inserted = false;
        try {
            st.execute(true);
            inserted = st.get_affected_rows() > 0;
        } catch (...) {
            if (!d.duplicate || !d.duplicate(std::current_exception())) throw;
        }
        if (inserted) {
            if (d.notify) d.notify(sql, channel(), options.queue);
            return true;
        }
        std::string state;
        soci::indicator ind = soci::i_null;
        sql << d.twin_state(table_), soci::use(key),
            soci::into(state, ind);
        if (ind != soci::i_null && state == "ready") return false;   // ('ready' < 'running': one ready row is enough)
        if (ind != soci::i_null || tries >= 3) {                       // running (or gone and back, again and again)
            key = dedup_key + "|" + std::to_string(++generation);
            tries = -1;
        }
        // else: the twin finished between the two statements: the same key again
    }
}

}  // namespace cascade
