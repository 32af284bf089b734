#pragma once
// A plan with its SQL in both dialects, made once per (schema, root) and process and kept: the first
// destroy of a root makes it (microseconds), every later one finds it. explain, the dry run and the
// executor all read these.
#include <cascade/sql/statements.hpp>

#include <memory>
#include <mutex>

namespace cascade::detail {

/// A plan and its SQL in both dialects: made once per (schema, root) and process.
struct prepared_plan {
    plan p;
    sql::plan_sql sqlite, postgresql;
    sql::plan_sql const& in(sql::dialect d) const { return d == sql::dialect::postgresql ? postgresql : sqlite; }
    /// The statements of a tracked dry run (plan_writer's `tracking`), written on first use.
    sql::plan_sql const& tracked(sql::dialect d) const {
        std::call_once(tracked_once_, [&] {
            tracked_sqlite_ = sql::plan_writer(p, sql::dialect::sqlite, true).write();
            tracked_postgresql_ = sql::plan_writer(p, sql::dialect::postgresql, true).write();
        });
        return d == sql::dialect::postgresql ? tracked_postgresql_ : tracked_sqlite_;
    }

private:
    mutable std::once_flag tracked_once_;
    mutable sql::plan_sql tracked_sqlite_, tracked_postgresql_;
};

/// The prepared plan of `root` in `g`, made on first use and kept (thread-safe).
inline prepared_plan const& prepare(graph const& g, root_spec const& root) {
    static std::mutex mutex;
    static std::vector<std::unique_ptr<prepared_plan>> plans;
    std::lock_guard lock(mutex);
    for (auto const& p : plans)
        if (p->p.g == &g && p->p.root == root) return *p;
    auto made = std::make_unique<prepared_plan>();
    made->p = make_plan(g, root);
    made->sqlite = sql::plan_writer(made->p, sql::dialect::sqlite).write();
    made->postgresql = sql::plan_writer(made->p, sql::dialect::postgresql).write();
    plans.push_back(std::move(made));
    return *plans.back();
}

}  // namespace cascade::detail
