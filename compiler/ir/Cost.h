//===- compiler/ir/Cost.h - work and size of each layer ---------*- C++ -*-===//
//
// Multiply-accumulates and parameter counts, as `lgc check` reports them and
// as benchmarks turn times into GFLOP/s (1 MAC = 2 FLOP).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Graph.h"

namespace lgc {

/// Multiply-accumulates of Conv2d and Linear layers (0 for other ops). A
/// double: legal (if absurd) models overflow int64; counts up to 2^53 are exact.
double macCount(const Graph &graph, const Node &node);

/// Elements in all of the node's parameters.
int64_t paramCount(const Node &node);

} // namespace lgc
