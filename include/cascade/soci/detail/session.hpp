#pragma once
// What cascade asks of a SOCI session beyond running statements, answered by the session's connector:
// its SQL dialect, whether it is inside a transaction, and what an error means ("run the transaction
// again", "gave up waiting for a lock", "a foreign key refused it"). Each database's connector
// (cascade/<database>/connector.hpp) registers itself when its header is included; a session whose
// backend has none is refused with unsupported_backend, naming the ones this program has.
#include <cascade/detail/registry.hpp>
#include <cascade/errors.hpp>
#include <cascade/sql/dialect.hpp>

#include <soci/soci.h>

#include <exception>
#include <optional>
#include <string>

namespace cascade::detail {

/// How a statement gave up waiting, if it did. `lock`: it could not get a lock within the session's
/// bound (another session holds the table: VACUUM FULL, LOCK TABLE, a long write). `time`: the
/// database cancelled it (a statement timeout or a cancel request).
enum class gave_up { no, lock, time };

/// A foreign key violation: the constraint's name and the referring table when the database says them
/// (PostgreSQL's and MariaDB's messages do; SQLite's "FOREIGN KEY constraint failed" does not).
struct foreign_key_refusal {
    std::string constraint, table;
    std::string deleted;  ///< the table whose delete was refused ("" when not said, or not a delete)
    bool unknown_statement = true;  ///< SQLite: no telling whether a delete or an insert was refused
};

/// One database's connector: its SQL and the facts of its sessions. A constant per database.
struct connector {
    sql::dialect_traits const& dialect;
    bool (*in_transaction)(soci::session&);
    /// Each classifier answers for its own backend's errors and says no to any other.
    bool (*retryable)(std::exception_ptr const&);
    gave_up (*how_it_gave_up)(std::exception_ptr const&);
    std::optional<foreign_key_refusal> (*foreign_key_refused)(std::exception_ptr const&);
};

inline std::string_view backend_of(connector const& c) { return c.dialect.backend; }
/// The connectors this program has: those whose headers it includes (registered before main).
using connectors = registry<connector, &backend_of, sql::max_dialects>;

/// Registers a connector: a connector header defines one of these as an inline variable.
struct connector_registration {
    explicit connector_registration(connector const& c) { connectors::all().add(c); }
};

/// The connector of the session's backend; unsupported_backend if this program has none for it.
inline connector const& connector_of(soci::session& sql) {
    std::string const name = sql.get_backend_name();
    if (connector const* c = connectors::all().find(name)) return *c;
    throw unsupported_backend(name, connectors::all().names());
}

/// The dialect of the session's backend.
inline sql::dialect dialect_of(soci::session& sql) { return connector_of(sql).dialect; }

/// True when the session is inside a transaction (its own BEGIN, a soci::transaction, ours).
inline bool in_transaction(soci::session& sql) { return connector_of(sql).in_transaction(sql); }

/// A deadlock or a serialization failure: the transaction may succeed if run again.
inline bool retryable(std::exception_ptr const& e) {
    for (connector const* c : connectors::all())
        if (c->retryable(e)) return true;
    return false;
}

inline gave_up how_it_gave_up(std::exception_ptr const& e) {
    for (connector const* c : connectors::all())
        if (gave_up const g = c->how_it_gave_up(e); g != gave_up::no) return g;
    return gave_up::no;
}

inline std::optional<foreign_key_refusal> foreign_key_refused(std::exception_ptr const& e) {
    for (connector const* c : connectors::all())
        if (auto r = c->foreign_key_refused(e)) return r;
    return std::nullopt;
}

}  // namespace cascade::detail
