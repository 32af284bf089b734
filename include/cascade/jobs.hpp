#pragma once
// destroy_async: typed jobs, the job runtime, the decoder, and the built-in executors.
#include <cascade/concept/executor.hpp>
#include <cascade/executors/any_executor.hpp>
#include <cascade/executors/deferred_executor.hpp>
#include <cascade/executors/inline_executor.hpp>
#include <cascade/executors/thread_pool.hpp>
#include <cascade/jobs/decoder.hpp>
#include <cascade/jobs/destroy_association_job.hpp>
#include <cascade/jobs/destroy_async.hpp>
#include <cascade/jobs/runtime.hpp>
#include <cascade/soci.hpp>
