//===- compiler/driver/Driver.cpp - one pipeline for every command --------===//
#include "compiler/driver/Driver.h"

#include "compiler/ir/ParamInit.h"

namespace lgc {
namespace {

/// The graph passes' share of the driver's options.
PipelineOptions pipelineOf(const DriverOptions &options) {
  return PipelineOptions{options.batch, options.afterPass};
}

} // namespace

Compilation::Compilation(Graph graph, DriverOptions options)
    : graph_(std::move(graph)), params_(paramSpecs(graph_)), options_(std::move(options)) {}

Expected<Compilation> Compilation::open(const std::string &path, DriverOptions options) {
  Expected<Graph> graph = buildGraph(path, pipelineOf(options));
  if (!graph) return graph.takeError();
  return Compilation(std::move(*graph), std::move(options));
}

Error Compilation::optimize() {
  if (optimized_) return Error();
  WeightMap none; // the passes record derived weights as recipes; values stay the file's
  if (Error e = optimizeGraph(graph_, none, pipelineOf(options_))) return e;
  optimized_ = true;
  return Error();
}

Expected<LoweredModel> Compilation::lower(const Target &target) {
  if (Error e = optimize()) return e;
  LowerOptions lowering(target.vectorWidth, options_.layouts);
  if (options_.afterLowerStep)
    lowering.afterStep = [this](const std::string &step, const LoweredModel &model) {
      options_.afterLowerStep(step, graph_, model);
    };
  return lowerGraph(graph_, lowering);
}

Expected<GeneratedModule> Compilation::generate(const Target &target, int parts) {
  if (Error e = optimize()) return e;
  return generateModule(graph_, params_, target, options_.layouts, parts);
}

Expected<std::unique_ptr<CompiledModel>>
Compilation::compileJit(const WeightMap &weights, const Target &target, bool useCache) {
  if (Error e = optimize()) return e;
  std::optional<ObjectCache> cache;
  std::string dir = useCache ? ObjectCache::defaultDirectory() : "";
  if (!dir.empty()) cache.emplace(dir);
  return CompiledModel::compile(graph_, params_, weights, target,
                                JitOptions{cache ? &*cache : nullptr, options_.layouts});
}

Error Compilation::compileObject(const Target &target, const AotOptions &aot) {
  if (Error e = optimize()) return e;
  AotOptions laidOut = aot;
  laidOut.layouts = options_.layouts;
  return compileAheadOfTime(graph_, params_, target, laidOut);
}

} // namespace lgc
