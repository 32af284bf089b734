#pragma once
// cascade on mysql: the database layer (<cascade/soci.hpp>) and mysql's connector. Link cascade::mysql.
#include <cascade/soci.hpp>
#include <cascade/mysql/connector.hpp>
