//===- tests/unit/runtime/ThreadPoolTest.cpp - the worker pool ------------===//
//
// Every index covered exactly once for a sweep of sizes and thread counts, the
// exact static split, long streams of tiny loops (the per-layer pattern),
// pools created and destroyed at once, several pools used concurrently, and a
// printed (not asserted) measure of the dispatch latency.
//
//===----------------------------------------------------------------------===//
#include "runtime/ThreadPool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace lgc {
namespace {

using Chunk = std::pair<int64_t, int64_t>;

/// Counts how often each index is visited and records every chunk.
struct Coverage {
  explicit Coverage(int64_t n) : hits(static_cast<size_t>(n)) {}
  std::vector<std::atomic<int>> hits;
  std::mutex mutex;
  std::vector<Chunk> chunks;
  std::thread::id firstChunkThread;
};

void visit(void *ctx, int64_t begin, int64_t end) {
  Coverage &c = *static_cast<Coverage *>(ctx);
  for (int64_t i = begin; i < end; ++i) c.hits[static_cast<size_t>(i)].fetch_add(1);
  std::lock_guard<std::mutex> lock(c.mutex);
  c.chunks.push_back({begin, end});
  if (begin == 0) c.firstChunkThread = std::this_thread::get_id();
}

/// The split the header promises: min(n, threads) chunks [n*i/k, n*(i+1)/k).
std::vector<Chunk> expectedChunks(int64_t n, int threads) {
  std::vector<Chunk> chunks;
  int64_t k = std::min<int64_t>(n, threads);
  for (int64_t i = 0; i < k; ++i) chunks.push_back({n * i / k, n * (i + 1) / k});
  return chunks;
}

/// Runs one parallelFor over n and returns its sorted chunks.
std::vector<Chunk> runCoverage(ThreadPool &pool, int64_t n) {
  Coverage c(n);
  pool.parallelFor(n, visit, &c);
  for (int64_t i = 0; i < n; ++i)
    EXPECT_EQ(c.hits[static_cast<size_t>(i)].load(), 1) << "index " << i << " of " << n;
  if (n > 0) {
    EXPECT_EQ(c.firstChunkThread, std::this_thread::get_id()) << "caller runs chunk 0";
  }
  std::sort(c.chunks.begin(), c.chunks.end());
  return c.chunks;
}

void addRange(void *ctx, int64_t begin, int64_t end) {
  static_cast<std::atomic<int64_t> *>(ctx)->fetch_add(end - begin, std::memory_order_relaxed);
}

void doNothing(void *, int64_t, int64_t) {}

/// Runs `calls` loops of extent n on `pool`; returns the total of all ranges.
int64_t runMany(ThreadPool &pool, int calls, int64_t n) {
  std::atomic<int64_t> total{0};
  for (int i = 0; i < calls; ++i) pool.parallelFor(n, addRange, &total);
  return total.load();
}

TEST(ThreadPoolTest, CoversEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    for (int64_t n : {0, 1, 2, 3, 7, 100, 10007}) {
      SCOPED_TRACE("threads " + std::to_string(threads) + ", n " + std::to_string(n));
      EXPECT_EQ(runCoverage(pool, n), expectedChunks(n, threads));
    }
  }
}

TEST(ThreadPoolTest, SplitIsTheSameEveryTime) {
  ThreadPool pool(3);
  std::vector<Chunk> first = runCoverage(pool, 1000);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(runCoverage(pool, 1000), first);
  ThreadPool other(3);
  EXPECT_EQ(runCoverage(other, 1000), first);
}

/// Chunk 0 (the caller's) waits until every other chunk has started, which
/// only the workers can do while the caller is busy.
void waitForOthers(void *ctx, int64_t begin, int64_t end) {
  auto &started = *static_cast<std::atomic<int64_t> *>(ctx);
  if (begin != 0) {
    started.fetch_add(end - begin);
    return;
  }
  while (started.load() != 3) std::this_thread::yield();
}

TEST(ThreadPoolTest, WorkersRunTheirChunks) {
  ThreadPool pool(4);
  for (int i = 0; i < 200; ++i) {
    std::atomic<int64_t> started{0};
    pool.parallelFor(4, waitForOthers, &started);
    EXPECT_EQ(started.load(), 3);
  }
}

TEST(ThreadPoolTest, NegativeExtentDoesNothing) {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  pool.parallelFor(-5, addRange, &total);
  EXPECT_EQ(total.load(), 0);
}

TEST(ThreadPoolTest, ManySmallCallsComplete) {
  ThreadPool pool(2);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(runMany(pool, 100000, 2), 200000);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 20.0) << "100000 tiny parallelFor calls should take well under a second";
}

TEST(ThreadPoolTest, ManyCallsWithMoreThreadsThanCores) {
  ThreadPool pool(8);
  EXPECT_EQ(runMany(pool, 2000, 8), 16000);
  EXPECT_EQ(runMany(pool, 2000, 3), 6000); // Workers without a chunk stay out of the way.
}

TEST(ThreadPoolTest, DestroyedRightAfterCreation) {
  for (int i = 0; i < 50; ++i) ThreadPool pool(4);
  for (int i = 0; i < 50; ++i) {
    ThreadPool pool(3);
    EXPECT_EQ(runMany(pool, 1, 3), 3);
  }
}

TEST(ThreadPoolTest, TwoPoolsFromTwoThreads) {
  int64_t totals[2] = {0, 0};
  auto work = [&](int which) {
    ThreadPool pool(2 + which);
    totals[which] = runMany(pool, 5000, 5 + which);
  };
  std::thread a(work, 0), b(work, 1);
  a.join();
  b.join();
  EXPECT_EQ(totals[0], 5000 * 5);
  EXPECT_EQ(totals[1], 5000 * 6);
}

TEST(ThreadPoolTest, UsableAfterTheCallersChunkThrows) {
  ThreadPool pool(3);
  auto throwing = [](void *ctx, int64_t begin, int64_t end) {
    addRange(ctx, begin, end);
    if (begin == 0) throw std::runtime_error("chunk 0");
  };
  std::atomic<int64_t> total{0};
  EXPECT_THROW(pool.parallelFor(30, throwing, &total), std::runtime_error);
  // Chunk 0 ran; the workers' chunks ran or were withdrawn, none is left running.
  int64_t after = total.load();
  EXPECT_TRUE(after == 10 || after == 20 || after == 30) << after;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(total.load(), after) << "no chunk may start after parallelFor returns";
  EXPECT_EQ(runMany(pool, 100, 30), 3000);
}

TEST(ThreadPoolTest, AvailableCoresIsPositive) {
  EXPECT_GE(ThreadPool::availableCores(), 1);
}

/// What `busyChunk` needs: who called parallelFor and how often a worker ran
/// chunk 1.
struct BusyCtx {
  std::thread::id caller;
  std::atomic<int> workerRuns{0};
};

/// About a microsecond of work per chunk; counts chunk 1 run by a worker.
void busyChunk(void *ctx, int64_t begin, int64_t) {
  BusyCtx &c = *static_cast<BusyCtx *>(ctx);
  volatile float x = 1;
  for (int i = 0; i < 300; ++i) x = x * 0.999f + 0.001f;
  if (begin != 0 && std::this_thread::get_id() != c.caller)
    c.workerRuns.fetch_add(1, std::memory_order_relaxed);
}

/// Mean nanoseconds per parallelFor(2, fn, ctx) on `pool` over `calls` calls.
double meanNanoseconds(ThreadPool &pool, int calls, void (*fn)(void *, int64_t, int64_t),
                       void *ctx) {
  for (int i = 0; i < 1000; ++i) pool.parallelFor(2, fn, ctx); // Warm up.
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) pool.parallelFor(2, fn, ctx);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / calls *
         1e9;
}

/// Prints the mean cost of one parallelFor of an empty function on two
/// threads (the per-layer overhead of running a model), and of one with about
/// a microsecond of work per chunk, with how often the worker ran its chunk.
/// Not asserted: it depends on the machine and its load.
TEST(ThreadPoolTest, DispatchLatency) {
  constexpr int kCalls = 100000;
  ThreadPool pool(2);
  double emptyNs = meanNanoseconds(pool, kCalls, doNothing, nullptr);
  double serialNs = 0;
  {
    ThreadPool one(1);
    BusyCtx ctx;
    serialNs = meanNanoseconds(one, kCalls / 10, busyChunk, &ctx);
  }
  BusyCtx busy;
  busy.caller = std::this_thread::get_id();
  double busyNs = meanNanoseconds(pool, kCalls / 10, busyChunk, &busy);
  std::printf("[ measure  ] parallelFor, threads=2, %d cores available:\n"
              "[ measure  ]   empty fn: %.0f ns mean over %d calls\n"
              "[ measure  ]   ~1 us/chunk: %.0f ns mean (%.0f ns on 1 thread), worker ran "
              "chunk 1 in %.0f%% of calls\n",
              ThreadPool::availableCores(), emptyNs, kCalls, busyNs, serialNs,
              100.0 * busy.workerRuns.load() / (kCalls / 10 + 1000));
  RecordProperty("parallelFor_empty_ns", static_cast<int>(emptyNs));
}

} // namespace
} // namespace lgc
