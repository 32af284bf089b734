// A ready worker program: compile it with your schema (here examples/queue_schema.hpp) and run as
// many as you like, on as many machines, against the same database. Its command line and exit codes:
// tools/queue_worker_main.hpp.
#include "queue_schema.hpp"

#include "../tools/queue_worker_main.hpp"

int main(int argc, char** argv) { return cascade_tools::queue_worker_main<library::schema>(argc, argv); }
