#pragma once
// The plan of a destroy, made from the schema's graph (detail/graph.hpp) by one ordinary function:
//   - one *set* per model the destroy reaches: the rows that go, the union over every association that
//     reaches the model (a diamond is one set, its rows deleted once), closed over self-referential and
//     cyclic associations (a recursive set: a comment tree to any depth);
//   - a second, plain set per model reached by delete_all/delete_ (deleted without callbacks or cascade,
//     minus the rows its destroyed set takes);
//   - the steps, in the order they run: every restriction first, then depth first from the root, each
//     set's rows loaded (callbacks, jobs) before its dependents are handled, and deleted after them, so
//     children always go before their parents.
// The executor, explain and the dry run all read this one plan. It is a constexpr function of
// constant data, computed once per (schema, root) and process: the compiler's work stays linear in
// the schema, and nothing of it is computed again on the destroy path.
#include <cascade/detail/graph.hpp>
#include <cascade/detail/strongly_connected.hpp>

#include <vector>

namespace cascade::detail {

/// Where a plan starts: the rows of the root model it names, as conditions on the root's table. The
/// first bound value (:r0) is compared with `column` (one value, or a list of them when `list`); an
/// `edge` adds that association's polymorphic type and scopes (the dependents a destroy_async job
/// destroys) and, with `guard`, leaves every row whose owner exists; `scopes` add equality conditions
/// (their values in `constants`); `bound` adds a key range (:r1, :r2) or a list of keys (:r1).
struct root_spec {
    enum class bounds : unsigned char { none, range, ids };
    int model = 0;
    std::string_view column{};
    bool list = false;
    int edge = -1;
    bool guard = false;
    std::span<scope_data const> scopes{};
    std::span<constant_data const> constants{};
    bounds bound = bounds::none;

    /// Whether it names a batch of rows (a key range, a list of ids or of keys), not one row.
    constexpr bool batched() const { return bound != bounds::none || list; }

    friend constexpr bool operator==(root_spec const& a, root_spec const& b) {
        return a.model == b.model && a.column == b.column && a.list == b.list && a.edge == b.edge &&
               a.guard == b.guard && a.scopes.data() == b.scopes.data() && a.scopes.size() == b.scopes.size() &&
               a.constants.data() == b.constants.data() && a.bound == b.bound;
    }
};

struct plan_node {
    int model = 0;
    bool removed = false;    ///< reached by delete_all/delete_: no callbacks, no cascade
    int twin = -1;           ///< the other node of the same model (destroyed <-> removed), or -1
    int group = -1;          ///< the recursion group it is in, or -1
    int first_input = 0, inputs = 0;
};
/// An association that adds rows to a node's set: edge `edge` from the rows of node `from`; the
/// root's own rows are edge -1 from -1.
struct plan_input {
    int edge = -1;
    int from = -1;
};
/// Nodes whose sets are closed over the associations among them: one node with a self-referential
/// association, or several models in a cycle.
struct plan_group {
    std::vector<int> members;
};

enum class step_kind : unsigned char {
    restrict_check,   ///< edge's rows of node that would survive: an error (before any write)
    enter,            ///< the handling of node's set (and its group's) begins: explain prints a heading
    load_rows,        ///< stream node's rows: before_destroy, jobs, the commit log
    capture_targets,  ///< belongs_to edge of node: the rows it refers to, destroyed once node's rows are deleted
    capture_keys,     ///< a group of several models: read each member's keys before any goes
    remove,           ///< delete node's set (then after_destroy on its rows)
    nullify,          ///< clear edge's foreign key on the rows of node that survive
};
struct plan_step {
    step_kind kind{};
    int node = -1;
    int edge = -1;
    int depth = 0;
};

struct plan {
    graph const* g = nullptr;
    root_spec root{};
    std::vector<plan_node> nodes;    ///< node 0 is the root's
    std::vector<plan_input> inputs;  ///< grouped by node
    std::vector<plan_group> groups;
    std::vector<int> order;          ///< every node after the nodes its set reads
    std::vector<plan_step> steps;
    std::vector<int> destroyed_of;   ///< per model: its destroyed node, or -1
    std::vector<int> removed_of;     ///< per model: its removed node, or -1

    constexpr plan_node const& node(int i) const { return nodes[static_cast<std::size_t>(i)]; }
    constexpr std::span<plan_input const> inputs_of(int i) const {
        auto const& n = node(i);
        return std::span<plan_input const>(inputs).subspan(static_cast<std::size_t>(n.first_input),
                                                            static_cast<std::size_t>(n.inputs));
    }
    constexpr model_data const& model_of(int i) const { return g->model(node(i).model); }
    /// The root's set is its condition alone: no association leads back into it.
    constexpr bool root_inline() const { return node(0).group < 0; }
    constexpr bool multi_group(int group) const {
        return group >= 0 && groups[static_cast<std::size_t>(group)].members.size() > 1;
    }
};

namespace plan_building {

/// The recursive sets: strongly connected components of the destroyed nodes over the inputs `from -> to`
/// that are cycles (several nodes, or one that reads itself), in the order they are completed, each
/// group's members in node order (the order their statements and callbacks run in).
constexpr void find_groups(plan& p) {
    auto const n = p.nodes.size();
    std::vector<std::vector<int>> out(n);
    for (std::size_t to = 0; to < n; ++to)
        for (auto const& in : p.inputs_of(static_cast<int>(to)))
            if (in.from >= 0 && !p.nodes[to].removed && !p.nodes[static_cast<std::size_t>(in.from)].removed)
                out[static_cast<std::size_t>(in.from)].push_back(static_cast<int>(to));
    auto const c = strongly_connected(out);
    std::vector<plan_group> found(static_cast<std::size_t>(c.count));
    for (std::size_t v = 0; v < n; ++v)
        if (!p.nodes[v].removed) found[static_cast<std::size_t>(c.component[v])].members.push_back(static_cast<int>(v));
    for (auto& group : found) {
        bool recursive = group.members.size() > 1;
        if (group.members.size() == 1) {
            int const v = group.members.front();
            for (int w : out[static_cast<std::size_t>(v)]) recursive = recursive || w == v;
        }
        if (!recursive) continue;
        int const g = static_cast<int>(p.groups.size());
        for (int w : group.members) p.nodes[static_cast<std::size_t>(w)].group = g;
        p.groups.push_back(std::move(group));
    }
}

/// The unit a node is processed in: its group's first member, or itself.
constexpr int unit_of(plan const& p, int n) {
    int const g = p.node(n).group;
    return g < 0 ? n : p.groups[static_cast<std::size_t>(g)].members.front();
}
constexpr std::vector<int> members_of(plan const& p, int unit) {
    int const g = p.node(unit).group;
    if (g < 0) return {unit};
    return p.groups[static_cast<std::size_t>(g)].members;
}

/// Orders the nodes so that each comes after every node its set reads (the CTEs of a statement are
/// written in this order): Kahn's algorithm over units.
constexpr void order_sets(plan& p) {
    auto const n = p.nodes.size();
    std::vector<int> waiting(n, 0);
    std::vector<std::vector<int>> readers(n);
    for (std::size_t to = 0; to < n; ++to) {
        int const u = unit_of(p, static_cast<int>(to));
        for (auto const& in : p.inputs_of(static_cast<int>(to))) {
            if (in.from < 0) continue;
            int const f = unit_of(p, in.from);
            if (f == u) continue;
            ++waiting[static_cast<std::size_t>(u)];
            readers[static_cast<std::size_t>(f)].push_back(u);
        }
    }
    std::vector<int> ready;
    for (std::size_t v = 0; v < n; ++v)
        if (unit_of(p, static_cast<int>(v)) == static_cast<int>(v) && waiting[v] == 0) ready.push_back(static_cast<int>(v));
    for (std::size_t i = 0; i < ready.size(); ++i) {
        for (int m : members_of(p, ready[i])) p.order.push_back(m);
        for (int r : readers[static_cast<std::size_t>(ready[i])])
            if (--waiting[static_cast<std::size_t>(r)] == 0) ready.push_back(r);
    }
}

struct stepper {
    plan& p;
    std::vector<char> visited;

    constexpr void process(int unit, int depth) {
        auto const& g = *p.g;
        std::vector<int> const members = members_of(p, unit);
        p.steps.push_back({step_kind::enter, unit, -1, depth});
        for (int n : members)
            if (p.model_of(n).loads_rows) p.steps.push_back({step_kind::load_rows, n, -1, depth});
        for (int n : members)
            for (auto const& e : g.edges_of(p.node(n).model))
                if (!e.has_side() && (e.action == policy_action::destroy || e.action == policy_action::remove))
                    p.steps.push_back({step_kind::capture_targets, n, g.index_of(e), depth + 1});
        for (int n : members) {
            for (auto const& e : g.edges_of(p.node(n).model)) {
                if (!e.has_side()) continue;
                if (e.action == policy_action::destroy) {
                    int const child = unit_of(p, p.destroyed_of[static_cast<std::size_t>(e.acted)]);
                    if (child == unit || visited[static_cast<std::size_t>(child)]) continue;
                    visited[static_cast<std::size_t>(child)] = true;
                    process(child, depth + 1);
                } else if (e.action == policy_action::remove) {
                    int const x = p.removed_of[static_cast<std::size_t>(e.acted)];
                    if (visited[static_cast<std::size_t>(x)]) continue;
                    visited[static_cast<std::size_t>(x)] = true;
                    p.steps.push_back({step_kind::remove, x, g.index_of(e), depth + 1});
                } else if (e.action == policy_action::nullify) {
                    p.steps.push_back({step_kind::nullify, n, g.index_of(e), depth + 1});
                }
            }
        }
        if (members.size() > 1) p.steps.push_back({step_kind::capture_keys, unit, -1, depth});
        for (int n : members) p.steps.push_back({step_kind::remove, n, -1, depth});
    }
};

/// An association found while reaching: it adds the rows edge `edge` reaches from node `from` to node
/// `to` (the root's own rows: edge -1 from -1).
struct raw_input {
    int to, edge, from;
};

/// The sets, breadth first over the destroyed nodes from the root's (node 0): every destroy
/// association adds its rows to the destroyed set of the model it acts on, every delete_all/delete_
/// association to that model's removed set, every restriction is a restrict_check step (`restricts`).
/// belongs_to targets get no set: their own plan destroys them, after the rows that refer to them.
/// Returns the inputs in the order they were found.
constexpr std::vector<raw_input> reach(plan& p, std::vector<plan_step>& restricts) {
    auto const& g = *p.g;
    std::vector<raw_input> raw{{0, -1, -1}};
    p.nodes.push_back({p.root.model});
    p.destroyed_of[static_cast<std::size_t>(p.root.model)] = 0;
    auto const node_for = [&](std::vector<int>& of, int model, bool removed) {
        int& slot = of[static_cast<std::size_t>(model)];
        if (slot < 0) {
            slot = static_cast<int>(p.nodes.size());
            p.nodes.push_back({model, removed});
        }
        return slot;
    };
    for (std::size_t next = 0; next < p.nodes.size(); ++next) {
        if (p.nodes[next].removed) continue;
        int const n = static_cast<int>(next);
        for (auto const& e : g.edges_of(p.nodes[next].model)) {
            if (!e.has_side()) continue;
            int const ei = g.index_of(e);
            switch (e.action) {
                case policy_action::destroy: raw.push_back({node_for(p.destroyed_of, e.acted, false), ei, n}); break;
                case policy_action::remove: raw.push_back({node_for(p.removed_of, e.acted, true), ei, n}); break;
                case policy_action::restrict: restricts.push_back({step_kind::restrict_check, n, ei, 0}); break;
                default: break;
            }
        }
    }
    return raw;
}

/// The destroyed and the removed node of one model name each other (plan_node::twin).
constexpr void pair_twins(plan& p) {
    for (std::size_t m = 0; m < p.destroyed_of.size(); ++m) {
        int const d = p.destroyed_of[m], x = p.removed_of[m];
        if (d >= 0 && x >= 0) {
            p.nodes[static_cast<std::size_t>(d)].twin = x;
            p.nodes[static_cast<std::size_t>(x)].twin = d;
        }
    }
}

/// The inputs grouped by node, in the order they were found, each node holding its range of them.
constexpr void group_inputs(plan& p, std::vector<raw_input> const& raw) {
    std::vector<int> count(p.nodes.size(), 0);
    for (auto const& r : raw) ++count[static_cast<std::size_t>(r.to)];
    int at = 0;
    for (std::size_t i = 0; i < p.nodes.size(); ++i) {
        p.nodes[i].first_input = at;
        p.nodes[i].inputs = 0;
        at += count[i];
    }
    p.inputs.resize(raw.size());
    for (auto const& r : raw) {
        auto& n = p.nodes[static_cast<std::size_t>(r.to)];
        p.inputs[static_cast<std::size_t>(n.first_input + n.inputs++)] = {r.edge, r.from};
    }
}

/// The steps: every restriction first, then depth first from the root's unit (see stepper).
constexpr void order_steps(plan& p, std::vector<plan_step> restricts) {
    p.steps = std::move(restricts);
    stepper s{p, std::vector<char>(p.nodes.size(), 0)};
    int const root_unit = unit_of(p, 0);
    s.visited[static_cast<std::size_t>(root_unit)] = true;
    s.process(root_unit, 0);
}

}  // namespace plan_building

/// The plan of destroying the rows `root` names, in the schema `g`.
constexpr plan make_plan(graph const& g, root_spec const& root) {
    plan p;
    p.g = &g;
    p.root = root;
    p.destroyed_of.assign(g.models.size(), -1);
    p.removed_of.assign(g.models.size(), -1);
    std::vector<plan_step> restricts;
    auto const raw = plan_building::reach(p, restricts);
    plan_building::pair_twins(p);
    plan_building::group_inputs(p, raw);
    plan_building::find_groups(p);
    plan_building::order_sets(p);
    plan_building::order_steps(p, std::move(restricts));
    return p;
}

/// The position of T among Schema's models, checked.
template <class Schema, class T>
constexpr int root_model() {
    constexpr int m = model_index_v<Schema, T>;
    static_assert(m >= 0, "cascade: T is not a model of the schema");
    return m;
}
/// The root of destroying one row of T, by its primary key.
template <class Schema, class T>
constexpr root_spec key_root() {
    constexpr int m = root_model<Schema, T>();
    root_spec r;
    r.model = m;
    r.column = graph_of<Schema>.model(m).key;
    return r;
}
/// The root of destroying many rows of T, by a list of primary keys.
template <class Schema, class T>
constexpr root_spec keys_root() {
    root_spec r = key_root<Schema, T>();
    r.list = true;
    return r;
}

}  // namespace cascade::detail
