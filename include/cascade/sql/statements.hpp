#pragma once
// The statements of the cascade, each a type whose write() the compiler runs; the text is frozen
// into the binary (detail::text_of). No I/O here.
#include <cascade/plan.hpp>
#include <cascade/sql/dialect.hpp>

#include <boost/hana/accessors.hpp>
#include <boost/hana/for_each.hpp>

namespace cascade::sql {

/// Every column of a model, quoted and comma-separated: frozen once per model.
template <class M>
struct columns_of {
    static constexpr void write(auto& out) {
        bool first = true;
        boost::hana::for_each(boost::hana::accessors<typename M::type>(), [&](auto pair) {
            if (!first) out += ", ";
            first = false;
            append_identifier(out, boost::hana::to<char const*>(boost::hana::first(pair)));
        });
    }
};
template <class M>
constexpr void append_columns(auto& out) {
    out += detail::text_of<columns_of<M>>();
}

/// The statement's own copy of its path's condition, written from the parent's frozen condition
/// (a leaf path's condition is never frozen on its own).
template <class Path>
constexpr void append_where(auto& out, int& n) {
    out += " WHERE ";
    Path::where(out, n);
}

/// DELETE every row of the path.
template <class Path>
struct delete_rows {
    static constexpr void write(auto& out) {
        int n = 0;
        out += "DELETE FROM ";
        append_identifier(out, Path::model::table);
        append_where<Path>(out, n);
    }
};

/// Clear the foreign key (and the polymorphic type column; for through, the join's source key) of
/// every row of the path.
template <class Path>
struct nullify_rows {
    using E = typename Path::edge;
    static constexpr void write(auto& out) {
        int n = 0;
        out += "UPDATE ";
        append_identifier(out, Path::model::table);
        out += " SET ";
        if constexpr (E::through) {
            append_identifier(out, detail::column_name_v<E::source_member>);
            out += " = NULL";
        } else {
            append_identifier(out, E::fk_column);
            out += " = NULL";
            if constexpr (E::polymorphic) {
                out += ", ";
                append_identifier(out, detail::column_name_v<E::type_member>);
                out += " = NULL";
            }
        }
        append_where<Path>(out, n);
    }
};

/// The foreign key of one row of the path, if any: a restrict check that also names the owner.
template <class Path>
struct first_dependent {
    static constexpr void write(auto& out) {
        int n = 0;
        out += "SELECT ";
        append_identifier(out, Path::edge::fk_column);
        out += " FROM ";
        append_identifier(out, Path::model::table);
        append_where<Path>(out, n);
        out += " LIMIT 1";
    }
};

/// How many rows the path holds (the dry run).
template <class Path>
struct count_rows {
    static constexpr void write(auto& out) {
        int n = 0;
        out += "SELECT COUNT(*) FROM ";
        append_identifier(out, Path::model::table);
        append_where<Path>(out, n);
    }
};

/// Every row of the path, every column, by key: streamed in pages by the executor.
template <class Path>
struct select_all {
    static constexpr void write(auto& out) {
        using M = typename Path::model;
        int n = 0;
        out += "SELECT ";
        append_columns<M>(out);
        out += " FROM ";
        append_identifier(out, M::table);
        append_where<Path>(out, n);
        out += " ORDER BY ";
        append_identifier(out, detail::primary_key_column<M>);
    }
};

/// The keys of the path's rows, by key: `... [AND key > :after] ORDER BY key [LIMIT :n]`.
template <class Path, bool After, bool Limit>
struct select_keys {
    static constexpr void write(auto& out) {
        using M = typename Path::model;
        int n = 0;
        out += "SELECT ";
        append_identifier(out, detail::primary_key_column<M>);
        out += " FROM ";
        append_identifier(out, M::table);
        append_where<Path>(out, n);
        if constexpr (After) {
            out += " AND ";
            append_identifier(out, detail::primary_key_column<M>);
            out += " > ";
            append_placeholder(out, n);
        }
        out += " ORDER BY ";
        append_identifier(out, detail::primary_key_column<M>);
        if constexpr (Limit) {
            out += " LIMIT ";
            append_placeholder(out, n);
        }
    }
};

/// The first key, last key and size of the next page of the path's keys, in one row:
/// `SELECT MIN(k), MAX(k), COUNT(*) FROM (SELECT k ... [AND k > :after] ORDER BY k LIMIT :n) page`.
template <class Path, bool After>
struct select_key_range {
    static constexpr void write(auto& out) {
        using M = typename Path::model;
        out += "SELECT MIN(";
        append_identifier(out, detail::primary_key_column<M>);
        out += "), MAX(";
        append_identifier(out, detail::primary_key_column<M>);
        out += "), COUNT(*) FROM (";
        out += detail::text_of<select_keys<Path, After, true>>();
        out += ") page";
    }
};

/// A server-side cursor over every row of the path, by key (PostgreSQL): the rows stream in pages
/// from one sorted scan, where keyset pages would each scan the whole set again. Its name is made
/// from the statement, so nested cursors of a plan never share one.
template <class Path>
struct cursor_name {
    static constexpr void write(auto& out) {
        detail::hash_writer h;
        h += detail::text_of<select_all<Path>>();
        out += "\"cascade_";
        for (int i = 0; i < 16; ++i) out += "0123456789abcdef"[(h.hash >> (60 - 4 * i)) & 0xf];
        out += '"';
    }
};
template <class Path>
struct declare_cursor {
    static constexpr void write(auto& out) {
        out += "DECLARE ";
        out += detail::text_of<cursor_name<Path>>();
        out += " NO SCROLL CURSOR FOR ";
        out += detail::text_of<select_all<Path>>();
    }
};
template <class Path>
struct close_cursor {
    static constexpr void write(auto& out) {
        out += "CLOSE ";
        out += detail::text_of<cursor_name<Path>>();
    }
};

/// Finds the root row and, on PostgreSQL, locks it for the transaction so that no dependent can be
/// added under it while the cascade runs.
template <class Path, dialect D>
struct lock_root {
    static constexpr void write(auto& out) {
        int n = 0;
        out += "SELECT ";
        append_identifier(out, detail::primary_key_column<typename Path::model>);
        out += " FROM ";
        append_identifier(out, Path::model::table);
        append_where<Path>(out, n);
        if constexpr (D == dialect::postgresql) out += " FOR UPDATE";
    }
};

}  // namespace cascade::sql
