#pragma once
// The statements of the cascade, each a type whose text() the compiler runs once; the text is frozen
// into the binary (detail::text_of). No I/O here.
#include <cascade/plan.hpp>
#include <cascade/sql/dialect.hpp>

#include <boost/hana/accessors.hpp>
#include <boost/hana/for_each.hpp>

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

/// One keyset page of the path's rows, every column: `... [AND key > :after] ORDER BY key LIMIT :n`.
template <class Path, bool After>
struct select_page {
    static constexpr std::string text() {
        using M = typename Path::model;
        int n = 0;
        std::string out = "SELECT ";
        append_columns<M>(out);
        out += " FROM ";
        append_identifier(out, M::table);
        out += where_clause<Path>(n);
        if constexpr (After) {
            out += " AND ";
            append_identifier(out, detail::primary_key_column<M>);
            out += " > ";
            append_placeholder(out, n);
        }
        out += " ORDER BY ";
        append_identifier(out, detail::primary_key_column<M>);
        out += " LIMIT ";
        append_placeholder(out, n);
        return out;
    }
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
