#pragma once
// cascade on postgresql: the database layer (<cascade/soci.hpp>) and postgresql's connector. Link cascade::postgresql.
#include <cascade/soci.hpp>
#include <cascade/postgresql/connector.hpp>
