// Ledger has no member named id: the model must say which member is its primary key.
#include "common.hpp"
#ifdef CASCADE_COMPILE_FAIL
using schema = c::schema<c::model<Ledger, "ledgers">>;
#else
using schema = c::schema<c::model<Ledger, "ledgers", c::primary_key<&Ledger::number>>>;
#endif
int main() { return c::explain<schema, Ledger>().empty(); }
