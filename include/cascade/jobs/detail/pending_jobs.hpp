#pragma once
// The jobs a transaction made, held until it commits: the sink a destroy writes destroy_async work to.
#include <cascade/detail/unique_task.hpp>
#include <cascade/jobs/destroy_association_job.hpp>
#include <cascade/jobs/detail/job_root.hpp>
#include <cascade/soci/destroy.hpp>

#include <memory>
#include <vector>

namespace cascade::detail {

/// The jobs a transaction made, handed to the executor only once it commits (dropped on rollback).
template <class Runtime>
class pending_jobs {
public:
    explicit pending_jobs(Runtime& runtime) : runtime_(runtime) {}

    template <class E, class Key, class Value>
    void add(soci::session& sql, Key const& owner_key, Value const& value) {
        using Schema = typename Runtime::schema;
        using job_t = destroy_association_job_for<Schema, E>;
        job_t job{static_cast<typename job_t::owner_key_type>(owner_key), static_cast<typename job_t::value_type>(value), {}};
        check_value(job.owner_key, "owner key");
        check_value(job.owner_value, "destroy_async value");
        bound_values root;
        root(job.owner_value, "destroy_async value");
        auto const d = dialect_of(sql);
        if constexpr (job_t::snapshot_batch == 0) {
            // The only work the request does for a default-mode job: is there anything to destroy?
            // (its owner is being deleted in this transaction: no guard against live owners here; the
            // job applies it when it runs)
            static prepared_plan const& pp = prepare(graph_of<Schema>, job_root<Schema, E>(root_spec::bounds::range, false));
            auto const& st = pp.in(d).first_row;
            // (for destroy_async_targets the root is the join rows: any of them means targets)
            key_db_t<std::conditional_t<E::belongs, typename E::target, typename E::acted>> first{};
            if (query_bound(sql, st.text, bind(st, graph_of<Schema>, pp.p.root, root), first)) place(sql, std::move(job));
        } else {
            // Rails' mode: the dependents' keys now, in jobs of snapshot_batch keys.
            static prepared_plan const& pp = prepare(graph_of<Schema>, job_root<Schema, E>(root_spec::bounds::ids, false));
            auto const& st = pp.in(d).root_keys;
            std::vector<typename job_t::dependent_key_type> keys;
            query_column(sql, st.text, bind(st, graph_of<Schema>, pp.p.root, root), keys, 10000);
            for (std::size_t i = 0; i < keys.size(); i += job_t::snapshot_batch) {
                job_t part = job;
                auto const end = std::min(keys.size(), i + job_t::snapshot_batch);
                part.ids.assign(keys.begin() + static_cast<std::ptrdiff_t>(i), keys.begin() + static_cast<std::ptrdiff_t>(end));
                place(sql, std::move(part));
            }
        }
    }
    /// A try that is undone drops the jobs it made.
    void clear() { held_.clear(); }
    /// The task that hands every held job to the executor (empty when none is held).
    unique_task hand_over() {
        if (held_.empty()) return {};
        return [held = std::move(held_)]() mutable { run_all(held); };
    }
    std::size_t size() const { return held_.size(); }

private:
    /// An executor that writes jobs into the transaction itself (the durable queue's outbox) gets
    /// them now; any other gets them after the commit.
    template <class Job>
    void place(soci::session& sql, Job job) {
        if constexpr (requires(typename Runtime::executor_type& e) { e.enqueue_in(sql, job); })
            runtime_.executor().enqueue_in(sql, job);
        else
            held_.emplace_back([&runtime = runtime_, job = std::move(job)]() mutable { runtime.enqueue(std::move(job)); });
    }
    Runtime& runtime_;
    std::vector<unique_task> held_;
};

template <class Executor, class Job>
inline constexpr bool writes_in_transaction_v = requires(Executor& e, soci::session& s, Job const& j) { e.enqueue_in(s, j); };

}  // namespace cascade::detail
