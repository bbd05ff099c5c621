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

#include <optional>
#include <vector>

namespace lgc {

/// Where a kernel argument comes from.
struct KernelArg {
  enum Kind { Value, Weight } kind = Value;
  int index = 0; ///< An index into LoweredModel::storage, or into LoweredModel::weights.
};

/// How lowering lays out 4-D activations in memory (lgc --layout).
enum class LayoutPolicy {
  Auto,    ///< Blocked where the kernels gain from it, plain elsewhere.
  Plain,   ///< Every tensor row-major as its shape (NCHW).
  Blocked, ///< Every 4-D tensor blocked, model inputs and outputs copied at the edges.
};

/// The memory one graph value lives in while the kernels run. Plain storage
/// is row-major in the value's shape. Blocked storage (oneDNN's nChw16c for
/// 16 lanes) holds an N x C x H x W value as [N, ceil(C/L), H, W, L]: each
/// pixel's channels in vectors of L, so kernels whose SIMD lanes are channels
/// load and store whole vectors. Lanes past C hold values no kernel reads.
struct Storage {
  ValueId value = -1;
  Shape shape;       ///< The value's (logical) shape.
  int64_t block = 0; ///< 0: plain; otherwise L, the channels per block.

  /// The shape as stored: `shape`, or [N, ceil(C/L), H, W, L].
  Shape stored() const;
  int64_t elements() const { return numElements(stored()); }
  /// The layout's name as dumps print it: nChw16c for blocks of 16; "" plain.
  std::string layoutName() const;
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

/// A value's storage inside another's: a Concat's input written in place
/// into its output, `offset` elements from its start (storage indices).
struct ValueAlias {
  int value = -1;
  int within = -1;
  int64_t offset = 0;
};

struct LoweredModel {
  std::vector<LoweredKernel> kernels; ///< In execution order.
  std::vector<WeightRecipe> weights;  ///< How to prepare each weight.
  std::vector<ValueAlias> aliases;    ///< In-place Concat inputs (no kernel copies them).
  /// One per graph value (index: its ValueId), model inputs and outputs
  /// plain, then a blocked copy of each model input or output that is
  /// blocked inside the program.
  std::vector<Storage> storage;
  /// Per ValueId: the storage index kernels read and write the value in.
  std::vector<int> home;
};

struct LowerOptions {
  int vectorWidth = 16; ///< f32 lanes of the target's vectors.
  LayoutPolicy layouts = LayoutPolicy::Auto;
};

/// The name `lgc --layout` gives a policy (auto, nchw, blocked).
const char *layoutPolicyName(LayoutPolicy policy);
/// The policy named `name`, if any.
std::optional<LayoutPolicy> layoutPolicyNamed(const std::string &name);

/// The block size (0: plain) of every graph value, as `options` and the
/// graph's ops decide it (ChooseLayouts.cpp).
std::vector<int64_t> chooseLayouts(const Graph &graph, const LowerOptions &options);

/// Lowers every node of `graph` (shapes inferred, passes run), then shares
/// the code of identical kernels.
Expected<LoweredModel> lowerGraph(const Graph &graph, const LowerOptions &options);

/// Marks each kernel whose code repeats an earlier kernel's `sameAs` that
/// one; returns how many it marked.
int shareKernels(LoweredModel &model);

} // namespace lgc
