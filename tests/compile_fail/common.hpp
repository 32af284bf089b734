#pragma once
// Models shared by the compile-fail cases. Each case is built twice from one file: with
// CASCADE_COMPILE_FAIL it must fail with its message; without, it is the passing twin.
#include <cascade/cascade.hpp>
#include <cstdint>
#include <optional>
#include <string>

struct Author { BOOST_HANA_DEFINE_STRUCT(Author, (std::int64_t, id), (std::string, name)); };
struct Book { BOOST_HANA_DEFINE_STRUCT(Book, (std::int64_t, id), (std::optional<std::int64_t>, author_id), (std::string, title)); };
struct Chapter { BOOST_HANA_DEFINE_STRUCT(Chapter, (std::int64_t, id), (std::int64_t, book_id)); };
struct Ledger { BOOST_HANA_DEFINE_STRUCT(Ledger, (std::int64_t, number)); };
struct Reading { BOOST_HANA_DEFINE_STRUCT(Reading, (double, at), (std::int64_t, serial)); };

namespace c = cascade;
namespace d = cascade::dependent;
