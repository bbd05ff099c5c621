//===- compiler/loop/LoopIR.cpp - the loop-level IR ----------------------===//
//
// Expression and statement builders. The builders fold what is constant on
// the spot (2 + 3, x * 1, x + 0), so lowering code can write the formula
// plainly and the printed loops still read cleanly.
//
//===----------------------------------------------------------------------===//
#include "compiler/loop/LoopIR.h"
#include "runtime/IntMath.h"

#include <cassert>

namespace lgc::loop {
namespace {

ExprRef make(Expr e) {
  return std::make_shared<const Expr>(std::move(e));
}

bool isConst(const E &e) {
  return e->kind == ExprKind::Int;
}
bool isFloatConst(const E &e, float v) {
  return e->kind == ExprKind::Float && e->floatValue == v;
}

/// A new expression of `kind` and `type` over `operands`, the fields of its
/// kind still to be set.
Expr exprOf(ExprKind kind, Type type, const std::vector<E> &operands = {}) {
  Expr e;
  e.kind = kind;
  e.type = type;
  for (const E &o : operands) e.operands.push_back(o.ref());
  return e;
}

} // namespace

E boolean(bool v) {
  Expr e = exprOf(ExprKind::Int, Type::Bool);
  e.intValue = v;
  return make(std::move(e));
}

namespace {

/// Folds an integer binary op on two constants.
int64_t foldInt(BinOp op, int64_t a, int64_t b) {
  switch (op) {
  case BinOp::Add:
    return a + b;
  case BinOp::Sub:
    return a - b;
  case BinOp::Mul:
    return a * b;
  case BinOp::FloorDiv:
    return lgc::floorDiv(a, b);
  case BinOp::Mod:
    return a - lgc::floorDiv(a, b) * b;
  case BinOp::Min:
    return a < b ? a : b;
  case BinOp::Max:
    return a > b ? a : b;
  case BinOp::Lt:
    return a < b;
  case BinOp::Le:
    return a <= b;
  case BinOp::Eq:
    return a == b;
  case BinOp::And:
    return a && b;
  case BinOp::Or:
    return a || b;
  case BinOp::Div:
    break;
  }
  return 0;
}

bool isComparison(BinOp op) {
  return op == BinOp::Lt || op == BinOp::Le || op == BinOp::Eq;
}

/// x + 0, x * 1, x && true and friends.
E foldIdentity(BinOp op, const E &a, const E &b) {
  if (op == BinOp::Add && isInt(b, 0) && a->type == Type::I64) return a;
  if (op == BinOp::Add && isInt(a, 0) && b->type == Type::I64) return b;
  if (op == BinOp::Sub && isInt(b, 0)) return a;
  if (op == BinOp::Mul && isInt(b, 1)) return a;
  if (op == BinOp::Mul && isInt(a, 1)) return b;
  if (op == BinOp::Mul && (isInt(a, 0) || isInt(b, 0))) return E(int64_t(0));
  if (op == BinOp::FloorDiv && isInt(b, 1)) return a;
  if (op == BinOp::And && a->type == Type::Bool && isConst(a)) return a->intValue ? b : a;
  if (op == BinOp::And && b->type == Type::Bool && isConst(b)) return b->intValue ? a : b;
  if (op == BinOp::Add && isFloatConst(b, 0.0f) && a->type == Type::F32) return a;
  if (op == BinOp::Mul && isFloatConst(b, 1.0f)) return a;
  return E();
}

} // namespace

int64_t Kernel::parallelExtent() const {
  for (const StmtRef &s : body->body)
    if (s->kind == StmtKind::For && s->loop == LoopKind::Parallel) return s->end - s->begin;
  return 1;
}

E::E(int64_t v) {
  Expr e = exprOf(ExprKind::Int, Type::I64);
  e.intValue = v;
  e_ = make(std::move(e));
}

E f32(float v) {
  Expr e = exprOf(ExprKind::Float, Type::F32);
  e.floatValue = v;
  return make(std::move(e));
}

E var(const std::string &name) {
  Expr e = exprOf(ExprKind::Var, Type::I64);
  e.name = name;
  return make(std::move(e));
}

E local(const std::string &name) {
  Expr e = exprOf(ExprKind::Local, Type::F32);
  e.name = name;
  return make(std::move(e));
}

E binary(BinOp op, E a, E b) {
  if (isConst(a) && isConst(b) && op != BinOp::Div) {
    int64_t v = foldInt(op, a->intValue, b->intValue);
    return isComparison(op) || a->type == Type::Bool ? boolean(v != 0) : E(v);
  }
  if (a->kind == ExprKind::Float && b->kind == ExprKind::Float) {
    float x = a->floatValue, y = b->floatValue;
    switch (op) {
    case BinOp::Add:
      return f32(x + y);
    case BinOp::Sub:
      return f32(x - y);
    case BinOp::Mul:
      return f32(x * y);
    case BinOp::Div:
      return f32(x / y);
    default:
      break;
    }
  }
  if (E folded = foldIdentity(op, a, b)) return folded;
  Type type = isComparison(op) || op == BinOp::And || op == BinOp::Or ? Type::Bool : a->type;
  Expr e = exprOf(ExprKind::Binary, type, {a, b});
  e.op = op;
  return make(std::move(e));
}

E select(E cond, E a, E b) {
  if (isConst(cond)) return cond->intValue ? a : b;
  return make(exprOf(ExprKind::Select, a->type, {cond, a, b}));
}

E call(Callee callee, std::vector<E> args) {
  Expr e = exprOf(ExprKind::Call, Type::F32, args);
  e.callee = callee;
  return make(std::move(e));
}

E fma(E a, E b, E c) {
  // A tap that reads only padding adds nothing (weights are finite).
  if (isFloatConst(a, 0.0f) || isFloatConst(b, 0.0f)) return c;
  return call(Callee::Fma, {std::move(a), std::move(b), std::move(c)});
}

E cast(E a) {
  if (isConst(a)) return f32(static_cast<float>(a->intValue));
  return make(exprOf(ExprKind::Cast, Type::F32, {a}));
}

E load(int buffer, std::vector<E> indices) {
  Expr e = exprOf(ExprKind::Load, Type::F32, indices);
  e.buffer = buffer;
  return make(std::move(e));
}

E guardedLoad(int buffer, std::vector<E> indices, E guard, float fill) {
  if (!guard || (isConst(guard) && guard->intValue)) return load(buffer, std::move(indices));
  if (isConst(guard)) return f32(fill);
  E l = load(buffer, std::move(indices));
  Expr e = *l.ref();
  e.guard = guard.ref();
  e.fill = fill;
  return make(std::move(e));
}

E operator+(E a, E b) {
  return binary(BinOp::Add, a, b);
}
E operator-(E a, E b) {
  return binary(BinOp::Sub, a, b);
}
E operator*(E a, E b) {
  return binary(BinOp::Mul, a, b);
}
E operator/(E a, E b) {
  return binary(BinOp::Div, a, b);
}
E floorDiv(E a, int64_t b) {
  return binary(BinOp::FloorDiv, a, E(b));
}
E mod(E a, int64_t b) {
  return binary(BinOp::Mod, a, E(b));
}
E min(E a, E b) {
  return binary(BinOp::Min, a, b);
}
E max(E a, E b) {
  return binary(BinOp::Max, a, b);
}
E operator<(E a, E b) {
  return binary(BinOp::Lt, a, b);
}
E operator<=(E a, E b) {
  return binary(BinOp::Le, a, b);
}
E operator==(E a, E b) {
  return binary(BinOp::Eq, a, b);
}
E operator&&(E a, E b) {
  return binary(BinOp::And, a, b);
}

bool isInt(const E &e, int64_t v) {
  return e->kind == ExprKind::Int && e->type == Type::I64 && e->intValue == v;
}

StmtRef block(std::vector<StmtRef> body) {
  auto s = std::make_shared<Stmt>();
  s->kind = StmtKind::Block;
  s->body = std::move(body);
  return s;
}

StmtRef forLoop(const std::string &var, int64_t begin, int64_t end, LoopKind kind,
                std::vector<StmtRef> body) {
  auto s = std::make_shared<Stmt>();
  s->kind = StmtKind::For;
  s->name = var;
  s->begin = begin;
  s->end = end;
  s->loop = kind;
  s->body = std::move(body);
  return s;
}

StmtRef clippedLoop(const std::string &var, int64_t begin, int64_t end, E clipBegin, E clipEnd,
                    std::vector<StmtRef> body) {
  StmtRef s = forLoop(var, begin, end, LoopKind::Serial, std::move(body));
  s->clipBegin = clipBegin.ref();
  s->clipEnd = clipEnd.ref();
  return s;
}

StmtRef let(const std::string &name, E value) {
  auto s = std::make_shared<Stmt>();
  s->kind = StmtKind::Let;
  s->name = name;
  s->value = value.ref();
  return s;
}

StmtRef assign(const std::string &name, E value) {
  auto s = let(name, std::move(value));
  s->kind = StmtKind::Assign;
  return s;
}

StmtRef store(int buffer, std::vector<E> indices, E value, E guard) {
  auto s = std::make_shared<Stmt>();
  s->kind = StmtKind::Store;
  s->buffer = buffer;
  for (E &i : indices) s->indices.push_back(i.ref());
  s->value = value.ref();
  if (guard.ref() && !(guard->kind == ExprKind::Int && guard->intValue)) s->guard = guard.ref();
  return s;
}

StmtRef prefetch(int buffer, std::vector<E> indices) {
  auto s = std::make_shared<Stmt>();
  s->kind = StmtKind::Prefetch;
  s->buffer = buffer;
  for (E &i : indices) s->indices.push_back(i.ref());
  return s;
}

} // namespace lgc::loop
