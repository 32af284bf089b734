#pragma once
// The code made for a model's type: its rows streamed into its struct, its callbacks run on them with
// the association that reached each row, the jobs of its destroy_async associations, and the rows
// kept for after_commit/after_rollback. One instance per model that loads rows, reached by the
// executor through a table of functions (no virtual call, and no code per path of a plan).
#include <cascade/soci/detail/execute.hpp>

#include <algorithm>
#include <exception>
#include <iterator>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace cascade::detail {

template <class M>
struct has_commit_callbacks
    : std::bool_constant<has_after_commit<typename M::type> || has_after_rollback<typename M::type>> {};

/// The rows of models with after_commit or after_rollback whose destroy began, kept until the
/// outermost transaction ends. A row joins when its before_destroy passed (or, without one, when its
/// set is loaded); after_commit runs on the rows deleted (`arm`), after_rollback on every row that
/// joined (the row whose before_destroy aborted is not one: it refused its destroy).
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
    void record(typename M::type const* page, std::vector<association_info const*> const& by, std::size_t n) {
        if constexpr (contains_v<M, list<Ms...>>) {
            auto& log = std::get<rows_of<M>>(logs).rows;
            for (std::size_t i = 0; i < n; ++i) log.emplace_back(page[i], by[i]);
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
    /// The deleted rows (armed), after the commit. A callback that throws does not keep the other rows'
    /// from theirs (Rails stops at the first); the first exception is rethrown once all have run.
    void after_commit(soci::session& sql) {
        [[maybe_unused]] int const in_order[]{
            0, (run_each<Ms>(sql, true, [](auto& r, destroy_context const& c) { run_after_commit(r, c); }), 0)...};
        rethrow();
    }
    /// Every row whose destroy began, after a rollback: their before_destroy may have taken a side
    /// effect to undo, though the set-based order deletes no row of a set before every row of it and
    /// of its dependents has passed before_destroy.
    void after_rollback(soci::session& sql) {
        [[maybe_unused]] int const in_order[]{
            0, (run_each<Ms>(sql, false, [](auto& r, destroy_context const& c) { run_after_rollback(r, c); }), 0)...};
        rethrow();
    }
    bool empty() const { return all_of({(std::get<rows_of<Ms>>(logs).rows.empty())...}); }

private:
    /// Every row's callback runs, whatever an earlier one threw; the first exception is rethrown after
    /// the last model's rows (see after_commit).
    template <class M, class F>
    void run_each(soci::session& sql, bool armed_only, F f) {
        auto& log = std::get<rows_of<M>>(logs);
        std::size_t const n = armed_only ? log.armed : log.rows.size();
        for (std::size_t i = 0; i < n; ++i) {
            try {
                f(log.rows[i].first, destroy_context{sql, log.rows[i].second});
            } catch (...) {
                if (!failure) failure = std::current_exception();
            }
        }
    }
    std::exception_ptr failure;
    void rethrow() {
        if (auto f = std::exchange(failure, nullptr)) std::rethrow_exception(f);
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

template <class E>
struct is_deferred : std::bool_constant<E::policy::action == policy_action::defer> {};
/// The associations a tree of M's rows hangs by: M's own destroy associations on the has side
/// (comments and their replies). Filtered once, so that code per association is made only for these.
template <class M>
struct tree_edge_of {
    template <class E>
    struct test : std::bool_constant<std::is_same_v<typename E::acted, M> && !E::belongs && !E::through &&
                                     E::policy::action == policy_action::destroy> {};
};

template <class Schema, class Sink>
struct model_rows {
    template <class M>
    using tree_edges_t = filter_t<tree_edge_of<M>::template test, edges_t<Schema, M>>;
    /// Where a tree's rows are held in tree order (see read_tree); nothing for other models.
    struct no_tree_rows {};
    template <class M>
    using tree_rows_t = std::conditional_t<(tree_edges_t<M>::size > 0), std::vector<typename M::type>, no_tree_rows>;

    template <class M>
    static void load(run_context& ctx, std::string_view text, bound_values const& values) {
        using T = typename M::type;
        row_stream<M> stream(ctx.sql, ctx.dialect, text, values, ctx.page_size);
        stream.open();
        tree_rows_t<M> tree;
        std::vector<int> vias;
        std::vector<association_info const*> by;
        for (;;) {
            page_rows<T> const page = next_rows<M>(stream, tree, vias, ctx.tree, false);
            if (page.size == 0) break;
            T* const rows = page.data;
            by.resize(page.size);
            for (std::size_t i = 0; i < page.size; ++i) {
                by[i] = vias[i] >= 0 ? &ctx.g.infos[static_cast<std::size_t>(vias[i])] : nullptr;
                if constexpr (has_before_destroy<T>) {
                    bool go_on = false;
                    try {
                        go_on = run_before_destroy(rows[i], destroy_context{ctx.sql, by[i]});
                    } catch (abort_destroy const&) {
                    } catch (...) {
                        record<M>(ctx, rows, by, i);  // the rows before it began their destroy
                        throw;
                    }
                    if (!go_on) {
                        record<M>(ctx, rows, by, i);
                        throw aborted_signal{M::table, key_string(key_of<M>(rows[i]))};
                    }
                }
            }
            if constexpr (filter_t<is_deferred, edges_t<Schema, M>>::size > 0) jobs<M>(ctx, page);
            record<M>(ctx, rows, by, page.size);
            if (ctx.loaded_keys)
                for (std::size_t i = 0; i < page.size; ++i) {
                    auto const key = key_of<M>(rows[i]);
                    if constexpr (std::is_same_v<decltype(key), std::string const>)
                        sql::append_list_element(ctx.loaded_keys->keys, ctx.dialect, std::string_view(key));
                    else
                        sql::append_list_element(ctx.loaded_keys->keys, ctx.dialect, static_cast<long long>(key));
                    ++ctx.loaded_keys->count;
                }
        }
    }

    /// The next page of rows: the whole set in tree order when it is a tree (`tree`, see read_tree),
    /// else the stream's next page. Only a model with an association to itself can be a tree: the tree
    /// code is made for those alone.
    template <class M>
    static page_rows<typename M::type> next_rows(row_stream<M>& stream, tree_rows_t<M>& tree_rows, std::vector<int>& vias,
                                                 bool tree, bool children_first) {
        if constexpr (tree_edges_t<M>::size > 0)
            if (tree) return read_tree<M>(stream, tree_rows, vias, children_first);
        return stream.next_page(vias);
    }

    /// A recursive set of one model (a tree: comments and their replies) as one page, in tree order:
    /// every row after the rows of the set it hangs from (through the model's own destroy
    /// associations), level by level, key order within a level; `children_first` reverses it
    /// (after_destroy). Rows in a cycle of the data come last, in key order. The whole set is held at
    /// once, in `rows`. Returns no rows once the stream is read.
    template <class M>
    static page_rows<typename M::type> read_tree(row_stream<M>& stream, std::vector<typename M::type>& rows,
                                                 std::vector<int>& vias, bool children_first) {
        std::vector<typename M::type> all;
        std::vector<int> all_vias, page_vias;
        for (page_rows<typename M::type> page; (page = stream.next_page(page_vias)).size > 0;) {
            std::move(page.data, page.data + page.size, std::back_inserter(all));
            all_vias.insert(all_vias.end(), page_vias.begin(), page_vias.end());
        }
        if (all.empty()) return {};
        auto order = tree_order<M>(all);
        if (children_first) std::reverse(order.begin(), order.end());
        rows.clear();
        vias.clear();
        for (std::size_t i : order) {
            rows.push_back(std::move(all[i]));
            vias.push_back(all_vias[i]);
        }
        return {rows.data(), rows.size()};
    }
    template <class M>
    static std::vector<std::size_t> tree_order(std::vector<typename M::type> const& rows) {
        std::size_t const n = rows.size();
        std::vector<std::vector<std::size_t>> children(n);
        std::vector<std::size_t> parents(n, 0);
        for_each_type<tree_edges_t<M>>([&]<class E>() {
            std::unordered_map<std::string, std::vector<std::size_t>> by_ref;
            // a value as text, or none for NULL
            auto const text = [](auto const& v) -> std::optional<std::string> {
                if constexpr (is_optional_v<std::remove_cvref_t<decltype(v)>>) {
                    if (!v) return std::nullopt;
                    return key_string(*v);
                } else {
                    return key_string(v);
                }
            };
            for (std::size_t i = 0; i < n; ++i)
                if (auto ref = text(rows[i].*E::ref_member)) by_ref[*ref].push_back(i);
            for (std::size_t i = 0; i < n; ++i) {
                auto const fk = text(rows[i].*E::fk_member);
                if (!fk) continue;
                auto const it = by_ref.find(*fk);
                if (it == by_ref.end()) continue;
                for (std::size_t parent : it->second) {
                    if (parent == i) continue;
                    children[parent].push_back(i);
                    ++parents[i];
                }
            }
        });
        std::vector<std::size_t> order;
        order.reserve(n);
        for (std::size_t i = 0; i < n; ++i)
            if (parents[i] == 0) order.push_back(i);  // rows come in key order
        for (std::size_t at = 0; at < order.size(); ++at) {
            auto& next = children[order[at]];
            std::sort(next.begin(), next.end());
            for (std::size_t c : next)
                if (--parents[c] == 0) order.push_back(c);
        }
        for (std::size_t i = 0; i < n && order.size() < n; ++i)
            if (parents[i] > 0) order.push_back(i);
        return order;
    }

    /// The first `n` rows of a page began their destroy (their before_destroy passed, or they have
    /// none): they hear after_rollback if the destroy rolls back, after_commit once they are deleted.
    template <class M>
    static void record(run_context& ctx, typename M::type const* rows, std::vector<association_info const*> const& by,
                       std::size_t n) {
        if constexpr (has_commit_callbacks<M>::value)
            static_cast<commit_log<Schema>*>(ctx.log)->template record<M>(rows, by, n);
    }

    template <class M>
    static void after(run_context& ctx, std::string_view text, bound_values const& values, action_ref remove) {
        using T = typename M::type;
        row_stream<M> stream(ctx.sql, ctx.dialect, text, values, ctx.page_size);
        stream.open();
        remove();
        tree_rows_t<M> tree;
        std::vector<int> vias;
        for (page_rows<T> rows; (rows = next_rows<M>(stream, tree, vias, ctx.tree, true)).size > 0;)
            for (std::size_t i = 0; i < rows.size; ++i)
                run_after_destroy(rows.data[i], destroy_context{ctx.sql, vias[i] >= 0 ? &ctx.g.infos[static_cast<std::size_t>(vias[i])] : nullptr});
    }

    template <class M>
    static void arm(run_context& ctx) {
        static_cast<commit_log<Schema>*>(ctx.log)->template arm<M>();
    }

    /// destroy_async: each destroyed row's jobs, to the sink (held until the commit, or written to the
    /// queue in this transaction).
    template <class M>
    static void jobs(run_context& ctx, page_rows<typename M::type> rows) {
        for_each_type<filter_t<is_deferred, edges_t<Schema, M>>>([&]<class E>() {
            auto* sink = static_cast<Sink*>(ctx.sink);
            for (std::size_t i = 0; i < rows.size; ++i) {
                auto const& r = rows.data[i];
                auto const& value = r.*job_value_member<E>;
                if constexpr (is_optional_v<std::remove_cvref_t<decltype(value)>>) {
                    if (value) sink->template add<E>(ctx.sql, key_of<M>(r), *value);
                } else {
                    sink->template add<E>(ctx.sql, key_of<M>(r), value);
                }
            }
        });
    }

};

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
