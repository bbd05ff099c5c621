//===- compiler/driver/BuildGraph.cpp - a model file to a checked graph ---===//
//
// The front half of the pipeline, apart from Compilation so that a program
// that only reads models (the fuzz targets, lgc check's tests) does not pull
// in the JIT, the object writer and with them LLVM.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Driver.h"

#include "compiler/frontend/ModelParser.h"

namespace lgc {

Expected<Graph> buildGraph(const std::string &path, const PipelineOptions &options) {
  Expected<Graph> graph = parseModelFile(path);
  if (!graph) return graph.takeError();
  if (Error e = prepareGraph(*graph, options)) return e;
  return graph;
}

} // namespace lgc
