#pragma once
// The schema: a compile-time list of models. It resolves each association into an edge (the table it
// acts on, the key columns, the scope, the polymorphic type) that the plan and the SQL are made from.
#include <cascade/detail/static_string.hpp>
#include <cascade/model.hpp>

#include <utility>


namespace cascade {

/// The models of an application. Declare it as a struct deriving from this template, so that the
/// compiler carries one short name through every instantiation instead of the whole list:
///   struct app_schema : cascade::schema<cascade::model<...>, ...> {};
/// (an alias, `using app_schema = cascade::schema<...>`, works too, with longer compile times and
/// error messages on large schemas).
template <class... Models>
struct schema {
    using models = detail::list<Models...>;
};

namespace detail {

// ---- looking models up ------------------------------------------------------------------------

template <class Models>
struct model_table;
template <class... Ms>
struct model_table<list<Ms...>> {
    using type = key_table<keyed<typename Ms::type, Ms>...>;
};
/// Keyed by the schema's short name (see model_positions_of in detail/graph.hpp).
template <class Schema>
struct model_table_of {
    using type = typename model_table<typename Schema::models>::type;
};
template <class Schema, class T>
struct model_for {
    using type = decltype(lookup_key<T>(static_cast<typename model_table_of<Schema>::type const*>(nullptr)));
};

/// The model descriptor of struct T in Schema; void when T is not in it.
template <class Schema, class T>
using model_for_t = typename model_for<Schema, T>::type;

// ---- association options ----------------------------------------------------------------------

template <class A>
struct options_of;
template <class T, auto F, class P, class... O>
struct options_of<has_many<T, F, P, O...>> { using type = list<O...>; };
template <class T, auto F, class P, class... O>
struct options_of<has_one<T, F, P, O...>> { using type = list<O...>; };
template <class T, auto F, class P, class... O>
struct options_of<belongs_to<T, F, P, O...>> { using type = list<O...>; };
template <class T, class J, auto F, auto S, class P, class... O>
struct options_of<has_many_through<T, J, F, S, P, O...>> { using type = list<O...>; };
template <class A>
using options_of_t = typename options_of<A>::type;

template <class List>
struct name_option { static constexpr std::string_view value{}; };
template <fixed_string Name, class... Rest>
struct name_option<list<name<Name>, Rest...>> { static constexpr std::string_view value = Name.view(); };
template <class First, class... Rest>
struct name_option<list<First, Rest...>> : name_option<list<Rest...>> {};

template <class List>
struct as_option { static constexpr auto value = nullptr; };
template <auto Member, class... Rest>
struct as_option<list<as<Member>, Rest...>> { static constexpr auto value = Member; };
template <class First, class... Rest>
struct as_option<list<First, Rest...>> : as_option<list<Rest...>> {};

template <class List>
struct snapshot_option { static constexpr std::size_t value = 0; };
template <std::size_t N, class... Rest>
struct snapshot_option<list<snapshot_ids<N>, Rest...>> { static constexpr std::size_t value = N; };
template <class First, class... Rest>
struct snapshot_option<list<First, Rest...>> : snapshot_option<list<Rest...>> {};

template <class List>
struct queue_option {
    static constexpr bool present = false;
    static constexpr std::string_view value = "default";
};
template <fixed_string Name, class... Rest>
struct queue_option<list<queue<Name>, Rest...>> {
    static constexpr bool present = true;
    static constexpr std::string_view value = Name.view();
};
template <class First, class... Rest>
struct queue_option<list<First, Rest...>> : queue_option<list<Rest...>> {};

template <class List>
struct priority_option {
    static constexpr bool present = false;
    static constexpr int value = 0;
};
template <int P, class... Rest>
struct priority_option<list<priority<P>, Rest...>> {
    static constexpr bool present = true;
    static constexpr int value = P;
};
template <class First, class... Rest>
struct priority_option<list<First, Rest...>> : priority_option<list<Rest...>> {};

template <class List>
struct ensuring_option { static constexpr auto value = nullptr; };
template <auto P, class... Rest>
struct ensuring_option<list<ensuring_owner_was<P>, Rest...>> { static constexpr auto value = P; };
template <class First, class... Rest>
struct ensuring_option<list<First, Rest...>> : ensuring_option<list<Rest...>> {};

template <class O>
struct is_where : std::false_type {};
template <auto M, auto V>
struct is_where<where<M, V>> : std::true_type {};

template <class W>
struct where_traits;
template <auto M, auto V>
struct where_traits<where<M, V>> {
    static constexpr auto member = M;
    static constexpr auto value = V;
};

// ---- default association names ----------------------------------------------------------------

/// The singular of a table name, for has_one's default name: Rails' common rules, not its whole
/// inflector; `cascade::name<"...">` says it exactly.
constexpr void write_singular(auto& out, std::string_view plural) {
    constexpr std::string_view irregular[][2] = {{"children", "child"}, {"people", "person"}, {"men", "man"},
                                                 {"women", "woman"}, {"mice", "mouse"}};
    for (auto const& pair : irregular)
        if (plural.ends_with(pair[0])) {
            out += plural.substr(0, plural.size() - pair[0].size());
            out += pair[1];
            return;
        }
    if (plural.ends_with("sses") || plural.ends_with("xes") || plural.ends_with("ches") || plural.ends_with("shes"))
        out += plural.substr(0, plural.size() - 2);
    else if (plural.ends_with("ies")) {
        out += plural.substr(0, plural.size() - 3);
        out += 'y';
    } else if (plural.ends_with("s"))
        out += plural.substr(0, plural.size() - 1);
    else
        out += plural;
}
template <fixed_string Plural>
struct singular_of {
    static constexpr void write(auto& out) { write_singular(out, Plural.view()); }
};
/// singular("categories") == "category", at compile time.
template <fixed_string Plural>
constexpr std::string_view singular() { return text_of<singular_of<Plural>>(); }

// ---- the resolved edge ------------------------------------------------------------------------

template <class A>
struct acted_struct { using type = typename A::target; };
template <class T, class J, auto F, auto S, class P, class... O>
struct acted_struct<has_many_through<T, J, F, S, P, O...>> { using type = J; };

template <class A>
inline constexpr auto source_key_of = nullptr;
template <class T, class J, auto F, auto S, class P, class... O>
inline constexpr auto source_key_of<has_many_through<T, J, F, S, P, O...>> = S;


/// Association I of the model of OwnerType, resolved against Schema. `acted` is the model whose rows
/// the policy acts on: the target, or for has_many_through the join model. Named by the owner's
/// struct and the association's position, so that path types, and every function instantiated
/// with them, keep short names (at -O0 each call writes its callee's whole name into the assembly).
template <class Schema, class OwnerType, std::size_t I>
struct edge {
    using schema = Schema;
    using owner = model_for_t<Schema, OwnerType>;
    using Owner = owner;
    /// Its position among the owner's associations.
    static constexpr std::size_t index = I;
    using A = typename nth<associations_t<owner>, I>::type;
    using association = A;
    using kind = typename A::kind;
    using policy = typename A::policy;
    using options = options_of_t<A>;
    using target = model_for_t<Schema, typename A::target>;
    using acted = model_for_t<Schema, typename acted_struct<A>::type>;

    static constexpr bool through = std::is_same_v<kind, cascade::kind::has_many_through>;
    static constexpr bool belongs = std::is_same_v<kind, cascade::kind::belongs_to>;

    /// Has side: the column of `acted` that refers to the owner. belongs_to: the owner's column.
    static constexpr auto fk_member = A::foreign_key;
    static constexpr std::string_view fk_column = member_name<fk_member>();
    /// The column the foreign key refers to: in the owner (has side) or in the target (belongs_to).
    static constexpr auto ref_member = [] {
        if constexpr (!is_null_v<primary_key_option<options>::value>)
            return primary_key_option<options>::value;
        else if constexpr (belongs)
            return primary_key_of<target>;
        else
            return primary_key_of<Owner>;
    }();
    static constexpr std::string_view ref_column = member_name<ref_member>();

    /// has_many_through: the join's column that refers to the target (cleared by nullify).
    static constexpr auto source_member = source_key_of<A>;
    /// Polymorphic: the type column in `acted`, matched against the owner's polymorphic name.
    static constexpr auto type_member = as_option<options>::value;
    static constexpr bool polymorphic = !is_null_v<type_member>;
    using scopes = filter_t<is_where, options>;
    /// destroy_async: 0 for the default mode, else the ids per job of the snapshot mode.
    static constexpr std::size_t snapshot_batch = snapshot_option<options>::value;
    /// has_many_through + destroy_async: the jobs destroy the targets (Rails 6.1), not the join rows.
    static constexpr bool destroys_targets = contains_v<destroy_async_targets, options>;
    /// destroy_async: the named queue its jobs go to and their priority (smaller runs first).
    static constexpr std::string_view queue_name = queue_option<options>::value;
    static constexpr int priority = priority_option<options>::value;
    /// destroy_async: the owner's soft-delete predicate, or nullptr.
    static constexpr auto ensuring_owner = ensuring_option<options>::value;
    /// Whether it has one.
    static constexpr bool ensures_owner = !is_null_v<ensuring_owner>;

    struct default_name {
        static constexpr void write(auto& out) {
            if constexpr (belongs)
                out += fk_column.ends_with("_id") ? fk_column.substr(0, fk_column.size() - 3) : fk_column;
            else if constexpr (std::is_same_v<kind, cascade::kind::has_one>)
                write_singular(out, target::table);
            else
                out += target::table;
        }
    };
    static constexpr std::string_view name = [] {
        // The default is frozen only when there is no name<> option: freezing costs the compiler.
        if constexpr (name_option<options>::value.empty()) return text_of<default_name>();
        else return name_option<options>::value;
    }();
};

/// The value a destroy_async job of edge E looks its rows up by: the owner's referenced column, or for
/// belongs_to the owner's foreign key (the job destroys the row it refers to).
template <class E>
inline constexpr auto job_value_member = [] {
    if constexpr (E::belongs) return E::fk_member;
    else return E::ref_member;
}();

template <class Schema, class Owner>
struct edges_of {
    template <class Is>
    struct make;
    template <std::size_t... Is>
    struct make<std::index_sequence<Is...>> { using type = list<edge<Schema, typename Owner::type, Is>...>; };
    using type = typename make<std::make_index_sequence<associations_t<Owner>::size>>::type;
};
/// The resolved associations of model Owner, in declaration order.
template <class Schema, class Owner>
using edges_t = typename edges_of<Schema, Owner>::type;

}  // namespace detail
}  // namespace cascade
