#pragma once
// cascade: Rails' `dependent:` associations for C++, planned at compile time.
// The public API, and nothing else. The database layer (SOCI) is in <cascade/soci.hpp>.
#include <cascade/association.hpp>
#include <cascade/callbacks.hpp>
#include <cascade/define_struct.hpp>
#include <cascade/dependent.hpp>
#include <cascade/errors.hpp>
#include <cascade/explain.hpp>
#include <cascade/fixed_string.hpp>
#include <cascade/model.hpp>
#include <cascade/result.hpp>
#include <cascade/schema.hpp>
#include <cascade/schema_check.hpp>
