//===- compiler/interpreter/Interpreter.h - the reference oracle -*- C++ -*-===//
//
// Runs a Graph with the plainest possible loops, straight from each op's
// definition in PyTorch's documentation: no layout tricks, no fusion, double
// accumulators. It is the oracle every compiled kernel is tested against, so
// clarity beats speed. It lives in compiler/ because it interprets the Graph
// IR; the runtime (which AOT programs link) never needs it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Graph.h"
#include "runtime/Weights.h"

#include <map>
#include <string>

namespace lgc {

/// Runs `graph` (shapes inferred) on `inputs`, keyed by model input name and
/// of the inputs' shapes, with every parameter in `weights`. Returns the
/// graph's outputs keyed by layer name.
Expected<TensorMap> interpret(const Graph &graph, const WeightMap &weights,
                              const TensorMap &inputs);

} // namespace lgc
