#pragma once
// The schema as data: every model and every association of a schema as constant arrays, computed once
// per schema from its types. The plan (which rows go, in which order) and the SQL are made from this
// data by ordinary code, so the compiler's work grows with the models and associations of the schema,
// never with the paths between them; typed code (rows streamed into structs, callbacks, jobs) is made
// once per model.
#include <cascade/callbacks.hpp>
#include <cascade/detail/db_type.hpp>
#include <cascade/schema.hpp>


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
    /// The model whose rows this association acts on when its owner's rows go: the acted model on the has
    /// side, the target of a belongs_to.
    constexpr int reaches() const { return has_side() ? acted : target; }
    /// Whether destroying the owner's rows destroys those rows in turn, with their callbacks and cascade
    /// (dependent::destroy): what reach_of and the row table of a root follow.
    constexpr bool carries_cascade() const { return action == policy_action::destroy; }
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

template <class Seq, class Models>
struct model_positions;
template <std::size_t... Is, class... Ms>
struct model_positions<std::index_sequence<Is...>, list<Ms...>> {
    using type = key_table<keyed<typename Ms::type, std::integral_constant<int, static_cast<int>(Is)>>...>;
};
/// Keyed by the schema's short name, not by its list of models: g++ pays for every instantiation
/// whose arguments spell out a 200-model list (about 20 ms each), and there is one per lookup.
template <class Schema>
struct model_positions_of {
    using type = typename model_positions<std::make_index_sequence<Schema::models::size>, typename Schema::models>::type;
};
/// The position of struct T among the models of Schema, -1 when it is not one.
template <class Schema, class T>
inline constexpr int model_index_v = [] {
    using found = decltype(lookup_key<T>(static_cast<typename model_positions_of<Schema>::type const*>(nullptr)));
    if constexpr (std::is_void_v<found>) return -1;
    else return found::value;
}();

template <class E>
inline constexpr value_tag edge_value_tag_v = tag_of_v<member_db_t<E::ref_member>>;

/// The column names of an adapted struct, in order.
template <class Columns>
struct column_names;
template <class... Cs>
struct column_names<columns<Cs...>> {
    static constexpr std::array<std::string_view, sizeof...(Cs)> value{Cs::name...};
};
template <class T>
inline constexpr auto const& columns_of_v = column_names<columns_of_t<T>>::value;

template <class E>
constexpr edge_data make_edge() {
    using Schema = typename E::schema;
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
    e.scopes = static_cast<int>(E::scopes::size);
    return e;
}

/// The scopes of an edge: each column, and its value as a constant (indices set when the schema's
/// arrays are put together).
template <class Scopes>
struct scope_list;
template <class... Ws>
struct scope_list<list<Ws...>> {
    static constexpr std::array<std::string_view, sizeof...(Ws)> columns{column_name_v<where_traits<Ws>::member>...};
    static constexpr std::array<constant_data, sizeof...(Ws)> constants{
        constant_data{tag_of_v<typename constant<where_traits<Ws>::value>::type>, &constant<where_traits<Ws>::value>::address}...};
};

/// Everything the graph holds of one model and its associations, made by one pack expansion per
/// model: no lambda instantiated per association.
template <class Schema, class M, class Edges = edges_t<Schema, M>>
struct model_record;
template <class Schema, class M, class... Es>
struct model_record<Schema, M, list<Es...>> {
    using T = typename M::type;
    static constexpr std::size_t scope_count = sum_of({Es::scopes::size...});
    static constexpr model_data model = [] {
        model_data m;
        m.table = M::table;
        m.key = primary_key_column<M>;
        m.key_tag = tag_of_v<key_db_t<M>>;
        m.before_destroy = has_before_destroy<T>;
        m.after_destroy = has_after_destroy<T>;
        m.commit_callbacks = has_after_commit<T> || has_after_rollback<T>;
        bool const async = any_of({(Es::policy::action == policy_action::defer)...});
        // after_destroy alone reads the rows once, after their delete (see the remove step).
        m.loads_rows = has_before_destroy<T> || m.commit_callbacks || async;
        m.columns = static_cast<int>(columns_of_v<T>.size());
        m.edges = static_cast<int>(sizeof...(Es));
        return m;
    }();
    static constexpr std::array<edge_data, sizeof...(Es)> edges{make_edge<Es>()...};
    /// Whether it owns a polymorphic association (whose statements bind its polymorphic name).
    static constexpr bool polymorphic_owner = any_of({Es::polymorphic...});
    static constexpr std::array<association_info, sizeof...(Es)> infos{
        association_info{Es::owner::table, Es::name, Es::kind::name, Es::policy::name}...};
    static constexpr auto scopes = [] {
        std::array<std::pair<std::string_view, constant_data>, scope_count> out{};
        std::size_t at = 0;
        [[maybe_unused]] auto const add = [&](auto const& columns, auto const& constants) {
            for (std::size_t i = 0; i < columns.size(); ++i) out[at++] = {columns[i], constants[i]};
        };
        (add(scope_list<typename Es::scopes>::columns, scope_list<typename Es::scopes>::constants), ...);
        return out;
    }();
};

/// The polymorphic name a model's constant holds: read from the struct's name only for the owner of a
/// polymorphic association; every other model shares one empty constant.
inline constexpr std::string_view no_polymorphic_name{};
template <class M, bool Owner>
inline constexpr std::string_view const& polymorphic_constant = no_polymorphic_name;
template <class M>
inline constexpr std::string_view const& polymorphic_constant<M, true> = polymorphic_name_of<M>;

template <class Schema, class Models>
struct arrays_of;
/// The schema's arrays. Named by the schema alone: a template whose arguments spell out the list of
/// models costs g++ dearly on every mention (see model_positions_of).
template <class Schema>
struct arrays : arrays_of<Schema, typename Schema::models> {};
template <class Schema, class... Ms>
struct arrays_of<Schema, list<Ms...>> {
    static constexpr std::size_t N = sizeof...(Ms);
    static constexpr std::size_t E = sum_of({model_record<Schema, Ms>::edges.size()...});
    static constexpr std::size_t S = sum_of({model_record<Schema, Ms>::scope_count...});
    static constexpr std::size_t C = sum_of({columns_of_v<typename Ms::type>.size()...});

    /// Each model's record, copied into the schema's arrays with global indices.
    struct all {
        std::array<model_data, N> models{};
        std::array<edge_data, E> edges{};
        std::array<association_info, E> infos{};
        std::array<scope_data, S> scopes{};
        /// The models' polymorphic names first (constant i is model i's), then every scope value.
        std::array<constant_data, N + S> constants{};
        std::array<std::string_view, C> columns{};
    };
    static constexpr all made = [] {
        all a;
        std::size_t m = 0, e = 0, s = 0, c = 0;
        auto const add = [&](model_data model, auto const& edges, auto const& infos, auto const& scopes,
                             auto const& columns, constant_data name) {
            model.first_edge = static_cast<int>(e);
            model.first_column = static_cast<int>(c);
            model.polymorphic_constant = static_cast<int>(m);
            a.constants[m] = name;
            a.models[m++] = model;
            std::size_t local = 0;
            for (std::size_t i = 0; i < edges.size(); ++i) {
                a.edges[e] = edges[i];
                a.edges[e].first_scope = static_cast<int>(s);
                a.infos[e++] = infos[i];
                for (int k = 0; k < edges[i].scopes; ++k, ++s, ++local) {
                    a.scopes[s] = {scopes[local].first, static_cast<int>(N + s)};
                    a.constants[N + s] = scopes[local].second;
                }
            }
            for (auto col : columns) a.columns[c++] = col;
        };
        // A braced list, not a comma fold: flat for any number of models (see any_of), in order.
        [[maybe_unused]] int const in_order[]{
            0, (add(model_record<Schema, Ms>::model, model_record<Schema, Ms>::edges, model_record<Schema, Ms>::infos,
                    model_record<Schema, Ms>::scopes, columns_of_v<typename Ms::type>,
                    constant_data{value_tag::text, &name_constant<polymorphic_constant<Ms, model_record<Schema, Ms>::polymorphic_owner>>::address}),
                0)...};
        return a;
    }();
    static constexpr auto const& models = made.models;
    static constexpr auto const& edges = made.edges;
    static constexpr auto const& infos = made.infos;
    static constexpr auto const& scopes = made.scopes;
    static constexpr auto const& constants = made.constants;
    static constexpr auto const& columns = made.columns;
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
    constexpr std::size_t N = A::N, E = A::edges.size();
    std::array<reach_flags, N> r{};
    for (std::size_t m = 0; m < N; ++m) r[m].commit_callbacks = A::models[m].commit_callbacks;
    for (auto const& e : A::edges)
        if (e.action == policy_action::defer) r[static_cast<std::size_t>(e.owner)].async = true;
    // delete_all/delete_ rows get no callbacks and no cascade: only destroy carries the reach on, from
    // the model it reaches back to its owner. Each flag spreads backwards over the destroy edges from
    // the models that have it, each model visited once: linear, where a fixed point over all edges
    // would take as many rounds as the schema is deep.
    std::array<int, N + 1> first{};
    std::array<int, E + 1> owners{};
    auto const next_of = [](edge_data const& e) { return static_cast<std::size_t>(e.reaches()); };
    for (auto const& e : A::edges)
        if (e.carries_cascade()) ++first[next_of(e) + 1];
    for (std::size_t i = 0; i < N; ++i) first[i + 1] += first[i];
    std::array<int, N + 1> fill = first;
    for (auto const& e : A::edges)
        if (e.carries_cascade()) owners[static_cast<std::size_t>(fill[next_of(e)]++)] = e.owner;
    auto const spread = [&](bool reach_flags::*flag) {
        std::array<int, N + 1> todo{};
        std::size_t top = 0;
        for (std::size_t m = 0; m < N; ++m)
            if (r[m].*flag) todo[top++] = static_cast<int>(m);
        while (top > 0) {
            auto const m = static_cast<std::size_t>(todo[--top]);
            for (int k = first[m]; k < first[m + 1]; ++k) {
                auto& owner = r[static_cast<std::size_t>(owners[static_cast<std::size_t>(k)])];
                if (owner.*flag) continue;
                owner.*flag = true;
                todo[top++] = owners[static_cast<std::size_t>(k)];
            }
        }
    };
    spread(&reach_flags::async);
    spread(&reach_flags::commit_callbacks);
    return r;
}();

}  // namespace cascade::detail
