//===- compiler/codegen/CodeGen.cpp - Loop IR to LLVM IR ------------------===//
//
// Each kernel becomes a function that loads its buffer pointers from the
// argument array and calls the body, a private always-inline function whose
// buffer parameters are `noalias` (distinct buffers never overlap). The body's
// statements and expressions are emitted by the KernelEmitter's other files
// (KernelEmitter.h names them).
//
//===----------------------------------------------------------------------===//
#include "compiler/codegen/CodeGen.h"

#include "compiler/codegen/KernelEmitter.h"

namespace lgc {
namespace codegen {
namespace {

void setTargetAttributes(llvm::Function *f, const Target &t) {
  f->addFnAttr("target-cpu", t.cpu);
  f->addFnAttr("target-features", t.features);
  if (t.vectorWidth == 16) {
    f->addFnAttr("prefer-vector-width", "512");
    f->addFnAttr("min-legal-vector-width", "512");
  }
  f->addFnAttr(llvm::Attribute::NoUnwind);
}

} // namespace

void KernelEmitter::emit() {
  llvm::LLVMContext &ctx = module_.getContext();
  llvm::Type *ptr = builder_.getPtrTy();
  // The body: noalias buffer pointers, always inlined into the entry point.
  std::vector<llvm::Type *> params(kernel_.buffers.size(), ptr);
  params.push_back(i64());
  params.push_back(i64());
  auto *bodyType = llvm::FunctionType::get(builder_.getVoidTy(), params, false);
  bodyFunction_ = llvm::Function::Create(bodyType, llvm::Function::InternalLinkage,
                                         kernel_.name + ".body", module_);
  setTargetAttributes(bodyFunction_, target_);
  bodyFunction_->addFnAttr(llvm::Attribute::AlwaysInline);
  for (size_t i = 0; i < kernel_.buffers.size(); ++i) {
    bodyFunction_->addParamAttr(static_cast<unsigned>(i), llvm::Attribute::NoAlias);
    if (!kernel_.buffers[i].written)
      bodyFunction_->addParamAttr(static_cast<unsigned>(i), llvm::Attribute::ReadOnly);
    buffers_.push_back(bodyFunction_->getArg(static_cast<unsigned>(i)));
  }
  parallelBegin_ = bodyFunction_->getArg(static_cast<unsigned>(kernel_.buffers.size()));
  parallelEnd_ = bodyFunction_->getArg(static_cast<unsigned>(kernel_.buffers.size() + 1));
  builder_.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", bodyFunction_));
  emitStmt(*kernel_.body);
  builder_.CreateRetVoid();

  // The entry point: void NAME(float *const *args, int64_t begin, int64_t end).
  auto *entryType = llvm::FunctionType::get(builder_.getVoidTy(), {ptr, i64(), i64()}, false);
  auto *entry =
      llvm::Function::Create(entryType, llvm::Function::ExternalLinkage, kernel_.name, module_);
  setTargetAttributes(entry, target_);
  builder_.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", entry));
  std::vector<llvm::Value *> args;
  for (size_t i = 0; i < kernel_.buffers.size(); ++i)
    args.push_back(builder_.CreateLoad(ptr, builder_.CreateConstGEP1_64(ptr, entry->getArg(0), i)));
  args.push_back(entry->getArg(1));
  args.push_back(entry->getArg(2));
  builder_.CreateCall(bodyFunction_, args);
  builder_.CreateRetVoid();
}

} // namespace codegen

std::unique_ptr<llvm::Module> emitKernels(const std::vector<const loop::Kernel *> &kernels,
                                          llvm::LLVMContext &context, const Target &target,
                                          const std::string &moduleName) {
  auto module = std::make_unique<llvm::Module>(moduleName, context);
  module->setTargetTriple(target.triple);
  for (const loop::Kernel *k : kernels) codegen::KernelEmitter(*module, *k, target).emit();
  return module;
}

} // namespace lgc
