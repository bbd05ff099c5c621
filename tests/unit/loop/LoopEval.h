//===- tests/unit/loop/LoopEval.h - running Loop IR index arithmetic -*- C++ -*-===//
//
// A small, independent evaluator of the Loop IR's integer expressions and a
// walker over a loop nest's iterations, so tests can state what loops and
// indices *do* (which elements a nest visits, that a simplified index equals
// the original for every value of its loop variables) rather than how they
// print. Floor division and remainder are written here from their
// definitions, not taken from runtime/IntMath.h.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/loop/LoopIR.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>

namespace lgc::loop::test {

/// Loop variables' values, by name.
using Values = std::map<std::string, int64_t>;

/// a / b rounded down and the matching non-negative remainder (b > 0).
inline int64_t floorQuotient(int64_t a, int64_t b) {
  return (a - ((a % b) + b) % b) / b;
}
inline int64_t floorRemainder(int64_t a, int64_t b) {
  return ((a % b) + b) % b;
}

/// The value of integer or boolean expression `e` (booleans as 0 or 1).
inline int64_t evalInt(const ExprRef &e, const Values &values) {
  switch (e->kind) {
  case ExprKind::Int:
    return e->intValue;
  case ExprKind::Var: {
    auto it = values.find(e->name);
    if (it == values.end()) ADD_FAILURE() << "unbound variable " << e->name;
    return it == values.end() ? 0 : it->second;
  }
  case ExprKind::Select:
    return evalInt(e->operands[0], values) ? evalInt(e->operands[1], values)
                                           : evalInt(e->operands[2], values);
  case ExprKind::Binary:
    break;
  default:
    ADD_FAILURE() << "not an integer expression";
    return 0;
  }
  int64_t a = evalInt(e->operands[0], values), b = evalInt(e->operands[1], values);
  switch (e->op) {
  case BinOp::Add:
    return a + b;
  case BinOp::Sub:
    return a - b;
  case BinOp::Mul:
    return a * b;
  case BinOp::FloorDiv:
    return floorQuotient(a, b);
  case BinOp::Mod:
    return floorRemainder(a, b);
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
  ADD_FAILURE() << "float division in an integer expression";
  return 0;
}

/// Calls `visit` with every statement other than a Block or a For, once per
/// iteration of the loops around it (a clipped loop only inside its clip;
/// each lane of a vector loop as its own iteration), with the loop
/// variables' values.
inline void forEachIteration(const StmtRef &s, Values &values,
                             const std::function<void(const Stmt &, const Values &)> &visit) {
  if (s->kind == StmtKind::Block) {
    for (const StmtRef &c : s->body) forEachIteration(c, values, visit);
    return;
  }
  if (s->kind != StmtKind::For) {
    visit(*s, values);
    return;
  }
  int64_t begin = s->begin, end = s->end;
  if (s->clipBegin) {
    begin = std::max(begin, evalInt(s->clipBegin, values));
    end = std::min(end, evalInt(s->clipEnd, values));
  }
  for (int64_t i = begin; i < end; ++i) {
    values[s->name] = i;
    for (const StmtRef &c : s->body) forEachIteration(c, values, visit);
  }
  values.erase(s->name);
}

/// As above, from no loop variables.
inline void forEachIteration(const StmtRef &s,
                             const std::function<void(const Stmt &, const Values &)> &visit) {
  Values values;
  forEachIteration(s, values, visit);
}

} // namespace lgc::loop::test
