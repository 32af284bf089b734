#pragma once
// The schema as data: every model and every association of a schema as constant arrays, computed once
// per schema from its types. The plan (which rows go, in which order) and the SQL are made from this
// data by ordinary code, so the compiler's work grows with the models and associations of the schema,
// never with the paths between them; typed code (rows streamed into structs, callbacks, jobs) is made
// once per model.
#include <cascade/callbacks.hpp>
#include <cascade/detail/db_type.hpp>
#include <cascade/schema.hpp>

#include <boost/hana/length.hpp>

#include <array>
#include <span>

namespace cascade::detail {

enum class association_kind : unsigned char { has_many, has_one, belongs_to, has_many_through };

struct model_data {
    std::string_view table;
    std::string_view key;              ///< the primary key column
    value_tag key_tag;                 ///< how the key is exchanged
    bool before_destroy = false;
    bool after_destroy = false;
    bool commit_callbacks = false;     ///< after_commit or after_rollback
    bool loads_rows = false;           ///< before_destroy, commit callbacks or destroy_async: rows are read first
    int first_column = 0, columns = 0;  ///< into graph::columns, in the struct's order
    int first_edge = 0, edges = 0;      ///< into graph::edges, in declaration order
    int polymorphic_constant = 0;      ///< its polymorphic name, among the constants
};

/// A resolved association. Has side (has_many, has_one, has_many_through): the rows of `acted` whose
/// `fk` holds the owner's `ref`. belongs_to: the row of `target` whose `ref` the owner's `fk` holds.
struct edge_data {
    int owner = 0, acted = 0, target = 0;  ///< model indices; acted is the join model of a through
    association_kind kind{};
    policy_action action{};
    bool raises = false;                   ///< restrict_with_exception
    bool polymorphic = false;
    std::string_view name;
    std::string_view fk, ref;
    std::string_view source;               ///< through: the join's column referring to the target
    std::string_view type_column;          ///< polymorphic: the type column of `acted`
    value_tag ref_tag{};                   ///< how fk and ref values are exchanged
    int first_scope = 0, scopes = 0;       ///< into graph::scopes; on `acted`, or on the target of a through
    constexpr bool has_side() const { return kind != association_kind::belongs_to; }
};

/// `column = constant`, ANDed to the rows an edge reaches (cascade::where).
struct scope_data {
    std::string_view column;
    int constant;
};
/// A value known at compile time, bound as a parameter: tag and static storage.
struct constant_data {
    value_tag tag;
    void const* (*address)();
};

/// A schema as data: what the plan and the SQL are made from.
struct graph {
    std::span<model_data const> models;
    std::span<edge_data const> edges;
    std::span<scope_data const> scopes;
    std::span<constant_data const> constants;
    std::span<std::string_view const> columns;
    std::span<association_info const> infos;  ///< per edge: what callbacks see as destroyed_by_association

    constexpr std::span<edge_data const> edges_of(int model) const {
        auto const& m = models[static_cast<std::size_t>(model)];
        return edges.subspan(static_cast<std::size_t>(m.first_edge), static_cast<std::size_t>(m.edges));
    }
    constexpr std::span<scope_data const> scopes_of(edge_data const& e) const {
        return scopes.subspan(static_cast<std::size_t>(e.first_scope), static_cast<std::size_t>(e.scopes));
    }
    constexpr std::span<std::string_view const> columns_of(int model) const {
        auto const& m = models[static_cast<std::size_t>(model)];
        return columns.subspan(static_cast<std::size_t>(m.first_column), static_cast<std::size_t>(m.columns));
    }
    constexpr model_data const& model(int i) const { return models[static_cast<std::size_t>(i)]; }
    constexpr edge_data const& edge(int i) const { return edges[static_cast<std::size_t>(i)]; }
    constexpr int index_of(edge_data const& e) const { return static_cast<int>(&e - edges.data()); }
};

// ---- building the arrays from the types ---------------------------------------------------------

template <class M>
using key_db_t = db_type_t<key_type_t<M>>;

/// A column's name, computed once per member.
template <auto Member>
inline constexpr std::string_view column_name_v = member_name<Member>();

template <class T, class List>
struct index_in;
template <class T, class... Ms>
struct index_in<T, list<Ms...>> {
    static constexpr int value = [] {
        int i = 0, found = -1;
        ((found = (found < 0 && std::is_same_v<T, typename Ms::type>) ? i : found, ++i), ...);
        return found;
    }();
};
/// The position of struct T among the models of Schema, -1 when it is not one.
template <class Schema, class T>
inline constexpr int model_index_v = index_in<T, typename Schema::models>::value;

template <class E>
inline constexpr value_tag edge_value_tag_v = tag_of_v<member_db_t<E::ref_member>>;

/// Per model: the edges, scopes and columns before it, so each gets a global index.
template <class Schema, class Models = typename Schema::models>
struct layout;
template <class Schema, class... Ms>
struct layout<Schema, list<Ms...>> {
    static constexpr std::size_t model_count = sizeof...(Ms);
    static constexpr std::array<int, sizeof...(Ms)> edge_counts{static_cast<int>(associations_t<Ms>::size)...};
    static constexpr std::array<int, sizeof...(Ms)> column_counts{
        static_cast<int>(decltype(boost::hana::length(boost::hana::accessors<typename Ms::type>()))::value)...};
    template <class M>
    static constexpr int scope_count() {
        int n = 0;
        for_each_type<edges_t<Schema, M>>([&]<class E>() { n += static_cast<int>(E::scopes::size); });
        return n;
    }
    static constexpr std::array<int, sizeof...(Ms)> scope_counts{scope_count<Ms>()...};
    static constexpr int prefix(std::array<int, sizeof...(Ms)> const& a, std::size_t upto) {
        int n = 0;
        for (std::size_t i = 0; i < upto; ++i) n += a[i];
        return n;
    }
    static constexpr int edge_count = prefix(edge_counts, sizeof...(Ms));
    static constexpr int column_count = prefix(column_counts, sizeof...(Ms));
    static constexpr int total_scopes = prefix(scope_counts, sizeof...(Ms));
};

template <class Schema, class M, int Index>
constexpr model_data make_model() {
    using L = layout<Schema>;
    using T = typename M::type;
    model_data m;
    m.table = M::table;
    m.key = primary_key_column<M>;
    m.key_tag = tag_of_v<key_db_t<M>>;
    m.before_destroy = has_before_destroy<T>;
    m.after_destroy = has_after_destroy<T>;
    m.commit_callbacks = has_after_commit<T> || has_after_rollback<T>;
    bool async = false;
    for_each_type<edges_t<Schema, M>>([&]<class E>() {
        async = async || E::policy::action == policy_action::defer;
    });
    // after_destroy alone reads the rows once, after their delete (see the remove step).
    m.loads_rows = has_before_destroy<T> || m.commit_callbacks || async;
    m.first_column = L::prefix(L::column_counts, Index);
    m.columns = L::column_counts[Index];
    m.first_edge = L::prefix(L::edge_counts, Index);
    m.edges = L::edge_counts[Index];
    m.polymorphic_constant = Index;
    return m;
}

template <class Schema, class E>
constexpr edge_data make_edge(int first_scope) {
    edge_data e;
    e.owner = model_index_v<Schema, typename E::owner::type>;
    e.acted = model_index_v<Schema, typename E::acted::type>;
    e.target = model_index_v<Schema, typename E::target::type>;
    using K = typename E::kind;
    e.kind = std::is_same_v<K, kind::has_many>     ? association_kind::has_many
             : std::is_same_v<K, kind::has_one>    ? association_kind::has_one
             : std::is_same_v<K, kind::belongs_to> ? association_kind::belongs_to
                                                   : association_kind::has_many_through;
    e.action = E::policy::action;
    e.raises = raises_v<typename E::policy>;
    e.polymorphic = E::polymorphic;
    e.name = E::name;
    e.fk = E::fk_column;
    e.ref = E::ref_column;
    if constexpr (E::through) e.source = member_name<E::source_member>();
    if constexpr (E::polymorphic) e.type_column = member_name<E::type_member>();
    e.ref_tag = edge_value_tag_v<E>;
    e.first_scope = first_scope;
    e.scopes = static_cast<int>(E::scopes::size);
    return e;
}

template <class Schema, class Models = typename Schema::models>
struct arrays;
template <class Schema, class... Ms>
struct arrays<Schema, list<Ms...>> {
    using L = layout<Schema>;
    static constexpr std::size_t N = sizeof...(Ms);

    static constexpr auto models = []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<model_data, N>{make_model<Schema, Ms, static_cast<int>(I)>()...};
    }(std::index_sequence_for<Ms...>{});

    static constexpr auto edges = [] {
        std::array<edge_data, static_cast<std::size_t>(L::edge_count)> out{};
        std::size_t at = 0;
        int scope = 0;
        (for_each_type<edges_t<Schema, Ms>>([&]<class E>() {
             out[at++] = make_edge<Schema, E>(scope);
             scope += static_cast<int>(E::scopes::size);
         }),
         ...);
        return out;
    }();

    static constexpr auto scopes = [] {
        std::array<scope_data, static_cast<std::size_t>(L::total_scopes)> out{};
        std::size_t at = 0;
        (for_each_type<edges_t<Schema, Ms>>([&]<class E>() {
             for_each_type<typename E::scopes>([&]<class W>() {
                 out[at] = {column_name_v<where_traits<W>::member>, static_cast<int>(N + at)};
                 ++at;
             });
         }),
         ...);
        return out;
    }();

    /// The models' polymorphic names first (constant i is model i's), then every scope value.
    static constexpr auto constants = [] {
        std::array<constant_data, N + static_cast<std::size_t>(L::total_scopes)> out{};
        std::size_t at = 0;
        ((out[at++] = {value_tag::text, &name_constant<polymorphic_name_of<Ms>>::address}), ...);
        (for_each_type<edges_t<Schema, Ms>>([&]<class E>() {
             for_each_type<typename E::scopes>([&]<class W>() {
                 using C = constant<where_traits<W>::value>;
                 out[at++] = {tag_of_v<typename C::type>, &C::address};
             });
         }),
         ...);
        return out;
    }();

    static constexpr auto columns = [] {
        std::array<std::string_view, static_cast<std::size_t>(L::column_count)> out{};
        std::size_t at = 0;
        (boost::hana::for_each(boost::hana::accessors<typename Ms::type>(),
                               [&](auto pair) { out[at++] = boost::hana::to<char const*>(boost::hana::first(pair)); }),
         ...);
        return out;
    }();

    static constexpr auto infos = [] {
        std::array<association_info, static_cast<std::size_t>(L::edge_count)> out{};
        std::size_t at = 0;
        (for_each_type<edges_t<Schema, Ms>>([&]<class E>() {
             out[at++] = {E::owner::table, E::name, E::kind::name, E::policy::name};
         }),
         ...);
        return out;
    }();
};

/// The graph of Schema: one set of constant arrays per schema.
template <class Schema>
struct schema_graph {
    using A = arrays<Schema>;
    static constexpr graph value{A::models, A::edges, A::scopes, A::constants, A::columns, A::infos};
};
template <class Schema>
inline constexpr graph const& graph_of = schema_graph<Schema>::value;

/// The global index of edge E of Schema.
template <class Schema, class E>
inline constexpr int edge_index_v =
    arrays<Schema>::models[static_cast<std::size_t>(model_index_v<Schema, typename E::owner::type>)].first_edge +
    static_cast<int>(E::index);

// ---- what a destroy of a model can reach, for compile-time refusals ------------------------------------

/// Per model: whether destroying its rows reaches a destroy_async edge (needs an executor) or a model
/// with after_commit/after_rollback (needs to know when the outermost transaction ends). A fixpoint
/// over the edges that recurse: destroy on the has side and on belongs_to (the target's own cascade).
struct reach_flags {
    bool async = false;
    bool commit_callbacks = false;
};
template <class Schema>
inline constexpr auto reach_of = [] {
    using A = arrays<Schema>;
    std::array<reach_flags, A::N> r{};
    for (std::size_t m = 0; m < A::N; ++m) r[m].commit_callbacks = A::models[m].commit_callbacks;
    for (auto const& e : A::edges)
        if (e.action == policy_action::defer) r[static_cast<std::size_t>(e.owner)].async = true;
    // delete_all/delete_ rows get no callbacks and no cascade: only destroy carries the reach on.
    for (bool changed = true; changed;) {
        changed = false;
        for (auto const& e : A::edges) {
            if (e.action != policy_action::destroy) continue;
            auto const next = static_cast<std::size_t>(e.has_side() ? e.acted : e.target);
            auto& from = r[static_cast<std::size_t>(e.owner)];
            if ((r[next].async && !from.async) || (r[next].commit_callbacks && !from.commit_callbacks)) {
                from.async = from.async || r[next].async;
                from.commit_callbacks = from.commit_callbacks || r[next].commit_callbacks;
                changed = true;
            }
        }
    }
    return r;
}();

}  // namespace cascade::detail
