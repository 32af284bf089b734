#pragma once
// A struct's name at compile time, and the class name Rails writes for it in a polymorphic type column.
#include <string_view>

namespace cascade::detail {

/// T as the compiler spells it, read from __PRETTY_FUNCTION__: "Post", "app::Post", "Post<int>",
/// "{anonymous}::Post" (GCC) or "(anonymous namespace)::Post" (clang), "main()::Post" (GCC; clang
/// up to 16 spells a class local to a function by its own name).
template <class T>
constexpr std::string_view spelled_type_name() {
    std::string_view const f = __PRETTY_FUNCTION__;
    std::string_view const gcc = "[with T = ", clang = "[T = ";
    std::size_t start = f.find(gcc);
    start = start == std::string_view::npos ? f.find(clang) + clang.size() : start + gcc.size();
    std::size_t end = f.find(';', start);  // GCC goes on with the typedefs of the signature
    if (end == std::string_view::npos) end = f.rfind(']');
    return f.substr(start, end - start);
}

/// Where the last "::" outside brackets of any kind is in `s` (npos: none). Brackets, because a
/// function scope ("f(a::b)::Local") or a template argument may hold "::" of its own.
constexpr std::size_t last_scope_separator(std::string_view s) {
    std::size_t found = std::string_view::npos;
    int depth = 0;
    for (std::size_t i = 0; i + 1 < s.size(); ++i) {
        char const c = s[i];
        if (c == '<' || c == '(' || c == '{' || c == '[') ++depth;
        else if (c == '>' || c == ')' || c == '}' || c == ']') --depth;
        else if (depth == 0 && c == ':' && s[i + 1] == ':') found = i++;
    }
    return found;
}

/// A Ruby constant's name, as Rails class names are: an ASCII capital, then ASCII letters, digits
/// and underscores.
constexpr bool ruby_constant_name(std::string_view s) {
    if (s.empty() || s[0] < 'A' || s[0] > 'Z') return false;
    for (char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

/// The class name Rails writes for a struct the compiler spells `spelled`, or empty when there is
/// none C++ can be sure of. The name is the struct's own when it is declared at global scope, in an
/// unnamed namespace or inside a function (scopes Ruby has no name for) and is a Ruby constant's
/// name: `Post` is "Post". Empty for a struct in a named namespace or class (Rails spells modules
/// `Blog::Post`, camelized with the application's inflections: C++ cannot know them), a template
/// specialization, or a name Ruby cannot have (`post`).
constexpr std::string_view rails_class_name(std::string_view spelled) {
    std::size_t const at = last_scope_separator(spelled);
    if (at == std::string_view::npos) return ruby_constant_name(spelled) ? spelled : std::string_view{};
    std::string_view const name = spelled.substr(at + 2), scope = spelled.substr(0, at);
    std::size_t const outer = last_scope_separator(scope);
    std::string_view const innermost = outer == std::string_view::npos ? scope : scope.substr(outer + 2);
    auto const unnamed = [](std::string_view s) { return s == "{anonymous}" || s == "(anonymous namespace)"; };
    bool const unnamed_namespace = unnamed(scope);  // app::{anonymous}::Post is in app
    bool const in_function = !unnamed(innermost) && innermost.find('(') != std::string_view::npos;
    return (unnamed_namespace || in_function) && ruby_constant_name(name) ? name : std::string_view{};
}

/// The class name Rails writes for struct T (see rails_class_name), or empty.
template <class T>
inline constexpr std::string_view rails_class_name_v = rails_class_name(spelled_type_name<T>());

}  // namespace cascade::detail
