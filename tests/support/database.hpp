#pragma once
// The real databases the functional tests run against, chosen by the argument after `--`:
//   sqlite        an in-memory SQLite database per test
//   sqlite-file   a SQLite file per test
//   postgresql    CASCADE_PG, or a private server this process starts (scripts/pg-private.sh); each
//                 test gets its own PostgreSQL schema, so runs in parallel never see each other
#include <boost/test/unit_test.hpp>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "../../scripts/private_postgresql.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

namespace test {

inline std::string backend() {
    auto& suite = boost::unit_test::framework::master_test_suite();
    for (int i = 1; i < suite.argc; ++i) {
        std::string a = suite.argv[i];
        if (a == "sqlite" || a == "sqlite-file" || a == "postgresql") return a;
    }
    return "sqlite";
}
inline bool is_postgresql() { return backend() == "postgresql"; }

/// CASCADE_PG, or a private server started once for this process.
inline std::string const& postgresql_connection() { return cascade_support::postgresql_connection(); }

/// One test's database: a fresh in-memory SQLite, SQLite file, or PostgreSQL schema.
struct database {
    std::string file;
    std::string pg_schema;
    std::unique_ptr<soci::session> sql;

    database() {
        static int counter = 0;
        ++counter;
        if (backend() == "postgresql") {
            pg_schema = "t" + std::to_string(getpid()) + "_" + std::to_string(counter);
            sql = std::make_unique<soci::session>(soci::postgresql, postgresql_connection());
            *sql << "SET client_min_messages TO WARNING";
            *sql << "DROP SCHEMA IF EXISTS " + pg_schema + " CASCADE";
            *sql << "CREATE SCHEMA " + pg_schema;
            *sql << "SET search_path TO " + pg_schema;
        } else if (backend() == "sqlite-file") {
            file = "/tmp/cascade-test-" + std::to_string(getpid()) + "-" + std::to_string(counter) + ".db";
            std::remove(file.c_str());
            sql = connect();
        } else {
            sql = connect();
        }
    }
    ~database() {
        try {
            if (!pg_schema.empty()) {
                auto admin = connect_postgresql();
                *admin << "SET client_min_messages TO WARNING";
                *admin << "DROP SCHEMA IF EXISTS " + pg_schema + " CASCADE";
            }
        } catch (...) {
        }
        sql.reset();
        if (!file.empty()) std::remove(file.c_str());
    }

    /// Another connection to the same database (and schema).
    std::unique_ptr<soci::session> connect() const {
        if (!pg_schema.empty()) {
            auto s = connect_postgresql();
            *s << "SET search_path TO " + pg_schema;
            return s;
        }
        auto s = std::make_unique<soci::session>(soci::sqlite3, file.empty() ? ":memory:" : "db=" + file + " timeout=30");
        *s << "PRAGMA foreign_keys = ON";
        return s;
    }
    static std::unique_ptr<soci::session> connect_postgresql() {
        return std::make_unique<soci::session>(soci::postgresql, postgresql_connection());
    }

    soci::session& operator*() { return *sql; }

    void exec(std::string const& statement) { *sql << statement; }

    long long count(std::string const& table, std::string const& where = "1 = 1") {
        long long n = -1;
        *sql << "SELECT COUNT(*) FROM " + table + " WHERE " + where, soci::into(n);
        return n;
    }
    std::vector<long long> ids(std::string const& table, std::string const& where = "1 = 1") {
        std::vector<long long> out;
        soci::rowset<long long> rs = (sql->prepare << "SELECT id FROM " + table + " WHERE " + where + " ORDER BY id");
        for (long long id : rs) out.push_back(id);
        return out;
    }
};

}  // namespace test

using ids = std::vector<long long>;
namespace tt = boost::test_tools;
