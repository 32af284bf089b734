// The queue tests' module: the cases are in one file per header (job_queue, queue_executor, worker,
// metrics, the tool), on the database named after `--`: postgresql, mysql or sqlite-file.
#define BOOST_TEST_MODULE cascade queue tests
#include <boost/test/unit_test.hpp>
