#pragma once
// The durable queue's metrics in Prometheus' text exposition format (version 0.0.4), as
// `cascade-queue metrics` prints them and a worker's metrics port serves them
// (queue/metrics_server.hpp):
//   cascade_jobs{queue,state}                    gauge: rows per queue and state (ready: due;
//                                                scheduled: ready, not due yet; running; done; dead)
//   cascade_queue_paused{queue}                  gauge: 1 while paused
//   cascade_oldest_ready_seconds{queue}          gauge: how long the oldest due job has waited
//   cascade_job_attempts{queue}                  histogram: attempts used by live jobs
//   cascade_jobs_finished_last_minute{queue,state}  gauge: done (throughput) and dead, by finished_at
// Every queue with rows or a pause has every series (zeros included), so that a rate or an alert
// never meets a missing series. Queue names are the application's text: label values are escaped
// (backslash, double quote, line feed) and bytes that are not UTF-8 are replaced by U+FFFD, which
// Prometheus requires. One statement reads the table (its cost grows with the table, done rows
// included: scrape every 15 to 60 seconds).
#include <cascade/detail/utf8.hpp>
#include <cascade/queue/job_queue.hpp>

#include <array>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cascade {

namespace detail {

/// Replaces what is not UTF-8 (a stray byte, an overlong form, a surrogate, past U+10FFFF) by
/// U+FFFD, byte by byte.
inline std::string utf8_with_replacement(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        std::size_t const n = utf8_sequence(s, i);
        if (n > 0) out.append(s, i, n);
        else out += "\xEF\xBF\xBD";
        i += n > 0 ? n : 1;
    }
    return out;
}

}  // namespace detail

/// A label value as the text format writes it between its quotes: `\` as `\\`, `"` as `\"`, a line
/// feed as `\n`, and valid UTF-8.
inline std::string prometheus_label_value(std::string_view v) {
    std::string out;
    for (char c : detail::utf8_with_replacement(v)) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

/// The queue's metrics, read now from `sql`, as Prometheus text.
inline std::string prometheus_metrics(job_queue const& queue, soci::session& sql) {
    long long const now = queue.database_now(sql);
    std::string const at = std::to_string(now);
    // Attempts histogram buckets (le), for live jobs (ready, scheduled, running).
    static constexpr std::array<int, 7> buckets{0, 1, 2, 3, 5, 10, 25};
    std::string sums;
    for (int b : buckets) sums += ", SUM(CASE WHEN attempts <= " + std::to_string(b) + " THEN 1 ELSE 0 END)";
    soci::rowset<soci::row> rows =
        (sql.prepare << "SELECT queue, state, COUNT(*), SUM(CASE WHEN state = 'ready' AND run_at > " + at +
                            " THEN 1 ELSE 0 END), MIN(CASE WHEN state = 'ready' AND run_at <= " + at +
                            " THEN run_at END), SUM(CASE WHEN finished_at >= " + std::to_string(now - 60000) +
                            " THEN 1 ELSE 0 END), SUM(attempts)" + sums + " FROM " + queue.table() +
                            " GROUP BY queue, state");
    struct per_queue {
        std::map<std::string, long long> jobs{{"ready", 0}, {"scheduled", 0}, {"running", 0}, {"done", 0}, {"dead", 0}};
        std::optional<long long> oldest_due;
        long long finished_done = 0, finished_dead = 0;
        long long attempts_sum = 0, live = 0;
        std::array<long long, buckets.size()> le{};
        bool paused = false;
    };
    std::map<std::string, per_queue> queues;
    for (auto const& r : rows) {
        std::string const name = r.get_indicator(0) == soci::i_null ? std::string() : r.get<std::string>(0);
        std::string const state = r.get_indicator(1) == soci::i_null ? std::string() : r.get<std::string>(1);
        auto& q = queues[name];
        long long const n = detail::row_integer(r, 2), scheduled = detail::row_integer(r, 3);
        if (state == "ready") {
            q.jobs["ready"] += n - scheduled;
            q.jobs["scheduled"] += scheduled;
        } else {
            q.jobs[state] += n;  // a state the queue does not know (an old table's row) is shown as it is
        }
        if (r.get_indicator(4) != soci::i_null) {
            long long const due = detail::row_integer(r, 4);
            if (!q.oldest_due || due < *q.oldest_due) q.oldest_due = due;
        }
        if (state == "done") q.finished_done += detail::row_integer(r, 5);
        if (state == "dead") q.finished_dead += detail::row_integer(r, 5);
        if (state == "ready" || state == "running") {
            q.live += n;
            q.attempts_sum += detail::row_integer(r, 6);
            for (std::size_t b = 0; b < buckets.size(); ++b) q.le[b] += detail::row_integer(r, 7 + b);
        }
    }
    for (auto const& p : queue.paused(sql)) queues[p].paused = true;

    std::string out;
    auto family = [&](char const* name, char const* type, char const* help) {
        out += "# HELP ";
        out += name;
        out += ' ';
        out += help;
        out += "\n# TYPE ";
        out += name;
        out += ' ';
        out += type;
        out += '\n';
    };
    auto sample = [&](std::string const& name, std::string const& labels, std::string const& value) {
        out += name;
        out += '{';
        out += labels;
        out += "} ";
        out += value;
        out += '\n';
    };
    auto label = [](char const* key, std::string_view value) {
        return std::string(key) + "=\"" + prometheus_label_value(value) + "\"";
    };
    family("cascade_jobs", "gauge",
           "Jobs in the queue table per queue and state: ready (due), scheduled (ready, not due yet), running, done "
           "(kept until the retention), dead (out of attempts, waiting for an operator).");
    for (auto const& [name, q] : queues)
        for (auto const& [state, n] : q.jobs) sample("cascade_jobs", label("queue", name) + "," + label("state", state), std::to_string(n));
    family("cascade_queue_paused", "gauge", "1 while the queue is paused (cascade-queue pause), else 0.");
    for (auto const& [name, q] : queues) sample("cascade_queue_paused", label("queue", name), q.paused ? "1" : "0");
    family("cascade_oldest_ready_seconds", "gauge", "How long the oldest due job of the queue has waited to be claimed (0 when none).");
    for (auto const& [name, q] : queues) {
        double const age = q.oldest_due && now > *q.oldest_due ? static_cast<double>(now - *q.oldest_due) / 1000.0 : 0.0;
        char buf[64];
        auto const res = std::to_chars(buf, buf + sizeof buf, age);
        sample("cascade_oldest_ready_seconds", label("queue", name), std::string(buf, res.ptr));
    }
    family("cascade_job_attempts", "histogram", "Attempts used so far by the live (ready, scheduled, running) jobs of the queue.");
    for (auto const& [name, q] : queues) {
        std::string const l = label("queue", name);
        for (std::size_t b = 0; b < buckets.size(); ++b)
            sample("cascade_job_attempts_bucket", l + ",le=\"" + std::to_string(buckets[b]) + "\"", std::to_string(q.le[b]));
        sample("cascade_job_attempts_bucket", l + ",le=\"+Inf\"", std::to_string(q.live));
        sample("cascade_job_attempts_sum", l, std::to_string(q.attempts_sum));
        sample("cascade_job_attempts_count", l, std::to_string(q.live));
    }
    family("cascade_jobs_finished_last_minute", "gauge",
           "Jobs of the queue that finished in the last 60 seconds: done (the throughput) or dead.");
    for (auto const& [name, q] : queues) {
        sample("cascade_jobs_finished_last_minute", label("queue", name) + ",state=\"done\"", std::to_string(q.finished_done));
        sample("cascade_jobs_finished_last_minute", label("queue", name) + ",state=\"dead\"", std::to_string(q.finished_dead));
    }
    return out;
}

}  // namespace cascade
