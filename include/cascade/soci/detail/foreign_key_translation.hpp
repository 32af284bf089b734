#pragma once
// The database's foreign-key refusal, as the connector read it, turned into cascade::foreign_key_violation:
// which declared association it concerns, and the fix (a destroy_async owner blocked by a plain
// REFERENCES, a key no association declares, rows the policy does not reach).
#include <cascade/detail/graph.hpp>
#include <cascade/errors.hpp>
#include <cascade/soci/detail/session.hpp>

#include <exception>
#include <string>
#include <string_view>

namespace cascade::detail {

/// The associations of the schema between the table whose delete was refused and the table whose rows
/// refer to it ("owner.name", joined by " or "), empty when none is declared or the
/// database did not name both tables (SQLite).
template <class Schema>
std::string declared_between(std::string_view deleted, std::string_view referring) {
    auto const& g = graph_of<Schema>;
    std::string out;
    if (deleted.empty() || referring.empty()) return out;
    for (auto const& e : g.edges) {
        bool const has_side = e.has_side() && g.model(e.owner).table == deleted && g.model(e.acted).table == referring;
        bool const belongs = !e.has_side() && g.model(e.target).table == deleted && g.model(e.owner).table == referring;
        if (!has_side && !belongs) continue;
        if (!out.empty()) out += " or ";
        out += std::string(g.model(e.owner).table) + "." + std::string(e.name);
    }
    return out;
}

/// Rethrows a failure of the cascade; the database's foreign key refusal becomes
/// cascade::foreign_key_violation, naming the destroy_async association it blocks when there is one.
template <class Schema>
[[noreturn]] void rethrow_failure(std::exception_ptr const& failure) {
    auto const refusal = foreign_key_refused(failure);
    if (!refusal) std::rethrow_exception(failure);
    auto const& g = graph_of<Schema>;
    // The destroy_async associations whose dependents are on the referring table (SQLite does not name
    // the table: then every destroy_async association is a candidate).
    std::string association;
    // PostgreSQL says which delete was refused ("update or delete on table X"): only X's own
    // destroy_async associations onto the referring table can be the cause; an insert or update
    // refused (a callback's write) is none of them.
    bool const a_delete = refusal->unknown_statement || !refusal->deleted.empty();
    for (auto const& e : g.edges) {
        if (!a_delete || e.action != policy_action::defer || !e.has_side()) continue;
        if (!refusal->table.empty() && refusal->table != g.model(e.acted).table) continue;
        if (!refusal->deleted.empty() && refusal->deleted != g.model(e.owner).table) continue;
        if (!association.empty()) association += " or ";
        association += std::string(g.model(e.owner).table) + "." + std::string(e.name);
    }
    std::string constraint = "the database's foreign key constraint \"";
    if (refusal->constraint.empty()) constraint = "a foreign key constraint of the database";
    else constraint += refusal->constraint + "\"";
    std::string const on = refusal->table.empty() ? std::string() : " on " + refusal->table;
    std::string what;
    if (!association.empty()) {
        what = "cascade: " + constraint + on + " refused to delete an owner before its dependents, but " +
               association +
               " is dependent::destroy_async: its job deletes the dependents after the owner is gone. Fix: drop the "
               "constraint (the job removes the dependents; Rails has the same limit), or make the association "
               "dependent::destroy or delete_all. Not ON DELETE CASCADE: the database would delete the dependents at "
               "once, without their callbacks and cascades, and the job would find nothing (rails#40777). Nothing was "
               "changed";
    } else if (auto const declared = declared_between<Schema>(refusal->deleted, refusal->table); !declared.empty()) {
        association = declared;
        what = "cascade: " + constraint + on + " refused to delete rows of " + refusal->deleted +
               " that rows of " + refusal->table + " still refer to, through " + declared +
               ": rows its policy does not reach (outside its scope, or written meanwhile by a callback or another "
               "session), or, for a belongs_to, a target other rows still refer to. Nothing was changed";
    } else {
        what = "cascade: " + constraint + on +
               " refused a delete: rows refer to the destroyed rows through a key no association of the schema "
               "declares. Declare it (has_many or has_one with a dependent policy), or give the constraint ON DELETE "
               "CASCADE or SET NULL. Nothing was changed";
    }
    throw foreign_key_violation(std::move(what), refusal->constraint, refusal->table, std::move(association));
}


}  // namespace cascade::detail
