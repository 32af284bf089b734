#pragma once
// Transactions. detail::write_transaction is cascade's own (BEGIN IMMEDIATE on SQLite, so the write
// lock is taken up front instead of failing later with "database is locked"). cascade::transaction is
// the application's: a soci::transaction that also runs, once it has really ended, the work destroys
// left for its end (after_commit and after_rollback callbacks, destroy_async jobs to hand over).
// A destroy given a plain session finds the cascade::transaction open on it, if any.
#include <cascade/detail/unique_task.hpp>
#include <cascade/soci/detail/exchange.hpp>
#include <cascade/soci/detail/session.hpp>

#include <exception>
#include <mutex>
#include <string>
#include <vector>

namespace cascade {

namespace detail {

/// A transaction that is going to write; rolled back unless committed.
class write_transaction {
public:
    explicit write_transaction(soci::session& sql) : sql_(sql) {
        execute_text(sql_, std::string(dialect_of(sql_)->begin_write));
        open_ = true;
    }
    write_transaction(write_transaction const&) = delete;
    write_transaction& operator=(write_transaction const&) = delete;
    ~write_transaction() {
        if (open_) {
            try {
                rollback();
            } catch (...) {
                // the connection may be gone; the database rolls back an unfinished transaction itself
            }
        }
    }
    void commit() {
        open_ = false;
        execute_text(sql_, "COMMIT");
    }
    void rollback() {
        open_ = false;
        execute_text(sql_, "ROLLBACK");
    }
    bool open() const { return open_; }

private:
    soci::session& sql_;
    bool open_ = false;
};

/// Runs every task, then rethrows the first exception one threw: a failing callback does not keep the
/// others (or the hand-over of jobs) from running.
inline void run_all(std::vector<unique_task>& tasks) {
    std::exception_ptr first;
    auto run = std::move(tasks);
    tasks.clear();
    for (auto& t : run) {
        try {
            t();
        } catch (...) {
            if (!first) first = std::current_exception();
        }
    }
    if (first) std::rethrow_exception(first);
}

}  // namespace detail

/// The application's transaction, for destroys that must wait for its end:
///   cascade::transaction tx(sql);
///   cascade::destroy<schema, Author>(tx, 1);        // or (sql, 1): it finds tx
///   ... the application's own writes ...
///   tx.commit();   // after_commit callbacks run and jobs are handed over here; a rollback runs
///                  // after_rollback instead and hands over nothing
/// Opened inside another cascade::transaction of the same session it is a savepoint: its commit hands
/// its work to the enclosing one, its rollback undoes only its own part. It refuses a session inside
/// a transaction it did not open (it could not know when that one ends).
class transaction {
public:
    explicit transaction(soci::session& sql) : sql_(sql), parent_(open_on(sql)) {
        if (parent_) {
            savepoint_ = "cascade_tx_" + std::to_string(++parent_->depth_counter_);
            detail::execute_text(sql_, "SAVEPOINT " + savepoint_);
        } else {
            if (detail::in_transaction(sql_)) throw transaction_required("cascade::transaction");
            detail::execute_text(sql_, std::string(detail::dialect_of(sql_)->begin_write));
        }
        active_ = true;
        enlist();
    }
    transaction(transaction const&) = delete;
    transaction& operator=(transaction const&) = delete;
    ~transaction() {
        if (active_) {
            try {
                rollback();
            } catch (...) {
                // the connection may be gone; the database rolls back an unfinished transaction itself
            }
        }
    }

    soci::session& session() { return sql_; }
    bool active() const { return active_; }

    /// Commits; then the work left for the commit runs (outermost), or passes to the enclosing
    /// transaction (nested). When the database has already ended the transaction (InnoDB rolls a
    /// deadlock's victim back whole, the error reaching the caller through a destroy it caught), nothing
    /// is committed: after_rollback runs and transaction_rolled_back is thrown, never a commit that
    /// returns as if the earlier writes had stayed.
    void commit() {
        end();
        bool ended_by_database = false;
        try {
            ended_by_database = !detail::in_transaction(sql_);
        } catch (...) {
            // a lost connection: COMMIT below fails and says so
        }
        if (ended_by_database) {
            commit_work_.clear();
            detail::run_all(rollback_work_);
            throw transaction_rolled_back();
        }
        if (parent_) {
            detail::execute_text(sql_, "RELEASE SAVEPOINT " + savepoint_);
            for (auto& t : commit_work_) parent_->commit_work_.push_back(std::move(t));
            for (auto& t : rollback_work_) parent_->rollback_work_.push_back(std::move(t));
            commit_work_.clear();
            rollback_work_.clear();
            return;
        }
        detail::execute_text(sql_, "COMMIT");
        rollback_work_.clear();
        detail::run_all(commit_work_);
    }
    /// Rolls back; then the work left for a rollback runs, and the commit's is dropped.
    void rollback() {
        end();
        commit_work_.clear();
        try {
            if (parent_) {
                detail::execute_text(sql_, "ROLLBACK TO SAVEPOINT " + savepoint_);
                detail::execute_text(sql_, "RELEASE SAVEPOINT " + savepoint_);
            } else {
                detail::execute_text(sql_, "ROLLBACK");
            }
        } catch (...) {
            // a lost connection rolls back on the server; the rollback's work still runs
            detail::run_all(rollback_work_);
            throw;
        }
        detail::run_all(rollback_work_);
    }

    /// Runs `f` once the outermost transaction has committed.
    void after_commit(detail::unique_task f) { commit_work_.push_back(std::move(f)); }
    /// Runs `f` once this transaction (or an enclosing one) has rolled back.
    void after_rollback(detail::unique_task f) { rollback_work_.push_back(std::move(f)); }

    /// The innermost cascade::transaction open on `sql`, if any.
    static transaction* open_on(soci::session& sql) {
        auto& r = registry();
        std::lock_guard lock(r.mutex);
        for (auto it = r.open.rbegin(); it != r.open.rend(); ++it)
            if (it->first == &sql) return it->second;
        return nullptr;
    }

private:
    struct registry_t {
        std::mutex mutex;
        std::vector<std::pair<soci::session const*, transaction*>> open;
    };
    static registry_t& registry() {
        static registry_t r;
        return r;
    }
    void enlist() {
        auto& r = registry();
        std::lock_guard lock(r.mutex);
        r.open.emplace_back(&sql_, this);
    }
    void end() {
        if (!active_) throw error("cascade::transaction: already committed or rolled back");
        active_ = false;
        auto& r = registry();
        std::lock_guard lock(r.mutex);
        for (auto it = r.open.begin(); it != r.open.end(); ++it)
            if (it->second == this) {
                r.open.erase(it);
                break;
            }
    }

    soci::session& sql_;
    transaction* parent_;
    std::string savepoint_;
    int depth_counter_ = 0;
    bool active_ = false;
    std::vector<detail::unique_task> commit_work_, rollback_work_;
};

/// Where a destroy, a dry run or destroy_async's enqueue runs, made implicitly from either: a session
/// (the work runs in its own transaction, or in a savepoint of the transaction open on the session), or a
/// cascade::transaction (after_commit, after_rollback and the jobs wait for that transaction's end).
class session_ref {
public:
    session_ref(soci::session& sql) : sql_(sql), scope_(nullptr) {}
    session_ref(transaction& tx) : sql_(tx.session()), scope_(&tx) {}
    soci::session& session() const { return sql_; }
    /// The cascade::transaction given, if any.
    transaction* scope() const { return scope_; }

private:
    soci::session& sql_;
    transaction* scope_;
};

}  // namespace cascade
