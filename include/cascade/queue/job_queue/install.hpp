#pragma once
// The queue table's DDL and its check: the database's own part comes from its queue connector.
#include <cascade/queue/job_queue.hpp>

namespace cascade {

inline void job_queue::install(soci::session& sql) const {
    auto const& d = detail::queue_dialect_of(sql);
    if (paused_table().size() > d.longest_name)
        throw invalid_queue_name(table_, "on " + std::string(d.backend) + " its table of paused queues, " + paused_table() +
                                             ", would be longer than the " + std::to_string(d.longest_name) +
                                             " bytes a table's name may have there");
    d.install(sql, table_, paused_table());
}

inline void job_queue::check_installed(soci::session& sql) const {
    try {
        long long n = 0;
        sql << "SELECT COUNT(*) FROM (SELECT queue, priority FROM " + table_ + " WHERE 1 = 0) c", soci::into(n);
        sql << "SELECT COUNT(*) FROM (SELECT queue FROM " + paused_table() + " WHERE 1 = 0) p", soci::into(n);
    } catch (std::exception const& e) {
        // a table someone holds locked is there: its lock timeout is not "install it"
        if (detail::how_it_gave_up(std::current_exception()) != detail::gave_up::no) throw;
        throw queue_not_installed(table_, e.what());
    }
}

}  // namespace cascade
