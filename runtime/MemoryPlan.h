//===- runtime/MemoryPlan.h - placing activations in one arena --*- C++ -*-===//
//
// Activation buffers live in one arena. A buffer is live from the step that
// writes it to the last step that reads it; buffers whose lifetimes do not
// overlap may share memory, so the arena's size approaches the largest set of
// buffers live at once rather than their sum.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <vector>

namespace lgc {

/// A buffer's size and the steps [first, last] during which it is live.
struct BufferLifetime {
  int64_t bytes = 0;
  int first = 0;
  int last = 0;
};

struct ArenaPlan {
  std::vector<int64_t> offsets; ///< One per buffer, 64-byte aligned.
  int64_t totalBytes = 0;       ///< The arena's size.
  int64_t peakLiveBytes = 0;    ///< Largest sum of sizes live at one step (lower bound).
};

/// Places every buffer so that no two buffers live at the same step overlap.
/// Deterministic: the same lifetimes give the same plan.
ArenaPlan planArena(const std::vector<BufferLifetime> &buffers);

/// A placed buffer and its lifetime.
struct PlacedBuffer {
  int64_t offset = 0, bytes = 0;
  int first = 0, last = 0;
};

/// The most arena bytes in use at one step: the union of the byte ranges of
/// the buffers live then (a buffer placed inside another, as an in-place
/// Concat's input, counts once). What any plan must hold at least.
int64_t largestLiveSet(const std::vector<PlacedBuffer> &buffers);

} // namespace lgc
