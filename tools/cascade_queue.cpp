// The queue tool: operates the durable queue of any application, no schema needed.
//   cascade-queue --backend postgresql|mysql|sqlite3 --connection "..." [--table cascade_jobs] COMMAND
// Every argument is checked before the database is opened; a mistake exits 2 with a message and
// changes nothing. Exit 1: the database refused (the message says why).
#include "command_line.hpp"
#include "dashboard.hpp"
#include <cascade/mysql/queue.hpp>
#include <cascade/postgresql/queue.hpp>
#include <cascade/queue/job_queue.hpp>
#include <cascade/queue/metrics.hpp>
#include <cascade/sqlite/queue.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <optional>
#include <iostream>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace {

char const* const usage =
    "usage: cascade-queue [--backend postgresql|mysql|sqlite3] [--connection CONN] [--table NAME] COMMAND\n"
    "  status              rows per state (scheduled: ready, not due yet) and per queue, the paused\n"
    "                      queues, the age of the oldest due job\n"
    "  metrics             the same in Prometheus' text format (what a worker's --metrics-port serves)\n"
    "  pause QUEUE         workers stop claiming the queue's jobs (running ones finish; the rest keep\n"
    "                      their place)\n"
    "  resume QUEUE        workers claim the queue's jobs again\n"
    "  retry ID|dead       put a dead job (or every dead job) back to ready with fresh attempts\n"
    "  discard ID|dead     delete a dead or ready job (or every dead job)\n"
    "  purge-done SECONDS  delete done jobs that finished more than SECONDS ago\n"
    "  repair              make rows in a state the queue does not know dead, with a message\n"
    "  install             create the table, its indexes and the pause table; upgrade a table of an\n"
    "                      older cascade in place (its rows stay, in the queue default)\n"
    "  serve               the web dashboard until SIGINT or SIGTERM: counts per queue and state, the\n"
    "                      oldest ready jobs, dead jobs with their errors; retry and discard buttons for\n"
    "                      whoever logs in with the token (read-only without --token-file)\n"
    "    --address ADDR    listen on this numeric address (default 127.0.0.1: this machine only)\n"
    "    --port N          and port (default 8080; 0: a free one, printed)\n"
    "    --token-file F    the operators' token: the file's first line, at least 16 bytes\n"
    "    --host NAMES      host names the page may be reached by besides ADDR (a proxy's), comma-\n"
    "                      separated; other Host headers are refused (DNS rebinding)\n"
    "    --lock-timeout-ms N       a page waits at most N ms for a lock another session holds on the\n"
    "                              table (VACUUM FULL, LOCK TABLE), then says so: 503 (default 2000)\n"
    "    --statement-timeout-ms N  a statement runs at most N ms (PostgreSQL, MariaDB; default 10000)\n"
    "CONN defaults to $CASCADE_PG (postgresql) or $CASCADE_MYSQL (mysql: MariaDB); --backend to\n"
    "postgresql. QUEUE: 1 to 128 bytes.\n";

/// ID (a job's id, 1 or more) or the word `dead` (every dead job: -1).
long long target(std::vector<std::string> const& args) {
    if (args.size() != 2) throw cascade::bad_command_line(args[0] + " takes one argument: a job id or `dead`");
    if (args[1] == "dead") return -1;
    return cascade::command_line::parse_integer(args[0] + " ID", args[1], 1);
}

void expect_arguments(std::vector<std::string> const& args, std::size_t n) {
    if (args.size() != n)
        throw cascade::bad_command_line(args[0] + (n == 1 ? " takes no argument" : " takes " + std::to_string(n - 1) + " argument"));
}

/// A queue's name as status prints it: quoted, escaped as a Prometheus label value (one line each).
std::string shown(std::string const& queue) { return "\"" + cascade::prometheus_label_value(queue) + "\""; }

/// What the command line asked for, every part of it checked.
struct invocation {
    std::string backend, connection, table;
    std::vector<std::string> args;  ///< the command and its arguments
    long long id = -1, seconds = 0;
    cascade::dashboard_options serve;
};

/// serve's options.
cascade::dashboard_options serve_options(cascade::command_line const& cl) {
    cascade::dashboard_options o;
    o.address = cl.text("--address", "127.0.0.1");
    if (!cascade::dashboard::valid_address(o.address))
        throw cascade::bad_command_line("--address: '" + o.address + "' is not a numeric IPv4 or IPv6 address (127.0.0.1, not localhost)");
    o.port = static_cast<int>(cl.integer("--port", 8080, 0, 65535));
    long long const hour_ms = 3600000;
    o.lock_timeout = std::chrono::milliseconds(cl.integer("--lock-timeout-ms", 2000, 1, hour_ms));
    o.statement_timeout = std::chrono::milliseconds(cl.integer("--statement-timeout-ms", 10000, 1, hour_ms));
    if (cl.has("--host")) {
        std::string const list = cl.text("--host");
        for (std::size_t start = 0;;) {
            std::size_t const comma = list.find(',', start);
            std::string const name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            if (name.empty() || name.find_first_of(" :/\t") != std::string::npos)
                throw cascade::bad_command_line("--host: '" + name + "' is not a host name (names, comma-separated, no port)");
            o.hosts.push_back(name);
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    if (cl.has("--token-file")) {
        std::ifstream in(cl.text("--token-file"));
        if (!in) throw cascade::bad_command_line("--token-file: cannot read " + cl.text("--token-file"));
        std::getline(in, o.token);
        if (!o.token.empty() && o.token.back() == '\r') o.token.pop_back();
        if (o.token.size() < cascade::dashboard_options::min_token_bytes)
            throw cascade::bad_command_line("--token-file: the token (its first line) must be at least 16 bytes");
    }
    return o;
}

/// Checks every argument before the database is opened (bad_command_line). Empty: --help was printed.
std::optional<invocation> parse(int argc, char** argv) {
    invocation in;
    auto& [backend, connection, table, args, id, seconds, serve] = in;
    cascade::command_line cl(argc, argv, {"--backend", "--connection", "--table", "--address", "--port", "--token-file", "--host",
                                        "--lock-timeout-ms", "--statement-timeout-ms"}, {"--help"});
    if (cl.flag("--help")) {
        std::cout << usage;
        return std::nullopt;
    }
    auto const backends = cascade::queue_backends();  // the queue connectors this program includes
    backend = cl.choice("--backend", {backends.begin(), backends.end()}, "postgresql");
    connection = cl.text("--connection");
    char const* const variable = backend == "postgresql" ? "CASCADE_PG" : backend == "mysql" ? "CASCADE_MYSQL" : nullptr;
    if (connection.empty() && variable && std::getenv(variable)) connection = std::getenv(variable);
    if (connection.empty())
        throw cascade::bad_command_line(variable ? "--connection is required (or set " + std::string(variable) + ")"
                                                 : std::string("--connection is required (db=FILE)"));
    table = cl.text("--table", "cascade_jobs");
    cascade::job_queue check(table);  // a bad table name is refused here, before connecting
    args = cl.positional();
    if (args.empty()) throw cascade::bad_command_line("no command");
    std::string const& cmd = args[0];
    if (cmd != "serve")
        for (char const* option : {"--address", "--port", "--token-file", "--host", "--lock-timeout-ms", "--statement-timeout-ms"})
            if (cl.has(option)) throw cascade::bad_command_line(std::string(option) + " is an option of serve only");
    if (cmd == "status" || cmd == "install" || cmd == "repair" || cmd == "metrics") expect_arguments(args, 1);
    else if (cmd == "pause" || cmd == "resume") {
        if (args.size() != 2) throw cascade::bad_command_line(cmd + " takes one argument: a queue name");
        if (char const* why = cascade::queue_name_problem(args[1]))
            throw cascade::bad_command_line(cmd + " QUEUE: the name " + why);
    }
    else if (cmd == "retry" || cmd == "discard") id = target(args);
    else if (cmd == "serve") {
        expect_arguments(args, 1);
        serve = serve_options(cl);
    }
    else if (cmd == "purge-done") {
        expect_arguments(args, 2);
        seconds = cascade::command_line::parse_integer("purge-done SECONDS", args[1], 0, 10LL * 365 * 86400);
    } else
        throw cascade::bad_command_line("unknown command " + cmd);
    // SQLite creates a missing file on open: only `install` may make one (a typo must not). A file
    // that is not there is a mistake in the arguments; one that goes between this check and the
    // open is refused by the open itself (existing_only).
    if (backend == "sqlite3" && args[0] != "install") {
        std::string const file = cascade::sqlite_connection::database(connection);
        if (file != ":memory:" && access(file.c_str(), F_OK) != 0)
            throw cascade::bad_command_line("no SQLite database " + file + " (cascade-queue install creates one)");
        connection = cascade::sqlite_connection::existing_only(connection);
    }
    return in;
}

/// The dashboard until SIGINT or SIGTERM.
int serve_dashboard(cascade::dashboard_options const& o) {
    // SIGINT and SIGTERM are waited for here, not handled: the server thread never sees them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    cascade::dashboard d(o);
    std::cout << "serving http://" << (o.address.find(':') != std::string::npos ? "[" + o.address + "]" : o.address) << ":"
              << d.port() << "/ (" << (d.read_only() ? "read-only: no --token-file" : "actions after logging in with the token")
              << ")" << std::endl;
    std::thread server([&] { d.run(); });
    int signal = 0;
    sigwait(&stop_signals, &signal);
    d.stop();
    server.join();
    return 0;
}

/// Runs the command on the open session; the exit status.
int execute(invocation const& in, soci::session& sql, cascade::job_queue const& queue) {
    auto const& args = in.args;
    std::string const& cmd = args[0];
    long long const id = in.id;
    long long const seconds = in.seconds;
    std::string const& table = in.table;
    if (cmd == "status") {
        auto s = queue.status(sql);
        // ready: due now; scheduled: ready rows that are not due yet (the two make the state ready)
        std::cout << "ready " << s.counts["ready"] - s.scheduled << "\nscheduled " << s.scheduled << '\n';
        for (char const* state : {"running", "done", "dead"}) std::cout << state << " " << s.counts[state] << '\n';
        for (auto const& [state, n] : s.counts)
            if (state != "ready" && state != "running" && state != "done" && state != "dead")
                std::cout << "unknown state '" << state << "' " << n << " (cascade-queue repair makes them dead)\n";
        std::cout << "oldest_ready_seconds " << s.oldest_ready_seconds << '\n';
        std::cout << "paused";
        if (s.paused.empty()) std::cout << " (none)";
        for (auto const& q : s.paused) std::cout << ' ' << shown(q);
        std::cout << '\n';
        for (auto& [name, states] : s.queues) {
            bool const paused = std::find(s.paused.begin(), s.paused.end(), name) != s.paused.end();
            std::cout << "queue " << shown(name) << (paused ? " (paused)" : "") << ":";
            for (char const* state : {"ready", "scheduled", "running", "done", "dead"}) std::cout << ' ' << state << ' ' << states[state];
            std::cout << '\n';
        }
    } else if (cmd == "metrics") {
        std::cout << cascade::prometheus_metrics(queue, sql);
    } else if (cmd == "pause") {
        bool const now_paused = queue.pause(sql, args[1]);
        auto const s = queue.status(sql);
        std::cout << (now_paused ? "paused " : "already paused ") << shown(args[1]);
        auto const q = s.queues.find(args[1]);
        bool empty = true;
        if (q != s.queues.end())
            for (auto const& [state, n] : q->second) empty = empty && n == 0;
        if (empty) std::cout << " (it has no job yet: is the name right?)";
        std::cout << '\n';
    } else if (cmd == "resume") {
        if (!queue.resume(sql, args[1])) {
            std::string list;
            for (auto const& q : queue.paused(sql)) list += (list.empty() ? "" : ", ") + shown(q);
            std::cerr << "cascade-queue: queue " << shown(args[1]) << " is not paused (paused: "
                      << (list.empty() ? "none" : list) << "): nothing resumed\n";
            return 1;
        }
        std::cout << "resumed " << shown(args[1]) << '\n';
    } else if (cmd == "retry") {
        long long const n = queue.retry(sql, id);
        std::cout << "retried " << n << '\n';
        if (id >= 0 && n == 0) {
            std::cerr << "cascade-queue: job " << id << " is not dead (or does not exist): nothing retried\n";
            return 1;
        }
    } else if (cmd == "discard") {
        long long const n = queue.discard(sql, id);
        std::cout << "discarded " << n << '\n';
        if (id >= 0 && n == 0) {
            std::cerr << "cascade-queue: job " << id << " is not dead or ready (or does not exist): nothing discarded\n";
            return 1;
        }
    } else if (cmd == "purge-done") {
        std::cout << "purged " << queue.purge_done(sql, std::chrono::seconds(seconds)) << '\n';
    } else if (cmd == "repair") {
        std::cout << "repaired " << queue.repair(sql) << '\n';
    } else if (cmd == "install") {
        queue.install(sql);
        std::cout << "installed " << table << '\n';
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<invocation> in;
    try {
        in = parse(argc, argv);
        if (!in) return 0;
    } catch (std::exception const& e) {
        std::cerr << "cascade-queue: " << e.what() << "\n" << usage;
        return 2;
    }
    try {
        auto const session = cascade::open_operator_session(in->backend, in->connection);
        soci::session& sql = *session;
        cascade::job_queue queue(in->table);
        std::string const& cmd = in->args[0];
        // A table of an older cascade: say what to do rather than a missing column's error.
        if (cmd == "status" || cmd == "metrics" || cmd == "pause" || cmd == "resume" || cmd == "serve") queue.check_installed(sql);
        if (cmd != "serve") return execute(*in, sql, queue);
        in->serve.backend = in->backend;
        in->serve.connection = in->connection;
        in->serve.table = in->table;
        return serve_dashboard(in->serve);
    } catch (std::exception const& e) {
        std::cerr << "cascade-queue: " << e.what() << '\n';
        return 1;
    }
}
