//===- compiler/passes/Passes.h - every graph pass --------------*- C++ -*-===//
//
// The graph passes, one file each, one public function each. The pipeline
// that runs them in order is in Pipeline.h.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Graph.h"

namespace lgc {

/// Replaces the batch dimension (N) of every model input with `batch`
/// (lgc run/bench --batch). Run before shape inference.
Error setBatchSize(Graph &graph, int64_t batch);

/// Gives every value its shape, applying each op's shape rule in order; a
/// rule's failure (a window that does not fit, a channel mismatch) is a user
/// error at the layer.
Error inferShapes(Graph &graph);

} // namespace lgc
