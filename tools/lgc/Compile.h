//===- tools/lgc/Compile.h - compile and run on this machine ----*- C++ -*-===//
//
// The compiled path shared by `lgc run` and `lgc bench`: optimise the graph,
// JIT-compile it for the host, run it over the executor.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/interpreter/Interpreter.h"
#include "compiler/jit/CompiledModel.h"
#include "runtime/Executor.h"

#include <memory>

namespace lgc {

/// Runs the graph passes on `graph` (weights follow them), then compiles it
/// for the host CPU.
Expected<std::unique_ptr<CompiledModel>> compileForHost(Graph &graph, WeightMap &weights);

/// `requested` threads, or every available core when it is 0.
int threadCount(int requested);

} // namespace lgc
