#pragma once
// Typed errors: one type per failure kind, each carrying the model, the key and the association.
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace cascade {

/// Base of every error cascade throws.
struct error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// restrict_with_exception found dependents (Rails' ActiveRecord::DeleteRestrictionError).
/// Nothing was changed.
struct delete_restriction_error : error {
    std::string model;
    std::string key;
    std::string association;
    delete_restriction_error(std::string_view model_, std::string key_, std::string_view association_)
        : error("Cannot delete record because of dependent " + std::string(association_) + " (" +
                std::string(model_) + " " + key_ + ")"),
          model(model_), key(std::move(key_)), association(association_) {}
};

/// A column declared without std::optional held NULL.
struct unexpected_null : error {
    std::string table;
    std::string column;
    unexpected_null(std::string_view table_, std::string_view column_)
        : error("cascade: " + std::string(table_) + "." + std::string(column_) +
                " is NULL but its member is not std::optional"),
          table(table_), column(column_) {}
};

/// destroy_or_throw: the record was not destroyed (Rails' ActiveRecord::RecordNotDestroyed).
struct record_not_destroyed : error {
    std::string model;
    std::string key;
    record_not_destroyed(std::string_view model_, std::string key_, std::string_view why)
        : error("Failed to destroy " + std::string(model_) + " " + key_ + ": " + std::string(why)),
          model(model_), key(std::move(key_)) {}
};

/// A text value holds a NUL byte. SOCI's PostgreSQL backend cuts bound text at the first NUL (so
/// "ordinary\0evil" would match the row "ordinary"), and PostgreSQL text cannot hold one: cascade
/// refuses such a value on every backend, before anything runs. `role` says which value it was.
struct null_byte_in_text : error {
    std::string role;
    explicit null_byte_in_text(std::string_view role_)
        : error("cascade: the " + std::string(role_) + " contains a NUL byte; nothing was run"), role(role_) {}
};

/// cascade::transaction::commit found its transaction already ended by the database (InnoDB rolls a
/// deadlocked transaction back whole, a lost connection ends it): nothing of it was committed, its
/// after_rollback work has run. Run the whole transaction again.
struct transaction_rolled_back : error {
    transaction_rolled_back()
        : error("cascade::transaction: the database rolled this transaction back before its commit (InnoDB does "
                "so to a deadlock's victim, with every write of the transaction): nothing of it was committed; "
                "after_rollback has run. Run the whole transaction again") {}
};

/// The session is inside a transaction cascade cannot see the end of (a plain soci::transaction or a
/// BEGIN of the application's), and this destroy has work for that end: after_commit/after_rollback
/// callbacks or destroy_async jobs to hand over. Nothing was run; open a cascade::transaction instead.
struct transaction_required : error {
    explicit transaction_required(std::string_view what)
        : error("cascade: " + std::string(what) +
                " inside a transaction cascade did not open: its after_commit/after_rollback callbacks or jobs "
                "need to know when that transaction ends; use cascade::transaction (it is a soci::transaction "
                "that runs them at its commit or rollback). Nothing was run") {}
};

/// The database's own foreign key refused a delete of the cascade. Nothing was changed (the whole
/// transaction, or the caller's savepoint, was rolled back).
///  - `association` set: a dependent::destroy_async association's dependents refer to the owner through
///    a plain REFERENCES constraint. The owner goes now and its dependents later, in the job, so the
///    database refuses the owner's delete (Rails has the same limit). Fix: drop the constraint (the job
///    removes the dependents), or make the association dependent::destroy or delete_all. Not ON DELETE
///    CASCADE: the database would delete the dependents at once, without callbacks or their own
///    cascades, and destroy_async would find nothing to do (rails#40777).
///  - `association` names a declared association between the two tables (PostgreSQL names them): rows
///    its policy did not reach still refer (outside its scope, written meanwhile), or a belongs_to
///    target that other rows still refer to.
///  - `association` empty: a table refers to the deleted rows through a key no association of the
///    schema declares (or SQLite, which names no table); declare it, or give the constraint ON DELETE
///    CASCADE / SET NULL.
struct foreign_key_violation : error {
    std::string constraint;   ///< the constraint's name (PostgreSQL; SQLite does not say)
    std::string table;        ///< the table whose rows refer to the deleted ones (PostgreSQL)
    std::string association;  ///< "authors.books": the association between the two tables, if one
    foreign_key_violation(std::string what, std::string constraint_, std::string table_, std::string association_)
        : error(std::move(what)), constraint(std::move(constraint_)), table(std::move(table_)),
          association(std::move(association_)) {}
};

/// The session's SOCI backend has no connector in this program: `compiled_in` names those that do
/// (each is a header, <cascade/sqlite.hpp>, <cascade/postgresql.hpp>, <cascade/mysql.hpp>).
struct unsupported_backend : error {
    std::string backend, compiled_in;
    unsupported_backend(std::string_view name, std::string_view compiled)
        : unsupported_backend(name, compiled, "connector",
                              "include <cascade/sqlite.hpp>, <cascade/postgresql.hpp> or <cascade/mysql.hpp> and link "
                              "cascade::sqlite, cascade::postgresql or cascade::mysql") {}
    /// `what`: the kind of connector missing ("queue connector"); `fix`: the headers that add one.
    unsupported_backend(std::string_view name, std::string_view compiled, std::string_view what, std::string_view fix)
        : error("cascade: no " + std::string(what) + " for SOCI backend '" + std::string(name) + "' in this program (compiled in: " +
                (compiled.empty() ? std::string("none") : std::string(compiled)) + "); " + std::string(fix)),
          backend(name), compiled_in(compiled) {}
};

/// An executor that has shut down refuses a task rather than dropping it.
struct executor_closed : error {
    executor_closed() : error("cascade: the executor has shut down; the task was not accepted") {}
};

namespace detail {
template <class K>
std::string key_string(K const& k) {
    if constexpr (std::is_convertible_v<K const&, std::string_view>) return std::string(k);
    else return std::to_string(k);
}
}  // namespace detail

}  // namespace cascade
