//===- compiler/lower/LowerElementwise.cpp - one element in, one out ------===//
//
// Activations, Identity, Dropout (inference), Flatten (a copy), Add of
// several inputs, and a standalone BatchNorm2d (per-channel scale and shift,
// computed at compile time). All view their tensors as [rows, columns] with
// rows split across threads and columns as SIMD lanes.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/ShapeRules.h"
#include "compiler/lower/LowerContext.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lgc {

using namespace loop;

namespace {

/// The kernel for out[r, c] = epilogue(value) over the output's rows view.
void emitRows(LowerContext &ctx, const Shape &view, E value, double flops) {
  int y = ctx.outputBuffer(view);
  std::vector<E> at{var("r"), var("c")};
  ctx.finish(forLoop("r", 0, view[0], LoopKind::Parallel,
                     {forLoop("c", 0, view[1], LoopKind::Vector,
                              {store(y, at, ctx.epilogue(value, at))})}),
             flops);
}

} // namespace

void lowerElementwise(LowerContext &ctx) {
  const Node &node = ctx.node();
  Shape view = rowsView(ctx.graph().outputOf(node).shape);
  std::vector<E> at{var("r"), var("c")};
  E value;
  for (size_t i = 0; i < node.baseInputCount(); ++i) {
    int x = ctx.valueBuffer("in" + (node.baseInputCount() > 1 ? std::to_string(i) : ""),
                            node.inputs[i], view);
    value = value ? value + load(x, at) : load(x, at);
  }
  emitRows(ctx, view, activation(node.op, node.attrs, value), double(numElements(view)));
}

void lowerBatchNorm2d(LowerContext &ctx) {
  const Node &node = ctx.node();
  const Shape &shape = ctx.graph().outputOf(node).shape;
  int64_t channels = shape[1];
  double eps = node.as<BatchNorm2dAttrs>().eps;
  // y = x * scale + shift, scale = gamma / sqrt(var + eps), shift = beta - mean * scale.
  WeightRecipe scale =
      ctx.param("weight").then({prep::batchNorm(PrepStep::Kind::BnScale, node.name, eps)});
  WeightRecipe shift =
      ctx.param("bias").then({prep::batchNorm(PrepStep::Kind::BnShift, node.name, eps)});
  Shape view = rowsView(shape);
  int x = ctx.valueBuffer("in", node.inputs[0], view);
  int s = ctx.weightBuffer("scale", std::move(scale));
  int t = ctx.weightBuffer("shift", std::move(shift));
  E c = mod(var("r"), channels);
  E value = fma(load(x, {var("r"), var("c")}), load(s, {c}), load(t, {c}));
  emitRows(ctx, view, value, 2.0 * double(numElements(shape)));
}

namespace {

/// Whether `id` is a model input or output (those live in the caller's
/// buffers, not in the arena).
bool isModelEdge(const Graph &graph, ValueId id) {
  auto has = [id](const std::vector<ValueId> &v) { return std::count(v.begin(), v.end(), id) > 0; };
  return has(graph.inputs) || has(graph.outputs);
}

/// Whether `node`, a Concat whose inputs are contiguous slices of its output
/// (nothing outside the concatenated dimension but size-1 ones), can have its
/// producers write straight into its output: nothing is fused into it, its
/// output and inputs are arena buffers, and each input is distinct, made by
/// a node that is not a Concat, and fed to no other Concat.
bool concatInPlace(const Graph &graph, const Node &node, int64_t outer) {
  if (outer != 1 || !node.fused.empty() || isModelEdge(graph, node.output)) return false;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    ValueId id = node.inputs[i];
    if (isModelEdge(graph, id) || std::count(node.inputs.begin(), node.inputs.end(), id) > 1)
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

void lowerConcat(LowerContext &ctx) {
  const Node &node = ctx.node();
  const Shape &out = ctx.graph().outputOf(node).shape;
  size_t dim = static_cast<size_t>(normaliseDim(node.as<DimAttrs>().dim, out.size()));
  int64_t outer = extent(out, 0, dim), inner = extent(out, dim + 1, out.size());
  if (concatInPlace(ctx.graph(), node, outer)) {
    int64_t offset = 0;
    for (ValueId id : node.inputs) {
      ctx.alias(id, node.output, offset);
      offset += numElements(ctx.graph().value(id).shape);
    }
    return;
  }
  std::vector<int> inputs;
  for (size_t i = 0; i < node.baseInputCount(); ++i) {
    int64_t len = ctx.graph().inputOf(node, i).shape[dim];
    inputs.push_back(
        ctx.valueBuffer("in" + std::to_string(i), node.inputs[i], {outer, len * inner}));
  }
  int y = ctx.outputBuffer({outer, out[dim] * inner});
  std::vector<StmtRef> copies;
  int64_t offset = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    int64_t len = ctx.graph().inputOf(node, i).shape[dim] * inner;
    std::vector<E> at{var("r"), var("c") + E(offset)};
    copies.push_back(
        forLoop("c", 0, len, LoopKind::Vector,
                {store(y, at, ctx.epilogue(load(inputs[i], {var("r"), var("c")}), at))}));
    offset += len;
  }
  ctx.finish(forLoop("r", 0, outer, LoopKind::Parallel, copies), 0);
}

void lowerSoftmax(LowerContext &ctx) {
  const Node &node = ctx.node();
  const Shape &shape = ctx.graph().outputOf(node).shape;
  size_t dim = static_cast<size_t>(normaliseDim(node.as<DimAttrs>().dim, shape.size()));
  int64_t outer = extent(shape, 0, dim), len = shape[dim];
  int64_t inner = extent(shape, dim + 1, shape.size());
  Shape view{outer, len, inner};
  int x = ctx.valueBuffer("in", node.inputs[0], view);
  int y = ctx.outputBuffer(view);
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
                       {store(y, at, ctx.epilogue(shifted / local("sum"), at))})});
  ctx.finish(forLoop("r", 0, outer, LoopKind::Parallel, {body}), 4.0 * double(numElements(shape)));
}

} // namespace lgc
