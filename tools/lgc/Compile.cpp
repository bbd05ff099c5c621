//===- tools/lgc/Compile.cpp - compile and run on this machine ------------===//
#include "tools/lgc/Compile.h"

#include "compiler/ir/ParamInit.h"
#include "compiler/passes/Pipeline.h"

namespace lgc {

Expected<std::unique_ptr<CompiledModel>> compileForHost(Graph &graph, const WeightMap &weights,
                                                        bool useCache, const std::string &layout) {
  std::vector<ParamSpec> params = paramSpecs(graph);
  WeightMap none; // the passes record derived weights as recipes; values stay the file's
  if (Error e = optimizeGraph(graph, none)) return e;
  std::optional<ObjectCache> cache;
  std::string dir = useCache ? ObjectCache::defaultDirectory() : "";
  if (!dir.empty()) cache.emplace(dir);
  return CompiledModel::compile(graph, params, weights, hostTarget(),
                                JitOptions{cache ? &*cache : nullptr, layoutOption(layout)});
}

LayoutPolicy layoutOption(const std::string &layout) {
  return layoutPolicyNamed(layout).value_or(LayoutPolicy::Auto);
}

int threadCount(int requested) {
  return requested > 0 ? requested : ThreadPool::availableCores();
}

} // namespace lgc
