#pragma once
// Claims: the prepared claim a worker thread keeps per session, in one statement where the database has
// UPDATE ... RETURNING, else in its connector's steps.
#include <cascade/queue/job_queue.hpp>

namespace cascade {

class job_queue::prepared_claim {
public:
    prepared_claim(job_queue const& queue, soci::session& sql, std::string worker, int n, std::chrono::milliseconds lease,
                   std::vector<std::string> queues = {})
        : sql_(sql), dialect_(detail::queue_dialect_of(sql)), table_(queue.table()), paused_(queue.paused_table()),
          worker_(std::move(worker)), n_(n < 1 ? 1 : n), lease_ms_(lease.count()), queues_(std::move(queues)),
          cap_(n < 2 ? 2 : static_cast<std::size_t>(n)) {
        for (auto const& q : queues_) detail::check_queue_name(q);
        if (!dialect_.update_returning) return;
        st_.emplace(sql);
        resize();
        st_->exchange(soci::into(ids_));
        st_->exchange(soci::into(names_));
        st_->exchange(soci::into(payloads_));
        st_->exchange(soci::into(attempts_));
        st_->exchange(soci::into(maxes_));
        st_->exchange(soci::into(job_queues_));
        st_->exchange(soci::into(priorities_));
        st_->exchange(soci::into(run_ats_));
        st_->exchange(soci::use(worker_));
        st_->alloc();
        st_->prepare(detail::claim_text(dialect_, table_, paused_, ":w", n_, lease_ms_, queues_));
        st_->define_and_bind();
    }
    prepared_claim(prepared_claim const&) = delete;
    prepared_claim& operator=(prepared_claim const&) = delete;

    /// Claims; the jobs in claim order (RETURNING keeps none): priority, run time, id.
    std::vector<claimed_job> operator()() {
        if (!st_) return dialect_.claim_steps(sql_, {table_, paused_, worker_, n_, lease_ms_, queues_});
        resize();  // a run shrinks the vectors to the rows it got; a vector of 0 cannot take rows
        std::vector<claimed_job> out;
        // Settings for the claim alone (PostgreSQL's, see its connector), in a transaction of its
        // own: BEGIN, the settings, COMMIT. Inside a caller's transaction they would outlive the
        // claim: it runs without them there (the workers never do).
        std::optional<detail::write_transaction> tx;
        if (!dialect_.claim_settings.empty() && !detail::in_transaction(sql_)) {
            tx.emplace(sql_);
            detail::execute_text(sql_, std::string(dialect_.claim_settings));
        }
        for (bool got = st_->execute(true); got; got = st_->fetch()) {
            for (std::size_t i = 0; i < ids_.size(); ++i)
                out.push_back({ids_[i], names_[i], payloads_[i], attempts_[i], maxes_[i], job_queues_[i], priorities_[i], run_ats_[i]});
            if (ids_.empty()) break;
        }
        if (tx) tx->commit();
        std::sort(out.begin(), out.end(), [](claimed_job const& a, claimed_job const& b) {
            return std::tie(a.priority, a.run_at, a.id) < std::tie(b.priority, b.run_at, b.id);
        });
        return out;
    }

private:
    void resize() {
        ids_.resize(cap_);
        run_ats_.resize(cap_);
        names_.resize(cap_);
        payloads_.resize(cap_);
        job_queues_.resize(cap_);
        attempts_.resize(cap_);
        maxes_.resize(cap_);
        priorities_.resize(cap_);
    }
    soci::session& sql_;
    detail::queue_dialect const& dialect_;
    std::string table_, paused_, worker_;
    int n_;
    long long lease_ms_;
    std::vector<std::string> queues_;
    std::size_t cap_;
    std::vector<long long> ids_, run_ats_;
    std::vector<std::string> names_, payloads_, job_queues_;
    std::vector<int> attempts_, maxes_, priorities_;
    std::optional<soci::statement> st_;
};


inline std::vector<claimed_job> job_queue::claim(soci::session& sql, std::string const& worker, int n, std::chrono::milliseconds lease,
                                                 std::vector<std::string> const& queues) const {
    return prepared_claim(*this, sql, worker, n, lease, queues)();
}

}  // namespace cascade
