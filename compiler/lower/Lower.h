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
#include "compiler/loop/LoopIR.h"
#include "runtime/WeightRecipe.h"

#include <functional>
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
  /// Per ValueId: the channels per block chosen for the value inside the
  /// program (0: plain).
  std::vector<int64_t> blocks;
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
  explicit LowerOptions(int vectorWidth = 16, LayoutPolicy layouts = LayoutPolicy::Auto)
      : vectorWidth(vectorWidth), layouts(layouts) {}

  int vectorWidth = 16; ///< f32 lanes of the target's vectors.
  LayoutPolicy layouts = LayoutPolicy::Auto;
  /// Called after each lowering step with the step's name and the model so
  /// far (lgc dump --emit=loops --print-after-all).
  std::function<void(const std::string &step, const LoweredModel &model)> afterStep;
};

/// The name `lgc --layout` gives a policy (auto, nchw, blocked).
const char *layoutPolicyName(LayoutPolicy policy);
/// The policy named `name`, if any.
std::optional<LayoutPolicy> layoutPolicyNamed(const std::string &name);

/// The block size (0: plain) of every graph value, as `options` and the
/// graph's ops decide it (ChooseLayouts.cpp).
std::vector<int64_t> chooseLayouts(const Graph &graph, const LowerOptions &options);

/// Lowers `graph` (shapes inferred, passes run) in these steps, each named
/// as --print-after-all prints it:
///   choose-layouts      each value's block size (chooseLayouts);
///   plan-storage        each value's storage, and a blocked home for a model
///                       input or output that kernels use blocked;
///   lower-nodes         one kernel per node (none for a value written in
///                       place or read where it lies);
///   insert-edge-copies  the copies between model inputs and outputs and
///                       their blocked homes;
///   simplify            every kernel's index arithmetic and guards;
///   share-kernels       a kernel with an earlier one's code calls it.
Expected<LoweredModel> lowerGraph(const Graph &graph, const LowerOptions &options);

/// The model as text: each kernel's loops (or, for one sharing an earlier
/// kernel's code, its weights' recipes and the kernel it calls), then the
/// values written in place into others. With `storage`, first each value's
/// layout as chosen and planned (what --print-after-all shows).
std::string printLoweredModel(const LoweredModel &model, const Graph &graph, bool storage = false);

} // namespace lgc
