//===- tests/unit/runtime/MemoryPlanTest.cpp - the activation arena -------===//
//
// Buffers with disjoint lifetimes share memory, buffers live at the same time
// never overlap (checked pair by pair, also on 1000 seeded random lifetime
// sets), offsets are 64-byte aligned, plans are deterministic, and a CNN-like
// chain needs little more than its largest live set.
//
//===----------------------------------------------------------------------===//
#include "runtime/MemoryPlan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace lgc {
namespace {

int64_t aligned(int64_t bytes) {
  return (bytes + 63) / 64 * 64;
}

/// Checks the plan's invariants: one aligned offset per buffer, no two
/// buffers live at the same step overlapping, totalBytes the highest end, and
/// totalBytes >= peakLiveBytes.
void expectValidPlan(const std::vector<BufferLifetime> &buffers, const ArenaPlan &plan) {
  ASSERT_EQ(plan.offsets.size(), buffers.size());
  int64_t highestEnd = 0;
  for (size_t i = 0; i < buffers.size(); ++i) {
    EXPECT_EQ(plan.offsets[i] % 64, 0) << "buffer " << i;
    EXPECT_GE(plan.offsets[i], 0) << "buffer " << i;
    if (buffers[i].bytes == 0) {
      EXPECT_EQ(plan.offsets[i], 0) << "empty buffer " << i;
    }
    highestEnd = std::max(highestEnd, plan.offsets[i] + aligned(buffers[i].bytes));
  }
  EXPECT_EQ(plan.totalBytes, highestEnd);
  EXPECT_GE(plan.totalBytes, plan.peakLiveBytes);
  for (size_t i = 0; i < buffers.size(); ++i) {
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      const BufferLifetime &a = buffers[i], &b = buffers[j];
      if (a.bytes == 0 || b.bytes == 0 || a.last < b.first || b.last < a.first) continue;
      bool apart = plan.offsets[i] + a.bytes <= plan.offsets[j] ||
                   plan.offsets[j] + b.bytes <= plan.offsets[i];
      EXPECT_TRUE(apart) << "buffers " << i << " and " << j << " are live together and overlap";
    }
  }
}

TEST(MemoryPlanTest, NoBuffers) {
  ArenaPlan plan = planArena({});
  EXPECT_TRUE(plan.offsets.empty());
  EXPECT_EQ(plan.totalBytes, 0);
  EXPECT_EQ(plan.peakLiveBytes, 0);
}

TEST(MemoryPlanTest, DisjointLifetimesShareMemory) {
  std::vector<BufferLifetime> buffers = {{1000, 0, 0}, {3000, 1, 1}, {2000, 2, 2}};
  ArenaPlan plan = planArena(buffers);
  expectValidPlan(buffers, plan);
  EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(plan.totalBytes, aligned(3000));
  EXPECT_EQ(plan.peakLiveBytes, aligned(3000));
}

TEST(MemoryPlanTest, OverlappingLifetimesGetDisjointAddresses) {
  std::vector<BufferLifetime> buffers = {{100, 0, 5}, {200, 2, 3}, {300, 3, 7}, {64, 5, 5}};
  ArenaPlan plan = planArena(buffers);
  expectValidPlan(buffers, plan);
  EXPECT_EQ(plan.peakLiveBytes, aligned(100) + aligned(200) + aligned(300)); // Step 3.
  EXPECT_EQ(plan.totalBytes, plan.peakLiveBytes); // The last one fits where B was.
}

TEST(MemoryPlanTest, LifetimesTouchingAtOneStepOverlap) {
  std::vector<BufferLifetime> buffers = {{640, 0, 1}, {640, 1, 2}};
  ArenaPlan plan = planArena(buffers);
  expectValidPlan(buffers, plan);
  EXPECT_EQ(plan.totalBytes, 1280);
}

TEST(MemoryPlanTest, OffsetsAre64ByteAligned) {
  std::vector<BufferLifetime> buffers = {{1, 0, 3}, {63, 0, 3}, {65, 0, 3}, {127, 1, 2}, {3, 2, 4}};
  ArenaPlan plan = planArena(buffers);
  expectValidPlan(buffers, plan);
  EXPECT_EQ(plan.peakLiveBytes, 64 + 64 + 128 + 128 + 64); // All five at step 2.
  EXPECT_EQ(plan.totalBytes, plan.peakLiveBytes);
}

TEST(MemoryPlanTest, EmptyBuffersTakeNoSpace) {
  std::vector<BufferLifetime> buffers = {{0, 0, 9}, {128, 0, 9}, {0, 3, 4}};
  ArenaPlan plan = planArena(buffers);
  expectValidPlan(buffers, plan);
  EXPECT_EQ(plan.totalBytes, 128);
  EXPECT_EQ(plan.peakLiveBytes, 128);
}

TEST(MemoryPlanTest, LargestFirstWithTiesByIndex) {
  std::vector<BufferLifetime> buffers = {{64, 0, 1}, {128, 0, 1}, {64, 0, 1}};
  ArenaPlan plan = planArena(buffers);
  EXPECT_EQ(plan.offsets, (std::vector<int64_t>{128, 0, 192}));
}

TEST(MemoryPlanTest, SmallBufferFillsTheBestFittingGap) {
  // At steps 2-3, A and C are gone, leaving two gaps below and between B and
  // D; E takes the one that fits best, not the lowest.
  std::vector<BufferLifetime> buffers = {
      {4096, 0, 1}, {1024, 0, 3}, {512, 0, 1}, {256, 0, 3}, {200, 2, 3}};
  ArenaPlan plan = planArena(buffers);
  expectValidPlan(buffers, plan);
  // Placement: A@0, B@4096, C@5120, D@5632; E's gaps: [0,4096) and [5120,5632).
  EXPECT_EQ(plan.offsets[4], 5120);
  EXPECT_EQ(plan.totalBytes, 5888);
}

TEST(MemoryPlanTest, Deterministic) {
  std::vector<BufferLifetime> buffers;
  std::mt19937 rng(7);
  for (int i = 0; i < 60; ++i) {
    int first = static_cast<int>(rng() % 30);
    buffers.push_back(
        {static_cast<int64_t>(rng() % 5000), first, first + static_cast<int>(rng() % 5)});
  }
  ArenaPlan a = planArena(buffers), b = planArena(buffers);
  EXPECT_EQ(a.offsets, b.offsets);
  EXPECT_EQ(a.totalBytes, b.totalBytes);
  EXPECT_EQ(a.peakLiveBytes, b.peakLiveBytes);
}

TEST(MemoryPlanTest, CnnChainNeedsLittleMoreThanItsPeak) {
  // LeNet-5's activations, each written by one step and read by the next.
  std::vector<int64_t> sizes = {3136, 18816, 4704, 6400, 1600, 480, 336, 40};
  std::vector<BufferLifetime> buffers;
  for (size_t i = 0; i < sizes.size(); ++i)
    buffers.push_back({sizes[i], static_cast<int>(i), static_cast<int>(i) + 1});
  ArenaPlan plan = planArena(buffers);
  expectValidPlan(buffers, plan);
  EXPECT_EQ(plan.peakLiveBytes, aligned(18816) + aligned(4704));
  EXPECT_LE(plan.totalBytes, plan.peakLiveBytes * 12 / 10);
  int64_t sum = 0;
  for (int64_t s : sizes) sum += aligned(s);
  EXPECT_LT(plan.totalBytes, sum * 7 / 10);
}

TEST(MemoryPlanTest, AbcdChainNeedsLittleMoreThanItsPeak) {
  std::vector<BufferLifetime> buffers = {
      {100000, 0, 1}, {200000, 1, 2}, {50000, 2, 3}, {25000, 3, 4}};
  ArenaPlan plan = planArena(buffers);
  expectValidPlan(buffers, plan);
  EXPECT_LE(plan.totalBytes, plan.peakLiveBytes * 12 / 10);
}

TEST(MemoryPlanTest, RandomLifetimesNeverOverlap) {
  std::mt19937 rng(20240601);
  for (int trial = 0; trial < 1000; ++trial) {
    std::vector<BufferLifetime> buffers(1 + rng() % 40);
    for (BufferLifetime &b : buffers) {
      b.bytes = rng() % 8 == 0 ? 0 : static_cast<int64_t>(rng() % 20000);
      b.first = static_cast<int>(rng() % 25);
      b.last = b.first + static_cast<int>(rng() % 8);
    }
    SCOPED_TRACE("trial " + std::to_string(trial));
    expectValidPlan(buffers, planArena(buffers));
    if (::testing::Test::HasFailure()) return;
  }
}

} // namespace
} // namespace lgc

namespace lgc {
namespace {

TEST(LargestLiveSet, UnionOfTheRangesLiveAtEachStep) {
  EXPECT_EQ(largestLiveSet({}), 0);
  // Steps 0-1: a and b (150 bytes); step 2: b and c (250), with a piece
  // placed inside c (an in-place Concat input) counted once.
  std::vector<PlacedBuffer> buffers{{0, 100, 0, 1},   // a
                                    {128, 50, 0, 2},  // b
                                    {200, 200, 2, 3}, // c
                                    {264, 32, 2, 3}}; // inside c
  EXPECT_EQ(largestLiveSet(buffers), 250);
  buffers.push_back({400, 500, 3, 3}); // step 3: c and d
  EXPECT_EQ(largestLiveSet(buffers), 700);
}

} // namespace
} // namespace lgc
