#pragma once
// The claim as one statement, for a database with UPDATE ... RETURNING (PostgreSQL, SQLite): it picks
// the rows, counts the attempt and sets the lease at once.
#include <cascade/queue/dialect.hpp>

#include <string>
#include <vector>

namespace cascade::detail {

/// The claim's statement: `worker` is SQL (a placeholder, or a literal for EXPLAIN); the numbers
/// are the caller's integers; the queue names are checked and written as quoted literals.
///  - lapsed: a running row whose lease lapsed, by lease (`_lease` index), in the worker's
///    unpaused queues: the oldest, alone (no due row is claimed with it);
///  - due, one queue: `_queue_claim (queue, priority, run_at, id)` from the queue's first entry;
///  - due, several queues: the same walk per queue, n rows each, the first n of them (a sort of
///    at most n rows per queue, never of the backlog);
///  - due, every queue: `_due (priority, run_at, id)` while no queue is paused; while some
///    are, the queues with ready rows are found by a walk that jumps from one queue to the next
///    in `_queue_claim` (one index probe per queue, never a paused queue's rows), and each
///    unpaused one is walked as above. Each way is gated by a test of the pause table that
///    PostgreSQL evaluates once, so only one of them runs.
inline std::string claim_text(queue_dialect const& d, std::string const& table, std::string const& paused, std::string const& worker,
                              int n, long long lease_ms, std::vector<std::string> const& queues = {}) {
    for (auto const& q : queues) check_queue_name(q);
    std::string const limit = std::to_string(n < 1 ? 1 : n);
    std::string const now(d.now);
    std::string const clock = "(SELECT " + now + ")";
    std::string const lock(d.row_lock);
    std::string served;  // the worker's queues, as SQL literals
    for (auto const& q : queues) served += (served.empty() ? "" : ", ") + d.literal(q);
    // The due rows of one queue (a literal, or a column of the outer query), most urgent first.
    auto one_queue = [&](std::string const& queue_sql, std::string const& columns, bool gate) {
        return "SELECT " + columns + " FROM " + table + " WHERE state = 'ready' AND queue = " + queue_sql +
               " AND run_at <= " + clock +
               (gate ? " AND NOT EXISTS (SELECT 1 FROM " + paused + " WHERE queue = " + queue_sql + ")" : std::string()) +
               " ORDER BY priority, run_at, id LIMIT " + limit + lock;
    };
    std::string ctes = "lapsed AS (SELECT id FROM " + table + " WHERE state = 'running' AND (locked_until IS NULL OR locked_until < " +
                       clock + ") AND attempts < max_attempts" + (queues.empty() ? std::string() : " AND queue IN (" + served + ")") +
                       " AND NOT EXISTS (SELECT 1 FROM " + paused + " p WHERE p.queue = " + table + ".queue)" +
                       " ORDER BY locked_until LIMIT 1" + lock + ")";
    // A lapsed row is taken alone: its worker died or hung while holding it, maybe because of
    // it (a job that crashes its process), and taken with others it would take them down with
    // it again, each time charging them an attempt, until they died beside it.
    std::string const alone = " WHERE NOT EXISTS (SELECT 1 FROM lapsed)";
    std::string arms = "SELECT id FROM lapsed UNION ALL SELECT id FROM due" + alone;
    bool recursive = false;
    if (queues.size() == 1) {
        ctes += ", due AS (" + one_queue(d.literal(queues[0]), "id", true) + ")";
    } else if (queues.size() > 1) {
        std::string u;
        for (std::size_t i = 0; i < queues.size(); ++i)
            u += (i ? " UNION ALL " : "") + std::string("SELECT id, priority, run_at FROM (") +
                 one_queue(d.literal(queues[i]), "id, priority, run_at", true) + ") q" + std::to_string(i);
        ctes += ", due AS (SELECT id FROM (" + u + ") u ORDER BY priority, run_at, id LIMIT " + limit + ")";
    } else {
        recursive = true;
        ctes += ", due AS (SELECT id FROM " + table + " WHERE state = 'ready' AND run_at <= " + clock +
                " AND NOT EXISTS (SELECT 1 FROM " + paused + ") ORDER BY priority, run_at, id LIMIT " + limit + lock + ")";
        ctes += ", live_queues (name) AS (SELECT MIN(queue) FROM " + table + " WHERE state = 'ready' AND EXISTS (SELECT 1 FROM " +
                paused + ") UNION ALL SELECT (SELECT MIN(t.queue) FROM " + table +
                " t WHERE t.state = 'ready' AND t.queue > live_queues.name) FROM live_queues WHERE live_queues.name IS NOT NULL)";
        std::string const each = d.lateral ? "live_queues q CROSS JOIN LATERAL (" + one_queue("q.name", "id, priority, run_at", false) + ") d"
                                    // SQLite has no LATERAL: the rows whose id is among the queue's first n
                                    : "live_queues q JOIN " + table + " d ON d.id IN (SELECT i.id FROM " + table +
                                          " i WHERE i.state = 'ready' AND i.queue = q.name AND i.run_at <= " + clock +
                                          " ORDER BY i.priority, i.run_at, i.id LIMIT " + limit + ")";
        ctes += ", due_unpaused AS (SELECT d.id FROM " + each + " WHERE q.name IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " + paused +
                " p WHERE p.queue = q.name) ORDER BY d.priority, d.run_at, d.id LIMIT " + limit + ")";
        arms += " UNION ALL SELECT id FROM due_unpaused" + alone;
    }
    return std::string(recursive ? "WITH RECURSIVE " : "WITH ") + ctes + " UPDATE " + table +
           // attempts saturate: a row written with 2147483647 must not make every claim overflow
           " SET state = 'running', attempts = CASE WHEN attempts < 0 THEN 1 WHEN attempts >= 2147483646 THEN 2147483647"
           " ELSE attempts + 1 END, locked_by = " + worker + ", locked_until = " + now + " + " + std::to_string(lease_ms) +
           " WHERE " + d.ids_in("SELECT id FROM (" + arms + ") c LIMIT " + limit) +
           " RETURNING id, name, payload, attempts, max_attempts, queue, priority, run_at";
}

}  // namespace cascade::detail
