//===- runtime/ForEachOnThreads.h - independent jobs on a few threads -*- C++ -*-===//
//
// For one-off work of a few large, independent jobs (compiling module parts,
// preparing weights), not for the kernels' parallel loops (ThreadPool): the
// threads start and end with the call, and take the next job as they finish
// one, so jobs of unequal size still keep every thread busy.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <functional>

namespace lgc {

/// Calls job(i) once for every i in [0, count), on `threads` threads in all
/// (at most `count`; the calling thread is one of them), and returns when
/// every job is done. What a job throws is rethrown here, on the calling
/// thread (the lowest index's first), after all threads have finished.
void forEachOnThreads(size_t count, size_t threads, const std::function<void(size_t)> &job);

} // namespace lgc
