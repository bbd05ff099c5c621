//===- compiler/aot/AotCompiler.h - models as object files ------*- C++ -*-===//
//
// `lgc compile`: the same module the JIT runs, written as a relocatable
// object with SPEC §7's C interface, plus its header. The object needs only
// the runtime library (no LLVM) to link and run.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/codegen/Target.h"
#include "compiler/ir/Graph.h"
#include "compiler/lower/Lower.h"
#include "runtime/Weights.h"

#include <string>

namespace lgc {

struct AotOptions {
  std::string objectPath;
  std::string headerPath;
  /// The parameters to embed (the model file's, as bound); null: the object
  /// reads a weights file at create time.
  const WeightMap *embed = nullptr;
  /// How the kernels lay out activations (lgc --layout).
  LayoutPolicy layouts = LayoutPolicy::Auto;
};

/// Compiles `graph` (shapes inferred, passes run without weights) for
/// `target` and writes the object and the header, each complete or not at
/// all. `params` are the model file's parameters (paramSpecs before the
/// passes).
Error compileAheadOfTime(const Graph &graph, const std::vector<ParamSpec> &params,
                         const Target &target, const AotOptions &options);

} // namespace lgc
