#pragma once
// The statements of the cascade, each a type whose text() the compiler runs once; the text is frozen
// into the binary (detail::text_of). No I/O here.
#include <cascade/plan.hpp>
#include <cascade/sql/dialect.hpp>

#include <boost/hana/accessors.hpp>
#include <boost/hana/for_each.hpp>

#include <cstdint>

namespace cascade::sql {

template <class M>
constexpr void append_columns(std::string& out) {
    bool first = true;
    boost::hana::for_each(boost::hana::accessors<typename M::type>(), [&](auto pair) {
        if (!first) out += ", ";
        first = false;
        append_identifier(out, boost::hana::to<char const*>(boost::hana::first(pair)));
    });
}

template <class Path>
constexpr std::string where_clause(int& n) {
    std::string out = " WHERE ";
    Path::where(out, n);
    return out;
}

/// DELETE every row of the path.
template <class Path>
struct delete_rows {
    static constexpr std::string text() {
        int n = 0;
        std::string out = "DELETE FROM ";
        append_identifier(out, Path::model::table);
        return out + where_clause<Path>(n);
    }
};

/// Clear the foreign key (and the polymorphic type column; for through, the join's source key) of
/// every row of the path.
template <class Path>
struct nullify_rows {
    using E = typename Path::edge;
    static constexpr std::string text() {
        int n = 0;
        std::string out = "UPDATE ";
        append_identifier(out, Path::model::table);
        out += " SET ";
        if constexpr (E::through) {
            append_identifier(out, detail::member_name<E::source_member>());
            out += " = NULL";
        } else {
            append_identifier(out, E::fk_column);
            out += " = NULL";
            if constexpr (E::polymorphic) {
                out += ", ";
                append_identifier(out, detail::member_name<E::type_member>());
                out += " = NULL";
            }
        }
        return out + where_clause<Path>(n);
    }
};

/// The foreign key of one row of the path, if any: a restrict check that also names the owner.
template <class Path>
struct first_dependent {
    static constexpr std::string text() {
        int n = 0;
        std::string out = "SELECT ";
        append_identifier(out, Path::edge::fk_column);
        out += " FROM ";
        append_identifier(out, Path::model::table);
        return out + where_clause<Path>(n) + " LIMIT 1";
    }
};

/// How many rows the path holds (the dry run).
template <class Path>
struct count_rows {
    static constexpr std::string text() {
        int n = 0;
        std::string out = "SELECT COUNT(*) FROM ";
        append_identifier(out, Path::model::table);
        return out + where_clause<Path>(n);
    }
};

/// Every row of the path, every column, by key: streamed in pages by the executor.
template <class Path>
struct select_all {
    static constexpr std::string text() {
        using M = typename Path::model;
        int n = 0;
        std::string out = "SELECT ";
        append_columns<M>(out);
        out += " FROM ";
        append_identifier(out, M::table);
        out += where_clause<Path>(n);
        out += " ORDER BY ";
        append_identifier(out, detail::primary_key_column<M>);
        return out;
    }
};

/// A server-side cursor over every row of the path, by key (PostgreSQL): the rows stream in pages
/// from one sorted scan, where keyset pages would each scan the whole set again. Its name is made
/// from the statement, so nested cursors of a plan never share one.
template <class Path>
struct cursor_name {
    static constexpr std::string text() {
        std::string body = select_all<Path>::text();
        std::uint64_t h = 1469598103934665603ull;
        for (char ch : body) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
        std::string out = "\"cascade_";
        for (int i = 0; i < 16; ++i) out += "0123456789abcdef"[(h >> (60 - 4 * i)) & 0xf];
        return out + "\"";
    }
};
template <class Path>
struct declare_cursor {
    static constexpr std::string text() {
        return "DECLARE " + cursor_name<Path>::text() + " NO SCROLL CURSOR FOR " + select_all<Path>::text();
    }
};
template <class Path>
struct close_cursor {
    static constexpr std::string text() { return "CLOSE " + cursor_name<Path>::text(); }
};

/// Finds the root row and, on PostgreSQL, locks it for the transaction so that no dependent can be
/// added under it while the cascade runs.
template <class Path, dialect D>
struct lock_root {
    static constexpr std::string text() {
        int n = 0;
        std::string out = "SELECT ";
        append_identifier(out, detail::primary_key_column<typename Path::model>);
        out += " FROM ";
        append_identifier(out, Path::model::table);
        out += where_clause<Path>(n);
        if constexpr (D == dialect::postgresql) out += " FOR UPDATE";
        return out;
    }
};

}  // namespace cascade::sql
