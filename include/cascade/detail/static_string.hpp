#pragma once
// Freezing text computed at compile time into a constant array, for names that must be constants: a
// job's "owner.association", an association's default name (has_one's singular of its table).
// Generators write through a writer (`out += "text"`, `out += 'c'`); freezing runs the generator
// twice, once counting and once copying into an array of exactly that size. Writers do no
// allocation: constexpr std::string is many times slower to evaluate in the compiler.
#include <array>
#include <cstddef>
#include <string_view>

namespace cascade::detail {

template <std::size_t N>
struct static_string {
    std::array<char, N + 1> chars{};
    constexpr std::string_view view() const { return {chars.data(), N}; }
};

/// Counts what is written.
struct length_writer {
    std::size_t size = 0;
    constexpr length_writer& operator+=(std::string_view s) {
        size += s.size();
        return *this;
    }
    constexpr length_writer& operator+=(char) {
        ++size;
        return *this;
    }
};

/// Copies what is written to `at`.
struct array_writer {
    char* at;
    constexpr array_writer& operator+=(std::string_view s) {
        for (char c : s) *at++ = c;
        return *this;
    }
    constexpr array_writer& operator+=(char c) {
        *at++ = c;
        return *this;
    }
};

/// Gen is a type with `static constexpr void write(auto& out)`.
template <class Gen>
consteval auto freeze() {
    constexpr std::size_t n = [] {
        length_writer w;
        Gen::write(w);
        return w.size;
    }();
    static_string<n> out{};
    array_writer w{out.chars.data()};
    Gen::write(w);
    return out;
}

template <class Gen>
inline constexpr auto frozen = freeze<Gen>();

/// The text Gen writes, as a view of a constant array.
template <class Gen>
constexpr std::string_view text_of() {
    return frozen<Gen>.view();
}

}  // namespace cascade::detail
