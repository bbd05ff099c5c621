//===- tools/lgc/Compile.cpp - compile and run on this machine ------------===//
#include "tools/lgc/Compile.h"

#include "compiler/passes/Pipeline.h"

namespace lgc {

Expected<std::unique_ptr<CompiledModel>> compileForHost(Graph &graph, WeightMap &weights) {
  if (Error e = optimizeGraph(graph, weights)) return e;
  return CompiledModel::compile(graph, weights, hostTarget());
}

int threadCount(int requested) {
  return requested > 0 ? requested : ThreadPool::availableCores();
}

} // namespace lgc
