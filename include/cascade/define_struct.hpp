#pragma once
// CASCADE_DEFINE_STRUCT(T, (type, name)...): BOOST_HANA_DEFINE_STRUCT's syntax and meaning (the members are
// declared, T is a hana::Struct), at a fraction of its compile time.
//
// Why: BOOST_HANA_DEFINE_STRUCT defines a non-template function whose body builds a hana::tuple of
// (hana::string, member pointer) pairs, so every adapted struct pays for that tuple, and a hana::string per
// member name, where it is declared, whether anything reads it or not: 200 models of 3-6 columns take
// 12 s of g++ at -O0 before any cascade code runs (0.6 s as plain structs). Here the columns are one
// type, cascade::columns<column<"name", &T::name>...>, that cascade reads directly, and Hana's accessors
// come from a specialisation of hana::accessors_impl, built only when a program uses Hana on the struct.
#include <cascade/detail/preprocessor.hpp>
#include <cascade/fixed_string.hpp>

#include <boost/hana/accessors.hpp>
#include <boost/hana/core/when.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/string.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/detail/struct_macros.hpp>  // hana::struct_detail::member_ptr, the accessor Hana itself uses

#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace cascade {

/// One column of an adapted struct: its name and its pointer to member.
template <fixed_string Name, auto Pointer>
struct column {
    static constexpr std::string_view name = Name.view();
    static constexpr auto pointer = Pointer;
};

/// The columns of an adapted struct, in declaration order.
template <class... Columns>
struct columns {
    static constexpr std::size_t size = sizeof...(Columns);
};

namespace detail {

template <fixed_string Name, std::size_t... I>
constexpr auto hana_name(std::index_sequence<I...>) {
    return boost::hana::string_c<Name.value[I]...>;
}

/// Whether T itself was adapted by CASCADE_DEFINE_STRUCT (not merely derived from a struct that was: its
/// columns are its base's, and its own adaptation, if any, is Hana's).
template <class T>
inline constexpr bool has_cascade_columns_v = [] {
    if constexpr (requires { typename T::cascade_columns_of; }) return std::is_same_v<typename T::cascade_columns_of, T>;
    else return false;
}();

/// What hana::accessors<T>() returns for a struct adapted by CASCADE_DEFINE_STRUCT: the same tuple of
/// pairs BOOST_HANA_DEFINE_STRUCT builds, built on first use.
template <class Columns>
struct hana_accessors_of;
template <fixed_string... Names, auto... Pointers>
struct hana_accessors_of<columns<column<Names, Pointers>...>> {
    static constexpr auto apply() {
        return boost::hana::make_tuple(boost::hana::make_pair(
            hana_name<Names>(std::make_index_sequence<Names.size()>{}),
            boost::hana::struct_detail::member_ptr<decltype(Pointers), Pointers>{})...);
    }
};

}  // namespace detail
}  // namespace cascade

/// Hana's extension point for Structs, specialised for CASCADE_DEFINE_STRUCT: a template outside the struct,
/// so nothing is built until a program uses Hana on it, and local classes (which may have no member
/// template) can be adapted too.
namespace boost::hana {
template <class S>
struct accessors_impl<S, when<::cascade::detail::has_cascade_columns_v<S>>> {
    static constexpr auto apply() { return ::cascade::detail::hana_accessors_of<typename S::cascade_columns>::apply(); }
};
}  // namespace boost::hana

#define CASCADE_DETAIL_DECLARE_MEMBER(type, member) CASCADE_PP_DROP_BACK member CASCADE_PP_BACK member;
#define CASCADE_DETAIL_COLUMN(type, member) \
    ::cascade::column<CASCADE_DETAIL_STRINGIZE(CASCADE_PP_BACK member), &type::CASCADE_PP_BACK member>
#define CASCADE_DETAIL_STRINGIZE(...) CASCADE_DETAIL_STRINGIZE_I(__VA_ARGS__)
#define CASCADE_DETAIL_STRINGIZE_I(...) #__VA_ARGS__

/// Declares the members of T, each as (type, name), and adapts T for cascade and for Boost.Hana:
///     struct Book { CASCADE_DEFINE_STRUCT(Book, (std::int64_t, id), (std::int64_t, author_id)); };
/// Up to 128 members; a member's type may contain commas.
#define CASCADE_DEFINE_STRUCT(T, ...)                                                                        \
    CASCADE_PP_FOR_EACH(CASCADE_DETAIL_DECLARE_MEMBER, CASCADE_PP_NOTHING, T, __VA_ARGS__)                 \
    using cascade_columns_of = T;                                                                            \
    using cascade_columns =                                                                                  \
        ::cascade::columns<CASCADE_PP_FOR_EACH(CASCADE_DETAIL_COLUMN, CASCADE_PP_COMMA, T, __VA_ARGS__)>
