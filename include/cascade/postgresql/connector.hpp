#pragma once
// PostgreSQL's connector: its dialect and the facts of its sessions (libpq's transaction status, the
// SQLSTATEs of a deadlock, a serialization failure, a lock timeout, a cancel and a foreign-key
// refusal, whose message names the constraint and the tables). Included, it registers.
#include <cascade/postgresql/dialect.hpp>
#include <cascade/soci/detail/session.hpp>

#include <soci/postgresql/soci-postgresql.h>

#include <utility>

namespace cascade::postgresql {

inline bool in_transaction(soci::session& sql) {
    auto* backend = static_cast<soci::postgresql_session_backend*>(sql.get_backend());
    return PQtransactionStatus(backend->conn_) != PQTRANS_IDLE;
}

/// A deadlock (40P01) or a serialization failure (40001).
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

/// lock_timeout (55P03); statement_timeout or a cancel request (57014).
inline detail::gave_up how_it_gave_up(std::exception_ptr const& e) {
    try {
        std::rethrow_exception(e);
    } catch (soci::postgresql_soci_error const& x) {
        std::string const state = x.sqlstate();
        if (state == "55P03") return detail::gave_up::lock;
        if (state == "57014") return detail::gave_up::time;
        return detail::gave_up::no;
    } catch (...) {
        return detail::gave_up::no;
    }
}

/// 23503: `update or delete on table "authors" violates foreign key constraint "books_author_id_fkey" on
/// table "books"`: the constraint, then the table whose rows refer.
inline std::optional<detail::foreign_key_refusal> foreign_key_refused(std::exception_ptr const& e) {
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
        detail::foreign_key_refusal r{constraint.first, constraint.second ? table.first : std::string(), {}, false};
        if (text.find("update or delete on table \"") != std::string::npos)
            r.deleted = quoted_after(text, "update or delete on table \"", 0).first;
        return r;
    } catch (...) {
        return std::nullopt;
    }
}

inline detail::connector const connector{dialect, &in_transaction, &retryable, &how_it_gave_up, &foreign_key_refused};
inline detail::connector_registration const registered{connector};

}  // namespace cascade::postgresql
