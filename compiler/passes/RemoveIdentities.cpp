//===- compiler/passes/RemoveIdentities.cpp - drop Identity and Dropout ---===//
//
// Identity and Dropout (at inference) pass their input through, so they can
// disappear without a kernel, keeping every graph output's name:
//
//   1. Sweep the nodes in order. For an Identity or Dropout node C reading v:
//   2. if v is a layer's value read only by C and not a graph output, its
//      producer takes over C's value (C's name lives on, v disappears);
//   3. otherwise, unless C's value is a graph output, every read of C's value
//      reads v instead and C goes;
//   4. else C stays (it becomes a copy kernel: the output must have its name).
//   5. Compact the graph.
//
//===----------------------------------------------------------------------===//
#include "compiler/passes/GraphEdit.h"
#include "compiler/passes/Passes.h"

namespace lgc {

void removeIdentities(Graph &graph) {
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node &c = graph.nodes[i];
    if (c.op != OpKind::Identity && c.op != OpKind::Dropout) continue;
    int self = static_cast<int>(i);
    ValueId v = c.inputs[0];
    int producer = graph.value(v).producer;
    if (producer >= 0 && feedsOnly(graph, v, self)) {
      takeOverOutput(graph, producer, self);
    } else if (!graph.isOutput(c.output)) {
      replaceUses(graph, c.output, v);
      detachNode(graph, self);
    }
  }
  compactGraph(graph);
}

} // namespace lgc
