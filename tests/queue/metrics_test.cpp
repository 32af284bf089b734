// The queue's Prometheus metrics (queue/metrics.hpp) and a worker's metrics server (queue/metrics_server.hpp).
#include "queue_support.hpp"

BOOST_AUTO_TEST_CASE(the_metrics_text_parses_counts_the_table_and_escapes_queue_names) {
    queue_db db;
    std::string const odd = "we\"ird\\q";   // a quote and a backslash
    std::string const lines = "two\nlines";  // a line feed
    auto add = [&](std::string const& key, std::string const& queue, std::string const& then = "") {
        db.queue.enqueue(*db, "test.sleep", "0", key, 3, in_queue(queue));
        if (!then.empty()) db.exec("UPDATE cascade_jobs SET " + then + " WHERE dedup_key = '" + key + "'");
    };
    long long const now = db.queue.database_now(*db);
    for (int i = 0; i < 3; ++i) add("due" + std::to_string(i), "default", i == 0 ? "attempts = 1" : "");
    add("sched0", "default", "run_at = " + std::to_string(now + 3600000));
    add("sched1", "default", "run_at = " + std::to_string(now + 3600000));
    add("running", "default", "state = 'running', attempts = 2, locked_by = 'gone', locked_until = " + std::to_string(now + 3600000));
    add("done0", "default", "state = 'done', attempts = 1, finished_at = " + std::to_string(now - 1000));
    add("done1", "default", "state = 'done', attempts = 1, finished_at = " + std::to_string(now - 2000));
    add("done-old", "default", "state = 'done', attempts = 1, finished_at = 0");
    add("dead", "default", "state = 'dead', attempts = 3, finished_at = " + std::to_string(now - 500));
    add("odd-due", odd, "run_at = " + std::to_string(now - 5000));
    add("odd-dead", odd, "state = 'dead', attempts = 3, finished_at = 0");
    add("lines", lines);
    db.queue.pause(*db, "idle");
    db.queue.pause(*db, odd);
    std::string const text = c::prometheus_metrics(db.queue, *db);
    std::string bad;
    auto const samples = parse_metrics(text, bad);
    BOOST_TEST(bad.empty(), "not a sample: " << bad << "\n" << text);
    BOOST_TEST(samples.size() > 20u);
    // Every family has its HELP and TYPE.
    for (char const* family : {"cascade_jobs gauge", "cascade_queue_paused gauge", "cascade_oldest_ready_seconds gauge",
                               "cascade_job_attempts histogram", "cascade_jobs_finished_last_minute gauge"})
        BOOST_TEST(text.find(std::string("# TYPE ") + family + "\n") != std::string::npos, family);
    for (auto const& s : samples) {
        std::string family = s.name;
        for (char const* suffix : {"_bucket", "_sum", "_count"})
            if (family.ends_with(suffix) && family.rfind("cascade_job_attempts", 0) == 0) family = "cascade_job_attempts";
        BOOST_TEST(text.find("# HELP " + family + " ") != std::string::npos, s.name);
    }
    // The counts are the table's: per queue and state, scheduled apart, zeros included.
    soci::rowset<soci::row> rows = ((*db).prepare << "SELECT queue, CASE WHEN state = 'ready' AND run_at > " +
                                                         std::to_string(db.queue.database_now(*db)) +
                                                         " THEN 'scheduled' ELSE state END, COUNT(*) FROM cascade_jobs GROUP BY 1, 2");
    std::map<std::pair<std::string, std::string>, long long> table;
    for (auto const& r : rows) table[{r.get<std::string>(0), r.get<std::string>(1)}] = c::detail::row_integer(r, 2);
    BOOST_TEST(table.size() == 8u);
    for (auto const& s : samples) {
        if (s.name != "cascade_jobs") continue;
        auto const it = table.find({s.labels.at("queue"), s.labels.at("state")});
        BOOST_TEST(s.value == static_cast<double>(it == table.end() ? 0 : it->second), s.labels.at("queue") << " " << s.labels.at("state"));
    }
    for (auto const& [key, n] : table)
        BOOST_TEST(sample_value(samples, "cascade_jobs", {{"queue", key.first}, {"state", key.second}}) == static_cast<double>(n));
    BOOST_TEST(sample_value(samples, "cascade_jobs", {{"queue", "idle"}, {"state", "ready"}}) == static_cast<double>(0));
    // Escaped on the wire, the same text once read.
    BOOST_TEST(text.find("queue=\"we\\\"ird\\\\q\"") != std::string::npos, text);
    BOOST_TEST(text.find("queue=\"two\\nlines\"") != std::string::npos, text);
    BOOST_TEST(sample_value(samples, "cascade_jobs", {{"queue", odd}, {"state", "dead"}}) == static_cast<double>(1));
    BOOST_TEST(sample_value(samples, "cascade_jobs", {{"queue", lines}, {"state", "ready"}}) == static_cast<double>(1));
    BOOST_TEST(c::prometheus_label_value("a\xff" "b") == "a\xEF\xBF\xBD" "b");  // not UTF-8: replaced, as Prometheus requires
    // Pauses, ages, attempts, throughput.
    BOOST_TEST(sample_value(samples, "cascade_queue_paused", {{"queue", "idle"}}) == static_cast<double>(1));
    BOOST_TEST(sample_value(samples, "cascade_queue_paused", {{"queue", odd}}) == static_cast<double>(1));
    BOOST_TEST(sample_value(samples, "cascade_queue_paused", {{"queue", "default"}}) == static_cast<double>(0));
    BOOST_TEST(sample_value(samples, "cascade_oldest_ready_seconds", {{"queue", odd}}) >= 5.0);
    BOOST_TEST(sample_value(samples, "cascade_oldest_ready_seconds", {{"queue", "idle"}}) == 0.0);
    BOOST_TEST(sample_value(samples, "cascade_job_attempts_count", {{"queue", "default"}}) == static_cast<double>(6));  // 3 due, 2 scheduled, 1 running
    BOOST_TEST(sample_value(samples, "cascade_job_attempts_sum", {{"queue", "default"}}) == static_cast<double>(3));
    BOOST_TEST(sample_value(samples, "cascade_job_attempts_bucket", {{"queue", "default"}, {"le", "0"}}) == static_cast<double>(4));
    BOOST_TEST(sample_value(samples, "cascade_job_attempts_bucket", {{"queue", "default"}, {"le", "1"}}) == static_cast<double>(5));
    BOOST_TEST(sample_value(samples, "cascade_job_attempts_bucket", {{"queue", "default"}, {"le", "2"}}) == static_cast<double>(6));
    BOOST_TEST(sample_value(samples, "cascade_job_attempts_bucket", {{"queue", "default"}, {"le", "+Inf"}}) == static_cast<double>(6));
    BOOST_TEST(sample_value(samples, "cascade_jobs_finished_last_minute", {{"queue", "default"}, {"state", "done"}}) == static_cast<double>(2));
    BOOST_TEST(sample_value(samples, "cascade_jobs_finished_last_minute", {{"queue", "default"}, {"state", "dead"}}) == static_cast<double>(1));
    BOOST_TEST(sample_value(samples, "cascade_jobs_finished_last_minute", {{"queue", odd}, {"state", "dead"}}) == static_cast<double>(0));
    // The tool prints the same series.
    auto const printed = run_command(tool_for(db) + "metrics");
    BOOST_TEST(printed.exited(0), printed.out);
    std::string bad_printed;
    auto const again = parse_metrics(printed.out, bad_printed);
    BOOST_TEST(bad_printed.empty(), bad_printed);
    BOOST_TEST(again.size() == samples.size());
}

BOOST_AUTO_TEST_CASE(a_worker_serves_the_metrics_over_http_and_shrugs_off_bad_requests) {
    queue_db db;
    // A table whose metrics hold still: jobs scheduled in an hour, a dead job of long ago.
    c::enqueue_options later = in_queue("other");
    later.delay = std::chrono::hours(1);
    db.queue.enqueue(*db, "test.sleep", "0", "later", 3, later);
    db.queue.enqueue(*db, "test.sleep", "0", "dead", 3);
    db.exec("UPDATE cascade_jobs SET state = 'dead', finished_at = 0 WHERE dedup_key = 'dead'");
    int const port = free_port();
    std::vector<std::string> const args{"--backend", db.backend_name(), "--connection", db.connection(), "--poll-ms", "50", "--queues", "w",
                                        "--metrics-port", std::to_string(port), "--quiet"};
    process worker(args);
    std::string const get = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    std::string ok;
    BOOST_REQUIRE(eventually([&] { return (ok = http_exchange(port, get)).rfind("HTTP/1.1 200 OK\r\n", 0) == 0; }, std::chrono::seconds(10)));
    BOOST_TEST(ok.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") != std::string::npos, ok);
    BOOST_TEST(ok.find("Content-Length: " + std::to_string(body_of(ok).size()) + "\r\n") != std::string::npos, ok);
    auto const printed = run_command(tool_for(db) + "metrics");
    BOOST_TEST(body_of(ok) == printed.out);  // the same text as the tool's
    BOOST_TEST(body_of(ok).find("cascade_jobs{queue=\"other\",state=\"scheduled\"} 1\n") != std::string::npos);
    // Bad requests are answered (or dropped), never fatal.
    auto status_of = [](std::string const& response) { return response.substr(0, response.find("\r\n")); };
    BOOST_TEST(status_of(http_exchange(port, "BLAH\r\n\r\n")) == "HTTP/1.1 400 Bad Request");
    BOOST_TEST(status_of(http_exchange(port, "GET /metrics HTTP/9.9\r\n\r\n")) == "HTTP/1.1 400 Bad Request");
    BOOST_TEST(status_of(http_exchange(port, std::string("GET /me\0\x01trics HTTP/1.1\r\n\r\n", 27))) == "HTTP/1.1 400 Bad Request");
    BOOST_TEST(status_of(http_exchange(port, "GET /nope HTTP/1.1\r\n\r\n")) == "HTTP/1.1 404 Not Found");
    BOOST_TEST(status_of(http_exchange(port, "POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")) == "HTTP/1.1 405 Method Not Allowed");
    BOOST_TEST(status_of(http_exchange(port, std::string(20000, 'x'))) == "HTTP/1.1 400 Bad Request");  // no end of head
    BOOST_TEST(status_of(http_exchange(port, "GET /met", true)) == "HTTP/1.1 400 Bad Request");         // cut short
    BOOST_TEST(http_exchange(port, "", true).empty());                                                  // said nothing
    auto const head = http_exchange(port, "HEAD /metrics?x=1 HTTP/1.0\r\n\r\n");
    BOOST_TEST(status_of(head) == "HTTP/1.1 200 OK");
    BOOST_TEST(body_of(head).empty());
    {
        // A client that connects and says nothing holds the server for its timeout (2 s), no longer.
        int const idle = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        BOOST_TEST(connect(idle, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        auto const t0 = std::chrono::steady_clock::now();
        BOOST_TEST(status_of(http_exchange(port, get)) == "HTTP/1.1 200 OK");
        BOOST_TEST((std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5)));
        close(idle);
    }
    // Still serving, still working.
    BOOST_TEST(body_of(http_exchange(port, get)) == run_command(tool_for(db) + "metrics").out);
    db.queue.enqueue(*db, "test.sleep", "0", "work", 3, in_queue("w"));
    BOOST_TEST(eventually([&] { return db.jobs("dedup_key = 'work' AND state = 'done'") == 1; }, std::chrono::seconds(10)));
    // A second worker cannot take the port: it says so and exits 1 (the first goes on).
    process second(args);
    int const refused = second.wait();
    BOOST_TEST((WIFEXITED(refused) && WEXITSTATUS(refused) == 1));
    BOOST_TEST(status_of(http_exchange(port, get)) == "HTTP/1.1 200 OK");
    int const stopped = worker.terminate();
    BOOST_TEST((WIFEXITED(stopped) && WEXITSTATUS(stopped) == 0));
}
