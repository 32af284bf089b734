#pragma once
// The real databases the functional tests run against, chosen by the argument after `--`:
//   sqlite        an in-memory SQLite database per test
//   sqlite-file   a SQLite file per test
//   postgresql    CASCADE_PG, or a private server this process starts (scripts/pg-private.sh); each
//                 test gets its own PostgreSQL schema, so runs in parallel never see each other
//   mysql         CASCADE_MYSQL, or a private MariaDB this process starts (scripts/mariadb-private.sh);
//                 each test gets its own database
#include <boost/test/unit_test.hpp>
#include <cascade/mysql.hpp>
#include <cascade/postgresql.hpp>
#include <cascade/sqlite.hpp>
#include <soci/soci.h>

#include "../../scripts/private_postgresql.hpp"

#include <cctype>
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
        if (a == "sqlite" || a == "sqlite-file" || a == "postgresql" || a == "mysql") return a;
    }
    return "sqlite";
}
inline bool is_postgresql() { return backend() == "postgresql"; }
inline bool is_mysql() { return backend() == "mysql"; }
/// A server with sessions of its own (PostgreSQL, MariaDB), not an embedded SQLite.
inline bool is_server() { return is_postgresql() || is_mysql(); }

/// CASCADE_PG, or a private server started once for this process.
inline std::string const& postgresql_connection() { return cascade_support::postgresql_connection(); }

/// One test's database: a fresh in-memory SQLite, SQLite file, or PostgreSQL schema.
struct database {
    std::string file;
    std::string pg_schema;
    std::string my_database;
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
        } else if (backend() == "mysql") {
            my_database = "t" + std::to_string(getpid()) + "_" + std::to_string(counter);
            sql = connect_mysql();
            *sql << "DROP DATABASE IF EXISTS " + my_database;
            *sql << "CREATE DATABASE " + my_database;
            *sql << "USE " + my_database;
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
            if (!my_database.empty()) *connect_mysql() << "DROP DATABASE IF EXISTS " + my_database;
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
        if (!my_database.empty()) {
            auto s = connect_mysql();
            *s << "USE " + my_database;
            return s;
        }
        auto s = std::make_unique<soci::session>(soci::sqlite3, file.empty() ? ":memory:" : "db=" + file + " timeout=30");
        *s << "PRAGMA foreign_keys = ON";
        return s;
    }
    /// The connection string another process (a worker, the tool) opens the same database with: the
    /// test's PostgreSQL schema as its search_path, the test's MariaDB database, the SQLite file.
    std::string process_connection() const {
        if (!pg_schema.empty()) return postgresql_connection() + " options='-csearch_path=" + pg_schema + "'";
        if (!my_database.empty()) {
            std::string conn = cascade_support::mysql_connection();
            auto const at = conn.find("db=");
            auto const end = conn.find(' ', at);
            return conn.replace(at, end == std::string::npos ? std::string::npos : end - at, "db=" + my_database);
        }
        return "db=" + file + " timeout=30";
    }
    /// SOCI's name of the test's backend.
    static std::string soci_backend() { return is_postgresql() ? "postgresql" : is_mysql() ? "mysql" : "sqlite3"; }
    /// Opens `s` (a pool's session) on the same database, as connect() does.
    void open(soci::session& s) const {
        if (!pg_schema.empty()) {
            s.open(soci::postgresql, postgresql_connection());
            s << "SET search_path TO " + pg_schema;
        } else if (!my_database.empty()) {
            s.open("mysql", cascade_support::mysql_connection());
            s << "USE " + my_database;
        } else {
            s.open(soci::sqlite3, "db=" + file + " timeout=30");
        }
    }
    static std::unique_ptr<soci::session> connect_postgresql() {
        return std::make_unique<soci::session>(soci::postgresql, postgresql_connection());
    }
    /// A MariaDB session for the tests' own SQL, written as on the other databases: identifiers in double
    /// quotes, backslashes plain in string literals. cascade's statements need neither setting: its
    /// identifiers are backquoted and its values bound (mysql_default_mode tests the server's defaults).
    static std::unique_ptr<soci::session> connect_mysql() {
        auto s = std::make_unique<soci::session>("mysql", cascade_support::mysql_connection());
        *s << "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES,NO_BACKSLASH_ESCAPES')";
        *s << "SET SESSION max_recursive_iterations = 4294967295";  // the tests' own row generators
        return s;
    }

    soci::session& operator*() { return *sql; }

    /// Runs the tests' own SQL. On MariaDB a CREATE TABLE's TEXT columns become VARCHAR(255): InnoDB
    /// keys no TEXT column without a length, and a foreign key needs the same type on both sides.
    void exec(std::string const& statement) { *sql << portable(statement); }
    /// A bare table name quoted (MariaDB reserves some the tests use, such as `lines`).
    static std::string quoted(std::string const& table) {
        for (char ch : table)
            if (!(std::islower(static_cast<unsigned char>(ch)) || std::isdigit(static_cast<unsigned char>(ch)) || ch == '_')) return table;
        return '"' + table + '"';
    }
    static std::string portable(std::string statement) {
        if (!is_mysql() || statement.rfind("CREATE TABLE", 0) != 0) return statement;
        for (std::size_t at = 0; (at = statement.find(" TEXT", at)) != std::string::npos; at += 13)
            statement.replace(at, 5, " VARCHAR(255)");
        return statement;
    }

    long long count(std::string const& table, std::string const& where = "1 = 1") {
        long long n = -1;
        *sql << "SELECT COUNT(*) FROM " + quoted(table) + " WHERE " + where, soci::into(n);
        return n;
    }
    std::vector<long long> ids(std::string const& table, std::string const& where = "1 = 1") {
        std::vector<long long> out;
        soci::rowset<long long> rs = (sql->prepare << "SELECT id FROM " + quoted(table) + " WHERE " + where + " ORDER BY id");
        for (long long id : rs) out.push_back(id);
        return out;
    }
};

}  // namespace test

namespace test {
/// `n` rows numbered 1 to n as a FROM item whose column is `i`, in each database's own way.
/// The SQL type a CAST to a 64-bit integer names.
inline std::string bigint() { return is_mysql() ? "SIGNED" : "BIGINT"; }
inline std::string series(long long n) {
    std::string const N = std::to_string(n);
    if (is_postgresql()) return "generate_series(1, " + N + ") i";
    if (is_mysql()) return "(SELECT seq AS i FROM seq_1_to_" + N + ") s";
    return "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " + N + ") SELECT i FROM s) s";
}
}  // namespace test

using ids = std::vector<long long>;
namespace tt = boost::test_tools;
