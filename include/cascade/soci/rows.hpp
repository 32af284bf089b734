#pragma once
// The code made for a model's type: its rows streamed into its struct, its callbacks run on them with
// the association that reached each row, the jobs of its destroy_async associations, and the rows
// kept for after_commit/after_rollback. One instance per model that loads rows, reached by the
// executor through a table of functions (no virtual call, and no code per path of a plan).
#include <cascade/soci/execute.hpp>

#include <tuple>

namespace cascade::detail {

template <class M>
struct has_commit_callbacks
    : std::bool_constant<has_after_commit<typename M::type> || has_after_rollback<typename M::type>> {};

/// The destroyed rows of models with after_commit or after_rollback, kept until the outermost
/// transaction ends. A row joins when its set is loaded; it hears the end only once it was deleted
/// (`arm`): a destroy that stops before deleting it leaves it out, as Rails does.
template <class Models>
struct commit_log_of;
template <class... Ms>
struct commit_log_of<list<Ms...>> {
    template <class M>
    struct rows_of {
        std::vector<std::pair<typename M::type, association_info const*>> rows;
        std::size_t armed = 0;
    };
    std::tuple<rows_of<Ms>...> logs;

    template <class M>
    void record(std::vector<typename M::type> const& page, std::vector<association_info const*> const& by) {
        if constexpr (contains_v<M, list<Ms...>>) {
            auto& log = std::get<rows_of<M>>(logs).rows;
            for (std::size_t i = 0; i < page.size(); ++i) log.emplace_back(page[i], by[i]);
        }
    }
    template <class M>
    void arm() {
        if constexpr (contains_v<M, list<Ms...>>) {
            auto& log = std::get<rows_of<M>>(logs);
            log.armed = log.rows.size();
        }
    }
    // Braced lists rather than folds: flat for any number of models (see detail::any_of).
    void after_commit(soci::session& sql) {
        [[maybe_unused]] int const in_order[]{
            0, (run_each<Ms>(sql, [](auto& r, destroy_context const& c) { run_after_commit(r, c); }), 0)...};
    }
    void after_rollback(soci::session& sql) {
        [[maybe_unused]] int const in_order[]{
            0, (run_each<Ms>(sql, [](auto& r, destroy_context const& c) { run_after_rollback(r, c); }), 0)...};
    }
    bool empty() const { return all_of({(std::get<rows_of<Ms>>(logs).armed == 0)...}); }

private:
    template <class M, class F>
    void run_each(soci::session& sql, F f) {
        auto& log = std::get<rows_of<M>>(logs);
        for (std::size_t i = 0; i < log.armed; ++i) f(log.rows[i].first, destroy_context{sql, log.rows[i].second});
    }
};
/// Named by the schema alone (see detail::arrays).
template <class Schema>
struct commit_models_of {
    using type = filter_t<has_commit_callbacks, typename Schema::models>;
};
template <class Schema>
using commit_log = commit_log_of<typename commit_models_of<Schema>::type>;

/// Where a destroy without a job runtime would hand destroy_async work: nowhere (such a destroy is
/// refused at compile time).
struct no_async_sink {
    template <class E, class Key, class Value>
    void add(soci::session&, Key const&, Value const&) {}
};

template <class Schema, class Sink>
struct model_rows {
    template <class M>
    static void load(run_context& ctx, std::string_view text, bound_values const& values) {
        using T = typename M::type;
        row_stream<M> stream(ctx.sql, ctx.dialect, text, values, ctx.page_size);
        stream.open();
        std::vector<T> rows;
        std::vector<int> vias;
        std::vector<association_info const*> by;
        while (stream.next(rows, vias)) {
            by.resize(rows.size());
            for (std::size_t i = 0; i < rows.size(); ++i) {
                by[i] = vias[i] >= 0 ? &ctx.g.infos[static_cast<std::size_t>(vias[i])] : nullptr;
                if constexpr (has_before_destroy<T>) {
                    bool go_on = false;
                    try {
                        go_on = run_before_destroy(rows[i], destroy_context{ctx.sql, by[i]});
                    } catch (abort_destroy const&) {
                    }
                    if (!go_on) throw aborted_signal{M::table, key_string(key_of<M>(rows[i]))};
                }
            }
            jobs<M>(ctx, rows);
            if constexpr (has_commit_callbacks<M>::value) static_cast<commit_log<Schema>*>(ctx.log)->template record<M>(rows, by);
        }
    }

    template <class M>
    static void after(run_context& ctx, std::string_view text, bound_values const& values, action_ref remove) {
        using T = typename M::type;
        row_stream<M> stream(ctx.sql, ctx.dialect, text, values, ctx.page_size);
        stream.open();
        remove();
        std::vector<T> rows;
        std::vector<int> vias;
        while (stream.next(rows, vias))
            for (std::size_t i = 0; i < rows.size(); ++i)
                run_after_destroy(rows[i], destroy_context{ctx.sql, vias[i] >= 0 ? &ctx.g.infos[static_cast<std::size_t>(vias[i])] : nullptr});
    }

    template <class M>
    static void arm(run_context& ctx) {
        static_cast<commit_log<Schema>*>(ctx.log)->template arm<M>();
    }

    /// destroy_async: each destroyed row's jobs, to the sink (held until the commit, or written to the
    /// queue in this transaction).
    template <class M>
    static void jobs(run_context& ctx, std::vector<typename M::type> const& rows) {
        for_each_type<edges_t<Schema, M>>([&]<class E>() {
            if constexpr (E::policy::action == policy_action::defer) {
                auto* sink = static_cast<Sink*>(ctx.sink);
                for (auto const& r : rows) {
                    auto const& value = r.*job_value_member<E>;
                    if constexpr (is_optional_v<std::remove_cvref_t<decltype(value)>>) {
                        if (value) sink->template add<E>(ctx.sql, key_of<M>(r), *value);
                    } else {
                        sink->template add<E>(ctx.sql, key_of<M>(r), value);
                    }
                }
            }
        });
    }

};

template <class E>
struct is_deferred : std::bool_constant<E::policy::action == policy_action::defer> {};

template <class Schema, class Sink, class M>
constexpr row_ops row_ops_of() {
    using R = model_rows<Schema, Sink>;
    using T = typename M::type;
    row_ops o;
    if constexpr (has_before_destroy<T> || has_commit_callbacks<M>::value || filter_t<is_deferred, edges_t<Schema, M>>::size > 0)
        o.load = &R::template load<M>;
    if constexpr (has_after_destroy<T>) o.after = &R::template after<M>;
    if constexpr (has_commit_callbacks<M>::value) o.arm = &R::template arm<M>;
    return o;
}
/// The models a destroy whose rows start at model Root can reach through associations that carry the
/// cascade on (dependent::destroy: to the acted model on the has side, to the target of a belongs_to),
/// whose row code it may therefore run: their positions, `count` of them. Root < 0: every model (the job
/// runtime, whose roots are known only at run time). The executor checks each plan against its table
/// before it runs (missing_row_code): a model missed here is an error, never callbacks skipped.
template <std::size_t N>
struct reached_models {
    std::array<int, N> at{};
    std::size_t count = 0;
};
template <class Schema, int Root>
inline constexpr auto reached_from = [] {
    using A = arrays<Schema>;
    reached_models<A::N> out;
    std::array<bool, A::N> seen{};
    if constexpr (Root < 0) {
        for (std::size_t m = 0; m < A::N; ++m) out.at[out.count++] = static_cast<int>(m);
    } else {
        seen[static_cast<std::size_t>(Root)] = true;
        out.at[out.count++] = Root;
        for (std::size_t next = 0; next < out.count; ++next) {  // out.at is the queue
            auto const& m = A::models[static_cast<std::size_t>(out.at[next])];
            for (int k = m.first_edge; k < m.first_edge + m.edges; ++k) {
                auto const& e = A::edges[static_cast<std::size_t>(k)];
                if (!e.carries_cascade()) continue;
                auto const to = static_cast<std::size_t>(e.reaches());
                if (seen[to]) continue;
                seen[to] = true;
                out.at[out.count++] = static_cast<int>(to);
            }
        }
    }
    return out;
}();

/// The model at position I of Schema's list, found through a table named by the schema alone (see
/// detail::arrays).
template <class Schema>
struct model_at_table_of {
    template <class List>
    struct of;
    template <class... Ms>
    struct of<list<Ms...>> {
        using type = index_table<std::index_sequence_for<Ms...>, Ms...>;
    };
    using type = typename of<typename Schema::models>::type;
};
template <class Schema, std::size_t I>
using model_at_t = typename decltype(select_at<I>(static_cast<typename model_at_table_of<Schema>::type const*>(nullptr)))::type;

/// The row code of the models a destroy from model Root can reach (every model for Root < 0), indexed by
/// model; empty for the others and for models whose rows are never loaded. Per root, not per schema:
/// code is generated only for what that destroy can run (one root of the 200-model benchmark schema
/// reaches 8 of its 50 models with callbacks), and a root costs the compiler only its reached models.
template <class Schema, class Sink, int Root>
struct row_table_of {
    static constexpr auto const& reached = reached_from<Schema, Root>;
    template <std::size_t... J>
    static constexpr auto make(std::index_sequence<J...>) {
        std::array<row_ops, arrays<Schema>::N> table{};
        // A braced list, not a comma fold: flat for any number of models (see any_of).
        [[maybe_unused]] int const in_order[]{
            0, ((table[static_cast<std::size_t>(reached.at[J])] =
                     row_ops_of<Schema, Sink, model_at_t<Schema, static_cast<std::size_t>(reached.at[J])>>()),
                0)...};
        return table;
    }
    static constexpr auto value = make(std::make_index_sequence<reached.count>{});
};
template <class Schema, class Sink, int Root = -1>
inline constexpr auto const& row_table = row_table_of<Schema, Sink, Root>::value;

}  // namespace cascade::detail
