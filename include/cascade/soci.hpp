#pragma once
// cascade's database layer through SOCI: destroy, destroy_or_throw, dry_run. A program includes the
// connector of each database it uses as well (<cascade/sqlite.hpp>, <cascade/postgresql.hpp>,
// <cascade/mysql.hpp>): a session of a backend without one is refused (unsupported_backend).
#include <cascade/cascade.hpp>
#include <cascade/soci/destroy.hpp>
#include <cascade/soci/dry_run.hpp>
#include <cascade/soci/gave_up.hpp>
