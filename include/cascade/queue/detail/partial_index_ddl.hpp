#pragma once
// The queue table's DDL for a database with partial indexes (PostgreSQL, SQLite): the indexes hold
// only the rows each walk reads (ready, running, done), so a claim or a retention pass reads an index
// of the rows it wants, however many others the table holds.
#include <soci/soci.h>

#include <string>
#include <string_view>

namespace cascade::detail {

/// The columns an older cascade's table lacks, added by install at the table's end.
struct column_added_later {
    char const* name;
    char const* definition;
};
inline constexpr column_added_later columns_added_later[2] = {{"queue", "queue TEXT NOT NULL DEFAULT 'default'"},
                                                              {"priority", "priority INTEGER NOT NULL DEFAULT 0"}};

/// What differs between the databases this DDL serves.
struct partial_index_ddl {
    std::string_view id_column;                 ///< the primary key's definition
    std::string_view add_column_if_not_exists;  ///< after ADD COLUMN ("IF NOT EXISTS " where the database has it)
    /// Whether `table` has `column` (resolved as the statements resolve the table's name).
    bool (*has_column)(soci::session&, std::string const& table, std::string const& column);
};

/// Creates the table, its indexes and the table of paused queues if they are missing, and upgrades a
/// table of an older cascade in place (the columns it lacks, added with their defaults; the indexes of
/// this version made, the older claim indexes dropped). Every statement is "if (not) exists": running
/// it again is safe.
inline void install_with_partial_indexes(soci::session& sql, partial_index_ddl const& ddl, std::string const& table,
                                         std::string const& paused) {
    sql << "CREATE TABLE IF NOT EXISTS " + table + " (" + std::string(ddl.id_column) +
               ", name TEXT NOT NULL, payload TEXT NOT NULL, dedup_key TEXT NOT NULL,"
               " state TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'running', 'done', 'dead')),"
               " attempts INTEGER NOT NULL DEFAULT 0,"
               " max_attempts INTEGER NOT NULL, run_at BIGINT NOT NULL, locked_by TEXT, locked_until BIGINT,"
               " last_error TEXT, errors TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL, finished_at BIGINT," +
               columns_added_later[0].definition + ", " + columns_added_later[1].definition + ")";
    for (auto const& c : columns_added_later) {
        if (ddl.has_column(sql, table, c.name)) continue;
        sql << "ALTER TABLE " + table + " ADD COLUMN " + std::string(ddl.add_column_if_not_exists) + c.definition;
    }
    sql << "CREATE TABLE IF NOT EXISTS " + paused + " (queue TEXT PRIMARY KEY, paused_at BIGINT NOT NULL)";
    // Deduplication: one live job per (job, owner, batch).
    sql << "CREATE UNIQUE INDEX IF NOT EXISTS " + table + "_live_dedup ON " + table + " (dedup_key) WHERE state IN ('ready', 'running')";
    // Claims walk these in order and stop after n rows, whatever the backlog: the ready rows by priority
    // and run time (all queues, or one queue at a time), the running rows by lease; retention walks the
    // done rows by finish time. PostgreSQL cuts names at 63 bytes and a table name may have 60: every
    // suffix differs in its first three bytes (_li _cl _qu _le _fi _pa).
    sql << "CREATE INDEX IF NOT EXISTS " + table + "_due ON " + table + " (priority, run_at, id) WHERE state = 'ready'";
    sql << "CREATE INDEX IF NOT EXISTS " + table + "_queue_claim ON " + table + " (queue, priority, run_at, id) WHERE state = 'ready'";
    sql << "CREATE INDEX IF NOT EXISTS " + table + "_lease ON " + table + " (locked_until) WHERE state = 'running'";
    sql << "CREATE INDEX IF NOT EXISTS " + table + "_finished ON " + table + " (finished_at) WHERE state = 'done'";
    // The claim indexes of earlier versions: nothing reads them now, every write paid for them.
    sql << "DROP INDEX IF EXISTS " + table + "_claim";
    sql << "DROP INDEX IF EXISTS " + table + "_ready";
}

}  // namespace cascade::detail
