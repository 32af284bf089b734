#pragma once
// explain: the plan of destroying a T, printed for a person: each set of rows, the associations that
// reach it and its policy, and the SQL of every step, in the order the executor runs them. It prints
// the executor's own plan and statements (sql/detail/prepared.hpp): what it shows is what runs.
#include <cascade/schema_check.hpp>
#include <cascade/sql/detail/prepared.hpp>
#include <cascade/sqlite/dialect.hpp>

#include <string>

namespace cascade {

namespace detail {

struct explain_printer {
    plan const& p;
    sql::plan_sql const& s;
    std::string out;

    void line(int depth, std::string_view text) {
        out.append(static_cast<std::size_t>(depth) * 2, ' ');
        out += text;
        out += '\n';
    }
    std::string label(int edge) const {
        auto const& e = p.g->edge(edge);
        auto const& info = p.g->infos[static_cast<std::size_t>(edge)];
        return std::string(info.owner_table) + "." + std::string(e.name) + " (" + std::string(info.kind) +
               ", dependent::" + std::string(info.policy) + ")";
    }
    /// The associations that reach node n from outside its group.
    std::string reached_by(int n) const {
        std::string out;
        for (auto const& in : p.inputs_of(n)) {
            if (in.edge < 0 || (in.from >= 0 && p.node(in.from).group >= 0 && p.node(in.from).group == p.node(n).group))
                continue;
            if (!out.empty()) out += " + ";
            out += label(in.edge);
        }
        return out;
    }
    void enter(plan_step const& st) {
        std::vector<int> members{st.node};
        if (p.node(st.node).group >= 0) members = p.groups[static_cast<std::size_t>(p.node(st.node).group)].members;
        for (int n : members) {
            auto const& m = p.model_of(n);
            std::string head = n == 0 ? "destroy " + std::string(m.table) : reached_by(n) + " -> " + std::string(m.table);
            if (p.node(n).group >= 0) {
                head += "  [recursive: ";
                bool first = true;
                for (auto const& in : p.inputs_of(n))
                    if (in.from >= 0 && p.node(in.from).group == p.node(n).group) {
                        head += first ? "" : " + ";
                        head += label(in.edge);
                        first = false;
                    }
                head += "]";
            }
            head += m.loads_rows ? "  [rows loaded in pages: callbacks or jobs]" : "  [set-based, no rows loaded]";
            line(st.depth, head);
            for (auto const& e : p.g->edges_of(p.node(n).model))
                if (e.action == policy_action::defer)
                    line(st.depth + 1, label(p.g->index_of(e)) + " -> " + std::string(p.g->model(e.reaches()).table) +
                                           ": a job per destroyed row, handed over after the commit");
        }
    }
    void print() {
        bool restricts = false;
        for (std::size_t i = 0; i < p.steps.size(); ++i) {
            auto const& st = p.steps[i];
            auto const& sql = s.steps[i];
            switch (st.kind) {
                case step_kind::restrict_check:
                    if (!restricts) line(0, "before any write, every restriction (a surviving row stops the destroy):");
                    restricts = true;
                    line(1, label(st.edge) + " -> " + std::string(p.g->model(p.g->edge(st.edge).acted).table));
                    line(2, sql.main.text);
                    break;
                case step_kind::enter: enter(st); break;
                case step_kind::load_rows: line(st.depth + 1, sql.main.text); break;
                case step_kind::capture_targets: {
                    auto const& e = p.g->edge(st.edge);
                    line(st.depth, label(st.edge) + " -> " + std::string(p.g->model(e.target).table) +
                                       ": the rows referred to, destroyed after this plan by their own");
                    line(st.depth + 1, sql.main.text);
                    break;
                }
                case step_kind::capture_keys:
                    line(st.depth + 1, "the keys of every set of the cycle, before any row goes:");
                    for (auto const& m : sql.members) line(st.depth + 2, m.text);
                    break;
                case step_kind::remove:
                    if (p.node(st.node).removed) {
                        line(st.depth, reached_by(st.node) + " -> " + std::string(p.model_of(st.node).table));
                        line(st.depth + 1, sql.main.text);
                    } else {
                        line(st.depth + 1, sql.main.text);
                        if (!sql.snapshot.empty()) line(st.depth + 1, "then after_destroy on each row, read before the delete:");
                        if (!sql.snapshot.empty()) line(st.depth + 2, sql.snapshot.text);
                    }
                    break;
                case step_kind::nullify:
                    line(st.depth, label(st.edge) + " -> " + std::string(p.g->model(p.g->edge(st.edge).acted).table));
                    line(st.depth + 1, sql.main.text);
                    break;
            }
        }
    }
};

}  // namespace detail

/// The plan for destroying one T, as text: restrictions first, then every step top to bottom in the
/// order it runs (a set's rows are loaded before its dependents are handled, and deleted after them),
/// with its SQL in `dialect` (SQLite by default; `cascade::postgresql::dialect` from
/// <cascade/postgresql/dialect.hpp>, `cascade::mysql::dialect` from <cascade/mysql/dialect.hpp>).
template <class Schema, class T>
std::string explain(sql::dialect dialect = sqlite::dialect) {
    if constexpr (check_schema<Schema>::ok) {
        auto const& pp = detail::prepare(detail::graph_of<Schema>, detail::key_root<Schema, T>());
        detail::explain_printer printer{pp.p, pp.in(dialect), {}};
        printer.print();
        return printer.out;
    } else {
        return {};
    }
}

}  // namespace cascade
