#pragma once
// cascade on sqlite: the database layer (<cascade/soci.hpp>) and sqlite's connector. Link cascade::sqlite.
#include <cascade/soci.hpp>
#include <cascade/sqlite/connector.hpp>
