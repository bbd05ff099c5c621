//===- compiler/codegen/EmitStatements.cpp - statements and loops ---------===//
//
// Loops are counted loops, but unrolled ones, copied out here with the index
// a constant in each copy; a vector loop runs its body once per W lanes, then
// once more under a constant lane mask for the remainder. Each loop body is a
// scope for the index arithmetic emitted in it, which the rest of the body
// reuses (EmitExpressions.cpp). Locals are allocas in the entry block, vectors
// inside a vector loop.
//
//===----------------------------------------------------------------------===//
#include "compiler/codegen/KernelEmitter.h"

namespace lgc::codegen {

void KernelEmitter::emitStmt(const Stmt &s) {
  switch (s.kind) {
  case StmtKind::Block:
    for (const StmtRef &c : s.body) emitStmt(*c);
    return;
  case StmtKind::For:
    emitFor(s);
    return;
  case StmtKind::Let:
  case StmtKind::Assign:
    emitLocal(s);
    return;
  case StmtKind::Store:
    emitStore(s);
    return;
  case StmtKind::Prefetch:
    emitPrefetch(s);
    return;
  }
}

void KernelEmitter::emitBody(const Stmt &s) {
  for (const StmtRef &c : s.body) emitStmt(*c);
}

void KernelEmitter::emitFor(const Stmt &s) {
  if (s.end <= s.begin) return;
  if (s.loop == LoopKind::Vector && !inVector()) {
    emitVectorLoop(s);
    return;
  }
  if (s.loop == LoopKind::Unrolled) {
    // Unrolled here rather than by LLVM: each copy sees its index as a
    // constant, so addresses fold to a shared base plus a displacement, and
    // LLVM's optimiser has less to do.
    for (int64_t i = s.begin; i < s.end; ++i) {
      vars_[s.name] = builder_.getInt64(i);
      withScope([&] { emitBody(s); });
    }
    vars_.erase(s.name);
    return;
  }
  llvm::Value *begin = builder_.getInt64(s.begin), *end = builder_.getInt64(s.end);
  if (s.loop == LoopKind::Parallel) {
    begin = parallelBegin_;
    end = parallelEnd_;
  }
  if (s.clipBegin) {
    llvm::Value *lo = emit(*s.clipBegin), *hi = emit(*s.clipEnd);
    begin = builder_.CreateSelect(builder_.CreateICmpSGT(lo, begin), lo, begin);
    end = builder_.CreateSelect(builder_.CreateICmpSLT(hi, end), hi, end);
  }
  emitCountedLoop(begin, end, 1, [&](llvm::Value *i) {
    vars_[s.name] = i;
    emitBody(s);
  });
  vars_.erase(s.name);
}

void KernelEmitter::emitCountedLoop(llvm::Value *begin, llvm::Value *end, int64_t step,
                                    const std::function<void(llvm::Value *)> &body) {
  llvm::LLVMContext &ctx = module_.getContext();
  llvm::BasicBlock *pre = builder_.GetInsertBlock();
  auto *loop = llvm::BasicBlock::Create(ctx, "loop", bodyFunction_);
  auto *exit = llvm::BasicBlock::Create(ctx, "loop.exit", bodyFunction_);
  // The parallel range may be empty; constant ranges never are.
  builder_.CreateCondBr(builder_.CreateICmpSLT(begin, end), loop, exit);
  builder_.SetInsertPoint(loop);
  llvm::PHINode *i = builder_.CreatePHI(i64(), 2);
  i->addIncoming(begin, pre);
  withScope([&] { body(i); });
  llvm::Value *next = builder_.CreateAdd(i, builder_.getInt64(step), "", true, true);
  builder_.CreateCondBr(builder_.CreateICmpSLT(next, end), loop, exit);
  i->addIncoming(next, builder_.GetInsertBlock());
  builder_.SetInsertPoint(exit);
}

void KernelEmitter::emitVectorLoop(const Stmt &s) {
  int64_t w = kernel_.vectorWidth, extent = s.end - s.begin;
  int64_t full = extent / w * w, rest = extent - full;
  vecVar_ = s.name;
  if (full > 0)
    emitCountedLoop(builder_.getInt64(s.begin), builder_.getInt64(s.begin + full), w,
                    [&](llvm::Value *base) {
                      vecBase_ = base;
                      emitBody(s);
                    });
  if (rest > 0) {
    std::vector<llvm::Constant *> lanes;
    for (int64_t l = 0; l < w; ++l) lanes.push_back(builder_.getInt1(l < rest));
    remainderMask_ = llvm::ConstantVector::get(lanes);
    vecBase_ = builder_.getInt64(s.begin + full);
    withScope([&] { emitBody(s); });
    remainderMask_ = nullptr;
  }
  vecVar_.clear();
  vecBase_ = nullptr;
}

void KernelEmitter::emitLocal(const Stmt &s) {
  llvm::Value *v = emit(*s.value);
  if (s.kind == StmtKind::Let) {
    llvm::Type *type = inVector() ? llvm::FixedVectorType::get(f32(), width()) : f32();
    llvm::IRBuilder<> entry(&bodyFunction_->getEntryBlock(),
                            bodyFunction_->getEntryBlock().begin());
    locals_[s.name] = entry.CreateAlloca(type, nullptr, s.name);
  }
  llvm::AllocaInst *slot = locals_.at(s.name);
  if (slot->getAllocatedType()->isVectorTy()) v = vectorOf(v);
  builder_.CreateStore(v, slot);
}

void KernelEmitter::withScope(const std::function<void()> &body) {
  emitted_.emplace_back();
  body();
  emitted_.pop_back();
}

} // namespace lgc::codegen
