//===- compiler/jit/CompiledModel.h - a model compiled in memory -*- C++ -*-===//
//
// From an optimised graph and its weights to a runnable Program: lower every
// node to a kernel, generate and optimise LLVM IR for the host, JIT-compile
// it, and lay out the activation arena by liveness.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/codegen/Target.h"
#include "compiler/ir/Graph.h"
#include "compiler/jit/Jit.h"
#include "runtime/Program.h"
#include "runtime/Weights.h"

#include <memory>

namespace lgc {

/// Where compile time goes, in milliseconds.
struct CompileTimings {
  double lower = 0, optimize = 0, codegen = 0;
};

class CompiledModel {
public:
  /// Compiles `graph` (shapes inferred, graph passes run) for `target`.
  static Expected<std::unique_ptr<CompiledModel>>
  compile(const Graph &graph, const WeightMap &weights, const Target &target);

  const Program &program() const { return program_; }
  const CompileTimings &timings() const { return timings_; }

private:
  CompiledModel() = default;
  std::unique_ptr<Jit> jit_;
  Program program_;
  CompileTimings timings_;
};

} // namespace lgc
