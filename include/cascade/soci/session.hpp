#pragma once
// Forwards to <cascade/soci/detail/session.hpp> for the durable queue's headers (include/cascade/queue/)
// and the tool (tools/), which still name this path. Internals, without a stability promise: include
// the detail header, and remove this one once nothing names it.
#include <cascade/soci/detail/session.hpp>
