//===- tools/lgc/Compile.h - compile and run on this machine ----*- C++ -*-===//
//
// The compiled path shared by `lgc run` and `lgc bench`: optimise the graph,
// JIT-compile it for the host (or load its code from the on-disk cache), run
// it over the executor.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/interpreter/Interpreter.h"
#include "compiler/jit/CompiledModel.h"
#include "runtime/Executor.h"

#include <memory>

namespace lgc {

/// Runs the graph passes on `graph`, then compiles it for the host CPU with
/// the parameter values `weights` (the model file's, as bound), laying out
/// activations by the policy named `layout` (--layout). With `useCache`,
/// code is reused from and stored in ObjectCache's default directory.
Expected<std::unique_ptr<CompiledModel>> compileForHost(Graph &graph, const WeightMap &weights,
                                                        bool useCache, const std::string &layout);

/// The policy --layout names (the option's values are checked when parsed).
LayoutPolicy layoutOption(const std::string &layout);

/// `requested` threads, or every available core when it is 0.
int threadCount(int requested);

} // namespace lgc
