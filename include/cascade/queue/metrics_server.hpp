#pragma once
// A minimal HTTP/1.1 responder for Prometheus scrapes: `GET /metrics` (and HEAD) on one address and
// port, answered with what a function renders (a worker's: queue/metrics.hpp). POSIX sockets and
// one thread, no Beast or Asio: a worker that serves no metrics starts nothing, and one that does
// costs a thread that sleeps in poll(). One connection at a time, closed after its answer; a
// request head is at most 8 KiB and must arrive within 2 seconds. Anything else is answered, never
// fatal: a malformed request 400, another path 404, another method 405, a render that throws 503
// with its message; a client that says nothing is dropped after the timeout. Bind it to the local
// machine (the default) or to an address your scraper reaches; it has no authentication.
#include <cascade/errors.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

namespace cascade {

/// The metrics server cannot listen as asked (a bad address, a port out of range or in use).
struct metrics_server_error : error {
    explicit metrics_server_error(std::string const& what) : error("cascade: metrics server: " + what) {}
};

class metrics_server {
public:
    /// Renders the body of a scrape; an exception is answered 503 with its message.
    using render_fn = std::function<std::string()>;
    static constexpr std::size_t max_request_head = 8192;
    static constexpr std::chrono::milliseconds io_timeout{2000};

    /// Whether `address` is a numeric IPv4 or IPv6 address.
    static bool valid_address(std::string const& address) {
        in_addr v4{};
        in6_addr v6{};
        return inet_pton(AF_INET, address.c_str(), &v4) == 1 || inet_pton(AF_INET6, address.c_str(), &v6) == 1;
    }

    /// Listens on `address` (numeric IPv4 or IPv6) and `port` (0: a free port, see port()) at once,
    /// so that an address in use throws here; serves from start() on.
    metrics_server(std::string const& address, int port, render_fn render) : render_(std::move(render)) {
        if (port < 0 || port > 65535) throw metrics_server_error("port " + std::to_string(port) + " is out of range (0 to 65535)");
        sockaddr_storage addr{};
        socklen_t len = 0;
        auto* a4 = reinterpret_cast<sockaddr_in*>(&addr);
        auto* a6 = reinterpret_cast<sockaddr_in6*>(&addr);
        if (inet_pton(AF_INET, address.c_str(), &a4->sin_addr) == 1) {
            a4->sin_family = AF_INET;
            a4->sin_port = htons(static_cast<std::uint16_t>(port));
            len = sizeof(sockaddr_in);
        } else if (inet_pton(AF_INET6, address.c_str(), &a6->sin6_addr) == 1) {
            a6->sin6_family = AF_INET6;
            a6->sin6_port = htons(static_cast<std::uint16_t>(port));
            len = sizeof(sockaddr_in6);
        } else {
            throw metrics_server_error("'" + address + "' is not a numeric IPv4 or IPv6 address");
        }
        fd_ = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd_ < 0) throw metrics_server_error(std::string("socket: ") + std::strerror(errno));
        int const one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0) {
            int const e = errno;
            ::close(fd_);
            fd_ = -1;
            throw metrics_server_error("cannot listen on " + address + " port " + std::to_string(port) + ": " + std::strerror(e));
        }
        sockaddr_storage bound{};
        socklen_t bound_len = sizeof bound;
        if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &bound_len) == 0)
            port_ = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                                     : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    }
    metrics_server(metrics_server const&) = delete;
    metrics_server& operator=(metrics_server const&) = delete;
    ~metrics_server() {
        stop();
        if (fd_ >= 0) ::close(fd_);
    }

    void start() {
        if (thread_.joinable()) return;
        stopping_ = false;
        thread_ = std::thread([this] { run(); });
    }
    /// Returns once the thread has ended (within a poll interval, or the scrape it is answering).
    void stop() {
        stopping_ = true;
        if (thread_.joinable()) thread_.join();
    }
    /// The port it listens on.
    int port() const { return port_; }

    /// The bytes that answer one request head (request line and headers, without the blank line).
    static std::string answer(std::string_view head, render_fn const& render) {
        std::string_view line = head.substr(0, head.find('\n'));
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        for (char c : line)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return response(400, "Bad Request", "malformed request line\n", false);
        auto const sp1 = line.find(' ');
        auto const sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
        if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
            return response(400, "Bad Request", "malformed request line\n", false);
        std::string_view const method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                               version = line.substr(sp2 + 1);
        if (method.empty() || target.empty() || target.front() != '/' || (version != "HTTP/1.1" && version != "HTTP/1.0"))
            return response(400, "Bad Request", "malformed request line\n", false);
        bool const head_only = method == "HEAD";
        if (method != "GET" && !head_only)
            return response(405, "Method Not Allowed", "only GET and HEAD\n", false, "text/plain; charset=utf-8", "Allow: GET, HEAD\r\n");
        if (target.substr(0, target.find('?')) != "/metrics") return response(404, "Not Found", "not found: the metrics are at /metrics\n", head_only);
        try {
            return response(200, "OK", render(), head_only, "text/plain; version=0.0.4; charset=utf-8");
        } catch (std::exception const& e) {
            return response(503, "Service Unavailable", std::string(e.what()) + "\n", head_only);
        } catch (...) {
            return response(503, "Service Unavailable", "the metrics could not be read\n", head_only);
        }
    }

private:
    static std::string response(int code, char const* reason, std::string const& body, bool head_only,
                                char const* type = "text/plain; charset=utf-8", char const* extra = "") {
        std::string out = "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\nContent-Type: " + type +
                          "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" + extra + "\r\n";
        if (!head_only) out += body;
        return out;
    }

    /// Waits until `fd` is ready for `events` or the deadline passes.
    static bool ready(int fd, short events, std::chrono::steady_clock::time_point deadline) {
        for (;;) {
            auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
            if (left <= 0) return false;
            pollfd p{fd, events, 0};
            int const r = ::poll(&p, 1, static_cast<int>(left));
            if (r > 0) return true;
            if (r < 0 && errno != EINTR) return false;
        }
    }

    void run() {
        while (!stopping_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 200) <= 0) continue;
            int const c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (c < 0) {
                if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                continue;
            }
            try {
                serve(c);
            } catch (...) {
                // one client's trouble (even an allocation failure) is not the server's
            }
            ::close(c);
        }
    }

    void serve(int c) {
        auto deadline = std::chrono::steady_clock::now() + io_timeout;
        std::string request;
        char buf[2048];
        std::size_t end = std::string::npos;
        for (;;) {
            end = request.find("\r\n\r\n");
            if (end == std::string::npos) end = request.find("\n\n");
            if (end != std::string::npos) break;
            if (request.size() > max_request_head) {
                send_all(c, response(400, "Bad Request", "request head too long\n", false), deadline);
                return finish(c);
            }
            if (!ready(c, POLLIN, deadline)) return;  // it said nothing in time: dropped
            ssize_t const n = ::recv(c, buf, sizeof buf, 0);
            if (n == 0) {
                // it closed its side: a head that was cut short is still answered
                if (!request.empty()) send_all(c, response(400, "Bad Request", "incomplete request\n", false), deadline);
                return;
            }
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
                return;
            }
            request.append(buf, static_cast<std::size_t>(n));
        }
        std::string const reply = answer(std::string_view(request).substr(0, end), render_);
        deadline = std::chrono::steady_clock::now() + io_timeout;
        send_all(c, reply, deadline);
        finish(c);
    }

    /// Ends our side, then reads what the client still sends for a moment, so that closing does
    /// not reset a connection whose answer it has not read yet.
    static void finish(int c) {
        ::shutdown(c, SHUT_WR);
        auto const deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
        char buf[1024];
        std::size_t drained = 0;
        while (drained < 65536 && ready(c, POLLIN, deadline)) {
            ssize_t const n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR))) return;
            if (n > 0) drained += static_cast<std::size_t>(n);
        }
    }

    static void send_all(int c, std::string const& data, std::chrono::steady_clock::time_point deadline) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            ssize_t const n = ::send(c, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n > 0) {
                sent += static_cast<std::size_t>(n);
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                if (!ready(c, POLLOUT, deadline)) return;
            } else {
                return;  // the client went away
            }
        }
    }

    render_fn render_;
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace cascade
