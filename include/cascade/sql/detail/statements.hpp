#pragma once
// The SQL of a plan: every statement its steps run, written once per plan and dialect from the plan and
// the schema's constant data, and kept for the life of the process (no destroy builds SQL again).
// Each set of rows is a common table expression, "s<node>"(k, via): the keys of the rows that go and
// the association that reached each (for destroyed_by_association). A statement names the sets it
// reads; its WITH clause holds those and the sets they read, in dependency order. A set reached by a
// cycle is recursive (WITH RECURSIVE ... UNION), which terminates on any data: each (key, association)
// pair is produced once.
#include <cascade/detail/plan.hpp>
#include <cascade/sql/dialect.hpp>

namespace cascade::sql {

using detail::edge_data;
using detail::graph;
using detail::plan;
using detail::plan_step;
using detail::root_spec;
using detail::scope_data;
using detail::step_kind;
using cascade::policy_action;

/// The statements of one step. `main` is what destroy runs; `count` what the dry run runs instead
/// (removes and nullifies); `snapshot` the rows of a remove read again after the delete (after_destroy).
struct step_sql {
    statement main;
    statement count;
    statement snapshot;
    /// remove of a set whose rows are loaded: the DELETE and the snapshot of exactly the rows loaded,
    /// their keys bound at :e0 (the set's condition kept in the snapshot for the association of each).
    statement by_keys;
    statement snapshot_by_keys;
    /// removes and nullifies: the keys of the rows they would take, which a tracked dry run reads where
    /// the plain one counts.
    statement keys;
    /// remove of a tree (a recursive set of one model): the rows of the set none of whose children
    /// (through the model's own destroy associations) is in it, by the set or (`leaves_by_keys`) by
    /// the keys at :e0. Run until nothing is left when the database checks a key per row inside one
    /// statement (SQLite's ON DELETE RESTRICT): children before parents.
    statement leaves;
    statement leaves_by_keys;
    std::vector<statement> members;  ///< capture_keys: each member's keys, in group order
};

/// The statements of a plan in one dialect.
struct plan_sql {
    statement find_root;          ///< how many root rows there are; locks them on PostgreSQL
    statement find_root_unlocked; ///< the same without locks (dry run)
    std::vector<step_sql> steps;  ///< one per plan step
    statement first_row;          ///< a root key, if any (LIMIT 1): does a job have work?
    statement root_keys;          ///< every root key, in order (a job's snapshot of ids)
    statement batch_keys;         ///< the root keys within the root's bounds, in order (a batch run row by row)
    statement next_range;         ///< MIN, MAX, COUNT of the next :e1 root keys (range plans)
    statement next_range_after;   ///< the same after key :e0
    statement next_range_upto;    ///< next_range among the keys up to :e2 (a range job's end)
    statement next_range_after_upto;  ///< next_range_after among the keys up to :e2
    statement last_key;           ///< the greatest root key, if any (where a range walk ends)
};

/// How many owners a restriction names at most (destroy_result::errors); the rest are counted.
inline constexpr std::size_t restricted_listed = 100;

/// A finished statement in dialect d: identifiers in its quotes, and a recursive statement prefixed
/// as the dialect asks (MariaDB stops recursion after max_recursive_iterations, 1000 levels by
/// default, unless the statement raises it).
inline statement complete(writer const& w, dialect d) {
    statement s = w.finish(d->quote);
    if (!d->recursive_prefix.empty() && s.text.find("WITH RECURSIVE ") != std::string::npos)
        s.text.insert(0, d->recursive_prefix);
    return s;
}

/// What a statement that reads a set's rows is for: a load (locked as read when the set has dependents:
/// parents before children), or the rows after_destroy will hear, read before the DELETE (by the set, or
/// by the keys that were loaded).
enum class row_read : unsigned char { load, load_locked, snapshot, snapshot_by_keys };
/// A belongs_to edge's targets: deleted, or (a dry run) their keys read.
enum class target_statement : unsigned char { remove, keys };

/// What a plan's statements are written for: running them, or a dry run that tracks the rows it would
/// take (no locks it does not need).
enum class written_for { run, tracked_dry_run };

class plan_writer {
public:
    /// `purpose`: the statements of a run, or of a tracked dry run (see untaken).
    plan_writer(plan const& p, dialect d, written_for purpose = written_for::run)
        : p_(p), g_(*p.g), d_(d), tracking_(purpose == written_for::tracked_dry_run) {}

    plan_sql write() {
        plan_sql out;
        out.find_root = find_root(true);
        out.find_root_unlocked = find_root(false);
        for (auto const& s : p_.steps) out.steps.push_back(step(s));
        out.first_row = first_row();
        out.root_keys = root_keys();
        out.batch_keys = root_key_query("", "", true);
        out.next_range = next_range(false, false);
        out.next_range_after = next_range(true, false);
        out.next_range_upto = next_range(false, true);
        out.next_range_after_upto = next_range(true, true);
        out.last_key = last_key();
        return out;
    }

    /// `SELECT DISTINCT b."column"` of the root's rows (not NULL), in order, after :e0 when `after`,
    /// at most :e1 of them: the targets a destroy_async_targets job reads through its join rows.
    statement distinct_values(std::string_view column, bool after) {
        auto const& m = g_.model(p_.root.model);
        writer w;
        w += "SELECT DISTINCT ";
        w.column("b", column);
        w += " FROM ";
        w.id(m.table);
        w += " b WHERE ";
        root_condition(w, "b", false);
        w += " AND ";
        w.column("b", column);
        w += " IS NOT NULL";
        if (after) {
            w += " AND ";
            w.column("b", column);
            w += " > ";
            w.value({param::source::extra, 0});
        }
        w += " ORDER BY ";
        w.column("b", column);
        w += " LIMIT ";
        w.value({param::source::extra, 1});
        return complete(w, d_);
    }

    /// A belongs_to edge's targets, deleted without callbacks (delete_), by the list bound at :e0; or,
    /// for the dry run, their keys.
    static statement remove_targets(graph const& g, edge_data const& e, dialect d, target_statement what) {
        bool const keys = what == target_statement::keys;
        auto const& target = g.model(e.target);
        writer cond;
        in_list(cond, d, "t0", e.ref, e.ref_tag, {param::source::extra, 0});
        for (auto const& s : g.scopes_of(e)) {
            cond += " AND ";
            cond.column("t0", s.column);
            cond += " = ";
            cond.value({param::source::constant, s.constant});
        }
        if (!keys) return delete_rows(d, target, cond);
        return complete(rows_of(target, "t0.\"" + std::string(target.key) + "\"", cond), d);
    }

private:
    // ---- the sets ----------------------------------------------------------------------------------

    /// A node written in place rather than as a CTE: one input, no recursion. A chain of such nodes is
    /// nested subqueries, as a person would write it; a CTE is kept for a set reached along several
    /// associations (written once, however many sets read it) and for recursion.
    bool inline_node(int n) const {
        auto const& node = p_.node(n);
        return node.group < 0 && node.inputs == 1 && !(n == 0 && !p_.root_inline());
    }

    /// Node n's set as a condition on `alias` (a row of the node's model).
    void in_set(writer& w, int n, std::string_view alias, std::vector<bool>& needed) {
        auto const& m = p_.model_of(n);
        if (n == 0 && p_.root_inline()) {
            w += "(";
            root_condition(w, alias, true);
            untaken(w, p_.node(n).model, alias);
            w += ")";
            return;
        }
        if (inline_node(n)) {
            auto const& in = p_.inputs_of(n).front();
            w += "(";
            reached_by(w, g_.edge(in.edge), in.from, alias, needed);
            untaken(w, p_.node(n).model, alias);
            w += ")";
            return;
        }
        needed[static_cast<std::size_t>(n)] = true;
        w.column(alias, m.key);
        w += " IN (SELECT k FROM ";
        w.id(set_name(n));
        w += ")";
    }
    /// `AND NOT EXISTS (a row of node n's set with alias's key)`: the row is not in the set (a NULL
    /// foreign key is not in it either).
    void not_in_set(writer& w, int n, std::string_view alias, std::vector<bool>& needed) {
        auto const& m = p_.model_of(n);
        w += " AND NOT EXISTS (SELECT 1 FROM ";
        w.id(m.table);
        w += " z WHERE ";
        w.column("z", m.key);
        w += " = ";
        w.column(alias, m.key);
        w += " AND ";
        in_set(w, n, "z", needed);
        w += ")";
    }
    std::string set_name(int n) const {
        // (appended, not `"x" + std::to_string(n)`: GCC 12 at -O2 warns -Wrestrict on that idiom)
        std::string out(p_.node(n).removed ? "x" : "s");
        out += std::to_string(n);
        return out;
    }

    /// The root's rows: its condition on `alias`. `bounds`: with the key range or key list.
    void root_condition(writer& w, std::string_view alias, bool bounds) {
        root_spec const& r = p_.root;
        auto const& m = g_.model(r.model);
        bool first = true;
        auto const and_ = [&] {
            if (!first) w += " AND ";
            first = false;
        };
        if (!r.column.empty()) {
            and_();
            if (r.list) {
                in_list(w, d_, alias, r.column, tag_of(r.model, r.column), {param::source::root, 0});
            } else {
                w.column(alias, r.column);
                w += " = ";
                w.value({param::source::root, 0});
            }
        }
        if (r.edge >= 0) {
            auto const& e = g_.edge(r.edge);
            edge_filters(w, e, alias, first);
            if (r.guard) {
                and_();
                owner_gone(w, e, alias);
            }
        }
        for (auto const& s : r.scopes) {
            and_();
            w.column(alias, s.column);
            w += " = ";
            w.value({param::source::root_constant, s.constant});
        }
        if (bounds && r.bound == root_spec::bounds::range) {
            and_();
            w.column(alias, m.key);
            w += " >= ";
            w.value({param::source::root, 1});
            w += " AND ";
            w.column(alias, m.key);
            w += " <= ";
            w.value({param::source::root, 2});
        } else if (bounds && r.bound == root_spec::bounds::ids) {
            and_();
            in_list(w, d_, alias, m.key, m.key_tag, {param::source::root, 1});
        }
        if (first) w += "1 = 1";
    }

    /// `NOT EXISTS (the owner of the rows of edge e on alias)`: a job leaves every row whose owner exists,
    /// whatever it was told (a reused key, a forged payload). When every row holds the value :r0 in its
    /// foreign key, the check is one lookup per statement, not one per row.
    void owner_gone(writer& w, edge_data const& e, std::string_view alias) {
        root_spec const& r = p_.root;
        w += "NOT EXISTS (SELECT 1 FROM ";
        w.id(g_.model(e.owner).table);
        w += " o WHERE ";
        w.column("o", e.ref);
        w += " = ";
        if (r.column == e.fk && !r.list) w.value({param::source::root, 0});
        else w.column(alias, e.fk);
        w += ")";
    }

    /// An edge's own conditions on the rows it reaches (`alias` is a row of `acted`): the polymorphic
    /// type, and its scopes (on the target of a through: the join rows whose target is in scope).
    void edge_filters(writer& w, edge_data const& e, std::string_view alias, bool& first) {
        auto const and_ = [&] {
            if (!first) w += " AND ";
            first = false;
        };
        if (e.polymorphic) {
            and_();
            w.column(alias, e.type_column);
            w += " = ";
            w.value({param::source::constant, g_.model(e.owner).polymorphic_constant});
        }
        if (e.scopes == 0) return;
        if (e.kind == detail::association_kind::has_many_through) {
            auto const& target = g_.model(e.target);
            and_();
            w.column(alias, e.source);
            w += " IN (SELECT tt.";
            w.id(target.key);
            w += " FROM ";
            w.id(target.table);
            w += " tt WHERE 1 = 1";
            for (auto const& s : g_.scopes_of(e)) {
                w += " AND ";
                w.column("tt", s.column);
                w += " = ";
                w.value({param::source::constant, s.constant});
            }
            w += ")";
        } else {
            for (auto const& s : g_.scopes_of(e)) {
                and_();
                w.column(alias, s.column);
                w += " = ";
                w.value({param::source::constant, s.constant});
            }
        }
    }

    /// The rows edge e (has side) reaches from the rows of node `from`, as a condition on `alias`.
    void reached_by(writer& w, edge_data const& e, int from, std::string_view alias, std::vector<bool>& needed) {
        auto const& owner = p_.model_of(from);
        root_spec const& r = p_.root;
        bool const root_in_place = from == 0 && p_.root_inline();
        // A child of one root row by the root's own column: compared with the bound value itself (the
        // root row was found first). Not for a list of keys: a key that names no row would reach the
        // rows that still hold it (orphans, a dangling belongs_to), which are not this destroy's.
        bool const direct = root_in_place && r.edge < 0 && r.scopes.empty() && r.bound == root_spec::bounds::none &&
                            r.column == e.ref && !r.list;
        if (direct) {
            w.column(alias, e.fk);
            w += " = ";
            w.value({param::source::root, 0});
        } else if (e.ref == owner.key && !root_in_place && !inline_node(from)) {
            needed[static_cast<std::size_t>(from)] = true;
            w.column(alias, e.fk);
            w += " IN (SELECT k FROM ";
            w.id(set_name(from));
            w += ")";
        } else {
            std::string const inner = std::string(alias) == "r" ? "q" : "r";
            w.column(alias, e.fk);
            w += " IN (SELECT ";
            w.column(inner, e.ref);
            w += " FROM ";
            w.id(owner.table);
            w += " " + inner + " WHERE ";
            in_set(w, from, inner, needed);
            w += ")";
        }
        bool first = false;
        edge_filters(w, e, alias, first);
        uncleared(w, g_.index_of(e), alias);
    }

    /// Excludes the rows of `model` that this plan deletes (a nullify or a restriction spares them).
    void spared(writer& w, int model, std::string_view alias, std::vector<bool>& needed) {
        for (int n : {p_.destroyed_of[static_cast<std::size_t>(model)], p_.removed_of[static_cast<std::size_t>(model)]})
            if (n >= 0) not_in_set(w, n, alias, needed);
    }

    /// The input rows of node n: `SELECT key, via FROM ... WHERE ...` (for a group of several models,
    /// `SELECT n, key, via`). An input from within its own group is a recursive term (recursive_term).
    void input(writer& w, int n, detail::plan_input const& in, std::vector<bool>& needed, bool tagged) {
        auto const& m = p_.model_of(n);
        w += "SELECT ";
        if (tagged) {
            w.number(n);
            w += ", ";
        }
        w.column("b", m.key);
        w += ", ";
        w.number(in.edge);
        w += " FROM ";
        w.id(m.table);
        w += " b WHERE ";
        if (in.from < 0) root_condition(w, "b", true);
        else reached_by(w, g_.edge(in.edge), in.from, "b", needed);
        untaken(w, p_.node(n).model, "b");
    }

    /// One recursive term: the rows edge `in.edge` reaches from the group's rows `p` (alias of the
    /// recursive CTE) of node in.from, into node n.
    void recursive_term(writer& w, int n, detail::plan_input const& in, bool tagged, bool lateral) {
        auto const& e = g_.edge(in.edge);
        auto const& m = p_.model_of(n);
        auto const& from = p_.model_of(in.from);
        w += "SELECT ";
        if (tagged) {
            w.number(n);
            w += ", ";
        }
        w.column("b", m.key);
        w += ", ";
        w.number(in.edge);
        w += " FROM ";
        if (!lateral) {
            w += "\"";
            if (tagged) {
                w += "g";
                w += std::to_string(p_.node(n).group);
            } else {
                w += set_name(n);
            }
            w += "\" p, ";
        }
        w.id(m.table);
        w += " b";
        if (e.ref != from.key) {
            w += ", ";
            w.id(from.table);
            w += " r WHERE ";
            w.column("r", from.key);
            w += " = p.k AND ";
            w.column("b", e.fk);
            w += " = ";
            w.column("r", e.ref);
        } else {
            w += " WHERE ";
            w.column("b", e.fk);
            w += " = p.k";
        }
        if (tagged) {
            w += " AND p.m = ";
            w.number(in.from);
        }
        bool first = false;
        edge_filters(w, e, "b", first);
        untaken(w, p_.node(n).model, "b");
        uncleared(w, in.edge, "b");
    }

    /// The CTE of node n (or of its group, at the group's first member).
    void cte(writer& w, int n, std::vector<bool>& needed) {
        auto const& node = p_.node(n);
        w.id(set_name(n));
        w += "(k, via) AS (";
        if (node.group < 0) {
            bool first = true;
            for (auto const& in : p_.inputs_of(n)) {
                if (!first) w += " UNION ALL ";
                first = false;
                input(w, n, in, needed, false);
            }
            w += ")";
            return;
        }
        if (!p_.multi_group(node.group)) {
            group_body(w, {n}, needed, false);
            w += ")";
            return;
        }
        w += "SELECT k, via FROM \"g";
        w.number(node.group);
        w += "\" WHERE m = ";
        w.number(n);
        w += ")";
    }
    /// The recursive body of a group: every outside input, UNION, every input among the members.
    void group_body(writer& w, std::vector<int> const& members, std::vector<bool>& needed, bool tagged) {
        bool first = true;
        std::vector<std::pair<int, detail::plan_input>> recursive;
        for (int n : members)
            for (auto const& in : p_.inputs_of(n)) {
                if (in.from >= 0 && p_.node(in.from).group == p_.node(n).group) {
                    recursive.emplace_back(n, in);
                    continue;
                }
                if (!first) w += " UNION ALL ";
                first = false;
                input(w, n, in, needed, tagged);
            }
        if (d_->one_recursive_reference) {
            // PostgreSQL takes one recursive reference: the terms join the rows found so far laterally.
            w += " UNION SELECT x.";
            if (tagged) w += "m, x.";
            w += "k, x.via FROM ";
            w += tagged ? "\"g" + std::to_string(p_.node(members.front()).group) + "\"" : "\"" + set_name(members.front()) + "\"";
            w += " p CROSS JOIN LATERAL (";
            bool any = false;
            for (auto const& [n, in] : recursive) {
                if (any) w += " UNION ALL ";
                any = true;
                recursive_term(w, n, in, tagged, true);
            }
            w += tagged ? ") x(m, k, via)" : ") x(k, via)";
        } else {
            for (auto const& [n, in] : recursive) {
                w += " UNION ";
                recursive_term(w, n, in, tagged, false);
            }
        }
    }

    /// Prepends `WITH [RECURSIVE] ...` for every set `body` reads and the sets those read.
    statement with_sets(writer const& body, std::vector<bool> const& needed) {
        writer w = with_clause(needed);
        w.append(body);
        return complete(w, d_);
    }
    /// `WITH [RECURSIVE] ... ` for the sets `needed` and the sets those read (nothing when none).
    writer with_clause(std::vector<bool> needed) {
        // Writing a set can only add sets it reads: repeat until nothing is added.
        std::vector<writer> ctes(p_.nodes.size()), group_bodies(p_.groups.size());
        std::vector<bool> written(p_.nodes.size(), false), group_done(p_.groups.size(), false);
        for (bool grew = true; grew;) {
            grew = false;
            for (int n : p_.order) {
                auto const u = static_cast<std::size_t>(n);
                if (!needed[u] || written[u]) continue;
                written[u] = true;
                grew = true;
                int const g = p_.node(n).group;
                if (p_.multi_group(g) && !group_done[static_cast<std::size_t>(g)]) {
                    group_done[static_cast<std::size_t>(g)] = true;
                    auto const& members = p_.groups[static_cast<std::size_t>(g)].members;
                    group_body(group_bodies[static_cast<std::size_t>(g)], members, needed, true);
                }
                cte(ctes[u], n, needed);
            }
        }
        writer w;
        bool any = false, recursive = false;
        for (int n : p_.order)
            if (needed[static_cast<std::size_t>(n)] && p_.node(n).group >= 0) recursive = true;
        std::vector<bool> group_emitted(p_.groups.size(), false);
        for (int n : p_.order) {
            auto const u = static_cast<std::size_t>(n);
            if (!needed[u]) continue;
            w += any ? ", " : (recursive ? "WITH RECURSIVE " : "WITH ");
            any = true;
            int const g = p_.node(n).group;
            if (p_.multi_group(g) && !group_emitted[static_cast<std::size_t>(g)]) {
                group_emitted[static_cast<std::size_t>(g)] = true;
                w += "\"g";
                w.number(g);
                w += "\"(m, k, via) AS (";
                w.append(group_bodies[static_cast<std::size_t>(g)]);
                w += "), ";
            }
            w.append(ctes[u]);
        }
        if (any) w += " ";
        return w;
    }

    /// Deletes (no `set`) or updates (`set(w, alias)` writes the assignments) the rows of `m` that `cond`
    /// finds on alias t0, reading the sets of `with`. MariaDB takes no WITH before a DELETE or UPDATE, nor
    /// an alias on a one-table DELETE: there the target joins a derived table of the keys, which holds
    /// the WITH (and is read whole before a row is written, so a set may read the table it deletes from).
    template <class Set>
    static statement write_rows(dialect d, detail::model_data const& m, Set const* set, writer const& cond, writer const& with) {
        writer w;
        if (d->with_before_writes) {
            w.append(with);
            w += set ? "UPDATE " : "DELETE FROM ";
            w.id(m.table);
            w += " AS t0";
            if (set) {
                w += " SET ";
                (*set)(w, "");
            }
            w += " WHERE ";
            w.append(cond);
        } else {
            w += set ? "UPDATE " : "DELETE d0 FROM ";
            w.id(m.table);
            w += " AS d0 JOIN (";
            w.append(with);
            w += "SELECT ";
            w.column("t0", m.key);
            w += " AS k FROM ";
            w.id(m.table);
            w += " AS t0 WHERE ";
            w.append(cond);
            w += ") AS d ON ";
            w.column("d0", m.key);
            w += " = d.k";
            if (set) {
                w += " SET ";
                (*set)(w, "d0");
            }
        }
        return complete(w, d);
    }
    static statement delete_rows(dialect d, detail::model_data const& m, writer const& cond, writer const& with = {}) {
        using no_set = void (*)(writer&, std::string_view);
        return write_rows<no_set>(d, m, nullptr, cond, with);
    }
    /// The tag of `column` of model `model`: its key's, or the foreign key's of an edge that names it.
    detail::value_tag tag_of(int model, std::string_view column) const { return tag_in(g_, model, column); }
    static detail::value_tag tag_in(graph const& g, int model, std::string_view column) {
        auto const& m = g.model(model);
        if (column == m.key) return m.key_tag;
        for (auto const& e : g.edges)
            if ((e.acted == model || e.owner == model) && e.fk == column) return e.ref_tag;
        return detail::value_tag::text;
    }

    // ---- the statements ------------------------------------------------------------------------------

    statement find_root(bool lock) {
        auto const& m = g_.model(p_.root.model);
        writer w;
        w += "SELECT COUNT(*) FROM ";
        if (lock && d_->row_locks) {
            w += "(SELECT 1 FROM ";
            w.id(m.table);
            w += " b WHERE ";
            root_condition(w, "b", true);
            w += " ORDER BY ";
            w.column("b", m.key);
            w += " FOR UPDATE) r";
        } else {
            w.id(m.table);
            w += " b WHERE ";
            root_condition(w, "b", true);
        }
        return complete(w, d_);
    }

    /// The root's keys: `SELECT b."key" FROM "table" b WHERE <root condition>`, then, unless `order` is
    /// null, ` ORDER BY b."key"` and `order` (" DESC"), then `tail` (" LIMIT 1").
    statement root_key_query(char const* order, char const* tail, bool bounds = false) {
        auto const& m = g_.model(p_.root.model);
        writer w;
        w += "SELECT ";
        w.column("b", m.key);
        w += " FROM ";
        w.id(m.table);
        w += " b WHERE ";
        root_condition(w, "b", bounds);
        if (order) {
            w += " ORDER BY ";
            w.column("b", m.key);
            w += order;
        }
        w += tail;
        return complete(w, d_);
    }
    statement first_row() { return root_key_query(nullptr, " LIMIT 1"); }
    /// ORDER BY ... DESC LIMIT 1 rather than MAX(): both backends then read the key's index backwards.
    statement last_key() { return root_key_query(" DESC", " LIMIT 1"); }
    statement root_keys() { return root_key_query("", ""); }

    /// Bounded by :e2 too when `upto`, so that a range job's walk never reads past its range (where
    /// the index may hold many rows other jobs have deleted).
    statement next_range(bool after, bool upto) {
        auto const& m = g_.model(p_.root.model);
        writer w;
        w += "SELECT MIN(k), MAX(k), COUNT(*) FROM (SELECT ";
        w.column("b", m.key);
        w += " AS k FROM ";
        w.id(m.table);
        w += " b WHERE ";
        root_condition(w, "b", false);
        if (after) {
            w += " AND ";
            w.column("b", m.key);
            w += " > ";
            w.value({param::source::extra, 0});
        }
        if (upto) {
            w += " AND ";
            w.column("b", m.key);
            w += " <= ";
            w.value({param::source::extra, 2});
        }
        w += " ORDER BY ";
        w.column("b", m.key);
        w += " LIMIT ";
        w.value({param::source::extra, 1});
        w += ") page";
        return complete(w, d_);
    }

    /// SELECT every column of node n's rows and the association that reached each, by key; with
    /// `by_keys`, only the rows whose key is in the list bound at :e0.
    statement rows(int n, row_read how) {
        bool const lock = how == row_read::load_locked;
        bool const snapshot = how == row_read::snapshot || how == row_read::snapshot_by_keys;
        bool const by_keys = how == row_read::snapshot_by_keys;
        auto const& m = p_.model_of(n);
        std::vector<bool> needed(p_.nodes.size(), false);
        writer w;
        w += "SELECT ";
        bool first = true;
        for (auto col : g_.columns_of(p_.node(n).model)) {
            if (!first) w += ", ";
            first = false;
            w.column("t0", col);
        }
        if ((n == 0 && p_.root_inline()) || inline_node(n)) {
            // One input: every row is reached by that one association.
            w += ", ";
            w.number(n == 0 && p_.root_inline() ? -1 : p_.inputs_of(n).front().edge);
            w += " FROM ";
            w.id(m.table);
            w += " t0 WHERE ";
            in_set(w, n, "t0", needed);
        } else {
            needed[static_cast<std::size_t>(n)] = true;
            w += ", v.via FROM ";
            w.id(m.table);
            w += " t0 JOIN (SELECT k, MIN(via) AS via FROM ";
            w.id(set_name(n));
            w += " GROUP BY k) v ON ";
            w.column("t0", m.key);
            w += " = v.k";
        }
        if (by_keys) {
            w += (n == 0 && p_.root_inline()) || inline_node(n) ? " AND " : " WHERE ";
            in_list(w, d_, "t0", m.key, m.key_tag, {param::source::extra, 0});
        }
        w += " ORDER BY ";
        // SQLite: `+key` makes it sort, so the whole result is read before the rows are deleted.
        if (snapshot && d_->sort_to_read_whole) w += "+";
        w.column("t0", m.key);
        if ((lock || (d_->lock_reads_a_delete_relies_on && !tracking_)) && d_->row_locks) w += d_->lock_rows_of_t0;
        return with_sets(w, needed);
    }

    /// The statements of step s (an `enter` step has none).
    step_sql step(plan_step const& s) {
        switch (s.kind) {
            case step_kind::enter: return {};
            case step_kind::restrict_check: return restrict_step(s);
            case step_kind::load_rows: return load_step(s);
            case step_kind::capture_targets: return capture_targets_step(s);
            case step_kind::capture_keys: return capture_keys_step(s);
            case step_kind::remove: return remove_step(s);
            case step_kind::nullify: return nullify_step(s);
        }
        return {};
    }

    /// The owners a restriction names, in order, at most restricted_listed + 1 of them (one more tells
    /// that there are more); `count` counts them all.
    step_sql restrict_step(plan_step const& s) {
        auto const& e = g_.edge(s.edge);
        auto const& acted = g_.model(e.acted);
        std::vector<bool> needed(p_.nodes.size(), false);
        writer cond;
        restricted_rows(cond, e, acted, s.node, needed);
        writer w, count;
        w += "SELECT DISTINCT ";
        w.column("t0", e.fk);
        w.append(cond);
        w += " ORDER BY 1 LIMIT ";
        w.number(static_cast<long long>(restricted_listed + 1));
        count += "SELECT COUNT(DISTINCT ";
        count.column("t0", e.fk);
        count += ")";
        count.append(cond);
        step_sql out;
        out.main = with_sets(w, needed);
        out.count = with_sets(count, needed);
        return out;
    }

    /// The rows of a set, read for their callbacks and jobs. Rows whose set has dependents are locked as
    /// they are read, parents before children: a destroy of one of them running at once waits here
    /// instead of deadlocking later. A set without dependents needs no lock pass: its DELETE takes the
    /// locks.
    step_sql load_step(plan_step const& s) {
        bool parent = false;
        for (auto const& e : g_.edges_of(p_.node(s.node).model))
            parent = parent || (e.has_side() && (e.action == policy_action::destroy || e.action == policy_action::remove));
        step_sql out;
        out.main = rows(s.node, parent ? row_read::load_locked : row_read::load);
        return out;
    }

    /// The keys of the rows a belongs_to edge's targets hold, among the rows of its owner's set; targets
    /// this plan deletes anyway are its own business and left out.
    step_sql capture_targets_step(plan_step const& s) {
        auto const& e = g_.edge(s.edge);
        auto const& owner = p_.model_of(s.node);
        auto const& target = g_.model(e.target);
        std::vector<bool> needed(p_.nodes.size(), false);
        writer w;
        w += "SELECT DISTINCT ";
        w.column("t0", e.fk);
        w += " FROM ";
        w.id(owner.table);
        w += " t0 WHERE ";
        in_set(w, s.node, "t0", needed);
        w += " AND ";
        w.column("t0", e.fk);
        w += " IS NOT NULL";
        for (int n : {p_.destroyed_of[static_cast<std::size_t>(e.target)], p_.removed_of[static_cast<std::size_t>(e.target)]}) {
            if (n < 0) continue;
            w += " AND NOT EXISTS (SELECT 1 FROM ";
            w.id(target.table);
            w += " tt WHERE ";
            w.column("tt", e.ref);
            w += " = ";
            w.column("t0", e.fk);
            w += " AND ";
            in_set(w, n, "tt", needed);
            w += ")";
        }
        step_sql out;
        out.main = with_sets(w, needed);
        return out;
    }

    /// A group of several models: each member's keys, in group order.
    step_sql capture_keys_step(plan_step const& s) {
        step_sql out;
        for (int n : p_.groups[static_cast<std::size_t>(p_.node(s.node).group)].members) out.members.push_back(member_keys(n));
        return out;
    }

    /// The delete of a set, what the dry run reads instead (its count, its keys), and the variants the
    /// executor picks from: the rows after_destroy hears, a tree's leaves, and the delete by the keys
    /// that were loaded. A member of a group of several models is deleted by the keys captured before
    /// any member went (the group's sets read each other); a removed set leaves its twin's rows, which
    /// the destroyed set takes.
    step_sql remove_step(plan_step const& s) {
        auto const& node = p_.node(s.node);
        auto const& m = p_.model_of(s.node);
        std::vector<bool> needed(p_.nodes.size(), false);
        writer cond;
        if (p_.multi_group(node.group)) {
            in_list(cond, d_, "t0", m.key, m.key_tag, {param::source::extra, 0});
        } else {
            in_set(cond, s.node, "t0", needed);
            if (node.removed && node.twin >= 0) not_in_set(cond, node.twin, "t0", needed);
        }
        step_sql out;
        out.main = delete_rows(d_, m, cond, with_clause(needed));
        out.count = with_sets(rows_of(m, "COUNT(*)", cond), needed);
        out.keys = with_sets(rows_of(m, "t0.\"" + std::string(m.key) + "\"", cond), needed);
        if (m.after_destroy && !node.removed) out.snapshot = rows(s.node, row_read::snapshot);
        if (node.group >= 0 && !p_.multi_group(node.group)) {
            out.leaves = leaves(s.node, false);
            out.leaves_by_keys = leaves(s.node, true);
        }
        if (m.loads_rows && !node.removed) {
            writer by_keys;
            in_list(by_keys, d_, "t0", m.key, m.key_tag, {param::source::extra, 0});
            out.by_keys = delete_rows(d_, m, by_keys);
            if (m.after_destroy) out.snapshot_by_keys = rows(s.node, row_read::snapshot_by_keys);
        }
        return out;
    }

    /// The UPDATE that clears edge s.edge's foreign key (and polymorphic type; for a through, the join's
    /// source key) on the rows of node s.node that this plan leaves, and what the dry run reads instead.
    step_sql nullify_step(plan_step const& s) {
        auto const& e = g_.edge(s.edge);
        auto const& acted = g_.model(e.acted);
        std::vector<bool> needed(p_.nodes.size(), false);
        writer cond;
        reached_by(cond, e, s.node, "t0", needed);
        spared(cond, e.acted, "t0", needed);
        untaken(cond, e.acted, "t0");
        auto const set = [&e](writer& w, std::string_view alias) {
            auto const column = [&](std::string_view name) {
                if (alias.empty()) w.id(name);
                else w.column(alias, name);
                w += " = NULL";
            };
            if (e.kind == detail::association_kind::has_many_through) {
                column(e.source);
            } else {
                column(e.fk);
                if (e.polymorphic) {
                    w += ", ";
                    column(e.type_column);
                }
            }
        };
        step_sql out;
        out.main = write_rows(d_, acted, &set, cond, with_clause(needed));
        out.count = with_sets(rows_of(acted, "COUNT(*)", cond), needed);
        out.keys = with_sets(rows_of(acted, "t0.\"" + std::string(acted.key) + "\"", cond), needed);
        return out;
    }

    /// `SELECT what FROM "table" t0 WHERE cond`: what the dry run reads of the rows a step writes.
    static writer rows_of(detail::model_data const& m, std::string const& what, writer const& cond) {
        writer w;
        w += "SELECT ";
        w += what;
        w += " FROM ";
        w.id(m.table);
        w += " t0 WHERE ";
        w.append(cond);
        return w;
    }

    /// The rows of tree node n with no child in the set (see step_sql::leaves).
    statement leaves(int n, bool by_keys) {
        auto const& m = p_.model_of(n);
        std::vector<bool> needed(p_.nodes.size(), false);
        auto const in_it = [&](writer& w, std::string_view alias) {
            if (by_keys) in_list(w, d_, alias, m.key, m.key_tag, {param::source::extra, 0});
            else in_set(w, n, alias, needed);
        };
        writer w;
        in_it(w, "t0");
        for (auto const& e : g_.edges_of(p_.node(n).model)) {
            if (!e.has_side() || e.acted != p_.node(n).model || e.action != policy_action::destroy) continue;
            w += " AND NOT EXISTS (SELECT 1 FROM ";
            w.id(m.table);
            w += " c WHERE ";
            w.column("c", e.fk);
            w += " = ";
            w.column("t0", e.ref);
            w += " AND ";
            in_it(w, "c");
            w += ")";
        }
        return delete_rows(d_, m, w, with_clause(needed));
    }

    /// ` FROM acted t0 WHERE <the rows of edge e from node's rows that this plan leaves>`.
    void restricted_rows(writer& w, edge_data const& e, detail::model_data const& acted, int node, std::vector<bool>& needed) {
        w += " FROM ";
        w.id(acted.table);
        w += " t0 WHERE ";
        reached_by(w, e, node, "t0", needed);
        spared(w, e.acted, "t0", needed);
        untaken(w, e.acted, "t0");
    }
    /// The keys of a member of a group of several models (read before any member's rows go).
    statement member_keys(int n) {
        std::vector<bool> needed(p_.nodes.size(), false);
        needed[static_cast<std::size_t>(n)] = true;
        writer w;
        w += "SELECT DISTINCT k FROM ";
        w.id(set_name(n));
        return with_sets(w, needed);
    }

    /// A tracked dry run reads each table as the destroy would find it at that step: without the rows
    /// of `model` its earlier steps took (` AND NOT (alias.key IN :taken)`), and, reached along an edge,
    /// without the rows whose foreign key on that edge it cleared. Nothing for other statements.
    void untaken(writer& w, int model, std::string_view alias) {
        if (!tracking_) return;
        w += " AND NOT (";
        in_list(w, d_, alias, g_.model(model).key, g_.model(model).key_tag, {param::source::taken, model});
        w += ")";
    }
    void uncleared(writer& w, int edge, std::string_view alias) {
        if (!tracking_) return;
        w += " AND NOT (";
        in_list(w, d_, alias, g_.model(g_.edge(edge).acted).key, g_.model(g_.edge(edge).acted).key_tag, {param::source::cleared, edge});
        w += ")";
    }

    plan const& p_;
    graph const& g_;
    dialect d_;
    bool tracking_ = false;
};

}  // namespace cascade::sql
