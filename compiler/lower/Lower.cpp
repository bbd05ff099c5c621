//===- compiler/lower/Lower.cpp - Graph IR to Loop IR ---------------------===//
//
// One kernel per node, in graph order; each op family's lowering lives in its
// own file (LowerConv.cpp, LowerPool.cpp, ...).
//
//===----------------------------------------------------------------------===//
#include "compiler/lower/Lower.h"

#include "compiler/lower/LowerContext.h"

#include <stdexcept>

namespace lgc {

namespace {

void lowerNode(const Graph &graph, const Node &node, LoweredModel &model,
               const LowerOptions &options) {
  LowerContext ctx(graph, node, model, options);
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

} // namespace

Expected<LoweredModel> lowerGraph(const Graph &graph, const LowerOptions &options) {
  LoweredModel model;
  try {
    for (const Node &node : graph.nodes) lowerNode(graph, node, model, options);
    shareKernels(model);
  } catch (const std::logic_error &e) {
    return Error::internal(e.what());
  }
  return model;
}

} // namespace lgc
