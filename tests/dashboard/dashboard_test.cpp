// The queue's web dashboard (`cascade-queue serve`) driven in a real headless Chromium through the
// DevTools protocol, on PostgreSQL and on a SQLite file: the page loads, its counts are the table's,
// a text a person wrote into the table stays text, nothing changes without the token (no session, a
// wrong token, a session without its CSRF token, another site's Origin), and a retry clicked on the
// page puts the dead job back. The test also takes the screenshot docs/queue.md shows.
#define BOOST_TEST_MODULE cascade dashboard tests
#include "../support/database.hpp"
#include "../support/eventually.hpp"

#include "../../scripts/child_process.hpp"

#include <cascade/mysql/queue.hpp>
#include <cascade/postgresql/queue.hpp>
#include <cascade/queue/job_queue.hpp>
#include <cascade/sqlite/queue.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/src.hpp>

#include <arpa/inet.h>
#include <filesystem>
#include <fstream>
#include <future>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace c = cascade;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = boost::asio::ip::tcp;

namespace {

std::string read_file(std::string const& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

using test::eventually;

/// One HTTP request to 127.0.0.1:port, as a script or another site would send it (no browser).
http::response<http::string_body> raw_request(int port, http::verb verb, std::string const& target, std::string const& body = "",
                                              std::vector<std::pair<std::string, std::string>> const& headers = {}) {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    for (auto const& [name, value] : headers) req.set(name, value);
    if (!body.empty()) req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return res;
}

/// What a client got that gave up after its limit: the status (0 when no answer came in time), the
/// answer as sent, and how long it waited.
struct exchange {
    int status = 0;
    std::string text;
    std::chrono::milliseconds took{};
};

/// Sends `bytes` (a whole request, as written) to 127.0.0.1:port and reads until the server closes,
/// for at most `limit`: what a script with a timeout (curl -m) or an impatient operator sees.
exchange send_raw(int port, std::string const& bytes, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto const start = std::chrono::steady_clock::now();
    auto const left = [&] { return limit - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start); };
    exchange r;
    int const fd = socket(AF_INET, SOCK_STREAM, 0);
    BOOST_REQUIRE(fd >= 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<unsigned short>(port));
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0 &&
        send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) {
        char buffer[4096];
        while (left().count() > 0) {
            timeval wait{static_cast<time_t>(left().count() / 1000), static_cast<suseconds_t>(left().count() % 1000 * 1000)};
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
            ssize_t const n = recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) break;  // closed (the whole answer), or no more within the limit
            r.text.append(buffer, static_cast<std::size_t>(n));
        }
    }
    close(fd);
    r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    if (r.text.rfind("HTTP/1.", 0) == 0 && r.text.size() >= 12) r.status = std::stoi(r.text.substr(9, 3));
    return r;
}

/// GET `target` as a browser on this machine asks for it.
std::string get(int port, std::string const& target) {
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n\r\n";
}

/// A headless Chromium and its first page, driven through the DevTools protocol (a WebSocket).
class browser {
public:
    browser() : profile_("/tmp/cascade-chromium-" + std::to_string(getpid())) {
        std::filesystem::remove_all(profile_);
        std::filesystem::create_directories(profile_);
        process_ = std::make_unique<cascade_support::child_process>(
            CASCADE_CHROMIUM,
            std::vector<std::string>{"--headless", "--no-sandbox", "--disable-gpu", "--no-proxy-server", "--no-first-run",
                                     "--remote-debugging-port=0", "--log-level=3", "--user-data-dir=" + profile_, "--window-size=1200,900", "about:blank"},
            std::vector<std::string>{}, profile_ + "/stdout", /*own_group=*/true);
        std::string const port_file = profile_ + "/DevToolsActivePort";
        BOOST_REQUIRE_MESSAGE(eventually([&] { return read_file(port_file).find('\n') != std::string::npos; }, std::chrono::seconds(30)),
                              "Chromium did not start its DevTools server");
        port_ = std::stoi(read_file(port_file));
        auto const list = raw_request(port_, http::verb::get, "/json/list");
        std::string target;
        json::value const targets = json::parse(list.body());
        for (auto const& t : targets.as_array())
            if (t.at("type").as_string() == "page") target = "/devtools/page/" + std::string(t.at("id").as_string());
        BOOST_REQUIRE(!target.empty());
        ws_.next_layer().connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)));
        ws_.read_message_max(64 << 20);
        ws_.handshake("127.0.0.1:" + std::to_string(port_), target);
    }
    ~browser() {
        boost::system::error_code ec;
        ws_.next_layer().socket().close(ec);
        process_.reset();  // SIGKILL to the browser's whole process group: it has nothing to save
        std::filesystem::remove_all(profile_, ec);
    }

    /// A DevTools command; its result, or its protocol error.
    json::value try_call(std::string const& method, json::object params = {}) {
        long long const id = ++last_id_;
        ws_.write(boost::asio::buffer(json::serialize(json::object{{"id", id}, {"method", method}, {"params", std::move(params)}})));
        for (;;) {
            beast::flat_buffer buffer;
            ws_.read(buffer);
            json::value const message = json::parse(beast::buffers_to_string(buffer.data()));
            auto const& o = message.as_object();
            if (!o.contains("id") || o.at("id").as_int64() != id) continue;  // an event
            if (o.contains("error")) return json::object{{"error", o.at("error")}};
            return o.at("result");
        }
    }
    /// A DevTools command; its result (a protocol error fails the test).
    json::value call(std::string const& method, json::object params = {}) {
        json::value r = try_call(method, std::move(params));
        if (r.as_object().contains("error")) BOOST_FAIL(method << ": " << json::serialize(r.at("error")));
        return r;
    }
    /// The value of a JavaScript expression in the page, or null while there is none to ask: a page
    /// that is navigating away (a form just submitted) destroys the context the expression ran in,
    /// and the protocol answers "Inspected target navigated or closed" or "Cannot find context";
    /// the callers wait for the next page, so that is "not yet", not a failure.
    json::value eval(std::string const& expression) {
        auto const r = try_call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}});
        if (r.as_object().contains("error")) {
            std::string const error = json::serialize(r.at("error"));
            bool const navigating = error.find("navigated or closed") != std::string::npos || error.find("Cannot find context") != std::string::npos ||
                                    error.find("Execution context was destroyed") != std::string::npos;
            if (!navigating) BOOST_FAIL("Runtime.evaluate: " << error);
            return nullptr;
        }
        if (r.as_object().contains("exceptionDetails") || !r.as_object().contains("result")) return nullptr;
        auto const& value = r.at("result").as_object();
        return value.contains("value") ? value.at("value") : json::value(nullptr);
    }
    std::string text(std::string const& selector) {
        auto const v = eval("(e => e ? e.textContent : null)(document.querySelector(" + json::serialize(json::string(selector)) + "))");
        return v.is_string() ? std::string(v.as_string()) : std::string("<none>");
    }
    bool wait_for(std::string const& condition) {
        return eventually([&] { auto const v = eval("!!(" + condition + ")"); return v.is_bool() && v.as_bool(); },
                          std::chrono::seconds(15));
    }
    void navigate(std::string const& url) { call("Page.navigate", {{"url", url}}); }
    void screenshot(std::string const& path) {
        call("Emulation.setDeviceMetricsOverride", {{"width", 1100}, {"height", 760}, {"deviceScaleFactor", 1}, {"mobile", false}});
        auto const data = call("Page.captureScreenshot", {{"format", "png"}}).at("data").as_string();
        std::string png(beast::detail::base64::decoded_size(data.size()), '\0');
        png.resize(beast::detail::base64::decode(png.data(), data.data(), data.size()).first);
        std::ofstream(path, std::ios::binary) << png;
    }
    /// The cookies the page holds (HttpOnly ones too: the protocol sees them).
    std::string cookie(std::string const& name) {
        json::value const cookies = call("Network.getCookies");
        for (auto const& ck : cookies.at("cookies").as_array())
            if (ck.at("name").as_string() == name) return std::string(ck.at("value").as_string());
        return {};
    }

private:
    std::string profile_;
    std::unique_ptr<cascade_support::child_process> process_;
    int port_ = 0;
    boost::asio::io_context io_;
    beast::websocket::stream<beast::tcp_stream> ws_{io_};
    long long last_id_ = 0;
};

struct queue_table : test::database {
    c::job_queue queue;
    queue_table() {
        if (test::backend() == "sqlite") BOOST_FAIL("the dashboard tests need a database several connections share");
        queue.install(**this);
    }
    /// What a worker process or the tool connects with (this test's schema or database).
    std::string backend_name() const { return soci_backend(); }
    std::string connection() const { return process_connection(); }
    /// A row as a worker would leave it; `run_at` in seconds from the database's now.
    void job(long long id, std::string const& state, std::string const& queue_name, int priority, long long run_at_s,
             std::string const& last_error = "", std::string const& errors = "") {
        long long const now = queue.database_now(**this), run_at = now + run_at_s * 1000, created = now - 3600 * 1000 + id * 60000;
        exec("INSERT INTO cascade_jobs (id, name, payload, dedup_key, state, attempts, max_attempts, run_at, created_at, queue, priority,"
             " last_error, errors, finished_at) VALUES (" + std::to_string(id) + ", 'authors.books', '{\"owner_key\":" + std::to_string(id) +
             ",\"owner_value\":" + std::to_string(id) + "}', 'authors.books|" + std::to_string(id) + "|', '" + state + "', " +
             (state == "dead" ? "3, 3" : "0, 25") + ", " + std::to_string(run_at) + ", " + std::to_string(created) + ", '" + queue_name + "', " +
             std::to_string(priority) + ", " + (last_error.empty() ? "NULL" : "'" + last_error + "'") + ", '" + errors + "', " +
             (state == "done" || state == "dead" ? std::to_string(created + 90000) : "NULL") + ")");
    }
    std::string state_of(long long id) {
        std::string state = "<none>";
        **this << "SELECT state FROM cascade_jobs WHERE id = " + std::to_string(id), soci::into(state);
        return state;
    }
};

/// `cascade-queue serve` on a free port; its address once it listens.
struct dashboard_process {
    std::string out;
    std::unique_ptr<cascade_support::child_process> process;
    int port = 0;
    /// `token_file` empty: read-only.
    dashboard_process(queue_table const& db, std::string const& token_file) {
        out = "/tmp/cascade-dashboard-" + std::to_string(getpid()) + ".out";
        std::vector<std::string> args{"--backend", db.backend_name(), "--connection", db.connection(), "serve", "--port", "0"};
        if (!token_file.empty()) args.insert(args.end(), {"--token-file", token_file});
        process = std::make_unique<cascade_support::child_process>(CASCADE_QUEUE_TOOL, args, std::vector<std::string>{}, out);
        BOOST_REQUIRE_MESSAGE(eventually([&] { return read_file(out).find("serving http://127.0.0.1:") != std::string::npos; },
                                         std::chrono::seconds(20)),
                              "the dashboard did not start: " << read_file(out));
        std::string const line = read_file(out);
        port = std::stoi(line.substr(line.find("127.0.0.1:") + 10));
    }
    ~dashboard_process() {
        if (process) BOOST_TEST(process->terminate() == 0);  // SIGTERM: a clean stop
        std::remove(out.c_str());
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/"; }
};

/// A second session that keeps everyone else off the queue table while it lives: PostgreSQL's
/// `LOCK TABLE ... IN ACCESS EXCLUSIVE MODE` (what VACUUM FULL takes, or a forgotten LOCK TABLE in an
/// open psql), MariaDB's `LOCK TABLES ... WRITE` (an ALTER TABLE's metadata lock), SQLite's exclusive lock on the file (the tests' file is in rollback-journal mode, where
/// readers wait for it: a long write, or a BEGIN EXCLUSIVE left open).
struct table_lock {
    std::unique_ptr<soci::session> holder;
    explicit table_lock(queue_table const& db) : holder(db.connect()) {
        if (test::is_postgresql()) {
            *holder << "BEGIN";
            *holder << "LOCK TABLE cascade_jobs IN ACCESS EXCLUSIVE MODE";
        } else if (test::is_mysql()) {
            *holder << "LOCK TABLES cascade_jobs WRITE";
        } else {
            *holder << "BEGIN EXCLUSIVE";
        }
    }
    ~table_lock() {
        try {
            *holder << (test::is_mysql() ? "UNLOCK TABLES" : "ROLLBACK");
        } catch (...) {
        }
    }
};

std::string write_token_file(std::string const& name) {
    std::string const file = "/tmp/cascade-dashboard-" + name + "-" + std::to_string(getpid());
    std::ofstream(file) << "operators-token-0123456789\n";
    return file;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_dashboard_in_a_real_browser) {
    queue_table db;
    db.job(1, "ready", "default", 0, -754);
    db.job(2, "ready", "default", 0, -300);
    db.job(3, "ready", "mail", 5, -1200);
    db.job(4, "ready", "default", 0, 7200);  // scheduled: due in two hours
    db.job(5, "running", "default", 0, -30);
    db.job(6, "done", "mail", 0, -2000);
    db.job(7, "dead", "default", 0, -900, "cascade: owner 7 of authors.books is alive <script>alert(1)</script>",
           "attempt 1: could not connect to server\nattempt 2: could not connect to server\nattempt 3: cascade: owner 7 of "
           "authors.books is alive <script>alert(1)</script>");
    db.job(8, "dead", "mail", 0, -600, "cascade: authors.books: job_restricted: books.reviews restricts the destroy",
           "attempt 1: cascade: authors.books: job_restricted: books.reviews restricts the destroy\nattempt 2: cascade: authors.books: "
           "job_restricted: books.reviews restricts the destroy\nattempt 3: cascade: authors.books: job_restricted: books.reviews "
           "restricts the destroy");
    db.queue.pause(*db, "mail");
    std::string const token = "operators-token-0123456789", token_file = "/tmp/cascade-dashboard-token-" + std::to_string(getpid());
    std::ofstream(token_file) << token << "\n";
    dashboard_process dashboard(db, token_file);
    browser chrome;

    // The page loads and its counts are the table's.
    chrome.navigate(dashboard.url());
    BOOST_REQUIRE_MESSAGE(chrome.wait_for("document.querySelector('[data-count=dead]')"), "the page " << chrome.eval("location.href + ' ' + document.documentElement.outerHTML.slice(0, 400)"));
    auto status = db.queue.status(*db);
    BOOST_TEST(chrome.text("[data-count=ready]") == std::to_string(status.counts["ready"] - status.scheduled));
    BOOST_TEST(chrome.text("[data-count=ready]") == "3");
    BOOST_TEST(chrome.text("[data-count=scheduled]") == "1");
    BOOST_TEST(chrome.text("[data-count=running]") == "1");
    BOOST_TEST(chrome.text("[data-count=done]") == "1");
    BOOST_TEST(chrome.text("[data-count=dead]") == "2");
    BOOST_TEST(chrome.text("tr[data-queue=mail] td[data-state=ready]") == std::to_string(status.queues["mail"]["ready"]));
    BOOST_TEST(chrome.text("tr[data-queue=mail] td[data-state=dead]") == "1");
    BOOST_TEST(chrome.text("tr[data-queue=mail] .paused") == "(paused)");
    BOOST_TEST(chrome.text("tr[data-queue=default] td[data-state=scheduled]") == "1");
    // the oldest ready jobs in claim order (priority first), the dead ones with their errors
    // (priority, then due time: job 3 is the oldest but its priority 5 comes after 0)
    BOOST_TEST(chrome.eval("[...document.querySelectorAll('#ready-jobs tr[data-job]')].map(r => r.dataset.job).join(',')").as_string() == "1,2,4,3");
    BOOST_TEST(chrome.text("#dead-jobs tr[data-job='7'] pre") ==
               "attempt 1: could not connect to server\nattempt 2: could not connect to server\nattempt 3: cascade: owner 7 of "
               "authors.books is alive <script>alert(1)</script>");
    BOOST_TEST(chrome.text("[data-count=oldest_ready_seconds]").rfind("20 min", 0) == 0);  // job 3, due 1,200 s ago
    // A text someone wrote into the table is shown as text, never run.
    BOOST_TEST(chrome.text("#dead-jobs tr[data-job='7'] summary") == "cascade: owner 7 of authors.books is alive <script>alert(1)</script>");
    BOOST_TEST(chrome.eval("document.scripts.length").as_int64() == 0);

    // Without the token: no button, and a POST changes nothing.
    BOOST_TEST(chrome.eval("document.querySelectorAll('form[data-action]').length").as_int64() == 0);
    BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/jobs/7/retry", "csrf=x").result() == http::status::forbidden);
    BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/jobs/8/discard").result() == http::status::forbidden);
    BOOST_TEST(db.state_of(7) == "dead");
    BOOST_TEST(db.state_of(8) == "dead");
    // A wrong token typed into the page: refused, still logged out.
    chrome.eval("document.getElementById('token').value = 'not-the-token-at-all'; document.getElementById('login').submit(); 1");
    BOOST_REQUIRE_MESSAGE(chrome.wait_for("document.body && document.body.innerText.includes('wrong token')"), "the page " << chrome.eval("location.href + ' ' + document.documentElement.outerHTML.slice(0, 400)"));
    BOOST_TEST(chrome.cookie("cascade_session").empty());

    // The right token: logged in, the dead jobs get their buttons.
    chrome.navigate(dashboard.url());
    BOOST_REQUIRE_MESSAGE(chrome.wait_for("document.getElementById('login')"), "the page " << chrome.eval("location.href + ' ' + document.documentElement.outerHTML.slice(0, 400)"));
    chrome.eval("document.getElementById('token').value = " + json::serialize(json::string(token)) + "; document.getElementById('login').submit(); 1");
    BOOST_REQUIRE_MESSAGE(chrome.wait_for("document.getElementById('logout')"), "the page " << chrome.eval("location.href + ' ' + document.documentElement.outerHTML.slice(0, 400)"));
    BOOST_TEST(chrome.eval("document.querySelectorAll('form[data-action=retry]').length").as_int64() == 2);
    std::string const session = chrome.cookie("cascade_session");
    BOOST_REQUIRE(session.size() == 64u);
    std::string const csrf = chrome.eval("document.querySelector('#logout input[name=csrf]').value").as_string().c_str();
    // The session alone is not enough: without its CSRF token, or from another site's page, nothing changes.
    std::pair<std::string, std::string> const cookie{"Cookie", "cascade_session=" + session};
    BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/jobs/7/retry", "csrf=" + std::string(64, '0'), {cookie}).result() ==
               http::status::forbidden);
    BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/jobs/7/retry", "", {cookie}).result() == http::status::forbidden);
    BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/jobs/7/retry", "csrf=" + csrf, {cookie, {"Origin", "http://evil.example"}})
                   .result() == http::status::forbidden);
    BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/jobs/7/retry", "csrf=" + csrf).result() == http::status::forbidden);  // no session
    BOOST_TEST(db.state_of(7) == "dead");

    chrome.screenshot(CASCADE_SCREENSHOT_DIR "/dashboard-" + test::backend() + ".png");

    // A retry clicked on the page puts the dead job back, with fresh attempts; the page says so.
    chrome.eval("document.querySelector('form[data-action=retry][data-job=\"7\"] button').click(); 1");
    // (If this fails: whether job 7 was retried tells a lost POST from a flash shown to another request.)
    BOOST_REQUIRE_MESSAGE(chrome.wait_for("document.getElementById('flash')"),
                          "job 7 is " << db.state_of(7) << "; the page "
                                      << chrome.eval("location.href + ' ' + document.documentElement.outerHTML.slice(0, 400)"));
    BOOST_TEST(chrome.text("#flash") == "retried job 7");
    BOOST_TEST(db.state_of(7) == "ready");
    BOOST_TEST(db.count("cascade_jobs", "id = 7 AND attempts = 0") == 1);
    BOOST_TEST(chrome.text("[data-count=dead]") == "1");
    // and a discard removes one
    chrome.eval("document.querySelector('form[data-action=discard][data-job=\"8\"] button').click(); 1");
    BOOST_REQUIRE_MESSAGE(chrome.wait_for("document.getElementById('flash') && document.getElementById('flash').textContent.includes('discarded')"), "the page " << chrome.eval("location.href + ' ' + document.documentElement.outerHTML.slice(0, 400)"));
    BOOST_TEST(db.count("cascade_jobs", "id = 8") == 0);
    // Logging out ends the session: its cookie no longer acts.
    chrome.eval("document.querySelector('#logout button').click(); 1");
    BOOST_REQUIRE_MESSAGE(chrome.wait_for("document.getElementById('login')"), "the page " << chrome.eval("location.href + ' ' + document.documentElement.outerHTML.slice(0, 400)"));
    db.exec("UPDATE cascade_jobs SET state = 'dead' WHERE id = 7");
    BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/jobs/7/retry", "csrf=" + csrf, {cookie}).result() == http::status::forbidden);
    BOOST_TEST(db.state_of(7) == "dead");
    std::remove(token_file.c_str());
}

BOOST_AUTO_TEST_CASE(bad_requests_are_answered_and_change_nothing) {
    queue_table db;
    db.job(1, "dead", "default", 0, 0, "boom", "attempt 1: boom");
    std::string const token_file = "/tmp/cascade-dashboard-token2-" + std::to_string(getpid());
    std::ofstream(token_file) << "operators-token-0123456789\n";
    dashboard_process dashboard(db, token_file);
    BOOST_TEST(raw_request(dashboard.port, http::verb::get, "/nothing").result() == http::status::not_found);
    BOOST_TEST(raw_request(dashboard.port, http::verb::delete_, "/").result() == http::status::method_not_allowed);
    BOOST_TEST(raw_request(dashboard.port, http::verb::get, "/jobs/1/retry").result() == http::status::method_not_allowed);
    for (std::string target : {"/jobs/-1/retry", "/jobs/1x/retry", "/jobs/99999999999999999999/retry", "/jobs/1/destroy", "/jobs//retry"})
        BOOST_TEST(raw_request(dashboard.port, http::verb::post, target, "csrf=x").result() != http::status::see_other, target);
    BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/login", "token=operators-token-012345678").result() == http::status::forbidden);
    BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/login", "token=operators-token-0123456789", {{"Origin", "http://evil.example"}})
                   .result() == http::status::forbidden);
    // Another site's name rebound to this address: refused whatever it asks.
    std::pair<std::string, std::string> const rebound{"Host", "evil.example:" + std::to_string(dashboard.port)};
    BOOST_TEST(raw_request(dashboard.port, http::verb::get, "/", "", {rebound}).result() == http::status::misdirected_request);
    BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/login", "token=operators-token-0123456789", {rebound}).result() ==
               http::status::misdirected_request);
    BOOST_TEST(raw_request(dashboard.port, http::verb::get, "/", "", {{"Host", "localhost:" + std::to_string(dashboard.port)}}).result() ==
               http::status::ok);
    auto const good = raw_request(dashboard.port, http::verb::post, "/login", "token=operators-token-0123456789");
    BOOST_TEST(good.result() == http::status::see_other);
    std::string const set_cookie(good[http::field::set_cookie]);
    BOOST_TEST(set_cookie.find("HttpOnly; SameSite=Strict") != std::string::npos);
    BOOST_TEST(db.state_of(1) == "dead");
    // A job retried since the page was drawn is no longer discarded from it: a ready job is never lost.
    std::string const session = set_cookie.substr(0, set_cookie.find(';'));
    auto const page = raw_request(dashboard.port, http::verb::get, "/", "", {{"Cookie", session}});
    std::string const needle = "name=\"csrf\" value=\"";
    std::string const csrf = page.body().substr(page.body().find(needle) + needle.size(), 64);
    db.exec("UPDATE cascade_jobs SET state = 'ready' WHERE id = 1");
    BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/jobs/1/discard", "csrf=" + csrf, {{"Cookie", session}}).result() ==
               http::status::see_other);
    BOOST_TEST(db.state_of(1) == "ready");
    // A HEAD (a link checker, a monitor) draws no page: it leaves the message for the page that does.
    BOOST_TEST(raw_request(dashboard.port, http::verb::head, "/", "", {{"Cookie", session}}).result() == http::status::ok);
    auto const after = raw_request(dashboard.port, http::verb::get, "/", "", {{"Cookie", session}});
    BOOST_TEST(after.body().find("job 1 is not dead (any more): nothing discarded") != std::string::npos);
    // Guessing is throttled: after 10 wrong tokens in a minute even the right one waits.
    for (int i = 0; i < 9; ++i)  // with the wrong one above, 10
        BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/login", "token=guess" + std::to_string(i)).result() == http::status::forbidden);
    BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/login", "token=operators-token-0123456789").result() ==
               http::status::too_many_requests);
    std::remove(token_file.c_str());
}

// A table lock held by another session (VACUUM FULL, a forgotten LOCK TABLE; on SQLite a writer that
// keeps the file locked) used to stall the dashboard's one thread: every request waited for it, and
// SIGTERM too. A page load now waits for a lock at most the dashboard's bound (2 s by default) and says
// the table is busy (503); meanwhile other requests are answered, and SIGTERM ends the process.
BOOST_AUTO_TEST_CASE(a_locked_queue_table_is_answered_busy_within_the_bound_and_stalls_nothing_else) {
    queue_table db;
    db.job(1, "dead", "default", 0, 0, "boom", "attempt 1: boom");
    if (!test::is_server()) {
        std::string mode;
        *db << "PRAGMA journal_mode", soci::into(mode);
        BOOST_REQUIRE(mode == "delete");  // WAL readers never wait for a writer: no lock to show
    }
    std::string const token_file = write_token_file("lock");
    dashboard_process dashboard(db, token_file);
    auto const bound = std::chrono::milliseconds(2000 + 1500);  // the default lock bound, and time to answer
    BOOST_TEST(send_raw(dashboard.port, get(dashboard.port, "/")).status == 200);
    {
        table_lock lock(db);
        auto first = std::async(std::launch::async, [&] { return send_raw(dashboard.port, get(dashboard.port, "/")); });
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        // While that page load waits for the lock: a request that needs no table is answered at once,
        auto const other = send_raw(dashboard.port, get(dashboard.port, "/nothing"));
        BOOST_TEST(other.status == 404);
        BOOST_TEST(other.took.count() < 1000, "took " << other.took.count() << " ms");
        // another page load within its own bound, saying why,
        auto const second = send_raw(dashboard.port, get(dashboard.port, "/"));
        BOOST_TEST(second.status == 503, second.text);
        BOOST_TEST(second.took < bound, "took " << second.took.count() << " ms");
        BOOST_TEST(second.text.find("locked by another session") != std::string::npos, second.text);
        BOOST_TEST(second.text.find("Retry-After:") != std::string::npos, second.text);
        // and the first one gets the same within the bound.
        auto const a = first.get();
        BOOST_TEST(a.status == 503, a.text);
        BOOST_TEST(a.took < bound, "took " << a.took.count() << " ms");
        // Twenty page loads at once, more than the database threads: each answered 503 within twice the bound.
        std::vector<std::future<exchange>> many;
        for (int i = 0; i < 20; ++i)
            many.push_back(std::async(std::launch::async, [&] { return send_raw(dashboard.port, get(dashboard.port, "/")); }));
        for (auto& f : many) {
            auto const r = f.get();
            BOOST_TEST(r.status == 503, r.text);
            BOOST_TEST(r.took < 2 * bound - std::chrono::milliseconds(1500), "took " << r.took.count() << " ms");
        }
    }
    BOOST_TEST(send_raw(dashboard.port, get(dashboard.port, "/")).status == 200);  // the lock gone, the page is back
    {
        table_lock lock(db);
        auto waiting = std::async(std::launch::async, [&] { return send_raw(dashboard.port, get(dashboard.port, "/")); });
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        // SIGTERM while a page load waits for the lock: the dashboard ends within the bound, exit 0.
        auto const t0 = std::chrono::steady_clock::now();
        dashboard.process->signal(SIGTERM);
        int status = -1;
        bool const ended = eventually([&] { return dashboard.process->exited(&status); }, bound);
        auto const took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
        BOOST_TEST(ended, "still running " << took.count() << " ms after SIGTERM");
        if (ended) BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0), "status " << status);
        BOOST_TEST_MESSAGE("SIGTERM to exit: " << took.count() << " ms");
        (void)waiting;  // answered or dropped, as the process ended
    }
    std::remove(token_file.c_str());
}

// RFC 9112, 3.2: a server MUST answer 400 to a request with more than one Host line, and to an
// HTTP/1.1 request with none. The dashboard used to serve a request with two (it read the first).
BOOST_AUTO_TEST_CASE(a_request_with_two_host_headers_or_none_is_answered_400) {
    queue_table db;
    db.job(1, "dead", "default", 0, 0, "boom", "attempt 1: boom");
    std::string const token_file = write_token_file("hosts");
    dashboard_process dashboard(db, token_file);
    std::string const host = "Host: 127.0.0.1:" + std::to_string(dashboard.port) + "\r\n";
    BOOST_TEST(send_raw(dashboard.port, "GET / HTTP/1.1\r\n" + host + host + "\r\n").status == 400);
    BOOST_TEST(send_raw(dashboard.port, "GET / HTTP/1.1\r\n" + host + "Host: evil.example\r\n\r\n").status == 400);
    BOOST_TEST(send_raw(dashboard.port, "GET / HTTP/1.1\r\nHost: evil.example\r\n" + host + "\r\n").status == 400);
    BOOST_TEST(send_raw(dashboard.port, "GET / HTTP/1.1\r\n\r\n").status == 400);
    // The right token with a second Host: refused, no session.
    std::string const body = "token=operators-token-0123456789";
    auto const login = send_raw(dashboard.port, "POST /login HTTP/1.1\r\n" + host + "Host: evil.example\r\n"
                                                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                                                    std::to_string(body.size()) + "\r\n\r\n" + body);
    BOOST_TEST(login.status == 400, login.text);
    BOOST_TEST(login.text.find("Set-Cookie") == std::string::npos);
    // One Host is served; HTTP/1.0 may leave it out.
    BOOST_TEST(send_raw(dashboard.port, "GET / HTTP/1.1\r\n" + host + "\r\n").status == 200);
    BOOST_TEST(send_raw(dashboard.port, "GET / HTTP/1.0\r\n\r\n").status == 200);
    std::remove(token_file.c_str());
}

// SQLite makes a missing database file on open. With the file gone (moved, deleted by a cleanup)
// every page load used to make an empty one, which workers and the tool then took for the queue's
// database. Only `cascade-queue install` creates a database. (SQLite only: PostgreSQL has no file.)
BOOST_AUTO_TEST_CASE(with_the_sqlite_file_gone_a_page_load_creates_no_database,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) { return !test::is_server(); })) {
    queue_table db;
    std::string const token_file = write_token_file("gone");
    dashboard_process dashboard(db, token_file);
    BOOST_TEST(send_raw(dashboard.port, get(dashboard.port, "/")).status == 200);
    BOOST_REQUIRE(std::remove(db.file.c_str()) == 0);
    for (int i = 0; i < 3; ++i) {
        auto const r = send_raw(dashboard.port, get(dashboard.port, "/"));
        BOOST_TEST(r.status == 503, r.text);
    }
    BOOST_TEST(access(db.file.c_str(), F_OK) != 0, db.file << " was created");
    std::remove(token_file.c_str());
}

// What a read-only dashboard (no --token-file) answers, as docs/queue.md says it: the page without a
// form; every action (log in, log out, retry, discard) 403; a POST anywhere else what any request
// there gets (405 on the page, 404 elsewhere).
BOOST_AUTO_TEST_CASE(a_read_only_dashboard_refuses_every_action_403) {
    queue_table db;
    db.job(1, "dead", "default", 0, 0, "boom", "attempt 1: boom");
    dashboard_process dashboard(db, "");
    auto const page = raw_request(dashboard.port, http::verb::get, "/");
    BOOST_TEST(page.result() == http::status::ok);
    BOOST_TEST(page.body().find("<form") == std::string::npos);
    BOOST_TEST(page.body().find("read-only") != std::string::npos);
    for (std::string const target : {"/login", "/logout", "/jobs/1/retry", "/jobs/1/discard"})
        BOOST_TEST(raw_request(dashboard.port, http::verb::post, target, "token=operators-token-0123456789&csrf=x").result() ==
                       http::status::forbidden, target);
    BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/", "x=1").result() == http::status::method_not_allowed);
    BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/nothing", "x=1").result() == http::status::not_found);
    BOOST_TEST(raw_request(dashboard.port, http::verb::post, "/jobs/1/destroy", "x=1").result() == http::status::not_found);
    BOOST_TEST(db.state_of(1) == "dead");
}
