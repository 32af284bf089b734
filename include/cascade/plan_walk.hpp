#pragma once
// One walk over the static plan of a model, shared by everything that reads the plan without
// executing it: the restrict checks, the dry run and explain. It visits, in execution order,
//   enter<E>(path, depth)   a set of rows about to be destroyed (E: the edge that reached it, or void)
//   step<E>(path, depth)    an edge that does not recurse: delete, nullify, restrict, destroy_async
//   remove<E>(path, depth)  the DELETE of the set entered last
// In `sets` mode every set is one path (what the rows are); in `exact` mode a model that needs its
// rows is walked through its page of loaded rows, as the executor runs it (what the SQL is).
#include <cascade/plan.hpp>

namespace cascade::detail {

enum class walk_mode { sets, exact };

template <class E>
inline constexpr bool destroys_target_v =
    E::belongs && (std::is_same_v<typename E::policy, dependent::destroy> ||
                   std::is_same_v<typename E::policy, dependent::delete_>);

template <class Schema, walk_mode Mode, class E, class Path, class V>
void walk(V& v, Path const& p, int depth);

/// A visitor may say, per model, whether the walk goes into its rows (`descend<M>`); by default it does.
template <class V, class M>
constexpr bool descends() {
    if constexpr (requires { V::template descend<M>; }) return V::template descend<M>;
    else return true;
}

template <class Schema, walk_mode Mode, class Path, class V>
void walk_edges(V& v, Path const& p, int depth) {
    for_each_type<edges_t<Schema, typename Path::model>>([&]<class E>() {
        if constexpr (!E::belongs && !std::is_same_v<typename E::policy, dependent::none>) {
            edge_path<Path, E> ep{p};
            if constexpr (!recurses_v<E>) v.template step<E>(ep, depth + 1);
            else if constexpr (descends<V, typename E::acted>()) walk<Schema, Mode, E>(v, ep, depth + 1);
        }
    });
}

template <class Schema, walk_mode Mode, class Path, class V>
void walk_targets(V& v, Path const& p, int depth) {
    for_each_type<edges_t<Schema, typename Path::model>>([&]<class E>() {
        if constexpr (destroys_target_v<E>) {
            if constexpr (Mode == walk_mode::exact) {
                root_path<typename E::target, E::ref_member> tp{};
                if constexpr (recurses_v<E>) walk<Schema, Mode, E>(v, tp, depth + 1);
                else v.template step<E>(tp, depth + 1);
            } else {
                target_path<Path, E> tp{p};
                if constexpr (!recurses_v<E>) v.template step<E>(tp, depth + 1);
                else if constexpr (descends<V, typename E::target>()) walk<Schema, Mode, E>(v, tp, depth + 1);
            }
        }
    });
}

template <class Schema, walk_mode Mode, class E, class Path, class V>
void walk(V& v, Path const& p, int depth) {
    v.template enter<E>(p, depth);
    if constexpr (Mode == walk_mode::exact && needs_rows_v<typename Path::model>) {
        batch_path<Path> page{p, {}, {}};
        walk_edges<Schema, Mode>(v, page, depth);
        v.template remove<E>(page, depth);
        walk_targets<Schema, Mode>(v, page, depth);
    } else {
        walk_edges<Schema, Mode>(v, p, depth);
        v.template remove<E>(p, depth);
        walk_targets<Schema, Mode>(v, p, depth);
    }
}

/// True when destroying M's rows reaches a restrict edge: the restrict checks walk only there.
template <class Schema, class M>
constexpr bool reaches_restrict() {
    bool found = false;
    for_each_type<edges_t<Schema, M>>([&]<class E>() {
        if constexpr (is_restrict_v<typename E::policy>) found = true;
        else if constexpr (recurses_v<E>) found = found || reaches_restrict<Schema, next_model_t<E>>();
    });
    return found;
}
template <class Schema, class M>
inline constexpr bool reaches_restrict_v = reaches_restrict<Schema, M>();

/// True when destroying M reaches a destroy_async edge (which needs an executor).
template <class Schema, class M>
constexpr bool reaches_async() {
    bool found = false;
    for_each_type<edges_t<Schema, M>>([&]<class E>() {
        if constexpr (std::is_same_v<typename E::policy, dependent::destroy_async>) found = true;
        else if constexpr (recurses_v<E>) found = found || reaches_async<Schema, next_model_t<E>>();
    });
    return found;
}

}  // namespace cascade::detail
