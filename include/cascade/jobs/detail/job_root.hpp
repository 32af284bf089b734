#pragma once
// The root of the plan a destroy_async job runs: the dependents (or targets) of one owner's association.
#include <cascade/detail/graph.hpp>
#include <cascade/detail/plan.hpp>
#include <cascade/schema_check.hpp>

namespace cascade::detail {

/// The rows a job of E destroys, as the root of their model's plan:
///   has side: the rows of `acted` whose foreign key holds the value (with the association's type and
///             scopes), leaving rows whose owner exists; in batches by key range or by a list of keys;
///   belongs_to: the target whose referenced column holds the value, within the association's scopes;
///   destroy_async_targets: the join rows (read for the targets' keys, which are then destroyed by list).
template <class Schema, class E>
root_spec job_root(root_spec::bounds bound, bool guard = true) {
    auto const& g = graph_of<Schema>;
    auto const& e = g.edge(edge_index_v<Schema, E>);
    root_spec r;
    if constexpr (E::belongs) {
        r.model = e.target;
        r.column = e.ref;
        r.scopes = g.scopes_of(e);
        r.constants = g.constants;
    } else {
        r.model = e.acted;
        r.column = e.fk;
        r.edge = edge_index_v<Schema, E>;
        // With ensuring_owner_was the owner row exists (soft-deleted): its predicate is checked instead.
        r.guard = guard && !E::ensures_owner;
        r.bound = bound;
    }
    return r;
}

}  // namespace cascade::detail
