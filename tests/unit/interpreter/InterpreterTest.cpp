//===- tests/unit/interpreter/InterpreterTest.cpp - the reference oracle --===//
//
// interpret() on tiny graphs whose every output is worked out by hand in the
// comments: convolution (padding, stride, dilation, groups, flip), pooling
// (padded cells, count_include_pad, divisor_override, ceil_mode edge windows),
// adaptive bins, BatchNorm, Linear, Softmax, Concat, Add, Flatten and the
// activations; plus the internal errors for unbound weights and inputs.
//
//===----------------------------------------------------------------------===//
#include "compiler/interpreter/Interpreter.h"

#include "compiler/frontend/ModelParser.h"
#include "compiler/passes/Passes.h"

#include "tests/unit/ModelText.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace lgc {
namespace {

::testing::AssertionResult contains(const std::string &text, const std::string &part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

Tensor tensor(Shape shape, std::vector<float> values) {
  Tensor t(std::move(shape));
  if (static_cast<int64_t>(values.size()) != t.size())
    ADD_FAILURE() << "tensor of " << formatShape(t.shape) << " given " << values.size()
                  << " values";
  t.data.assign(values.begin(), values.end());
  return t;
}

/// 0, 1, 2, ... (or starting at `first`).
std::vector<float> iota(size_t n, float first = 0) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = first + static_cast<float>(i);
  return v;
}

/// Runs `g` on `x` and returns the output named `out`.
Tensor run(const Graph &g, const WeightMap &w, const Tensor &x, const std::string &out) {
  Expected<TensorMap> r = interpret(g, w, TensorMap{{"x", x}});
  if (!r) {
    ADD_FAILURE() << r.error().str();
    return Tensor{};
  }
  auto it = r->find(out);
  if (it == r->end()) {
    ADD_FAILURE() << "no output " << out;
    return Tensor{};
  }
  return it->second;
}

void expectTensor(const Tensor &t, const Shape &shape, const std::vector<float> &expected,
                  float tolerance = 1e-5f) {
  ASSERT_EQ(t.shape, shape);
  ASSERT_EQ(t.data.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(t.data[i], expected[i], tolerance) << "element " << i;
}

// ---------------------------------------------------------------------------
// Conv2d
// ---------------------------------------------------------------------------

TEST(InterpretConv, PlainWindowWithBias) {
  // x = [1 2 3; 4 5 6; 7 8 9], w = [1 2; 3 4], b = 0.5:
  // (0,0) = 1+4+12+20 = 37, (0,1) = 2+6+15+24 = 47, (1,0) = 67, (1,1) = 77.
  Graph g = build("[1, 1, 3, 3]", "  - {name: c, op: Conv2d, in_channels: 1, out_channels: 1, "
                                  "kernel_size: 2}\n");
  WeightMap w{{"c.weight", tensor({1, 1, 2, 2}, {1, 2, 3, 4})}, {"c.bias", tensor({1}, {0.5f})}};
  expectTensor(run(g, w, tensor({1, 1, 3, 3}, iota(9, 1)), "c"), {1, 1, 2, 2},
               {37.5f, 47.5f, 67.5f, 77.5f});
}

TEST(InterpretConv, ZeroPadding) {
  // x = [1 2; 3 4] padded by 1 to 4x4, w = [1 2; 3 4], no bias: each output
  // sums the kernel cells that land on the input.
  Graph g = build("[1, 1, 2, 2]", "  - {name: c, op: Conv2d, in_channels: 1, out_channels: 1, "
                                  "kernel_size: 2, padding: 1, bias: false}\n");
  WeightMap w{{"c.weight", tensor({1, 1, 2, 2}, {1, 2, 3, 4})}};
  expectTensor(run(g, w, tensor({1, 1, 2, 2}, {1, 2, 3, 4}), "c"), {1, 1, 3, 3},
               {4, 11, 6, 14, 30, 14, 6, 11, 4});
}

TEST(InterpretConv, SamePaddingWithEvenKernelPadsTheEnd) {
  // Width 3, k=2, `same`: pad 0 left, 1 right. x = [1 2 3], w = [1 10]:
  // [1+20, 2+30, 3+0] = [21, 32, 3].
  Graph g = build("[1, 1, 1, 3]", "  - {name: c, op: Conv2d, in_channels: 1, out_channels: 1, "
                                  "kernel_size: [1, 2], padding: same, bias: false}\n");
  WeightMap w{{"c.weight", tensor({1, 1, 1, 2}, {1, 10})}};
  expectTensor(run(g, w, tensor({1, 1, 1, 3}, {1, 2, 3}), "c"), {1, 1, 1, 3}, {21, 32, 3});
}

TEST(InterpretConv, Stride) {
  // x = 0..15 in 4x4, w = ones(2x2), stride 2: sums of the four 2x2 blocks.
  Graph g = build("[1, 1, 4, 4]", "  - {name: c, op: Conv2d, in_channels: 1, out_channels: 1, "
                                  "kernel_size: 2, stride: 2, bias: false}\n");
  WeightMap w{{"c.weight", tensor({1, 1, 2, 2}, {1, 1, 1, 1})}};
  expectTensor(run(g, w, tensor({1, 1, 4, 4}, iota(16)), "c"), {1, 1, 2, 2}, {10, 18, 42, 50});
}

TEST(InterpretConv, Dilation) {
  // x(r,c) = 5r+c on 5x5, w = [1 2; 3 4], dilation 2:
  // y = 1*x(r,c) + 2*x(r,c+2) + 3*x(r+2,c) + 4*x(r+2,c+2) = 10*x(r,c) + 82.
  Graph g = build("[1, 1, 5, 5]", "  - {name: c, op: Conv2d, in_channels: 1, out_channels: 1, "
                                  "kernel_size: 2, dilation: 2, bias: false}\n");
  WeightMap w{{"c.weight", tensor({1, 1, 2, 2}, {1, 2, 3, 4})}};
  expectTensor(run(g, w, tensor({1, 1, 5, 5}, iota(25)), "c"), {1, 1, 3, 3},
               {82, 92, 102, 132, 142, 152, 182, 192, 202});
}

TEST(InterpretConv, GroupsReadOnlyTheirChannels) {
  // Channels [2, 3], groups 2, 1x1 kernels [1, 10, 100, 1000]: outputs 0, 1
  // read channel 0 and outputs 2, 3 read channel 1.
  Graph g = build("[1, 2, 1, 1]", "  - {name: c, op: Conv2d, in_channels: 2, out_channels: 4, "
                                  "kernel_size: 1, groups: 2, bias: false}\n");
  WeightMap w{{"c.weight", tensor({4, 1, 1, 1}, {1, 10, 100, 1000})}};
  expectTensor(run(g, w, tensor({1, 2, 1, 1}, {2, 3}), "c"), {1, 4, 1, 1}, {2, 20, 300, 3000});
}

TEST(InterpretConv, ChannelsAndBatchAccumulate) {
  // Two images, channels [a, b], w = [[3, 5], [1, -1]], b = [0, 100]:
  // image 0 (1, 2): [13, 99]; image 1 (-1, 4): [17, 95].
  Graph g = build("[2, 2, 1, 1]", "  - {name: c, op: Conv2d, in_channels: 2, out_channels: 2, "
                                  "kernel_size: 1}\n");
  WeightMap w{{"c.weight", tensor({2, 2, 1, 1}, {3, 5, 1, -1})}, {"c.bias", tensor({2}, {0, 100})}};
  expectTensor(run(g, w, tensor({2, 2, 1, 1}, {1, 2, -1, 4}), "c"), {2, 2, 1, 1}, {13, 99, 17, 95});
}

TEST(InterpretConv, FlipRotatesTheKernel) {
  // As PlainWindowWithBias but flipped: the kernel acts as [4 3; 2 1].
  // (0,0) = 4+6+8+5 = 23, (0,1) = 33, (1,0) = 53, (1,1) = 63.
  Graph g = build("[1, 1, 3, 3]", "  - {name: c, op: Conv2d, in_channels: 1, out_channels: 1, "
                                  "kernel_size: 2, flip: true, bias: false}\n");
  WeightMap w{{"c.weight", tensor({1, 1, 2, 2}, {1, 2, 3, 4})}};
  expectTensor(run(g, w, tensor({1, 1, 3, 3}, iota(9, 1)), "c"), {1, 1, 2, 2}, {23, 33, 53, 63});
}

TEST(InterpretConv, FlipOfANonSquareKernel) {
  // x = [1 2 3 4], w = [1 2 3] flipped to [3 2 1]: [3+4+3, 6+6+4] = [10, 16]
  // (unflipped it would be [14, 20]).
  Graph g = build("[1, 1, 1, 4]", "  - {name: c, op: Conv2d, in_channels: 1, out_channels: 1, "
                                  "kernel_size: [1, 3], flip: true, bias: false}\n");
  WeightMap w{{"c.weight", tensor({1, 1, 1, 3}, {1, 2, 3})}};
  expectTensor(run(g, w, tensor({1, 1, 1, 4}, {1, 2, 3, 4}), "c"), {1, 1, 1, 2}, {10, 16});
}

// ---------------------------------------------------------------------------
// Pooling
// ---------------------------------------------------------------------------

TEST(InterpretMaxPool, PaddedCellsNeverWin) {
  // All-negative x = [-1 -2; -3 -4], k=2, s=1, p=1: a zero pad would win
  // everywhere; each output is instead the largest real cell it covers.
  Graph g = build("[1, 1, 2, 2]",
                  "  - {name: p, op: MaxPool2d, kernel_size: 2, stride: 1, padding: 1}\n");
  expectTensor(run(g, {}, tensor({1, 1, 2, 2}, {-1, -2, -3, -4}), "p"), {1, 1, 3, 3},
               {-1, -1, -2, -1, -1, -2, -3, -3, -4});
}

TEST(InterpretMaxPool, DilationSkipsCells) {
  // x = [1 5 2 4 3], k=2, d=2, s=1: max(1,2), max(5,4), max(2,3).
  Graph g = build("[1, 1, 1, 5]", "  - {name: p, op: MaxPool2d, kernel_size: [1, 2], stride: 1, "
                                  "dilation: [1, 2]}\n");
  expectTensor(run(g, {}, tensor({1, 1, 1, 5}, {1, 5, 2, 4, 3}), "p"), {1, 1, 1, 3}, {2, 5, 3});
}

TEST(InterpretMaxPool, CeilModeEdgeWindow) {
  // x = [1 2 3 4 5], k=2, s=2, ceil: windows [1 2], [3 4], [5].
  Graph g = build("[1, 1, 1, 5]", "  - {name: p, op: MaxPool2d, kernel_size: [1, 2], "
                                  "ceil_mode: true}\n");
  expectTensor(run(g, {}, tensor({1, 1, 1, 5}, {1, 2, 3, 4, 5}), "p"), {1, 1, 1, 3}, {2, 4, 5});
}

TEST(InterpretMaxPool, ChannelsArePooledSeparately) {
  Graph g = build("[1, 2, 2, 2]", "  - {name: p, op: MaxPool2d, kernel_size: 2}\n");
  expectTensor(run(g, {}, tensor({1, 2, 2, 2}, {1, 9, 3, 4, -5, -6, -7, -8}), "p"), {1, 2, 1, 1},
               {9, -5});
}

// x = [1 2; 3 4], k=2, s=1, p=1: window sums [1 3 2; 4 10 6; 3 7 4] over
// 4 padded cells, or over 1, 2 or 4 real ones.
std::string avgLayer(const std::string &extra) {
  return "  - {name: p, op: AvgPool2d, kernel_size: 2, stride: 1, padding: 1" + extra + "}\n";
}

TEST(InterpretAvgPool, CountIncludePadDividesByTheWholeWindow) {
  Graph g = build("[1, 1, 2, 2]", avgLayer(""));
  expectTensor(run(g, {}, tensor({1, 1, 2, 2}, {1, 2, 3, 4}), "p"), {1, 1, 3, 3},
               {0.25f, 0.75f, 0.5f, 1, 2.5f, 1.5f, 0.75f, 1.75f, 1});
}

TEST(InterpretAvgPool, CountExcludePadDividesByRealCells) {
  Graph g = build("[1, 1, 2, 2]", avgLayer(", count_include_pad: false"));
  expectTensor(run(g, {}, tensor({1, 1, 2, 2}, {1, 2, 3, 4}), "p"), {1, 1, 3, 3},
               {1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4});
}

TEST(InterpretAvgPool, DivisorOverrideReplacesBoth) {
  Graph g = build("[1, 1, 2, 2]", avgLayer(", divisor_override: 3, count_include_pad: false"));
  expectTensor(run(g, {}, tensor({1, 1, 2, 2}, {1, 2, 3, 4}), "p"), {1, 1, 3, 3},
               {1 / 3.0f, 1, 2 / 3.0f, 4 / 3.0f, 10 / 3.0f, 2, 1, 7 / 3.0f, 4 / 3.0f});
}

TEST(InterpretAvgPool, CeilModeEdgeWindowWithoutPadding) {
  // x = [1 2 3 4 5], k=2, s=2, ceil: the last window holds only 5 and, as in
  // PyTorch, is clipped to the input for the divisor too: [1.5, 3.5, 5].
  Graph g = build("[1, 1, 1, 5]", "  - {name: p, op: AvgPool2d, kernel_size: [1, 2], "
                                  "ceil_mode: true}\n");
  expectTensor(run(g, {}, tensor({1, 1, 1, 5}, {1, 2, 3, 4, 5}), "p"), {1, 1, 1, 3},
               {1.5f, 3.5f, 5});
}

TEST(InterpretAvgPool, CeilModeEdgeWindowWithPaddingIncluded) {
  // x = [1 2 3 4], k=3, s=2, p=1, ceil: windows start at -1, 1, 3.
  // Window 0 covers pad,1,2: 3/3 = 1. Window 1 covers 2,3,4: 9/3 = 3.
  // Window 2 covers 4,pad,(beyond the padding): PyTorch clips it at the end of
  // the padding, so the divisor is 2, not 3: 4/2 = 2.
  Graph g = build("[1, 1, 1, 4]", "  - {name: p, op: AvgPool2d, kernel_size: [1, 3], stride: [1, "
                                  "2], padding: [0, 1], ceil_mode: true}\n");
  expectTensor(run(g, {}, tensor({1, 1, 1, 4}, {1, 2, 3, 4}), "p"), {1, 1, 1, 3}, {1, 3, 2});
}

TEST(InterpretAvgPool, CeilModeEdgeWindowWithPaddingExcluded) {
  // As above, dividing by real cells: [3/2, 9/3, 4/1].
  Graph g = build("[1, 1, 1, 4]", "  - {name: p, op: AvgPool2d, kernel_size: [1, 3], stride: [1, "
                                  "2], padding: [0, 1], ceil_mode: true, count_include_pad: "
                                  "false}\n");
  expectTensor(run(g, {}, tensor({1, 1, 1, 4}, {1, 2, 3, 4}), "p"), {1, 1, 1, 3}, {1.5f, 3, 4});
}

TEST(InterpretAvgPool, CeilModeEdgeWindowAlongHeight) {
  // The column version of CeilModeEdgeWindowWithPaddingIncluded: [1, 3, 2].
  Graph g = build("[1, 1, 4, 1]", "  - {name: p, op: AvgPool2d, kernel_size: [3, 1], stride: [2, "
                                  "1], padding: [1, 0], ceil_mode: true}\n");
  expectTensor(run(g, {}, tensor({1, 1, 4, 1}, {1, 2, 3, 4}), "p"), {1, 1, 3, 1}, {1, 3, 2});
}

TEST(InterpretAdaptiveAvgPool, UnevenBinsOverlap) {
  // Width 5 to 3: bins [0,2), [1,4), [3,5) -> [1.5, 3, 4.5].
  Graph g = build("[1, 1, 1, 5]", "  - {name: a, op: AdaptiveAvgPool2d, output_size: [1, 3]}\n");
  expectTensor(run(g, {}, tensor({1, 1, 1, 5}, {1, 2, 3, 4, 5}), "a"), {1, 1, 1, 3},
               {1.5f, 3, 4.5f});
}

TEST(InterpretAdaptiveAvgPool, TwoDimensionalBins) {
  // 3x3 (1..9) to 2x2: bins [0,2) and [1,3) on both axes.
  Graph g = build("[1, 1, 3, 3]", "  - {name: a, op: AdaptiveAvgPool2d, output_size: 2}\n");
  expectTensor(run(g, {}, tensor({1, 1, 3, 3}, iota(9, 1)), "a"), {1, 1, 2, 2}, {3, 4, 6, 7});
}

TEST(InterpretAdaptiveAvgPool, UpsamplingRepeatsCells) {
  // Width 2 to 4: bins [0,1), [0,1), [1,2), [1,2).
  Graph g = build("[1, 1, 1, 2]", "  - {name: a, op: AdaptiveAvgPool2d, output_size: [1, 4]}\n");
  expectTensor(run(g, {}, tensor({1, 1, 1, 2}, {1, 3}), "a"), {1, 1, 1, 4}, {1, 1, 3, 3});
}

TEST(InterpretAdaptiveAvgPool, GlobalAverage) {
  Graph g = build("[2, 1, 2, 2]", "  - {name: a, op: AdaptiveAvgPool2d, output_size: 1}\n");
  expectTensor(run(g, {}, tensor({2, 1, 2, 2}, {1, 2, 3, 4, 10, 20, 30, 40}), "a"), {2, 1, 1, 1},
               {2.5f, 25});
}

// ---------------------------------------------------------------------------
// BatchNorm, Linear, Softmax
// ---------------------------------------------------------------------------

TEST(InterpretBatchNorm, UsesRunningStatistics) {
  // eps 0.25 makes sqrt(var + eps) exact: 2 for channel 0, 1 for channel 1.
  // ch0: (x - 1) / 2 * 3 + 1 on [1, 2] -> [1, 2.5]
  // ch1: (x - 2) / 1 * 0.5 - 1 on [3, 4] -> [-0.5, 0]
  Graph g = build("[1, 2, 1, 2]", "  - {name: bn, op: BatchNorm2d, num_features: 2, eps: 0.25}\n");
  WeightMap w{{"bn.weight", tensor({2}, {3, 0.5f})},
              {"bn.bias", tensor({2}, {1, -1})},
              {"bn.running_mean", tensor({2}, {1, 2})},
              {"bn.running_var", tensor({2}, {3.75f, 0.75f})}};
  expectTensor(run(g, w, tensor({1, 2, 1, 2}, {1, 2, 3, 4}), "bn"), {1, 2, 1, 2},
               {1, 2.5f, -0.5f, 0});
}

TEST(InterpretBatchNorm, DefaultEpsIsApplied) {
  // var 0, eps 1e-5: x / sqrt(1e-5) = x * 316.2278.
  Graph g = build("[1, 1, 1, 1]", "  - {name: bn, op: BatchNorm2d, num_features: 1}\n");
  WeightMap w{{"bn.weight", tensor({1}, {1})},
              {"bn.bias", tensor({1}, {0})},
              {"bn.running_mean", tensor({1}, {0})},
              {"bn.running_var", tensor({1}, {0})}};
  expectTensor(run(g, w, tensor({1, 1, 1, 1}, {1}), "bn"), {1, 1, 1, 1}, {316.22777f}, 1e-3f);
}

TEST(InterpretLinear, RowsTimesWeightTransposedPlusBias) {
  // x = [[1 2 3], [4 5 6]], W = [[1 0 -1], [.5 .5 .5]], b = [10, 20]:
  // row 0: [1-3+10, 3+20] = [8, 23]; row 1: [4-6+10, 7.5+20] = [8, 27.5].
  Graph g = build("[2, 3]", "  - {name: fc, op: Linear, in_features: 3, out_features: 2}\n");
  WeightMap w{{"fc.weight", tensor({2, 3}, {1, 0, -1, 0.5f, 0.5f, 0.5f})},
              {"fc.bias", tensor({2}, {10, 20})}};
  expectTensor(run(g, w, tensor({2, 3}, {1, 2, 3, 4, 5, 6}), "fc"), {2, 2}, {8, 23, 8, 27.5f});
}

TEST(InterpretLinear, WithoutBiasOnA4dInput) {
  // Every leading index is a row: same rows as above, no bias.
  Graph g = build("[1, 1, 2, 3]", "  - {name: fc, op: Linear, in_features: 3, out_features: 2, "
                                  "bias: false}\n");
  WeightMap w{{"fc.weight", tensor({2, 3}, {1, 0, -1, 0.5f, 0.5f, 0.5f})}};
  expectTensor(run(g, w, tensor({1, 1, 2, 3}, {1, 2, 3, 4, 5, 6}), "fc"), {1, 1, 2, 2},
               {-2, 3, -2, 7.5f});
}

TEST(InterpretSoftmax, RowsSumToOne) {
  Graph g = build("[2, 3]", "  - {name: s, op: Softmax}\n");
  Tensor y = run(g, {}, tensor({2, 3}, {1, 2, 3, 0, 0, 0}), "s");
  ASSERT_EQ(y.shape, (Shape{2, 3}));
  double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(y.data[0], std::exp(1.0) / z, 1e-6); // 0.0900306
  EXPECT_NEAR(y.data[1], std::exp(2.0) / z, 1e-6); // 0.2447285
  EXPECT_NEAR(y.data[2], std::exp(3.0) / z, 1e-6); // 0.6652410
  EXPECT_NEAR(y.data[0], 0.0900306, 1e-6);
  for (int i = 3; i < 6; ++i) EXPECT_NEAR(y.data[static_cast<size_t>(i)], 1 / 3.0, 1e-6);
  for (int row = 0; row < 2; ++row) {
    double sum = 0;
    for (int k = 0; k < 3; ++k) sum += y.data[static_cast<size_t>(row * 3 + k)];
    EXPECT_NEAR(sum, 1.0, 1e-6);
  }
}

TEST(InterpretSoftmax, LargeLogitsDoNotOverflow) {
  Graph g = build("[1, 2]", "  - {name: s, op: Softmax}\n");
  expectTensor(run(g, {}, tensor({1, 2}, {1000, 1000}), "s"), {1, 2}, {0.5f, 0.5f});
}

TEST(InterpretSoftmax, AlongChannelsOfA4dTensor) {
  // dim 1 of [1, 2, 1, 2]: pixel 0 has logits (0, ln 3) -> (0.25, 0.75);
  // pixel 1 has (5, 5) -> (0.5, 0.5).
  Graph g = build("[1, 2, 1, 2]", "  - {name: s, op: Softmax}\n");
  expectTensor(run(g, {}, tensor({1, 2, 1, 2}, {0, 5, std::log(3.0f), 5}), "s"), {1, 2, 1, 2},
               {0.25f, 0.5f, 0.75f, 0.5f});
}

TEST(InterpretSoftmax, AlongTheLastDimension) {
  Graph g = build("[1, 2, 1, 2]", "  - {name: s, op: Softmax, dim: -1}\n");
  expectTensor(run(g, {}, tensor({1, 2, 1, 2}, {0, std::log(3.0f), 7, 7}), "s"), {1, 2, 1, 2},
               {0.25f, 0.75f, 0.5f, 0.5f});
}

// ---------------------------------------------------------------------------
// Concat, Add, Flatten
// ---------------------------------------------------------------------------

// x = [1 -2; 3 -4] and r = ReLU(x) = [1 0; 3 0] in [1, 1, 2, 2].
const char *kXandR = "  - {name: r, op: ReLU}\n";

TEST(InterpretConcat, FollowsTheInputOrder) {
  Graph g =
      build("[1, 1, 2, 2]", std::string(kXandR) + "  - {name: c, op: Concat, input: [r, x]}\n");
  expectTensor(run(g, {}, tensor({1, 1, 2, 2}, {1, -2, 3, -4}), "c"), {1, 2, 2, 2},
               {1, 0, 3, 0, 1, -2, 3, -4});
}

TEST(InterpretConcat, AlongHeight) {
  Graph g = build("[1, 1, 2, 2]",
                  std::string(kXandR) + "  - {name: c, op: Concat, input: [x, r], dim: 2}\n");
  expectTensor(run(g, {}, tensor({1, 1, 2, 2}, {1, -2, 3, -4}), "c"), {1, 1, 4, 2},
               {1, -2, 3, -4, 1, 0, 3, 0});
}

TEST(InterpretConcat, AlongTheLastDimension) {
  Graph g = build("[1, 1, 2, 2]",
                  std::string(kXandR) + "  - {name: c, op: Concat, input: [x, r], dim: -1}\n");
  expectTensor(run(g, {}, tensor({1, 1, 2, 2}, {1, -2, 3, -4}), "c"), {1, 1, 2, 4},
               {1, -2, 1, 0, 3, -4, 3, 0});
}

TEST(InterpretConcat, ChannelsOfABatch) {
  // Two images of one channel each: per image, r's channel then x's.
  Graph g =
      build("[2, 1, 1, 2]", std::string(kXandR) + "  - {name: c, op: Concat, input: [r, x]}\n");
  expectTensor(run(g, {}, tensor({2, 1, 1, 2}, {1, -2, -3, 4}), "c"), {2, 2, 1, 2},
               {1, 0, 1, -2, 0, 4, -3, 4});
}

TEST(InterpretAdd, SumsEveryInput) {
  // x + r + x = [3, -4, 9, -8].
  Graph g =
      build("[1, 1, 2, 2]", std::string(kXandR) + "  - {name: s, op: Add, input: [x, r, x]}\n");
  expectTensor(run(g, {}, tensor({1, 1, 2, 2}, {1, -2, 3, -4}), "s"), {1, 1, 2, 2}, {3, -4, 9, -8});
}

TEST(InterpretFlatten, KeepsTheOrderAndChangesTheShape) {
  Graph g = build("[2, 2, 1, 3]", "  - {name: f, op: Flatten}\n");
  expectTensor(run(g, {}, tensor({2, 2, 1, 3}, iota(12)), "f"), {2, 6}, iota(12));
}

// ---------------------------------------------------------------------------
// Activations
// ---------------------------------------------------------------------------

Tensor activation(const std::string &layer, const std::vector<float> &x) {
  Graph g = build("[1, " + std::to_string(x.size()) + "]", "  - " + layer + "\n");
  return run(g, {}, tensor({1, static_cast<int64_t>(x.size())}, x), "a");
}

TEST(InterpretActivation, ReLU) {
  expectTensor(activation("{name: a, op: ReLU}", {-2, 0, 0.5f, 7}), {1, 4}, {0, 0, 0.5f, 7});
}

TEST(InterpretActivation, ReLU6ClampsAtSix) {
  expectTensor(activation("{name: a, op: ReLU6}", {-2, 0.5f, 6, 7}), {1, 4}, {0, 0.5f, 6, 6});
}

TEST(InterpretActivation, LeakyReLUDefaultAndCustomSlope) {
  expectTensor(activation("{name: a, op: LeakyReLU}", {-2, 0, 3}), {1, 3}, {-0.02f, 0, 3});
  expectTensor(activation("{name: a, op: LeakyReLU, negative_slope: 0.2}", {-2, 3}), {1, 2},
               {-0.4f, 3});
}

TEST(InterpretActivation, SigmoidAndTanh) {
  expectTensor(activation("{name: a, op: Sigmoid}", {0, 2, -2}), {1, 3},
               {0.5f, 0.8807971f, 0.1192029f});
  expectTensor(activation("{name: a, op: Tanh}", {0, 1, -1}), {1, 3}, {0, 0.7615942f, -0.7615942f});
}

TEST(InterpretActivation, IdentityAndDropoutPassThrough) {
  expectTensor(activation("{name: a, op: Identity}", {-2, 7}), {1, 2}, {-2, 7});
  expectTensor(activation("{name: a, op: Dropout, p: 0.9}", {-2, 7}), {1, 2}, {-2, 7});
}

// ---------------------------------------------------------------------------
// Outputs and errors
// ---------------------------------------------------------------------------

TEST(Interpret, ReturnsExactlyTheGraphOutputs) {
  Graph g = build("[1, 2]",
                  "  - {name: a, op: ReLU}\n  - {name: b, op: Tanh}\n"
                  "  - {name: c, op: Sigmoid, input: a}\n",
                  "outputs: [c, a]\n");
  Expected<TensorMap> r = interpret(g, {}, TensorMap{{"x", tensor({1, 2}, {-1, 0})}});
  ASSERT_TRUE(r) << r.error().str();
  ASSERT_EQ(r->size(), 2u);
  expectTensor(r->at("a"), {1, 2}, {0, 0});
  expectTensor(r->at("c"), {1, 2}, {0.5f, 0.5f});
}

TEST(Interpret, MissingWeightIsAnInternalError) {
  Graph g = build("[1, 1, 2, 2]", "  - {name: c, op: Conv2d, in_channels: 1, out_channels: 1, "
                                  "kernel_size: 1}\n");
  WeightMap w{{"c.weight", tensor({1, 1, 1, 1}, {1})}}; // no c.bias
  Expected<TensorMap> r = interpret(g, w, TensorMap{{"x", tensor({1, 1, 2, 2}, {1, 2, 3, 4})}});
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().isInternal());
  EXPECT_TRUE(contains(r.error().message(), "'c.bias'"));
}

TEST(Interpret, WrongWeightShapeIsAnInternalError) {
  Graph g = build("[1, 3]", "  - {name: fc, op: Linear, in_features: 3, out_features: 2, "
                            "bias: false}\n");
  WeightMap w{{"fc.weight", tensor({3, 2}, {1, 2, 3, 4, 5, 6})}}; // transposed
  Expected<TensorMap> r = interpret(g, w, TensorMap{{"x", tensor({1, 3}, {1, 2, 3})}});
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().isInternal());
  EXPECT_TRUE(contains(r.error().message(), "'fc.weight' is not bound with shape [2, 3]"));
}

TEST(Interpret, MissingOrMisshapenInputIsAnInternalError) {
  Graph g = build("[1, 3]", "  - {name: a, op: ReLU}\n");
  Expected<TensorMap> none = interpret(g, {}, TensorMap{});
  ASSERT_FALSE(none);
  EXPECT_TRUE(none.error().isInternal());
  EXPECT_TRUE(contains(none.error().message(), "input 'x'"));
  Expected<TensorMap> wrong = interpret(g, {}, TensorMap{{"x", tensor({1, 2}, {1, 2})}});
  ASSERT_FALSE(wrong);
  EXPECT_TRUE(wrong.error().isInternal());
}

} // namespace
} // namespace lgc
