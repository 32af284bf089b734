#pragma once
// An error message as text every database takes, so that a job's failure is always recorded.
#include <cascade/detail/utf8.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace cascade::detail {

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
