// The queue tool: operates the durable queue of any application, no schema needed.
//   cascade-queue --backend postgresql --connection "..." [--table cascade_jobs] status
//   cascade-queue ... retry ID|dead        put a dead job (or every dead job) back to ready
//   cascade-queue ... discard ID|dead      delete a dead or ready job (or every dead job)
//   cascade-queue ... purge-done SECONDS   delete done jobs finished more than SECONDS ago
//   cascade-queue ... install              create the table and its indexes
#include <cascade/queue/job_queue.hpp>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <iostream>

int main(int argc, char** argv) {
    std::string backend = "postgresql", connection, table = "cascade_jobs";
    std::vector<std::string> rest;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--backend" && i + 1 < argc) backend = argv[++i];
        else if (a == "--connection" && i + 1 < argc) connection = argv[++i];
        else if (a == "--table" && i + 1 < argc) table = argv[++i];
        else rest.push_back(a);
    }
    if (connection.empty() && std::getenv("CASCADE_PG")) connection = std::getenv("CASCADE_PG");
    if (rest.empty() || connection.empty()) {
        std::cerr << "usage: cascade-queue --backend postgresql|sqlite3 --connection CONN [--table T] "
                     "status | retry ID|dead | discard ID|dead | purge-done SECONDS | install\n";
        return 2;
    }
    try {
        soci::session sql;
        if (backend == "postgresql") sql.open(soci::postgresql, connection);
        else sql.open(soci::sqlite3, connection);
        cascade::job_queue queue(table);
        std::string const& cmd = rest[0];
        auto target = [&] { return rest.size() > 1 && rest[1] != "dead" ? std::stoll(rest[1]) : -1LL; };
        if (cmd == "status") {
            auto s = queue.status(sql);
            for (char const* state : {"ready", "running", "done", "dead"}) std::cout << state << " " << s.counts[state] << '\n';
            std::cout << "oldest_ready_seconds " << s.oldest_ready_seconds << '\n';
        } else if (cmd == "retry") {
            std::cout << "retried " << queue.retry(sql, target()) << '\n';
        } else if (cmd == "discard") {
            std::cout << "discarded " << queue.discard(sql, target()) << '\n';
        } else if (cmd == "purge-done" && rest.size() > 1) {
            std::cout << "purged " << queue.purge_done(sql, std::chrono::seconds(std::stoll(rest[1]))) << '\n';
        } else if (cmd == "install") {
            queue.install(sql);
            std::cout << "installed " << table << '\n';
        } else {
            std::cerr << "cascade-queue: unknown command " << cmd << '\n';
            return 2;
        }
    } catch (std::exception const& e) {
        std::cerr << "cascade-queue: " << e.what() << '\n';
        return 1;
    }
}
