//===- compiler/codegen/CodeGen.h - Loop IR to LLVM IR ----------*- C++ -*-===//
//
// One visitor from Loop IR to LLVM IR. It knows loops, loads, stores and
// arithmetic, not convolutions: every kernel becomes a function
//
//   void NAME(float *const *args, int64_t begin, int64_t end)
//
// running iterations [begin, end) of the kernel's parallel loop. Vector loops
// become SIMD code: contiguous loads and stores as vector (masked where the
// loop's remainder or a guard leaves lanes off), other accesses as masked
// gathers and scatters.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/codegen/Target.h"
#include "compiler/loop/LoopIR.h"

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <memory>
#include <vector>

namespace lgc {

/// A module holding one function per kernel, for `target`.
std::unique_ptr<llvm::Module> emitKernels(const std::vector<const loop::Kernel *> &kernels,
                                          llvm::LLVMContext &context, const Target &target,
                                          const std::string &moduleName);

/// Runs the kernels' pass pipeline (Optimize.cpp) for the target machine
/// over `module`.
void optimizeModule(llvm::Module &module, llvm::TargetMachine &machine);

/// The module's machine code as an ELF relocatable object, or an error.
Expected<std::string> emitObject(llvm::Module &module, llvm::TargetMachine &machine);

/// The module's machine assembly.
std::string emitAssembly(llvm::Module &module, llvm::TargetMachine &machine);

/// The module's LLVM IR as text.
std::string printModule(const llvm::Module &module);

} // namespace lgc
