#pragma once
// The dependent policies of Rails' `dependent:` option, one tag type each. A tag carries what the
// policy does as traits: the plan reads `action` (one execution step per action), the schema check
// reads `allowed_on` (the association kinds that accept it). Adding a policy is a tag here, its step
// in the plan (detail/plan.hpp) and a line in docs/policies.md.
#include <string_view>
#include <type_traits>

namespace cascade {

/// What a policy does to the rows its association reaches when their owner is destroyed.
enum class policy_action : unsigned char {
    none,      ///< nothing
    destroy,   ///< the rows go with their callbacks and their own dependents (recurses)
    remove,    ///< the rows go in one statement: no callbacks, no nested cascade
    nullify,   ///< the foreign key (and polymorphic type) is set to NULL
    restrict,  ///< the owner may not go while a surviving row refers to it (checked before any write)
    defer,     ///< the rows go later, in a job handed over after the commit
};

/// The association kinds, as bits of a policy's `allowed_on`.
namespace kind_bits {
inline constexpr unsigned has_many = 1, has_one = 2, belongs_to = 4, has_many_through = 8;
inline constexpr unsigned all = has_many | has_one | belongs_to | has_many_through;
inline constexpr unsigned has_side = has_many | has_one | has_many_through;
}  // namespace kind_bits

}  // namespace cascade

namespace cascade::dependent {

/// No action: the association is only declared (Rails' default).
struct none {
    static constexpr std::string_view name = "none";
    static constexpr policy_action action = policy_action::none;
    static constexpr unsigned allowed_on = kind_bits::all;
};
/// Load each dependent and destroy it: its callbacks and its own dependents run.
struct destroy {
    static constexpr std::string_view name = "destroy";
    static constexpr policy_action action = policy_action::destroy;
    static constexpr unsigned allowed_on = kind_bits::all;
};
/// has_many: remove the dependents with one DELETE, no callbacks, no nested cascade.
struct delete_all {
    static constexpr std::string_view name = "delete_all";
    static constexpr policy_action action = policy_action::remove;
    static constexpr unsigned allowed_on = kind_bits::has_many | kind_bits::has_many_through;
};
/// has_one / belongs_to: remove the dependent row with a DELETE, no callbacks (Rails' `:delete`;
/// `delete` is a C++ keyword).
struct delete_ {
    static constexpr std::string_view name = "delete";
    static constexpr policy_action action = policy_action::remove;
    static constexpr unsigned allowed_on = kind_bits::has_one | kind_bits::belongs_to;
};
/// Set the foreign key (and the polymorphic type column) to NULL.
struct nullify {
    static constexpr std::string_view name = "nullify";
    static constexpr policy_action action = policy_action::nullify;
    static constexpr unsigned allowed_on = kind_bits::has_side;
};
/// Refuse to destroy while dependents would survive: throw cascade::delete_restriction_error.
struct restrict_with_exception {
    static constexpr std::string_view name = "restrict_with_exception";
    static constexpr policy_action action = policy_action::restrict;
    static constexpr bool raises = true;
    static constexpr unsigned allowed_on = kind_bits::has_side;
};
/// Refuse to destroy while dependents would survive: the result carries the error, nothing changes.
struct restrict_with_error {
    static constexpr std::string_view name = "restrict_with_error";
    static constexpr policy_action action = policy_action::restrict;
    static constexpr bool raises = false;
    static constexpr unsigned allowed_on = kind_bits::has_side;
};
/// Destroy the dependents later, in jobs handed to an executor after the owner's transaction commits.
struct destroy_async {
    static constexpr std::string_view name = "destroy_async";
    static constexpr policy_action action = policy_action::defer;
    static constexpr unsigned allowed_on = kind_bits::all;
};

}  // namespace cascade::dependent

namespace cascade {

/// A policy is a type that says what it does and where it is allowed.
template <class P>
concept policy = requires {
    { P::name } -> std::convertible_to<std::string_view>;
    { P::action } -> std::convertible_to<policy_action>;
    { P::allowed_on } -> std::convertible_to<unsigned>;
};
template <class P>
inline constexpr bool is_policy_v = policy<P>;

/// True for the restrict policies: checked before any write.
template <class P>
inline constexpr bool is_restrict_v = [] {
    if constexpr (policy<P>) return P::action == policy_action::restrict;
    else return false;
}();

/// restrict_with_exception throws; restrict_with_error reports.
template <class P>
inline constexpr bool raises_v = [] {
    if constexpr (requires { P::raises; }) return P::raises;
    else return false;
}();

}  // namespace cascade
