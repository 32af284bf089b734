#pragma once
// What a pointer to member tells at compile time: its class and its type, and whether the column it
// maps to may hold NULL. Nothing here knows how a struct is adapted (detail/columns_of.hpp reads that),
// so the layers below the DSL (db_type.hpp, the SQL dialects) include no adaptation machinery.
#include <optional>
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

/// A constant as a type: two member pointers are compared as types (see is_null_v for why not by value).
template <auto V>
struct constant_t {};

}  // namespace cascade::detail
