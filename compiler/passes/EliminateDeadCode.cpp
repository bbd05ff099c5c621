//===- compiler/passes/EliminateDeadCode.cpp - drop unused layers ---------===//
//
// A layer whose value no graph output depends on need not run:
//
//   1. Sweep the nodes backwards (readers before the values they read), and
//      detach every node whose value is not a graph output and has no reader
//      left; detaching it removes its reads, so a chain goes in one sweep.
//   2. Compact the graph: detached nodes and values nothing defines go, and
//      value ids are renumbered.
//
//===----------------------------------------------------------------------===//
#include "compiler/passes/GraphEdit.h"
#include "compiler/passes/Passes.h"

namespace lgc {

void eliminateDeadCode(Graph &graph) {
  for (size_t i = graph.nodes.size(); i-- > 0;) {
    const Node &n = graph.nodes[i];
    if (isDetached(n) || graph.isOutput(n.output)) continue;
    if (graph.usesOf(n.output).empty()) detachNode(graph, static_cast<int>(i));
  }
  compactGraph(graph);
}

} // namespace lgc
