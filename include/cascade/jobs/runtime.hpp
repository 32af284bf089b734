#pragma once
// The job runtime: what destroy_async jobs need to run. An executor (any cascade::executor), a
// source of sessions, the batch size, a retry policy and event hooks.
//   cascade::async_runtime jobs{executor, sessions};
//   cascade::destroy<schema, Author>(sql, 1, jobs);     // the jobs go to `executor` after commit
// A job is handed to the executor as a job_task<Job, Runtime>: a move-only callable that performs
// the typed job (statically generated code) and exposes it (job()) to executors that want to look.
#include <cascade/concept/executor.hpp>
#include <cascade/detail/unique_task.hpp>
#include <cascade/jobs/destroy_association_job.hpp>
#include <cascade/jobs/events.hpp>
#include <cascade/jobs/sessions.hpp>
#include <cascade/soci/destroy.hpp>

#include <chrono>
#include <functional>
#include <vector>

namespace cascade {

struct async_options {
    /// Dependents destroyed per transaction when a job runs (default mode).
    std::size_t batch_size = 1000;
    /// Rows held at once for dependents with callbacks (see destroy_options::page_size).
    std::size_t page_size = 1000;
    retry_policy retry{};
    /// Every event (enqueued, started, performed, failed).
    std::function<void(job_event const&)> on_event{};
    /// Failures only: the job, its attempt, the exception.
    std::function<void(job_event const&)> on_error{};
};

/// What performing one job did.
struct job_report {
    std::size_t rows = 0;
    std::size_t batches = 0;
};

template <class Job, class Runtime>
class job_task {
public:
    job_task(Job job, Runtime* runtime, int attempt) : job_(std::move(job)), runtime_(runtime), attempt_(attempt) {}
    void operator()() { runtime_->run(job_, attempt_); }
    Job const& job() const { return job_; }
    int attempt() const { return attempt_; }

private:
    Job job_;
    Runtime* runtime_;
    int attempt_;
};

namespace detail {

/// The jobs a transaction made, handed to the executor only once it commits (dropped on rollback).
template <class Runtime>
class pending_jobs {
public:
    explicit pending_jobs(Runtime& runtime) : runtime_(runtime) {}

    template <class E, class Key, class Value>
    void add(soci::session& sql, Key const& owner_key, Value const& value) {
        using job_t = destroy_association_job_for<typename Runtime::schema, E>;
        job_t job{static_cast<typename job_t::owner_key_type>(owner_key), static_cast<typename job_t::value_type>(value), {}};
        if constexpr (job_t::snapshot_batch == 0) {
            // The only work the request does for a default-mode job: is there anything to destroy?
            using dependents = typename dependents_of<E>::type;
            typename Runtime::template dependents_handle<E> const handle(job.owner_value);
            bound_values v = handle.values();
            long long const one = 1;
            v(one);
            typename job_t::dependent_key_type first{};
            if (query_bound(sql, text_of<sql::select_keys<dependents, false, true>>(), v, first)) place(sql, std::move(job));
        } else {
            // Rails' mode: the dependents' keys now, in jobs of snapshot_batch keys.
            using dependents = typename dependents_of<E>::type;
            std::vector<typename job_t::dependent_key_type> keys;
            typename Runtime::template dependents_handle<E> const handle(job.owner_value);
            query_column(sql, text_of<sql::select_keys<dependents, false, false>>(), handle.values(), keys, 10000);
            for (std::size_t i = 0; i < keys.size(); i += job_t::snapshot_batch) {
                job_t part = job;
                auto const end = std::min(keys.size(), i + job_t::snapshot_batch);
                part.ids.assign(keys.begin() + static_cast<std::ptrdiff_t>(i), keys.begin() + static_cast<std::ptrdiff_t>(end));
                place(sql, std::move(part));
            }
        }
    }
    /// Hands every held job to the executor.
    void flush() {
        for (auto& submit : held_) submit();
        held_.clear();
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
            hold(std::move(job));
    }
    template <class Job>
    void hold(Job job) {
        held_.emplace_back([this, job = std::move(job)]() mutable { runtime_.enqueue(std::move(job)); });
    }
    Runtime& runtime_;
    std::vector<unique_task> held_;
};

}  // namespace detail

template <class Schema, class Executor, class Sessions>
class async_runtime {
public:
    using schema = Schema;
    using executor_type = Executor;

    async_runtime(Executor& executor, Sessions sessions, async_options options = {})
        : executor_(executor), sessions_(std::move(sessions)), options_(std::move(options)) {}

    async_options& options() { return options_; }
    Executor& executor() { return executor_; }

    /// Hands `job` to the executor (attempt 1).
    template <class Job>
    void enqueue(Job job, int attempt = 1) {
        emit(job_event::kind::enqueued, job, attempt);
        cascade::submit(executor_, job_task<Job, async_runtime>(std::move(job), this, attempt));
    }

    /// Runs `job` on a session of its own, reporting events; a failure is reported and retried
    /// after the policy's delay when the executor can delay and attempts remain.
    template <class Job>
    void run(Job const& job, int attempt) {
        emit(job_event::kind::started, job, attempt);
        auto const t0 = std::chrono::steady_clock::now();
        try {
            auto lease = sessions_.acquire();
            job_report const r = perform(job, *lease);
            job_event e = event(job_event::kind::performed, job, attempt);
            e.rows = r.rows;
            e.batches = r.batches;
            e.duration = std::chrono::steady_clock::now() - t0;
            if (options_.on_event) options_.on_event(e);
        } catch (...) {
            job_event e = event(job_event::kind::failed, job, attempt);
            e.error = std::current_exception();
            e.duration = std::chrono::steady_clock::now() - t0;
            if constexpr (delaying_executor<Executor>) e.will_retry = attempt < options_.retry.attempts;
            if (options_.on_event) options_.on_event(e);
            if (options_.on_error) options_.on_error(e);
            if constexpr (delaying_executor<Executor>) {
                if (e.will_retry)
                    cascade::submit_after(executor_, options_.retry.delay(attempt),
                                          job_task<Job, async_runtime>(job, this, attempt + 1));
            }
        }
    }

    /// Performs `job` now on `sql`: the owner check, then the dependents in batches of batch_size,
    /// each in its own transaction with its own full static cascade. Idempotent: run again, it
    /// finishes what is left. Jobs that batches make (destroy_async further down) are enqueued as
    /// each batch commits.
    template <class Job>
    job_report perform(Job const& job, soci::session& sql) {
        using E = typename Job::edge;
        check_owner(job, sql);
        dependents_handle<E> const dependents(job.owner_value);
        using dependents_path = typename dependents_handle<E>::path_t;
        job_report report;
        using key_t = typename Job::dependent_key_type;
        long long const limit = static_cast<long long>(options_.batch_size);
        std::optional<key_t> after;  // the last key of the batch done before
        // The values the next batch's query binds: the dependents' own, the last key done, the size.
        auto const page_values = [&] {
            detail::bound_values v = dependents.values();
            if (after) v(*after);
            v(limit);
            return v;
        };
        if constexpr (E::through && E::destroys_targets) {
            // The targets' own cascade may delete the join rows that select them: each batch is read
            // as keys first, and each target destroyed by its key.
            std::vector<key_t> keys;
            for (;;) {
                detail::bound_values const v = page_values();
                if (after)
                    detail::query_column(sql, detail::text_of<sql::select_keys<dependents_path, true, true>>(), v, keys,
                                         options_.batch_size);
                else
                    detail::query_column(sql, detail::text_of<sql::select_keys<dependents_path, false, true>>(), v, keys,
                                         options_.batch_size);
                if (keys.empty()) break;
                report.rows += in_transaction<E>(sql, report, [&](auto& run) {
                    for (auto const& key : keys) {
                        detail::root_path<typename E::target> const target{key};
                        check_restrictions<E>(sql, target, run.result);
                        run.template node<E>(target);
                    }
                });
                if (keys.size() < options_.batch_size) break;
                after = keys.back();
            }
        } else if (job.ids.empty()) {
            for (;;) {
                // The next batch's bounds and size in one row: no key travels to the client.
                detail::bound_values const v = page_values();
                key_t lo{}, hi{};
                long long size = 0;
                soci::indicator lo_ind = soci::i_null, hi_ind = soci::i_null;
                {
                    soci::statement st(sql);
                    st.alloc();
                    st.prepare(std::string(after ? detail::text_of<sql::select_key_range<dependents_path, true>>()
                                                 : detail::text_of<sql::select_key_range<dependents_path, false>>()),
                               soci::details::st_one_time_query);
                    st.exchange(soci::into(lo, lo_ind));
                    st.exchange(soci::into(hi, hi_ind));
                    st.exchange(soci::into(size));
                    v.bind(st);
                    st.define_and_bind();
                    st.execute(true);
                }
                if (size == 0 || lo_ind == soci::i_null) break;
                report.rows += run_batch<E>(sql, dependents.path, lo, hi, report);
                if (size < limit) break;
                after = hi;
            }
        } else {
            report.rows += run_ids<E>(sql, dependents.path, job.ids, report);
        }
        return report;
    }

    /// The rows a job of E looks at, as a path whose root holds the job's value. Not copyable: the
    /// path refers to the root beside it.
    template <class E>
    struct dependents_handle {
        using path_t = typename detail::dependents_of<E>::type;
        using root_t = std::conditional_t<E::belongs, path_t, detail::root_path<typename E::owner, E::ref_member>>;
        root_t root;
        path_t path;
        template <class Value>
        explicit dependents_handle(Value const& value)
            : root{static_cast<decltype(root_t::key)>(value)}, path{make_path()} {}
        dependents_handle(dependents_handle const&) = delete;
        detail::bound_values values() const { return detail::values_of(path); }

    private:
        path_t make_path() const {
            if constexpr (E::belongs) return root;
            else return path_t{root};
        }
    };

private:
    template <class Job>
    job_event event(job_event::kind k, Job const& job, int attempt) const {
        job_event e;
        e.what = k;
        e.job = Job::name;
        e.owner_key = detail::key_string(job.owner_key);
        e.attempt = attempt;
        if (k != job_event::kind::started) e.payload = job.to_json();
        return e;
    }
    template <class Job>
    void emit(job_event::kind k, Job const& job, int attempt) {
        if (options_.on_event) options_.on_event(event(k, job, attempt));
    }

    /// Rails' ensuring_owner_was: the owner must be gone, or its predicate must say so.
    template <class Job>
    void check_owner(Job const& job, soci::session& sql) {
        using E = typename Job::edge;
        using O = typename E::owner;
        detail::root_path<O> const owner{job.owner_key};
        bool refuse = false;
        auto on_page = [&](std::vector<typename O::type>& rows) {
            for (auto& row : rows) {
                if constexpr (E::ensuring_owner != nullptr) refuse = refuse || !(row.*E::ensuring_owner)();
                else refuse = true;
            }
        };
        static constexpr detail::row_stream_text text = detail::row_stream_text_of<detail::root_path<O>>();
        {
            detail::write_transaction tx(sql);  // a PostgreSQL cursor lives in a transaction
            detail::stream_rows<O>(sql, sql::dialect_of(sql.get_backend_name()), text, detail::values_of(owner), 2, on_page);
            tx.commit();
        }
        if (refuse) throw owner_not_destroyed(Job::name, detail::key_string(job.owner_key));
    }

    /// One transaction: the restrict checks and the full cascade of the dependents with
    /// lo <= key <= hi. Returns the rows it touched.
    template <class E, class Path, class Key>
    std::size_t run_batch(soci::session& sql, Path const& dependents, Key const& lo, Key const& hi, job_report& report) {
        detail::batch_path<Path> const page{dependents, lo, hi};
        return in_transaction<E>(sql, report, [&](auto& run) {
            check_restrictions<E>(sql, page, run.result);
            run.template node<E>(page);
        });
    }
    /// Snapshot mode: the job's own keys, those still among the dependents, in one transaction.
    template <class E, class Path, class Key>
    std::size_t run_ids(soci::session& sql, Path const& dependents, std::vector<Key> const& ids, job_report& report) {
        return in_transaction<E>(sql, report, [&](auto& run) {
            for (auto const& id : ids) {
                if constexpr (E::through && E::destroys_targets) {
                    // Rails 6.1: the plucked targets, by key (their cascade may delete the join rows).
                    detail::root_path<typename E::target> const target{id};
                    check_restrictions<E>(sql, target, run.result);
                    run.template node<E>(target);
                } else {
                    detail::batch_path<Path> const one{dependents, id, id};
                    check_restrictions<E>(sql, one, run.result);
                    run.template node<E>(one);
                }
            }
        });
    }
    template <class E, class Path>
    void check_restrictions(soci::session& sql, Path const& p, destroy_result& result) {
        using M = typename Path::model;
        if constexpr (detail::reaches_restrict_v<Schema, M>) {
            detail::restrict_check<Schema> check{sql, result};
            detail::walk<Schema, detail::walk_mode::sets, E>(check, p, 0);
            if (!result.errors.empty()) throw job_restricted(detail::text_of<detail::job_name<E>>(), result.errors.front().message);
        }
    }
    template <class E, class Body>
    std::size_t in_transaction(soci::session& sql, job_report& report, Body&& body) {
        destroy_result result;
        detail::pending_jobs<async_runtime> pending(*this);
        detail::destroy_run<Schema, detail::pending_jobs<async_runtime>> run{
            sql, sql::dialect_of(sql.get_backend_name()), static_cast<long long>(options_.page_size), result, {}, &pending};
        {
            detail::write_transaction tx(sql);
            try {
                body(run);
                tx.commit();
            } catch (detail::aborted_signal const& a) {
                run.log.after_rollback(sql);
                throw record_not_destroyed(a.model, a.key, "a before_destroy callback aborted");
            } catch (...) {
                run.log.after_rollback(sql);
                throw;
            }
        }
        run.log.after_commit(sql);
        pending.flush();
        ++report.batches;
        return result.total() + result.total(row_action::nullified);
    }

    Executor& executor_;
    Sessions sessions_;
    async_options options_;
};

}  // namespace cascade
