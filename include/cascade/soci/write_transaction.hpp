#pragma once
// A transaction that is going to write. On SQLite it starts with BEGIN IMMEDIATE: the write lock is
// taken up front (waiting for the busy timeout), where a plain BEGIN would try to upgrade a read lock
// later and fail at once with "database is locked" when another connection writes. Rolled back
// unless committed.
#include <cascade/soci/exchange.hpp>

namespace cascade::detail {

class write_transaction {
public:
    explicit write_transaction(soci::session& sql) : sql_(sql) {
        execute_text(sql_, sql::dialect_of(sql_.get_backend_name()) == sql::dialect::sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
        open_ = true;
    }
    write_transaction(write_transaction const&) = delete;
    write_transaction& operator=(write_transaction const&) = delete;
    ~write_transaction() {
        if (open_) {
            try {
                rollback();
            } catch (...) {
                // the connection may be gone; the database rolls back an unfinished transaction itself
            }
        }
    }
    void commit() {
        open_ = false;
        execute_text(sql_, "COMMIT");
    }
    void rollback() {
        open_ = false;
        execute_text(sql_, "ROLLBACK");
    }

private:
    soci::session& sql_;
    bool open_ = false;
};

}  // namespace cascade::detail
