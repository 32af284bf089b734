#pragma once
// Freezing text computed at compile time into a constant array: the SQL of every statement is
// built once by the compiler (constexpr std::string) and lives in the binary as a char array, so
// the destroy path builds no string.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace cascade::detail {

template <std::size_t N>
struct static_string {
    std::array<char, N + 1> chars{};
    constexpr std::string_view view() const { return {chars.data(), N}; }
};

/// Gen is a type with `static constexpr std::string text()`.
template <class Gen>
consteval auto freeze() {
    constexpr std::size_t n = Gen::text().size();
    static_string<n> out{};
    const std::string s = Gen::text();
    for (std::size_t i = 0; i < n; ++i) out.chars[i] = s[i];
    return out;
}

template <class Gen>
inline constexpr auto frozen = freeze<Gen>();

/// The text Gen makes, as a view of a constant array.
template <class Gen>
constexpr std::string_view text_of() {
    return frozen<Gen>.view();
}

}  // namespace cascade::detail
