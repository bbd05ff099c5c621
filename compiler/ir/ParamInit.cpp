//===- compiler/ir/ParamInit.cpp - default parameter values ---------------===//
#include "compiler/ir/ParamInit.h"

#include <cmath>

namespace lgc {
namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// The uniform range of `p`, a parameter of `node`.
std::pair<float, float> initRange(const Node &node, const Param &p) {
  if (node.op == OpKind::BatchNorm2d) {
    if (endsWith(p.name, ".running_var") || endsWith(p.name, ".weight")) return {0.5f, 1.5f};
    return {-0.5f, 0.5f}; // bias, running_mean
  }
  // Conv2d and Linear: fan_in is the weight's elements per output channel.
  const Shape &w = node.params.front().shape;
  double fanIn = double(numElements(w)) / double(w[0]);
  float bound = static_cast<float>(1.0 / std::sqrt(fanIn));
  return {-bound, bound};
}

} // namespace

std::vector<ParamSpec> paramSpecs(const Graph &graph) {
  std::vector<ParamSpec> specs;
  for (const Node &n : graph.nodes)
    for (const Param &p : n.params) {
      auto [lo, hi] = initRange(n, p);
      specs.push_back(ParamSpec{p.name, p.shape, lo, hi});
    }
  return specs;
}

} // namespace lgc
