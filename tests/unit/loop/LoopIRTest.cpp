//===- tests/unit/loop/LoopIRTest.cpp - building and printing Loop IR -----===//
//
// The builders of compiler/loop/LoopIR.h: what they fold on the spot
// (integer and float constants, x + 0, x * 1, constant guards and
// selects), the types they give, floor division and remainder rounding
// toward negative infinity, statements' fields, Kernel::parallelExtent, and
// printKernel's text for a small hand-built kernel compared in full.
//
//===----------------------------------------------------------------------===//
#include "compiler/loop/LoopIR.h"

#include <gtest/gtest.h>

namespace lgc::loop {
namespace {

/// `e` is the integer constant `v` (type i64).
void expectInt(const E &e, int64_t v) {
  ASSERT_EQ(e->kind, ExprKind::Int);
  EXPECT_EQ(e->type, Type::I64);
  EXPECT_EQ(e->intValue, v);
}

/// `e` is the boolean constant `v`.
void expectBool(const E &e, bool v) {
  ASSERT_EQ(e->kind, ExprKind::Int);
  EXPECT_EQ(e->type, Type::Bool);
  EXPECT_EQ(e->intValue, v ? 1 : 0);
}

TEST(LoopIR, IntegerConstantsFoldAtConstruction) {
  expectInt(E(2) + E(3), 5);
  expectInt(E(2) - E(7), -5);
  expectInt(E(6) * E(-4), -24);
  expectInt(min(E(4), E(-1)), -1);
  expectInt(max(E(4), E(-1)), 4);
  expectBool(E(2) < E(3), true);
  expectBool(E(3) <= E(2), false);
  expectBool(E(3) == E(3), true);
  expectBool(boolean(true) && boolean(false), false);
}

TEST(LoopIR, FloorDivisionAndRemainderRoundDown) {
  // Not C++'s truncation: -7 / 2 is -4 remainder 1, and -1 splits into
  // block -1 and lane 15.
  expectInt(floorDiv(E(-7), 2), -4);
  expectInt(mod(E(-7), 2), 1);
  expectInt(floorDiv(E(7), 2), 3);
  expectInt(mod(E(7), 2), 1);
  expectInt(floorDiv(E(-8), 4), -2);
  expectInt(mod(E(-8), 4), 0);
  expectInt(floorDiv(E(-1), 16), -1);
  expectInt(mod(E(-1), 16), 15);
  for (int64_t a = -20; a <= 20; ++a)
    for (int64_t b : {1, 3, 16}) {
      int64_t q = floorDiv(E(a), b)->intValue, r = mod(E(a), b)->intValue;
      EXPECT_EQ(q * b + r, a) << a << " / " << b;
      EXPECT_TRUE(r >= 0 && r < b) << a << " % " << b;
    }
}

TEST(LoopIR, IdentitiesReturnTheOperand) {
  E x = var("x");
  EXPECT_EQ((x + E(0)).ref(), x.ref());
  EXPECT_EQ((E(0) + x).ref(), x.ref());
  EXPECT_EQ((x - E(0)).ref(), x.ref());
  EXPECT_EQ((x * E(1)).ref(), x.ref());
  EXPECT_EQ((E(1) * x).ref(), x.ref());
  EXPECT_EQ(floorDiv(x, 1).ref(), x.ref());
  expectInt(x * E(0), 0);
  expectInt(E(0) * x, 0);
  E acc = local("acc");
  EXPECT_EQ((acc + f32(0.0f)).ref(), acc.ref());
  EXPECT_EQ((acc * f32(1.0f)).ref(), acc.ref());
  // Not identities: x - x is left to the simplifier, x % 1 stays.
  EXPECT_EQ((x - x)->kind, ExprKind::Binary);
  EXPECT_EQ(mod(x, 1)->kind, ExprKind::Binary);
}

TEST(LoopIR, BooleanConstantsDecideAndSelectAndGuards) {
  E x = var("x"), cond = x < E(4);
  EXPECT_EQ(cond->type, Type::Bool);
  EXPECT_EQ((boolean(true) && cond).ref(), cond.ref());
  EXPECT_EQ((cond && boolean(true)).ref(), cond.ref());
  expectBool(boolean(false) && cond, false);
  expectBool(cond && boolean(false), false);
  EXPECT_EQ(select(boolean(true), x, E(7)).ref(), x.ref());
  expectInt(select(boolean(false), x, E(7)), 7);
  E s = select(cond, x, E(7));
  EXPECT_EQ(s->kind, ExprKind::Select);
  EXPECT_EQ(s->type, Type::I64);

  E always = guardedLoad(0, {x}, boolean(true), 3.0f);
  EXPECT_EQ(always->kind, ExprKind::Load);
  EXPECT_EQ(always->guard, nullptr);
  E never = guardedLoad(0, {x}, boolean(false), 3.0f);
  ASSERT_EQ(never->kind, ExprKind::Float);
  EXPECT_EQ(never->floatValue, 3.0f);
  E sometimes = guardedLoad(2, {x, E(1)}, cond, -1.0f);
  ASSERT_EQ(sometimes->kind, ExprKind::Load);
  EXPECT_EQ(sometimes->buffer, 2);
  EXPECT_EQ(sometimes->operands.size(), 2u);
  EXPECT_EQ(sometimes->guard, cond.ref());
  EXPECT_EQ(sometimes->fill, -1.0f);
}

TEST(LoopIR, FloatConstantsFoldAndTypesFollowOperands) {
  E sum = f32(1.5f) + f32(2.0f);
  ASSERT_EQ(sum->kind, ExprKind::Float);
  EXPECT_EQ(sum->floatValue, 3.5f);
  EXPECT_EQ((f32(1.0f) / f32(4.0f))->floatValue, 0.25f);
  E c = cast(E(3));
  ASSERT_EQ(c->kind, ExprKind::Float);
  EXPECT_EQ(c->floatValue, 3.0f);
  EXPECT_EQ(cast(var("x"))->type, Type::F32);
  E l = load(0, {var("x")});
  EXPECT_EQ((l * f32(2.0f))->type, Type::F32);
  EXPECT_EQ((var("x") * E(2))->type, Type::I64);
  // A tap whose weight or input is the constant 0 adds nothing.
  E acc = local("acc");
  EXPECT_EQ(fma(f32(0.0f), l, acc).ref(), acc.ref());
  EXPECT_EQ(fma(l, f32(0.0f), acc).ref(), acc.ref());
  E f = fma(l, l, acc);
  ASSERT_EQ(f->kind, ExprKind::Call);
  EXPECT_EQ(f->callee, Callee::Fma);
  EXPECT_EQ(f->operands.size(), 3u);
}

TEST(LoopIR, StatementsKeepTheirFields) {
  StmtRef s = store(1, {var("i")}, f32(1.0f), boolean(true));
  EXPECT_EQ(s->kind, StmtKind::Store);
  EXPECT_EQ(s->buffer, 1);
  EXPECT_EQ(s->guard, nullptr); // a guard that is always true is none
  EXPECT_NE(store(1, {var("i")}, f32(1.0f), var("i") < E(3))->guard, nullptr);

  StmtRef loop = forLoop("i", 2, 9, LoopKind::Vector, {s});
  EXPECT_EQ(loop->kind, StmtKind::For);
  EXPECT_EQ(loop->name, "i");
  EXPECT_EQ(loop->begin, 2);
  EXPECT_EQ(loop->end, 9);
  EXPECT_EQ(loop->loop, LoopKind::Vector);
  ASSERT_EQ(loop->body.size(), 1u);
  EXPECT_EQ(loop->clipBegin, nullptr);

  StmtRef clipped = clippedLoop("y", 0, 8, var("p") * E(2), var("p") * E(2) + E(2), {});
  EXPECT_EQ(clipped->loop, LoopKind::Serial);
  EXPECT_NE(clipped->clipBegin, nullptr);
  EXPECT_NE(clipped->clipEnd, nullptr);

  EXPECT_EQ(assign("acc", f32(0.0f))->kind, StmtKind::Assign);
  EXPECT_EQ(let("acc", f32(0.0f))->kind, StmtKind::Let);
  EXPECT_EQ(prefetch(0, {E(4)})->kind, StmtKind::Prefetch);
}

TEST(LoopIR, ParallelExtentIsTheOutermostParallelLoop) {
  Kernel k;
  k.body = block(
      {forLoop("i", 0, 4, LoopKind::Serial, {}), forLoop("p", 3, 15, LoopKind::Parallel, {})});
  EXPECT_EQ(k.parallelExtent(), 12);
  k.body =
      block({forLoop("i", 0, 4, LoopKind::Serial, {forLoop("p", 0, 15, LoopKind::Parallel, {})})});
  EXPECT_EQ(k.parallelExtent(), 1); // not outermost
}

TEST(LoopIR, PrintKernelShowsEveryConstruct) {
  Kernel k;
  k.name = "demo";
  k.vectorWidth = 8;
  k.buffers = {{"in", {2, 8}, false, "", ""},
               {"w", {8}, false, "flip(w)", ""},
               {"out", {2, 8}, true, "", "nChw16c"}};
  E p = var("p"), x = var("x"), y = var("y");
  StmtRef vector = forLoop("x", 0, 8, LoopKind::Vector,
                           {let("acc", f32(0.5f)), prefetch(0, {p, x + E(4)}),
                            assign("acc", fma(guardedLoad(0, {p, x - E(1)}, E(1) <= x, 0.0f),
                                              load(1, {x}), local("acc"))),
                            store(2, {p, x}, max(local("acc"), f32(0.0f)), x < E(7))});
  StmtRef clipped =
      clippedLoop("y", 0, 8, E(2), E(6),
                  {store(2, {mod(floorDiv(y, 4), 3), min(y, E(5))},
                         select(y == E(3), cast(y), f32(-1.25f)) / call(Callee::Sqrt, {f32(2.0f)}),
                         E(1) <= y && y < E(7)),
                   store(0, {(y + E(1)) * E(2), y - (y - E(1))}, f32(1e-8f))});
  k.body = block({forLoop("p", 0, 2, LoopKind::Parallel, {vector}), clipped,
                  forLoop("u", 0, 2, LoopKind::Unrolled, {})});
  EXPECT_EQ(printKernel(k),
            "// w = flip(w)\n"
            "kernel demo(in: f32[2, 8], w: f32[8], out: f32[2, 8] nChw16c) {\n"
            "  parallel for p in 0..2 {\n"
            "    vector(8) for x in 0..8 {\n"
            "      float acc = 0.5\n"
            "      prefetch in[p, x + 4]\n"
            "      acc = fma(in[p, x - 1] if (1 <= x) else 0.0, w[x], acc)\n"
            "      out[p, x] = max(acc, 0.0) if (x < 7)\n"
            "    }\n"
            "  }\n"
            "  for y in 0..8 within 2..6 {\n"
            "    out[y / 4 % 3, min(y, 5)] = select(y == 3, float(y), -1.25) / sqrt(2.0) if "
            "(1 <= y && y < 7)\n"
            "    in[(y + 1)*2, y - (y - 1)] = 1e-08\n"
            "  }\n"
            "  unrolled for u in 0..2 {\n"
            "  }\n"
            "}\n");
  EXPECT_EQ(printRecipes(k), "// w = flip(w)\n");
  EXPECT_EQ(printExpr(k, (E(2) - (var("a") + var("b"))).ref()), "2 - (a + b)");
  EXPECT_EQ(printExpr(k, ((var("a") + var("b")) - E(2)).ref()), "a + b - 2");
}

} // namespace
} // namespace lgc::loop
