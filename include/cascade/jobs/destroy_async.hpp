#pragma once
// destroy with destroy_async: the owner's cascade runs in the request's transaction; the jobs of its
// destroy_async associations go to the runtime's executor only after that transaction commits.
//   cascade::destroy<schema, Author>(sql, 1, jobs);          // its own transaction
//   cascade::transaction tx(sql);                              // or the caller's
//   cascade::destroy<schema, Author>(tx, 1, jobs);
//   tx.commit();                                               // the jobs are handed over here
#include <cascade/jobs/runtime.hpp>

namespace cascade {

/// A transaction that holds the jobs made inside it until it commits; a rollback (or leaving scope
/// without commit) drops them: no job runs for a destroy that did not happen.
class transaction {
public:
    explicit transaction(soci::session& sql) : sql_(sql), tx_(sql) {}
    transaction(transaction const&) = delete;
    transaction& operator=(transaction const&) = delete;

    soci::session& session() { return sql_; }
    void commit() {
        tx_.commit();
        auto run = std::move(after_commit_);
        after_commit_.clear();
        for (auto& f : run) f();
    }
    void rollback() {
        after_commit_.clear();
        tx_.rollback();
    }
    /// Runs `f` once the transaction commits.
    void after_commit(detail::unique_task f) { after_commit_.push_back(std::move(f)); }

private:
    soci::session& sql_;
    detail::write_transaction tx_;
    std::vector<detail::unique_task> after_commit_;
};

/// Destroys the row of T with `key` in its own transaction; the destroy_async jobs go to `jobs`'
/// executor after the commit (none after a rollback, none for an owner without dependents).
template <class Schema, class T, class Key, class Executor, class Sessions>
destroy_result destroy(soci::session& sql, Key const& key, async_runtime<Schema, Executor, Sessions>& jobs,
                       destroy_options const& options = {}) {
    static_assert(check_schema<Schema>::ok, "cascade::destroy: the schema is invalid (see the errors above)");
    if constexpr (valid_schema<Schema>) {
        static_assert(!std::is_void_v<detail::model_for_t<Schema, T>>,
                      "cascade::destroy<Schema, T>: T is not a model of the schema");
        detail::pending_jobs<async_runtime<Schema, Executor, Sessions>> pending(jobs);
        return detail::destroy_impl<Schema, T>(sql, key, options, &pending, detail::transaction_mode::own,
                                               [&] { pending.flush(); });
    } else {
        return {};
    }
}

/// The same inside the caller's transaction: the jobs wait for tx.commit().
template <class Schema, class T, class Key, class Executor, class Sessions>
destroy_result destroy(transaction& tx, Key const& key, async_runtime<Schema, Executor, Sessions>& jobs,
                       destroy_options const& options = {}) {
    static_assert(check_schema<Schema>::ok, "cascade::destroy: the schema is invalid (see the errors above)");
    if constexpr (valid_schema<Schema>) {
        using runtime_t = async_runtime<Schema, Executor, Sessions>;
        auto pending = std::make_unique<detail::pending_jobs<runtime_t>>(jobs);
        destroy_result r = detail::destroy_impl<Schema, T>(tx.session(), key, options, pending.get(),
                                                           detail::transaction_mode::joined, [] {});
        if (r && pending->size() > 0) tx.after_commit([p = std::move(pending)] { p->flush(); });
        return r;
    } else {
        return {};
    }
}

}  // namespace cascade
