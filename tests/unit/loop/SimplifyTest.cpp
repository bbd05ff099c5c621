//===- tests/unit/loop/SimplifyTest.cpp - what the loop bounds prove -----===//
//
// simplifyKernel (compiler/loop/Simplify.h) on hand-built loop nests: equal
// terms cancel ((oy*2 + 3) - oy*2 is 3); comparisons, min and max that the
// loop bounds decide fold; guards proven true go, guards proven false
// become the fill, guards that are not provable stay; floor division and
// remainder take multiples of the divisor out of a linear form; a loop of
// one iteration makes its variable a constant (but not a vector loop's).
// Then a seeded randomized check: every simplified index equals the
// original for every value of its loop variables.
//
//===----------------------------------------------------------------------===//
#include "compiler/loop/Simplify.h"
#include "tests/unit/loop/LoopEval.h"

#include <gtest/gtest.h>

#include <random>

namespace lgc::loop {
namespace {

/// Loops x in [0, 8) and y in [0, 16) around one store per expression
/// given (out[e] = 0), simplified: the simplified expressions come back.
class SimplifyKernel : public ::testing::Test {
protected:
  E x = var("x"), y = var("y");

  /// `exprs` as simplified inside `for x in xBegin..xEnd { for y in 0..16 }`.
  std::vector<E> simplified(const std::vector<E> &exprs, int64_t xBegin = 0, int64_t xEnd = 8,
                            LoopKind xKind = LoopKind::Serial) {
    std::vector<StmtRef> stores;
    for (const E &e : exprs) stores.push_back(store(0, {e}, f32(0.0f)));
    kernel_ = Kernel{};
    kernel_.name = "k";
    kernel_.buffers = {{"out", {64}, true, "", ""}, {"in", {64}, false, "", ""}};
    kernel_.body = block({forLoop("x", xBegin, xEnd, xKind,
                                  {forLoop("y", 0, 16, LoopKind::Serial, std::move(stores))})});
    simplifyKernel(kernel_);
    std::vector<E> out;
    for (const StmtRef &s : innermost()) out.push_back(E(s->indices[0]));
    return out;
  }
  E simplified(const E &e, int64_t xBegin = 0, int64_t xEnd = 8,
               LoopKind xKind = LoopKind::Serial) {
    return simplified(std::vector<E>{e}, xBegin, xEnd, xKind)[0];
  }

  /// The statements inside both loops of the last kernel simplified.
  const std::vector<StmtRef> &innermost() const { return kernel_.body->body[0]->body[0]->body; }

  std::string text(const E &e) const { return printExpr(kernel_, e.ref()); }

  Kernel kernel_;
};

void expectConstant(const E &e, int64_t v) {
  ASSERT_EQ(e->kind, ExprKind::Int);
  EXPECT_EQ(e->intValue, v);
}

TEST_F(SimplifyKernel, EqualTermsCancel) {
  expectConstant(simplified((x * E(2) + E(3)) - x * E(2)), 3);
  expectConstant(simplified((x + y) - (y + x)), 0);
  E e = simplified(x * E(4) + y - E(1) - (x * E(3) - E(2)));
  EXPECT_EQ(text(e), "x + y + 1");
  EXPECT_EQ(text(simplified(E(10) - x * E(4))), "10 - x*4");
}

TEST_F(SimplifyKernel, BoundsDecideComparisons) {
  // x in [0, 8), y in [0, 16).
  std::vector<E> decided =
      simplified({select(x < E(8), E(1), E(0)), select(x < E(0), E(1), E(0)),
                  select(x + E(1) <= E(8), E(1), E(0)), select(E(8) <= x, E(1), E(0)),
                  select(x <= y + E(7), E(1), E(0)), select(x - y < E(-15), E(1), E(0))});
  expectConstant(decided[0], 1);
  expectConstant(decided[1], 0);
  expectConstant(decided[2], 1);
  expectConstant(decided[3], 0);
  expectConstant(decided[4], 1);
  expectConstant(decided[5], 0);
  // Not decided: x < 7 holds for all but x = 7; x < y depends on both.
  for (const E &e : simplified({select(x < E(7), E(1), E(0)), select(x < y, E(1), E(0))}))
    EXPECT_EQ(e->kind, ExprKind::Select) << text(e);
}

TEST_F(SimplifyKernel, BoundsDecideMinAndMax) {
  std::vector<E> out = simplified({min(x, E(7)), min(E(9), x), max(x, E(0)), max(x + E(3), E(2)),
                                   min(x * E(2), x + E(7)), min(x, E(3)), max(x - E(2), E(0))});
  EXPECT_EQ(text(out[0]), "x");
  EXPECT_EQ(text(out[1]), "x");
  EXPECT_EQ(text(out[2]), "x");
  EXPECT_EQ(text(out[3]), "x + 3");
  EXPECT_EQ(text(out[4]), "x*2"); // x*2 - (x + 7) = x - 7 <= 0
  EXPECT_EQ(text(out[5]), "min(x, 3)");
  EXPECT_EQ(text(out[6]), "max(x - 2, 0)");
}

TEST_F(SimplifyKernel, FloorDivisionAndRemainderOfLinearForms) {
  std::vector<E> out =
      simplified({floorDiv(x * E(16) + y, 16), mod(x * E(16) + y, 16), floorDiv(x * E(4) + E(6), 4),
                  mod(x * E(4) + E(6), 4), floorDiv(x * E(4) - E(1), 4), mod(x * E(4) - E(1), 4),
                  floorDiv(y + E(32), 8), mod(y * E(3), 4), floorDiv(x, 8)});
  EXPECT_EQ(text(out[0]), "x");
  EXPECT_EQ(text(out[1]), "y");
  EXPECT_EQ(text(out[2]), "x + 1");
  expectConstant(out[3], 2);
  EXPECT_EQ(text(out[4]), "x - 1"); // -1 / 4 rounds down to -1, remainder 3
  expectConstant(out[5], 3);
  EXPECT_EQ(text(out[6]), "4 + y / 8");
  EXPECT_EQ(text(out[7]), "y*3 % 4");
  expectConstant(out[8], 0); // x in [0, 8)
}

TEST_F(SimplifyKernel, OneIterationLoopVariableIsAConstant) {
  expectConstant(simplified(x * E(3) + y - y, 5, 6), 15);
  // One lane of a vector loop is still a per-lane variable.
  EXPECT_EQ(text(simplified(x * E(3), 5, 6, LoopKind::Vector)), "x*3");
}

TEST_F(SimplifyKernel, GuardsProvenTrueAreRemovedOthersKept) {
  // x in [1, 8): x - 1 >= 0 always; x < 7 and 2 <= y not always.
  std::vector<StmtRef> body = {
      store(0, {x}, guardedLoad(1, {x - E(1)}, E(1) <= x, 0.0f)),
      store(0, {x}, guardedLoad(1, {x}, x < E(7), 0.0f)),
      store(0, {x}, guardedLoad(1, {x}, E(0) <= x && y < E(16), 0.0f), x + y < E(23)),
      store(0, {x}, guardedLoad(1, {x}, E(2) <= y && x < E(8), 0.0f), x < E(7)),
      store(0, {x}, guardedLoad(1, {x}, E(8) <= x, 2.5f), y < E(20))};
  Kernel k;
  k.buffers = {{"out", {64}, true, "", ""}, {"in", {64}, false, "", ""}};
  k.body =
      block({forLoop("x", 1, 8, LoopKind::Serial, {forLoop("y", 0, 16, LoopKind::Serial, body)})});
  simplifyKernel(k);
  auto load = [&](size_t i) { return body[i]->value; };
  EXPECT_EQ(load(0)->kind, ExprKind::Load);
  EXPECT_EQ(load(0)->guard, nullptr);
  ASSERT_NE(load(1)->guard, nullptr);
  EXPECT_EQ(printExpr(k, load(1)->guard), "x < 7");
  EXPECT_EQ(load(2)->guard, nullptr);
  EXPECT_EQ(body[2]->guard, nullptr);
  ASSERT_NE(load(3)->guard, nullptr);
  EXPECT_EQ(printExpr(k, load(3)->guard), "2 <= y");
  ASSERT_NE(body[3]->guard, nullptr);
  EXPECT_EQ(printExpr(k, body[3]->guard), "x < 7");
  // A load that only ever reads padding is its fill.
  ASSERT_EQ(load(4)->kind, ExprKind::Float);
  EXPECT_EQ(load(4)->floatValue, 2.5f);
  EXPECT_EQ(body[4]->guard, nullptr);
}

/// A random integer expression over x in [0, 8) and y in [0, 16), of the
/// forms lowering writes: sums, products by constants, floor division and
/// remainder by constants, min, max and selects on comparisons.
E randomExpr(std::mt19937 &rng, int depth) {
  auto pick = [&](int n) { return int(std::uniform_int_distribution<int>(0, n - 1)(rng)); };
  if (depth == 0 || pick(4) == 0) {
    int leaf = pick(3);
    return leaf == 0 ? var("x") : leaf == 1 ? var("y") : E(int64_t(pick(11) - 5));
  }
  E a = randomExpr(rng, depth - 1), b = randomExpr(rng, depth - 1);
  int64_t c = pick(6) + 1;
  switch (pick(9)) {
  case 0:
    return a + b;
  case 1:
    return a - b;
  case 2:
    return a * E(c - 3);
  case 3:
    return floorDiv(a, c);
  case 4:
    return mod(a, c);
  case 5:
    return min(a, b);
  case 6:
    return max(a, b);
  case 7:
    return select(a < b, a, b + E(1));
  default:
    return select(a <= b, b, a - E(2));
  }
}

TEST_F(SimplifyKernel, SimplifiedEqualsOriginalEverywhere) {
  std::mt19937 rng(18);
  std::vector<E> original;
  for (int i = 0; i < 400; ++i) original.push_back(randomExpr(rng, 4));
  std::vector<E> out = simplified(original);
  ASSERT_EQ(out.size(), original.size());
  int changed = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    changed += out[i].ref() != original[i].ref();
    for (int64_t xv = 0; xv < 8; ++xv)
      for (int64_t yv = 0; yv < 16; ++yv) {
        test::Values at{{"x", xv}, {"y", yv}};
        ASSERT_EQ(test::evalInt(out[i].ref(), at), test::evalInt(original[i].ref(), at))
            << "x = " << xv << ", y = " << yv << ": " << text(original[i]) << " became "
            << text(out[i]);
      }
  }
  EXPECT_GT(changed, 100); // the check is not vacuous
}

} // namespace
} // namespace lgc::loop
