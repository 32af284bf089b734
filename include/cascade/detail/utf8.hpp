#pragma once
// Well-formed UTF-8, as every database cascade writes text to stores it (PostgreSQL refuses other bytes;
// MariaDB turns them into '?', which names other text).
#include <cstddef>
#include <string_view>

namespace cascade::detail {

/// The length of the well-formed UTF-8 sequence at s[i] (Unicode's table 3-7: no overlong form, no
/// surrogate, nothing past U+10FFFF), or 0.
constexpr std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    auto const at = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned char const c = at(0);
    if (c < 0x80) return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (i + n > s.size() || at(1) < lo || at(1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if ((at(k) & 0xC0) != 0x80) return 0;
    return n;
}

/// Whether `s` is well-formed UTF-8 throughout.
constexpr bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        std::size_t const n = utf8_sequence(s, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

}  // namespace cascade::detail
