#pragma once
// What cascade asks of a SOCI session beyond running statements: its SQL dialect, whether it is inside
// a transaction (libpq's transaction status, SQLite's autocommit flag), and what an error means: "run
// the transaction again" (a deadlock or a serialization failure on PostgreSQL), "gave up waiting for a
// lock", "a foreign key refused it".
#include <cascade/errors.hpp>
#include <cascade/sql/dialect.hpp>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <exception>
#include <optional>
#include <string>

namespace cascade::detail {

/// The dialect of the session's backend; other backends are refused.
inline sql::dialect dialect_of(soci::session& sql) {
    std::string const name = sql.get_backend_name();
    if (name == "postgresql") return sql::dialect::postgresql;
    if (name == "sqlite3") return sql::dialect::sqlite;
    throw unsupported_backend(name);
}

/// True when the session is inside a transaction (its own BEGIN, a soci::transaction, ours).
inline bool in_transaction(soci::session& sql) {
    if (dialect_of(sql) == sql::dialect::postgresql) {
        auto* backend = static_cast<soci::postgresql_session_backend*>(sql.get_backend());
        return PQtransactionStatus(backend->conn_) != PQTRANS_IDLE;
    }
    auto* backend = static_cast<soci::sqlite3_session_backend*>(sql.get_backend());
    return ::sqlite_api::sqlite3_get_autocommit(backend->conn_) == 0;
}

/// A deadlock (40P01) or a serialization failure (40001): the transaction may succeed if run again.
inline bool retryable(std::exception_ptr const& e) {
    try {
        std::rethrow_exception(e);
    } catch (soci::postgresql_soci_error const& x) {
        std::string const state = x.sqlstate();
        return state == "40P01" || state == "40001";
    } catch (...) {
        return false;
    }
}

/// How a statement gave up waiting, if it did. `lock`: it could not get a lock within the session's
/// bound (PostgreSQL's lock_timeout, SQLSTATE 55P03; SQLite's busy timeout, SQLITE_BUSY or
/// SQLITE_LOCKED): another session holds the table (VACUUM FULL, LOCK TABLE, a long write).
/// `time`: PostgreSQL cancelled it (statement_timeout or a cancel request, 57014).
enum class gave_up { no, lock, time };
inline gave_up how_it_gave_up(std::exception_ptr const& e) {
    try {
        std::rethrow_exception(e);
    } catch (soci::postgresql_soci_error const& x) {
        std::string const state = x.sqlstate();
        if (state == "55P03") return gave_up::lock;
        if (state == "57014") return gave_up::time;
        return gave_up::no;
    } catch (soci::sqlite3_soci_error const& x) {
        int const primary = x.result() & 0xff;
        return primary == 5 /* SQLITE_BUSY */ || primary == 6 /* SQLITE_LOCKED */ ? gave_up::lock : gave_up::no;
    } catch (...) {
        return gave_up::no;
    }
}

/// A foreign key violation (PostgreSQL 23503, SQLite's SQLITE_CONSTRAINT_FOREIGNKEY): the constraint's
/// name and the referring table when the database says them (PostgreSQL's message does; SQLite's
/// "FOREIGN KEY constraint failed" does not).
struct foreign_key_refusal {
    std::string constraint, table;
    std::string deleted;  ///< the table whose delete was refused ("" when not said, or not a delete)
    bool unknown_statement = true;  ///< SQLite: no telling whether a delete or an insert was refused
};
inline std::optional<foreign_key_refusal> foreign_key_refused(std::exception_ptr const& e) {
    // `update or delete on table "authors" violates foreign key constraint "books_author_id_fkey" on
    // table "books"`: the constraint, then the table whose rows refer.
    auto quoted_after = [](std::string const& text, std::string const& lead, std::size_t from) {
        auto const at = text.find(lead, from);
        if (at == std::string::npos) return std::pair<std::string, std::size_t>{};
        auto const open = at + lead.size();
        auto const close = text.find('"', open);
        if (close == std::string::npos) return std::pair<std::string, std::size_t>{};
        return std::pair<std::string, std::size_t>{text.substr(open, close - open), close};
    };
    try {
        std::rethrow_exception(e);
    } catch (soci::postgresql_soci_error const& x) {
        if (x.sqlstate() != "23503") return std::nullopt;
        std::string const text = x.what();
        auto const constraint = quoted_after(text, "foreign key constraint \"", 0);
        auto const table = quoted_after(text, "on table \"", constraint.second);
        foreign_key_refusal r{constraint.first, constraint.second ? table.first : std::string(), {}, false};
        if (text.find("update or delete on table \"") != std::string::npos)
            r.deleted = quoted_after(text, "update or delete on table \"", 0).first;
        return r;
    } catch (soci::sqlite3_soci_error const& x) {
        if (std::string(x.what()).find("FOREIGN KEY constraint failed") == std::string::npos) return std::nullopt;
        return foreign_key_refusal{};
    } catch (...) {
        return std::nullopt;
    }
}

}  // namespace cascade::detail
