#pragma once
// cascade's database layer through SOCI: destroy, destroy_or_throw, dry_run.
#include <cascade/cascade.hpp>
#include <cascade/soci/destroy.hpp>
#include <cascade/soci/dry_run.hpp>
