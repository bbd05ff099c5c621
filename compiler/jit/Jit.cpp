//===- compiler/jit/Jit.cpp - a small ORC LLJIT wrapper -------------------===//
#include "compiler/jit/Jit.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>

namespace lgc {

Error fromLlvm(llvm::Error error, const std::string &what) {
  return Error::internal(what + ": " + llvm::toString(std::move(error)));
}

Expected<std::unique_ptr<Jit>> Jit::create(const Target &target) {
  initialiseLlvm();
  llvm::orc::JITTargetMachineBuilder machine{llvm::Triple(target.triple)};
  machine.setCPU(target.cpu);
  llvm::SubtargetFeatures features(target.features);
  machine.addFeatures(features.getFeatures());
  machine.setCodeGenOptLevel(llvm::CodeGenOpt::Aggressive);
  auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(machine)).create();
  if (!jit) return fromLlvm(jit.takeError(), "cannot create the JIT");
  char prefix = (*jit)->getDataLayout().getGlobalPrefix();
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(prefix);
  if (!process) return fromLlvm(process.takeError(), "cannot expose process symbols to the JIT");
  (*jit)->getMainJITDylib().addGenerator(std::move(*process));
  return std::unique_ptr<Jit>(new Jit(std::move(*jit)));
}

Error Jit::addModule(std::unique_ptr<llvm::Module> module,
                     std::unique_ptr<llvm::LLVMContext> context) {
  module->setDataLayout(jit_->getDataLayout());
  llvm::orc::ThreadSafeModule tsm(std::move(module), std::move(context));
  if (llvm::Error e = jit_->addIRModule(std::move(tsm)))
    return fromLlvm(std::move(e), "cannot add the module to the JIT");
  return Error();
}

Error Jit::addObject(const std::string &bytes, const std::string &name) {
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(bytes, name);
  if (llvm::Error e = jit_->addObjectFile(std::move(buffer)))
    return fromLlvm(std::move(e), "cannot load compiled code '" + name + "'");
  return Error();
}

Expected<void *> Jit::lookup(const std::string &name) {
  auto symbol = jit_->lookup(name);
  if (!symbol) return fromLlvm(symbol.takeError(), "cannot find '" + name + "'");
  return symbol->toPtr<void *>();
}

} // namespace lgc
