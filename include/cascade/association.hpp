#pragma once
// The association DSL: has_many, has_one, belongs_to, has_many_through, and their options.
// Each association carries its dependent policy as a type; nothing here is checked yet: the schema
// checks every association once, with messages that name the model and the fix (schema_check.hpp).
#include <cascade/detail/utf8.hpp>
#include <cascade/dependent.hpp>
#include <cascade/fixed_string.hpp>

#include <cstddef>

namespace cascade {

namespace kind {
struct has_many {
    static constexpr std::string_view name = "has_many";
    static constexpr unsigned bit = kind_bits::has_many;
};
struct has_one {
    static constexpr std::string_view name = "has_one";
    static constexpr unsigned bit = kind_bits::has_one;
};
struct belongs_to {
    static constexpr std::string_view name = "belongs_to";
    static constexpr unsigned bit = kind_bits::belongs_to;
};
struct has_many_through {
    static constexpr std::string_view name = "has_many_through";
    static constexpr unsigned bit = kind_bits::has_many_through;
};
}  // namespace kind

// ---- options -----------------------------------------------------------------------------------

/// The association's name (Rails' `has_many :books`): used in errors, explain and job names.
/// Default: the target table for has_many, the singular of it for has_one, the foreign key without
/// `_id` for belongs_to.
template <fixed_string Name>
struct name {};

/// On a model: its primary key (default: the member named `id`).
/// On has_many / has_one: the owner's column the foreign key refers to (Rails' `primary_key:`).
/// On belongs_to: the target's column the foreign key refers to.
template <auto Member>
struct primary_key {};

/// A scope on the associated table, applied in SQL and bound as a parameter: `where<&Comment::visible,
/// true>`, `where<&Post::state, fixed_string{"published"}>`. Several are joined with AND.
template <auto Member, auto Value>
struct where {};

/// Polymorphic association (Rails' `as:`): the dependent table's type column, matched against the
/// owner's polymorphic name and cleared together with the foreign key by nullify.
template <auto TypeMember>
struct as {};

/// On a model: the value its rows are known by in polymorphic type columns, as Rails writes it there:
/// the class name (`Post.polymorphic_name`: the STI base class's name, with its modules,
/// "Blog::Post"). Default: the struct's own name when it is declared at global scope, in an unnamed
/// namespace or in a function (`struct Post`: "Post"); a struct in a named namespace or class, a
/// template or a lowercase name has no default, and owning a polymorphic association it must say it.
template <fixed_string Name>
struct polymorphic_name {};

/// destroy_async, Rails-compatible mode: the dependents' keys are read during the destroy and split
/// into jobs of BatchSize keys (Rails' destroy_association_async_batch_size). Without it, a job
/// carries only the owner's key and finds the dependents when it runs: the owner's latency does not
/// grow with their number.
template <std::size_t BatchSize>
struct snapshot_ids {
    static_assert(BatchSize > 0, "cascade::snapshot_ids: the batch size must be positive");
};

/// destroy_async: the job refuses to run while the owner row still exists, unless this predicate, a
/// `bool () const` member of the owner, says it is gone (a soft delete). Rails' `ensuring_owner_was:`.
template <auto OwnerPredicate>
struct ensuring_owner_was {};

/// The most bytes a queue name may have (a worker's `queues`, `cascade::queue<"...">`, the tool).
inline constexpr std::size_t max_queue_name_size = 128;

/// What is wrong with a queue name, or nullptr: it is not empty, has at most max_queue_name_size
/// bytes, no NUL byte (SOCI's PostgreSQL backend would cut it there) and is well-formed UTF-8 (what
/// every database stores; MariaDB would turn a stray byte into '?', the name of another queue).
/// Anything else is the application's text: quotes, backslashes, newlines (the metrics escape them). A
/// command line or a configuration checks its names with it before it opens a database.
constexpr char const* queue_name_problem(std::string_view name) {
    if (name.empty()) return "is empty";
    if (name.size() > max_queue_name_size) return "is longer than 128 bytes";
    for (char c : name)
        if (c == '\0') return "contains a NUL byte";
    if (!detail::valid_utf8(name)) return "is not valid UTF-8";
    return nullptr;
}

/// destroy_async: the named queue its jobs are written to (as in River, Oban, Sidekiq): workers whose
/// `worker_options::queues` lists it, or lists nothing, run them; an operator can pause it. Default
/// "default".
template <fixed_string Name>
struct queue {};

/// destroy_async: its jobs' priority within the durable queue. Smaller runs first (River, Oban):
/// a worker claims the most urgent due job of its queues, then the earliest, then the oldest.
/// Default 0; negative values are more urgent than the default.
template <int Priority>
struct priority {};

/// has_many_through with destroy_async: the job destroys the *targets* reached through the owner's
/// join rows (with their own cascades), as Rails 6.1 did. Targets may be shared by other owners: a
/// shared tag goes too. Without this option the job acts on the join rows, as Rails documents.
struct destroy_async_targets {};

// ---- associations -------------------------------------------------------------------------------

/// Owner has many Target rows whose ForeignKey (a member of Target) refers to the owner.
template <class Target, auto ForeignKey, class Policy = dependent::none, class... Options>
struct has_many {
    using kind = cascade::kind::has_many;
    using target = Target;
    using policy = Policy;
    static constexpr auto foreign_key = ForeignKey;
};

/// Owner has one Target row whose ForeignKey (a member of Target) refers to the owner.
template <class Target, auto ForeignKey, class Policy = dependent::none, class... Options>
struct has_one {
    using kind = cascade::kind::has_one;
    using target = Target;
    using policy = Policy;
    static constexpr auto foreign_key = ForeignKey;
};

/// Owner's ForeignKey (a member of the owner) refers to a Target row.
template <class Target, auto ForeignKey, class Policy = dependent::none, class... Options>
struct belongs_to {
    using kind = cascade::kind::belongs_to;
    using target = Target;
    using policy = Policy;
    static constexpr auto foreign_key = ForeignKey;
};

/// Owner has many Target rows through the Join model: Join::OwnerKey refers to the owner and
/// Join::SourceKey to the target. As in Rails, the dependent policy acts on the join rows, never on
/// the targets, which other owners may share.
template <class Target, class Join, auto OwnerKey, auto SourceKey, class Policy = dependent::none,
          class... Options>
struct has_many_through {
    using kind = cascade::kind::has_many_through;
    using target = Target;
    using join = Join;
    using policy = Policy;
    static constexpr auto foreign_key = OwnerKey;
    static constexpr auto source_key = SourceKey;
};

template <class A>
inline constexpr bool is_association_v = false;
template <class T, auto F, class P, class... O>
inline constexpr bool is_association_v<has_many<T, F, P, O...>> = true;
template <class T, auto F, class P, class... O>
inline constexpr bool is_association_v<has_one<T, F, P, O...>> = true;
template <class T, auto F, class P, class... O>
inline constexpr bool is_association_v<belongs_to<T, F, P, O...>> = true;
template <class T, class J, auto F, auto S, class P, class... O>
inline constexpr bool is_association_v<has_many_through<T, J, F, S, P, O...>> = true;

}  // namespace cascade
