#pragma once
// SQLite's connector: its dialect and the facts of its sessions (autocommit flag, busy and locked
// errors, the foreign-key refusal, which names neither constraint nor table). Included, it registers.
#include <cascade/soci/detail/session.hpp>
#include <cascade/sqlite/dialect.hpp>

#include <soci/sqlite3/soci-sqlite3.h>

namespace cascade::sqlite {

inline bool in_transaction(soci::session& sql) {
    auto* backend = static_cast<soci::sqlite3_session_backend*>(sql.get_backend());
    return ::sqlite_api::sqlite3_get_autocommit(backend->conn_) == 0;
}

/// SQLite has no deadlocks to retry: a writer waits for the lock (its busy timeout) or gives up.
inline bool retryable(std::exception_ptr const&) { return false; }

inline detail::gave_up how_it_gave_up(std::exception_ptr const& e) {
    try {
        std::rethrow_exception(e);
    } catch (soci::sqlite3_soci_error const& x) {
        int const primary = x.result() & 0xff;
        return primary == 5 /* SQLITE_BUSY */ || primary == 6 /* SQLITE_LOCKED */ ? detail::gave_up::lock : detail::gave_up::no;
    } catch (...) {
        return detail::gave_up::no;
    }
}

inline std::optional<detail::foreign_key_refusal> foreign_key_refused(std::exception_ptr const& e) {
    try {
        std::rethrow_exception(e);
    } catch (soci::sqlite3_soci_error const& x) {
        if (std::string(x.what()).find("FOREIGN KEY constraint failed") == std::string::npos) return std::nullopt;
        return detail::foreign_key_refusal{};
    } catch (...) {
        return std::nullopt;
    }
}

inline detail::connector const connector{dialect, &in_transaction, &retryable, &how_it_gave_up, &foreign_key_refused};
inline detail::connector_registration const registered{connector};

}  // namespace cascade::sqlite
