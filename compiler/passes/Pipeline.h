//===- compiler/passes/Pipeline.h - the pass pipeline -----------*- C++ -*-===//
//
// The one place that decides which passes run, in which order: the driver
// (compiler/driver) hands a parsed graph to prepareGraph and gets a verified
// graph with every shape, then to optimizeGraph for the optimised one. After every pass the
// verifier runs, and an optional callback sees the graph (--print-after-all).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Graph.h"
#include "runtime/Weights.h"

#include <functional>
#include <string>

namespace lgc {

struct PipelineOptions {
  /// Replace every input's batch dimension (0: keep the file's).
  int64_t batch = 0;
  /// Called after each pass with the pass's name and the graph.
  std::function<void(const std::string &pass, const Graph &graph)> afterPass;
};

/// Verifies a graph as a front end built it (reported as pass "parse"),
/// then runs set-batch-size (with a batch) and infer-shapes. Then the graph
/// has every shape and has passed the verifier, and its tensors fit in the
/// memory ceiling (LGC_MEMORY_LIMIT, compiler/ir/Cost.h).
Error prepareGraph(Graph &graph, const PipelineOptions &options = {});

/// Runs the optimisation passes on a graph from prepareGraph, in order:
/// remove-identities, fold-batchnorm, fuse-epilogues, eliminate-dead-code.
/// `weights` follows the graph (folded BatchNorms change it); it holds every
/// parameter, or is empty when only the graph matters (a dump). Graph output
/// names are kept. An error is a verifier failure, that is, a bug.
Error optimizeGraph(Graph &graph, WeightMap &weights, const PipelineOptions &options = {});

} // namespace lgc
