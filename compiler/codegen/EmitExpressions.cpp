//===- compiler/codegen/EmitExpressions.cpp - arithmetic, calls, selects --===//
//
// Expressions are scalar unless they vary across the lanes of the enclosing
// vector loop; a scalar meeting a vector is splatted. Integer index
// arithmetic is emitted once per loop body and reused, keyed by what it
// computes (integerKey); addresses take it apart into a variable part and a
// constant (emitAffine), so accesses that differ by a constant share a base.
//
//===----------------------------------------------------------------------===//
#include "compiler/codegen/KernelEmitter.h"

#include <llvm/IR/Intrinsics.h>

#include <cstdio>

namespace lgc::codegen {

llvm::Value *KernelEmitter::emit(const Expr &e) {
  switch (e.kind) {
  case ExprKind::Int:
    return e.type == Type::Bool ? builder_.getInt1(e.intValue != 0) : builder_.getInt64(e.intValue);
  case ExprKind::Float:
    return llvm::ConstantFP::get(f32(), e.floatValue);
  case ExprKind::Var: {
    if (e.name == vecVar_ && inVector()) {
      if (laneZero_) return vecBase_;
      std::vector<llvm::Constant *> steps;
      for (unsigned l = 0; l < width(); ++l) steps.push_back(builder_.getInt64(l));
      return builder_.CreateAdd(builder_.CreateVectorSplat(width(), vecBase_),
                                llvm::ConstantVector::get(steps));
    }
    return vars_.at(e.name);
  }
  case ExprKind::Local: {
    llvm::AllocaInst *slot = locals_.at(e.name);
    return builder_.CreateLoad(slot->getAllocatedType(), slot);
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
    return builder_.CreateSelect(c, a, b);
  }
  case ExprKind::Call:
    return emitCall(e);
  case ExprKind::Load:
    return emitLoad(e);
  case ExprKind::Cast: {
    llvm::Value *v = emit(*e.operands[0]);
    llvm::Type *to =
        v->getType()->isVectorTy() ? llvm::FixedVectorType::get(f32(), width()) : f32();
    return builder_.CreateSIToFP(v, to);
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
    return isFloat ? builder_.CreateFAdd(a, b) : builder_.CreateAdd(a, b, "", false, true);
  case BinOp::Sub:
    return isFloat ? builder_.CreateFSub(a, b) : builder_.CreateSub(a, b, "", false, true);
  case BinOp::Mul:
    return isFloat ? builder_.CreateFMul(a, b) : builder_.CreateMul(a, b, "", false, true);
  case BinOp::Div:
    return builder_.CreateFDiv(a, b);
  case BinOp::FloorDiv: { // b > 0: truncating quotient, minus one for negative remainders
    llvm::Value *q = builder_.CreateSDiv(a, b), *r = builder_.CreateSRem(a, b);
    return builder_.CreateSub(
        q,
        builder_.CreateZExt(builder_.CreateICmpSLT(r, llvm::Constant::getNullValue(r->getType())),
                            a->getType()));
  }
  case BinOp::Mod: {
    llvm::Value *r = builder_.CreateSRem(a, b);
    llvm::Value *negative = builder_.CreateICmpSLT(r, llvm::Constant::getNullValue(r->getType()));
    return builder_.CreateSelect(negative, builder_.CreateAdd(r, b), r);
  }
  case BinOp::Min:
    return isFloat ? builder_.CreateSelect(builder_.CreateFCmpOLT(b, a), b, a)
                   : builder_.CreateSelect(builder_.CreateICmpSLT(b, a), b, a);
  case BinOp::Max:
    return isFloat ? builder_.CreateSelect(builder_.CreateFCmpOGT(b, a), b, a)
                   : builder_.CreateSelect(builder_.CreateICmpSGT(b, a), b, a);
  case BinOp::Lt:
    return isFloat ? builder_.CreateFCmpOLT(a, b) : builder_.CreateICmpSLT(a, b);
  case BinOp::Le:
    return isFloat ? builder_.CreateFCmpOLE(a, b) : builder_.CreateICmpSLE(a, b);
  case BinOp::Eq:
    return isFloat ? builder_.CreateFCmpOEQ(a, b) : builder_.CreateICmpEQ(a, b);
  case BinOp::And:
    return builder_.CreateAnd(a, b);
  case BinOp::Or:
    return builder_.CreateOr(a, b);
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
    return builder_.CreateIntrinsic(llvm::Intrinsic::fma, {type}, args);
  case Callee::Exp:
    return builder_.CreateIntrinsic(llvm::Intrinsic::exp, {type}, args);
  case Callee::Sqrt:
    return builder_.CreateIntrinsic(llvm::Intrinsic::sqrt, {type}, args);
  case Callee::Tanh: {
    llvm::FunctionCallee tanhf = module_.getOrInsertFunction("tanhf", f32(), f32());
    if (!vector) return builder_.CreateCall(tanhf, args);
    llvm::Value *out = llvm::UndefValue::get(type);
    for (unsigned l = 0; l < width(); ++l)
      out = builder_.CreateInsertElement(
          out, builder_.CreateCall(tanhf, {builder_.CreateExtractElement(args[0], l)}), l);
    return out;
  }
  }
  return nullptr;
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
  return v->getType()->isVectorTy() ? v : builder_.CreateVectorSplat(width(), v);
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
      v = !a    ? (add ? b : builder_.CreateNeg(b))
          : add ? builder_.CreateAdd(a, b, "", false, true)
                : builder_.CreateSub(a, b, "", false, true);
    return {v, add ? ca + cb : ca - cb};
  }
  if (e.kind == ExprKind::Binary && e.op == BinOp::Mul) {
    for (int k = 0; k < 2; ++k)
      if (e.operands[size_t(k)]->kind == ExprKind::Int) {
        int64_t factor = e.operands[size_t(k)]->intValue;
        auto [a, ca] = emitAffine(*e.operands[size_t(1 - k)]);
        return {a ? builder_.CreateMul(a, builder_.getInt64(factor), "", false, true) : nullptr,
                ca * factor};
      }
  }
  return {emit(e), 0};
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

} // namespace lgc::codegen
