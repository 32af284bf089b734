// The queue tests' worker process: the worker program (tools/queue_worker_main.hpp) with the tests'
// schema, whose books can be slowed (CASCADE_SLOW_BOOK_US) or refuse their destroy.
#include "test_schema.hpp"

#include "../../tools/queue_worker_main.hpp"

int main(int argc, char** argv) { return cascade_tools::queue_worker_main<library::schema>(argc, argv); }
