#pragma once
// A string usable as a template argument: table names, association names, scope values.
// Identifiers in generated SQL only ever come from these compile-time declarations.
#include <algorithm>
#include <cstddef>
#include <string_view>

namespace cascade {

template <std::size_t N>
struct fixed_string {
    char value[N]{};
    constexpr fixed_string(const char (&s)[N]) { std::copy_n(s, N, value); }
    constexpr std::string_view view() const { return {value, N - 1}; }
    constexpr std::size_t size() const { return N - 1; }
    constexpr operator std::string_view() const { return view(); }
};

}  // namespace cascade
