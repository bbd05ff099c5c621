//===- compiler/lower/Lower.cpp - Graph IR to Loop IR ---------------------===//
//
// One kernel per node, in graph order; each op family's lowering lives in its
// own file (LowerConv.cpp, LowerPool.cpp, ...).
//
//===----------------------------------------------------------------------===//
#include "compiler/lower/Lower.h"

#include "compiler/lower/LowerContext.h"

#include <algorithm>
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

/// Every value's storage as `blocks` lays it out. Model inputs and outputs
/// stay plain (they are the caller's buffers); a blocked one gets a blocked
/// copy after them, which the kernels use instead.
void planStorage(const Graph &graph, const std::vector<int64_t> &blocks, LoweredModel &model) {
  for (size_t i = 0; i < graph.values.size(); ++i) {
    ValueId id = static_cast<ValueId>(i);
    model.storage.push_back({id, graph.value(id).shape, graph.isEdge(id) ? 0 : blocks[i]});
    model.home.push_back(static_cast<int>(i));
  }
  for (size_t i = 0; i < graph.values.size(); ++i) {
    ValueId id = static_cast<ValueId>(i);
    if (model.storage[i].block == 0 && blocks[i] > 0) {
      model.home[i] = static_cast<int>(model.storage.size());
      model.storage.push_back({id, graph.value(id).shape, blocks[i]});
    }
  }
}

/// The copy of value `id` from or to its blocked home, when it has one.
void copyAtEdge(const Graph &graph, ValueId id, bool intoHome, LoweredModel &model,
                const LowerOptions &options) {
  int home = model.home[static_cast<size_t>(id)];
  if (home == id) return;
  std::string layout = model.storage[size_t(home)].layoutName();
  LowerContext ctx(graph, graph.value(id).name + " (" + (intoHome ? "to " : "from ") + layout + ")",
                   model, options);
  if (intoHome)
    lowerLayoutCopy(ctx, id, home);
  else
    lowerLayoutCopy(ctx, home, id);
}

} // namespace

Shape Storage::stored() const {
  if (block == 0) return shape;
  return {shape[0], (shape[1] + block - 1) / block, shape[2], shape[3], block};
}

std::string Storage::layoutName() const {
  return block == 0 ? "" : "nChw" + std::to_string(block) + "c";
}

const char *layoutPolicyName(LayoutPolicy policy) {
  switch (policy) {
  case LayoutPolicy::Auto:
    return "auto";
  case LayoutPolicy::Plain:
    return "nchw";
  case LayoutPolicy::Blocked:
    return "blocked";
  }
  return "?";
}

std::optional<LayoutPolicy> layoutPolicyNamed(const std::string &name) {
  for (LayoutPolicy p : {LayoutPolicy::Auto, LayoutPolicy::Plain, LayoutPolicy::Blocked})
    if (name == layoutPolicyName(p)) return p;
  return std::nullopt;
}

Expected<LoweredModel> lowerGraph(const Graph &graph, const LowerOptions &options) {
  LoweredModel model;
  try {
    planStorage(graph, chooseLayouts(graph, options), model);
    for (ValueId id : graph.inputs) copyAtEdge(graph, id, true, model, options);
    for (const Node &node : graph.nodes) {
      lowerNode(graph, node, model, options);
      if (graph.isOutput(node.output)) copyAtEdge(graph, node.output, false, model, options);
    }
    shareKernels(model);
  } catch (const std::logic_error &e) {
    return Error::internal(e.what());
  }
  return model;
}

} // namespace lgc
