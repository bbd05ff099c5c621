//===- compiler/lower/Lower.cpp - Graph IR to Loop IR ---------------------===//
//
// One kernel per node, in graph order; each op family's lowering lives in its
// own file (LowerConv.cpp, LowerPool.cpp, ...).
//
//===----------------------------------------------------------------------===//
#include "compiler/lower/Lower.h"

#include "compiler/lower/LowerContext.h"

namespace lgc {

Expected<LoweredModel> lowerGraph(const Graph &graph, const WeightMap &weights,
                                  const LowerOptions &options) {
  LoweredModel model;
  for (const Node &node : graph.nodes) {
    for (const Param &p : node.params)
      if (!weights.count(p.name))
        return Error::internal("lowering: parameter '" + p.name + "' is not bound");
    LowerContext ctx(graph, node, weights, model, options);
    switch (node.op) {
    case OpKind::Conv2d:
      lowerConv2d(ctx);
      break;
    case OpKind::MaxPool2d:
    case OpKind::AvgPool2d:
      lowerPool2d(ctx);
      break;
    case OpKind::AdaptiveAvgPool2d:
      lowerAdaptiveAvgPool2d(ctx);
      break;
    case OpKind::Linear:
      lowerLinear(ctx);
      break;
    case OpKind::BatchNorm2d:
      lowerBatchNorm2d(ctx);
      break;
    case OpKind::Concat:
      lowerConcat(ctx);
      break;
    case OpKind::Softmax:
      lowerSoftmax(ctx);
      break;
    default:
      lowerElementwise(ctx);
      break;
    }
  }
  return model;
}

} // namespace lgc
