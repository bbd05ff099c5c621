//===- tests/unit/runtime/ForEachOnThreadsTest.cpp - one-off jobs on threads ===//
//
// Every job runs exactly once for a sweep of counts and thread counts, one
// thread runs everything on the caller, more threads run jobs side by side,
// and a job's exception reaches the caller (the lowest index's) after all
// jobs have run.
//
//===----------------------------------------------------------------------===//
#include "runtime/ForEachOnThreads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace lgc {
namespace {

TEST(ForEachOnThreads, RunsEveryJobOnce) {
  for (size_t count : {0, 1, 2, 3, 17, 100})
    for (size_t threads : {1, 2, 3, 8}) {
      std::vector<std::atomic<int>> runs(count);
      forEachOnThreads(count, threads, [&](size_t i) { ++runs[i]; });
      for (size_t i = 0; i < count; ++i)
        EXPECT_EQ(runs[i].load(), 1)
            << "job " << i << " of " << count << ", " << threads << " threads";
    }
}

TEST(ForEachOnThreads, OneThreadIsTheCaller) {
  std::thread::id caller = std::this_thread::get_id();
  forEachOnThreads(5, 1, [&](size_t) { EXPECT_EQ(std::this_thread::get_id(), caller); });
}

TEST(ForEachOnThreads, TwoThreadsRunJobsSideBySide) {
  // Job 0 waits until job 1 has started: with one thread this would hang.
  std::atomic<bool> started{false};
  forEachOnThreads(2, 2, [&](size_t i) {
    if (i == 1) started = true;
    while (!started) std::this_thread::yield();
  });
  EXPECT_TRUE(started);
}

TEST(ForEachOnThreads, RethrowsTheLowestIndexsExceptionAfterEveryJob) {
  std::atomic<int> ran{0};
  try {
    forEachOnThreads(10, 3, [&](size_t i) {
      ++ran;
      if (i == 4 || i == 7) throw std::runtime_error("job " + std::to_string(i));
    });
    FAIL() << "no exception";
  } catch (const std::runtime_error &e) {
    EXPECT_STREQ(e.what(), "job 4");
  }
  EXPECT_EQ(ran.load(), 10);
}

} // namespace
} // namespace lgc
