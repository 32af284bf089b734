#pragma once
// The executor: one loop over a plan's steps, running the statements the plan's SQL holds for each.
// It is ordinary code, compiled once; what needs a model's type (rows streamed into structs, their
// callbacks, the jobs they make, the commit log) is reached through a table of functions per model
// (soci/detail/rows.hpp). The dry run is the same loop, counting instead of writing.
#include <cascade/result.hpp>
#include <cascade/soci/detail/exchange.hpp>
#include <cascade/soci/detail/session.hpp>
#include <cascade/sql/detail/prepared.hpp>

#include <algorithm>
#include <memory>
#include <mutex>

namespace cascade::detail {

/// A before_destroy callback asked to stop: the destroy rolls back and reports `aborted`.
struct aborted_signal {
    std::string_view model;
    std::string key;
};

struct run_context;

/// A non-owning `void()` callable (the delete an after_destroy pass runs between opening its rows
/// and reading them).
struct action_ref {
    void const* self;
    void (*call)(void const*);
    template <class F>
    explicit action_ref(F const& f) : self(&f), call([](void const* s) { (*static_cast<F const*>(s))(); }) {}
    void operator()() const { call(self); }
};

/// What the executor needs of one model's rows: code made for its type.
struct row_ops {
    /// Streams the rows of `text`: before_destroy (an abort throws aborted_signal), the jobs of its
    /// destroy_async associations, the rows kept for after_commit/after_rollback.
    void (*load)(run_context&, std::string_view text, bound_values const&) = nullptr;
    /// Opens the rows of `text`, runs `remove` (the delete), then after_destroy on each row.
    void (*after)(run_context&, std::string_view text, bound_values const&, action_ref remove) = nullptr;
    /// The rows load kept are deleted now: they hear after_commit or after_rollback.
    void (*arm)(run_context&) = nullptr;
};

/// A destroy writes; a dry run counts what it would write, and writes nothing.
enum class run_mode : unsigned char { destroy, dry_run };

struct run_context {
    soci::session& sql;
    sql::dialect dialect;
    graph const& g;
    destroy_result& result;
    long long page_size = 1000;
    run_mode mode = run_mode::destroy;
    bool dry() const { return mode == run_mode::dry_run; }
    row_ops const* ops = nullptr;     ///< per model (a destroy); null in a dry run
    void* sink = nullptr;             ///< where destroy_async jobs go (typed in the row ops)
    void* log = nullptr;              ///< the commit log (typed in the row ops)
    /// What a load read: the keys of its rows (a list value, see sql::append_list_element) and how many.
    struct loaded_rows {
        std::string keys;
        long long count = 0;
    };
    /// Where a load records the rows it loaded, when it is not null: the set's DELETE then removes
    /// exactly those rows.
    loaded_rows* loaded_keys = nullptr;
    /// The rows being loaded or read after their delete are a recursive set of one model (a tree):
    /// their callbacks run in tree order (parents first for before_destroy, children first after).
    bool tree = false;
    /// A dry run of a plan that reaches belongs_to targets: the targets' own plans run after some of
    /// its deletes and see the tables without those rows, so the dry run (read-only) tracks what each
    /// step would take: the keys deleted, per model (`taken`), and the rows whose foreign key a nullify
    /// cleared, per (model, column) (`cleared`). Its statements (prepared_plan::tracked) read each table
    /// minus those rows, and each count counts only rows no earlier step took.
    bool track = false;
    struct tracked_keys {
        std::vector<std::string> keys;  ///< list elements, sorted
        std::string list;               ///< the same as one list value
    };
    std::vector<tracked_keys> taken{};
    struct cleared_key {
        int model;
        std::string_view column;
        tracked_keys rows;
    };
    std::vector<cleared_key> cleared{};
    tracked_keys& taken_of(int model) {
        if (taken.size() <= static_cast<std::size_t>(model)) taken.resize(static_cast<std::size_t>(model) + 1);
        return taken[static_cast<std::size_t>(model)];
    }
    tracked_keys& cleared_of(int model, std::string_view column) {
        for (auto& c : cleared)
            if (c.model == model && c.column == column) return c.rows;
        return cleared.emplace_back(cleared_key{model, column, {}}).rows;
    }
    /// The list value of `model`'s taken keys, and of the keys cleared on edge e's foreign key.
    std::string const& taken_list(int model) const {
        auto const m = static_cast<std::size_t>(model);
        return m < taken.size() && !taken[m].list.empty() ? taken[m].list : empty_list();
    }
    std::string const& cleared_list(int edge) const {
        auto const& e = g.edge(edge);
        for (auto const& c : cleared)
            if (c.model == e.acted && c.column == e.fk && !c.rows.list.empty()) return c.rows.list;
        return empty_list();
    }
    std::string const& empty_list() const {
        return sql::empty_list(dialect);
    }
    /// belongs_to targets handled already by this destroy, per edge (list elements, sorted): each
    /// target once, however many plans find it.
    struct handled_targets {
        int edge;
        std::vector<std::string> done;
    };
    std::vector<handled_targets> targets{};
    std::vector<std::string>& targets_done(int edge) {
        for (auto& t : targets)
            if (t.edge == edge) return t.done;
        return targets.emplace_back(handled_targets{edge, {}}).done;
    }
};

/// The first model the plan destroys with callbacks (or rows to load) but the row table has no code for,
/// -1 when none: a mismatch between the table (see row_table) and the plan, reported rather than run.
inline int missing_row_code(plan const& p, row_ops const* ops) {
    for (auto const& node : p.nodes) {
        if (node.removed) continue;  // delete_all'd rows: no callbacks
        auto const& m = p.g->model(node.model);
        auto const& o = ops[static_cast<std::size_t>(node.model)];
        if ((m.loads_rows && !o.load) || (m.after_destroy && !o.after) || (m.commit_callbacks && !o.arm)) return node.model;
    }
    return -1;
}

[[noreturn]] inline void throw_missing_row_code(graph const& g, int model) {
    throw std::logic_error("cascade: no row code for model " + std::string(g.model(model).table) +
                           " in this destroy (a bug in cascade::detail::reached_from); nothing was changed");
}

enum class run_outcome { done, not_found, restricted };

struct run_options {
    bool find_root = true;  ///< count (and lock) the root rows first: none is not_found
};

/// The values of a statement: from the root's values, the schema's constants, the root's own
/// constants, and values of the step (`extra`).
inline bound_values bind(sql::statement const& st, graph const& g, root_spec const& root,
                         bound_values const& root_values, bound_values const& extra = {},
                         run_context const* tracked = nullptr) {
    bound_values v;
    for (auto const& p : st.params) {
        auto const i = static_cast<std::size_t>(p.index);
        switch (p.from) {
            case sql::param::source::root: v.values[v.size++] = root_values[i]; break;
            case sql::param::source::extra: v.values[v.size++] = extra[i]; break;
            case sql::param::source::constant: {
                auto const& c = g.constants[i];
                v.push(c.tag, c.address(), "scope value");
                break;
            }
            case sql::param::source::root_constant: {
                auto const& c = root.constants[i];
                v.push(c.tag, c.address(), "condition value");
                break;
            }
            case sql::param::source::taken:
            case sql::param::source::cleared: {
                if (!tracked) throw std::logic_error("cascade::detail::bind: a tracked dry run's statement without its tracking");
                auto const& list = p.from == sql::param::source::taken ? tracked->taken_list(p.index) : tracked->cleared_list(p.index);
                v.push(value_tag::text, &list, "key list");
                break;
            }
        }
        if (v.size > bound_values::capacity - 1) throw error("cascade: too many bound values in one statement");
    }
    return v;
}

/// A value as an element of a list value (for `IN (list)`), without the list's brackets.
template <class V>
std::string list_element(sql::dialect d, V const& v) {
    std::string element;
    if constexpr (std::is_convertible_v<V const&, std::string_view>) sql::append_list_element(element, d, std::string_view(v));
    else sql::append_list_element(element, d, static_cast<long long>(v));
    return element.substr(1);
}

/// Reads one column of values as list elements of the dialect (for a later `IN (list)`).
inline void read_elements(run_context& ctx, std::string_view text, bound_values const& values, value_tag tag,
                          std::vector<std::string>& out) {
    out.clear();
    auto const add = [&](auto const& v) {
        std::string element;
        sql::append_list_element(element, ctx.dialect, v);
        out.push_back(element.substr(1));  // without the list's opening bracket
    };
    if (tag == value_tag::text) {
        std::vector<std::string> v;
        query_column(ctx.sql, text, values, v);
        for (auto const& x : v) {
            check_text(x, "value read from the database");
            add(std::string_view(x));
        }
    } else {
        std::vector<long long> v;
        query_column(ctx.sql, text, values, v);
        for (auto x : v) add(x);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
}
/// The elements of `found` (sorted, unique) that `seen` (sorted) does not hold.
inline std::vector<std::string> not_in(std::vector<std::string> const& found, std::vector<std::string> const& seen) {
    std::vector<std::string> out;
    std::set_difference(found.begin(), found.end(), seen.begin(), seen.end(), std::back_inserter(out));
    return out;
}
inline std::string list_of(std::vector<std::string> const& elements, sql::dialect d);
/// Adds the elements of `found` (sorted, unique) that `seen` does not hold yet to it, and rewrites its
/// list value; returns how many were new.
inline std::size_t take(run_context::tracked_keys& seen, std::vector<std::string> const& found, sql::dialect d) {
    auto const more = not_in(found, seen.keys);
    if (more.empty()) return 0;
    std::vector<std::string> merged;
    merged.reserve(seen.keys.size() + more.size());
    std::merge(seen.keys.begin(), seen.keys.end(), more.begin(), more.end(), std::back_inserter(merged));
    seen.keys = std::move(merged);
    seen.list = list_of(seen.keys, d);
    return more.size();
}

/// The list value of a set of elements.
inline std::string list_of(std::vector<std::string> const& elements, sql::dialect d) {
    std::string list(1, d->list_open);
    bool first = true;
    for (auto const& e : elements) {
        if (!first) list += ',';
        first = false;
        list += e;
    }
    list += d->list_close;
    return list;
}

inline std::string restriction_message(edge_data const& e) {
    return e.kind == association_kind::has_one
               ? "Cannot delete record because a dependent " + std::string(e.name) + " exists"
               : "Cannot delete record because dependent " + std::string(e.name) + " exist";
}

/// belongs_to targets one plan found, per edge, not yet handled.
struct pending_targets {
    int node;  ///< the set whose rows refer to them: they go once its rows are deleted
    int edge;
    std::vector<std::string> keys;  ///< list elements, sorted, without duplicates
};
run_outcome run_targets(run_context& ctx, pending_targets& pending);

/// Whether node n's set is a tree: recursive over associations of its own model alone.
inline bool is_tree(plan const& p, int n) {
    int const group = p.node(n).group;
    return group >= 0 && !p.multi_group(group);
}

/// One run of a plan: its statements in the session's dialect, the root's values, and what its steps
/// hand to later ones (the keys each loaded set read, the keys a group captured, the belongs_to targets
/// found). One function per kind of step; run_plan makes one run per plan (a belongs_to target's own
/// plan is a run of its own).
class plan_run {
public:
    plan_run(run_context& ctx, prepared_plan const& pp, bound_values const& root)
        : ctx_(ctx), p_(pp.p), g_(ctx.g),
          // a tracked dry run reads each table without what its earlier steps took (see run_context::track)
          statements_(ctx.track ? pp.tracked(ctx.dialect) : pp.in(ctx.dialect)), root_(root),
          tracked_(ctx.track ? &ctx : nullptr), member_keys_(pp.p.nodes.size()), loaded_(pp.p.nodes.size()) {}

    run_outcome run(run_options o) {
        if (o.find_root && !root_found()) return run_outcome::not_found;
        if (restricted()) return run_outcome::restricted;
        for (std::size_t i = 0; i < p_.steps.size(); ++i) {
            switch (p_.steps[i].kind) {
                case step_kind::restrict_check:
                case step_kind::enter: break;
                case step_kind::load_rows: load(i); break;
                case step_kind::capture_targets: capture_targets(i); break;
                case step_kind::capture_keys: capture_keys(i); break;
                case step_kind::remove:
                    if (ctx_.dry()) {
                        if (count_removal(i) == run_outcome::restricted) return run_outcome::restricted;
                    } else {
                        std::size_t const end = group_end(i);
                        if (remove(i, end) == run_outcome::restricted) return run_outcome::restricted;
                        i = end - 1;
                    }
                    break;
                case step_kind::nullify: nullify(i); break;
            }
        }
        return run_outcome::done;
    }

private:
    /// The values statement `st` binds, with `extra` the step's own.
    bound_values values(sql::statement const& st, bound_values const& extra = {}) const {
        return bind(st, g_, p_.root, root_, extra, tracked_);
    }

    /// Whether the root has any row (counted, and locked but in a dry run).
    bool root_found() {
        auto const& st = ctx_.dry() ? statements_.find_root_unlocked : statements_.find_root;
        long long n = 0;
        query_bound(ctx_.sql, st.text, values(st), n);
        return n != 0;
    }

    /// Every restriction, before any write: a restrict edge blocks only rows this plan leaves. Each
    /// restricted owner is an error of the result (restrict_with_exception throws at the first); true
    /// when there is any.
    bool restricted() {
        for (std::size_t i = 0; i < p_.steps.size(); ++i)
            if (p_.steps[i].kind == step_kind::restrict_check) check_restriction(i);
        return !ctx_.result.errors.empty();
    }
    void check_restriction(std::size_t i) {
        auto const& st = statements_.steps[i].main;
        auto const& e = g_.edge(p_.steps[i].edge);
        std::vector<std::string> owner_keys;
        // (a tracked dry run's statement leaves out the rows earlier steps took or cleared)
        query_column(ctx_.sql, st.text, values(st), owner_keys, sql::restricted_listed + 1);
        if (owner_keys.empty()) return;
        std::string_view const owner = g_.model(e.owner).table;
        if (e.raises && !ctx_.dry()) throw delete_restriction_error(owner, owner_keys.front(), e.name);
        if (owner_keys.size() > sql::restricted_listed) {
            owner_keys.resize(sql::restricted_listed);
            auto const& count = statements_.steps[i].count;
            long long all = 0;
            query_bound(ctx_.sql, count.text, values(count), all);
            ctx_.result.unlisted_restrictions += static_cast<std::size_t>(all) - sql::restricted_listed;
        }
        for (auto& key : owner_keys) ctx_.result.errors.push_back({owner, std::move(key), e.name, restriction_message(e)});
    }

    /// Streams the rows of step i's set through its model's row code (callbacks, jobs, the commit log),
    /// recording their keys (see loaded_). A dry run loads nothing; a destroy checked before it began
    /// that every model whose rows it loads has its code.
    void load(std::size_t i) {
        int const n = p_.steps[i].node;
        auto const& ops = ctx_.ops;
        if (ctx_.dry() || !ops[p_.node(n).model].load) return;
        auto const& st = statements_.steps[i].main;
        ctx_.tree = is_tree(p_, n);
        // (each key once: a set's rows are read one per key)
        auto& keys = loaded_[static_cast<std::size_t>(n)].emplace();
        ctx_.loaded_keys = &keys;
        ops[p_.node(n).model].load(ctx_, st.text, values(st));
        ctx_.loaded_keys = nullptr;
        sql::close_list(keys.keys, ctx_.dialect);
    }

    /// Reads the keys of the belongs_to targets that step i's set refers to (handled once its rows are
    /// deleted, see targets_after).
    void capture_targets(std::size_t i) {
        auto const& step = p_.steps[i];
        auto const& st = statements_.steps[i].main;
        auto& t = targets_.emplace_back(pending_targets{step.node, step.edge, {}});
        read_elements(ctx_, st.text, values(st), g_.edge(step.edge).ref_tag, t.keys);
    }

    /// A group of several models: every member's keys, read before any member's rows go.
    void capture_keys(std::size_t i) {
        auto const& members = p_.groups[static_cast<std::size_t>(p_.node(p_.steps[i].node).group)].members;
        auto const& st = statements_.steps[i];
        for (std::size_t m = 0; m < members.size(); ++m) {
            std::vector<std::string> keys;
            read_elements(ctx_, st.members[m].text, values(st.members[m]), p_.model_of(members[m]).key_tag, keys);
            member_keys_[static_cast<std::size_t>(members[m])] = list_of(keys, ctx_.dialect);
        }
    }

    /// The end of the remove steps of step i's group: the steps after it that remove the other members of
    /// a group of several models (i + 1 for any other set).
    std::size_t group_end(std::size_t i) const {
        int const group = p_.node(p_.steps[i].node).group;
        std::size_t end = i + 1;
        if (p_.multi_group(group))
            while (end < p_.steps.size() && p_.steps[end].kind == step_kind::remove && p_.node(p_.steps[end].node).group == group)
                ++end;
        return end;
    }

    /// The remove steps [first, end): one set, or every member of a group of several models (a cycle
    /// through them), deleted member by member by the keys captured before any went. A member's
    /// after_destroy rows are found through the group's sets, which the first delete breaks: so every
    /// member's rows are opened before any delete (one inside the other), then the members are
    /// deleted, then each hears after_destroy (the last opened first). Then the belongs_to targets
    /// their rows referred to.
    run_outcome remove(std::size_t first, std::size_t end) {
        open_then_delete(first, first, end);
        for (std::size_t k = first; k < end; ++k)
            if (targets_after(p_.steps[k].node) == run_outcome::restricted) return run_outcome::restricted;
        return run_outcome::done;
    }
    /// Opens the rows after_destroy will hear of remove steps [k, end), one inside the other, and
    /// deletes the sets of steps [first, end) inside the innermost.
    void open_then_delete(std::size_t first, std::size_t k, std::size_t end) {
        if (k == end) {
            for (std::size_t j = first; j < end; ++j) delete_set(j);
            return;
        }
        auto const& sk = statements_.steps[k];
        auto const& ops = ctx_.ops[p_.node(p_.steps[k].node).model];
        auto const inner = [&] { open_then_delete(first, k + 1, end); };
        if (sk.snapshot.empty() || !ops.after) return inner();
        ctx_.tree = is_tree(p_, p_.steps[k].node);
        bound_values extra;
        auto const* keys = loaded_[static_cast<std::size_t>(p_.steps[k].node)] ? keys_of(k) : nullptr;
        if (keys) extra(*keys, "key list");
        auto const& snap = keys ? sk.snapshot_by_keys : sk.snapshot;
        ops.after(ctx_, snap.text, values(snap, extra), action_ref(inner));
    }

    /// The keys remove step k deletes by: its loaded rows', or (a group of several models) the keys
    /// captured before any member went; null for a set deleted by its condition alone.
    std::string const* keys_of(std::size_t k) const {
        auto const n = static_cast<std::size_t>(p_.steps[k].node);
        if (loaded_[n]) return &loaded_[n]->keys;
        if (p_.multi_group(p_.node(p_.steps[k].node).group)) return &member_keys_[n];
        return nullptr;
    }

    /// Deletes the set of remove step k and counts it; from then on its loaded rows hear after_commit or
    /// after_rollback.
    void delete_set(std::size_t k) {
        auto const& sk = statements_.steps[k];
        auto const& node = p_.node(p_.steps[k].node);
        bool const multi = p_.multi_group(node.group);
        auto const& rows = loaded_[static_cast<std::size_t>(p_.steps[k].node)];
        bound_values extra;
        auto const* keys = keys_of(k);
        if (keys) extra(*keys, "key list");
        long long n = 0;
        if (!rows || multi) n = delete_once(sk, sk.main, multi, extra);
        else if (!sk.snapshot_by_keys.empty()) n = delete_once(sk, sk.by_keys, true, extra);  // after_destroy reads exactly these rows
        else n = delete_loaded(sk, *rows, extra);
        ctx_.result.add(g_.model(node.model).table, row_action::deleted, static_cast<std::size_t>(n));
        if (!node.removed && ctx_.ops[node.model].arm) ctx_.ops[node.model].arm(ctx_);
    }

    /// A loaded set goes by its condition, which the database runs best (a join, where a long key list
    /// is one index probe per key), inside a savepoint: when it does not delete as many rows as were
    /// loaded (a row joined the set, or left it), it is undone and the loaded keys (`by_keys`) are
    /// deleted instead.
    long long delete_loaded(sql::step_sql const& sk, run_context::loaded_rows const& rows, bound_values const& by_keys) {
        execute_text(ctx_.sql, "SAVEPOINT cascade_set");
        long long n = delete_once(sk, sk.main, false, {});
        if (n != rows.count) {
            execute_text(ctx_.sql, "ROLLBACK TO SAVEPOINT cascade_set");
            n = delete_once(sk, sk.by_keys, true, by_keys);
        }
        execute_text(ctx_.sql, "RELEASE SAVEPOINT cascade_set");
        return n;
    }

    /// One delete, `del`: by the set, or by a list of keys (`by_keys`). SQLite (ON DELETE RESTRICT) and
    /// InnoDB (every key) check a foreign key at each row inside a statement: a tree they refuse goes
    /// leaves first, one statement per level (the refused statement changed nothing, and neither
    /// database aborts the transaction), then `del` for what a cycle in the data left.
    long long delete_once(sql::step_sql const& sk, sql::statement const& del, bool by_keys, bound_values const& extra) {
        try {
            return execute_bound(ctx_.sql, del.text, values(del, extra));
        } catch (...) {
            if (sk.leaves.empty() || !ctx_.dialect->checks_keys_per_row || !foreign_key_refused(std::current_exception()))
                throw;
            auto const& leaves = by_keys ? sk.leaves_by_keys : sk.leaves;
            long long n = 0;
            for (long long level = 1; level > 0; n += level) level = execute_bound(ctx_.sql, leaves.text, values(leaves, extra));
            return n + execute_bound(ctx_.sql, del.text, values(del, extra));
        }
    }

    /// A dry run's remove step i: the rows it would delete, counted; a tracked dry run reads their keys,
    /// counts those no earlier step took, and runs the belongs_to targets' plans where the destroy runs
    /// them: after the set, or after a cycle's last member.
    run_outcome count_removal(std::size_t i) {
        auto const& step = p_.steps[i];
        auto const& st = statements_.steps[i];
        auto const& node = p_.node(step.node);
        auto const& m = g_.model(node.model);
        bool const multi = p_.multi_group(node.group);
        bound_values extra;
        if (multi) extra(member_keys_[static_cast<std::size_t>(step.node)], "key list");
        long long n = 0;
        if (ctx_.track) {
            std::vector<std::string> keys;
            read_elements(ctx_, st.keys.text, values(st.keys, extra), m.key_tag, keys);
            n = static_cast<long long>(take(ctx_.taken_of(node.model), keys, ctx_.dialect));
        } else {
            query_bound(ctx_.sql, st.count.text, values(st.count, extra), n);
        }
        ctx_.result.add(m.table, row_action::deleted, static_cast<std::size_t>(n));
        if (!ctx_.track || (multi && group_end(i) > i + 1)) return run_outcome::done;
        for (int member : multi ? p_.groups[static_cast<std::size_t>(node.group)].members : std::vector<int>{step.node})
            if (targets_after(member) == run_outcome::restricted) return run_outcome::restricted;
        return run_outcome::done;
    }

    /// Clears the foreign key of step i's edge on the rows the plan leaves; a dry run counts them, and a
    /// tracked one records their keys (run_context::cleared), counting those no earlier step took.
    void nullify(std::size_t i) {
        auto const& e = g_.edge(p_.steps[i].edge);
        auto const& st = statements_.steps[i];
        long long n = 0;
        if (ctx_.track) {
            std::vector<std::string> keys;
            read_elements(ctx_, st.keys.text, values(st.keys), g_.model(e.acted).key_tag, keys);
            auto& cleared = ctx_.cleared_of(e.acted, e.fk);
            n = static_cast<long long>(take(cleared, not_in(keys, ctx_.taken_of(e.acted).keys), ctx_.dialect));
        } else if (ctx_.dry()) {
            query_bound(ctx_.sql, st.count.text, values(st.count), n);
        } else {
            n = execute_bound(ctx_.sql, st.main.text, values(st.main));
        }
        ctx_.result.add(g_.model(e.acted).table, row_action::nullified, static_cast<std::size_t>(n));
    }

    /// The targets the rows of node n refer to, once those rows are deleted: before any row the targets
    /// refer to goes (a plain REFERENCES holds throughout), as Rails destroys them in each row's
    /// after_destroy.
    run_outcome targets_after(int n) {
        for (auto& t : targets_)
            if (t.node == n && !t.keys.empty())
                if (run_targets(ctx_, t) == run_outcome::restricted) return run_outcome::restricted;
        return run_outcome::done;
    }

    run_context& ctx_;
    plan const& p_;
    graph const& g_;
    sql::plan_sql const& statements_;
    bound_values const& root_;
    run_context const* tracked_;
    /// Per member of a group of several models: its keys, captured before any member's rows go.
    std::vector<std::string> member_keys_;
    /// Per node whose rows were loaded (callbacks, jobs): their keys. Its DELETE removes exactly those
    /// rows, as Rails and Django delete the records they loaded: a row that joined the set since
    /// (another session's insert, a callback's) was never called and stays.
    std::vector<std::optional<run_context::loaded_rows>> loaded_;
    std::vector<pending_targets> targets_;
};

/// Runs plan `pp` with the root's values `root`.
inline run_outcome run_plan(run_context& ctx, prepared_plan const& pp, bound_values const& root, run_options o = {}) {
    return plan_run(ctx, pp, root).run(o);
}

/// The rows a belongs_to edge's dependents refer to, once those dependents are deleted: destroyed by
/// the plan of their own model (which handles the targets it finds the same way), or deleted. Each
/// target once per destroy.
inline run_outcome run_targets(run_context& ctx, pending_targets& pending) {
    auto const& g = ctx.g;
    auto& done = ctx.targets_done(pending.edge);
    std::vector<std::string> keys;
    std::set_difference(pending.keys.begin(), pending.keys.end(), done.begin(), done.end(), std::back_inserter(keys));
    pending.keys.clear();
    if (keys.empty()) return run_outcome::done;
    std::vector<std::string> merged;
    std::merge(done.begin(), done.end(), keys.begin(), keys.end(), std::back_inserter(merged));
    done = std::move(merged);
    auto const& e = g.edge(pending.edge);
    std::string const list = list_of(keys, ctx.dialect);
    bound_values values;
    values(list, "key list");
    if (e.action == policy_action::destroy) {
        root_spec r;
        r.model = e.target;
        r.column = e.ref;
        r.list = true;
        r.scopes = g.scopes_of(e);
        r.constants = g.constants;
        auto const& pp = prepare(g, r);
        if (!ctx.dry())
            if (int const m = missing_row_code(pp.p, ctx.ops); m >= 0) throw_missing_row_code(g, m);
        return run_plan(ctx, pp, values, {.find_root = false});
    }
    auto const st = sql::plan_writer::remove_targets(g, e, ctx.dialect, ctx.dry() ? sql::target_statement::keys : sql::target_statement::remove);
    root_spec none;
    auto const v = bind(st, g, none, bound_values{}, values);
    long long n = 0;
    if (ctx.dry()) {
        std::vector<std::string> found;
        read_elements(ctx, st.text, v, g.model(e.target).key_tag, found);
        n = static_cast<long long>(take(ctx.taken_of(e.target), found, ctx.dialect));
    } else {
        n = execute_bound(ctx.sql, st.text, v);
    }
    ctx.result.add(g.model(e.target).table, row_action::deleted, static_cast<std::size_t>(n));
    return run_outcome::done;
}

}  // namespace cascade::detail
