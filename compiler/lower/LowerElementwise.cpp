//===- compiler/lower/LowerElementwise.cpp - one element in, one out ------===//
//
// Activations, Identity, Dropout (inference), Flatten (a copy, blocked to
// NCHW order where its input is blocked; no kernel where its one reader, a
// Linear, reads that input itself), Add of several inputs, a
// standalone BatchNorm2d (per-channel scale and shift, computed at compile
// time), Concat, Softmax, and the layout copies at a model's edges. 4-D
// tensors are walked element by element in the output's order (each buffer
// read in its own layout); others as [rows, columns], rows split across
// threads and columns as SIMD lanes.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/ShapeRules.h"
#include "compiler/lower/LowerOps.h"
#include "compiler/lower/Schedule.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lgc {

using namespace loop;

namespace {

/// The kernel for out[r, c] = epilogue(value) over the output's rows view.
void emitRows(KernelBuilder &kb, const Shape &view, E value, double flops) {
  int y = kb.outputBuffer(view);
  std::vector<E> at{var("r"), var("c")};
  kb.finish(
      forLoop("r", 0, view[0], LoopKind::Parallel,
              {forLoop("c", 0, view[1], LoopKind::Vector, {store(y, at, kb.epilogue(value, at))})}),
      flops);
}

/// A 4-D tensor's plane as one row: the view elementwise kernels index a
/// 4-D value by, valid for plain and blocked storage alike.
Shape planeView(const Shape &shape) {
  return {shape[0], shape[1], 1, shape[2] * shape[3]};
}

/// The output's order: blocked order when it is blocked, else plain.
int64_t orderOf(const KernelBuilder &kb, int buffer) {
  return kb.blocked(buffer) ? kb.vectorWidth() : 0;
}

} // namespace

void lowerElementwise(KernelBuilder &kb) {
  const Node &node = kb.node();
  const Shape &shape = kb.graph().outputOf(node).shape;
  const Shape &input = kb.graph().inputOf(node).shape;
  size_t count = node.baseInputCount();
  auto name = [&](size_t i) { return "in" + (count > 1 ? std::to_string(i) : ""); };
  if (input.size() == 4) {
    // 4-D inputs, in either layout: element by element, each buffer read
    // and written in its own layout. Flatten's plain output is the input's
    // NCHW order, so it is viewed as the input's shape.
    bool flatten = node.op == OpKind::Flatten;
    if (flatten && kb.foldedFlatten(node)) return; // Its Linear reads the input.
    Shape view = flatten ? input : planeView(shape);
    std::vector<int> xs;
    for (size_t i = 0; i < count; ++i) xs.push_back(kb.valueBuffer(name(i), node.inputs[i], view));
    int y = kb.outputBuffer(view);
    kb.finish(eachElement(view, orderOf(kb, y),
                          [&](const std::vector<E> &at, E inRange) {
                            E value;
                            for (int x : xs)
                              value =
                                  value ? value + kb.read(x, at, inRange) : kb.read(x, at, inRange);
                            value = activation(node.op, node.attrs, value);
                            return std::vector<StmtRef>{kb.write(y, at, value, inRange)};
                          }),
              double(numElements(shape)));
    return;
  }
  Shape view = rowsView(shape);
  std::vector<E> at{var("r"), var("c")};
  E value;
  for (size_t i = 0; i < count; ++i) {
    int x = kb.valueBuffer(name(i), node.inputs[i], view);
    value = value ? value + load(x, at) : load(x, at);
  }
  emitRows(kb, view, activation(node.op, node.attrs, value), double(numElements(view)));
}

void lowerBatchNorm2d(KernelBuilder &kb) {
  const Node &node = kb.node();
  const Shape &shape = kb.graph().outputOf(node).shape;
  double eps = node.as<BatchNorm2dAttrs>().eps;
  Shape view = planeView(shape);
  int x = kb.valueBuffer("in", node.inputs[0], view);
  int y = kb.outputBuffer(view);
  int64_t order = orderOf(kb, y);
  // y = x * scale + shift, scale = gamma / sqrt(var + eps), shift = beta - mean * scale,
  // zero-padded to whole blocks in blocked order.
  int64_t padded = order ? (shape[1] + order - 1) / order * order : shape[1];
  auto perChannel = [&](const char *name, const char *param, PrepStep::Kind kind) {
    WeightRecipe r = kb.param(param).then({prep::batchNorm(kind, node.name, eps)});
    return kb.weightBuffer(name, padded > shape[1] ? r.then({prep::zeroPad(padded)}) : r);
  };
  int s = perChannel("scale", "weight", PrepStep::Kind::BnScale);
  int t = perChannel("shift", "bias", PrepStep::Kind::BnShift);
  kb.finish(eachElement(view, order,
                        [&](const std::vector<E> &at, E inRange) {
                          E c = at[1];
                          E value = fma(kb.read(x, at, inRange), load(s, {c}), load(t, {c}));
                          return std::vector<StmtRef>{kb.write(y, at, value, inRange)};
                        }),
            2.0 * double(numElements(shape)));
}

namespace {

/// Whether `node`, a Concat whose inputs are contiguous slices of its output
/// (nothing outside the concatenated dimension but size-1 ones), can have its
/// producers write straight into its output: nothing is fused into it, its
/// output and inputs are arena buffers, and each input is distinct, made by
/// a node that is not a Concat, and fed to no other Concat.
bool concatInPlace(const Graph &graph, const Node &node, int64_t outer) {
  if (outer != 1 || !node.fused.empty() || graph.isEdge(node.output)) return false;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    ValueId id = node.inputs[i];
    if (graph.isEdge(id) || std::count(node.inputs.begin(), node.inputs.end(), id) > 1)
      return false;
    for (const Node &other : graph.nodes) {
      bool reads = std::count(other.inputs.begin(), other.inputs.end(), id) > 0;
      if (other.output == id && other.op == OpKind::Concat) return false;
      if (reads && other.op == OpKind::Concat && &other != &node) return false;
    }
  }
  return true;
}

} // namespace

namespace {

/// Whether a Concat's inputs are laid out so that they can sit in place in
/// its output's storage: all plain like the output or, along the channels of
/// a blocked output, blocked alike and made of whole blocks, so that each
/// starts at a block boundary, its channel offset times the plane (as in
/// NCHW).
bool blocksInPlace(const KernelBuilder &kb, const Node &node, size_t dim) {
  int64_t block = kb.blockOf(node.output);
  return (block == 0 || dim == 1) &&
         std::all_of(node.inputs.begin(), node.inputs.end(), [&](ValueId id) {
           return kb.blockOf(id) == block &&
                  (block == 0 || kb.graph().value(id).shape[1] % block == 0);
         });
}

/// A concatenation of 4-D values not all plain: each output element takes
/// the element of the input whose slice of `dim` holds it.
void lowerConcatElements(KernelBuilder &kb, size_t dim) {
  const Node &node = kb.node();
  const Shape &out = kb.graph().outputOf(node).shape;
  std::vector<int> xs;
  for (size_t i = 0; i < node.baseInputCount(); ++i)
    xs.push_back(kb.valueBuffer("in" + std::to_string(i), node.inputs[i]));
  int y = kb.outputBuffer();
  auto body = [&](const std::vector<E> &at, E inRange) {
    E value, position = at[dim];
    int64_t end = out[dim];
    for (size_t i = xs.size(); i-- > 0;) {
      int64_t begin = end - kb.graph().inputOf(node, i).shape[dim];
      std::vector<E> from = at;
      from[dim] = position - E(begin);
      E inside = E(begin) <= position && position < E(end);
      E guard = inRange ? inRange && inside : inside;
      value = i + 1 == xs.size()
                  ? guardedLoad(xs[i], kb.at(xs[i], from), guard, 0.0f)
                  : select(inside, guardedLoad(xs[i], kb.at(xs[i], from), guard, 0.0f), value);
      end = begin;
    }
    return std::vector<StmtRef>{kb.write(y, at, value, inRange)};
  };
  kb.finish(eachElement(out, orderOf(kb, y), body), 0);
}

} // namespace

void lowerConcat(KernelBuilder &kb) {
  const Node &node = kb.node();
  const Shape &out = kb.graph().outputOf(node).shape;
  size_t dim = static_cast<size_t>(normaliseDim(node.as<DimAttrs>().dim, out.size()));
  int64_t outer = extent(out, 0, dim), inner = extent(out, dim + 1, out.size());
  if (concatInPlace(kb.graph(), node, outer) && blocksInPlace(kb, node, dim)) {
    int64_t offset = 0;
    for (ValueId id : node.inputs) {
      kb.alias(id, node.output, offset);
      offset += numElements(kb.graph().value(id).shape);
    }
    return;
  }
  if (!kb.allPlain()) {
    lowerConcatElements(kb, dim);
    return;
  }
  std::vector<int> inputs;
  for (size_t i = 0; i < node.baseInputCount(); ++i) {
    int64_t len = kb.graph().inputOf(node, i).shape[dim];
    inputs.push_back(
        kb.valueBuffer("in" + std::to_string(i), node.inputs[i], {outer, len * inner}));
  }
  int y = kb.outputBuffer({outer, out[dim] * inner});
  std::vector<StmtRef> copies;
  int64_t offset = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    int64_t len = kb.graph().inputOf(node, i).shape[dim] * inner;
    std::vector<E> at{var("r"), var("c") + E(offset)};
    copies.push_back(
        forLoop("c", 0, len, LoopKind::Vector,
                {store(y, at, kb.epilogue(load(inputs[i], {var("r"), var("c")}), at))}));
    offset += len;
  }
  kb.finish(forLoop("r", 0, outer, LoopKind::Parallel, copies), 0);
}

void lowerSoftmax(KernelBuilder &kb) {
  const Node &node = kb.node();
  const Shape &shape = kb.graph().outputOf(node).shape;
  size_t dim = static_cast<size_t>(normaliseDim(node.as<DimAttrs>().dim, shape.size()));
  int64_t outer = extent(shape, 0, dim), len = shape[dim];
  int64_t inner = extent(shape, dim + 1, shape.size());
  Shape view{outer, len, inner};
  int x = kb.valueBuffer("in", node.inputs[0], view);
  int y = kb.outputBuffer(view);
  E r = var("r"), j = var("j"), k = var("k");
  E shifted = call(Callee::Exp, {load(x, {r, k, j}) - local("peak")});
  std::vector<E> at{r, k, j};
  StmtRef body =
      forLoop("j", 0, inner, LoopKind::Serial,
              {let("peak", f32(-std::numeric_limits<float>::infinity())),
               forLoop("k", 0, len, LoopKind::Serial,
                       {assign("peak", max(local("peak"), load(x, {r, k, j})))}),
               let("sum", f32(0)),
               forLoop("k", 0, len, LoopKind::Serial, {assign("sum", local("sum") + shifted)}),
               forLoop("k", 0, len, LoopKind::Serial,
                       {store(y, at, kb.epilogue(shifted / local("sum"), at))})});
  kb.finish(forLoop("r", 0, outer, LoopKind::Parallel, {body}), 4.0 * double(numElements(shape)));
}

} // namespace lgc

namespace lgc {

void lowerLayoutCopy(KernelBuilder &kb, int from, int to) {
  const Storage &source = kb.storage(from), &target = kb.storage(to);
  const Shape &shape = source.shape;
  int x = kb.storageBuffer("in", from, shape, false);
  int y = kb.storageBuffer("out", to, shape, true);
  // In blocked order: the blocked side's vectors whole, the plain side's
  // lanes a plane apart.
  kb.finish(eachElement(shape, std::max(source.block, target.block),
                        [&](const std::vector<E> &at, E inRange) {
                          return std::vector<StmtRef>{store(y, kb.at(y, at),
                                                            kb.read(x, at, inRange),
                                                            kb.blocked(y) ? E() : inRange)};
                        }),
            0);
}

} // namespace lgc
