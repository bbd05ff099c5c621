//===- runtime/MemoryPlan.cpp - placing activations in one arena ----------===//
//
// Greedy-by-size placement, as TFLite's arena planner does it:
//   1. Round every size up to 64 bytes and order the buffers by size,
//      largest first (ties by index, so the plan is deterministic).
//   2. For each buffer, gather the already-placed buffers whose lifetimes
//      intersect its own, sorted by offset, and walk the gaps between them.
//   3. Take the smallest gap it fits in (best fit, lowest offset on ties);
//      if none fits, place it just above the highest of them.
// Large buffers placed first leave gaps that the small ones fill, so the
// arena stays close to peakLiveBytes, the size of the largest live set.
//
//===----------------------------------------------------------------------===//
#include "runtime/MemoryPlan.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <numeric>
#include <utility>

namespace lgc {
namespace {

constexpr int64_t kAlign = 64;

int64_t alignUp(int64_t bytes) {
  return (std::max<int64_t>(bytes, 0) + kAlign - 1) / kAlign * kAlign;
}

bool livesOverlap(const BufferLifetime &a, const BufferLifetime &b) {
  return a.first <= b.last && b.first <= a.last;
}

/// A placed buffer's address range [begin, end).
struct Range {
  int64_t begin = 0;
  int64_t end = 0;
};

/// Buffer indices, largest (aligned) size first, then by index.
std::vector<size_t> placementOrder(const std::vector<int64_t> &sizes) {
  std::vector<size_t> order(sizes.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return sizes[a] > sizes[b]; });
  return order;
}

/// The offset for a buffer of `size` bytes given the ranges it must avoid.
int64_t bestFitOffset(std::vector<Range> &conflicts, int64_t size) {
  std::sort(conflicts.begin(), conflicts.end(),
            [](const Range &a, const Range &b) { return a.begin < b.begin; });
  int64_t cursor = 0;
  int64_t best = -1;
  int64_t bestGap = std::numeric_limits<int64_t>::max();
  for (const Range &r : conflicts) {
    int64_t gap = r.begin - cursor;
    if (gap >= size && gap < bestGap) {
      best = cursor;
      bestGap = gap;
    }
    cursor = std::max(cursor, r.end);
  }
  return best >= 0 ? best : cursor;
}

/// The largest sum of `sizes` live at one step.
int64_t peakLive(const std::vector<BufferLifetime> &buffers, const std::vector<int64_t> &sizes) {
  std::vector<std::pair<int64_t, int64_t>> events; // (step, +/- bytes); frees sort first.
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (sizes[i] == 0) continue;
    events.push_back({buffers[i].first, sizes[i]});
    events.push_back({int64_t{buffers[i].last} + 1, -sizes[i]});
  }
  std::sort(events.begin(), events.end());
  int64_t live = 0, peak = 0;
  for (const auto &[step, delta] : events) {
    live += delta;
    peak = std::max(peak, live);
  }
  return peak;
}

} // namespace

ArenaPlan planArena(const std::vector<BufferLifetime> &buffers) {
  std::vector<int64_t> sizes;
  sizes.reserve(buffers.size());
  for (const BufferLifetime &b : buffers) {
    assert(b.bytes >= 0 && b.first <= b.last && "a lifetime is [first, last], first <= last");
    sizes.push_back(alignUp(b.bytes));
  }

  ArenaPlan plan;
  plan.offsets.assign(buffers.size(), 0);
  std::vector<size_t> placed;
  std::vector<Range> conflicts;
  for (size_t i : placementOrder(sizes)) {
    if (sizes[i] == 0) continue;
    conflicts.clear();
    for (size_t j : placed)
      if (livesOverlap(buffers[i], buffers[j]))
        conflicts.push_back({plan.offsets[j], plan.offsets[j] + sizes[j]});
    plan.offsets[i] = bestFitOffset(conflicts, sizes[i]);
    plan.totalBytes = std::max(plan.totalBytes, plan.offsets[i] + sizes[i]);
    placed.push_back(i);
  }
  plan.peakLiveBytes = peakLive(buffers, sizes);
  return plan;
}

int64_t largestLiveSet(const std::vector<PlacedBuffer> &buffers) {
  int steps = 0;
  for (const PlacedBuffer &b : buffers) steps = std::max(steps, b.last + 1);
  int64_t peak = 0;
  std::vector<std::pair<int64_t, int64_t>> live; // [begin, end) ranges
  for (int step = 0; step < steps; ++step) {
    live.clear();
    for (const PlacedBuffer &b : buffers)
      if (b.first <= step && step <= b.last && b.bytes > 0)
        live.push_back({b.offset, b.offset + b.bytes});
    std::sort(live.begin(), live.end());
    int64_t total = 0, end = std::numeric_limits<int64_t>::min();
    for (const auto &[begin, stop] : live) {
      total += std::max<int64_t>(0, stop - std::max(begin, end));
      end = std::max(end, stop);
    }
    peak = std::max(peak, total);
  }
  return peak;
}

} // namespace lgc
