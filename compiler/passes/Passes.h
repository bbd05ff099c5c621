//===- compiler/passes/Passes.h - every graph pass --------------*- C++ -*-===//
//
// The graph passes, one file each, one public function each. The pipeline
// that runs them in order is in Pipeline.h.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Graph.h"
#include "runtime/Weights.h"

namespace lgc {

/// Replaces the batch dimension (N) of every model input with `batch`
/// (lgc run/bench --batch). Run before shape inference.
Error setBatchSize(Graph &graph, int64_t batch);

/// Gives every value its shape, applying each op's shape rule in order; a
/// rule's failure (a window that does not fit, a channel mismatch) is a user
/// error at the layer.
Error inferShapes(Graph &graph);

/// Removes Identity and Dropout nodes: the producer of the input takes over
/// the node's value when nothing else reads its own, otherwise readers are
/// rewired to the input. One whose value is a graph output that cannot be
/// taken over stays (as a copy), so graph output names never change.
void removeIdentities(Graph &graph);

/// Folds each BatchNorm2d that alone reads an unfused Conv2d's value into
/// that convolution: weights scaled per output channel, bias shifted (a
/// convolution without bias gains one). The new weight and bias are recorded
/// as recipes over the file's parameters (Graph::derivedParams), which is all
/// compiling needs. When `weights` holds every parameter of the graph they are
/// also computed there and the BatchNorm's parameters removed, so that the
/// interpreter can run the folded graph; `weights` may be empty.
void foldBatchNorm(Graph &graph, WeightMap &weights);

/// Moves activations (ReLU, ReLU6, LeakyReLU, Sigmoid, Tanh) into the fused
/// list of the layer computing their input, and two-input residual Adds into
/// the Conv2d, Linear or BatchNorm2d computing their later operand, when no
/// one else reads the intermediate value.
void fuseEpilogues(Graph &graph);

/// Removes layers no graph output depends on and the values they defined,
/// renumbering the rest.
void eliminateDeadCode(Graph &graph);

} // namespace lgc
