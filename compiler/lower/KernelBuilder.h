//===- compiler/lower/KernelBuilder.h - building one kernel -----*- C++ -*-===//
//
// What every op's lowering needs to write one kernel: declaring its buffers
// (graph values, prepared weights), reading and writing elements in each
// buffer's layout, and the fused epilogue applied at each store. The loop
// structures that schedules share are in Schedule.h; the ops' entry points
// in LowerOps.h.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/lower/Lower.h"

namespace lgc {

class KernelBuilder {
public:
  KernelBuilder(const Graph &graph, const Node &node, LoweredModel &model,
                const LowerOptions &options);
  /// A kernel of no node: a layout copy at the model's edge, named for `layer`.
  KernelBuilder(const Graph &graph, const std::string &layer, LoweredModel &model,
                const LowerOptions &options);

  const Graph &graph() const { return graph_; }
  const Node &node() const;
  int vectorWidth() const { return options_.vectorWidth; }
  /// Vector registers of the target: 32 with AVX-512 (16 lanes), else 16.
  int vectorRegisters() const { return options_.vectorWidth == 16 ? 32 : 16; }

  /// How to compute the parameter `<layer>.<suffix>` from the file's: the
  /// file's own, or as a pass derived it. Lowering appends its own steps.
  WeightRecipe param(const std::string &suffix) const;

  /// The channels per block of graph value `id` as the kernels store it (0:
  /// plain).
  int64_t blockOf(ValueId id) const;
  /// Storage `index` of the model being lowered.
  const Storage &storage(int index) const { return model_.storage[static_cast<size_t>(index)]; }
  /// Whether the node's inputs and output are all stored plain (then any
  /// reshaped view of them is valid).
  bool allPlain() const;

  /// Declares a buffer reading graph value `id`, indexed as `view`: a
  /// reshaping of the value's shape when it is stored plain; when blocked, a
  /// 4-D view with the value's N and C and its H*W pixels (a 1x1
  /// convolution's plane as one row).
  int valueBuffer(const std::string &name, ValueId id, Shape view);
  /// The same, indexed by the value's own shape.
  int valueBuffer(const std::string &name, ValueId id);
  /// Declares blocked graph value `id` as rows of its stored elements, one
  /// row per image, for a kernel that indexes the blocked order itself.
  int blockedRowsBuffer(const std::string &name, ValueId id);
  /// Whether Flatten node `flatten` runs no kernel: it flattens a blocked
  /// value with no padding lanes to [N, C*H*W] for one Linear, which reads
  /// each feature where the blocked value stores it (LowerLinear.cpp).
  bool foldedFlatten(const Node &flatten) const;
  /// Declares a buffer at storage index `storage` directly (layout copies).
  int storageBuffer(const std::string &name, int storage, Shape view, bool written);
  /// Declares the node's output, indexed as `view`, and the fused addends
  /// (indexed the same way). Call once.
  int outputBuffer(Shape view);
  int outputBuffer();
  /// Declares a prepared weight, computed by `recipe`.
  int weightBuffer(const std::string &name, WeightRecipe recipe);

  /// Whether buffer `buffer` is stored blocked.
  bool blocked(int buffer) const;
  /// The storage indices of element `indices` (into the buffer's view) of
  /// buffer `buffer`: the same for plain storage; (n, c, y, x) becomes
  /// (n, c / L, y, x, c % L) for blocked.
  std::vector<loop::E> at(int buffer, std::vector<loop::E> indices) const;
  /// Element `indices` of buffer `buffer`, where `inRange` (if not null) says
  /// whether the channel exists: a plain buffer has no padding lanes to read.
  loop::E read(int buffer, const std::vector<loop::E> &indices, loop::E inRange) const;
  /// Stores `value` (after the epilogue) at element `indices` of the output
  /// `buffer`, skipping padding lanes a plain output does not have.
  loop::StmtRef write(int buffer, const std::vector<loop::E> &indices, loop::E value,
                      loop::E inRange) const;

  /// The node's fused ops applied to `value` stored at `indices` (into the
  /// output's view) of the output (under `guard`, when the store has one).
  loop::E epilogue(loop::E value, const std::vector<loop::E> &indices,
                   loop::E guard = loop::E()) const;

  /// Finishes the kernel and appends it to the model (the lowering step
  /// `simplify` simplifies it later).
  void finish(loop::StmtRef body, double flops);

  /// Instead of a kernel: records that graph value `value` lives inside
  /// `within`, `offset` elements in, so its producer writes it in place.
  void alias(ValueId value, ValueId within, int64_t offset) {
    model_.aliases.push_back({home(value), home(within), offset});
  }

private:
  int home(ValueId id) const { return model_.home[static_cast<size_t>(id)]; }
  /// Appends a kernel buffer and the argument that binds it; its index.
  int addBuffer(loop::BufferDecl decl, KernelArg arg);

  const Graph &graph_;
  const Node *node_;
  LoweredModel &model_;
  const LowerOptions &options_;
  LoweredKernel kernel_;
  std::vector<int> addends_; ///< Buffer of each fused Add, in fused order.
};

/// The function name of the kernel at `position` in the program, computing
/// `layer`: a C identifier (lgc_k3_conv1).
std::string kernelName(size_t position, const std::string &layer);

/// A standalone activation (or a fused one) applied to `x`.
loop::E activation(OpKind op, const Attrs &attrs, loop::E x);

} // namespace lgc
