#pragma once
// An error message as text every database takes, so that a job's failure is always recorded.
#include <cstddef>
#include <string>
#include <string_view>

namespace cascade::detail {

/// The length of the well-formed UTF-8 sequence at s[i] (Unicode's table 3-7: no overlong form, no
/// surrogate, nothing past U+10FFFF), or 0.
inline std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    auto const at = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned char const c = at(0);
    if (c < 0x80) return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else return 0;
    if (i + n > s.size() || at(1) < lo || at(1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if ((at(k) & 0xC0) != 0x80) return 0;
    return n;
}

/// `s` as valid UTF-8 without NUL bytes (a NUL shown as \0, a byte that is not UTF-8 as ?), at most
/// about 4,000 bytes: a message a database refused would leave its job unrecorded.
inline std::string printable(std::string_view s) {
    std::string out;
    std::size_t i = 0;
    while (i < s.size() && out.size() < 4000) {
        std::size_t const n = utf8_sequence(s, i);
        if (s[i] == '\0') out += "\\0";
        else if (n > 0) out.append(s, i, n);
        else out += '?';
        i += n > 0 ? n : 1;
    }
    return out;
}

}  // namespace cascade::detail
