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

/// Runs plan `pp` with the root's values `root`.
inline run_outcome run_plan(run_context& ctx, prepared_plan const& pp, bound_values const& root, run_options o = {}) {
    // a tracked dry run reads each table without what its earlier steps took (see run_context::track)
    auto const& S = ctx.track ? pp.tracked(ctx.dialect) : pp.in(ctx.dialect);
    run_context const* const tracked = ctx.track ? &ctx : nullptr;
    auto const& p = pp.p;
    auto const& g = ctx.g;
    if (o.find_root) {
        auto const& st = ctx.dry() ? S.find_root_unlocked : S.find_root;
        long long n = 0;
        query_bound(ctx.sql, st.text, bind(st, g, p.root, root, {}, tracked), n);
        if (n == 0) return run_outcome::not_found;
    }
    // Every restriction before any write: a restrict edge blocks only rows this plan leaves.
    for (std::size_t i = 0; i < p.steps.size(); ++i) {
        auto const& step = p.steps[i];
        if (step.kind != step_kind::restrict_check) continue;
        auto const& st = S.steps[i].main;
        auto const& e = g.edge(step.edge);
        std::vector<std::string> owner_keys;
        // (a tracked dry run's statement leaves out the rows earlier steps took or cleared)
        query_column(ctx.sql, st.text, bind(st, g, p.root, root, {}, tracked), owner_keys, sql::restricted_listed + 1);
        if (owner_keys.empty()) continue;
        std::string_view const owner = g.model(e.owner).table;
        if (e.raises && !ctx.dry()) throw delete_restriction_error(owner, owner_keys.front(), e.name);
        if (owner_keys.size() > sql::restricted_listed) {
            owner_keys.resize(sql::restricted_listed);
            auto const& count = S.steps[i].count;
            long long all = 0;
            query_bound(ctx.sql, count.text, bind(count, g, p.root, root, {}, tracked), all);
            ctx.result.unlisted_restrictions += static_cast<std::size_t>(all) - sql::restricted_listed;
        }
        for (auto& key : owner_keys) ctx.result.errors.push_back({owner, std::move(key), e.name, restriction_message(e)});
    }
    if (!ctx.result.errors.empty()) return run_outcome::restricted;
    std::vector<std::string> member_keys(p.nodes.size());
    // Per node whose rows were loaded (callbacks, jobs): their keys. Its DELETE removes exactly those
    // rows, as Rails and Django delete the records they loaded: a row that joined the set since (another
    // session's insert, a callback's) was never called and stays.
    std::vector<std::optional<run_context::loaded_rows>> loaded(p.nodes.size());
    std::vector<pending_targets> targets;
    // The targets the rows of node n refer to, once those rows are deleted: before any row the targets
    // refer to goes (a plain REFERENCES holds throughout), as Rails destroys them in each row's
    // after_destroy.
    auto const targets_after = [&](int n) {
        for (auto& t : targets)
            if (t.node == n && !t.keys.empty())
                if (run_targets(ctx, t) == run_outcome::restricted) return run_outcome::restricted;
        return run_outcome::done;
    };
    for (std::size_t i = 0; i < p.steps.size(); ++i) {
        auto const& step = p.steps[i];
        auto const& st = S.steps[i];
        switch (step.kind) {
            case step_kind::restrict_check:
            case step_kind::enter: break;
            case step_kind::load_rows:
                // (a destroy checked before it began that every model it loads has its code; a preview has none)
                if (!ctx.dry() && ctx.ops[p.node(step.node).model].load) {
                    ctx.tree = is_tree(p, step.node);
                    // (each key once: a set's rows are read one per key)
                    auto& keys = loaded[static_cast<std::size_t>(step.node)].emplace();
                    ctx.loaded_keys = &keys;
                    ctx.ops[p.node(step.node).model].load(ctx, st.main.text, bind(st.main, g, p.root, root, {}, tracked));
                    ctx.loaded_keys = nullptr;
                    sql::close_list(keys.keys, ctx.dialect);
                }
                break;
            case step_kind::capture_targets: {
                auto& t = targets.emplace_back(pending_targets{step.node, step.edge, {}});
                read_elements(ctx, st.main.text, bind(st.main, g, p.root, root, {}, tracked), g.edge(step.edge).ref_tag, t.keys);
                break;
            }
            case step_kind::capture_keys: {
                auto const& members = p.groups[static_cast<std::size_t>(p.node(step.node).group)].members;
                for (std::size_t m = 0; m < members.size(); ++m) {
                    std::vector<std::string> keys;
                    read_elements(ctx, st.members[m].text, bind(st.members[m], g, p.root, root, {}, tracked),
                                  p.model_of(members[m]).key_tag, keys);
                    member_keys[static_cast<std::size_t>(members[m])] = list_of(keys, ctx.dialect);
                }
                break;
            }
            case step_kind::remove: {
                auto const& node = p.node(step.node);
                auto const& m = g.model(node.model);
                bool const multi = p.multi_group(node.group);
                // The delete of step k (this one, or a later member of the same group).
                // The keys a step deletes by: its loaded rows', or a group member's captured keys.
                auto const keys_of = [&](std::size_t k) -> std::string const* {
                    auto const n = static_cast<std::size_t>(p.steps[k].node);
                    if (loaded[n]) return &loaded[n]->keys;
                    if (multi) return &member_keys[n];
                    return nullptr;
                };
                // One delete: `del`, by the set or by a list of keys (`by_keys`).
                auto const delete_once = [&](sql::step_sql const& sk, sql::statement const& del, bool by_keys,
                                             bound_values const& extra) {
                    try {
                        return execute_bound(ctx.sql, del.text, bind(del, g, p.root, root, extra, tracked));
                    } catch (...) {
                        // SQLite (ON DELETE RESTRICT) and InnoDB (every key) check a foreign key at each
                        // row inside a statement: a tree goes leaves first, one statement per level (the
                        // failed statement changed nothing; neither database aborts the transaction)
                        if (sk.leaves.empty() || !ctx.dialect->checks_keys_per_row || !foreign_key_refused(std::current_exception()))
                            throw;
                        auto const& leaves = by_keys ? sk.leaves_by_keys : sk.leaves;
                        long long n = 0;
                        for (long long level = 1; level > 0; n += level)
                            level = execute_bound(ctx.sql, leaves.text, bind(leaves, g, p.root, root, extra, tracked));
                        return n + execute_bound(ctx.sql, del.text, bind(del, g, p.root, root, extra, tracked));  // a cycle in the data
                    }
                };
                auto const remove_step = [&](std::size_t k) {
                    auto const& sk = S.steps[k];
                    auto const& nk = p.node(p.steps[k].node);
                    auto const& rows = loaded[static_cast<std::size_t>(p.steps[k].node)];
                    bound_values extra;
                    auto const* keys = keys_of(k);
                    if (keys) extra(*keys, "key list");
                    long long n = 0;
                    if (!rows || multi) {
                        n = delete_once(sk, sk.main, multi, extra);
                    } else if (!sk.snapshot_by_keys.empty()) {
                        n = delete_once(sk, sk.by_keys, true, extra);  // after_destroy reads exactly these rows
                    } else {
                        // A loaded set goes by its condition, which the database runs best (a join, where
                        // a long key list is one index probe per key), inside a savepoint: when it does not
                        // delete as many rows as were loaded (a row joined the set, or left it), it is
                        // undone and the loaded keys are deleted instead.
                        execute_text(ctx.sql, "SAVEPOINT cascade_set");
                        n = delete_once(sk, sk.main, false, {});
                        if (n != rows->count) {
                            execute_text(ctx.sql, "ROLLBACK TO SAVEPOINT cascade_set");
                            n = delete_once(sk, sk.by_keys, true, extra);
                        }
                        execute_text(ctx.sql, "RELEASE SAVEPOINT cascade_set");
                    }
                    ctx.result.add(g.model(nk.model).table, row_action::deleted, static_cast<std::size_t>(n));
                    // The rows are deleted: from now on they hear after_commit or after_rollback.
                    if (!nk.removed && ctx.ops[nk.model].arm) ctx.ops[nk.model].arm(ctx);
                };
                if (ctx.dry()) {
                    bound_values extra;
                    if (multi) extra(member_keys[static_cast<std::size_t>(step.node)], "key list");
                    long long n = 0;
                    if (ctx.track) {
                        std::vector<std::string> keys;
                        read_elements(ctx, st.keys.text, bind(st.keys, g, p.root, root, extra, tracked), m.key_tag, keys);
                        n = static_cast<long long>(take(ctx.taken_of(node.model), keys, ctx.dialect));
                    } else {
                        query_bound(ctx.sql, st.count.text, bind(st.count, g, p.root, root, extra, tracked), n);
                    }
                    ctx.result.add(m.table, row_action::deleted, static_cast<std::size_t>(n));
                    // the targets, as the destroy runs them: after the set, or after a cycle's last member
                    bool const group_goes_on = multi && i + 1 < p.steps.size() && p.steps[i + 1].kind == step_kind::remove &&
                                               p.node(p.steps[i + 1].node).group == node.group;
                    if (ctx.track && !group_goes_on)
                        for (int member : multi ? p.groups[static_cast<std::size_t>(node.group)].members : std::vector<int>{step.node})
                            if (targets_after(member) == run_outcome::restricted) return run_outcome::restricted;
                    break;
                }
                // A group of several models (a cycle through them) deletes member by member, by the keys
                // captured before any went; a member's after_destroy rows are found through the group's
                // sets, which the first delete breaks. So every member's rows are opened before any
                // delete (one inside the other), then the members are deleted, then each hears
                // after_destroy (the last opened first).
                std::size_t end = i + 1;
                if (multi)
                    while (end < p.steps.size() && p.steps[end].kind == step_kind::remove && p.node(p.steps[end].node).group == node.group) ++end;
                auto const remove_all = [&] {
                    for (std::size_t k = i; k < end; ++k) remove_step(k);
                };
                auto const open_from = [&](auto const& self, std::size_t k) -> void {
                    if (k == end) return remove_all();
                    auto const& sk = S.steps[k];
                    auto const& ops = ctx.ops[p.node(p.steps[k].node).model];
                    auto const inner = [&] { self(self, k + 1); };
                    if (!sk.snapshot.empty() && ops.after) {
                        ctx.tree = is_tree(p, p.steps[k].node);
                        bound_values extra;
                        auto const* keys = loaded[static_cast<std::size_t>(p.steps[k].node)] ? keys_of(k) : nullptr;
                        if (keys) extra(*keys, "key list");
                        auto const& snap = keys ? sk.snapshot_by_keys : sk.snapshot;
                        ops.after(ctx, snap.text, bind(snap, g, p.root, root, extra, tracked), action_ref(inner));
                    } else {
                        inner();
                    }
                };
                open_from(open_from, i);
                for (std::size_t k = i; k < end; ++k)
                    if (targets_after(p.steps[k].node) == run_outcome::restricted) return run_outcome::restricted;
                i = end - 1;
                break;
            }
            case step_kind::nullify: {
                auto const& e = g.edge(step.edge);
                long long n = 0;
                if (ctx.track) {
                    std::vector<std::string> keys;
                    read_elements(ctx, st.keys.text, bind(st.keys, g, p.root, root, {}, tracked), g.model(e.acted).key_tag, keys);
                    auto& cleared = ctx.cleared_of(e.acted, e.fk);
                    n = static_cast<long long>(take(cleared, not_in(keys, ctx.taken_of(e.acted).keys), ctx.dialect));
                } else if (ctx.dry()) {
                    query_bound(ctx.sql, st.count.text, bind(st.count, g, p.root, root, {}, tracked), n);
                } else {
                    n = execute_bound(ctx.sql, st.main.text, bind(st.main, g, p.root, root, {}, tracked));
                }
                ctx.result.add(g.model(e.acted).table, row_action::nullified, static_cast<std::size_t>(n));
                break;
            }
        }
    }
    return run_outcome::done;
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
