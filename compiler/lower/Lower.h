//===- compiler/lower/Lower.h - Graph IR to Loop IR -------------*- C++ -*-===//
//
// Lowering turns each node of an optimised graph into one kernel whose loops
// have every bound a constant, and writes a recipe for each weight a kernel
// reads (flipped, transposed, padded, BatchNorm folded into scale and shift;
// runtime/WeightRecipe.h), so the code depends on the parameters' shapes,
// never on their values. Each kernel records where its arguments come from,
// so the runtime can bind them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Graph.h"
#include "compiler/lower/LoopIR.h"
#include "runtime/WeightRecipe.h"

#include <vector>

namespace lgc {

/// Where a kernel argument comes from.
struct KernelArg {
  enum Kind { Value, Weight } kind = Value;
  int index = 0; ///< A graph ValueId, or an index into LoweredModel::weights.
};

struct LoweredKernel {
  loop::Kernel kernel;
  std::vector<KernelArg> args; ///< One per kernel buffer.
  std::string layer;           ///< The node it computes.
  double flops = 0;
  /// Non-empty: an earlier kernel with the same code, whose function this
  /// kernel's step calls (see shareKernels).
  std::string sameAs;

  /// The function its step calls.
  const std::string &symbol() const { return sameAs.empty() ? kernel.name : sameAs; }
};

/// A graph value that lives inside another: a Concat's input written in
/// place into its output, `offset` elements from its start.
struct ValueAlias {
  ValueId value = -1;
  ValueId within = -1;
  int64_t offset = 0;
};

struct LoweredModel {
  std::vector<LoweredKernel> kernels; ///< In execution order.
  std::vector<WeightRecipe> weights;  ///< How to prepare each weight.
  std::vector<ValueAlias> aliases;    ///< In-place Concat inputs (no kernel copies them).
};

struct LowerOptions {
  int vectorWidth = 16; ///< f32 lanes of the target's vectors.
};

/// Lowers every node of `graph` (shapes inferred, passes run), then shares
/// the code of identical kernels.
Expected<LoweredModel> lowerGraph(const Graph &graph, const LowerOptions &options);

/// Marks each kernel whose code repeats an earlier kernel's `sameAs` that
/// one; returns how many it marked.
int shareKernels(LoweredModel &model);

} // namespace lgc
