//===- compiler/ir/Verifier.h - Graph IR invariants -------------*- C++ -*-===//
//
// Named checks of what every stage may rely on, run after every pass. A
// failure is a bug in lgc (the front end and shape inference reject bad
// models with user errors first), so it is reported as an internal error that
// names the check and the layer.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Graph.h"

namespace lgc {

struct VerifyOptions {
  /// Check that every value has a shape and that each node's output shape is
  /// what its op's shape rule gives (after shape inference).
  bool shapes = true;
};

/// Runs every check in order; the first failure is returned:
///   unique-names     no two values share a name
///   operands-defined inputs are model inputs or outputs of earlier nodes
///   arity            Add/Concat take two or more inputs, other ops one
///                    (not counting fused addends)
///   attrs-match-op   the attribute kind fits the op
///   fused            fused ops are Add (each reading its own addend input,
///                    after the op's inputs) or activations, attributes fitting
///   params           each node's parameters are those its attributes imply
///   outputs          the graph has outputs, each a node's value
///   shapes           (optional) every shape known and equal to its rule's,
///                    fused addends of the output's shape
Error verifyGraph(const Graph &graph, VerifyOptions options = {});

} // namespace lgc
