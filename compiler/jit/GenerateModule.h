//===- compiler/jit/GenerateModule.h - a graph as one LLVM module -*- C++ -*-===//
//
// The part of compiling that the JIT, the on-disk cache and ahead-of-time
// objects share: lower every node of an optimised graph to a kernel, emit the
// kernels as one LLVM module for the target, and describe the program that
// runs them (steps, arena plan, weight recipes) as a ProgramImage.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/codegen/Target.h"
#include "compiler/ir/Graph.h"
#include "compiler/lower/Lower.h"
#include "runtime/ProgramImage.h"

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <memory>

namespace lgc {

struct GeneratedModule {
  ProgramImage image;
  std::unique_ptr<llvm::LLVMContext> context;
  std::unique_ptr<llvm::Module> module; ///< Not yet optimised.
};

/// Lowers and emits `graph` (shapes inferred, passes run) for `target`,
/// its activations laid out by `layouts`. `params` are the model file's
/// parameters (paramSpecs of the graph before the passes), which the image's
/// recipes read.
Expected<GeneratedModule> generateModule(const Graph &graph, const std::vector<ParamSpec> &params,
                                         const Target &target,
                                         LayoutPolicy layouts = LayoutPolicy::Auto);

} // namespace lgc
