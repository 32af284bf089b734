#pragma once
// The typed errors of destroy_async jobs.
#include <cascade/errors.hpp>

namespace cascade {

/// The job's owner row still exists (and its ensuring_owner_was predicate, if any, says it is not
/// gone): Rails' DestroyAssociationAsyncError "owner record not destroyed". Nothing was changed.
struct owner_not_destroyed : error {
    std::string job;
    std::string owner_key;
    owner_not_destroyed(std::string_view job_, std::string key)
        : error("owner record not destroyed (" + std::string(job_) + ", owner " + key + ")"), job(job_),
          owner_key(std::move(key)) {}
};

/// No job of the schema has this name.
struct unknown_job : error {
    std::string name;
    explicit unknown_job(std::string_view name_)
        : error("cascade: no job named '" + std::string(name_) + "' in this schema"), name(name_) {}
};

/// The payload is not a valid JSON object of the job's fields.
struct malformed_job_payload : error {
    std::string name;
    malformed_job_payload(std::string_view name_, std::string_view why)
        : error("cascade: malformed payload for job '" + std::string(name_) + "': " + std::string(why)), name(name_) {}
};

/// Never thrown: a dependent that a restrict_with_error restricts stays and is reported in
/// job_report::refused, as Rails' job leaves it (see docs/destroy_async.md). Declared so that code
/// catching it compiles.
struct job_restricted : error {
    std::string job;
    explicit job_restricted(std::string_view job_, std::string const& message)
        : error(std::string(job_) + ": " + message), job(job_) {}
};

/// Dependents of the owner kept appearing while the job ran (the application still adds rows for an
/// owner that is gone): after its final sweeps some are left. What it destroyed stays destroyed; run
/// again (a retry), it finishes what is left.
struct job_incomplete : error {
    std::string job;
    std::string owner_key;
    job_incomplete(std::string_view job_, std::string key)
        : error(std::string(job_) + " (owner " + key + "): dependents are still being added; the job will run again"),
          job(job_), owner_key(std::move(key)) {}
};

}  // namespace cascade
