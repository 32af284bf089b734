#pragma once
// A plan with its SQL, made once per (schema, root) and process and kept: the first destroy of a root
// makes the plan (microseconds) and, on first use in each dialect, its SQL in that dialect; every later
// one finds them. explain, the dry run and the executor all read these.
#include <cascade/sql/detail/statements.hpp>

#include <array>
#include <memory>
#include <mutex>

namespace cascade::detail {

/// A value written once per dialect on first use (thread-safe): SQL text kept per dialect.
template <class T>
class per_dialect {
public:
    template <class Make>
    T const& get(sql::dialect d, Make const& make) const {
        auto& s = slots_[static_cast<std::size_t>(d->slot)];
        std::call_once(s.once, [&] { s.value = make(d); });
        return s.value;
    }

private:
    struct slot {
        std::once_flag once;
        T value;
    };
    mutable std::array<slot, sql::max_dialects> slots_;
};

/// A plan and its SQL per dialect: made once per (schema, root) and process.
struct prepared_plan {
    plan p;
    /// The plan's statements in dialect d, written on first use.
    sql::plan_sql const& in(sql::dialect d) const {
        return plain_.get(d, [&](sql::dialect in) { return sql::plan_writer(p, in).write(); });
    }
    /// The statements of a tracked dry run (plan_writer's `tracking`), written on first use.
    sql::plan_sql const& tracked(sql::dialect d) const {
        return tracked_.get(d, [&](sql::dialect in) { return sql::plan_writer(p, in, sql::written_for::tracked_dry_run).write(); });
    }

private:
    per_dialect<sql::plan_sql> plain_, tracked_;
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
    plans.push_back(std::move(made));
    return *plans.back();
}

}  // namespace cascade::detail
