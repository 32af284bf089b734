#pragma once
// The queue worker program, for any schema: examples/queue_worker.cpp compiles it with the example's
// schema, the queue tests' worker (tests/queue/test_worker.cpp) with theirs. Its command line:
//   queue_worker --backend postgresql|mysql|sqlite3 --connection "host=... dbname=..." [--threads 2] [--claim-batch 10] [--claim-hold-ms 20]
//                [--lease-ms 30000] [--heartbeat-ms 10000] [--poll-ms 1000] [--batch-size 1000]
//                [--max-batch-size N (default 50 x batch size)] [--batch-time-ms 50]
//                [--fan-out-rows N (default: the largest batch, at least 10 x batch size; 0: never split a job)]
//                [--retention-s 86400] [--maintenance-ms 60000] [--table cascade_jobs]
//                [--queues a,b] [--metrics-port 9394] [--metrics-address 127.0.0.1]
//                [--exit-when-idle] [--quiet]
// Every argument is checked first (exit 2 with a message on a mistake). It rides out lost
// connections and database restarts (reconnecting with backoff) and stops gracefully on SIGINT and
// SIGTERM, in every state, with exit 0. Exit 1: it cannot start (a table to upgrade with
// `cascade-queue install`, a metrics port in use). --queues: the named queues it serves (default:
// all); --exit-when-idle: it exits once those queues have had nothing ready or running, paused
// queues aside, for three checks. Extra job names for tests and benchmarks: "bench.noop" (does
// nothing), "test.sleep" (payload: milliseconds) and "test.record" (appends its payload to the
// file CASCADE_RECORD names, one line per job: the order jobs ran in).
#include "command_line.hpp"

#include <cascade/queue.hpp>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

namespace cascade_tools {

inline std::atomic<bool> interrupted{false};
inline void on_signal(int) { interrupted = true; }

/// The worker program's main for `Schema`: parses the command line, runs, exits 0, 1 or 2 as above.
template <class Schema>
int queue_worker_main(int argc, char** argv) {
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGPIPE, SIG_IGN);  // a peer gone mid-write is an error to handle, not a reason to die
    cascade::worker_options o;
    std::string table;
    bool exit_when_idle = false;
    try {
        cascade::command_line cl(argc, argv,
                                 {"--backend", "--connection", "--threads", "--claim-batch", "--claim-hold-ms", "--lease-ms", "--heartbeat-ms",
                                  "--poll-ms", "--batch-size", "--max-batch-size", "--batch-time-ms", "--fan-out-rows", "--retry-base-ms", "--retention-s", "--maintenance-ms", "--table",
                                  "--queues", "--metrics-port", "--metrics-address"},
                                 {"--exit-when-idle", "--quiet"});
        if (!cl.positional().empty()) throw cascade::bad_command_line("unexpected argument " + cl.positional().front());
        auto const backends = cascade::queue_backends();  // the queue connectors this program includes
        o.backend = cl.choice("--backend", {backends.begin(), backends.end()}, "postgresql");
        o.connection = cl.text("--connection");
        if (o.connection.empty()) throw cascade::bad_command_line("--connection is required");
        o.threads = static_cast<int>(cl.integer("--threads", 1, 1, 256));
        o.claim_batch = static_cast<int>(cl.integer("--claim-batch", 10, 1, 10000));
        // Durations up to a day (leases, polls) or ten years (retention): beyond, milliseconds overflow
        // in the database's clock arithmetic and in the waits.
        long long const day_ms = 86400000LL, ten_years_s = 10LL * 365 * 86400;
        o.lease = std::chrono::milliseconds(cl.integer("--lease-ms", 30000, 100, day_ms));
        o.heartbeat = std::chrono::milliseconds(cl.integer("--heartbeat-ms", 10000, 10, day_ms));
        if (o.heartbeat >= o.lease) throw cascade::bad_command_line("--heartbeat-ms must be shorter than --lease-ms");
        o.poll = std::chrono::milliseconds(cl.integer("--poll-ms", 1000, 1, day_ms));
        o.claim_hold = std::chrono::milliseconds(cl.integer("--claim-hold-ms", 20, 0, day_ms));
        o.batch_size = static_cast<std::size_t>(cl.integer("--batch-size", 1000, 1, 100000000));
        if (cl.has("--max-batch-size"))
            o.max_batch_size = static_cast<std::size_t>(cl.integer("--max-batch-size", 0, static_cast<long long>(o.batch_size), 100000000));
        o.batch_time = std::chrono::milliseconds(cl.integer("--batch-time-ms", 50, 1, day_ms));
        if (cl.has("--fan-out-rows")) o.fan_out_rows = static_cast<std::size_t>(cl.integer("--fan-out-rows", 0, 0, 1000000000));
        o.retry.base = std::chrono::milliseconds(cl.integer("--retry-base-ms", 1000, 0, day_ms));
        o.retention = std::chrono::seconds(cl.integer("--retention-s", 86400, 0, ten_years_s));
        o.maintenance_every = std::chrono::milliseconds(cl.integer("--maintenance-ms", 60000, 10, day_ms));
        table = cl.text("--table", "cascade_jobs");
        cascade::job_queue check(table);  // a bad table name is refused here
        if (cl.has("--queues")) {
            // a,b,c: every name checked; an empty one ("a,,b", a trailing comma) is a mistake
            std::string const list = cl.text("--queues");
            for (std::size_t start = 0;;) {
                std::size_t const comma = list.find(',', start);
                std::string const name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                if (char const* why = cascade::queue_name_problem(name))
                    throw cascade::bad_command_line("--queues: a queue name " + std::string(why) + " in '" + list + "'");
                o.queues.push_back(name);
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
        }
        o.metrics_port = static_cast<int>(cl.integer("--metrics-port", 0, 0, 65535));
        o.metrics_address = cl.text("--metrics-address", "127.0.0.1");
        if (!cascade::metrics_server::valid_address(o.metrics_address))
            throw cascade::bad_command_line("--metrics-address: '" + o.metrics_address + "' is not a numeric IPv4 or IPv6 address");
        if (cl.has("--metrics-address") && o.metrics_port == 0)
            throw cascade::bad_command_line("--metrics-address needs --metrics-port");
        exit_when_idle = cl.flag("--exit-when-idle");
        if (!cl.flag("--quiet")) o.on_event = cascade::log_jobs_to(std::cout);
        o.on_problem = [](std::string const& what) { std::cerr << "queue_worker: " << what << std::endl; };
    } catch (std::exception const& e) {
        std::cerr << "queue_worker: " << e.what() << '\n';
        return 2;
    }
    cascade::job_queue queue(table);
    cascade::worker<Schema> w(queue, o);
    w.handle("bench.noop", [](std::string_view, soci::session&) {});
    w.handle("test.sleep", [](std::string_view payload, soci::session&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::stol(std::string(payload))));
    });
    w.handle("test.record", [](std::string_view payload, soci::session&) {
        char const* file = std::getenv("CASCADE_RECORD");
        if (!file) throw std::runtime_error("test.record: CASCADE_RECORD is not set");
        std::ofstream(file, std::ios::app) << payload << std::endl;
    });
    // --exit-when-idle: done once the queue has had nothing ready or running for three checks. The
    // check's own connection may be lost too (a restart): it reconnects on the next check.
    std::unique_ptr<soci::session> status_sql;
    int idle_checks = 0;
    auto last = std::chrono::steady_clock::now();
    auto idle = [&] {
        if (std::chrono::steady_clock::now() - last < std::chrono::milliseconds(100)) return false;
        last = std::chrono::steady_clock::now();
        try {
            if (!status_sql) status_sql = cascade::open_operator_session(o.backend, o.connection);
            auto s = queue.status(*status_sql);
            long long pending = 0;
            for (auto& [name, states] : s.queues) {
                bool const served = o.queues.empty() || std::find(o.queues.begin(), o.queues.end(), name) != o.queues.end();
                bool const paused = std::find(s.paused.begin(), s.paused.end(), name) != s.paused.end();
                if (served && !paused) pending += states["ready"] + states["scheduled"] + states["running"];
            }
            idle_checks = pending == 0 ? idle_checks + 1 : 0;
        } catch (std::exception const&) {
            status_sql.reset();
            idle_checks = 0;
        }
        return idle_checks >= 3;
    };
    try {
        w.start();
    } catch (std::exception const& e) {
        std::cerr << "queue_worker: " << e.what() << '\n';
        return 1;
    }
    w.run_until([&] {
        if (interrupted) {
            // stop() gives back the rows of jobs still running after shutdown_timeout; a job that
            // runs on past that (a handler that ignores time) must not keep the process from
            // exiting: its rows are already back in the queue.
            std::thread([grace = o.shutdown_timeout + std::chrono::seconds(5)] {
                std::this_thread::sleep_for(grace);
                std::cerr << "queue_worker: a job outlived the shutdown; its rows were given back, exiting" << std::endl;
                std::_Exit(0);
            }).detach();
            return true;
        }
        return exit_when_idle && idle();
    });
    std::cout << "worker " << w.id() << ": performed " << w.performed() << ", failed " << w.failed() << std::endl;
    return 0;
}

}  // namespace cascade_tools
