#pragma once
// Whether a statement gave up waiting, as the session's connector reads the database's error: for a
// lock another session holds (a lock timeout), or because it ran too long (a statement timeout, a
// cancel). What an operator's tool shows as "busy, try again" rather than as a failure.
#include <cascade/soci/detail/session.hpp>

namespace cascade {
using detail::gave_up;
using detail::how_it_gave_up;
}  // namespace cascade
