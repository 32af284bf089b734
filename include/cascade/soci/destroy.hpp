#pragma once
// Executing the static plan through SOCI, in one transaction:
//   1. find the root row (and lock it on PostgreSQL); a missing key is a not_found result
//   2. every restrict edge the cascade reaches is checked before any write
//   3. depth first, children before parents: a model without callbacks is removed with one statement
//      per edge; a model with callbacks is read by one sorted scan per row set, streamed in pages of
//      `page_size` rows, so memory stays flat however many dependents there are; each page is
//      removed with one DELETE bounded by its first and last key
//   4. commit, then after_commit; on any failure, rollback, after_rollback, and the error goes on
#include <cascade/errors.hpp>
#include <cascade/plan_walk.hpp>
#include <cascade/result.hpp>
#include <cascade/soci/exchange.hpp>
#include <cascade/soci/write_transaction.hpp>

#include <optional>
#include <tuple>

namespace cascade {

struct destroy_options {
    /// Rows held at once for a model with callbacks: the page its rows are streamed in.
    std::size_t page_size = 1000;
};

namespace detail {

template <class E>
inline constexpr association_info association_info_v{E::owner::table, E::name, E::kind::name, E::policy::name};

/// What callbacks see as destroyed_by_association: null for the row destroy was called on.
template <class E>
constexpr association_info const* info_of() {
    if constexpr (std::is_void_v<E>) return nullptr;
    else return &association_info_v<E>;
}

struct aborted_signal {
    std::string_view model;
    std::string key;
};

template <class M>
struct has_commit_callbacks
    : std::bool_constant<has_after_commit<typename M::type> || has_after_rollback<typename M::type>> {};

/// The destroyed rows whose models have after_commit or after_rollback, kept until the end of the
/// transaction. Only those models' rows are kept.
template <class Models>
struct commit_log;
template <class... Ms>
struct commit_log<list<Ms...>> {
    std::tuple<std::vector<std::pair<typename Ms::type, association_info const*>>...> rows;

    template <class M>
    void record(std::vector<typename M::type> const& page, association_info const* by) {
        if constexpr ((std::is_same_v<M, Ms> || ...)) {
            auto& log = std::get<std::vector<std::pair<typename M::type, association_info const*>>>(rows);
            for (auto const& r : page) log.emplace_back(r, by);
        }
    }
    void after_commit(soci::session& sql) {
        (run_each<Ms>(sql, [](auto& r, destroy_context const& c) { run_after_commit(r, c); }), ...);
    }
    void after_rollback(soci::session& sql) {
        (run_each<Ms>(sql, [](auto& r, destroy_context const& c) { run_after_rollback(r, c); }), ...);
    }
    template <class M, class F>
    void run_each(soci::session& sql, F f) {
        for (auto& [row, by] : std::get<std::vector<std::pair<typename M::type, association_info const*>>>(rows))
            f(row, destroy_context{sql, by});
    }
};

template <class Schema>
struct restrict_check {
    soci::session& sql;
    destroy_result& result;

    template <class M>
    static constexpr bool descend = reaches_restrict_v<Schema, M>;

    /// Runs the checks of every restrict edge reached from `root`, walking only the subtrees that
    /// hold one.
    template <class Path>
    void run(Path const& root) {
        if constexpr (reaches_restrict_v<Schema, typename Path::model>) walk<Schema, walk_mode::sets, void>(*this, root, 0);
    }

    template <class E, class Path>
    void enter(Path const&, int) {}
    template <class E, class Path>
    void remove(Path const&, int) {}
    template <class E, class Path>
    void step(Path const& p, int) {
        if constexpr (is_restrict_v<typename E::policy>) {
            std::string owner_key;
            if (!query_one(sql, text_of<sql::first_dependent<Path>>(), p, owner_key)) return;
            if constexpr (std::is_same_v<typename E::policy, dependent::restrict_with_exception>) {
                throw delete_restriction_error(E::owner::table, owner_key, E::name);
            } else {
                std::string message = std::is_same_v<typename E::kind, kind::has_one>
                                          ? "Cannot delete record because a dependent " + std::string(E::name) + " exists"
                                          : "Cannot delete record because dependent " + std::string(E::name) + " exist";
                result.errors.push_back({E::owner::table, std::move(owner_key), E::name, std::move(message)});
            }
        }
    }
};

/// Where a plan without a job runtime would hand destroy_async work: nowhere (destroy refuses such a
/// plan at compile time).
struct no_async_sink {
    template <class E, class Key, class Value>
    void add(soci::session&, Key const&, Value const&) {}
};

/// Runs the plan. Sink receives, for each destroyed row with a destroy_async edge E, the row's key
/// and the value the job will look its dependents up by (`add<E>(sql, key, value)`); the jobs
/// layer turns that into typed jobs handed over after commit.
template <class Schema, class Sink = no_async_sink>
struct destroy_run {
    soci::session& sql;
    sql::dialect dialect;
    long long page_size;
    destroy_result& result;
    commit_log<filter_t<has_commit_callbacks, typename Schema::models>> log{};
    Sink* sink = nullptr;

    /// Destroys every row of `p` (reached through edge E, or the root when E is void).
    template <class E, class Path>
    void node(Path const& p) {
        using M = typename Path::model;
        if constexpr (!needs_rows_v<M>) {
            edges(p);
            result.add(M::table, row_action::deleted, execute_bound(sql, text_of<sql::delete_rows<Path>>(), values_of(p)));
        } else {
            auto on_page = [&](std::vector<typename M::type>& rows) { destroy_page<E>(p, rows); };
            static constexpr row_stream_text text = row_stream_text_of<Path>();
            stream_rows<M>(sql, dialect, text, values_of(p), page_size, on_page);
        }
    }

    /// One page of rows of `p`, loaded: before_destroy on each, their dependents, one DELETE for
    /// the page, after_destroy on each, then the rows their belongs_to edges destroy.
    template <class E, class Path>
    void destroy_page(Path const& p, std::vector<typename Path::model::type>& rows) {
        using M = typename Path::model;
        destroy_context const ctx{sql, info_of<E>()};
        for (auto& r : rows) {
            bool go_on = false;
            try {
                go_on = run_before_destroy(r, ctx);
            } catch (abort_destroy const&) {
            }
            if (!go_on) throw aborted_signal{M::table, key_string(key_of<M>(r))};
        }
        batch_path<Path> const page{p, key_of<M>(rows.front()), key_of<M>(rows.back())};
        edges(page);
        result.add(M::table, row_action::deleted, execute_bound(sql, text_of<sql::delete_rows<batch_path<Path>>>(), values_of(page)));
        for (auto& r : rows) run_after_destroy(r, ctx);
        targets<M>(rows);
        async_edges<M>(rows);
        log.template record<M>(rows, ctx.destroyed_by_association);
    }

    /// destroy_async: each destroyed row's jobs, kept by the sink until the transaction commits.
    template <class M>
    void async_edges(std::vector<typename M::type> const& rows) {
        for_each_type<edges_t<Schema, M>>([&]<class E>() {
            if constexpr (std::is_same_v<typename E::policy, dependent::destroy_async>) {
                constexpr auto value_member = [] {
                    if constexpr (E::belongs) return E::fk_member;
                    else return E::ref_member;
                }();
                for (auto const& r : rows) {
                    auto const& value = r.*value_member;
                    if constexpr (is_optional_v<std::remove_cvref_t<decltype(value)>>) {
                        if (value) sink->template add<E>(sql, key_of<M>(r), *value);
                    } else {
                        sink->template add<E>(sql, key_of<M>(r), value);
                    }
                }
            }
        });
    }

    /// The has-side edges of the rows of `p`, in declaration order.
    template <class Path>
    void edges(Path const& p) {
        for_each_type<edges_t<Schema, typename Path::model>>([&]<class E>() {
            using P = typename E::policy;
            if constexpr (E::belongs) {
            } else if constexpr (std::is_same_v<P, dependent::destroy>) {
                node<E>(edge_path<Path, E>{p});
            } else if constexpr (std::is_same_v<P, dependent::delete_all> || std::is_same_v<P, dependent::delete_>) {
                result.add(E::acted::table, row_action::deleted,
                           execute_bound(sql, text_of<sql::delete_rows<edge_path<Path, E>>>(), values_of(edge_path<Path, E>{p})));
            } else if constexpr (std::is_same_v<P, dependent::nullify>) {
                result.add(E::acted::table, row_action::nullified,
                           execute_bound(sql, text_of<sql::nullify_rows<edge_path<Path, E>>>(), values_of(edge_path<Path, E>{p})));
            }
        });
    }

    /// belongs_to dependent: after the rows are gone, the rows they referred to (Rails runs these in
    /// after_destroy). A target already gone, e.g. shared by two rows of the page, is skipped.
    template <class M>
    void targets(std::vector<typename M::type> const& rows) {
        for_each_type<edges_t<Schema, M>>([&]<class E>() {
            if constexpr (destroys_target_v<E>) {
                using target_key = root_path<typename E::target, E::ref_member>;
                for (auto const& r : rows) {
                    auto const& fk = r.*E::fk_member;
                    if constexpr (is_optional_v<std::remove_cvref_t<decltype(fk)>>) {
                        if (!fk) continue;
                        visit_target<E, target_key>(*fk);
                    } else {
                        visit_target<E, target_key>(fk);
                    }
                }
            }
        });
    }
    template <class E, class TargetKey, class K>
    void visit_target(K const& key) {
        TargetKey const tp{static_cast<decltype(TargetKey::key)>(key)};
        if constexpr (std::is_same_v<typename E::policy, dependent::destroy>) node<E>(tp);
        else result.add(E::target::table, row_action::deleted, execute_bound(sql, text_of<sql::delete_rows<TargetKey>>(), values_of(tp)));
    }
};

template <class Schema, class T>
constexpr bool destroy_allowed() {
    using M = model_for_t<Schema, T>;
    static_assert(!std::is_void_v<M>, "cascade::destroy<Schema, T>: T is not a model of the schema");
    if constexpr (std::is_void_v<M>) {
        return false;
    } else {
        static_assert(!reaches_async<Schema, M>(),
                      "cascade::destroy: this cascade reaches dependent::destroy_async associations, whose jobs "
                      "need an executor; include <cascade/jobs.hpp> and pass a cascade::async_runtime: "
                      "cascade::destroy<Schema, T>(sql, key, jobs)");
        return !reaches_async<Schema, M>();
    }
}

}  // namespace detail

namespace detail {

/// Whether a destroy runs its own transaction, or joins one the caller holds (inside a savepoint,
/// so that an abort or a failure undoes this destroy only).
enum class transaction_mode { own, joined };

template <class Schema, class T, class Key, class Sink, class AfterCommit>
destroy_result destroy_impl(soci::session& sql, Key const& key, destroy_options const& options, Sink* sink,
                            transaction_mode mode, AfterCommit&& after_commit) {
    using M = model_for_t<Schema, T>;
    destroy_result result;
    root_path<M> const root{static_cast<key_db_t<M>>(key)};
    sql::dialect const dialect = sql::dialect_of(sql.get_backend_name());
    destroy_run<Schema, Sink> run{sql, dialect, static_cast<long long>(options.page_size), result, {}, sink};
    std::optional<write_transaction> tx;
    if (mode == transaction_mode::own) tx.emplace(sql);
    else execute_text(sql, "SAVEPOINT cascade_destroy");
    auto const undo = [&] {
        if (tx) tx->rollback();
        else execute_text(sql, "ROLLBACK TO SAVEPOINT cascade_destroy");
    };
    try {
        key_db_t<M> found{};
        bool const exists =
            dialect == sql::dialect::postgresql
                ? query_one(sql, text_of<sql::lock_root<decltype(root), sql::dialect::postgresql>>(), root, found)
                : query_one(sql, text_of<sql::lock_root<decltype(root), sql::dialect::sqlite>>(), root, found);
        if (!exists) {
            undo();
            result.status = destroy_status::not_found;
            return result;
        }
        restrict_check<Schema>{sql, result}.run(root);
        if (!result.errors.empty()) {
            undo();
            result.status = destroy_status::restricted;
            return result;
        }
        run.template node<void>(root);
        if (tx) tx->commit();
        else execute_text(sql, "RELEASE SAVEPOINT cascade_destroy");
    } catch (aborted_signal const& a) {
        undo();
        run.log.after_rollback(sql);
        result.status = destroy_status::aborted;
        result.counts.clear();
        result.aborted_by.emplace(a.model, a.key);
        return result;
    } catch (...) {
        try {
            undo();
        } catch (...) {
            // the connection may be gone; the database rolls back an unfinished transaction itself
        }
        run.log.after_rollback(sql);
        throw;
    }
    run.log.after_commit(sql);
    after_commit();
    return result;
}

}  // namespace detail

/// Destroys the row of T with `key` and, in the same transaction, everything its dependent policies
/// reach. restrict_with_exception throws cascade::delete_restriction_error; every other outcome is in
/// the result. Database errors propagate after a rollback that leaves every row in place.
/// (A cascade that reaches destroy_async needs a job runtime: see <cascade/jobs.hpp>.)
template <class Schema, class T, class Key>
destroy_result destroy(soci::session& sql, Key const& key, destroy_options const& options = {}) {
    static_assert(check_schema<Schema>::ok, "cascade::destroy: the schema is invalid (see the errors above)");
    if constexpr (valid_schema<Schema> && detail::destroy_allowed<Schema, T>()) {
        return detail::destroy_impl<Schema, T>(sql, key, options, static_cast<detail::no_async_sink*>(nullptr),
                                               detail::transaction_mode::own, [] {});
    } else {
        return {};
    }
}

/// Rails' destroy!: the same, but an outcome other than destroyed throws record_not_destroyed.
template <class Schema, class T, class Key>
destroy_result destroy_or_throw(soci::session& sql, Key const& key, destroy_options const& options = {}) {
    destroy_result r = destroy<Schema, T>(sql, key, options);
    if (r) return r;
    using M = detail::model_for_t<Schema, T>;
    switch (r.status) {
        case destroy_status::not_found: throw record_not_destroyed(M::table, detail::key_string(key), "not found");
        case destroy_status::restricted: throw record_not_destroyed(M::table, detail::key_string(key), r.errors.front().message);
        default: throw record_not_destroyed(M::table, detail::key_string(key), "a before_destroy callback aborted");
    }
}

}  // namespace cascade
