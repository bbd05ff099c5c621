//===- compiler/jit/CompiledModel.h - a model compiled in memory -*- C++ -*-===//
//
// From an optimised graph and its parameters to a runnable Program: generate
// the kernels' module, optimise it for the target, compile it to machine code
// and link that into the JIT, then prepare the weights by their recipes and
// lay out the activation arena. With a cache, code compiled before for the
// same graph and target is loaded instead.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/codegen/Target.h"
#include "compiler/ir/Graph.h"
#include "compiler/jit/Jit.h"
#include "compiler/jit/ObjectCache.h"
#include "compiler/lower/Lower.h"
#include "runtime/Program.h"
#include "runtime/ProgramImage.h"
#include "runtime/Weights.h"

#include <memory>

namespace lgc {

/// Where compile time goes, in milliseconds, and whether the code came from
/// the cache (then lower, optimize and codegen are 0, load is reading it).
struct CompileTimings {
  double lower = 0, optimize = 0, codegen = 0, load = 0, link = 0;
  bool cached = false;
};

struct JitOptions {
  /// Where compiled code is reused from and stored; null: no cache.
  const ObjectCache *cache = nullptr;
  /// How the kernels lay out activations (lgc --layout).
  LayoutPolicy layouts = LayoutPolicy::Auto;
};

class CompiledModel {
public:
  /// Compiles `graph` (shapes inferred, graph passes run without weights)
  /// for `target`. `params` are the model file's parameters (paramSpecs of
  /// the graph before the passes) and `weights` their values, as bound.
  static Expected<std::unique_ptr<CompiledModel>>
  compile(const Graph &graph, const std::vector<ParamSpec> &params, const WeightMap &weights,
          const Target &target, const JitOptions &options = {});

  const Program &program() const { return program_; }
  const ProgramImage &image() const { return image_; }
  const CompileTimings &timings() const { return timings_; }

private:
  CompiledModel() = default;
  Error generate(const Graph &graph, const std::vector<ParamSpec> &params, const Target &target,
                 LayoutPolicy layouts, CacheEntry &entry);
  std::unique_ptr<Jit> jit_;
  ProgramImage image_;
  Program program_;
  CompileTimings timings_;
};

} // namespace lgc
