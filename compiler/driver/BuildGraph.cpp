//===- compiler/driver/BuildGraph.cpp - a model file to a checked graph ---===//
#include "compiler/driver/BuildGraph.h"

#include "compiler/frontend/ModelParser.h"

namespace lgc {

Expected<Graph> buildGraph(const std::string &path, const PipelineOptions &options) {
  Expected<Graph> graph = parseModelFile(path);
  if (!graph) return graph.takeError();
  if (Error e = prepareGraph(*graph, options)) return e;
  return graph;
}

} // namespace lgc
