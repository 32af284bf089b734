// The functional tests: real SQLite and PostgreSQL through SOCI. Run with `-- sqlite`,
// `-- sqlite-file` or `-- postgresql` (see tests/support/database.hpp).
#define BOOST_TEST_MODULE cascade functional tests
#include <boost/test/unit_test.hpp>
