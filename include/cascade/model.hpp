#pragma once
// A model: a Hana-adapted struct, its table, and its parts (associations and model options).
#include <cascade/association.hpp>
#include <cascade/detail/columns_of.hpp>
#include <cascade/detail/member.hpp>
#include <cascade/detail/type_list.hpp>
#include <cascade/detail/type_name.hpp>
#include <cascade/fixed_string.hpp>

namespace cascade {

/// `model<Book, "books", belongs_to<...>, has_many<...>, primary_key<&Book::isbn>>`
template <class T, fixed_string Table, class... Parts>
struct model {
    using type = T;
    static constexpr std::string_view table = Table.view();
    using parts = detail::list<Parts...>;
};

namespace detail {

template <class M>
inline constexpr bool is_model_v = false;
template <class T, fixed_string Table, class... Parts>
inline constexpr bool is_model_v<model<T, Table, Parts...>> = true;

template <class P>
struct is_association : std::bool_constant<is_association_v<P>> {};
template <class M>
using associations_t = filter_t<is_association, typename M::parts>;

// ---- model options ----------------------------------------------------------------------------

template <class List>
struct primary_key_option { static constexpr auto value = nullptr; };
template <auto Member, class... Rest>
struct primary_key_option<list<primary_key<Member>, Rest...>> { static constexpr auto value = Member; };
template <class First, class... Rest>
struct primary_key_option<list<First, Rest...>> : primary_key_option<list<Rest...>> {};

template <class T>
constexpr auto default_primary_key() {
    if constexpr (requires { &T::id; })
        return &T::id;
    else
        return nullptr;
}

/// The model's primary key as a pointer to member, nullptr when it has none (an `id` member or a
/// `primary_key<>` option): the schema check reports that.
template <class M>
inline constexpr auto primary_key_of = [] {
    if constexpr (!is_null_v<primary_key_option<typename M::parts>::value>)
        return primary_key_option<typename M::parts>::value;
    else
        return default_primary_key<typename M::type>();
}();

template <class M>
using key_type_t = typename member_traits<primary_key_of<M>>::type;

template <class M>
inline constexpr std::string_view primary_key_column = member_name<primary_key_of<M>>();

template <class List>
struct polymorphic_name_option {
    static constexpr bool present = false;
    static constexpr std::string_view value{};
};
template <fixed_string Name, class... Rest>
struct polymorphic_name_option<list<polymorphic_name<Name>, Rest...>> {
    static constexpr bool present = true;
    static constexpr std::string_view value = Name.view();
};
template <class First, class... Rest>
struct polymorphic_name_option<list<First, Rest...>> : polymorphic_name_option<list<Rest...>> {};

/// What a polymorphic type column holds for this model's rows, as Rails writes it: its
/// polymorphic_name<> when it has one, else the class name Rails writes for its struct (`Post`:
/// "Post", see rails_class_name), else empty: no name C++ can be sure of (a namespaced struct), which
/// the schema check refuses for the owner of a polymorphic association. Never the table name.
template <class M>
inline constexpr std::string_view polymorphic_name_of = [] {
    if constexpr (polymorphic_name_option<typename M::parts>::present) return polymorphic_name_option<typename M::parts>::value;
    else return rails_class_name_v<typename M::type>;
}();

}  // namespace detail
}  // namespace cascade
