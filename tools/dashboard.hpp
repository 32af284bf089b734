#pragma once
// The queue's web dashboard (`cascade-queue serve`): one page with the counts per queue and state, the
// paused queues, the oldest ready jobs and the dead jobs with their error history, and retry and discard
// buttons for the dead ones. Boost.Beast: one thread does the HTTP, a few others the database work.
// Each request that reads the table opens its own database session, so the page survives a database
// restart (it shows the error meanwhile, 503), and every wait of that session is bounded: a lock
// another session holds on the table (VACUUM FULL, LOCK TABLE, a long write) is waited for at most
// `lock_timeout`, a statement runs at most `statement_timeout`; then the answer is 503 saying which.
// A request waiting on the database holds up no other request, nor stop() (SIGTERM): the destructor
// waits only for the database work under way, which these bounds end. On SQLite the file is opened
// only if it exists: a page load never creates a database.
//
// Who may change what:
//  - without a token (dashboard_options::token empty) the page is read-only: no form, every action
//    (POST /login, /logout, /jobs/ID/...) 403;
//  - with one, an operator logs in by typing it (POST /login, compared in constant time); the answer
//    is a session cookie (random, HttpOnly, SameSite=Strict, in memory: a restart logs everyone out)
//    and every action form carries the session's CSRF token. An action (POST /jobs/ID/retry|discard)
//    runs only with a live session, its CSRF token, and no foreign Origin. Anything else is 403 and
//    changes nothing.
// Every text from the table (names, queues, payloads, errors: a person or a bug may have written any
// of them) is HTML-escaped; the Content-Security-Policy allows no script at all.
#include <cascade/queue/job_queue.hpp>
#include <cascade/queue/dialect.hpp>
#include <cascade/soci/gave_up.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <soci/soci.h>
#include <sys/random.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cascade {

/// The dashboard cannot serve as asked (a bad address, a port in use, a weak token).
struct dashboard_error : error {
    explicit dashboard_error(std::string const& what) : error("cascade: dashboard: " + what) {}
};

struct dashboard_options {
    std::string backend = "postgresql";  ///< a SOCI backend with a queue connector: "postgresql", "mysql" or "sqlite3"
    std::string connection;              ///< its connection string (one session per request)
    std::string table = "cascade_jobs";
    std::string address = "127.0.0.1";   ///< numeric IPv4 or IPv6: this machine only, by default
    int port = 8080;                     ///< 0: any free port (see dashboard::port())
    /// The operators' secret; empty: read-only. At least 16 bytes.
    std::string token;
    /// The Host names (without port) requests may carry besides the listening address (and
    /// `localhost` when that is a loopback address): the name a TLS proxy forwards, say. A request
    /// for any other host is refused (421): a page of another site that rebinds its name to this
    /// address cannot read or act.
    std::vector<std::string> hosts{};
    int jobs_shown = 20;                                     ///< rows per list
    std::chrono::minutes session_lifetime{std::chrono::hours(8)};
    /// How long a request waits for a lock on the queue's tables before the answer is 503 "locked by
    /// another session" (PostgreSQL's lock_timeout; MariaDB's innodb_lock_wait_timeout and
    /// lock_wait_timeout, in whole seconds, at least 1; SQLite's busy timeout, whatever the connection
    /// string's `timeout` says).
    std::chrono::milliseconds lock_timeout{2000};
    /// How long one statement may run before the answer is 503 (PostgreSQL's statement_timeout,
    /// MariaDB's max_statement_time; SQLite has none).
    std::chrono::milliseconds statement_timeout{10000};
    static constexpr std::size_t min_token_bytes = 16;
};

class dashboard {
    using tcp = boost::asio::ip::tcp;
    using request = boost::beast::http::request<boost::beast::http::string_body>;
    using response = boost::beast::http::response<boost::beast::http::string_body>;

public:
    /// Listens at once (an address in use throws here); serves from run() on.
    explicit dashboard(dashboard_options o) : options_(std::move(o)), queue_(options_.table), acceptor_(io_) {
        if (!options_.token.empty() && options_.token.size() < dashboard_options::min_token_bytes)
            throw dashboard_error("the token must be at least 16 bytes");
        if (options_.port < 0 || options_.port > 65535) throw dashboard_error("port " + std::to_string(options_.port) + " is out of range");
        if (!valid_address(options_.address)) throw dashboard_error("'" + options_.address + "' is not a numeric IPv4 or IPv6 address");
        if (options_.lock_timeout.count() <= 0 || options_.statement_timeout.count() <= 0)
            throw dashboard_error("the lock and statement timeouts must be positive");
        boost::system::error_code ec;
        tcp::endpoint const at(boost::asio::ip::make_address(options_.address), static_cast<unsigned short>(options_.port));
        acceptor_.open(at.protocol(), ec);
        if (!ec) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
        if (!ec) acceptor_.bind(at, ec);
        if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
        if (ec) throw dashboard_error("cannot listen on " + options_.address + " port " + std::to_string(options_.port) + ": " + ec.message());
        port_ = acceptor_.local_endpoint().port();
        // A database that does not answer must not hold the page (and stop()) for minutes.
        // A page load must never create the database it was asked to show (a SQLite file moved away, say).
        options_.connection = operator_connection(options_.backend, options_.connection);
    }
    /// Waits for the database work under way (bounded by the timeouts); drops what has not begun.
    ~dashboard() {
        database_threads_.stop();
        database_threads_.join();
    }
    dashboard(dashboard const&) = delete;
    dashboard& operator=(dashboard const&) = delete;

    /// A numeric IPv4 or IPv6 address, what the dashboard can listen on (`localhost` is a name).
    static bool valid_address(std::string const& address) {
        boost::system::error_code ec;
        boost::asio::ip::make_address(address, ec);
        return !ec;
    }

    int port() const { return port_; }
    bool read_only() const { return options_.token.empty(); }

    /// Serves until stop().
    void run() {
        accept();
        io_.run();
    }
    /// From any thread: stops accepting and answering at once; the database work under way ends
    /// within its bounds (the destructor waits for it), what has not begun is dropped.
    void stop() {
        database_threads_.stop();
        boost::asio::post(io_, [this] {
            boost::system::error_code ec;
            acceptor_.close(ec);
            io_.stop();
        });
    }

    /// The answer to one request, the database part run here (what a connection gets, but with the
    /// database work on the calling thread; public so that it can be tested alone).
    response answer(request const& req) {
        auto next = route(req);
        if (auto* now = std::get_if<response>(&next)) return std::move(*now);
        return run_now(std::get<database_work>(next), req);
    }

    /// `&`, `<`, `>`, `"`, `'` as entities: any text from the table is safe in an element or attribute.
    static std::string escape(std::string_view text) {
        std::string out;
        out.reserve(text.size());
        for (char c : text) {
            switch (c) {
                case '&': out += "&amp;"; break;
                case '<': out += "&lt;"; break;
                case '>': out += "&gt;"; break;
                case '"': out += "&quot;"; break;
                case '\'': out += "&#39;"; break;
                default: out += c;
            }
        }
        return out;
    }

private:
    struct session {
        std::string csrf;
        std::chrono::steady_clock::time_point expires;
        std::string flash;  ///< what the last action did, shown once
    };
    using live_session = std::pair<std::string, session>;  ///< (id, a copy)
    /// The part of an answer that reads or writes the table: run on a database thread, with the
    /// request its connection keeps alive until the answer is written.
    using database_work = std::function<response(request const&)>;

    /// Threads for the database work, each with its own session per request: a request waiting for
    /// a lock holds one of them, never the HTTP thread.
    static constexpr int database_thread_count = 4;
    /// Requests waiting for (or in) the database at most; more are answered 503 at once, rather than
    /// queue up behind a lock.
    static constexpr int max_database_requests = 16;

    // ---- routing ----------------------------------------------------------------------------------
    /// What a request gets: an answer now (on the HTTP thread: refusals, login, logout), or database
    /// work whose answer comes later.
    std::variant<response, database_work> route(request const& req) {
        namespace http = boost::beast::http;
        std::string_view const target(req.target().data(), req.target().size());
        std::string_view const path = target.substr(0, target.find('?'));
        if (!one_host(req)) return plain(req, http::status::bad_request, "a request names exactly one Host (RFC 9112, 3.2)\n");
        if (!known_host(req)) return plain(req, http::status::misdirected_request, "unknown host (see --host)\n");
        if (path == "/") {
            if (req.method() != http::verb::get && req.method() != http::verb::head) {
                auto r = plain(req, http::status::method_not_allowed, "GET only\n");
                r.set(http::field::allow, "GET, HEAD");
                return r;
            }
            // a HEAD draws no page, so it leaves the flash for the GET that does
            auto s = session_of(req, req.method() == http::verb::get);
            return database_work([this, s](request const& r) { return page(r, s); });
        }
        bool const known = path == "/login" || path == "/logout" || path.rfind("/jobs/", 0) == 0;
        if (!known) return plain(req, http::status::not_found, "not found\n");
        if (req.method() != http::verb::post) {
            auto r = plain(req, http::status::method_not_allowed, "POST only\n");
            r.set(http::field::allow, "POST");
            return r;
        }
        if (path == "/login") return login(req);
        if (path == "/logout") {
            auto s = authorized(req);
            if (auto* refused = std::get_if<response>(&s)) return std::move(*refused);
            std::string const id = std::get<live_session>(s).first;
            {
                std::lock_guard lock(mutex_);
                sessions_.erase(id);
            }
            return after_action(req, id, "");
        }
        // /jobs/ID/retry, /jobs/ID/discard
        std::string_view const rest = path.substr(6);
        auto const slash = rest.find('/');
        if (slash == std::string_view::npos) return plain(req, http::status::not_found, "not found\n");
        std::string_view const digits = rest.substr(0, slash), verb = rest.substr(slash + 1);
        long long const job = job_id(digits);
        if (job <= 0 || (verb != "retry" && verb != "discard")) return plain(req, http::status::not_found, "not found\n");
        auto s = authorized(req);
        if (auto* refused = std::get_if<response>(&s)) return std::move(*refused);
        return database_work([this, id = std::get<live_session>(s).first, job, retry = verb == "retry"](request const& r) {
            return after_action(r, id, retry ? retry_job(job) : discard_job(job));
        });
    }

    /// Runs `work` on this thread: its answer, or 503 saying why the database did not give one.
    response run_now(database_work const& work, request const& req) const {
        try {
            return work(req);
        } catch (...) {
            return unavailable(req, std::current_exception());
        }
    }

    /// Runs `work` on a database thread and hands its answer to `done` there. So that every request
    /// is answered within twice the lock bound even when all the threads wait for a lock, the answer
    /// is 503 without any database work when too many requests wait already, or when this one waited
    /// for a thread longer than the lock bound.
    template <class Done>
    void run_on_database_thread(database_work work, request const& req, Done done) {
        if (database_requests_.fetch_add(1) >= max_database_requests) {
            --database_requests_;
            return done(busy(req, "too many requests are waiting for the database"));
        }
        auto const queued = std::chrono::steady_clock::now();
        boost::asio::post(database_threads_, [this, work = std::move(work), &req, done = std::move(done), queued]() mutable {
            response r = std::chrono::steady_clock::now() - queued > options_.lock_timeout
                             ? busy(req, "every database thread of the dashboard is waiting for the database (a lock on the queue table?)")
                             : run_now(work, req);
            --database_requests_;
            done(std::move(r));
        });
    }
    static response busy(request const& req, std::string const& why) {
        auto r = plain(req, boost::beast::http::status::service_unavailable, why + ": try again\n");
        r.set(boost::beast::http::field::retry_after, "5");
        return r;
    }

    /// 503, and why: the details (SQL, names) go to the dashboard's log, not to whoever asks; what
    /// the operator can do about it goes to both.
    response unavailable(request const& req, std::exception_ptr const& error) const {
        namespace http = boost::beast::http;
        std::string what = "an error that is not a std::exception";
        try {
            std::rethrow_exception(error);
        } catch (std::exception const& e) {
            what = e.what();
        } catch (...) {
        }
        std::cerr << "cascade-queue serve: " << what << std::endl;
        switch (how_it_gave_up(error)) {
            case gave_up::lock: {
                auto r = plain(req, http::status::service_unavailable,
                               "the queue table is locked by another session (VACUUM FULL, LOCK TABLE, a long write?): no answer within " +
                                   std::to_string(options_.lock_timeout.count()) + " ms; try again\n");
                r.set(http::field::retry_after, "5");
                return r;
            }
            case gave_up::time:
                return plain(req, http::status::service_unavailable,
                             "a statement on the queue table ran longer than " + std::to_string(options_.statement_timeout.count()) +
                                 " ms (a large table, a busy database?) and was cancelled; try again, or give serve a longer "
                                 "--statement-timeout-ms\n");
            case gave_up::no: break;
        }
        return plain(req, http::status::service_unavailable, "the queue cannot be read now (the dashboard's log says why)\n");
    }

    // ---- connections ------------------------------------------------------------------------------
    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
            if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open()) return;
            if (!ec) {
                std::make_shared<connection>(*this, std::move(socket))->start();
                return accept();
            }
            // out of descriptors, say: try again in a while rather than spin
            pause_.expires_after(std::chrono::milliseconds(100));
            pause_.async_wait([this](boost::system::error_code e) {
                if (!e && acceptor_.is_open()) accept();
            });
        });
    }

    /// One request, one answer, closed: no keep-alive to keep track of. A request head or body is at
    /// most 8 KiB and must arrive within 5 seconds.
    struct connection : std::enable_shared_from_this<connection> {
        connection(dashboard& d, tcp::socket s) : owner(d), stream(std::move(s)) {}
        void start() {
            parser.header_limit(8192);
            parser.body_limit(8192);
            stream.expires_after(std::chrono::seconds(5));
            boost::beast::http::async_read(stream, buffer, parser, [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                self->read(ec);
            });
        }
        void read(boost::system::error_code ec) {
            namespace http = boost::beast::http;
            if (ec == http::error::end_of_stream || ec == boost::beast::error::timeout) return close();
            if (ec) {
                request bad;
                return write(plain(bad, http::status::bad_request, "bad request: " + ec.message() + "\n"));
            }
            auto next = owner.route(parser.get());
            if (auto* now = std::get_if<response>(&next)) return write(std::move(*now));
            // the answer is written on this connection's (the HTTP) thread
            owner.run_on_database_thread(std::move(std::get<database_work>(next)), parser.get(), [self = this->shared_from_this()](response r) {
                boost::asio::post(self->stream.get_executor(), [self, r = std::move(r)]() mutable { self->write(std::move(r)); });
            });
        }
        void write(response r) {
            namespace http = boost::beast::http;
            reply = std::move(r);
            reply.keep_alive(false);
            reply.prepare_payload();
            stream.expires_after(std::chrono::seconds(5));
            http::async_write(stream, reply, [self = this->shared_from_this()](boost::system::error_code, std::size_t) { self->close(); });
        }
        void close() {
            boost::system::error_code ec;
            stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        }
        dashboard& owner;
        boost::beast::tcp_stream stream;
        boost::beast::flat_buffer buffer;
        boost::beast::http::request_parser<boost::beast::http::string_body> parser;
        response reply;
    };

    // ---- sessions ---------------------------------------------------------------------------------
    static std::string random_hex(std::size_t bytes) {
        std::string raw(bytes, '\0');
        for (std::size_t got = 0; got < bytes;) {
            ssize_t const n = getrandom(raw.data() + got, bytes - got, 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw dashboard_error("no random bytes for a session");
            }
            got += static_cast<std::size_t>(n);
        }
        static char const digits[] = "0123456789abcdef";
        std::string out;
        for (unsigned char c : raw) {
            out += digits[c >> 4];
            out += digits[c & 15];
        }
        return out;
    }
    /// Compares in time that depends on the lengths only.
    static bool same_secret(std::string_view a, std::string_view b) {
        unsigned char diff = a.size() == b.size() ? 0 : 1;
        std::size_t const n = std::max(a.size(), b.size());
        for (std::size_t i = 0; i < n; ++i)
            diff |= static_cast<unsigned char>((i < a.size() ? a[i] : 0) ^ (i < b.size() ? b[i] : 0));
        return diff == 0;
    }

    /// The session the request's cookie names, if it is live: (id, copy). `shows_flash`: this answer
    /// shows the flash, which is then cleared (shown once).
    std::optional<live_session> session_of(request const& req, bool shows_flash = true) {
        auto const cookie = req.find(boost::beast::http::field::cookie);
        if (cookie == req.end()) return {};
        std::string_view const all(cookie->value().data(), cookie->value().size());
        std::string_view const name = "cascade_session=";
        for (std::size_t at = 0; at < all.size();) {
            while (at < all.size() && (all[at] == ' ' || all[at] == ';')) ++at;
            std::size_t const end = std::min(all.find(';', at), all.size());
            std::string_view const pair = all.substr(at, end - at);
            if (pair.rfind(name, 0) == 0) {
                std::string const id(pair.substr(name.size()));
                std::lock_guard lock(mutex_);
                auto const now = std::chrono::steady_clock::now();
                for (auto it = sessions_.begin(); it != sessions_.end();) it = it->second.expires < now ? sessions_.erase(it) : std::next(it);
                auto const it = sessions_.find(id);
                if (it == sessions_.end()) return {};
                auto copy = *it;
                if (shows_flash) it->second.flash.clear();
                return copy;
            }
            at = end;
        }
        return {};
    }

    /// A form field of an application/x-www-form-urlencoded body, decoded.
    static std::optional<std::string> field(std::string_view body, std::string_view name) {
        for (std::size_t at = 0; at <= body.size();) {
            std::size_t const end = std::min(body.find('&', at), body.size());
            std::string_view const pair = body.substr(at, end - at);
            auto const eq = pair.find('=');
            if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
                std::string out;
                std::string_view const v = pair.substr(eq + 1);
                for (std::size_t i = 0; i < v.size(); ++i) {
                    if (v[i] == '+') out += ' ';
                    else if (v[i] == '%' && i + 2 < v.size() && std::isxdigit(static_cast<unsigned char>(v[i + 1])) &&
                             std::isxdigit(static_cast<unsigned char>(v[i + 2]))) {
                        out += static_cast<char>(std::stoi(std::string(v.substr(i + 1, 2)), nullptr, 16));
                        i += 2;
                    } else out += v[i];
                }
                return out;
            }
            at = end + 1;
        }
        return {};
    }

    /// RFC 9112, 3.2: one Host line; none only in HTTP/1.0. Anything else is a bad request (400): two
    /// Host lines may be read differently by a proxy and by this server.
    static bool one_host(request const& req) {
        auto const n = req.count(boost::beast::http::field::host);
        return n == 1 || (n == 0 && req.version() < 11);
    }

    /// Host is this server's listening address, `localhost` on a loopback one, or a configured name.
    bool known_host(request const& req) const {
        auto const host = req.find(boost::beast::http::field::host);
        if (host == req.end()) return req.version() < 11;  // HTTP/1.0 may leave it out
        std::string_view h(host->value().data(), host->value().size());
        std::string const port = ":" + std::to_string(port_);
        if (h.size() > port.size() && h.substr(h.size() - port.size()) == port) h.remove_suffix(port.size());
        else if (port_ != 80) return false;
        std::string const listening = options_.address.find(':') != std::string::npos ? "[" + options_.address + "]" : options_.address;
        if (h == listening) return true;
        if (h == "localhost" && (options_.address == "127.0.0.1" || options_.address == "::1")) return true;
        return std::find(options_.hosts.begin(), options_.hosts.end(), h) != options_.hosts.end();
    }

    /// A browser sends Origin with every POST: one that is not this server's is another site's form.
    static bool same_origin(request const& req) {
        auto const origin = req.find(boost::beast::http::field::origin);
        if (origin == req.end()) return true;  // not a browser's cross-site request (curl, the test's raw client)
        auto const host = req.find(boost::beast::http::field::host);
        if (host == req.end()) return false;
        std::string_view const o(origin->value().data(), origin->value().size());
        std::string_view const h(host->value().data(), host->value().size());
        return o == "http://" + std::string(h) || o == "https://" + std::string(h);
    }

    static long long job_id(std::string_view digits) {
        if (digits.empty() || digits.size() > 18) return 0;
        long long v = 0;
        for (char c : digits) {
            if (c < '0' || c > '9') return 0;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    response login(request const& req) {
        namespace http = boost::beast::http;
        if (read_only()) return plain(req, http::status::forbidden, "this dashboard is read-only (no token was given to it)\n");
        if (!same_origin(req)) return plain(req, http::status::forbidden, "a form of another site\n");
        // At most 10 wrong tokens a minute, whoever sends them: guessing a 16-byte token stays hopeless.
        auto const now = std::chrono::steady_clock::now();
        if (now - failures_since_ > std::chrono::minutes(1)) {
            failures_since_ = now;
            failures_ = 0;
        }
        if (failures_ >= 10) return plain(req, http::status::too_many_requests, "too many wrong tokens: try again in a minute\n");
        auto const given = field(req.body(), "token");
        if (!given || !same_secret(*given, options_.token)) {
            ++failures_;
            return plain(req, http::status::forbidden, "wrong token\n");
        }
        std::string const id = random_hex(32);
        {
            std::lock_guard lock(mutex_);
            if (sessions_.size() >= 1000)  // bounded: the session closest to its end goes
                sessions_.erase(std::min_element(sessions_.begin(), sessions_.end(),
                                                 [](auto const& a, auto const& b) { return a.second.expires < b.second.expires; }));
            sessions_[id] = session{random_hex(32), std::chrono::steady_clock::now() + options_.session_lifetime, "logged in"};
        }
        auto r = redirect(req);
        r.set(http::field::set_cookie, "cascade_session=" + id + "; Path=/; HttpOnly; SameSite=Strict");
        return r;
    }

    /// The checks every action passes: a live session, its CSRF token, no foreign Origin. The session,
    /// or the refusal (403).
    std::variant<response, live_session> authorized(request const& req) {
        namespace http = boost::beast::http;
        if (read_only()) return plain(req, http::status::forbidden, "this dashboard is read-only (no token was given to it)\n");
        if (!same_origin(req)) return plain(req, http::status::forbidden, "a form of another site\n");
        auto s = session_of(req);
        if (!s) return plain(req, http::status::forbidden, "log in first (the token)\n");
        auto const csrf = field(req.body(), "csrf");
        if (!csrf || !same_secret(*csrf, s->second.csrf)) return plain(req, http::status::forbidden, "a form without this session's CSRF token\n");
        return std::move(*s);
    }

    /// After an action: `message` is the flash the session's next page shows; back to the page (and
    /// the cookie cleared when the session is gone: logged out).
    response after_action(request const& req, std::string const& session_id, std::string const& message) {
        bool live = false;
        {
            std::lock_guard lock(mutex_);
            if (auto it = sessions_.find(session_id); it != sessions_.end()) {
                it->second.flash = message;
                live = true;
            }
        }
        auto r = redirect(req);
        if (!live) r.set(boost::beast::http::field::set_cookie, "cascade_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
        return r;
    }

    std::string retry_job(long long job) const {
        auto sql = open();
        try {
            return queue_.retry(*sql, job) == 1 ? "retried job " + std::to_string(job) : "job " + std::to_string(job) + " is not dead: nothing retried";
        } catch (job_has_live_twin const& e) {
            return std::string(e.what());
        }
    }
    /// Dead jobs only: the page may be stale, and a job retried since must not be lost.
    std::string discard_job(long long job) const {
        auto sql = open();
        return queue_.discard(*sql, job, true) == 1 ? "discarded job " + std::to_string(job)
                                                    : "job " + std::to_string(job) + " is not dead (any more): nothing discarded";
    }

    // ---- answers ----------------------------------------------------------------------------------
    static void secure(response& r) {
        namespace http = boost::beast::http;
        r.set(http::field::cache_control, "no-store");
        r.set("X-Content-Type-Options", "nosniff");
        r.set("X-Frame-Options", "DENY");
        r.set("Referrer-Policy", "same-origin");  // no-referrer would make the browser send Origin: null with our own forms
        r.set("Content-Security-Policy",
              "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    }
    static response plain(request const& req, boost::beast::http::status code, std::string body) {
        response r{code, req.version() ? req.version() : 11};
        r.set(boost::beast::http::field::content_type, "text/plain; charset=utf-8");
        secure(r);
        r.body() = std::move(body);
        return r;
    }
    static response redirect(request const& req) {
        response r{boost::beast::http::status::see_other, req.version()};
        r.set(boost::beast::http::field::location, "/");
        secure(r);
        return r;
    }

    /// A session for one request, every wait of it bounded as the queue connector bounds it: a lock at
    /// most lock_timeout, a statement at most statement_timeout (not on SQLite). A SQLite file that is
    /// not there is an error, never created.
    std::unique_ptr<soci::session> open() const {
        auto sql = open_operator_session(options_.backend, options_.connection, operator_waits{options_.lock_timeout, options_.statement_timeout});
        return sql;
    }

    /// 42 s, 5 min 3 s, 2 h 5 min, 3 d 4 h.
    static std::string duration(long long seconds) {
        auto part = [](long long n, char const* unit) { return std::to_string(n) + " " + unit; };
        if (seconds < 60) return part(seconds, "s");
        if (seconds < 3600) return part(seconds / 60, "min") + (seconds % 60 ? " " + part(seconds % 60, "s") : "");
        if (seconds < 86400) return part(seconds / 3600, "h") + (seconds % 3600 / 60 ? " " + part(seconds % 3600 / 60, "min") : "");
        return part(seconds / 86400, "d") + (seconds % 86400 / 3600 ? " " + part(seconds % 86400 / 3600, "h") : "");
    }

    static std::string when(long long ms) {
        std::time_t const t = static_cast<std::time_t>(ms / 1000);
        std::tm tm{};
        gmtime_r(&t, &tm);
        char out[32];
        std::strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S", &tm);
        return out;
    }

    response page(request const& req, std::optional<live_session> const& s) const {
        auto sql = open();
        queue_.check_installed(*sql);
        auto st = queue_.status(*sql);
        auto const ready = queue_.list(*sql, "ready", options_.jobs_shown);
        auto const dead = queue_.list(*sql, "dead", options_.jobs_shown);
        long long const now = queue_.database_now(*sql);
        std::string h;
        h += "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>cascade queue: " + escape(options_.table) + "</title>"
             "<style>body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:1.6em}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
             "th{background:#f3f3f3}.n{text-align:right;font-variant-numeric:tabular-nums}.paused{color:#a60}"
             ".flash{background:#eef7ee;border:1px solid #9c9;padding:6px}pre{margin:0;white-space:pre-wrap;max-width:60em}"
             "form.inline{display:inline}.totals span{margin-right:1.2em}</style></head><body>";
        h += "<h1>cascade queue <code>" + escape(options_.table) + "</code></h1><p>database clock " + when(now) + " UTC";
        if (read_only()) h += " · read-only (no token given to the dashboard)";
        h += "</p>";
        if (s && !s->second.flash.empty()) h += "<p id=\"flash\" class=\"flash\">" + escape(s->second.flash) + "</p>";
        if (!read_only() && !s)
            h += "<form id=\"login\" method=\"post\" action=\"/login\"><label>Token <input id=\"token\" name=\"token\" type=\"password\" "
                 "autocomplete=\"current-password\" required></label> <button>Log in</button> (to retry or discard jobs)</form>";
        if (s)
            h += "<form id=\"logout\" class=\"inline\" method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"" +
                 s->second.csrf + "\"><button>Log out</button></form>";
        long long const scheduled = st.scheduled;
        h += "<h2>Jobs</h2><p class=\"totals\">";
        auto total = [&](char const* label, char const* key, long long n) {
            h += std::string("<span>") + label + " <b data-count=\"" + key + "\">" + std::to_string(n) + "</b></span>";
        };
        total("ready", "ready", st.counts["ready"] - scheduled);
        total("scheduled", "scheduled", scheduled);
        total("running", "running", st.counts["running"]);
        total("done", "done", st.counts["done"]);
        total("dead", "dead", st.counts["dead"]);
        h += "<span>oldest due job waiting <b data-count=\"oldest_ready_seconds\" data-seconds=\"" +
             std::to_string(static_cast<long long>(st.oldest_ready_seconds)) + "\">" + duration(static_cast<long long>(st.oldest_ready_seconds)) +
             "</b></span></p>";
        h += "<h2>Queues</h2><table id=\"queues\"><tr><th>queue</th><th>ready</th><th>scheduled</th><th>running</th><th>done</th><th>dead</th></tr>";
        for (auto& [name, states] : st.queues) {
            bool const paused = std::find(st.paused.begin(), st.paused.end(), name) != st.paused.end();
            h += "<tr data-queue=\"" + escape(name) + "\"><td>" + escape(name) + (paused ? " <span class=\"paused\">(paused)</span>" : "") + "</td>";
            for (char const* state : {"ready", "scheduled", "running", "done", "dead"})
                h += std::string("<td class=\"n\" data-state=\"") + state + "\">" + std::to_string(states[state]) + "</td>";
            h += "</tr>";
        }
        h += "</table>";
        auto jobs_table = [&](char const* id, std::vector<job_row> const& rows, bool dead_jobs) {
            h += std::string("<table id=\"") + id + "\"><tr><th>id</th><th>job</th><th>queue</th><th>priority</th><th>attempts</th><th>" +
                 (dead_jobs ? "failed</th><th>errors" : "due</th><th>payload") + "</th>" + (dead_jobs && s ? "<th></th>" : "") + "</tr>";
            for (auto const& j : rows) {
                std::string const jid = std::to_string(j.id);
                h += "<tr data-job=\"" + jid + "\"><td class=\"n\">" + jid + "</td><td>" + escape(j.name) + "</td><td>" + escape(j.queue) +
                     "</td><td class=\"n\">" + std::to_string(j.priority) + "</td><td class=\"n\">" + std::to_string(j.attempts) + "/" +
                     std::to_string(j.max_attempts) + "</td>";
                if (dead_jobs) {
                    h += "<td>" + (j.finished_at ? when(*j.finished_at) : std::string("")) + "</td><td><details><summary>" + escape(j.last_error) +
                         "</summary><pre>" + escape(j.errors) + "</pre></details></td>";
                    if (s) {
                        for (char const* verb : {"retry", "discard"})
                            h += std::string(verb == std::string_view("retry") ? "<td>" : "") + "<form class=\"inline\" method=\"post\" action=\"/jobs/" + jid +
                                 "/" + verb + "\" data-action=\"" + verb + "\" data-job=\"" + jid + "\"><input type=\"hidden\" name=\"csrf\" value=\"" +
                                 s->second.csrf + "\"><button>" + verb + "</button></form>" + (verb == std::string_view("discard") ? "</td>" : " ");
                    }
                } else {
                    h += "<td>" + when(j.run_at) + "</td><td><code>" + escape(j.payload.substr(0, 200)) + (j.payload.size() > 200 ? "…" : "") +
                         "</code></td>";
                }
                h += "</tr>";
            }
            h += "</table>";
        };
        h += "<h2>Oldest ready jobs (claim order)</h2>";
        jobs_table("ready-jobs", ready, false);
        h += "<h2>Dead jobs (newest first)</h2>";
        jobs_table("dead-jobs", dead, true);
        h += "</body></html>";
        response r{boost::beast::http::status::ok, req.version()};
        r.set(boost::beast::http::field::content_type, "text/html; charset=utf-8");
        secure(r);
        r.body() = req.method() == boost::beast::http::verb::head ? std::string() : std::move(h);
        return r;
    }

    dashboard_options options_;
    int port_ = 0;
    job_queue queue_;
    boost::asio::io_context io_{1};
    tcp::acceptor acceptor_;
    boost::asio::steady_timer pause_{io_};
    std::chrono::steady_clock::time_point failures_since_{};
    int failures_ = 0;  ///< wrong tokens since failures_since_
    std::mutex mutex_;
    std::map<std::string, session> sessions_;
    std::atomic<int> database_requests_{0};  ///< waiting for or in a database thread
    // last: its threads are joined (in the destructor) before anything they use goes
    boost::asio::thread_pool database_threads_{database_thread_count};
};

}  // namespace cascade
