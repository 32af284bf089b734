// A ready worker program: compile it with your schema (here examples/queue_schema.hpp) and run as
// many as you like, on as many machines, against the same database.
//   queue_worker --backend postgresql --connection "host=... dbname=..." [--threads 2] [--claim-batch 10]
//                [--lease-ms 30000] [--heartbeat-ms 10000] [--poll-ms 1000] [--batch-size 1000]
//                [--fan-out-rows N (default 10 × batch size; 0: never split a job)]
//                [--table cascade_jobs] [--exit-when-idle] [--quiet]
// It stops gracefully on SIGINT/SIGTERM. Two extra job names are handled for tests and benchmarks:
// "bench.noop" (does nothing) and "test.sleep" (payload: milliseconds).
#include "queue_schema.hpp"

#include <csignal>
#include <iostream>

namespace {
std::atomic<bool> interrupted{false};
void on_signal(int) { interrupted = true; }

std::string arg(int argc, char** argv, std::string const& name, std::string fallback = "") {
    for (int i = 1; i + 1 < argc; ++i)
        if (argv[i] == name) return argv[i + 1];
    return fallback;
}
bool flag(int argc, char** argv, std::string const& name) {
    for (int i = 1; i < argc; ++i)
        if (argv[i] == name) return true;
    return false;
}
}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    cascade::worker_options o;
    o.backend = arg(argc, argv, "--backend", "postgresql");
    o.connection = arg(argc, argv, "--connection");
    o.threads = std::stoi(arg(argc, argv, "--threads", "1"));
    o.claim_batch = std::stoi(arg(argc, argv, "--claim-batch", "10"));
    o.lease = std::chrono::milliseconds(std::stol(arg(argc, argv, "--lease-ms", "30000")));
    o.heartbeat = std::chrono::milliseconds(std::stol(arg(argc, argv, "--heartbeat-ms", "10000")));
    o.poll = std::chrono::milliseconds(std::stol(arg(argc, argv, "--poll-ms", "1000")));
    o.batch_size = std::stoul(arg(argc, argv, "--batch-size", "1000"));
    if (std::string const f = arg(argc, argv, "--fan-out-rows"); !f.empty()) o.fan_out_rows = std::stoul(f);
    o.retry.base = std::chrono::milliseconds(std::stol(arg(argc, argv, "--retry-base-ms", "1000")));
    if (!flag(argc, argv, "--quiet")) o.on_event = cascade::log_jobs_to(std::cout);
    if (o.connection.empty()) {
        std::cerr << "queue_worker: --connection is required\n";
        return 2;
    }
    cascade::job_queue queue(arg(argc, argv, "--table", "cascade_jobs"));
    cascade::worker<library::schema> w(queue, o);
    w.handle("bench.noop", [](std::string_view, soci::session&) {});
    w.handle("test.sleep", [](std::string_view payload, soci::session&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::stol(std::string(payload))));
    });
    bool const exit_when_idle = flag(argc, argv, "--exit-when-idle");
    soci::session status_sql;
    if (o.backend == "postgresql") status_sql.open(soci::postgresql, o.connection);
    else status_sql.open(soci::sqlite3, o.connection);
    int idle_checks = 0;
    w.run_until([&] {
        if (interrupted) return true;
        if (!exit_when_idle) return false;
        static auto last = std::chrono::steady_clock::now();
        if (std::chrono::steady_clock::now() - last < std::chrono::milliseconds(100)) return false;
        last = std::chrono::steady_clock::now();
        auto s = queue.status(status_sql);
        idle_checks = s.counts["ready"] + s.counts["running"] == 0 ? idle_checks + 1 : 0;
        return idle_checks >= 3;
    });
    std::cout << "worker " << w.id() << ": performed " << w.performed() << ", failed " << w.failed() << std::endl;
}
