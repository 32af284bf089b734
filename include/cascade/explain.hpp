#pragma once
// explain: the static plan of destroying a T, printed for a person as a tree of model, association,
// policy and the SQL each step runs. Made from the same walk and the same statements as the executor.
#include <cascade/plan_walk.hpp>
#include <cascade/sql/statements.hpp>

#include <string>

namespace cascade {

namespace detail {

template <class Schema>
struct explain_printer {
    std::string out;

    void line(int depth, std::string_view text) {
        out.append(static_cast<std::size_t>(depth) * 2, ' ');
        out += text;
        out += '\n';
    }
    template <class E>
    static std::string label() {
        return std::string(E::owner::table) + "." + std::string(E::name) + " (" + std::string(E::kind::name) +
               ", dependent::" + std::string(E::policy::name) + ")";
    }
    template <class E, class Path>
    void enter(Path const&, int depth) {
        using M = typename Path::model;
        std::string head;
        if constexpr (std::is_void_v<E>) head = "destroy " + std::string(M::table);
        else head = label<E>() + " -> " + std::string(M::table);
        if constexpr (needs_rows_v<M>) {
            head += "  [callbacks: rows streamed in pages]";
            line(depth, head);
            line(depth + 1, text_of<sql::select_all<Path>>());
        } else {
            head += "  [set-based, no rows loaded]";
            line(depth, head);
        }
    }
    template <class E, class Path>
    void remove(Path const&, int depth) {
        line(depth + 1, text_of<sql::delete_rows<Path>>());
    }
    template <class E, class Path>
    void step(Path const&, int depth) {
        using P = typename E::policy;
        line(depth, label<E>() + " -> " + std::string(Path::model::table));
        if constexpr (is_restrict_v<P>) line(depth + 1, text_of<sql::first_dependent<Path>>());
        else if constexpr (std::is_same_v<P, dependent::nullify>) line(depth + 1, text_of<sql::nullify_rows<Path>>());
        else if constexpr (std::is_same_v<P, dependent::destroy_async>) line(depth + 1, "(a job, after commit)");
        else line(depth + 1, text_of<sql::delete_rows<Path>>());
    }
};

}  // namespace detail

/// The plan for destroying one T, as text: restrict checks run first, then the steps top to bottom
/// in the order shown (children before their parents' DELETE).
template <class Schema, class T>
std::string explain() {
    static_assert(check_schema<Schema>::ok, "cascade::explain: the schema is invalid (see the errors above)");
    detail::explain_printer<Schema> printer;
    if constexpr (valid_schema<Schema>) {
        using M = detail::model_for_t<Schema, T>;
        static_assert(!std::is_void_v<M>, "cascade::explain<Schema, T>: T is not a model of the schema");
        detail::root_path<M> const root{};
        detail::walk<Schema, detail::walk_mode::exact, void>(printer, root, 0);
    }
    return printer.out;
}

}  // namespace cascade
