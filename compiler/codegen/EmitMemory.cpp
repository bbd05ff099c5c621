//===- compiler/codegen/EmitMemory.cpp - loads, stores, prefetches --------===//
//
// A load or store that varies across the lanes of a vector loop and whose
// flat index moves by one per lane is a (masked) vector access; a load whose
// index moves by 2-4 is one masked load and a shuffle; any other is a masked
// gather or scatter. The mask is the remainder's lanes and the access's guard.
// A guarded load never touches memory where its guard is off.
//
//===----------------------------------------------------------------------===//
#include "compiler/codegen/KernelEmitter.h"

#include <llvm/IR/Intrinsics.h>

#include <optional>

namespace lgc::codegen {
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

} // namespace

llvm::Value *KernelEmitter::address(int buffer, llvm::Value *index) {
  return builder_.CreateGEP(f32(), buffers_[static_cast<size_t>(buffer)], index);
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
  if (variable) base = builder_.CreateGEP(f32(), base, variable);
  return constant ? builder_.CreateConstGEP1_64(f32(), base, uint64_t(constant)) : base;
}

/// The lanes a vector access may touch: the remainder mask and the guard.
llvm::Value *KernelEmitter::laneMask(const Expr *guard) {
  llvm::Value *mask = remainderMask_;
  if (guard) {
    llvm::Value *g = vectorOf(emit(*guard));
    mask = mask ? builder_.CreateAnd(mask, g) : g;
  }
  return mask;
}

llvm::Value *KernelEmitter::emitLoad(const Expr &e) {
  const Shape &shape = kernel_.buffers[static_cast<size_t>(e.buffer)].shape;
  E flat = flatIndex(shape, e.operands);
  llvm::Align align(4);
  if (!varies(e)) {
    llvm::Value *ptr = scalarAddress(e.buffer, flat);
    if (!e.guard) return builder_.CreateLoad(f32(), ptr);
    // Read element 0 (always valid) where the guard is off, then select.
    llvm::Value *g = emit(*e.guard);
    llvm::Value *base = buffers_[static_cast<size_t>(e.buffer)];
    llvm::Value *v = builder_.CreateLoad(f32(), builder_.CreateSelect(g, ptr, base));
    return builder_.CreateSelect(g, v, llvm::ConstantFP::get(f32(), e.fill));
  }
  auto *vecType = llvm::FixedVectorType::get(f32(), width());
  llvm::Value *mask = laneMask(e.guard.get());
  std::optional<int64_t> stride = coefficient(*flat.ref(), vecVar_);
  if (stride == 1) {
    llvm::Value *ptr = scalarAddress(e.buffer, flat);
    if (!mask) return builder_.CreateAlignedLoad(vecType, ptr, align);
    return builder_.CreateMaskedLoad(vecType, ptr, align, mask, splatF(e.fill));
  }
  if (stride && *stride >= 2 && *stride <= kMaxLoadStride)
    return emitStridedLoad(e, flat, *stride, mask);
  llvm::Value *ptrs = address(e.buffer, vectorOf(emit(*flat.ref())));
  return builder_.CreateMaskedGather(vecType, ptrs, align, mask, splatF(e.fill));
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
  llvm::Value *lanes = mask ? mask
                            : llvm::ConstantInt::getTrue(
                                  llvm::FixedVectorType::get(builder_.getInt1Ty(), unsigned(w)));
  llvm::Value *off = llvm::Constant::getNullValue(lanes->getType());
  llvm::Value *spanMask = builder_.CreateShuffleVector(lanes, off, spread);
  auto *spanType = llvm::FixedVectorType::get(f32(), unsigned(span));
  llvm::Value *fill =
      builder_.CreateVectorSplat(unsigned(span), llvm::ConstantFP::get(f32(), e.fill));
  llvm::Value *all = builder_.CreateMaskedLoad(spanType, scalarAddress(e.buffer, flat),
                                               llvm::Align(4), spanMask, fill);
  return builder_.CreateShuffleVector(all, pick);
}

void KernelEmitter::emitStore(const Stmt &s) {
  const Shape &shape = kernel_.buffers[static_cast<size_t>(s.buffer)].shape;
  E flat = flatIndex(shape, s.indices);
  llvm::Value *value = emit(*s.value);
  llvm::Align align(4);
  if (!inVector()) {
    llvm::Value *ptr = scalarAddress(s.buffer, flat);
    if (!s.guard) {
      builder_.CreateStore(value, ptr);
      return;
    }
    auto *then = llvm::BasicBlock::Create(module_.getContext(), "store", bodyFunction_);
    auto *done = llvm::BasicBlock::Create(module_.getContext(), "store.done", bodyFunction_);
    builder_.CreateCondBr(emit(*s.guard), then, done);
    builder_.SetInsertPoint(then);
    builder_.CreateStore(value, ptr);
    builder_.CreateBr(done);
    builder_.SetInsertPoint(done);
    return;
  }
  value = vectorOf(value);
  llvm::Value *mask = laneMask(s.guard.get());
  if (coefficient(*flat.ref(), vecVar_) == 1) {
    llvm::Value *ptr = scalarAddress(s.buffer, flat);
    if (!mask)
      builder_.CreateAlignedStore(value, ptr, align);
    else
      builder_.CreateMaskedStore(value, ptr, align, mask);
    return;
  }
  llvm::Value *ptrs = address(s.buffer, vectorOf(emit(*flat.ref())));
  builder_.CreateMaskedScatter(value, ptrs, align, mask);
}

/// llvm.prefetch of the element's line for reading, into L2 (locality 2:
/// prefetcht1 on x86). Lane 0's address inside a vector loop.
void KernelEmitter::emitPrefetch(const Stmt &s) {
  const Shape &shape = kernel_.buffers[static_cast<size_t>(s.buffer)].shape;
  llvm::Value *ptr = scalarAddress(s.buffer, flatIndex(shape, s.indices));
  builder_.CreateIntrinsic(llvm::Intrinsic::prefetch, {ptr->getType()},
                           {ptr, builder_.getInt32(0), builder_.getInt32(2), builder_.getInt32(1)});
}

} // namespace lgc::codegen
