//===- compiler/lower/LowerContext.h - building one kernel ------*- C++ -*-===//
//
// What every op's lowering needs: declaring the kernel's buffers (graph
// values, prepared weights), the fused epilogue applied at each store, and
// the border/interior split of a sliding window's output range. One function
// per op family lowers a node (LowerConv.cpp, LowerPool.cpp, ...).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/lower/Lower.h"

#include <functional>

namespace lgc {

class LowerContext {
public:
  LowerContext(const Graph &graph, const Node &node, LoweredModel &model,
               const LowerOptions &options);
  /// A kernel of no node: a layout copy at the model's edge, named for `layer`.
  LowerContext(const Graph &graph, const std::string &layer, LoweredModel &model,
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

  /// Finishes the kernel: simplifies it and appends it to the model.
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

/// A standalone activation (or a fused one) applied to `x`.
loop::E activation(OpKind op, const Attrs &attrs, loop::E x);

/// One axis of a sliding window: output size, input size, stride, padding
/// before, kernel size and dilation.
struct WindowAxisSpec {
  int64_t out, in, stride, padBegin, kernel, dilation;
};

/// A rectangle of output positions [y0, y1) x [x0, x1) and the window taps
/// [ky0, ky1) x [kx0, kx1) that can land inside the input for some output in
/// it (the others read only padding: skipped). In an interior tile every tap
/// of every window is inside the input.
struct Tile {
  int64_t y0, y1, x0, x1;
  bool interior;
  int64_t ky0, ky1, kx0, kx1;
};

/// The output plane cut into at most five tiles: the top and bottom border
/// rows, and the middle rows' left border, interior and right border. The
/// left and right borders are widened to `minBorder` columns (a vector or a
/// register block then fills them); where that would leave the interior
/// narrower than `minBorder`, the middle rows are one tile.
std::vector<Tile> windowTiles(const WindowAxisSpec &rows, const WindowAxisSpec &columns,
                              int64_t minBorder = 0);

/// `for oy` over the tile's rows, SIMD `for ox` over its columns, around `body`.
loop::StmtRef tileLoops(const Tile &tile, std::vector<loop::StmtRef> body);

/// `for ky`, `for kx` over the tile's live taps around `body`. `kx` is always
/// unrolled; `ky` in the interior, where the time goes, and at the borders
/// only when the window is small, to keep compile time down.
loop::StmtRef tapLoops(const Tile &tile, std::vector<loop::StmtRef> body);

/// How tapLoops runs the window's rows: unrolled in the interior and for
/// small windows, otherwise a loop.
loop::LoopKind tapRowLoop(const Tile &tile);

// One function per op family; each appends one kernel for ctx.node().
void lowerConv2d(LowerContext &ctx);
void lowerPool2d(LowerContext &ctx);
void lowerAdaptiveAvgPool2d(LowerContext &ctx);
void lowerLinear(LowerContext &ctx);
void lowerBatchNorm2d(LowerContext &ctx);
void lowerElementwise(LowerContext &ctx); ///< Activations, Identity, Dropout, Flatten, Add.
void lowerConcat(LowerContext &ctx);
void lowerSoftmax(LowerContext &ctx);
/// Copies a value between its plain storage `from` and blocked `to` (or
/// back): a model input or output blocked inside the program.
void lowerLayoutCopy(LowerContext &ctx, int from, int to);

/// Shares of a plane's rows that threads split when the layer's activations
/// outweigh its weights, with `items` other work items (images, channel
/// groups) each: at most 16, equal where a count divides the rows, of at
/// least two rows each where possible. A thread's
/// shares then hold whole rows of every channel, the rows the next such
/// layer's thread reads, so activations stay in one core's cache (ResNet-18's
/// first stage split by channel groups: 300-315 GFLOP/s; by rows: 360-400).
int64_t threadRows(int64_t rows, int64_t items);
constexpr int64_t kMaxRowShares = 16;
/// Parallel work items a layer is cut into at least, where its rows allow:
/// enough for a few threads to finish together.
constexpr int64_t kMinWorkItems = 8;

/// The statements for `columns` output columns of tile `t` from `first`.
using ColumnBlock = std::function<loop::StmtRef(const Tile &t, loop::E first, int64_t columns)>;

/// A row of tile `t` split evenly into blocks of at most `most` columns (a
/// register block, a run of pool windows): a loop over the full blocks,
/// then the rest.
std::vector<loop::StmtRef> columnBlocks(const Tile &t, int64_t most, const ColumnBlock &block);

/// `for oy` over the rows of tile `t` that lie in share `share` of the
/// plane's rows, `shareRows` rows a share (all of them when `shares` is 1).
loop::StmtRef shareRowLoop(const Tile &t, int64_t shares, loop::E share, int64_t shareRows,
                           std::vector<loop::StmtRef> body);

/// [N*C..., rest]: the 2-D view elementwise kernels index a tensor by.
Shape rowsView(const Shape &shape);

/// The statements for one element (n, c, y, x) of a 4-D tensor; `inRange`
/// is false on a block's padding lanes (c >= C), null where there are none.
using ElementBody =
    std::function<std::vector<loop::StmtRef>(const std::vector<loop::E> &at, loop::E inRange)>;

/// Loops over every element of 4-D `shape`. In blocked order (`lanes` > 0)
/// threads split (image, channel block) pairs and the SIMD lanes are a
/// block's channels, padding lanes included; in plain order (`lanes` 0)
/// threads split (image, channel) planes and the lanes are columns.
loop::StmtRef eachElement(const Shape &shape, int64_t lanes, const ElementBody &body);

} // namespace lgc
