#pragma once
// SQL dialects. cascade's statements are the same text on SQLite and PostgreSQL (double-quoted
// identifiers, WITH [RECURSIVE], IN subqueries, LIMIT) except for a few pieces written here: a list of
// values bound as one parameter, row locks, recursion over several associations, and the order that
// makes SQLite read a whole result before the rows are deleted.
#include <cascade/sql/text.hpp>

#include <string_view>

namespace cascade::sql {

enum class dialect { sqlite, postgresql };

constexpr std::string_view name_of(dialect d) { return d == dialect::postgresql ? "postgresql" : "sqlite3"; }

/// `column` is one of the values of the list bound at `p`: a PostgreSQL array literal
/// (`{1,2}`, `{"a","b"}`), or a JSON array for SQLite's json_each.
inline void in_list(writer& out, dialect d, std::string_view alias, std::string_view column, param p) {
    out.column(alias, column);
    if (d == dialect::postgresql) {
        out += " = ANY(";
        out.value(p);
        out += ")";
    } else {
        out += " IN (SELECT value FROM json_each(";
        out.value(p);
        out += "))";
    }
}

/// Appends an element to a list value as in_list reads it, for the dialect: integers as they are,
/// text quoted (PostgreSQL array syntax or JSON).
inline void append_list_element(std::string& list, dialect d, long long v) {
    list += list.empty() ? (d == dialect::postgresql ? "{" : "[") : ",";
    list += std::to_string(v);
}
inline void append_list_element(std::string& list, dialect d, std::string_view v) {
    list += list.empty() ? (d == dialect::postgresql ? "{" : "[") : ",";
    list += '"';
    for (char c : v) {
        if (c == '"' || c == '\\') {
            list += '\\';
            list += c;
        } else if (d == dialect::sqlite && static_cast<unsigned char>(c) < 0x20) {
            // JSON strings may not hold control characters raw.
            constexpr char hex[] = "0123456789abcdef";
            list += "\\u00";
            list += hex[(static_cast<unsigned char>(c) >> 4) & 0xf];
            list += hex[static_cast<unsigned char>(c) & 0xf];
        } else {
            list += c;
        }
    }
    list += '"';
}
/// Closes a list (an empty list is `{}` or `[]`).
inline void close_list(std::string& list, dialect d) {
    if (list.empty()) list += d == dialect::postgresql ? "{" : "[";
    list += d == dialect::postgresql ? "}" : "]";
}

}  // namespace cascade::sql
