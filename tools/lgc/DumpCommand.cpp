//===- tools/lgc/DumpCommand.cpp - lgc dump -------------------------------===//
//
// Prints the IR at the level --emit names. With --print-after-all, the graph
// after every pass, each under a header naming the pass.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/Printer.h"
#include "compiler/passes/Pipeline.h"
#include "tools/lgc/Commands.h"

#include <iostream>

namespace lgc {

int runDump(const DumpOptions &options) {
  PipelineOptions pipeline;
  pipeline.batch = options.batch;
  if (options.printAfterAll)
    pipeline.afterPass = [](const std::string &pass, const Graph &graph) {
      std::cout << "// ----- IR after " << pass << " -----\n" << printGraph(graph);
    };
  Expected<Graph> graph = buildGraph(options.model, pipeline);
  if (!graph) return report(graph.takeError());
  if (!options.printAfterAll) std::cout << printGraph(*graph);
  return kExitOk;
}

} // namespace lgc
