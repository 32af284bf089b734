#pragma once
// What a destroy (or a dry run) reports: the outcome, the rows it touched per table, and the
// restriction errors of restrict_with_error (Rails' `record.errors`).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cascade {

enum class destroy_status {
    destroyed,   ///< committed
    not_found,   ///< no row with that key; nothing changed
    restricted,  ///< a restrict_with_error association has dependents; nothing changed
    aborted,     ///< a before_destroy callback aborted; everything was rolled back
};

constexpr std::string_view to_string(destroy_status s) {
    switch (s) {
        case destroy_status::destroyed: return "destroyed";
        case destroy_status::not_found: return "not_found";
        case destroy_status::restricted: return "restricted";
        case destroy_status::aborted: return "aborted";
    }
    return "unknown";
}
template <class Stream>
    requires requires(Stream& os, std::string_view v) { os << v; }
Stream& operator<<(Stream& os, destroy_status s) {
    os << to_string(s);
    return os;
}

/// One restrict_with_error failure: the owner row, the association, and Rails' message.
struct restriction {
    std::string_view model;
    std::string key;
    std::string_view association;
    std::string message;
};

enum class row_action { deleted, nullified };

/// Rows one table lost or had nullified, summed over every step that touched it.
struct table_count {
    std::string_view table;
    row_action action;
    std::size_t rows;
};

struct destroy_result {
    destroy_status status = destroy_status::destroyed;
    /// One per restricted owner and association: the first 100 owners of each association, in key
    /// order (Django's RestrictedError carries every object; Rails returns each record with its errors).
    std::vector<restriction> errors;
    /// Restricted owners beyond the first 100 of an association, counted but not listed in errors.
    std::size_t unlisted_restrictions = 0;
    std::vector<table_count> counts;
    /// For aborted: the model and key whose before_destroy aborted.
    std::optional<std::pair<std::string_view, std::string>> aborted_by;

    explicit operator bool() const { return status == destroy_status::destroyed; }

    /// Rows of `table` deleted (or nullified).
    std::size_t rows(std::string_view table, row_action action = row_action::deleted) const {
        for (auto const& c : counts)
            if (c.table == table && c.action == action) return c.rows;
        return 0;
    }
    std::size_t total(row_action action = row_action::deleted) const {
        std::size_t n = 0;
        for (auto const& c : counts)
            if (c.action == action) n += c.rows;
        return n;
    }
    void add(std::string_view table, row_action action, std::size_t n) {
        for (auto& c : counts)
            if (c.table == table && c.action == action) {
                c.rows += n;
                return;
            }
        counts.push_back({table, action, n});
    }
};

}  // namespace cascade
