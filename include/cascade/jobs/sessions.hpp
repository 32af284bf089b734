#pragma once
// Where a job gets its database session. A sessions source has `acquire()`, returning a lease that
// dereferences to a soci::session& for as long as the lease lives.
#include <soci/connection-pool.h>
#include <soci/session.h>

namespace cascade {

/// One session for everything: the request's own, for the inline and deferred executors (one
/// thread at a time).
struct shared_session {
    soci::session& sql;
    struct lease {
        soci::session& s;
        soci::session& operator*() const { return s; }
    };
    lease acquire() const { return {sql}; }
};

/// A session from a soci::connection_pool per job, returned when the job ends: for executors that
/// run jobs on several threads.
struct session_pool {
    soci::connection_pool& pool;
    struct lease {
        soci::session s;
        explicit lease(soci::connection_pool& p) : s(p) {}
        soci::session& operator*() { return s; }
    };
    lease acquire() const { return lease(pool); }
};

}  // namespace cascade
