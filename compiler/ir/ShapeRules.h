//===- compiler/ir/ShapeRules.h - each op's output shape --------*- C++ -*-===//
//
// The shape rule of every operator: the output shape from the input shapes
// and attributes, or a user error that names the layer and shows the
// arithmetic. Shape inference applies it to each node in order; the verifier
// applies it again to check that nothing changed a shape behind its back.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Graph.h"

namespace lgc {

/// The output shape of `node`, whose inputs' shapes must already be known.
Expected<Shape> computeOutputShape(const Graph &graph, const Node &node);

/// The most elements one tensor may have (2^34 floats = 64 GiB).
constexpr int64_t kMaxTensorElements = int64_t(1) << 34;

/// True when every dimension is non-negative and their product is at most
/// kMaxTensorElements (computed without overflow).
bool shapeWithinLimit(const Shape &shape);

/// A dimension index as PyTorch takes it (negative counts from the end),
/// made non-negative; -1 when out of range for `rank`.
int64_t normaliseDim(int64_t dim, size_t rank);

} // namespace lgc
