//===- compiler/passes/GraphEdit.cpp - rewriting the Graph IR -------------===//
//
// See GraphEdit.h. Graphs are small (hundreds of nodes), so uses are found by
// scanning rather than kept in a use list that every edit would have to update.
//
//===----------------------------------------------------------------------===//
#include "compiler/passes/GraphEdit.h"

#include <algorithm>
#include <cassert>

namespace lgc {

bool feedsOnly(const Graph &graph, ValueId value, int user) {
  std::vector<int> users = graph.usesOf(value);
  return users.size() == 1 && users[0] == user && !graph.isOutput(value);
}

void replaceUses(Graph &graph, ValueId from, ValueId to) {
  for (Node &n : graph.nodes)
    for (ValueId &id : n.inputs)
      if (id == from) id = to;
}

void takeOverOutput(Graph &graph, int producer, int consumer) {
  Node &p = graph.nodes[static_cast<size_t>(producer)];
  Node &c = graph.nodes[static_cast<size_t>(consumer)];
  assert(producer < consumer && "a node can only take over a later node's output");
  p.output = c.output;
  graph.value(c.output).producer = producer;
  detachNode(graph, consumer);
}

void detachNode(Graph &graph, int node) {
  Node &n = graph.nodes[static_cast<size_t>(node)];
  n.inputs.clear();
  n.fused.clear();
  n.output = -1;
}

bool isDetached(const Node &node) {
  return node.output < 0;
}

void compactGraph(Graph &graph) {
  // Which values survive: model inputs and the outputs of live nodes.
  std::vector<bool> keep(graph.values.size(), false);
  for (ValueId id : graph.inputs) keep[static_cast<size_t>(id)] = true;
  for (const Node &n : graph.nodes)
    if (!isDetached(n)) keep[static_cast<size_t>(n.output)] = true;

  std::vector<ValueId> newId(graph.values.size(), -1);
  std::vector<Value> values;
  for (size_t v = 0; v < graph.values.size(); ++v)
    if (keep[v]) {
      newId[v] = static_cast<ValueId>(values.size());
      values.push_back(std::move(graph.values[v]));
    }
  auto renumber = [&](ValueId &id) {
    assert(newId[static_cast<size_t>(id)] >= 0 && "a live reference to a dropped value");
    id = newId[static_cast<size_t>(id)];
  };

  std::vector<Node> nodes;
  for (Node &n : graph.nodes) {
    if (isDetached(n)) continue;
    for (ValueId &id : n.inputs) renumber(id);
    renumber(n.output);
    values[static_cast<size_t>(n.output)].producer = static_cast<int>(nodes.size());
    nodes.push_back(std::move(n));
  }
  for (ValueId &id : graph.inputs) renumber(id);
  for (ValueId &id : graph.outputs) renumber(id);
  graph.values = std::move(values);
  graph.nodes = std::move(nodes);
}

} // namespace lgc
