//===- compiler/ir/Cost.cpp - work and size of each layer -----------------===//
#include "compiler/ir/Cost.h"

namespace lgc {

double macCount(const Graph &graph, const Node &node) {
  const Shape &out = graph.outputOf(node).shape;
  switch (node.op) {
  case OpKind::Conv2d: {
    const auto &a = node.as<Conv2dAttrs>();
    return double(numElements(out)) * double(a.inChannels / a.groups) * double(a.kernel.h) *
           double(a.kernel.w);
  }
  case OpKind::Linear:
    return double(numElements(out)) * double(node.as<LinearAttrs>().inFeatures);
  default:
    return 0;
  }
}

int64_t paramCount(const Node &node) {
  int64_t n = 0;
  for (const Param &p : node.params) n += numElements(p.shape);
  return n;
}

} // namespace lgc
