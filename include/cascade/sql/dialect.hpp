#pragma once
// SQL dialects. The cascade's statements are the same text on SQLite and PostgreSQL (double-quoted
// identifiers, IN subqueries, LIMIT); where they differ, the statement is made per dialect and the
// dialect is chosen from the session at run time.
#include <string_view>

namespace cascade::sql {

enum class dialect { sqlite, postgresql };

/// The dialect of a SOCI backend name ("sqlite3", "postgresql").
constexpr dialect dialect_of(std::string_view backend_name) {
    return backend_name == "postgresql" ? dialect::postgresql : dialect::sqlite;
}

}  // namespace cascade::sql
