#pragma once
// The PostgreSQL a program uses, by the project's one convention: the SOCI connection string in
// CASCADE_PG, or, when it is unset, a private server started on loopback for this process by
// scripts/pg-private.sh and stopped when the process ends. Shared by tests, examples and benchmarks.
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <unistd.h>

#ifndef CASCADE_SOURCE_DIR
#error "define CASCADE_SOURCE_DIR (the cascade source tree) to find scripts/pg-private.sh"
#endif

namespace cascade_support {

inline std::string const& postgresql_connection() {
    struct server {
        std::string dir, connection;
        server() {
            if (char const* env = std::getenv("CASCADE_PG"); env && *env) {
                connection = env;
                return;
            }
            char tmpl[] = "/tmp/cascade-pg.XXXXXX";
            if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
            dir = tmpl;
            std::string const cmd = "bash " CASCADE_SOURCE_DIR "/scripts/pg-private.sh start " + dir;
            if (FILE* p = popen(cmd.c_str(), "r")) {
                char buf[256]{};
                if (std::fgets(buf, sizeof buf, p)) connection = buf;
                pclose(p);
            }
            while (!connection.empty() && (connection.back() == '\n' || connection.back() == '\r'))
                connection.pop_back();
            if (connection.empty()) throw std::runtime_error("could not start a private PostgreSQL (see scripts/pg-private.sh)");
        }
        ~server() {
            if (!dir.empty()) [[maybe_unused]] int rc = std::system(("bash " CASCADE_SOURCE_DIR "/scripts/pg-private.sh stop " + dir).c_str());
        }
    };
    static server s;
    return s.connection;
}

}  // namespace cascade_support
