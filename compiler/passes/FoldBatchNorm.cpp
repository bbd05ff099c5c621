//===- compiler/passes/FoldBatchNorm.cpp - BatchNorm into its Conv2d ------===//
//
// At inference BatchNorm2d is a per-channel affine map, y = x * scale + shift
// with scale = gamma / sqrt(var + eps) and shift = beta - mean * scale, so
// after a convolution it folds into the convolution's weights and bias:
//
//   1. Sweep the nodes in order. Take a BatchNorm2d B whose input is a Conv2d
//      C's value that only B reads and that is not a graph output, where C
//      has no fused ops.
//   2. Record C's new weight and bias as recipes over the file's parameters
//      (Graph::derivedParams; runtime/WeightRecipe.h does the arithmetic, per
//      output channel oc, in double): weight[oc, ...] *= scale[oc];
//      bias[oc] = (bias[oc] or 0 - mean[oc]) * scale[oc] + beta[oc]. When
//      `weights` holds the values, compute them there too. A flipped kernel
//      is stored unflipped, which per-output-channel scaling does not mind.
//   3. A Conv2d without bias gains one (attributes and params).
//   4. C takes over B's value; B's parameters leave `weights`.
//   5. Compact the graph.
//
//===----------------------------------------------------------------------===//
#include "compiler/passes/GraphEdit.h"
#include "compiler/passes/Passes.h"

#include <cmath>

namespace lgc {
namespace {

bool holdsAll(const WeightMap &weights, const std::vector<Param> &params) {
  for (const Param &p : params)
    if (!weights.count(p.name)) return false;
  return true;
}

/// The recipe `param` has so far: derived by an earlier fold, or the file's.
WeightRecipe recipeOf(const Graph &graph, const std::string &param, const Shape &shape,
                      bool exists) {
  auto it = graph.derivedParams.find(param);
  if (it != graph.derivedParams.end()) return it->second;
  return WeightRecipe{exists ? param : std::string(), shape, {}};
}

/// Steps 2 and 3: records the folded weight and bias of `conv` as recipes
/// and, when `weights` holds the parameters, computes them there.
void foldParams(Graph &graph, const Node &conv, const Node &bn, WeightMap &weights) {
  const auto &a = conv.as<Conv2dAttrs>();
  double eps = bn.as<BatchNorm2dAttrs>().eps;
  std::string weight = conv.name + ".weight", bias = conv.name + ".bias";
  Shape weightShape = a.weightShape();
  WeightRecipe w = recipeOf(graph, weight, weightShape, true)
                       .then({prep::batchNorm(PrepStep::Kind::FoldBnWeight, bn.name, eps)});
  WeightRecipe b = recipeOf(graph, bias, {a.outChannels}, a.bias)
                       .then({prep::batchNorm(PrepStep::Kind::FoldBnBias, bn.name, eps)});
  if (holdsAll(weights, bn.params) && holdsAll(weights, conv.params)) {
    // One step on the current values (the earlier steps are in them already).
    WeightRecipe wStep{weight, weightShape, {w.steps.back()}};
    WeightRecipe bStep{a.bias ? bias : std::string(), {a.outChannels}, {b.steps.back()}};
    Expected<Tensor> newW = prepareWeight(wStep, weights), newB = prepareWeight(bStep, weights);
    if (newW && newB) {
      weights[weight] = std::move(*newW);
      weights[bias] = std::move(*newB);
    }
  }
  graph.derivedParams[weight] = std::move(w);
  graph.derivedParams[bias] = std::move(b);
}

} // namespace

void foldBatchNorm(Graph &graph, WeightMap &weights) {
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node &bn = graph.nodes[i];
    if (bn.op != OpKind::BatchNorm2d) continue;
    int self = static_cast<int>(i);
    ValueId v = bn.inputs[0];
    int producer = graph.value(v).producer;
    if (producer < 0) continue;
    Node &conv = graph.nodes[static_cast<size_t>(producer)];
    if (conv.op != OpKind::Conv2d || !conv.fused.empty() || !feedsOnly(graph, v, self)) continue;

    foldParams(graph, conv, bn, weights);
    for (const Param &p : bn.params) weights.erase(p.name);
    if (!conv.as<Conv2dAttrs>().bias) {
      conv.as<Conv2dAttrs>().bias = true;
      conv.params = paramsFor(conv);
    }
    takeOverOutput(graph, producer, self);
  }
  compactGraph(graph);
}

} // namespace lgc
