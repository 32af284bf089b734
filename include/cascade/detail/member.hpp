#pragma once
// What a pointer to member tells at compile time: its class, its type, its name (through Boost.Hana's
// adaptation of the struct), and whether the column it maps to may hold NULL.
#include <boost/hana/accessors.hpp>
#include <boost/hana/define_struct.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/string.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/concept/struct.hpp>

#include <optional>
#include <string_view>
#include <type_traits>

namespace cascade::detail {

template <auto Member>
struct member_traits {
    static constexpr bool is_member = false;
};
template <class C, class M, M C::*P>
struct member_traits<P> {
    static constexpr bool is_member = true;
    using owner = C;
    using type = M;
};

/// Whether a constant is the nullptr of an absent option: decided by its type, not by comparing the
/// value (GCC's -fsanitize=null will not evaluate a pointer-to-member comparison in a constant
/// expression).
template <auto V>
inline constexpr bool is_null_v = std::is_null_pointer_v<std::remove_cv_t<decltype(V)>>;

template <class T>
inline constexpr bool is_optional_v = false;
template <class T>
inline constexpr bool is_optional_v<std::optional<T>> = true;

template <class T>
struct unwrap_optional { using type = T; };
template <class T>
struct unwrap_optional<std::optional<T>> { using type = T; };
template <class T>
using unwrap_optional_t = typename unwrap_optional<T>::type;

template <class T>
inline constexpr bool is_adapted_v = boost::hana::Struct<T>::value;

/// The name Boost.Hana recorded for member pointer Ptr among an adapted struct's accessors (a
/// hana::tuple of pairs of a compile-time string and a member_ptr), "" when none is Ptr. One fold over
/// the accessors' types: no lambda instantiated per member and per lookup.
template <class Accessors, class Ptr>
struct name_among {
    static constexpr std::string_view value{};
};
template <class... Names, class... Ptrs, class Ptr>
struct name_among<boost::hana::tuple<boost::hana::pair<Names, Ptrs>...>, Ptr> {
    static constexpr std::string_view value = [] {
        std::string_view out{};
        ((std::is_same_v<Ptrs, Ptr> ? (void)(out = Names::c_str()) : (void)0), ...);
        return out;
    }();
};

/// The column name of a data member: the name Boost.Hana recorded for it, "" when the member is not
/// part of the adapted struct.
template <auto Member>
constexpr std::string_view member_name() {
    using owner = typename member_traits<Member>::owner;
    if constexpr (is_adapted_v<owner>)
        return name_among<std::remove_cvref_t<decltype(boost::hana::accessors<owner>())>,
                          boost::hana::struct_detail::member_ptr<decltype(Member), Member>>::value;
    else
        return {};
}

/// The member of T named `name` as a pointer to member is not needed; the default primary key is
/// found by name instead.
template <class T>
constexpr bool has_member_named(std::string_view name) {
    bool found = false;
    if constexpr (is_adapted_v<T>) {
        boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
            if (std::string_view(boost::hana::to<char const*>(boost::hana::first(pair))) == name) found = true;
        });
    }
    return found;
}

}  // namespace cascade::detail
