#pragma once
// The job runtime: what destroy_async jobs need to run. An executor (any cascade::executor), a source
// of sessions, the batch size, a retry policy and event hooks.
//   cascade::async_runtime jobs{executor, sessions};
//   cascade::destroy<schema, Author>(sql, 1, jobs);     // the jobs go to `executor` after commit
// A job is handed to the executor as a job_task<Job, Runtime>: a move-only callable that performs
// the typed job and exposes it (job()) to executors that want to look.
//
// Performing a job destroys its dependents with the plan of their model, in batches of their own
// transactions. It never touches a row whose owner is alive: the owner is checked by its key and by
// the value the dependents refer to (a reused handle, a forged payload), and every batch leaves rows
// whose owner exists. It finishes only when no dependent is left: after the last batch it walks the
// dependents again (a bounded number of times) for rows added meanwhile. With fan_out_rows set, a
// large job does none of this itself: it hands out range jobs that tile its dependents' key line,
// each of which does it for its range, so that several workers share one owner's dependents.
#include <cascade/concept/executor.hpp>
#include <cascade/detail/unique_task.hpp>
#include <cascade/jobs/destroy_association_job.hpp>
#include <cascade/jobs/events.hpp>
#include <cascade/jobs/detail/batch_sizing.hpp>
#include <cascade/jobs/detail/pending_jobs.hpp>
#include <cascade/jobs/options.hpp>
#include <cascade/jobs/sessions.hpp>
#include <cascade/soci/destroy.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

namespace cascade {

/// What performing one job did.
struct job_report {
    std::size_t rows = 0;
    std::size_t batches = 0;
    /// Dependents left because a before_destroy refused or a restrict_with_error restricted them: the
    /// rest of their batch went, the job completed.
    std::vector<job_refusal> refused;
    /// The keys of `refused`, to look them up.
    std::unordered_set<std::string> refused_keys;
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

/// Whether a batch first counts (and locks) the rows its root names, so that none is "not found": a
/// job whose root is its owner's one row does; a batch of dependents' keys or bounds does not.
enum class root_rows { counted, not_counted };

template <class Schema, class Executor, class Sessions>
class async_runtime {
    /// Named first: a schema that breaks a rule is reported here, and the runtime is built on the
    /// empty schema (see checked_schema_t).
    using checked = checked_schema_t<Schema>;

public:
    using schema = Schema;
    using executor_type = Executor;

    async_runtime(Executor& executor, Sessions sessions, async_options options = {})
        : executor_(executor), sessions_(std::move(sessions)), options_(std::move(options)),
          learned_(std::make_unique<std::atomic<long long>[]>(detail::graph_of<checked>.edges.size())) {}
    // Jobs handed to the executor point at their runtime: it stays where it was made.
    async_runtime(async_runtime const&) = delete;
    async_runtime& operator=(async_runtime const&) = delete;

    async_options& options() { return options_; }
    Executor& executor() { return executor_; }

    /// Whether jobs wait in memory for the commit (false for an executor that writes them into the
    /// transaction: the durable queue's outbox).
    static constexpr bool holds_jobs = [] {
        if constexpr (detail::async_edges_t<checked>::size == 0) {
            return false;
        } else {
            using job_t = destroy_association_job_for<checked, typename detail::nth<detail::async_edges_t<checked>, 0>::type>;
            return !detail::writes_in_transaction_v<Executor, job_t>;
        }
    }();

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
            e.refused = r.refused;
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
    /// each in its own transaction with its model's whole plan. Idempotent: run again, it finishes
    /// what is left. Jobs that batches make (destroy_async further down) go to the executor as each
    /// batch commits.
    template <class Job>
    job_report perform(Job const& job, soci::session& sql) {
        using E = typename Job::edge;
        detail::check_value(job.owner_value, "destroy_async value");
        job.check_range();
        check_owner(job, sql);
        job_report report;
        if constexpr (E::belongs) {
            auto const& pp = prepared<E>(detail::root_spec::bounds::none);
            detail::bound_values root;
            root(job.owner_value, "destroy_async value");
            run_batch<Job>(job, sql, pp, root, report, root_rows::counted);
        } else if constexpr (E::through && E::destroys_targets) {
            perform_targets(job, sql, report);
        } else if (!job.ids.empty()) {
            auto const& pp = prepared<E>(detail::root_spec::bounds::ids);
            std::string const ids = detail::key_list<typename Job::dependent_model>(job.ids, detail::dialect_of(sql));
            detail::bound_values root;
            root(job.owner_value, "destroy_async value");
            root(ids, "key list");
            run_batch<Job>(job, sql, pp, root, report, root_rows::not_counted);
        } else {
            perform_ranges(job, sql, report);
        }
        return report;
    }

private:
    template <class E>
    static detail::prepared_plan const& prepared(detail::root_spec::bounds bound) {
        return detail::prepare(detail::graph_of<checked>, detail::job_root<checked, E>(bound));
    }

    template <class Key>
    struct key_range {
        Key lo{}, hi{};
        long long size = 0;  ///< 0: none left
    };

    /// The first key, last key and number of the next `limit` dependents after `after` (from the
    /// start when none) and up to `upto` (to the end when none), in one row: no key travels to the
    /// client.
    template <class Job>
    key_range<typename Job::dependent_key_type> next_range(Job const& job, soci::session& sql, detail::prepared_plan const& pp,
                                                            std::optional<typename Job::dependent_key_type> const& after,
                                                            long long limit,
                                                            std::optional<typename Job::dependent_key_type> const& upto = {}) {
        using key_t = typename Job::dependent_key_type;
        auto const& S = pp.in(detail::dialect_of(sql));
        detail::bound_values root;
        root(job.owner_value, "destroy_async value");
        detail::bound_values extra;
        key_t after_value = after.value_or(key_t{});
        key_t upto_value = upto.value_or(key_t{});
        extra(after_value, "key");
        extra(limit, "limit");
        extra(upto_value, "key");
        key_range<key_t> r;
        soci::indicator lo_ind = soci::i_null, hi_ind = soci::i_null;
        auto const& st = after ? (upto ? S.next_range_after_upto : S.next_range_after) : (upto ? S.next_range_upto : S.next_range);
        detail::bound_values const v = detail::bind(st, detail::graph_of<checked>, pp.p.root, root, extra);
        v.check();
        soci::statement q(sql);
        q.alloc();
        q.prepare(st.text, soci::details::st_one_time_query);
        q.exchange(soci::into(r.lo, lo_ind));
        q.exchange(soci::into(r.hi, hi_ind));
        q.exchange(soci::into(r.size));
        v.bind(q);
        q.define_and_bind();
        q.execute(true);
        if (lo_ind == soci::i_null || hi_ind == soci::i_null) r.size = 0;
        return r;
    }

    /// The greatest dependent key (none when there is no dependent): where a stepped walk ends.
    template <class Job>
    std::optional<typename Job::dependent_key_type> last_key(Job const& job, soci::session& sql,
                                                             detail::prepared_plan const& pp) {
        auto const& st = pp.in(detail::dialect_of(sql)).last_key;
        detail::bound_values root;
        root(job.owner_value, "destroy_async value");
        typename Job::dependent_key_type last{};
        if (!detail::query_bound(sql, st.text, detail::bind(st, detail::graph_of<checked>, pp.p.root, root), last)) return {};
        return last;
    }

    /// Whether n unique integer keys from lo to hi fill at least half of their span (hi - lo + 1 <= 2n),
    /// without overflowing the key's type.
    template <class Key>
    static bool dense(Key lo, Key hi, long long n) {
        Key reach{};
        return n > 0 && (__builtin_add_overflow(lo, 2 * n - 1, &reach) || hi <= reach);
    }

    /// `from + step` when it does not pass `end` (nor overflow the key's type).
    template <class Key>
    static std::optional<Key> step_within(Key from, long long step, Key end) {
        Key to{};
        if (__builtin_add_overflow(from, step, &to) || to > end) return {};
        return to;
    }

    /// Default mode: batches of dependents by key range (batch_size of them, growing with
    /// max_batch_size), walked in key order; then walks again from the start until one finds nothing
    /// (rows added while the job ran), at most final_sweeps more times. A range job does the same within
    /// (after, upto]: each batch's bounds are read among the keys of its range only (never past upto,
    /// where the index may hold many rows other range jobs deleted), and its sweeps restart from
    /// `after`. A large job without a range fans out instead (fan_out_rows).
    template <class Job>
    void perform_ranges(Job const& job, soci::session& sql, job_report& report) {
        using E = typename Job::edge;
        auto const& pp = prepared<E>(detail::root_spec::bounds::range);
        if constexpr (Job::ranged) {
            if (options_.fan_out_rows > 0 && !job.after && !job.upto && fan_out(job, sql, pp)) return;
        }
        // the size the last job of this association reached, within today's bounds
        long long size = sizing().within(learned_size<E>().load(std::memory_order_relaxed));
        struct remember {  // however the job ends
            std::atomic<long long>& to;
            long long const& size;
            ~remember() { to.store(size, std::memory_order_relaxed); }
        } const keep{learned_size<E>(), size};
        for (int walk = 0;; ++walk) {
            if (!walk_ranges(job, sql, pp, report, size, walk)) return;
            if (walk == options_.final_sweeps) throw job_incomplete(Job::name, detail::key_string(job.owner_key));
        }
    }

    /// One walk of perform_ranges over the job's dependents (or its range), batch after batch, `size`
    /// growing or shrinking with each: whether any batch deleted or nullified a row.
    ///
    /// Integer keys are stepped where they are dense: a span of `size` consecutive integers holds at
    /// most `size` unique keys, so the batch (c, c + size] is bounded without reading its bounds first,
    /// and the delete's own index scan is the only read. A range job steps from its start; a job without
    /// a start reads its first batch's bounds. A batch that finds less than half its span filled goes
    /// back to reading the next bounds (sparse keys would otherwise make many near-empty batches); a
    /// read batch that finds its keys dense goes back to stepping.
    template <class Job>
    bool walk_ranges(Job const& job, soci::session& sql, detail::prepared_plan const& pp, job_report& report,
                     long long& size, int walk) {
        using key_t = typename Job::dependent_key_type;
        bool found = false;
        std::optional<key_t> after = job.after;
        std::optional<key_t> end = job.upto;  // an open-ended walk learns its end when it starts stepping
        // A range job starts stepping at once: its range was cut from dense keys when stepped, and one
        // stepped batch tells it otherwise.
        bool stepping = Job::ranged && walk == 0 && after.has_value();
        for (;;) {
            if constexpr (Job::ranged) {
                if (stepping && !end) end = last_key(job, sql, pp);
                if (stepping && after && end) {
                    if (*after >= *end) break;
                    key_t const lo = *after + 1;  // no overflow: *after < *end
                    key_t const hi = step_within(*after, size, *end).value_or(*end);
                    long long const n = range_batch(job, sql, pp, report, size, lo, hi);
                    found = found || n > 0;
                    stepping = dense(lo, hi, n);
                    after = hi;
                    continue;
                }
            }
            long long const asked = size;
            auto const r = next_range(job, sql, pp, after, asked, end);
            if (r.size == 0) break;
            // rows that stay (refused, or no longer this job's) are no reason to walk again
            long long const n = range_batch(job, sql, pp, report, size, r.lo, r.hi);
            found = found || n > 0;
            if (r.size < asked) break;
            after = r.hi;
            if constexpr (Job::ranged) stepping = walk == 0 && dense(r.lo, r.hi, r.size);
        }
        return found;
    }

    /// One batch of a default-mode job: its dependents with keys in [lo, hi], in one transaction, timed
    /// to resize the next (detail::batch_sizing). Returns the rows of the dependents' table it deleted or
    /// nullified.
    template <class Job, class Key>
    long long range_batch(Job const& job, soci::session& sql, detail::prepared_plan const& pp, job_report& report,
                          long long& size, Key const& lo, Key const& hi) {
        std::string_view const table = detail::graph_of<checked>.model(pp.p.root.model).table;
        detail::bound_values root;
        root(job.owner_value, "destroy_async value");
        root(lo, "key");
        root(hi, "key");
        auto const t0 = std::chrono::steady_clock::now();
        destroy_result r;
        try {
            r = run_batch<Job>(job, sql, pp, root, report, root_rows::not_counted);
        } catch (...) {
            size = sizing().after_failure(size);  // a timeout or a lack of memory: the next try is smaller
            throw;
        }
        long long const rows = static_cast<long long>(r.rows(table) + r.rows(table, row_action::nullified));
        size = sizing().after(size, std::chrono::steady_clock::now() - t0, rows);
        return rows;
    }

    /// A large job (more than fan_out_rows dependents): the ends of chunks of fan_out_rows dependents in
    /// key order, then one range job per chunk, handed out together (written in one transaction when
    /// the executor writes jobs into transactions: the durable queue). The ranges tile the whole key
    /// line, (none, e1], (e1, e2], ..., (ek, none), so the range jobs also cover rows added later,
    /// wherever their keys fall. A tail of less than half a chunk joins the last chunk. Returns false
    /// when the job is not large (it runs as it is).
    ///
    /// Where the first batch's keys are dense (they fill at least half their span) the ends are
    /// stepped from the first key to the last, each chunk spanning fan_out_rows times that batch's
    /// mean gap between keys: two index probes and one chunk's keys (to know there are more than
    /// fan_out_rows), instead of a serial read of every key that would keep the other workers waiting.
    /// A chunk then holds about fan_out_rows rows where the keys are as dense as at their start, at
    /// most twice as many anywhere (the gap is at most 2; the last chunk, which takes the tail, three
    /// times), fewer where they thin out; keys spanning no more than one chunk make no fan-out at all.
    /// Elsewhere (sparse keys, or a span of more than 10,000 chunks) each end is read: one next_range
    /// per chunk, only bounds travel.
    template <class Job>
    bool fan_out(Job const& job, soci::session& sql, detail::prepared_plan const& pp) {
        using key_t = typename Job::dependent_key_type;
        long long const limit = static_cast<long long>(options_.fan_out_rows);
        long long const probe = std::max<long long>(1, std::min<long long>(limit, static_cast<long long>(options_.batch_size)));
        std::vector<key_t> ends;
        auto r = next_range(job, sql, pp, std::nullopt, probe);
        if (r.size < probe) return false;  // fewer than a batch
        if (dense(r.lo, r.hi, r.size)) {
            // a chunk spans fan_out_rows times the first batch's mean gap between keys (1 to 2 keys)
            long double const gap = r.size < 2 ? 1.0L : static_cast<long double>(r.hi - r.lo) / static_cast<long double>(r.size - 1);
            long long const span = static_cast<long long>(static_cast<long double>(limit) * std::clamp(gap, 1.0L, 2.0L));
            std::optional<key_t> const last = last_key(job, sql, pp);
            if (!last || !step_within(r.lo, span, *last)) return false;  // the keys span at most one chunk
            // more than fan_out_rows rows? (a far key alone, say one recent row, would make many
            // empty chunks of a small job): one chunk's keys read, the only serial read left
            if (probe < limit) r = next_range(job, sql, pp, std::nullopt, limit);
            if (r.size < limit) return false;
            constexpr std::size_t most_stepped_chunks = 10000;  // beyond: keys too spread out to step
            ends.push_back(*step_within(r.lo, span - 1, *last));
            while (ends.size() <= most_stepped_chunks) {
                auto const next = step_within(ends.back(), span, *last);
                if (!next) break;
                ends.push_back(*next);
            }
            if (ends.size() > most_stepped_chunks) ends.clear();
            // the last chunk, (ek, none), takes the tail: less than a chunk's span here
            else if (static_cast<long long>(*last - ends.back()) < span / 2 && ends.size() > 1) ends.pop_back();
        }
        if (ends.empty()) {
            if (r.size < limit) r = next_range(job, sql, pp, std::nullopt, limit);
            if (r.size < limit) return false;
            for (;;) {
                ends.push_back(r.hi);
                r = next_range(job, sql, pp, r.hi, limit);
                if (r.size < limit) break;
            }
            if (r.size * 2 < limit) ends.pop_back();  // the last chunk is open-ended: it takes the tail
        }
        if (ends.empty()) return false;           // one chunk: the job itself
        std::vector<Job> parts;
        parts.reserve(ends.size() + 1);
        for (std::size_t i = 0; i <= ends.size(); ++i) {
            Job part{job.owner_key, job.owner_value, {}, {}, {}};
            if (i > 0) part.after = ends[i - 1];
            if (i < ends.size()) part.upto = ends[i];
            parts.push_back(std::move(part));
        }
        if constexpr (detail::writes_in_transaction_v<Executor, Job>) {
            std::optional<detail::write_transaction> tx;
            if (!detail::in_transaction(sql)) tx.emplace(sql);
            for (auto const& part : parts) executor_.enqueue_in(sql, part);
            if (tx) tx->commit();
        } else {
            for (auto& part : parts) enqueue(std::move(part));
        }
        return true;
    }

    /// destroy_async_targets: the targets' keys a batch at a time (read first: their own cascade may
    /// delete the join rows that select them), each batch destroyed by its list of keys.
    template <class Job>
    void perform_targets(Job const& job, soci::session& sql, job_report& report) {
        using E = typename Job::edge;
        using key_t = typename Job::dependent_key_type;
        auto const d = detail::dialect_of(sql);
        auto const& joins = prepared<E>(detail::root_spec::bounds::none);
        // the first page, then the pages after a key
        static detail::per_dialect<std::array<sql::statement, 2>> const written;
        auto const& statements = written.get(d, [&](sql::dialect in) {
            std::array<sql::statement, 2> out;
            for (std::size_t i = 0; i < 2; ++i)
                out[i] = sql::plan_writer(joins.p, in)
                             .distinct_values(detail::graph_of<checked>.edge(detail::edge_index_v<checked, E>).source, i == 1);
            return out;
        });
        auto const& targets = detail::prepare(detail::graph_of<checked>, detail::keys_root<checked, typename E::target::type>());
        long long const limit = static_cast<long long>(options_.batch_size < 1 ? 1 : options_.batch_size);
        for (int walk = 0;; ++walk) {
            bool found = false;
            std::optional<key_t> after;
            for (;;) {
                auto const& st = statements[after ? 1u : 0u];
                detail::bound_values root;
                root(job.owner_value, "destroy_async value");
                detail::bound_values extra;
                key_t after_value = after.value_or(key_t{});
                extra(after_value, "key");
                extra(limit, "limit");
                std::vector<key_t> keys;
                detail::query_column(sql, st.text, detail::bind(st, detail::graph_of<checked>, joins.p.root, root, extra), keys,
                                     options_.batch_size);
                if (keys.empty()) break;
                // targets refused earlier in this job stay, and are no reason to walk again
                std::vector<key_t> todo;
                for (auto const& k : keys)
                    if (!report.refused_keys.contains(detail::key_string(k))) todo.push_back(k);
                if (!todo.empty()) {
                    found = true;
                    std::string const list = detail::key_list<typename Job::dependent_model>(todo, d);
                    detail::bound_values target_root;
                    target_root(list, "key list");
                    run_batch<Job>(job, sql, targets, target_root, report, root_rows::not_counted);
                }
                if (keys.size() < options_.batch_size) break;
                after = keys.back();
            }
            if (!found) return;
            if (walk == options_.final_sweeps) throw job_incomplete(Job::name, detail::key_string(job.owner_key));
        }
    }

    /// One transaction: the restrictions and the whole plan of the rows `root` names. Returns what it did.
    template <class Job>
    destroy_result run_batch(Job const& job, soci::session& sql, detail::prepared_plan const& pp, detail::bound_values const& root,
                   job_report& report, root_rows roots) {
        // A batch holding a dependent refused earlier in this job goes row by row at once: the refused
        // row's callbacks are not called again.
        if (!report.refused_keys.empty() && pp.p.root.batched()) {
            auto keys = batch_keys(sql, pp, root);
            if (std::any_of(keys.begin(), keys.end(), [&](std::string const& k) { return report.refused_keys.contains(k); }))
                return run_each_row<Job>(job, sql, pp, root, report, roots, std::move(keys));
        }
        destroy_result const r = destroy_once<Job>(job, sql, pp, root, roots);
        if (r.status == destroy_status::restricted || r.status == destroy_status::aborted) {
            if (pp.p.root.batched()) return run_each_row<Job>(job, sql, pp, root, report, roots, batch_keys(sql, pp, root));
            refuse(report, detail::key_string(job.owner_value), r);  // one row: a belongs_to job's target
            return {};
        }
        report.rows += r.total() + r.total(row_action::nullified);
        ++report.batches;
        return r;
    }

    /// One transaction of a job: the plan of the rows `root` names, the owner checked inside it.
    template <class Job>
    destroy_result destroy_once(Job const& job, soci::session& sql, detail::prepared_plan const& pp,
                                detail::bound_values const& root, root_rows roots) {
        using E = typename Job::edge;
        detail::pending_jobs<async_runtime> sink(*this);
        destroy_options const o{options_.page_size, options_.deadlock_retries};
        bool const end_work = detail::has_end_work<checked>(pp.p.root.model, holds_jobs);
        auto const owner_still_gone = [&](soci::session& s) {
            if constexpr (E::ensures_owner) check_owner(job, s);
        };
        return detail::run_destroy<checked>(sql, nullptr, pp, root, o, sink, end_work,
                                            {.run = {.find_root = roots == root_rows::counted},
                                             .not_found_is_empty = true,
                                             .rows = detail::row_table<checked, detail::pending_jobs<async_runtime>>.data()},
                                            owner_still_gone);
    }

    /// The keys of the dependents the batch `root` names, in order.
    std::vector<std::string> batch_keys(soci::session& sql, detail::prepared_plan const& pp, detail::bound_values const& root) {
        std::vector<std::string> keys;
        auto const& st = pp.in(detail::dialect_of(sql)).batch_keys;
        detail::query_column(sql, st.text, detail::bind(st, detail::graph_of<checked>, pp.p.root, root), keys);
        return keys;
    }

    /// A dependent left because its destroy was refused: a before_destroy that aborted, or a
    /// restrict_with_error (Rails' destroy returns false for both).
    static void refuse(job_report& report, std::string key, destroy_result const& r) {
        report.refused_keys.insert(key);
        if (r.aborted_by) report.refused.push_back({std::move(key), r.aborted_by->first, r.aborted_by->second});
        else report.refused.push_back({std::move(key), r.errors.front().model, r.errors.front().key, r.errors.front().message});
    }

    /// A batch whose destroy was refused: each of its dependents (`keys`) destroyed alone, in a
    /// transaction of its own, as Rails' job destroys record by record. A dependent whose destroy is
    /// refused stays and is reported (job_report::refused), once per job: a later walk or sweep skips it
    /// rather than calling its callbacks again. The others go and the job completes.
    template <class Job>
    destroy_result run_each_row(Job const& job, soci::session& sql, detail::prepared_plan const& pp,
                                detail::bound_values const& root, job_report& report, root_rows roots,
                                std::vector<std::string> keys) {
        auto const& g = detail::graph_of<checked>;
        auto const d = detail::dialect_of(sql);
        auto const& R = pp.p.root;
        // Each dependent alone: by a list of one key, the batch's other conditions kept (the owner
        // gone, the association's type and scopes).
        detail::root_spec one = R;
        bool const keys_only = R.list && R.bound == detail::root_spec::bounds::none;  // a plan by keys alone
        if (!keys_only) one.bound = detail::root_spec::bounds::ids;
        auto const& single = detail::prepare(g, one);
        bool const text_keys = g.model(R.model).key_tag == detail::value_tag::text;
        destroy_result total;
        for (auto const& key : keys) {
            if (report.refused_keys.contains(key)) continue;
            std::string const list = detail::list_of({text_keys ? detail::list_element(d, std::string_view(key)) : key}, d);
            detail::bound_values values;
            if (!keys_only) values.values[values.size++] = root[0];  // the owner's value
            values(list, "key list");
            destroy_result const r = destroy_once<Job>(job, sql, single, values, roots);
            if (r.status == destroy_status::restricted || r.status == destroy_status::aborted) {
                refuse(report, key, r);
                continue;
            }
            for (auto const& c : r.counts) total.add(c.table, c.action, c.rows);
            report.rows += r.total() + r.total(row_action::nullified);
            ++report.batches;
        }
        return total;
    }

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

    /// The owner must be gone: no row with the owner's key, nor (has side) with the value its
    /// dependents refer to, unless its ensuring_owner_was predicate says it is gone (a soft delete).
    template <class Job>
    void check_owner(Job const& job, soci::session& sql) {
        using E = typename Job::edge;
        using O = typename E::owner;
        auto const d = detail::dialect_of(sql);
        static detail::per_dialect<std::string> const texts;
        auto const& text = texts.get(d, [](sql::dialect in) { return owner_rows<E>(in); });
        detail::bound_values v;
        v(job.owner_key, "owner key");
        if constexpr (!E::belongs) v(job.owner_value, "destroy_async value");
        bool refuse = false;
        std::optional<detail::write_transaction> tx;
        if (d->server_cursor && !detail::in_transaction(sql)) tx.emplace(sql);  // a cursor lives in a transaction
        detail::row_stream<O> rows(sql, d, text, v, 100);
        rows.open();
        std::vector<typename O::type> page;
        std::vector<int> vias;
        while (rows.next(page, vias))
            for (auto& row : page) {
                if constexpr (E::ensures_owner) refuse = refuse || !(row.*E::ensuring_owner)();
                else refuse = true;
            }
        rows.close();
        if (tx) tx->commit();
        if (refuse) throw owner_not_destroyed(Job::name, detail::key_string(job.owner_key));
    }
    template <class E>
    static std::string owner_rows(sql::dialect d) {
        using O = typename E::owner;
        auto const& g = detail::graph_of<checked>;
        int const o = detail::model_index_v<checked, typename O::type>;
        auto const& m = g.model(o);
        sql::writer w;
        w += "SELECT ";
        bool first = true;
        for (auto col : g.columns_of(o)) {
            if (!first) w += ", ";
            first = false;
            w.column("t0", col);
        }
        w += ", -1 FROM ";
        w.id(m.table);
        w += " t0 WHERE ";
        w.column("t0", m.key);
        w += " = ";
        w.value({sql::param::source::extra, 0});
        if constexpr (!E::belongs) {
            w += " OR ";
            w.column("t0", g.edge(detail::edge_index_v<checked, E>).ref);
            w += " = ";
            w.value({sql::param::source::extra, 1});
        }
        return w.finish(d->quote).text;
    }

    /// The batch size the last job of each association ended with (0: none yet), by edge index.
    template <class E>
    std::atomic<long long>& learned_size() {
        return learned_[static_cast<std::size_t>(detail::edge_index_v<checked, E>)];
    }
    /// The batch-size rule for today's options (they may have changed since a size was learned).
    detail::batch_sizing sizing() const {
        return detail::batch_sizing::of(options_.batch_size, options_.max_batch_size, options_.batch_time);
    }

    Executor& executor_;
    Sessions sessions_;
    async_options options_;
    std::unique_ptr<std::atomic<long long>[]> learned_;
};

}  // namespace cascade
