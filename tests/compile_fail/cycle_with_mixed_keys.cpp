// A cycle of destroy associations is a plan like any other (one recursive query finds its rows), but
// through models whose keys have different types there is no one query: a short error names both.
#include "common.hpp"
struct Folder { BOOST_HANA_DEFINE_STRUCT(Folder, (std::int64_t, id), (std::optional<std::string>, shortcut_code)); };
#ifdef CASCADE_COMPILE_FAIL
struct Shortcut { BOOST_HANA_DEFINE_STRUCT(Shortcut, (std::string, code), (std::optional<std::int64_t>, folder_id)); };
using shortcut_key = c::primary_key<&Shortcut::code>;
using folders_key = c::primary_key<&Shortcut::code>;
#else
struct Shortcut { BOOST_HANA_DEFINE_STRUCT(Shortcut, (std::int64_t, id), (std::string, code), (std::optional<std::int64_t>, folder_id)); };
using shortcut_key = c::primary_key<&Shortcut::id>;
using folders_key = c::primary_key<&Shortcut::code>;
#endif
using schema = c::schema<c::model<Folder, "folders", c::has_many<Shortcut, &Shortcut::folder_id, d::destroy>>,
                         c::model<Shortcut, "shortcuts", shortcut_key,
                                  c::has_many<Folder, &Folder::shortcut_code, d::destroy, folders_key>>>;
int main() { return c::explain<schema, Folder>().empty(); }
