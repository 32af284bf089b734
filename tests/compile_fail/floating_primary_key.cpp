// Reading keyed by a double: a key 1.5 would travel as 1 and name another row.
#include "common.hpp"
#ifdef CASCADE_COMPILE_FAIL
using schema = c::schema<c::model<Reading, "readings", c::primary_key<&Reading::at>>>;
#else
using schema = c::schema<c::model<Reading, "readings", c::primary_key<&Reading::serial>>>;
#endif
int main() { return c::explain<schema, Reading>().empty(); }
