// The cascade-queue tool (tools/cascade_queue.cpp): what it reports and does, and the bad input it
// refuses without changing anything.
#include "queue_support.hpp"

BOOST_AUTO_TEST_CASE(the_queue_tool_reports_and_operates) {
    queue_db db;
    db.queue.enqueue(*db, "nobody.knows", "{}", "x", 1);
    db.exec("UPDATE cascade_jobs SET state = 'dead'");
    std::string const cmd = std::string(CASCADE_QUEUE_TOOL) + " --backend " + db.backend_name() + " --connection \"" +
                            db.connection() + "\" ";
    auto run = [&](std::string const& args) {
        std::string out;
        if (FILE* p = popen((cmd + args + " 2>&1").c_str(), "r")) {
            char buf[256];
            while (std::fgets(buf, sizeof buf, p)) out += buf;
            pclose(p);
        }
        return out;
    };
    std::string const status = run("status");
    BOOST_TEST(status.find("dead 1") != std::string::npos);
    BOOST_TEST(status.find("ready 0") != std::string::npos);
    BOOST_TEST(run("retry dead").find("retried 1") != std::string::npos);
    BOOST_TEST(run("status").find("ready 1") != std::string::npos);
    BOOST_TEST(run("discard 1").find("discarded 1") != std::string::npos);
    BOOST_TEST(db.jobs() == 0);
}

BOOST_AUTO_TEST_CASE(bad_input_to_the_tool_and_the_worker_changes_nothing) {
    queue_db db;
    db.queue.enqueue(*db, "nobody.knows", "{}", "twin", 1);
    db.exec("UPDATE cascade_jobs SET state = 'dead'");
    db.queue.enqueue(*db, "nobody.knows", "{}", "twin", 1);  // its live twin
    db.queue.enqueue(*db, "nobody.knows", "{}", "other", 1);
    db.exec("UPDATE cascade_jobs SET state = 'done', finished_at = 0 WHERE dedup_key = 'other'");
    std::string const tool = std::string(CASCADE_QUEUE_TOOL) + " --backend " + db.backend_name() + " --connection \"" +
                             db.connection() + "\" ";
    auto const before = db.rows_text("id, state, attempts", "cascade_jobs");
    for (std::string const bad : {"discard -1", "retry -7", "discard 26abc", "retry ''", "purge-done -100", "purge-done 1x",
                                  "frobnicate", "status extra", "retry", "discard 1 2"}) {
        auto const r = run_command(tool + bad);
        BOOST_TEST(r.exited(2), bad << ": " << r.out);
    }
    // SQLite: a typo in the file name makes no file; only install creates one.
    auto const no_file = run_command(std::string(CASCADE_QUEUE_TOOL) + " --backend sqlite3 --connection db=/tmp/cq-typo2.db status");
    BOOST_TEST(no_file.exited(2));
    BOOST_TEST(access("/tmp/cq-typo2.db", F_OK) != 0);
    BOOST_TEST(run_command(tool + "--lease-ms 5 status").exited(2));  // an option the tool does not take
    auto const typo = run_command(std::string(CASCADE_QUEUE_TOOL) + " --backend postgres --connection db=/tmp/cq-typo.db status");
    BOOST_TEST(typo.exited(2));
    BOOST_TEST(typo.out.find("'postgres' is not one of mysql, postgresql, sqlite3") != std::string::npos);
    BOOST_TEST(access("/tmp/cq-typo.db", F_OK) != 0);  // no file made
    BOOST_TEST(run_command(tool + "--table 'x; DROP TABLE authors' status").exited(2));
    BOOST_TEST(db.rows_text("id, state, attempts", "cascade_jobs") == before);
    // A dead job whose twin is queued: said so, nothing changed.
    auto const twin = run_command(tool + "retry 1");
    BOOST_TEST(twin.exited(1));
    BOOST_TEST(twin.out.find("job 1 has a live twin, job 2") != std::string::npos, twin.out);
    BOOST_TEST(run_command(tool + "retry dead").out.find("retried 0") != std::string::npos);  // skipped, no raw error
    BOOST_TEST(db.jobs("state = 'dead'") == 1);
    // The worker refuses its own bad arguments before it starts (no abort, no table).
    for (std::vector<std::string> const& bad : std::vector<std::vector<std::string>>{
             {"--connection", db.connection(), "--table", "bad name"},
             {"--connection", db.connection(), "--threads", "two"},
             {"--connection", db.connection(), "--lease-ms", "-5"},
             {"--connection", db.connection(), "--backend", "postgres"},
             {"--connection", db.connection(), "--treads", "2"}}) {
        process p(bad);
        int const status = p.wait();
        BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 2), bad[2] << " " << bad[3]);
    }
}

BOOST_AUTO_TEST_CASE(bad_input_to_the_new_commands_and_options_changes_nothing) {
    queue_db db;
    db.queue.enqueue(*db, "nobody.knows", "{}", "one", 1, in_queue("mail"));
    db.queue.pause(*db, "kept");
    std::string const tool = tool_for(db);
    auto snapshot = [&] {
        return db.rows_text("id, state, attempts, queue", "cascade_jobs") + "/" + db.rows_text("queue", "cascade_jobs_paused");
    };
    auto const before = snapshot();
    std::string const short_token = "/tmp/cascade-short-token-" + std::to_string(getpid());
    std::ofstream(short_token) << "fifteen-bytes!!\n";
    for (std::string const& bad : std::vector<std::string>{"pause", "resume", "pause ''", "resume ''", "pause a b", "resume a b",
                                                          "metrics extra", "pause " + std::string(129, 'q'), "serve extra",
                                                          "serve --port 70000", "serve --port -1", "serve --port x",
                                                          "serve --token-file /nonexistent/token", "serve --token-file " + short_token,
                                                          "status --port 8080", "retry 1 --token-file " + short_token}) {
        auto const r = run_command(tool + bad);
        BOOST_TEST(r.exited(2), bad << ": " << r.out);
        BOOST_TEST(r.out.find("usage:") != std::string::npos, bad);
    }
    BOOST_TEST(snapshot() == before);
    // serve's own arguments are checked with the rest, before the database is opened: a database
    // that cannot be reached does not turn a mistake into exit 1.
    for (std::string const& bad : std::vector<std::string>{"serve --address localhost", "serve --address 10.0.0.256",
                                                          "serve --address ''", "serve --lock-timeout-ms 0",
                                                          "serve --lock-timeout-ms x", "serve --statement-timeout-ms -1",
                                                          "status --lock-timeout-ms 500"}) {
        auto const r = run_command(tool + bad);
        BOOST_TEST(r.exited(2), bad << ": " << r.out);
        BOOST_TEST(r.out.find("usage:") != std::string::npos, bad);
        auto const unreachable = run_command(std::string(CASCADE_QUEUE_TOOL) +
                                             " --backend postgresql --connection 'host=127.0.0.1 port=1 connect_timeout=2' " + bad);
        BOOST_TEST(unreachable.exited(2), bad << " (no database): " << unreachable.out);
    }
    std::remove(short_token.c_str());
    // --help lists every command.
    auto const help = run_command(std::string(CASCADE_QUEUE_TOOL) + " --help");
    BOOST_TEST(help.exited(0));
    for (char const* cmd : {"status", "metrics", "pause QUEUE", "resume QUEUE", "retry ID|dead", "discard ID|dead", "purge-done SECONDS",
                            "repair", "install", "serve"})
        BOOST_TEST(help.out.find(std::string("\n  ") + cmd + " ") != std::string::npos, cmd);
    // The worker refuses its new options' mistakes before it starts (exit 2).
    for (std::vector<std::string> const& extra : std::vector<std::vector<std::string>>{
             {"--queues", ""}, {"--queues", "a,,b"}, {"--queues", "a,"}, {"--queues", std::string(129, 'q')},
             {"--metrics-port", "70000"}, {"--metrics-port", "-1"}, {"--metrics-port", "x"},
             {"--metrics-port", "9999", "--metrics-address", "localhost"}, {"--metrics-address", "127.0.0.1"}}) {
        std::vector<std::string> args{"--backend", db.backend_name(), "--connection", db.connection()};
        args.insert(args.end(), extra.begin(), extra.end());
        process p(args);
        int const status = p.wait();
        BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 2), extra[0] << " " << extra[1]);
    }
    BOOST_TEST(snapshot() == before);
}

// The tool opens an existing SQLite file read-write without ever creating one (a `file:` URI with
// mode=rw), whatever bytes its name holds: a space (the value quoted, as SOCI reads it), `%`, `#`, `?`.
// Only install creates the file. (SQLite only: PostgreSQL has no file.)
BOOST_AUTO_TEST_CASE(the_tool_opens_a_sqlite_file_of_any_name_and_only_install_creates_one,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) { return !test::is_server(); })) {
    std::string const file = "/tmp/cascade queue %41 #1 ?x " + std::to_string(getpid()) + ".db";
    std::remove(file.c_str());
    std::string const tool = std::string(CASCADE_QUEUE_TOOL) + " --backend sqlite3 --connection 'db=\"" + file + "\" timeout=5' ";
    BOOST_TEST(run_command(tool + "status").exited(2));
    BOOST_TEST(access(file.c_str(), F_OK) != 0);
    auto const installed = run_command(tool + "install");
    BOOST_TEST(installed.exited(0), installed.out);
    BOOST_REQUIRE(access(file.c_str(), F_OK) == 0);
    auto const status = run_command(tool + "status");
    BOOST_TEST(status.exited(0), status.out);
    BOOST_TEST(status.out.find("ready 0") != std::string::npos, status.out);
    BOOST_TEST(run_command(tool + "pause mail").exited(0));
    {
        soci::session sql(soci::sqlite3, "db=\"" + file + "\"");
        BOOST_TEST(c::job_queue{}.paused(sql) == std::vector<std::string>{"mail"}, tt::per_element());
    }
    std::remove(file.c_str());
}
