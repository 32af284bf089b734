#pragma once
// The durable job queue in the application's database: the queue table, the queue executor
// (transactional enqueue), cascade::worker, and the queue's Prometheus metrics and their server.
#include <cascade/jobs.hpp>
#include <cascade/queue/job_queue.hpp>
#include <cascade/queue/metrics.hpp>
#include <cascade/queue/metrics_server.hpp>
#include <cascade/queue/queue_executor.hpp>
#include <cascade/queue/worker.hpp>
