//===- tests/unit/ir/OutputSizeTest.cpp - the output-size formula ---------===//
#include "compiler/ir/OutputSize.h"

#include <gtest/gtest.h>

using namespace lgc;

namespace {

WindowAxis axis(int64_t in, int64_t pad, int64_t k, int64_t s, int64_t d = 1, bool ceil = false) {
  return WindowAxis{in, pad, pad, k, s, d, ceil};
}

} // namespace

TEST(OutputSize, SpecExamples) {
  EXPECT_EQ(outputSize(axis(227, 0, 11, 4)), 55); // Conv2d k11 s4 p0
  EXPECT_EQ(outputSize(axis(64, 1, 11, 2)), 28);  // k11 s2 p1, height
  EXPECT_EQ(outputSize(axis(32, 1, 11, 2)), 12);  // k11 s2 p1, width
  EXPECT_EQ(outputSize(axis(28, 0, 5, 1)), 24);   // Conv2d k5
  EXPECT_EQ(outputSize(axis(24, 0, 2, 2)), 12);   // MaxPool2d(2)
}

TEST(OutputSize, Dilation) {
  EXPECT_EQ(outputSize(axis(10, 0, 3, 1, 2)), 6);  // effective kernel 5
  EXPECT_EQ(outputSize(axis(10, 2, 3, 1, 2)), 10); // padded to keep the size
}

TEST(OutputSize, AsymmetricPaddingOfSame) {
  // `same` with an even kernel pads one more at the end: 4 = 1 + 2.
  WindowAxis a{7, 1, 2, 4, 1, 1, false};
  EXPECT_EQ(outputSize(a), 7);
  EXPECT_EQ(outputSizeArithmetic(a), "floor((7 + 1+2 - 1*(4-1) - 1) / 1) + 1");
}

TEST(OutputSize, CeilModeAddsPartialWindow) {
  EXPECT_EQ(outputSize(axis(6, 0, 3, 2)), 2);
  EXPECT_EQ(outputSize(axis(6, 0, 3, 2, 1, true)), 3);
}

TEST(OutputSize, CeilModeDropsWindowStartingInPadding) {
  // PyTorch drops the last window when (out-1)*stride >= in + pad.
  // in=5, pad=1, k=2, s=2: ceil((5+2-1-1)/2)+1 = 4; window 3 starts at 6 >= 6: dropped.
  EXPECT_EQ(outputSize(axis(5, 1, 2, 2, 1, true)), 3);
  // in=4, pad=1, k=2, s=2: ceil((4+2-1-1)/2)+1 = 3; window 2 starts at 4 < 5: kept.
  EXPECT_EQ(outputSize(axis(4, 1, 2, 2, 1, true)), 3);
  // in=3, pad=1, k=3, s=3: ceil((3+2-2-1)/3)+1 = 2; window 1 starts at 3 < 4: kept.
  EXPECT_EQ(outputSize(axis(3, 1, 3, 3, 1, true)), 2);
  // in=5, pad=0, k=1, s=5: ceil(4/5)+1 = 2; window 1 starts at 5 >= 5: dropped.
  EXPECT_EQ(outputSize(axis(5, 0, 1, 5, 1, true)), 1);
}

TEST(OutputSize, WindowLargerThanInputIsNonPositive) {
  WindowAxis a = axis(4, 0, 5, 1);
  EXPECT_EQ(outputSize(a), 0);
  EXPECT_EQ(outputSizeArithmetic(a), "floor((4 + 2*0 - 1*(5-1) - 1) / 1) + 1");
  // floor((2 - 6 - 1) / 2) + 1 = floor(-2.5) + 1: division floors toward -infinity.
  EXPECT_EQ(outputSize(axis(2, 0, 7, 2)), -2);
}
