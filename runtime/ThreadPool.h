//===- runtime/ThreadPool.h - a fixed pool of worker threads ----*- C++ -*-===//
//
// The threads that run parallel loops. Started once per model; each
// parallelFor splits [0, n) statically into one contiguous chunk per thread
// (the caller's thread takes a chunk too), so a given thread count always
// gives the same split and no reduction ever depends on it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>

namespace lgc {

class ThreadPool {
public:
  /// `threads` >= 1 is the total, including the calling thread.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int threads() const { return threads_; }

  /// Calls fn(ctx, begin, end) on disjoint chunks covering [0, n), one per
  /// thread (fewer when n < threads), and returns when all are done. The
  /// caller runs chunk 0, and also any chunk whose worker has not started it
  /// by then; the split itself never depends on timing. One caller at a time.
  void parallelFor(int64_t n, void (*fn)(void *ctx, int64_t begin, int64_t end), void *ctx);

  /// The number of cores this process may use (sched_getaffinity).
  static int availableCores();

private:
  struct Shared;
  int threads_;
  std::unique_ptr<Shared> shared_;
};

} // namespace lgc
