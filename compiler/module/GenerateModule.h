//===- compiler/module/GenerateModule.h - a graph as one LLVM module -*- C++ -*-===//
//
// The part of compiling that the JIT, the on-disk cache and ahead-of-time
// objects share: lower every node of an optimised graph to a kernel, emit the
// kernels as LLVM modules for the target (one, or several for parallel
// compilation), and describe the program that runs them (steps, arena plan,
// weight recipes) as a ProgramImage.
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
#include <vector>

namespace lgc {

/// A share of the kernels in a module of its own, with its own context, so
/// that the shares can be optimised and compiled on separate threads.
struct ModulePart {
  std::unique_ptr<llvm::LLVMContext> context;
  std::unique_ptr<llvm::Module> module; ///< Not yet optimised.
};

struct GeneratedModule {
  ProgramImage image;
  std::vector<ModulePart> parts;
};

/// Lowers and emits `graph` (shapes inferred, passes run) for `target`,
/// its activations laid out by `layouts`, the kernels spread over `parts`
/// modules (at most one per kernel) of about equal size. `params` are the
/// model file's parameters (paramSpecs of the graph before the passes),
/// which the image's recipes read.
Expected<GeneratedModule> generateModule(const Graph &graph, const std::vector<ParamSpec> &params,
                                         const Target &target,
                                         LayoutPolicy layouts = LayoutPolicy::Auto, int parts = 1);

} // namespace lgc
