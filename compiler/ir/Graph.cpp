//===- compiler/ir/Graph.cpp - the Graph IR -------------------------------===//
//
// Lookups on the graph, and the rule that says which parameters a layer has.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/Graph.h"

#include <algorithm>

namespace lgc {

ValueId Graph::findValue(const std::string &name) const {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i].name == name) return static_cast<ValueId>(i);
  return -1;
}

size_t Node::baseInputCount() const {
  size_t addends = 0;
  for (const FusedOp &f : fused) addends += f.op == OpKind::Add;
  return inputs.size() - addends;
}

std::vector<Param> paramsFor(const Node &node) {
  const std::string &n = node.name;
  switch (node.op) {
  case OpKind::Conv2d: {
    const auto &a = node.as<Conv2dAttrs>();
    std::vector<Param> ps{{n + ".weight", a.weightShape()}};
    if (a.bias) ps.push_back({n + ".bias", {a.outChannels}});
    return ps;
  }
  case OpKind::Linear: {
    const auto &a = node.as<LinearAttrs>();
    std::vector<Param> ps{{n + ".weight", {a.outFeatures, a.inFeatures}}};
    if (a.bias) ps.push_back({n + ".bias", {a.outFeatures}});
    return ps;
  }
  case OpKind::BatchNorm2d: {
    int64_t c = node.as<BatchNorm2dAttrs>().numFeatures;
    return {{n + ".weight", {c}},
            {n + ".bias", {c}},
            {n + ".running_mean", {c}},
            {n + ".running_var", {c}}};
  }
  default:
    return {};
  }
}

bool Graph::isInput(ValueId id) const {
  return std::find(inputs.begin(), inputs.end(), id) != inputs.end();
}

bool Graph::isOutput(ValueId id) const {
  return std::find(outputs.begin(), outputs.end(), id) != outputs.end();
}

std::vector<int> Graph::usesOf(ValueId id) const {
  std::vector<int> users;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (ValueId input : nodes[i].inputs)
      if (input == id) users.push_back(static_cast<int>(i));
  return users;
}

} // namespace lgc
