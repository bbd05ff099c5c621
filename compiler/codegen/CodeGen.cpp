//===- compiler/codegen/CodeGen.cpp - Loop IR to LLVM IR ------------------===//
//
// 1. Each kernel becomes a function that loads its buffer pointers from the
//    argument array and calls the body, a private always-inline function
//    whose buffer parameters are `noalias` (distinct buffers never overlap).
// 2. Statements: loops are counted loops, but unrolled ones, copied out here
//    with the index a constant in each copy; a vector loop runs its body once
//    per W lanes, then once more under a constant lane mask for the
//    remainder. Index arithmetic is emitted once per loop body and reused.
// 3. Expressions are scalar unless they vary across the lanes of the
//    enclosing vector loop. A varying load or store whose flat index moves by
//    one per lane is a (masked) vector access; a load whose index moves by 2-4
//    is one masked load and a shuffle; any other is a masked gather or
//    scatter. A guarded load never touches memory where its guard is off.
//
//===----------------------------------------------------------------------===//
#include "compiler/codegen/CodeGen.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Verifier.h>

#include <cstdio>
#include <functional>
#include <map>
#include <optional>

namespace lgc {

using namespace loop;

namespace {

bool mentions(const Expr &e, const std::string &v) {
  if (e.kind == ExprKind::Var && e.name == v) return true;
  for (const ExprRef &o : e.operands)
    if (mentions(*o, v)) return true;
  return e.guard && mentions(*e.guard, v);
}

/// How much `e` changes when `v` grows by one, if `e` is affine in `v`.
std::optional<int64_t> coefficient(const Expr &e, const std::string &v) {
  if (!mentions(e, v)) return 0;
  if (e.kind == ExprKind::Var) return 1;
  if (e.kind != ExprKind::Binary) return std::nullopt;
  auto a = coefficient(*e.operands[0], v), b = coefficient(*e.operands[1], v);
  if (!a || !b) return std::nullopt;
  switch (e.op) {
  case BinOp::Add:
    return *a + *b;
  case BinOp::Sub:
    return *a - *b;
  case BinOp::Mul:
    if (e.operands[1]->kind == ExprKind::Int) return *a * e.operands[1]->intValue;
    if (e.operands[0]->kind == ExprKind::Int) return *b * e.operands[0]->intValue;
    return std::nullopt;
  default:
    return std::nullopt;
  }
}

/// The flat (row-major) index of `indices` into a buffer of `shape`.
E flatIndex(const Shape &shape, const std::vector<ExprRef> &indices) {
  E flat(int64_t(0));
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    flat = E(indices[d]) * E(stride) + flat;
    stride *= shape[d];
  }
  return flat;
}

/// Lane strides up to this are loaded whole and shuffled, not gathered.
constexpr int64_t kMaxLoadStride = 4;

class KernelEmitter {
public:
  KernelEmitter(llvm::Module &module, const Kernel &kernel, const Target &target)
      : m_(module), k_(kernel), b_(module.getContext()), target_(target) {}

  void emit();

private:
  // Statements.
  void emitStmt(const Stmt &s);
  void emitFor(const Stmt &s);
  void emitCountedLoop(llvm::Value *begin, llvm::Value *end, int64_t step,
                       const std::function<void(llvm::Value *)> &body);
  void emitVectorLoop(const Stmt &s);
  void emitBody(const Stmt &s);
  void emitStore(const Stmt &s);
  void emitPrefetch(const Stmt &s);
  void emitLocal(const Stmt &s);

  // Expressions.
  llvm::Value *emit(const Expr &e);
  llvm::Value *emitBinary(const Expr &e);
  llvm::Value *emitCall(const Expr &e);
  llvm::Value *emitLoad(const Expr &e);
  llvm::Value *emitStridedLoad(const Expr &e, const E &flat, int64_t stride, llvm::Value *mask);
  bool varies(const Expr &e) const;
  llvm::Value *laneMask(const Expr *guard);
  llvm::Value *vectorOf(llvm::Value *v);
  llvm::Value *address(int buffer, llvm::Value *index);
  llvm::Value *scalarAddress(int buffer, const E &flat);
  std::pair<llvm::Value *, int64_t> emitAffine(const Expr &e);
  std::pair<llvm::Value *, int64_t> emitAffineParts(const Expr &e);

  llvm::Type *f32() { return b_.getFloatTy(); }
  llvm::Type *i64() { return b_.getInt64Ty(); }
  llvm::Constant *splatF(float v) {
    return llvm::ConstantVector::getSplat(llvm::ElementCount::getFixed(width()),
                                          llvm::ConstantFP::get(f32(), v));
  }
  unsigned width() const { return static_cast<unsigned>(k_.vectorWidth); }
  bool inVector() const { return !vecVar_.empty(); }

  llvm::Module &m_;
  const Kernel &k_;
  llvm::IRBuilder<> b_;
  const Target &target_;
  llvm::Function *fn_ = nullptr;
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

void setTargetAttributes(llvm::Function *f, const Target &t) {
  f->addFnAttr("target-cpu", t.cpu);
  f->addFnAttr("target-features", t.features);
  if (t.vectorWidth == 16) {
    f->addFnAttr("prefer-vector-width", "512");
    f->addFnAttr("min-legal-vector-width", "512");
  }
  f->addFnAttr(llvm::Attribute::NoUnwind);
}

void KernelEmitter::emit() {
  llvm::LLVMContext &ctx = m_.getContext();
  llvm::Type *ptr = b_.getPtrTy();
  // The body: noalias buffer pointers, always inlined into the entry point.
  std::vector<llvm::Type *> params(k_.buffers.size(), ptr);
  params.push_back(i64());
  params.push_back(i64());
  auto *bodyType = llvm::FunctionType::get(b_.getVoidTy(), params, false);
  fn_ = llvm::Function::Create(bodyType, llvm::Function::InternalLinkage, k_.name + ".body", m_);
  setTargetAttributes(fn_, target_);
  fn_->addFnAttr(llvm::Attribute::AlwaysInline);
  for (size_t i = 0; i < k_.buffers.size(); ++i) {
    fn_->addParamAttr(static_cast<unsigned>(i), llvm::Attribute::NoAlias);
    if (!k_.buffers[i].written)
      fn_->addParamAttr(static_cast<unsigned>(i), llvm::Attribute::ReadOnly);
    buffers_.push_back(fn_->getArg(static_cast<unsigned>(i)));
  }
  parallelBegin_ = fn_->getArg(static_cast<unsigned>(k_.buffers.size()));
  parallelEnd_ = fn_->getArg(static_cast<unsigned>(k_.buffers.size() + 1));
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", fn_));
  emitStmt(*k_.body);
  b_.CreateRetVoid();

  // The entry point: void NAME(float *const *args, int64_t begin, int64_t end).
  auto *entryType = llvm::FunctionType::get(b_.getVoidTy(), {ptr, i64(), i64()}, false);
  auto *entry = llvm::Function::Create(entryType, llvm::Function::ExternalLinkage, k_.name, m_);
  setTargetAttributes(entry, target_);
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", entry));
  std::vector<llvm::Value *> args;
  for (size_t i = 0; i < k_.buffers.size(); ++i)
    args.push_back(b_.CreateLoad(ptr, b_.CreateConstGEP1_64(ptr, entry->getArg(0), i)));
  args.push_back(entry->getArg(1));
  args.push_back(entry->getArg(2));
  b_.CreateCall(fn_, args);
  b_.CreateRetVoid();
}

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
      vars_[s.name] = b_.getInt64(i);
      withScope([&] { emitBody(s); });
    }
    vars_.erase(s.name);
    return;
  }
  llvm::Value *begin = b_.getInt64(s.begin), *end = b_.getInt64(s.end);
  if (s.loop == LoopKind::Parallel) {
    begin = parallelBegin_;
    end = parallelEnd_;
  }
  if (s.clipBegin) {
    llvm::Value *lo = emit(*s.clipBegin), *hi = emit(*s.clipEnd);
    begin = b_.CreateSelect(b_.CreateICmpSGT(lo, begin), lo, begin);
    end = b_.CreateSelect(b_.CreateICmpSLT(hi, end), hi, end);
  }
  emitCountedLoop(begin, end, 1, [&](llvm::Value *i) {
    vars_[s.name] = i;
    emitBody(s);
  });
  vars_.erase(s.name);
}

void KernelEmitter::emitCountedLoop(llvm::Value *begin, llvm::Value *end, int64_t step,
                                    const std::function<void(llvm::Value *)> &body) {
  llvm::LLVMContext &ctx = m_.getContext();
  llvm::BasicBlock *pre = b_.GetInsertBlock();
  auto *loop = llvm::BasicBlock::Create(ctx, "loop", fn_);
  auto *exit = llvm::BasicBlock::Create(ctx, "loop.exit", fn_);
  // The parallel range may be empty; constant ranges never are.
  b_.CreateCondBr(b_.CreateICmpSLT(begin, end), loop, exit);
  b_.SetInsertPoint(loop);
  llvm::PHINode *i = b_.CreatePHI(i64(), 2);
  i->addIncoming(begin, pre);
  withScope([&] { body(i); });
  llvm::Value *next = b_.CreateAdd(i, b_.getInt64(step), "", true, true);
  b_.CreateCondBr(b_.CreateICmpSLT(next, end), loop, exit);
  i->addIncoming(next, b_.GetInsertBlock());
  b_.SetInsertPoint(exit);
}

void KernelEmitter::emitVectorLoop(const Stmt &s) {
  int64_t w = k_.vectorWidth, extent = s.end - s.begin;
  int64_t full = extent / w * w, rest = extent - full;
  vecVar_ = s.name;
  if (full > 0)
    emitCountedLoop(b_.getInt64(s.begin), b_.getInt64(s.begin + full), w, [&](llvm::Value *base) {
      vecBase_ = base;
      emitBody(s);
    });
  if (rest > 0) {
    std::vector<llvm::Constant *> lanes;
    for (int64_t l = 0; l < w; ++l) lanes.push_back(b_.getInt1(l < rest));
    remainderMask_ = llvm::ConstantVector::get(lanes);
    vecBase_ = b_.getInt64(s.begin + full);
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
    llvm::IRBuilder<> entry(&fn_->getEntryBlock(), fn_->getEntryBlock().begin());
    locals_[s.name] = entry.CreateAlloca(type, nullptr, s.name);
  }
  llvm::AllocaInst *slot = locals_.at(s.name);
  if (slot->getAllocatedType()->isVectorTy()) v = vectorOf(v);
  b_.CreateStore(v, slot);
}

bool KernelEmitter::varies(const Expr &e) const {
  if (!inVector() || laneZero_) return false;
  if (e.kind == ExprKind::Var) return e.name == vecVar_;
  if (e.kind == ExprKind::Local) return locals_.at(e.name)->getAllocatedType()->isVectorTy();
  for (const ExprRef &o : e.operands)
    if (varies(*o)) return true;
  return e.guard && varies(*e.guard);
}

llvm::Value *KernelEmitter::vectorOf(llvm::Value *v) {
  return v->getType()->isVectorTy() ? v : b_.CreateVectorSplat(width(), v);
}

llvm::Value *KernelEmitter::address(int buffer, llvm::Value *index) {
  return b_.CreateGEP(f32(), buffers_[static_cast<size_t>(buffer)], index);
}

/// The address of element `flat` for lane 0: the variable part of the index
/// and then its constant part, so accesses that differ by a constant share
/// one base (an x86 displacement each).
llvm::Value *KernelEmitter::scalarAddress(int buffer, const E &flat) {
  bool saved = laneZero_;
  laneZero_ = true;
  auto [variable, constant] = emitAffine(*flat.ref());
  laneZero_ = saved;
  llvm::Value *base = buffers_[static_cast<size_t>(buffer)];
  if (variable) base = b_.CreateGEP(f32(), base, variable);
  return constant ? b_.CreateConstGEP1_64(f32(), base, uint64_t(constant)) : base;
}

/// Integer `e` as an emitted variable part (null if none) plus a constant:
/// sums, differences and products by constants are split; integer constants
/// and the variables of unrolled loops go to the constant.
std::pair<llvm::Value *, int64_t> KernelEmitter::emitAffine(const Expr &e) {
  if (e.kind == ExprKind::Int) return {nullptr, e.intValue};
  std::string key = integerKey(e);
  if (!key.empty()) key = "affine " + key;
  if (const auto *known = findEmitted(key)) return *known;
  auto parts = emitAffineParts(e);
  if (!key.empty()) emitted_.back()[key] = parts;
  return parts;
}

std::pair<llvm::Value *, int64_t> KernelEmitter::emitAffineParts(const Expr &e) {
  if (e.kind == ExprKind::Var && !(e.name == vecVar_ && inVector()))
    if (auto *c = llvm::dyn_cast<llvm::ConstantInt>(vars_.at(e.name)))
      return {nullptr, c->getSExtValue()};
  if (e.kind == ExprKind::Binary && (e.op == BinOp::Add || e.op == BinOp::Sub)) {
    auto [a, ca] = emitAffine(*e.operands[0]);
    auto [b, cb] = emitAffine(*e.operands[1]);
    bool add = e.op == BinOp::Add;
    llvm::Value *v = a;
    if (b)
      v = !a    ? (add ? b : b_.CreateNeg(b))
          : add ? b_.CreateAdd(a, b, "", false, true)
                : b_.CreateSub(a, b, "", false, true);
    return {v, add ? ca + cb : ca - cb};
  }
  if (e.kind == ExprKind::Binary && e.op == BinOp::Mul) {
    for (int k = 0; k < 2; ++k)
      if (e.operands[size_t(k)]->kind == ExprKind::Int) {
        int64_t factor = e.operands[size_t(k)]->intValue;
        auto [a, ca] = emitAffine(*e.operands[size_t(1 - k)]);
        return {a ? b_.CreateMul(a, b_.getInt64(factor), "", false, true) : nullptr, ca * factor};
      }
  }
  return {emit(e), 0};
}

/// The lanes a vector access may touch: the remainder mask and the guard.
llvm::Value *KernelEmitter::laneMask(const Expr *guard) {
  llvm::Value *mask = remainderMask_;
  if (guard) {
    llvm::Value *g = vectorOf(emit(*guard));
    mask = mask ? b_.CreateAnd(mask, g) : g;
  }
  return mask;
}

/// What integer expression `e` computes, as text over the values its loop
/// variables have now (so an unrolled loop's copies differ), or "" when it
/// reads memory, locals or floats (those are not reused).
std::string KernelEmitter::integerKey(const Expr &e) const {
  switch (e.kind) {
  case ExprKind::Int:
    return std::to_string(e.intValue) + (e.type == Type::Bool ? "b" : "");
  case ExprKind::Var: {
    bool lanes = e.name == vecVar_ && inVector();
    const void *v = lanes ? static_cast<const void *>(vecBase_) : vars_.at(e.name);
    char text[48];
    std::snprintf(text, sizeof text, "%s%p", !lanes ? "v" : laneZero_ ? "l" : "V", v);
    return text;
  }
  case ExprKind::Binary: {
    if (e.operands[0]->type == Type::F32) return "";
    std::string a = integerKey(*e.operands[0]), b = integerKey(*e.operands[1]);
    if (a.empty() || b.empty()) return "";
    return "(" + std::to_string(int(e.op)) + " " + a + " " + b + ")";
  }
  default:
    return "";
  }
}

const std::pair<llvm::Value *, int64_t> *KernelEmitter::findEmitted(const std::string &key) const {
  if (key.empty()) return nullptr;
  for (auto scope = emitted_.rbegin(); scope != emitted_.rend(); ++scope)
    if (auto it = scope->find(key); it != scope->end()) return &it->second;
  return nullptr;
}

void KernelEmitter::withScope(const std::function<void()> &body) {
  emitted_.emplace_back();
  body();
  emitted_.pop_back();
}

llvm::Value *KernelEmitter::emitLoad(const Expr &e) {
  const Shape &shape = k_.buffers[static_cast<size_t>(e.buffer)].shape;
  E flat = flatIndex(shape, e.operands);
  llvm::Align align(4);
  if (!varies(e)) {
    llvm::Value *ptr = scalarAddress(e.buffer, flat);
    if (!e.guard) return b_.CreateLoad(f32(), ptr);
    // Read element 0 (always valid) where the guard is off, then select.
    llvm::Value *g = emit(*e.guard);
    llvm::Value *base = buffers_[static_cast<size_t>(e.buffer)];
    llvm::Value *v = b_.CreateLoad(f32(), b_.CreateSelect(g, ptr, base));
    return b_.CreateSelect(g, v, llvm::ConstantFP::get(f32(), e.fill));
  }
  auto *vecType = llvm::FixedVectorType::get(f32(), width());
  llvm::Value *mask = laneMask(e.guard.get());
  std::optional<int64_t> stride = coefficient(*flat.ref(), vecVar_);
  if (stride == 1) {
    llvm::Value *ptr = scalarAddress(e.buffer, flat);
    if (!mask) return b_.CreateAlignedLoad(vecType, ptr, align);
    return b_.CreateMaskedLoad(vecType, ptr, align, mask, splatF(e.fill));
  }
  if (stride && *stride >= 2 && *stride <= kMaxLoadStride)
    return emitStridedLoad(e, flat, *stride, mask);
  llvm::Value *ptrs = address(e.buffer, vectorOf(emit(*flat.ref())));
  return b_.CreateMaskedGather(vecType, ptrs, align, mask, splatF(e.fill));
}

/// Lanes `stride` elements apart (a stride-2 pool or convolution): one masked
/// load of the whole span, reading only the lanes' own elements, then a
/// shuffle that picks every stride-th. A gather costs about one load per lane.
llvm::Value *KernelEmitter::emitStridedLoad(const Expr &e, const E &flat, int64_t stride,
                                            llvm::Value *mask) {
  int64_t w = width(), span = w * stride;
  std::vector<int> spread, pick;
  for (int64_t j = 0; j < span; ++j) spread.push_back(int(j % stride == 0 ? j / stride : w));
  for (int64_t l = 0; l < w; ++l) pick.push_back(int(l * stride));
  llvm::Value *lanes =
      mask ? mask
           : llvm::ConstantInt::getTrue(llvm::FixedVectorType::get(b_.getInt1Ty(), unsigned(w)));
  llvm::Value *off = llvm::Constant::getNullValue(lanes->getType());
  llvm::Value *spanMask = b_.CreateShuffleVector(lanes, off, spread);
  auto *spanType = llvm::FixedVectorType::get(f32(), unsigned(span));
  llvm::Value *fill = b_.CreateVectorSplat(unsigned(span), llvm::ConstantFP::get(f32(), e.fill));
  llvm::Value *all =
      b_.CreateMaskedLoad(spanType, scalarAddress(e.buffer, flat), llvm::Align(4), spanMask, fill);
  return b_.CreateShuffleVector(all, pick);
}

void KernelEmitter::emitStore(const Stmt &s) {
  const Shape &shape = k_.buffers[static_cast<size_t>(s.buffer)].shape;
  E flat = flatIndex(shape, s.indices);
  llvm::Value *value = emit(*s.value);
  llvm::Align align(4);
  if (!inVector()) {
    llvm::Value *ptr = scalarAddress(s.buffer, flat);
    if (!s.guard) {
      b_.CreateStore(value, ptr);
      return;
    }
    auto *then = llvm::BasicBlock::Create(m_.getContext(), "store", fn_);
    auto *done = llvm::BasicBlock::Create(m_.getContext(), "store.done", fn_);
    b_.CreateCondBr(emit(*s.guard), then, done);
    b_.SetInsertPoint(then);
    b_.CreateStore(value, ptr);
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    return;
  }
  value = vectorOf(value);
  llvm::Value *mask = laneMask(s.guard.get());
  if (coefficient(*flat.ref(), vecVar_) == 1) {
    llvm::Value *ptr = scalarAddress(s.buffer, flat);
    if (!mask)
      b_.CreateAlignedStore(value, ptr, align);
    else
      b_.CreateMaskedStore(value, ptr, align, mask);
    return;
  }
  llvm::Value *ptrs = address(s.buffer, vectorOf(emit(*flat.ref())));
  b_.CreateMaskedScatter(value, ptrs, align, mask);
}

/// llvm.prefetch of the element's line for reading, into L2 (locality 2:
/// prefetcht1 on x86). Lane 0's address inside a vector loop.
void KernelEmitter::emitPrefetch(const Stmt &s) {
  const Shape &shape = k_.buffers[static_cast<size_t>(s.buffer)].shape;
  llvm::Value *ptr = scalarAddress(s.buffer, flatIndex(shape, s.indices));
  b_.CreateIntrinsic(llvm::Intrinsic::prefetch, {ptr->getType()},
                     {ptr, b_.getInt32(0), b_.getInt32(2), b_.getInt32(1)});
}

llvm::Value *KernelEmitter::emit(const Expr &e) {
  switch (e.kind) {
  case ExprKind::Int:
    return e.type == Type::Bool ? b_.getInt1(e.intValue != 0) : b_.getInt64(e.intValue);
  case ExprKind::Float:
    return llvm::ConstantFP::get(f32(), e.floatValue);
  case ExprKind::Var: {
    if (e.name == vecVar_ && inVector()) {
      if (laneZero_) return vecBase_;
      std::vector<llvm::Constant *> steps;
      for (unsigned l = 0; l < width(); ++l) steps.push_back(b_.getInt64(l));
      return b_.CreateAdd(b_.CreateVectorSplat(width(), vecBase_),
                          llvm::ConstantVector::get(steps));
    }
    return vars_.at(e.name);
  }
  case ExprKind::Local: {
    llvm::AllocaInst *slot = locals_.at(e.name);
    return b_.CreateLoad(slot->getAllocatedType(), slot);
  }
  case ExprKind::Binary: {
    std::string key = integerKey(e);
    if (const auto *known = findEmitted(key)) return known->first;
    llvm::Value *v = emitBinary(e);
    if (!key.empty()) emitted_.back()[key] = {v, 0};
    return v;
  }
  case ExprKind::Select: {
    llvm::Value *c = emit(*e.operands[0]), *a = emit(*e.operands[1]), *b = emit(*e.operands[2]);
    if (c->getType()->isVectorTy() || a->getType()->isVectorTy() || b->getType()->isVectorTy()) {
      a = vectorOf(a);
      b = vectorOf(b);
      if (!c->getType()->isVectorTy()) c = vectorOf(c);
    }
    return b_.CreateSelect(c, a, b);
  }
  case ExprKind::Call:
    return emitCall(e);
  case ExprKind::Load:
    return emitLoad(e);
  case ExprKind::Cast: {
    llvm::Value *v = emit(*e.operands[0]);
    llvm::Type *to =
        v->getType()->isVectorTy() ? llvm::FixedVectorType::get(f32(), width()) : f32();
    return b_.CreateSIToFP(v, to);
  }
  }
  return nullptr;
}

llvm::Value *KernelEmitter::emitBinary(const Expr &e) {
  llvm::Value *a = emit(*e.operands[0]), *b = emit(*e.operands[1]);
  if (a->getType()->isVectorTy() != b->getType()->isVectorTy()) {
    a = vectorOf(a);
    b = vectorOf(b);
  }
  bool isFloat = e.operands[0]->type == Type::F32;
  switch (e.op) {
  case BinOp::Add:
    return isFloat ? b_.CreateFAdd(a, b) : b_.CreateAdd(a, b, "", false, true);
  case BinOp::Sub:
    return isFloat ? b_.CreateFSub(a, b) : b_.CreateSub(a, b, "", false, true);
  case BinOp::Mul:
    return isFloat ? b_.CreateFMul(a, b) : b_.CreateMul(a, b, "", false, true);
  case BinOp::Div:
    return b_.CreateFDiv(a, b);
  case BinOp::FloorDiv: { // b > 0: truncating quotient, minus one for negative remainders
    llvm::Value *q = b_.CreateSDiv(a, b), *r = b_.CreateSRem(a, b);
    return b_.CreateSub(
        q, b_.CreateZExt(b_.CreateICmpSLT(r, llvm::Constant::getNullValue(r->getType())),
                         a->getType()));
  }
  case BinOp::Mod: {
    llvm::Value *r = b_.CreateSRem(a, b);
    llvm::Value *negative = b_.CreateICmpSLT(r, llvm::Constant::getNullValue(r->getType()));
    return b_.CreateSelect(negative, b_.CreateAdd(r, b), r);
  }
  case BinOp::Min:
    return isFloat ? b_.CreateSelect(b_.CreateFCmpOLT(b, a), b, a)
                   : b_.CreateSelect(b_.CreateICmpSLT(b, a), b, a);
  case BinOp::Max:
    return isFloat ? b_.CreateSelect(b_.CreateFCmpOGT(b, a), b, a)
                   : b_.CreateSelect(b_.CreateICmpSGT(b, a), b, a);
  case BinOp::Lt:
    return isFloat ? b_.CreateFCmpOLT(a, b) : b_.CreateICmpSLT(a, b);
  case BinOp::Le:
    return isFloat ? b_.CreateFCmpOLE(a, b) : b_.CreateICmpSLE(a, b);
  case BinOp::Eq:
    return isFloat ? b_.CreateFCmpOEQ(a, b) : b_.CreateICmpEQ(a, b);
  case BinOp::And:
    return b_.CreateAnd(a, b);
  case BinOp::Or:
    return b_.CreateOr(a, b);
  }
  return nullptr;
}

llvm::Value *KernelEmitter::emitCall(const Expr &e) {
  std::vector<llvm::Value *> args;
  bool vector = false;
  for (const ExprRef &o : e.operands) {
    args.push_back(emit(*o));
    vector |= args.back()->getType()->isVectorTy();
  }
  if (vector)
    for (llvm::Value *&a : args) a = vectorOf(a);
  llvm::Type *type = args[0]->getType();
  switch (e.callee) {
  case Callee::Fma:
    return b_.CreateIntrinsic(llvm::Intrinsic::fma, {type}, args);
  case Callee::Exp:
    return b_.CreateIntrinsic(llvm::Intrinsic::exp, {type}, args);
  case Callee::Sqrt:
    return b_.CreateIntrinsic(llvm::Intrinsic::sqrt, {type}, args);
  case Callee::Tanh: {
    llvm::FunctionCallee tanhf = m_.getOrInsertFunction("tanhf", f32(), f32());
    if (!vector) return b_.CreateCall(tanhf, args);
    llvm::Value *out = llvm::UndefValue::get(type);
    for (unsigned l = 0; l < width(); ++l)
      out = b_.CreateInsertElement(out, b_.CreateCall(tanhf, {b_.CreateExtractElement(args[0], l)}),
                                   l);
    return out;
  }
  }
  return nullptr;
}

} // namespace

std::unique_ptr<llvm::Module> emitKernels(const std::vector<const Kernel *> &kernels,
                                          llvm::LLVMContext &context, const Target &target,
                                          const std::string &moduleName) {
  auto module = std::make_unique<llvm::Module>(moduleName, context);
  module->setTargetTriple(target.triple);
  for (const Kernel *k : kernels) KernelEmitter(*module, *k, target).emit();
  return module;
}

} // namespace lgc
