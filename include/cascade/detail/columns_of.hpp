#pragma once
// The columns of an adapted struct, read from its adaptation (CASCADE_DEFINE_STRUCT, or Boost.Hana's
// BOOST_HANA_DEFINE_STRUCT / BOOST_HANA_ADAPT_STRUCT), and the column name of a data member.
#include <cascade/define_struct.hpp>
#include <cascade/detail/member.hpp>

#include <boost/hana/accessors.hpp>
#include <boost/hana/define_struct.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/concept/struct.hpp>

#include <string_view>
#include <type_traits>

namespace cascade::detail {

/// A column read from the types of Hana's accessors (a pair of a compile-time string and a member_ptr),
/// for structs adapted by BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT.
template <class Name, class Ptr>
struct hana_column;
template <class Name, class P, P Pointer>
struct hana_column<Name, boost::hana::struct_detail::member_ptr<P, Pointer>> {
    static constexpr std::string_view name{Name::c_str()};
    static constexpr auto pointer = Pointer;
};
template <class Accessors>
struct columns_from_hana;
template <class... Names, class... Ptrs>
struct columns_from_hana<boost::hana::tuple<boost::hana::pair<Names, Ptrs>...>> {
    using type = columns<hana_column<Names, Ptrs>...>;
};

/// The columns of T as cascade::columns<...>, each with a `name` and a `pointer`: T::cascade_columns
/// when CASCADE_DEFINE_STRUCT adapted it (no Hana tuple is built), else read from Hana's accessors.
template <class T>
struct columns_of {
    using type = typename columns_from_hana<std::remove_cvref_t<decltype(boost::hana::accessors<T>())>>::type;
};
template <class T>
    requires has_cascade_columns_v<T>
struct columns_of<T> {
    using type = typename T::cascade_columns;
};
template <class T>
using columns_of_t = typename columns_of<T>::type;

template <class T>
inline constexpr bool is_adapted_v = has_cascade_columns_v<T> || boost::hana::Struct<T>::value;

/// The name recorded for member pointer Member among Columns, "" when none is Member. One fold over the
/// columns' types: no lambda instantiated per member and per lookup.
template <class Columns, auto Member>
struct name_among;
template <class... Cs, auto Member>
struct name_among<columns<Cs...>, Member> {
    static constexpr std::string_view value = [] {
        std::string_view out{};
        ((std::is_same_v<constant_t<Cs::pointer>, constant_t<Member>> ? (void)(out = Cs::name) : (void)0), ...);
        return out;
    }();
};

/// The column name of a data member: the name its struct's adaptation records for it, "" when the member
/// is not part of the adapted struct.
template <auto Member>
constexpr std::string_view member_name() {
    using owner = typename member_traits<Member>::owner;
    if constexpr (is_adapted_v<owner>)
        return name_among<columns_of_t<owner>, Member>::value;
    else
        return {};
}

}  // namespace cascade::detail
