//===- compiler/loop/Simplify.cpp - Loop IR simplification ---------------===//
//
// 1. Walk the statements, recording each loop variable's range [lo, hi].
// 2. Rebuild each expression bottom-up. Integer sums and products by
//    constants become a linear form (terms in first-seen order, then the
//    constant), which cancels equal terms.
// 3. Floor division and remainder by a constant take the multiples of the
//    divisor out of their operand, and fold when the rest's range allows.
// 4. Comparisons, min and max whose outcome the ranges decide fold to a
//    constant or an operand; guarded loads whose guard folds to true lose the
//    guard, and those whose guard folds to false become their fill value.
//
//===----------------------------------------------------------------------===//
#include "compiler/loop/Simplify.h"
#include "runtime/IntMath.h"

#include <algorithm>
#include <map>
#include <optional>

namespace lgc::loop {
namespace {

struct Range {
  int64_t lo = 0, hi = 0;
  bool lanes = false; ///< A vector loop's variable: one value per lane.
};

using Env = std::map<std::string, Range>;

/// sum(coeff * atom) + constant. Atoms are loop variables or expressions
/// that are not affine (divisions, min, max).
struct Linear {
  std::vector<std::pair<ExprRef, int64_t>> terms;
  int64_t constant = 0;

  void add(const ExprRef &atom, int64_t coeff) {
    for (auto &[a, c] : terms)
      if (a == atom ||
          (a->kind == ExprKind::Var && atom->kind == ExprKind::Var && a->name == atom->name)) {
        c += coeff;
        return;
      }
    terms.emplace_back(atom, coeff);
  }
  void addAll(const Linear &o, int64_t scale) {
    for (const auto &[a, c] : o.terms) add(a, c * scale);
    constant += o.constant * scale;
  }
};

class Simplifier {
public:
  explicit Simplifier(Env &env) : env_(env) {}

  E simplify(const ExprRef &e);
  std::optional<Range> rangeOf(const E &e) { return range(e.ref()); }

private:
  std::optional<Range> range(const ExprRef &e);
  std::optional<Linear> linear(const ExprRef &e);
  E rebuild(const Linear &l);
  E simplifyBinary(const Expr &e, E a, E b);
  E splitDivision(BinOp op, const E &a, int64_t d);
  E simplifyLoad(const Expr &e);

  Env &env_;
};

std::optional<Linear> Simplifier::linear(const ExprRef &e) {
  if (e->type != Type::I64) return std::nullopt;
  Linear l;
  if (e->kind == ExprKind::Int) {
    l.constant = e->intValue;
    return l;
  }
  if (e->kind == ExprKind::Binary &&
      (e->op == BinOp::Add || e->op == BinOp::Sub || e->op == BinOp::Mul)) {
    auto a = linear(e->operands[0]), b = linear(e->operands[1]);
    if (a && b && e->op != BinOp::Mul) {
      l.addAll(*a, 1);
      l.addAll(*b, e->op == BinOp::Add ? 1 : -1);
      return l;
    }
    if (a && b && (b->terms.empty() || a->terms.empty())) {
      const Linear &scaled = b->terms.empty() ? *a : *b;
      l.addAll(scaled, b->terms.empty() ? b->constant : a->constant);
      return l;
    }
  }
  l.add(e, 1);
  return l;
}

E Simplifier::rebuild(const Linear &l) {
  // A leading negative term reads better after the constant: 10 - ox*4.
  bool constantFirst = l.constant > 0 && !l.terms.empty() && l.terms.front().second < 0;
  E out = constantFirst ? E(l.constant) : E();
  for (const auto &[atom, c] : l.terms) {
    if (c == 0) continue;
    E term = c == 1 || c == -1 ? E(atom) : E(atom) * E(c < 0 ? -c : c);
    out = !out ? (c < 0 ? E(int64_t(0)) - term : term) : (c < 0 ? out - term : out + term);
  }
  if (!out) return E(l.constant);
  if (constantFirst) return out;
  return l.constant < 0 ? out - E(-l.constant) : out + E(l.constant);
}

std::optional<Range> Simplifier::range(const ExprRef &e) {
  if (e->kind == ExprKind::Int) return Range{e->intValue, e->intValue};
  if (e->kind == ExprKind::Var) {
    auto it = env_.find(e->name);
    return it == env_.end() ? std::nullopt : std::optional<Range>(it->second);
  }
  if (e->kind != ExprKind::Binary || e->type != Type::I64) return std::nullopt;
  auto a = range(e->operands[0]), b = range(e->operands[1]);
  if (!a || !b) return std::nullopt;
  switch (e->op) {
  case BinOp::Add:
    return Range{a->lo + b->lo, a->hi + b->hi};
  case BinOp::Sub:
    return Range{a->lo - b->hi, a->hi - b->lo};
  case BinOp::Mul: {
    int64_t p[] = {a->lo * b->lo, a->lo * b->hi, a->hi * b->lo, a->hi * b->hi};
    return Range{*std::min_element(p, p + 4), *std::max_element(p, p + 4)};
  }
  case BinOp::FloorDiv:
    return Range{lgc::floorDiv(a->lo, b->lo), lgc::floorDiv(a->hi, b->lo)};
  case BinOp::Mod:
    return a->lo >= 0 && a->hi < b->lo ? *a : Range{0, b->lo - 1};
  case BinOp::Min:
    return Range{std::min(a->lo, b->lo), std::min(a->hi, b->hi)};
  case BinOp::Max:
    return Range{std::max(a->lo, b->lo), std::max(a->hi, b->hi)};
  default:
    return std::nullopt;
  }
}

E Simplifier::simplifyBinary(const Expr &e, E a, E b) {
  bool isInt = a->type == Type::I64 && b->type == Type::I64;
  if (isInt &&
      (e.op == BinOp::Lt || e.op == BinOp::Le || e.op == BinOp::Min || e.op == BinOp::Max)) {
    // Decide by the range of a - b, in linear form so equal terms cancel.
    auto la = linear(a.ref()), lb = linear(b.ref());
    Linear diff = *la;
    diff.addAll(*lb, -1);
    if (auto r = range(rebuild(diff).ref())) {
      if (e.op == BinOp::Lt && (r->hi < 0 || r->lo >= 0)) return boolean(r->hi < 0);
      if (e.op == BinOp::Le && (r->hi <= 0 || r->lo > 0)) return boolean(r->hi <= 0);
      if (e.op == BinOp::Min && r->hi <= 0) return a; // a <= b everywhere
      if (e.op == BinOp::Min && r->lo >= 0) return b;
      if (e.op == BinOp::Max && r->lo >= 0) return a; // a >= b everywhere
      if (e.op == BinOp::Max && r->hi <= 0) return b;
    }
  }
  if (isInt && (e.op == BinOp::FloorDiv || e.op == BinOp::Mod) && b->kind == ExprKind::Int)
    if (E split = splitDivision(e.op, a, b->intValue)) return split;
  E out = binary(e.op, a, b);
  if (out->type == Type::I64)
    if (auto l = linear(out.ref())) return rebuild(*l);
  return out;
}

/// (d*q + r) / d as q + r / d and (d*q + r) % d as r % d, for the terms of
/// `a` whose coefficients are multiples of d, and then r / d as 0 and r % d
/// as r where r's range lies in [0, d): a channel index c*16 + lane in a
/// blocked layout splits back into its block c and its lane.
E Simplifier::splitDivision(BinOp op, const E &a, int64_t d) {
  auto l = linear(a.ref());
  if (!l || d <= 0) return E();
  Linear quotient, rest;
  for (const auto &[atom, c] : l->terms) {
    if (c % d == 0)
      quotient.add(atom, c / d);
    else
      rest.add(atom, c);
  }
  quotient.constant = lgc::floorDiv(l->constant, d);
  rest.constant = l->constant - quotient.constant * d;
  E r = rebuild(rest);
  auto inRange = range(r.ref());
  bool small = inRange && inRange->lo >= 0 && inRange->hi < d;
  if (op == BinOp::Mod) return small ? r : binary(BinOp::Mod, r, E(d));
  E q = rebuild(quotient);
  if (small) return q;
  return isInt(q, 0) ? binary(BinOp::FloorDiv, r, E(d)) : q + binary(BinOp::FloorDiv, r, E(d));
}

E Simplifier::simplifyLoad(const Expr &e) {
  std::vector<E> indices;
  for (const ExprRef &i : e.operands) indices.push_back(simplify(i));
  if (!e.guard) return load(e.buffer, std::move(indices));
  return guardedLoad(e.buffer, std::move(indices), simplify(e.guard), e.fill);
}

E Simplifier::simplify(const ExprRef &e) {
  switch (e->kind) {
  case ExprKind::Var: {
    // A loop of one iteration: its variable is a constant (but a vector
    // loop's variable differs per lane).
    auto it = env_.find(e->name);
    if (it != env_.end() && it->second.lo == it->second.hi && !it->second.lanes)
      return E(it->second.lo);
    return e;
  }
  case ExprKind::Binary:
    return simplifyBinary(*e, simplify(e->operands[0]), simplify(e->operands[1]));
  case ExprKind::Select:
    return select(simplify(e->operands[0]), simplify(e->operands[1]), simplify(e->operands[2]));
  case ExprKind::Call: {
    std::vector<E> args;
    for (const ExprRef &a : e->operands) args.push_back(simplify(a));
    return e->callee == Callee::Fma ? fma(args[0], args[1], args[2]) : call(e->callee, args);
  }
  case ExprKind::Cast:
    return cast(simplify(e->operands[0]));
  case ExprKind::Load:
    return simplifyLoad(*e);
  default:
    return e;
  }
}

void simplifyStmt(Stmt &s, Env &env) {
  Simplifier simplifier(env);
  switch (s.kind) {
  case StmtKind::Block:
    for (StmtRef &c : s.body) simplifyStmt(*c, env);
    return;
  case StmtKind::For: {
    if (s.clipBegin) {
      // A clip that every iteration passes is no clip.
      E lo = simplifier.simplify(s.clipBegin), hi = simplifier.simplify(s.clipEnd);
      auto rlo = simplifier.rangeOf(lo), rhi = simplifier.rangeOf(hi);
      bool whole = rlo && rhi && rlo->hi <= s.begin && rhi->lo >= s.end;
      s.clipBegin = whole ? nullptr : lo.ref();
      s.clipEnd = whole ? nullptr : hi.ref();
    }
    env[s.name] = Range{s.begin, s.end - 1, s.loop == LoopKind::Vector};
    for (StmtRef &c : s.body) simplifyStmt(*c, env);
    env.erase(s.name);
    return;
  }
  case StmtKind::Prefetch:
    for (ExprRef &i : s.indices) i = simplifier.simplify(i).ref();
    return;
  case StmtKind::Store:
    for (ExprRef &i : s.indices) i = simplifier.simplify(i).ref();
    if (s.guard) {
      E g = simplifier.simplify(s.guard);
      s.guard = g->kind == ExprKind::Int && g->intValue ? nullptr : g.ref();
    }
    [[fallthrough]];
  case StmtKind::Let:
  case StmtKind::Assign:
    s.value = simplifier.simplify(s.value).ref();
    return;
  }
}

} // namespace

void simplifyKernel(Kernel &kernel) {
  Env env;
  simplifyStmt(*kernel.body, env);
}

} // namespace lgc::loop
