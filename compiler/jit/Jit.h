//===- compiler/jit/Jit.h - a small ORC LLJIT wrapper -----------*- C++ -*-===//
//
// Create, add a module, look up a symbol: the whole JIT, as in LLVM's
// HowToUseLLJIT example. Symbols of the lgc process (libm's tanhf, expf) are
// visible to the compiled code.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/codegen/Target.h"
#include "runtime/Error.h"

#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/Module.h>

#include <memory>

namespace lgc {

class Jit {
public:
  static Expected<std::unique_ptr<Jit>> create(const Target &target);

  /// Compiles `module` (already optimised) to machine code.
  Error addModule(std::unique_ptr<llvm::Module> module, std::unique_ptr<llvm::LLVMContext> context);

  /// Links a relocatable object (as emitObject writes) into the JIT.
  Error addObject(const std::string &bytes, const std::string &name);

  /// The address of the function `name`.
  Expected<void *> lookup(const std::string &name);

private:
  explicit Jit(std::unique_ptr<llvm::orc::LLJIT> jit) : jit_(std::move(jit)) {}
  std::unique_ptr<llvm::orc::LLJIT> jit_;
};

/// An llvm::Error as an lgc internal error (consumes it).
Error fromLlvm(llvm::Error error, const std::string &what);

} // namespace lgc
