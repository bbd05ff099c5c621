//===- compiler/passes/FoldBatchNorm.cpp - BatchNorm into its Conv2d ------===//
//
// At inference BatchNorm2d is a per-channel affine map, y = x * scale + shift
// with scale = gamma / sqrt(var + eps) and shift = beta - mean * scale, so
// after a convolution it folds into the convolution's weights and bias:
//
//   1. Sweep the nodes in order. Take a BatchNorm2d B whose input is a Conv2d
//      C's value that only B reads and that is not a graph output, where C
//      has no fused ops.
//   2. If `weights` holds the parameters, per output channel oc (in double):
//      weight[oc, ...] *= scale[oc]; bias[oc] = (bias[oc] or 0 - mean[oc]) *
//      scale[oc] + beta[oc]. A flipped kernel is stored unflipped, which
//      per-output-channel scaling does not care about.
//   3. A Conv2d without bias gains one (attributes, params and the tensor).
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

/// Steps 2 and 3 on the tensors: scales `conv`'s weight and rewrites (or
/// creates) its bias, with `conv`'s attributes and params not yet changed.
void foldTensors(const Node &conv, const Node &bn, WeightMap &weights) {
  const std::string &b = bn.name;
  const Tensor &gamma = weights.at(b + ".weight"), &beta = weights.at(b + ".bias");
  const Tensor &mean = weights.at(b + ".running_mean"), &var = weights.at(b + ".running_var");
  double eps = bn.as<BatchNorm2dAttrs>().eps;
  int64_t channels = conv.as<Conv2dAttrs>().outChannels;

  Tensor &w = weights.at(conv.name + ".weight");
  std::string biasName = conv.name + ".bias";
  if (!conv.as<Conv2dAttrs>().bias) weights[biasName] = Tensor(Shape{channels});
  Tensor &bias = weights.at(biasName);

  size_t perChannel = w.data.size() / static_cast<size_t>(channels);
  for (size_t oc = 0; oc < static_cast<size_t>(channels); ++oc) {
    double scale = double(gamma.data[oc]) / std::sqrt(double(var.data[oc]) + eps);
    for (size_t k = 0; k < perChannel; ++k) {
      float &x = w.data[oc * perChannel + k];
      x = static_cast<float>(double(x) * scale);
    }
    bias.data[oc] = static_cast<float>((double(bias.data[oc]) - double(mean.data[oc])) * scale +
                                       double(beta.data[oc]));
  }
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

    if (holdsAll(weights, bn.params) && holdsAll(weights, conv.params))
      foldTensors(conv, bn, weights);
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
