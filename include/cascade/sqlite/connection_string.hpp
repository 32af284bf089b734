#pragma once
// SOCI's sqlite3 connection strings as that backend reads them (`db=FILE timeout=30 ...`: space-separated
// key=value pairs, a value in double quotes may hold spaces, `dbname` is `db`, a string without `=` is the
// file name itself), and the one change the queue's tool makes to them: open a database file that is
// there, never create one. SQLite creates a missing file on open, so without it a typo, or a file moved
// away under a running dashboard, leaves an empty database behind, which workers and the tool then take
// for the queue's. Only `cascade-queue install` creates a database.
#include <soci/sqlite3/soci-sqlite3.h>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace cascade::sqlite_connection {

namespace detail {

/// The key=value pairs in order, as SOCI's sqlite3 backend splits them.
inline std::vector<std::pair<std::string, std::string>> pairs(std::string const& connection) {
    std::vector<std::pair<std::string, std::string>> out;
    std::istringstream in(connection);
    while (!in.eof() && connection.find('=') != std::string::npos) {
        std::string key, value;
        std::getline(in, key, '=');
        std::getline(in, value, ' ');
        if (!value.empty() && value[0] == '"') {
            value.erase(0, 1);
            if (!value.empty() && value.back() == '"') {
                value.pop_back();
            } else {  // the quoted value holds spaces: up to the closing quote
                std::string rest, ignored;
                std::getline(in, rest, '"');
                value += " " + rest;
                std::getline(in, ignored, ' ');
            }
        }
        out.emplace_back(std::move(key), std::move(value));
    }
    return out;
}

/// `path` as the path of a `file:` URI: the bytes a URI or SOCI's splitting would misread escaped.
inline std::string uri_path(std::string const& path) {
    static char const digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : path) {
        if (c <= ' ' || c == '%' || c == '?' || c == '#' || c == '"' || c >= 0x7f) {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

/// Whether this SQLite reads `file:` URIs in every open (SQLITE_USE_URI: Debian's build and most others).
inline bool reads_uris() { return ::sqlite_api::sqlite3_compileoption_used("USE_URI") != 0; }

}  // namespace detail

/// The database file the connection string names: its `db` (or `dbname`) value, or the whole string
/// when it has no `=` (what SOCI opens).
inline std::string database(std::string const& connection) {
    std::string name = connection;
    for (auto const& [key, value] : detail::pairs(connection))
        if (key == "db" || key == "dbname") name = value;
    return name;
}

/// The same connection string, opening its file read-write only if it exists: the file named as a URI
/// with `mode=rw` (`db=file:///srv/app.db?mode=rw`), which SQLite opens without ever creating it, in one
/// step (no check-then-open race). Left as it is: an in-memory or temporary database (":memory:", ""),
/// a name that is already a `file:` URI (its own `mode` says), and any string on a SQLite that does not
/// read URIs (the caller's existence check is all there is then).
inline std::string existing_only(std::string const& connection) {
    std::string const file = database(connection);
    if (file.empty() || file == ":memory:" || file.rfind("file:", 0) == 0 || !detail::reads_uris()) return connection;
    std::string const uri = (file[0] == '/' ? "file://" : "file:") + detail::uri_path(file) + "?mode=rw";
    if (connection.find('=') == std::string::npos) return "db=" + uri;
    std::string out;
    for (auto const& [key, value] : detail::pairs(connection)) {
        if (!out.empty()) out += ' ';
        bool const is_file = key == "db" || key == "dbname";
        out += key + "=" + (is_file ? uri : value.find(' ') != std::string::npos ? "\"" + value + "\"" : value);
    }
    return out;
}

}  // namespace cascade::sqlite_connection
