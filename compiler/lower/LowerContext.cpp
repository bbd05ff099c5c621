//===- compiler/lower/LowerContext.cpp - building one kernel --------------===//
#include "compiler/lower/LowerContext.h"
#include "compiler/ir/OutputSize.h"

#include "compiler/lower/Simplify.h"
#include "compiler/passes/GraphEdit.h"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace lgc {

using namespace loop;

namespace {

/// A C identifier from a layer name: every other character becomes '_'.
std::string identifier(const std::string &name) {
  std::string s = name;
  for (char &c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  return s;
}

} // namespace

LowerContext::LowerContext(const Graph &graph, const Node &node, LoweredModel &model,
                           const LowerOptions &options)
    : LowerContext(graph, node.name, model, options) {
  node_ = &node;
}

LowerContext::LowerContext(const Graph &graph, const std::string &layer, LoweredModel &model,
                           const LowerOptions &options)
    : graph_(graph), node_(nullptr), model_(model), options_(options) {
  kernel_.layer = layer;
  kernel_.kernel.name = "lgc_k" + std::to_string(model.kernels.size()) + "_" + identifier(layer);
  kernel_.kernel.vectorWidth = options.vectorWidth;
}

const Node &LowerContext::node() const {
  if (!node_) throw std::logic_error("lowering: kernel '" + kernel_.layer + "' has no node");
  return *node_;
}

WeightRecipe LowerContext::param(const std::string &suffix) const {
  std::string name = node().name + "." + suffix;
  auto derived = graph_.derivedParams.find(name);
  if (derived != graph_.derivedParams.end()) return derived->second;
  for (const Param &p : node().params)
    if (p.name == name) return WeightRecipe{name, p.shape, {}};
  // A bug: ops ask only for parameters they have.
  throw std::logic_error("lowering: layer '" + node().name + "' has no parameter " + name);
}

int64_t LowerContext::blockOf(ValueId id) const {
  return model_.storage[static_cast<size_t>(home(id))].block;
}

bool LowerContext::allPlain() const {
  if (blockOf(node().output) > 0) return false;
  return std::none_of(node().inputs.begin(), node().inputs.end(),
                      [&](ValueId id) { return blockOf(id) > 0; });
}

int LowerContext::storageBuffer(const std::string &name, int storage, Shape view, bool written) {
  const Storage &s = model_.storage[static_cast<size_t>(storage)];
  Shape stored = view;
  std::string layout = s.layoutName();
  if (s.block > 0) {
    // A blocked view keeps N and C and reshapes only the pixels.
    if (view.size() != 4 || view[0] != s.shape[0] || view[1] != s.shape[1] ||
        view[2] * view[3] != s.shape[2] * s.shape[3])
      throw std::logic_error("lowering: view " + formatShape(view) + " of blocked value '" +
                             graph_.value(s.value).name + "'");
    stored = {view[0], (view[1] + s.block - 1) / s.block, view[2], view[3], s.block};
  } else if (numElements(view) != numElements(s.shape)) {
    throw std::logic_error("lowering: view " + formatShape(view) + " of value '" +
                           graph_.value(s.value).name + "' " + formatShape(s.shape));
  }
  return addBuffer(BufferDecl{name, std::move(stored), written, "", layout},
                   KernelArg{KernelArg::Value, storage});
}

int LowerContext::valueBuffer(const std::string &name, ValueId id, Shape view) {
  return storageBuffer(name, home(id), std::move(view), false);
}

int LowerContext::valueBuffer(const std::string &name, ValueId id) {
  return valueBuffer(name, id, graph_.value(id).shape);
}

int LowerContext::blockedRowsBuffer(const std::string &name, ValueId id) {
  const Storage &s = model_.storage[static_cast<size_t>(home(id))];
  if (s.block == 0)
    throw std::logic_error("lowering: rows of plain value '" + graph_.value(id).name + "'");
  Shape rows{s.shape[0], s.elements() / s.shape[0]};
  return addBuffer(BufferDecl{name, std::move(rows), false, "", ""},
                   KernelArg{KernelArg::Value, home(id)});
}

bool LowerContext::foldedFlatten(const Node &flatten) const {
  if (flatten.op != OpKind::Flatten || !flatten.fused.empty()) return false;
  // [N, C, H, W] to [N, C*H*W] only, with whole blocks of channels.
  const Shape &in = graph_.inputOf(flatten).shape, &out = graph_.outputOf(flatten).shape;
  int64_t block = blockOf(flatten.inputs[0]);
  if (in.size() != 4 || out != Shape{in[0], in[1] * in[2] * in[3]} || block == 0 ||
      in[1] % block != 0)
    return false;
  // Read once, as the input of a Linear (not as an addend of its epilogue).
  std::vector<int> users = usesOf(graph_, flatten.output);
  if (users.size() != 1 || isGraphOutput(graph_, flatten.output)) return false;
  const Node &reader = graph_.nodes[static_cast<size_t>(users[0])];
  return reader.op == OpKind::Linear && reader.inputs[0] == flatten.output;
}

int LowerContext::outputBuffer(Shape view) {
  for (const FusedOp &f : node().fused)
    if (f.op == OpKind::Add)
      addends_.push_back(valueBuffer("addend" + std::to_string(addends_.size()),
                                     node().inputs[static_cast<size_t>(f.operand)], view));
  return storageBuffer("out", home(node().output), std::move(view), true);
}

int LowerContext::outputBuffer() {
  return outputBuffer(graph_.outputOf(node()).shape);
}

int LowerContext::weightBuffer(const std::string &name, WeightRecipe recipe) {
  Expected<Shape> shape = recipeShape(recipe);
  if (!shape) throw std::logic_error("lowering: " + shape.takeError().str());
  std::string prep = recipe.steps.empty() ? "" : describeRecipe(recipe);
  model_.weights.push_back(std::move(recipe));
  return addBuffer(BufferDecl{name, std::move(*shape), false, std::move(prep), ""},
                   KernelArg{KernelArg::Weight, static_cast<int>(model_.weights.size() - 1)});
}

int LowerContext::addBuffer(BufferDecl decl, KernelArg arg) {
  kernel_.kernel.buffers.push_back(std::move(decl));
  kernel_.args.push_back(arg);
  return static_cast<int>(kernel_.kernel.buffers.size() - 1);
}

bool LowerContext::blocked(int buffer) const {
  return !kernel_.kernel.buffers[static_cast<size_t>(buffer)].layout.empty();
}

std::vector<E> LowerContext::at(int buffer, std::vector<E> indices) const {
  if (!blocked(buffer)) return indices;
  // A blocked buffer's stored shape ends in its block: [N, C/L, H, W, L].
  int64_t block = kernel_.kernel.buffers[static_cast<size_t>(buffer)].shape.back();
  const E &c = indices[1];
  return {indices[0], floorDiv(c, block), indices[2], indices[3], mod(c, block)};
}

E LowerContext::read(int buffer, const std::vector<E> &indices, E inRange) const {
  if (blocked(buffer) || !inRange) return load(buffer, at(buffer, indices));
  return guardedLoad(buffer, at(buffer, indices), inRange, 0.0f);
}

StmtRef LowerContext::write(int buffer, const std::vector<E> &indices, E value, E inRange) const {
  E guard = blocked(buffer) ? E() : inRange;
  return store(buffer, at(buffer, indices), epilogue(value, indices, inRange), guard);
}

E LowerContext::epilogue(E value, const std::vector<E> &indices, E guard) const {
  size_t addend = 0;
  for (const FusedOp &f : node().fused) {
    if (f.op == OpKind::Add) {
      int b = addends_[addend++];
      value = value + guardedLoad(b, at(b, indices), guard, 0.0f);
    } else {
      value = activation(f.op, f.attrs, value);
    }
  }
  return value;
}

void LowerContext::finish(StmtRef body, double flops) {
  kernel_.kernel.body = block({std::move(body)});
  kernel_.flops = flops;
  simplifyKernel(kernel_.kernel);
  model_.kernels.push_back(std::move(kernel_));
}

E activation(OpKind op, const Attrs &attrs, E x) {
  switch (op) {
  case OpKind::ReLU:
    return select(x < f32(0), f32(0), x);
  case OpKind::ReLU6:
    return select(x < f32(0), f32(0), select(f32(6) < x, f32(6), x));
  case OpKind::LeakyReLU: {
    float slope = static_cast<float>(std::get<LeakyReLUAttrs>(attrs).negativeSlope);
    return select(f32(0) < x, x, x * f32(slope));
  }
  case OpKind::Sigmoid:
    return f32(1) / (f32(1) + call(Callee::Exp, {f32(0) - x}));
  case OpKind::Tanh:
    return call(Callee::Tanh, {x});
  default: // Identity, Dropout, Flatten
    return x;
  }
}

namespace {

/// [lo, hi): the outputs whose whole window lies inside the input.
std::pair<int64_t, int64_t> interiorRange(const WindowAxisSpec &a) {
  int64_t lo = std::clamp<int64_t>((a.padBegin + a.stride - 1) / a.stride, 0, a.out);
  int64_t span = a.dilation * (a.kernel - 1);
  int64_t hi = std::clamp<int64_t>(floorDiv(a.in - 1 + a.padBegin - span, a.stride) + 1, 0, a.out);
  return {lo, std::max(lo, hi)};
}

/// The taps [first, last) of one window axis that can land inside the input
/// for some output in [o0, o1): tap k reads o*stride - padBegin + k*dilation.
std::pair<int64_t, int64_t> liveTaps(const WindowAxisSpec &a, int64_t o0, int64_t o1) {
  int64_t first = -floorDiv(-(a.padBegin - (o1 - 1) * a.stride), a.dilation);
  int64_t last = floorDiv(a.in - 1 - o0 * a.stride + a.padBegin, a.dilation) + 1;
  return {std::max<int64_t>(first, 0), std::min(last, a.kernel)};
}

} // namespace

std::vector<Tile> windowTiles(const WindowAxisSpec &rows, const WindowAxisSpec &columns,
                              int64_t minBorder) {
  auto [r0, r1] = interiorRange(rows);
  auto [c0, c1] = interiorRange(columns);
  // Borders that exist are widened with columns from the interior. When the
  // interior would keep fewer than minBorder columns, the middle rows stay
  // whole instead (a plane a vector or two wide).
  int64_t left = c0 > 0 ? std::max<int64_t>(0, minBorder - c0) : 0;
  int64_t right = c1 < columns.out ? std::max<int64_t>(0, minBorder - (columns.out - c1)) : 0;
  bool whole = minBorder > 0 && c1 - c0 - left - right < minBorder;
  c0 += left;
  c1 -= right;
  std::vector<std::array<int64_t, 4>> rects{{0, rows.out, 0, columns.out}};
  if (r0 < r1 && whole)
    rects = {{0, r0, 0, columns.out}, {r0, r1, 0, columns.out}, {r1, rows.out, 0, columns.out}};
  else if (r0 < r1 && c0 < c1)
    rects = {{0, r0, 0, columns.out},
             {r0, r1, 0, c0},
             {r0, r1, c0, c1},
             {r0, r1, c1, columns.out},
             {r1, rows.out, 0, columns.out}};
  std::vector<Tile> tiles;
  for (auto [y0, y1, x0, x1] : rects) {
    if (y0 == y1 || x0 == x1) continue;
    auto [ky0, ky1] = liveTaps(rows, y0, y1);
    auto [kx0, kx1] = liveTaps(columns, x0, x1);
    bool interior = !whole && y0 == r0 && y1 == r1 && x0 == c0 && x1 == c1;
    tiles.push_back({y0, y1, x0, x1, interior, ky0, ky1, kx0, kx1});
  }
  return tiles;
}

StmtRef tileLoops(const Tile &t, std::vector<StmtRef> body) {
  return forLoop("oy", t.y0, t.y1, LoopKind::Serial,
                 {forLoop("ox", t.x0, t.x1, LoopKind::Vector, std::move(body))});
}

LoopKind tapRowLoop(const Tile &t) {
  int64_t taps = (t.ky1 - t.ky0) * (t.kx1 - t.kx0);
  return t.interior || taps <= 9 ? LoopKind::Unrolled : LoopKind::Serial;
}

StmtRef tapLoops(const Tile &t, std::vector<StmtRef> body) {
  return forLoop("ky", t.ky0, t.ky1, tapRowLoop(t),
                 {forLoop("kx", t.kx0, t.kx1, LoopKind::Unrolled, std::move(body))});
}

StmtRef eachElement(const Shape &shape, int64_t lanes, const ElementBody &body) {
  E p = var("p"), y = var("y");
  if (lanes == 0) {
    E n = floorDiv(p, shape[1]), c = mod(p, shape[1]);
    return forLoop(
        "p", 0, shape[0] * shape[1], LoopKind::Parallel,
        {forLoop("y", 0, shape[2], LoopKind::Serial,
                 {forLoop("x", 0, shape[3], LoopKind::Vector, body({n, c, y, var("x")}, E()))})});
  }
  int64_t blocks = (shape[1] + lanes - 1) / lanes;
  E n = floorDiv(p, blocks), c = mod(p, blocks) * E(lanes) + var("c");
  E inRange = shape[1] % lanes == 0 ? E() : c < E(shape[1]);
  return forLoop("p", 0, shape[0] * blocks, LoopKind::Parallel,
                 {forLoop("y", 0, shape[2], LoopKind::Serial,
                          {forLoop("x", 0, shape[3], LoopKind::Serial,
                                   {forLoop("c", 0, lanes, LoopKind::Vector,
                                            body({n, c, y, var("x")}, inRange))})})});
}

int64_t threadRows(int64_t rows, int64_t items) {
  // Equal shares when some count divides the rows: of two rows or more,
  // else of one (7 rows: 7 shares, not 3 of 3, 3 and 1, which left a thread
  // with half the work of the other), and enough with the other `items` for
  // kMinWorkItems in all (9 rows of a single channel group: 9 shares of one,
  // not 3 of three, which two threads split 2 to 1).
  for (int64_t wanted : {kMinWorkItems, int64_t(1)})
    for (int64_t least : {2, 1})
      for (int64_t shares = std::min(kMaxRowShares, rows / least); shares > 1; --shares)
        if (rows % shares == 0 && shares * items >= wanted) return shares;
  // Otherwise many near-equal shares (the last shorter).
  int64_t shares = std::max<int64_t>(1, std::min<int64_t>(kMaxRowShares, rows / 2));
  int64_t perShare = (rows + shares - 1) / shares;
  return (rows + perShare - 1) / perShare;
}

std::vector<StmtRef> columnBlocks(const Tile &t, int64_t most, const ColumnBlock &block) {
  int64_t width = t.x1 - t.x0, count = (width + most - 1) / most;
  int64_t size = (width + count - 1) / count, full = width / size, rest = width % size;
  std::vector<StmtRef> row;
  if (full > 0)
    row.push_back(
        forLoop("ob", 0, full, LoopKind::Serial, {block(t, E(t.x0) + var("ob") * E(size), size)}));
  if (rest > 0) row.push_back(block(t, E(t.x0 + full * size), rest));
  return row;
}

StmtRef shareRowLoop(const Tile &t, int64_t shares, E share, int64_t shareRows,
                     std::vector<StmtRef> body) {
  if (shares == 1) return forLoop("oy", t.y0, t.y1, LoopKind::Serial, std::move(body));
  E first = share * E(shareRows);
  return clippedLoop("oy", t.y0, t.y1, first, first + E(shareRows), std::move(body));
}

Shape rowsView(const Shape &shape) {
  if (shape.size() <= 2) return shape.size() == 2 ? shape : Shape{1, shape.empty() ? 1 : shape[0]};
  int64_t rows = shape[0] * shape[1];
  return {rows, numElements(shape) / rows};
}

} // namespace lgc
