#pragma once
// Every rule a schema must satisfy, checked once at the DSL boundary before any plan is made.
// Each rule is a named constexpr bool, so the same rules serve the polite concept
// (`cascade::valid_schema<S>`) and the hard errors (`static_assert`, whose instantiation context
// `check_association<Owner, Association>` names the model and the association).
#include <cascade/schema.hpp>

namespace cascade {

namespace detail {

template <class Kind, class Policy>
inline constexpr bool policy_allowed_v = false;
// Rails' valid_dependent_options, per association kind.
template <class P>
inline constexpr bool policy_allowed_v<kind::has_many, P> =
    std::is_same_v<P, dependent::none> || std::is_same_v<P, dependent::destroy> ||
    std::is_same_v<P, dependent::delete_all> || std::is_same_v<P, dependent::nullify> || is_restrict_v<P> ||
    std::is_same_v<P, dependent::destroy_async>;
template <class P>
inline constexpr bool policy_allowed_v<kind::has_many_through, P> = policy_allowed_v<kind::has_many, P>;
template <class P>
inline constexpr bool policy_allowed_v<kind::has_one, P> =
    std::is_same_v<P, dependent::none> || std::is_same_v<P, dependent::destroy> ||
    std::is_same_v<P, dependent::delete_> || std::is_same_v<P, dependent::nullify> || is_restrict_v<P> ||
    std::is_same_v<P, dependent::destroy_async>;
template <class P>
inline constexpr bool policy_allowed_v<kind::belongs_to, P> =
    std::is_same_v<P, dependent::none> || std::is_same_v<P, dependent::destroy> ||
    std::is_same_v<P, dependent::delete_> || std::is_same_v<P, dependent::destroy_async>;

template <auto Member, class Owner>
inline constexpr bool member_of_v = [] {
    if constexpr (member_traits<Member>::is_member)
        return std::is_same_v<typename member_traits<Member>::owner, Owner> && !member_name<Member>().empty();
    else
        return false;
}();

template <auto Member>
inline constexpr bool nullable_member_v = [] {
    if constexpr (member_traits<Member>::is_member)
        return is_optional_v<typename member_traits<Member>::type>;
    else
        return false;
}();

template <class M>
struct model_rules {
    using T = typename M::type;
    static constexpr bool adapted = is_adapted_v<T>;
    static constexpr bool has_primary_key = [] {
        if constexpr (adapted && primary_key_of<M> != nullptr) return member_of_v<primary_key_of<M>, T>;
        else return false;
    }();
    static constexpr bool ok = adapted && has_primary_key;
};

template <class Schema, class Owner, class A>
struct association_rules {
    using acted_struct_t = typename acted_struct<A>::type;
    static constexpr bool target_in_schema = !std::is_void_v<model_for_t<Schema, typename A::target>>;
    static constexpr bool join_in_schema = !std::is_void_v<model_for_t<Schema, acted_struct_t>>;
    static constexpr bool policy_valid = policy_allowed_v<typename A::kind, typename A::policy>;
    static constexpr bool belongs = std::is_same_v<typename A::kind, kind::belongs_to>;
    static constexpr bool through = std::is_same_v<typename A::kind, kind::has_many_through>;
    static constexpr bool foreign_key_placed =
        belongs ? member_of_v<A::foreign_key, typename Owner::type> : member_of_v<A::foreign_key, acted_struct_t>;
    static constexpr bool source_key_placed = !through || member_of_v<source_key_of<A>, acted_struct_t>;
    static constexpr bool nullify_nullable =
        !std::is_same_v<typename A::policy, dependent::nullify> ||
        (through ? nullable_member_v<source_key_of<A>> : nullable_member_v<A::foreign_key>);
    static constexpr bool type_column_placed = [] {
        if constexpr (as_option<options_of_t<A>>::value == nullptr) return true;
        else return !belongs && member_of_v<as_option<options_of_t<A>>::value, acted_struct_t>;
    }();
    static constexpr bool targets_option_placed =
        !contains_v<destroy_async_targets, options_of_t<A>> ||
        (through && std::is_same_v<typename A::policy, dependent::destroy_async>);
    static constexpr bool ok = target_in_schema && join_in_schema && policy_valid && foreign_key_placed &&
                               source_key_placed && nullify_nullable && type_column_placed && targets_option_placed;
};

// ---- destroy cycles -----------------------------------------------------------------------------

/// Edges along which destroying one row destroys rows of another model with their callbacks: the
/// edges a cycle is made of. delete_all/delete/nullify stop there; destroy_async runs later.
template <class E>
inline constexpr bool recurses_v = std::is_same_v<typename E::policy, dependent::destroy>;

template <class E>
using next_model_t = std::conditional_t<E::belongs, typename E::target, typename E::acted>;

template <class Schema, class Path, class Edges>
struct cycle_through_edges { using type = void; };

/// The first cycle reachable from the last model of Path: a list<M1, ..., Mk, M1> or void.
template <class Schema, class Path>
struct find_cycle;
template <class Schema, class... Ms>
struct find_cycle<Schema, list<Ms...>> {
    using last = typename decltype((std::type_identity<Ms>{}, ...))::type;
    using type = typename cycle_through_edges<Schema, list<Ms...>, edges_t<Schema, last>>::type;
};

template <class Schema, class... Ms, class E, class... Es>
struct cycle_through_edges<Schema, list<Ms...>, list<E, Es...>> {
    template <class Next>
    static auto step() {
        if constexpr (!recurses_v<E>)
            return std::type_identity<void>{};
        else if constexpr (contains_v<Next, list<Ms...>>)
            return std::type_identity<list<Ms..., Next>>{};
        else
            return std::type_identity<typename find_cycle<Schema, list<Ms..., Next>>::type>{};
    }
    using here = typename decltype(step<next_model_t<E>>())::type;
    using type = std::conditional_t<std::is_void_v<here>,
                                    typename cycle_through_edges<Schema, list<Ms...>, list<Es...>>::type, here>;
};

template <class Schema, class M>
using cycle_from_t = typename find_cycle<Schema, list<M>>::type;

template <class Schema, class M>
struct edge_rules_all;
template <class Schema, class M>
    requires model_rules<M>::ok
struct edge_rules_all<Schema, M> {
    template <class L>
    struct all;
    template <class... As>
    struct all<list<As...>> : std::bool_constant<(association_rules<Schema, M, As>::ok && ...)> {};
    static constexpr bool value = all<associations_t<M>>::value;
};
template <class Schema, class M>
struct edge_rules_all {
    static constexpr bool value = false;
};

template <class Schema, class Models = typename Schema::models>
struct schema_rules;
template <class Schema, class... Ms>
struct schema_rules<Schema, list<Ms...>> {
    static constexpr bool models_ok = (model_rules<Ms>::ok && ...);
    static constexpr bool associations_ok = (edge_rules_all<Schema, Ms>::value && ...);
    static constexpr bool acyclic = [] {
        if constexpr (models_ok && associations_ok)
            return (std::is_void_v<cycle_from_t<Schema, Ms>> && ...);
        else
            return false;
    }();
    static constexpr bool ok = models_ok && associations_ok && acyclic;
};

}  // namespace detail

/// A schema every rule holds for: the polite form of the checks, for static_assert and overloads.
template <class S>
concept valid_schema = requires { typename S::models; } && detail::schema_rules<S>::ok;

// ---- the hard errors, one instantiation per model and association, named in the compiler's
// ---- "required from" lines -----------------------------------------------------------------------

template <class Model>
struct check_model {
    using rules = detail::model_rules<Model>;
    static_assert(rules::adapted,
                  "cascade::model: the struct must be adapted with BOOST_HANA_DEFINE_STRUCT so its columns are known");
    static_assert(!rules::adapted || rules::has_primary_key,
                  "cascade::model: no primary key; add a member named `id` or the option cascade::primary_key<&T::member>");
    static constexpr bool ok = rules::ok;
};

template <class Owner, class Association, class Schema>
struct check_association {
    using rules = detail::association_rules<Schema, detail::model_for_t<Schema, Owner>, Association>;
    static_assert(rules::target_in_schema && rules::join_in_schema,
                  "cascade: the association's target is not a model of this schema; add cascade::model<Target, "
                  "\"table\", ...> to cascade::schema<...>");
    static_assert(rules::policy_valid || !std::is_same_v<typename Association::kind, kind::has_many>,
                  "cascade::has_many: invalid dependent policy; has_many takes destroy, delete_all, nullify, "
                  "restrict_with_exception, restrict_with_error or destroy_async");
    static_assert(rules::policy_valid || !std::is_same_v<typename Association::kind, kind::has_many_through>,
                  "cascade::has_many_through: invalid dependent policy; it takes destroy, delete_all, nullify, "
                  "restrict_with_exception, restrict_with_error or destroy_async (acting on the join rows)");
    static_assert(rules::policy_valid || !std::is_same_v<typename Association::kind, kind::has_one>,
                  "cascade::has_one: invalid dependent policy; has_one takes destroy, delete_, nullify, "
                  "restrict_with_exception, restrict_with_error or destroy_async");
    static_assert(rules::policy_valid || !std::is_same_v<typename Association::kind, kind::belongs_to>,
                  "cascade::belongs_to: invalid dependent policy; belongs_to takes destroy, delete_ or destroy_async");
    static_assert(rules::foreign_key_placed,
                  "cascade: the foreign key must be an adapted member of the dependent model (has_many, has_one, "
                  "the join model of has_many_through) or of the owner (belongs_to)");
    static_assert(rules::source_key_placed,
                  "cascade::has_many_through: the source key must be an adapted member of the join model");
    static_assert(rules::nullify_nullable,
                  "cascade: dependent::nullify needs a nullable foreign key; declare the member as std::optional<...>");
    static_assert(rules::type_column_placed,
                  "cascade::as: the polymorphic type column must be an adapted member of the dependent model "
                  "(has_many or has_one)");
    static_assert(rules::targets_option_placed,
                  "cascade::destroy_async_targets: only for a has_many_through with dependent::destroy_async");
    static constexpr bool ok = rules::ok;
};

/// Instantiated with the models of a cycle of dependent::destroy edges: the compiler names them.
template <class... CycleModels>
struct destroy_cycle {
    static_assert(sizeof...(CycleModels) == 0,
                  "cascade: dependent::destroy edges form a cycle (the models are listed in destroy_cycle<...>); "
                  "break it with delete_all, nullify or destroy_async on one edge");
};

template <class Schema, class Models = typename Schema::models>
struct check_schema;
template <class Schema, class... Ms>
struct check_schema<Schema, detail::list<Ms...>> {
    using S = Schema;
    template <class M, class L>
    struct per_model;
    template <class M, class... As>
    struct per_model<M, detail::list<As...>> {
        static constexpr bool value = (check_association<typename M::type, As, S>::ok && ...);
    };
    template <class M>
    static constexpr bool model_ok() {
        if constexpr (check_model<M>::ok) return per_model<M, detail::associations_t<M>>::value;
        else return false;
    }
    template <class Cycle>
    struct report_cycle;
    template <class... Cs>
    struct report_cycle<detail::list<Cs...>> {
        static constexpr bool value = sizeof(destroy_cycle<typename Cs::type...>) == 0;
    };
    template <class M>
    static constexpr bool acyclic_from() {
        using cycle = detail::cycle_from_t<S, M>;
        if constexpr (std::is_void_v<cycle>) return true;
        else return report_cycle<cycle>::value;
    }
    static constexpr bool ok = [] {
        if constexpr ((model_ok<Ms>() && ...)) return (acyclic_from<Ms>() && ...);
        else return false;
    }();
};

}  // namespace cascade
