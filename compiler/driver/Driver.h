//===- compiler/driver/Driver.h - one pipeline for every command -*- C++ -*-===//
//
// A model's way through the compiler, the same for every command:
//
//   file --front end--> graph --passes--> optimised graph --lower--> Loop IR
//        --codegen--> LLVM modules --> JIT (run, bench) | object (compile)
//
// `lgc dump` stops at the level it prints. A Compilation holds the graph
// between stages; each stage runs what it needs of the ones before it. This
// is the only layer that knows every other: front ends and passes know
// nothing of lowering, and the JIT and the object writer do not include
// each other.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/aot/AotCompiler.h"
#include "compiler/driver/BuildGraph.h"
#include "compiler/jit/CompiledModel.h"
#include "compiler/module/GenerateModule.h"
#include "compiler/passes/Pipeline.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lgc {

/// What a command says about how to compile: its --batch, --layout and
/// --print-after-all.
struct DriverOptions {
  explicit DriverOptions(int64_t batch = 0, LayoutPolicy layouts = LayoutPolicy::Auto)
      : batch(batch), layouts(layouts) {}

  /// Replace every input's batch dimension (0: keep the file's).
  int64_t batch = 0;
  /// How the kernels lay out activations.
  LayoutPolicy layouts = LayoutPolicy::Auto;
  /// Called after each graph pass with its name and the graph.
  std::function<void(const std::string &pass, const Graph &graph)> afterPass;
  /// Called after each lowering step with its name and the model so far.
  std::function<void(const std::string &step, const Graph &graph, const LoweredModel &model)>
      afterLowerStep;
};

class Compilation {
public:
  /// Reads and checks the model file (buildGraph).
  static Expected<Compilation> open(const std::string &path,
                                    DriverOptions options = DriverOptions());

  /// The graph: as the file describes it until optimize() runs, then
  /// optimised.
  const Graph &graph() const { return graph_; }
  /// The model file's parameters (the graph's before the passes), which
  /// weights are bound to and recipes read.
  const std::vector<ParamSpec> &params() const { return params_; }

  /// Runs the graph passes (once; later calls do nothing). Folded
  /// parameters become recipes over the file's, so no weights are needed.
  Error optimize();
  /// The optimised graph lowered to Loop IR for `target`.
  Expected<LoweredModel> lower(const Target &target);
  /// The optimised graph as LLVM modules and a program image, in `parts`
  /// modules.
  Expected<GeneratedModule> generate(const Target &target, int parts = 1);
  /// Compiled in memory with the file's parameter values `weights`; with
  /// `useCache`, code is reused from and stored in the default cache.
  Expected<std::unique_ptr<CompiledModel>> compileJit(const WeightMap &weights,
                                                      const Target &target, bool useCache);
  /// Written as an object file and header (lgc compile); the layouts are
  /// this compilation's, not `aot`'s.
  Error compileObject(const Target &target, const AotOptions &aot);

private:
  Compilation(Graph graph, DriverOptions options);

  Graph graph_;
  std::vector<ParamSpec> params_;
  DriverOptions options_;
  bool optimized_ = false;
};

} // namespace lgc
