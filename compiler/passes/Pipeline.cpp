//===- compiler/passes/Pipeline.cpp - the pass pipeline -------------------===//
//
// A straight list of passes, as Halide's Lower.cpp: run, verify, report.
//
//===----------------------------------------------------------------------===//
#include "compiler/passes/Pipeline.h"

#include "compiler/ir/Cost.h"
#include "compiler/ir/Verifier.h"
#include "compiler/passes/Passes.h"

namespace lgc {
namespace {

/// Verifies `graph` after `pass` and hands it to the callback.
Error finishPass(const std::string &pass, const Graph &graph, const PipelineOptions &options,
                 bool shapesKnown) {
  if (Error e = verifyGraph(graph, VerifyOptions{shapesKnown}))
    return e.note("after pass '" + pass + "'");
  if (options.afterPass) options.afterPass(pass, graph);
  return Error();
}

} // namespace

Error prepareGraph(Graph &graph, const PipelineOptions &options) {
  if (Error e = finishPass("parse", graph, options, false)) return e;
  if (options.batch > 0) {
    if (Error e = setBatchSize(graph, options.batch)) return e;
    if (Error e = finishPass("set-batch-size", graph, options, false)) return e;
  }
  if (Error e = inferShapes(graph)) return e;
  if (Error e = finishPass("infer-shapes", graph, options, true)) return e;
  Expected<uint64_t> limit = memoryLimitFromEnv();
  if (!limit) return limit.takeError();
  return checkMemoryLimit(graph, *limit);
}

Error optimizeGraph(Graph &graph, WeightMap &weights, const PipelineOptions &options) {
  removeIdentities(graph);
  if (Error e = finishPass("remove-identities", graph, options, true)) return e;
  foldBatchNorm(graph, weights);
  if (Error e = finishPass("fold-batchnorm", graph, options, true)) return e;
  fuseEpilogues(graph);
  if (Error e = finishPass("fuse-epilogues", graph, options, true)) return e;
  eliminateDeadCode(graph);
  return finishPass("eliminate-dead-code", graph, options, true);
}

} // namespace lgc
