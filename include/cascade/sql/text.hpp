#pragma once
// The smallest pieces of SQL text, written in constant expressions: quoted identifiers and numbered
// placeholders. Identifiers come only from compile-time declarations (table names, member names).
#include <string_view>

namespace cascade::sql {

constexpr void append_identifier(auto& out, std::string_view id) {
    out += '"';
    out += id;
    out += '"';
}

/// Appends `:pN`, numbering placeholders in the order they appear; values are bound in that order.
constexpr void append_placeholder(auto& out, int& n) {
    ++n;
    char digits[12]{};
    int len = 0;
    for (int v = n; v > 0; v /= 10) digits[len++] = static_cast<char>('0' + v % 10);
    out += ":p";
    while (len > 0) out += digits[--len];
}

}  // namespace cascade::sql
