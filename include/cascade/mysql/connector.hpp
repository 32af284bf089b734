#pragma once
// MariaDB's (and MySQL's) connector: its dialect and the facts of its sessions (whether a transaction
// is open, asked of the server, error 1213 (deadlock) to retry, 1205 (lock wait timeout) and 1969 or
// 3024 (max_statement_time) to give up on, 1451 a foreign-key refusal naming the constraint and the
// tables). Included, it registers.
#include <cascade/mysql/dialect.hpp>
#include <cascade/soci/detail/session.hpp>

#include <soci/mysql/soci-mysql.h>

namespace cascade::mysql {

/// Asked of the server: the client library's status flag comes with OK replies only, so after an error
/// (a deadlock that rolled the transaction back) it still says "in a transaction".
inline bool in_transaction(soci::session& sql) {
    int open = 0;
    sql << "SELECT @@in_transaction", soci::into(open);
    return open != 0;
}

inline unsigned error_number(std::exception_ptr const& e) {
    try {
        std::rethrow_exception(e);
    } catch (soci::mysql_soci_error const& x) {
        return x.err_num_;
    } catch (...) {
        return 0;
    }
}

/// ER_LOCK_DEADLOCK: InnoDB rolled the whole transaction back.
inline bool retryable(std::exception_ptr const& e) { return error_number(e) == 1213; }

/// ER_LOCK_WAIT_TIMEOUT (innodb_lock_wait_timeout; only the statement is rolled back, so cascade rolls
/// back the rest); ER_STATEMENT_TIMEOUT (MariaDB 1969) or MySQL's 3024: max_statement_time.
inline detail::gave_up how_it_gave_up(std::exception_ptr const& e) {
    switch (error_number(e)) {
        case 1205: return detail::gave_up::lock;
        case 1969:
        case 3024: return detail::gave_up::time;
        default: return detail::gave_up::no;
    }
}

/// ER_ROW_IS_REFERENCED_2 (1451): `Cannot delete or update a parent row: a foreign key constraint fails
/// (`db`.`books`, CONSTRAINT `books_ibfk_1` FOREIGN KEY (`author_id`) REFERENCES `authors` (`id`))`:
/// the referring table, the constraint, the referred table, each quoted as the session's sql_mode
/// quotes identifiers. ER_NO_REFERENCED_ROW_2 (1452) is an insert or update that refers to no row.
inline std::optional<detail::foreign_key_refusal> foreign_key_refused(std::exception_ptr const& e) {
    std::string text;
    unsigned number = 0;
    try {
        std::rethrow_exception(e);
    } catch (soci::mysql_soci_error const& x) {
        number = x.err_num_;
        text = x.what();
    } catch (...) {
        return std::nullopt;
    }
    if (number != 1451 && number != 1452) return std::nullopt;
    // A name quoted as the session's sql_mode quotes it (`name`, or "name" under ANSI_QUOTES), from `at`;
    // the quote character inside a name is doubled.
    auto quoted = [&](std::size_t at) {
        if (at >= text.size() || (text[at] != '`' && text[at] != '"')) return std::pair<std::string, std::size_t>{{}, std::string::npos};
        char const q = text[at];
        std::string name;
        for (std::size_t i = at + 1; i < text.size(); ++i) {
            if (text[i] != q) {
                name += text[i];
            } else if (i + 1 < text.size() && text[i + 1] == q) {
                name += q;
                ++i;
            } else {
                return std::pair<std::string, std::size_t>{name, i + 1};
            }
        }
        return std::pair<std::string, std::size_t>{{}, std::string::npos};
    };
    auto after = [&](std::string_view lead, std::size_t from) {
        if (from == std::string::npos) return std::pair<std::string, std::size_t>{{}, std::string::npos};
        auto const at = text.find(lead, from);
        return at == std::string::npos ? std::pair<std::string, std::size_t>{{}, std::string::npos} : quoted(at + lead.size());
    };
    detail::foreign_key_refusal r;
    r.unknown_statement = false;
    // "fails (`db`.`books`, ": the second quoted name is the referring table.
    auto const db = after("fails (", 0);
    auto const table = db.second == std::string::npos || db.second >= text.size() || text[db.second] != '.'
                           ? std::pair<std::string, std::size_t>{{}, std::string::npos}
                           : quoted(db.second + 1);
    auto const constraint = after("CONSTRAINT ", table.second);
    auto const referred = after("REFERENCES ", constraint.second);
    r.table = table.first;
    r.constraint = constraint.first;
    if (number == 1451) r.deleted = referred.first;
    return r;
}

inline detail::connector const connector{dialect, &in_transaction, &retryable, &how_it_gave_up, &foreign_key_refused};
inline detail::connector_registration const registered{connector};

}  // namespace cascade::mysql
