#pragma once
// The servers a program uses, by the project's one convention: the SOCI connection string in
// CASCADE_PG (PostgreSQL) or CASCADE_MYSQL (MariaDB), or, when it is unset, a private server started on
// loopback for this process by scripts/pg-private.sh or scripts/mariadb-private.sh and stopped when the
// process ends. Shared by tests, examples and benchmarks.
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <unistd.h>

#ifndef CASCADE_SOURCE_DIR
#error "define CASCADE_SOURCE_DIR (the cascade source tree) to find scripts/pg-private.sh"
#endif

namespace cascade_support {

/// A private server of `script` (scripts/<script> start DIR prints the connection string), or `env`.
class private_server {
public:
    private_server(char const* env, char const* script, char const* name) : script_(script) {
        if (char const* value = std::getenv(env); value && *value) {
            connection_ = value;
            return;
        }
        std::string tmpl = std::string("/tmp/cascade-") + name + ".XXXXXX";
        if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
        std::string const cmd = "bash " CASCADE_SOURCE_DIR "/scripts/" + script_ + " start " + dir_;
        if (FILE* p = popen(cmd.c_str(), "r")) {
            char buf[256]{};
            if (std::fgets(buf, sizeof buf, p)) connection_ = buf;
            pclose(p);
        }
        while (!connection_.empty() && (connection_.back() == '\n' || connection_.back() == '\r')) connection_.pop_back();
        if (connection_.empty())
            throw std::runtime_error(std::string("could not start a private ") + name + " (see scripts/" + script_ + ")");
    }
    ~private_server() {
        if (!dir_.empty())
            [[maybe_unused]] int rc = std::system(("bash " CASCADE_SOURCE_DIR "/scripts/" + script_ + " stop " + dir_).c_str());
    }
    private_server(private_server const&) = delete;
    private_server& operator=(private_server const&) = delete;
    std::string const& connection() const { return connection_; }

private:
    std::string script_, dir_, connection_;
};

/// CASCADE_PG, or a private PostgreSQL started once for this process.
inline std::string const& postgresql_connection() {
    static private_server s("CASCADE_PG", "pg-private.sh", "PostgreSQL");
    return s.connection();
}

/// CASCADE_MYSQL, or a private MariaDB started once for this process.
inline std::string const& mysql_connection() {
    static private_server s("CASCADE_MYSQL", "mariadb-private.sh", "MariaDB");
    return s.connection();
}

}  // namespace cascade_support
