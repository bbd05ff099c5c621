//===- compiler/codegen/KernelEmitter.h - one kernel to LLVM IR -*- C++ -*-===//
//
// The visitor behind emitKernels (CodeGen.h), private to compiler/codegen:
// its state is shared by the files that emit each kind of Loop IR, the
// kernel's functions (CodeGen.cpp), statements and loops
// (EmitStatements.cpp), expressions (EmitExpressions.cpp), and loads, stores
// and prefetches (EmitMemory.cpp).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/codegen/Target.h"
#include "compiler/loop/LoopIR.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lgc::codegen {

using namespace loop;

/// Emits one kernel's functions into a module: emit() once per kernel.
class KernelEmitter {
public:
  KernelEmitter(llvm::Module &module, const Kernel &kernel, const Target &target)
      : module_(module), kernel_(kernel), builder_(module.getContext()), target_(target) {}

  void emit();

private:
  // Statements (EmitStatements.cpp; stores and prefetches in EmitMemory.cpp).
  void emitStmt(const Stmt &s);
  void emitFor(const Stmt &s);
  void emitCountedLoop(llvm::Value *begin, llvm::Value *end, int64_t step,
                       const std::function<void(llvm::Value *)> &body);
  void emitVectorLoop(const Stmt &s);
  void emitBody(const Stmt &s);
  void emitLocal(const Stmt &s);
  void emitStore(const Stmt &s);
  void emitPrefetch(const Stmt &s);

  // Expressions (EmitExpressions.cpp).
  llvm::Value *emit(const Expr &e);
  llvm::Value *emitBinary(const Expr &e);
  llvm::Value *emitCall(const Expr &e);
  bool varies(const Expr &e) const;
  llvm::Value *vectorOf(llvm::Value *v);
  std::pair<llvm::Value *, int64_t> emitAffine(const Expr &e);
  std::pair<llvm::Value *, int64_t> emitAffineParts(const Expr &e);

  // Memory accesses (EmitMemory.cpp).
  llvm::Value *emitLoad(const Expr &e);
  llvm::Value *emitStridedLoad(const Expr &e, const E &flat, int64_t stride, llvm::Value *mask);
  llvm::Value *laneMask(const Expr *guard);
  llvm::Value *address(int buffer, llvm::Value *index);
  llvm::Value *scalarAddress(int buffer, const E &flat);

  llvm::Type *f32() { return builder_.getFloatTy(); }
  llvm::Type *i64() { return builder_.getInt64Ty(); }
  llvm::Constant *splatF(float v) {
    return llvm::ConstantVector::getSplat(llvm::ElementCount::getFixed(width()),
                                          llvm::ConstantFP::get(f32(), v));
  }
  unsigned width() const { return static_cast<unsigned>(kernel_.vectorWidth); }
  bool inVector() const { return !vecVar_.empty(); }

  llvm::Module &module_;
  const Kernel &kernel_;
  llvm::IRBuilder<> builder_;
  const Target &target_;
  llvm::Function *bodyFunction_ = nullptr;
  llvm::Value *parallelBegin_ = nullptr, *parallelEnd_ = nullptr;
  std::vector<llvm::Value *> buffers_;
  std::map<std::string, llvm::Value *> vars_;
  std::map<std::string, llvm::AllocaInst *> locals_;
  // The enclosing vector loop: its variable, lane-0 value, remainder mask.
  std::string vecVar_;
  llvm::Value *vecBase_ = nullptr;
  llvm::Value *remainderMask_ = nullptr;
  bool laneZero_ = false; ///< Evaluate the vector variable as its lane-0 value.
  /// Integer index arithmetic already emitted, by what it computes (see
  /// integerKey), one map per enclosing loop body: a value emitted in a body
  /// is reused by the rest of that body and the bodies inside it.
  std::vector<std::map<std::string, std::pair<llvm::Value *, int64_t>>> emitted_{{}};
  std::string integerKey(const Expr &e) const;
  /// What was emitted for `key` in an enclosing body, or null ("" is never
  /// emitted).
  const std::pair<llvm::Value *, int64_t> *findEmitted(const std::string &key) const;
  void withScope(const std::function<void()> &body);
};

} // namespace lgc::codegen
