#pragma once
// destroy, destroy_or_throw and destroy_all: the plan of the rows they name, run in one transaction.
//   - its own transaction when the session has none; the caller's when it has one: a savepoint inside
//     it, so that a failure undoes this destroy only, and the caller's commit or rollback decides. A
//     cascade::transaction (or one found open on the session) runs after_commit/after_rollback and
//     hands over jobs at its real end; a transaction cascade did not open cannot tell it when that is,
//     so a destroy with such work refuses it (transaction_required) before running anything.
//   - on PostgreSQL a deadlock or a serialization failure runs the whole destroy again (a bounded
//     number of times, destroy_options::deadlock_retries), after after_rollback for the failed try.
#include <cascade/schema_check.hpp>
#include <cascade/soci/rows.hpp>
#include <cascade/soci/transaction.hpp>

#include <chrono>
#include <iterator>
#include <optional>

#include <time.h>

namespace cascade {

struct destroy_options {
    /// Rows held at once for a model whose rows are loaded (callbacks, jobs): the page they stream in.
    std::size_t page_size = 1000;
    /// PostgreSQL: how many times a destroy that hit a deadlock or a serialization failure runs again.
    int deadlock_retries = 3;
};

namespace detail {

/// The conditions of destroy_all(where<...>...): columns of the root model and their values.
template <class T, class... Ws>
struct where_list {
    static_assert(((member_traits<where_traits<Ws>::member>::is_member &&
                    std::is_same_v<typename member_traits<where_traits<Ws>::member>::owner, T>) && ...),
                  "cascade::destroy_all: every where<&T::member, value> must name a member of T");
    static constexpr std::array<scope_data, sizeof...(Ws)> scopes = [] {
        std::array<scope_data, sizeof...(Ws)> out{};
        int i = 0;
        ((out[static_cast<std::size_t>(i)] = {column_name_v<where_traits<Ws>::member>, i}, ++i), ...);
        return out;
    }();
    static constexpr std::array<constant_data, sizeof...(Ws)> constants{
        constant_data{tag_of_v<typename constant<where_traits<Ws>::value>::type>, &constant<where_traits<Ws>::value>::address}...};
};
template <class Schema, class T, class... Ws>
root_spec where_root() {
    root_spec r;
    r.model = root_model<Schema, T>();
    r.scopes = where_list<T, Ws...>::scopes;
    r.constants = where_list<T, Ws...>::constants;
    return r;
}

/// The value a key is bound as, checked (no NUL byte) before anything runs.
template <class M, class Key>
key_db_t<M> key_value(Key const& key) {
    check_value(key, "key");
    if constexpr (std::is_same_v<key_db_t<M>, std::string>) return std::string(key);
    else return static_cast<key_db_t<M>>(key);
}
/// A list of keys as one bound value (a PostgreSQL array, a JSON array for SQLite).
template <class M, class Keys>
std::string key_list(Keys const& keys, sql::dialect d) {
    std::string list;
    for (auto const& k : keys) {
        auto const v = key_value<M>(k);
        if constexpr (std::is_same_v<decltype(v), std::string const>) sql::append_list_element(list, d, std::string_view(v));
        else sql::append_list_element(list, d, static_cast<long long>(v));
    }
    sql::close_list(list, d);
    return list;
}

/// Whether a destroy rooted at model `m` has work for the end of the outermost transaction:
/// after_commit/after_rollback callbacks, or (`jobs_after_commit`) destroy_async jobs held until then.
template <class Schema>
constexpr bool has_end_work(int m, bool jobs_after_commit) {
    auto const& r = reach_of<Schema>[static_cast<std::size_t>(m)];
    return r.commit_callbacks || (jobs_after_commit && r.async);
}

/// How a destroy ran, for the jobs layer: the result, and whether its root had any row.
struct destroy_run_options {
    run_options run{};
    bool not_found_is_empty = false;  ///< destroy_all: no row at all is a destroy of nothing
    /// The row code per model: row_table<Schema, Sink, Root>, where Root is the model the plan starts
    /// from when the caller knows it at compile time (only what that destroy can reach is generated), -1
    /// (every model's) when it does not.
    row_ops const* rows = nullptr;
};

/// Runs a prepared plan as a destroy, in the session's transaction situation (see the top of this
/// file). `sink` receives destroy_async work: `add<E>(...)`, `clear()` when a try is undone, and
/// `hand_over()` returning the task that hands the held jobs to their executor after the commit.
/// `inside(sql)` runs first inside the transaction (a job's owner check).
/// A short, jittered pause before a destroy runs again (the other transaction finishes meanwhile).
inline void pause_before_retry(int attempt) {
    thread_local unsigned state = static_cast<unsigned>(reinterpret_cast<std::uintptr_t>(&state) ^
                                                        static_cast<std::uintptr_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    state = state * 1664525u + 1013904223u;
    long const ms = 5 + static_cast<long>(state >> 8) % (20L * (attempt + 1));
    timespec const pause{ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, nullptr);
}

/// Nothing to check inside the transaction before the plan runs.
struct nothing_inside {
    void operator()(soci::session&) const {}
};

/// The associations of the schema between the table whose delete was refused and the table whose rows
/// refer to it ("owner.name", joined by " or "), empty when none is declared or the
/// database did not name both tables (SQLite).
template <class Schema>
std::string declared_between(std::string_view deleted, std::string_view referring) {
    auto const& g = graph_of<Schema>;
    std::string out;
    if (deleted.empty() || referring.empty()) return out;
    for (auto const& e : g.edges) {
        bool const has_side = e.has_side() && g.model(e.owner).table == deleted && g.model(e.acted).table == referring;
        bool const belongs = !e.has_side() && g.model(e.target).table == deleted && g.model(e.owner).table == referring;
        if (!has_side && !belongs) continue;
        if (!out.empty()) out += " or ";
        out += std::string(g.model(e.owner).table) + "." + std::string(e.name);
    }
    return out;
}

/// Whether the session is still inside a transaction (false when that cannot be told: a lost connection).
inline bool still_in_transaction(soci::session& sql) {
    try {
        return in_transaction(sql);
    } catch (...) {
        return false;
    }
}

/// Rethrows a failure of the cascade; the database's foreign key refusal becomes
/// cascade::foreign_key_violation, naming the destroy_async association it blocks when there is one.
template <class Schema>
[[noreturn]] void rethrow_failure(std::exception_ptr const& failure) {
    auto const refusal = foreign_key_refused(failure);
    if (!refusal) std::rethrow_exception(failure);
    auto const& g = graph_of<Schema>;
    // The destroy_async associations whose dependents are on the referring table (SQLite does not name
    // the table: then every destroy_async association is a candidate).
    std::string association;
    // PostgreSQL says which delete was refused ("update or delete on table X"): only X's own
    // destroy_async associations onto the referring table can be the cause; an insert or update
    // refused (a callback's write) is none of them.
    bool const a_delete = refusal->unknown_statement || !refusal->deleted.empty();
    for (auto const& e : g.edges) {
        if (!a_delete || e.action != policy_action::defer || !e.has_side()) continue;
        if (!refusal->table.empty() && refusal->table != g.model(e.acted).table) continue;
        if (!refusal->deleted.empty() && refusal->deleted != g.model(e.owner).table) continue;
        if (!association.empty()) association += " or ";
        association += std::string(g.model(e.owner).table) + "." + std::string(e.name);
    }
    std::string constraint = "the database's foreign key constraint \"";
    if (refusal->constraint.empty()) constraint = "a foreign key constraint of the database";
    else constraint += refusal->constraint + "\"";
    std::string const on = refusal->table.empty() ? std::string() : " on " + refusal->table;
    std::string what;
    if (!association.empty()) {
        what = "cascade: " + constraint + on + " refused to delete an owner before its dependents, but " +
               association +
               " is dependent::destroy_async: its job deletes the dependents after the owner is gone. Fix: drop the "
               "constraint (the job removes the dependents; Rails has the same limit), or make the association "
               "dependent::destroy or delete_all. Not ON DELETE CASCADE: the database would delete the dependents at "
               "once, without their callbacks and cascades, and the job would find nothing (rails#40777). Nothing was "
               "changed";
    } else if (auto const declared = declared_between<Schema>(refusal->deleted, refusal->table); !declared.empty()) {
        association = declared;
        what = "cascade: " + constraint + on + " refused to delete rows of " + refusal->deleted +
               " that rows of " + refusal->table + " still refer to, through " + declared +
               ": rows its policy does not reach (outside its scope, or written meanwhile by a callback or another "
               "session), or, for a belongs_to, a target other rows still refer to. Nothing was changed";
    } else {
        what = "cascade: " + constraint + on +
               " refused a delete: rows refer to the destroyed rows through a key no association of the schema "
               "declares. Declare it (has_many or has_one with a dependent policy), or give the constraint ON DELETE "
               "CASCADE or SET NULL. Nothing was changed";
    }
    throw foreign_key_violation(std::move(what), refusal->constraint, refusal->table, std::move(association));
}

template <class Schema, class Sink, class Inside = nothing_inside>
destroy_result run_destroy(soci::session& sql, transaction* scope, prepared_plan const& pp, bound_values const& root,
                           destroy_options const& options, Sink& sink, bool end_work, destroy_run_options ro = {},
                           Inside inside = {}) {
    if (!scope) scope = transaction::open_on(sql);
    bool const foreign = !scope && in_transaction(sql);
    if (foreign && end_work) throw transaction_required("cascade::destroy");
    root.check();
    sql::dialect const d = dialect_of(sql);
    row_ops const* const ops = ro.rows;
    if (!ops) throw std::logic_error("cascade::detail::run_destroy: no row table");
    if (int const m = missing_row_code(pp.p, ops); m >= 0) throw_missing_row_code(graph_of<Schema>, m);
    for (int attempt = 0;; ++attempt) {
        auto log = std::make_shared<commit_log<Schema>>();
        destroy_result result;
        run_context ctx{sql, d, graph_of<Schema>, result, static_cast<long long>(options.page_size), false,
                        ops, &sink, log.get()};
        bool const own = !scope && !foreign;
        std::optional<write_transaction> tx;
        if (own) tx.emplace(sql);
        else execute_text(sql, "SAVEPOINT cascade_destroy");
        auto const undo = [&] {
            if (tx) {
                tx->rollback();
            } else {
                execute_text(sql, "ROLLBACK TO SAVEPOINT cascade_destroy");
                execute_text(sql, "RELEASE SAVEPOINT cascade_destroy");
            }
        };
        auto const give_up = [&](destroy_status status) {
            undo();
            sink.clear();
            log->after_rollback(sql);
            result.status = status;
            if (status != destroy_status::restricted) result.counts.clear();
            return result;
        };
        run_outcome outcome;
        try {
            inside(sql);
            outcome = run_plan(ctx, pp, root, ro.run);
            if (outcome == run_outcome::done) {
                if (tx) tx->commit();
                else execute_text(sql, "RELEASE SAVEPOINT cascade_destroy");
            }
        } catch (aborted_signal const& a) {
            result.aborted_by.emplace(a.model, a.key);
            return give_up(destroy_status::aborted);
        } catch (...) {
            auto const failure = std::current_exception();
            try {
                undo();
            } catch (...) {
                // the connection may be gone; the database rolls back an unfinished transaction itself
            }
            sink.clear();
            // Run again only inside a transaction that still exists: ours (begun anew), or the caller's
            // when the database kept it (PostgreSQL fails the statement; InnoDB rolls a deadlocked
            // transaction back whole, the caller's earlier writes with it: the caller must hear it, and
            // the destroy must not go on statement by statement outside any transaction).
            bool const again = retryable(failure) && attempt < options.deadlock_retries && (own || still_in_transaction(sql));
            try {
                log->after_rollback(sql);
            } catch (...) {
                if (!again) throw;
            }
            if (!again) rethrow_failure<Schema>(failure);
            pause_before_retry(attempt);
            continue;
        }
        if (outcome == run_outcome::not_found) {
            if (ro.not_found_is_empty) {
                undo();
                return result;
            }
            return give_up(destroy_status::not_found);
        }
        if (outcome == run_outcome::restricted) return give_up(destroy_status::restricted);
        if (own) {
            std::vector<unique_task> after;
            after.emplace_back([&] { log->after_commit(sql); });
            if (auto jobs = sink.hand_over()) after.push_back(std::move(jobs));
            run_all(after);
        } else if (scope) {
            scope->after_commit([log, &sql] { log->after_commit(sql); });
            if (auto jobs = sink.hand_over()) scope->after_commit(std::move(jobs));
            scope->after_rollback([log, &sql] { log->after_rollback(sql); });
        }
        return result;
    }
}

/// The sink of a destroy without a job runtime: destroy_async is refused at compile time.
struct no_sink : no_async_sink {
    void clear() {}
    unique_task hand_over() { return {}; }
};

template <class Schema, class T>
constexpr bool destroy_allowed() {
    constexpr int m = root_model<Schema, T>();
    static_assert(!reach_of<Schema>[static_cast<std::size_t>(m)].async,
                  "cascade::destroy: this cascade reaches dependent::destroy_async associations, whose jobs "
                  "need an executor; include <cascade/jobs.hpp> and pass a cascade::async_runtime: "
                  "cascade::destroy<Schema, T>(sql, key, jobs)");
    return !reach_of<Schema>[static_cast<std::size_t>(m)].async;
}

template <class Schema, class T, class Key>
destroy_result destroy_key(soci::session& sql, transaction* scope, Key const& key, destroy_options const& options) {
    using M = model_for_t<Schema, T>;
    auto const value = key_value<M>(key);
    bound_values root;
    root(value, "key");
    static prepared_plan const& pp = prepare(graph_of<Schema>, key_root<Schema, T>());
    no_sink sink;
    return run_destroy<Schema>(sql, scope, pp, root, options, sink, has_end_work<Schema>(root_model<Schema, T>(), false),
                               {.rows = row_table<Schema, no_sink, root_model<Schema, T>()>.data()});
}

template <class Schema, class T, class Keys>
destroy_result destroy_keys(soci::session& sql, transaction* scope, Keys const& keys, destroy_options const& options) {
    using M = model_for_t<Schema, T>;
    std::string const list = key_list<M>(keys, dialect_of(sql));
    bound_values root;
    root(list, "key list");
    static prepared_plan const& pp = prepare(graph_of<Schema>, keys_root<Schema, T>());
    no_sink sink;
    return run_destroy<Schema>(sql, scope, pp, root, options, sink, has_end_work<Schema>(root_model<Schema, T>(), false),
                               {.not_found_is_empty = true, .rows = row_table<Schema, no_sink, root_model<Schema, T>()>.data()});
}

/// The root of a destroy by condition once its rows are known: their keys, and the condition still.
template <class Schema, class T, class... Ws>
root_spec where_keys_root() {
    root_spec r = where_root<Schema, T, Ws...>();
    r.column = graph_of<Schema>.model(r.model).key;
    r.list = true;
    return r;
}
/// The keys of the rows of T that match the condition now, as one bound list. A destroy by condition
/// fixes its rows so when it starts and runs on the list (checking the condition too): on PostgreSQL
/// each statement sees what other transactions committed before it began, and with the condition
/// alone, a row that came to match while the destroy ran was deleted by its last statement, after
/// the ones that destroy the dependents (left as orphans, or a foreign key refused) and without its
/// callbacks. Rails' where(...).destroy_all loads its rows first too.
template <class Schema, class T, class... Ws>
std::string keys_where(soci::session& sql) {
    using M = model_for_t<Schema, T>;
    static prepared_plan const& pp = prepare(graph_of<Schema>, where_root<Schema, T, Ws...>());
    sql::dialect const d = dialect_of(sql);
    auto const& st = pp.in(d).root_keys;
    std::vector<key_db_t<M>> keys;
    query_column(sql, st.text, bind(st, graph_of<Schema>, pp.p.root, bound_values{}), keys, 10000);
    return key_list<M>(keys, d);
}

template <class Schema, class T, class... Ws>
destroy_result destroy_where(soci::session& sql, transaction* scope, destroy_options const& options) {
    std::string const list = keys_where<Schema, T, Ws...>(sql);
    bound_values root;
    root(list, "key list");
    static prepared_plan const& pp = prepare(graph_of<Schema>, where_keys_root<Schema, T, Ws...>());
    no_sink sink;
    return run_destroy<Schema>(sql, scope, pp, root, options, sink, has_end_work<Schema>(root_model<Schema, T>(), false),
                               {.not_found_is_empty = true, .rows = row_table<Schema, no_sink, root_model<Schema, T>()>.data()});
}

[[noreturn]] inline void throw_not_destroyed(std::string_view table, std::string key, destroy_result const& r) {
    switch (r.status) {
        case destroy_status::not_found: throw record_not_destroyed(table, std::move(key), "not found");
        case destroy_status::restricted: throw record_not_destroyed(table, std::move(key), r.errors.front().message);
        default: throw record_not_destroyed(table, std::move(key), "a before_destroy callback aborted");
    }
}

template <class Key>
concept key_range = requires(Key const& k) {
    std::begin(k);
    std::end(k);
} && !std::is_convertible_v<Key const&, std::string_view>;

}  // namespace detail

/// Destroys the row of T with `key` and everything its dependent policies reach, in one transaction: its
/// own, a savepoint of the one open on the session, or `on`'s cascade::transaction (whose commit runs
/// after_commit, and rollback after_rollback). restrict_with_exception throws
/// cascade::delete_restriction_error; every other outcome is in the result. Database errors propagate
/// after a rollback that leaves every row in place. (A cascade that reaches destroy_async needs a job
/// runtime: see <cascade/jobs.hpp>.)
template <class Schema, class T, class Key>
destroy_result destroy(session_ref on, Key const& key, destroy_options const& options = {}) {
    if constexpr (check_schema<Schema>::ok) {
        if constexpr (detail::destroy_allowed<Schema, T>()) return detail::destroy_key<Schema, T>(on.session(), on.scope(), key, options);
        else return {};
    } else {
        return {};
    }
}

/// Rails' destroy!: the same, but an outcome other than destroyed throws record_not_destroyed.
template <class Schema, class T, class Key>
destroy_result destroy_or_throw(session_ref on, Key const& key, destroy_options const& options = {}) {
    destroy_result r = destroy<Schema, T>(on, key, options);
    if (!r) detail::throw_not_destroyed(detail::model_for_t<Schema, T>::table, detail::key_string(key), r);
    return r;
}

/// Destroys the rows of T with these keys, in one transaction, each with its callbacks and its
/// dependents as if destroyed alone; one plan runs for all (Rails' `where(id: keys).destroy_all`,
/// Django's QuerySet.delete()). A restriction on any of them stops all: the result lists each.
template <class Schema, class T, detail::key_range Keys>
destroy_result destroy_all(session_ref on, Keys const& keys, destroy_options const& options = {}) {
    if constexpr (check_schema<Schema>::ok) {
        if constexpr (detail::destroy_allowed<Schema, T>()) return detail::destroy_keys<Schema, T>(on.session(), on.scope(), keys, options);
        else return {};
    } else {
        return {};
    }
}
/// Destroys the rows of T matching every condition given as template arguments:
///   cascade::destroy_all<schema, Author, cascade::where<&Author::banned, true>>(sql)
/// (the scopes' vocabulary: equality on T's columns, values bound).
template <class Schema, class T, class Where, class... Wheres>
    requires(detail::is_where<Where>::value && (detail::is_where<Wheres>::value && ...))
destroy_result destroy_all(session_ref on, destroy_options const& options = {}) {
    if constexpr (check_schema<Schema>::ok) {
        if constexpr (detail::destroy_allowed<Schema, T>())
            return detail::destroy_where<Schema, T, Where, Wheres...>(on.session(), on.scope(), options);
        else return {};
    } else {
        return {};
    }
}

}  // namespace cascade
