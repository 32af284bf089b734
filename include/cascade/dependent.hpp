#pragma once
// The dependent policies of Rails' `dependent:` option, one tag type each.
#include <string_view>
#include <type_traits>

namespace cascade::dependent {

/// No action: the association is only declared (Rails' default).
struct none { static constexpr std::string_view name = "none"; };
/// Load each dependent and destroy it: its callbacks and its own dependents run.
struct destroy { static constexpr std::string_view name = "destroy"; };
/// has_many: remove the dependents with one DELETE, no callbacks, no nested cascade.
struct delete_all { static constexpr std::string_view name = "delete_all"; };
/// has_one / belongs_to: remove the dependent row with a DELETE, no callbacks (Rails' `:delete`;
/// `delete` is a C++ keyword).
struct delete_ { static constexpr std::string_view name = "delete"; };
/// Set the foreign key (and the polymorphic type column) to NULL.
struct nullify { static constexpr std::string_view name = "nullify"; };
/// Refuse to destroy while dependents exist: throw cascade::delete_restriction_error.
struct restrict_with_exception { static constexpr std::string_view name = "restrict_with_exception"; };
/// Refuse to destroy while dependents exist: the result carries the error, nothing changes.
struct restrict_with_error { static constexpr std::string_view name = "restrict_with_error"; };
/// Destroy the dependents later, in jobs handed to an executor after the owner's transaction commits.
struct destroy_async { static constexpr std::string_view name = "destroy_async"; };

}  // namespace cascade::dependent

namespace cascade {

template <class P>
inline constexpr bool is_policy_v = false;
template <> inline constexpr bool is_policy_v<dependent::none> = true;
template <> inline constexpr bool is_policy_v<dependent::destroy> = true;
template <> inline constexpr bool is_policy_v<dependent::delete_all> = true;
template <> inline constexpr bool is_policy_v<dependent::delete_> = true;
template <> inline constexpr bool is_policy_v<dependent::nullify> = true;
template <> inline constexpr bool is_policy_v<dependent::restrict_with_exception> = true;
template <> inline constexpr bool is_policy_v<dependent::restrict_with_error> = true;
template <> inline constexpr bool is_policy_v<dependent::destroy_async> = true;

/// True for the restrict policies: checked before any write.
template <class P>
inline constexpr bool is_restrict_v = std::is_same_v<P, dependent::restrict_with_exception> ||
                                      std::is_same_v<P, dependent::restrict_with_error>;

}  // namespace cascade
