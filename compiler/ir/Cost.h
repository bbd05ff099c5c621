//===- compiler/ir/Cost.h - work and size of each layer ---------*- C++ -*-===//
//
// Multiply-accumulates and parameter counts, as `lgc check` reports them and
// as benchmarks turn times into GFLOP/s (1 MAC = 2 FLOP); and the memory a
// model needs, checked against a ceiling (LGC_MEMORY_LIMIT) before anything
// is allocated for it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Graph.h"

#include <cstdint>
#include <string>

namespace lgc {

/// Multiply-accumulates of Conv2d and Linear layers (0 for other ops). A
/// double: legal (if absurd) models overflow int64; counts up to 2^53 are exact.
double macCount(const Graph &graph, const Node &node);

/// Elements in all of the node's parameters.
int64_t paramCount(const Node &node);

/// Bytes a model's tensors take, each counted once at float32: every value
/// (model inputs and each layer's output) and every parameter. Sums saturate
/// at UINT64_MAX rather than wrap.
struct ModelMemory {
  uint64_t activations = 0;
  uint64_t weights = 0;
  uint64_t total() const;
};

/// The memory of `graph`, whose shapes must be inferred.
ModelMemory modelMemory(const Graph &graph);

/// The ceiling when LGC_MEMORY_LIMIT is not set: 16 GiB.
constexpr uint64_t kDefaultMemoryLimit = uint64_t(16) << 30;

/// A byte count as LGC_MEMORY_LIMIT takes it: digits with an optional suffix
/// K, M, G or T (powers of 1024, either case, optionally followed by "iB" or
/// "B"), e.g. "16G", "512MiB", "1000000". Zero, junk and overflow are errors.
Expected<uint64_t> parseByteSize(const std::string &text);

/// The ceiling from the environment variable LGC_MEMORY_LIMIT, or
/// kDefaultMemoryLimit when it is unset or empty; a bad value is an error.
Expected<uint64_t> memoryLimitFromEnv();

/// "512 B", "1.5 KiB", "18.2 GiB": one decimal, none when exact.
std::string formatBytes(uint64_t bytes);

/// An error `FILE: error: model needs ... over the limit of ...` when the
/// graph's memory exceeds `limit` bytes.
Error checkMemoryLimit(const Graph &graph, uint64_t limit);

} // namespace lgc
