#pragma once
// What the queue tests share: a database with the queue installed (queue_db), worker processes, the
// tool's command line, HTTP and Prometheus helpers, and the fan-out tests' helpers. On real PostgreSQL,
// MariaDB and a SQLite file, with real worker processes (tests/queue/test_worker.cpp).
#include "../support/database.hpp"
#include "../support/eventually.hpp"

#include "test_schema.hpp"

#include <cascade/detail/sha256.hpp>

#include "../../scripts/child_process.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <optional>
#include <sys/socket.h>
#include <future>
#include <map>

namespace c = cascade;
using namespace library;

namespace queue_test {

using runtime = c::async_runtime<schema, c::queue_executor, c::shared_session>;

struct queue_db : test::database {
    c::job_queue queue;
    queue_db() {
        if (test::backend() == "sqlite") BOOST_FAIL("the queue tests need a database several connections share");
        exec("CREATE TABLE authors (id BIGINT PRIMARY KEY, name TEXT NOT NULL)");
        exec("CREATE TABLE books (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL, title TEXT NOT NULL)");
        exec("CREATE TABLE chapters (id BIGINT PRIMARY KEY, book_id BIGINT NOT NULL)");
        queue.install(**this);
    }
    /// What a worker process or the tool connects with (this test's schema or database).
    std::string backend_name() const { return soci_backend(); }
    std::string connection() const { return process_connection(); }
    /// Every row's `columns` joined by '|', the rows by ',' (in id order where the table has ids).
    std::string rows_text(std::string const& columns, std::string const& table) {
        std::string joined;
        std::size_t from = 0;
        for (std::size_t comma; (comma = columns.find(',', from)) != std::string::npos; from = comma + 1)
            joined += (joined.empty() ? "" : ", '|', ") + columns.substr(from, comma - from);
        joined += (joined.empty() ? "" : ", '|', ") + columns.substr(from);
        if (test::is_mysql()) return text("SELECT GROUP_CONCAT(CONCAT(" + joined + ") SEPARATOR ',') FROM " + table);
        std::string piped;
        for (char ch : joined) piped += ch == ',' ? std::string(" ||") : std::string(1, ch);
        return text("SELECT " + std::string(test::is_postgresql() ? "string_agg" : "group_concat") + "(" + piped + ", ',') FROM " + table);
    }
    c::worker_options worker_options() const {
        c::worker_options o;
        o.backend = backend_name();
        o.connection = connection();
        o.poll = std::chrono::milliseconds(50);
        o.retry.base = std::chrono::milliseconds(10);
        return o;
    }
    void authors_with_books(int authors, int books_each) {
        std::string const series = test::series(authors);
        exec("INSERT INTO authors SELECT i, 'a' FROM " + series);
        for (int b = 0; b < books_each; ++b)
            exec("INSERT INTO books SELECT i * 1000 + " + std::to_string(b) + ", i, 'b' FROM " + series);
    }
    long long jobs(std::string const& where = "1 = 1") { return count("cascade_jobs", where); }
    /// Author 1 with `books` books, destroyed through the queue: its one job is in the table.
    void author_destroyed_through_the_queue(int books) {
        authors_with_books(1, books);
        c::queue_executor executor(queue, **this);
        runtime jobs(executor, c::shared_session{**this});
        c::destroy<schema, Author>(**this, 1, jobs);
        BOOST_REQUIRE(this->jobs() == 1);
    }
    std::string text(std::string const& query) {
        std::string out;
        soci::indicator ind;
        **this << query, soci::into(out, ind);
        return ind == soci::i_null ? "" : out;
    }
};

/// A worker process (examples/queue_worker, built with the tests' hooks).
struct process : cascade_support::child_process {
    explicit process(std::vector<std::string> args, std::vector<std::string> env_extra = {})
        : child_process(CASCADE_QUEUE_WORKER, std::move(args), std::move(env_extra)) {}
};

using test::eventually;

}  // namespace queue_test

namespace queue_test {

/// What a shell command printed (stdout and stderr) and its exit status.
struct command_result {
    std::string out;
    int status = -1;
    bool exited(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
};
inline command_result run_command(std::string const& cmd) {
    command_result r;
    if (FILE* p = popen((cmd + " 2>&1").c_str(), "r")) {
        char buf[256];
        while (std::fgets(buf, sizeof buf, p)) r.out += buf;
        r.status = pclose(p);
    }
    return r;
}

/// A PostgreSQL server of the test's own (scripts/pg-private.sh), so that it can be restarted.
struct own_postgresql {
    std::string dir, connection;
    own_postgresql() {
        char tmpl[] = "/tmp/cascade-pg-restart.XXXXXX";
        BOOST_REQUIRE(mkdtemp(tmpl));
        dir = tmpl;
        auto const r = run_command("bash " CASCADE_SOURCE_DIR "/scripts/pg-private.sh start " + dir);
        BOOST_REQUIRE(r.exited(0));
        connection = r.out.substr(0, r.out.find('\n'));
    }
    void restart() const { BOOST_REQUIRE(run_command("bash " CASCADE_SOURCE_DIR "/scripts/pg-private.sh restart " + dir).exited(0)); }
    ~own_postgresql() { run_command("bash " CASCADE_SOURCE_DIR "/scripts/pg-private.sh stop " + dir); }
};

/// A unique application_name, so that a test terminates its own worker's backends and no other's.
inline std::string application_name(std::string const& what) { return "cq_" + what + "_" + std::to_string(getpid()); }

}  // namespace queue_test

namespace queue_test {

/// The queue tool's command line for `db` (arguments follow).
inline std::string tool_for(queue_db& db) {
    return std::string(CASCADE_QUEUE_TOOL) + " --backend " + db.backend_name() + " --connection \"" + db.connection() + "\" ";
}

inline c::enqueue_options in_queue(std::string queue, int priority = 0) {
    c::enqueue_options o;
    o.queue = std::move(queue);
    o.priority = priority;
    return o;
}

/// A TCP port of 127.0.0.1 that was free a moment ago.
inline int free_port() {
    int const fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = 0;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
}

/// Sends `request` to 127.0.0.1:port and returns all the server answered until it closed ("" if
/// nothing could connect). `half_close`: end our side after sending (a client that stops short).
inline std::string http_exchange(int port, std::string const& request, bool half_close = false) {
    int const fd = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        return "";
    }
    std::size_t sent = 0;
    while (sent < request.size()) {
        ssize_t const n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    if (half_close) shutdown(fd, SHUT_WR);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    close(fd);
    return out;
}
inline std::string body_of(std::string const& response) {
    auto const at = response.find("\r\n\r\n");
    return at == std::string::npos ? "" : response.substr(at + 4);
}

/// One sample of Prometheus text: name{labels} value.
struct metric_sample {
    std::string name;
    std::map<std::string, std::string> labels;  ///< unescaped
    double value = 0;
};
/// Parses the text format strictly: every line is a `# HELP`/`# TYPE` comment or `name{k="v",...} value`
/// with values escaped as the format says; the first line that is neither is returned in `bad`.
inline std::vector<metric_sample> parse_metrics(std::string const& text, std::string& bad) {
    std::vector<metric_sample> out;
    std::size_t start = 0;
    auto name_char = [](char c, bool first) {
        return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
    };
    while (start < text.size()) {
        std::size_t const eol = text.find('\n', start);
        std::string const line = text.substr(start, eol == std::string::npos ? std::string::npos : eol - start);
        start = eol == std::string::npos ? text.size() : eol + 1;
        if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
        metric_sample s;
        std::size_t i = 0;
        while (i < line.size() && name_char(line[i], i == 0)) s.name += line[i++];
        bool ok = !s.name.empty() && i < line.size() && line[i] == '{';
        ++i;
        while (ok && i < line.size() && line[i] != '}') {
            std::string key, value;
            while (i < line.size() && name_char(line[i], key.empty())) key += line[i++];
            ok = !key.empty() && i + 1 < line.size() && line[i] == '=' && line[i + 1] == '"';
            i += 2;
            while (ok && i < line.size() && line[i] != '"') {
                if (line[i] == '\\') {
                    ok = i + 1 < line.size() && (line[i + 1] == '\\' || line[i + 1] == '"' || line[i + 1] == 'n');
                    if (ok) value += line[i + 1] == 'n' ? '\n' : line[i + 1];
                    i += 2;
                } else {
                    value += line[i++];
                }
            }
            ok = ok && i < line.size() && !s.labels.count(key);
            ++i;  // the closing quote
            s.labels[key] = value;
            if (ok && i < line.size() && line[i] == ',') ++i;
        }
        ok = ok && i < line.size() && line[i] == '}' && i + 2 < line.size() && line[i + 1] == ' ';
        if (ok) {
            std::string const v = line.substr(i + 2);
            std::size_t used = 0;
            try {
                s.value = std::stod(v, &used);
            } catch (...) {
                used = 0;
            }
            ok = used == v.size() && !v.empty();
        }
        if (!ok) {
            bad = line;
            return out;
        }
        out.push_back(std::move(s));
    }
    return out;
}
/// The value of the sample `name` whose labels include `labels`, or -1 when there is none.
inline double sample_value(std::vector<metric_sample> const& samples, std::string const& name, std::map<std::string, std::string> const& labels) {
    for (auto const& s : samples) {
        if (s.name != name) continue;
        bool match = true;
        for (auto const& [k, v] : labels) {
            auto const it = s.labels.find(k);
            match = match && it != s.labels.end() && it->second == v;
        }
        if (match) return s.value;
    }
    return -1;
}

}  // namespace queue_test

using namespace queue_test;

namespace fan_out_tests {

/// SELECT i FROM 1..n, on either backend.
inline std::string numbers(long long n) {
    return test::series(n);
}

/// A worker process whose job log (its standard output) goes to the file `log`.
struct logged_worker : cascade_support::child_process {
    logged_worker(std::vector<std::string> args, std::string const& log, std::vector<std::string> env_extra = {})
        : child_process(CASCADE_QUEUE_WORKER, std::move(args), std::move(env_extra), log) {}
};

/// How many jobs of authors.books that destroyed rows a worker's log shows (the parent that fans
/// out destroys none itself: "0 rows in 0 batches").
inline int books_jobs_with_rows(std::string const& log) {
    std::ifstream in(log);
    int n = 0;
    for (std::string line; std::getline(in, line);)
        if (line.rfind("Performed authors.books", 0) == 0 && line.find(": 0 rows") == std::string::npos) ++n;
    return n;
}

/// The authors.books jobs in the queue with a key range, decoded, in key order.
inline std::vector<books_job> range_jobs(queue_db& db) {
    std::vector<books_job> out;
    soci::rowset<std::string> rows = ((*db).prepare << "SELECT payload FROM cascade_jobs WHERE name = 'authors.books'");
    for (auto const& payload : rows) {
        auto job = books_job::from_json(payload);
        if (job.after || job.upto) out.push_back(job);
    }
    std::sort(out.begin(), out.end(), [](books_job const& a, books_job const& b) { return a.after < b.after; });
    return out;
}

}  // namespace fan_out_tests
