#pragma once
// How a member's value travels to and from the database: the C++ type it is exchanged as, a tag for
// code that binds values without knowing their type, and compile-time constants (scope values,
// polymorphic names) given static storage so they can be bound by reference.
#include <cascade/detail/member.hpp>

#include <string>
#include <type_traits>

namespace cascade::detail {

/// The type a value of member type T is exchanged with the database as.
template <class T>
struct db_type {
    static_assert(std::is_same_v<T, std::string> || std::is_floating_point_v<T> || std::is_integral_v<T>,
                  "cascade: supported column types are integers, bool, floating point, std::string and "
                  "std::optional of these");
    using type = T;
};
template <class T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
struct db_type<T> { using type = long long; };
template <>
struct db_type<bool> { using type = int; };
template <>
struct db_type<float> { using type = double; };
template <class T>
struct db_type<std::optional<T>> : db_type<T> {};
template <class T>
using db_type_t = typename db_type<T>::type;

/// What a bound value is, for code that binds values through pointers.
enum class value_tag : unsigned char { integer, small_integer, real, text };

template <class T>
inline constexpr value_tag tag_of_v = std::is_same_v<T, long long> ? value_tag::integer
                                      : std::is_same_v<T, int>     ? value_tag::small_integer
                                      : std::is_same_v<T, double>  ? value_tag::real
                                                                   : value_tag::text;

/// The db type of a member, optional or not.
template <auto Member>
using member_db_t = db_type_t<unwrap_optional_t<typename member_traits<Member>::type>>;

/// A compile-time constant with static storage, bound by reference (scope values, polymorphic names).
template <auto Value>
struct constant {
    static auto const& get() {
        if constexpr (requires { Value.view(); }) {
            static const std::string s{Value.view()};
            return s;
        } else {
            static const db_type_t<decltype(Value)> v = static_cast<db_type_t<decltype(Value)>>(Value);
            return v;
        }
    }
    using type = std::remove_cvref_t<decltype(get())>;
    static void const* address() { return &get(); }
};
/// The same for a string known at compile time by reference (a model's polymorphic name).
template <std::string_view const& Name>
struct name_constant {
    static std::string const& get() {
        static const std::string s{Name};
        return s;
    }
    static void const* address() { return &get(); }
};

}  // namespace cascade::detail
