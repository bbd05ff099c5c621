//===- tests/unit/ir/ShapeInferenceTest.cpp - shapes of every op ----------===//
//
// parseModelText + inferShapes (and computeOutputShape) on small models: the
// examples SPEC §1 says must hold, ceil_mode and its dropped last window,
// same/valid padding, dilation, groups, Flatten, Concat, Linear, Add,
// AdaptiveAvgPool2d, errors that show the arithmetic, setBatchSize, size
// limits, and a seeded randomized comparison of lgc::outputSize with an
// independent transcription of PyTorch's pooling_output_shape.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontend/ModelParser.h"
#include "compiler/ir/OutputSize.h"
#include "compiler/ir/ShapeRules.h"
#include "compiler/passes/Passes.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace lgc {
namespace {

::testing::AssertionResult contains(const std::string &text, const std::string &part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

/// A model with one input `x` of `shape`; the first layer is on line 5.
std::string model(const std::string &shape, const std::string &layers) {
  return "model: m\ninputs:\n  x: " + shape + "\nlayers:\n" + layers;
}

/// The parsed graph with shapes inferred (empty after reporting a failure).
Graph inferred(const std::string &text) {
  Expected<Graph> g = parseModelText(text, "m.yaml");
  if (!g) {
    ADD_FAILURE() << "parse error: " << g.error().str();
    return Graph{};
  }
  if (Error e = inferShapes(*g)) {
    ADD_FAILURE() << "shape error: " << e.str();
    return Graph{};
  }
  return std::move(*g);
}

/// The shape of the value named `name` (empty if there is none).
Shape shapeOf(const Graph &g, const std::string &name) {
  ValueId id = g.findValue(name);
  if (id < 0) {
    ADD_FAILURE() << "no value named " << name;
    return {};
  }
  return g.value(id).shape;
}

/// The error inferShapes reports (the model must parse).
Error inferError(const std::string &text) {
  Expected<Graph> g = parseModelText(text, "m.yaml");
  if (!g) {
    ADD_FAILURE() << "parse error: " << g.error().str();
    return Error::internal("parse error");
  }
  Error e = inferShapes(*g);
  if (!e) ADD_FAILURE() << "expected a shape error";
  return e;
}

// ---------------------------------------------------------------------------
// SPEC §1 examples
// ---------------------------------------------------------------------------

TEST(ShapeInference, SpecConvK11S4On227Gives55) {
  Graph g = inferred(model("[1, 1, 227, 227]", "  - {name: c, op: Conv2d, in_channels: 1, "
                                               "out_channels: 1, kernel_size: 11, stride: 4}\n"));
  EXPECT_EQ(shapeOf(g, "c"), (Shape{1, 1, 55, 55}));
}

TEST(ShapeInference, SpecConvK11S2P1On64x32Gives28x12) {
  Graph g = inferred(model("[1, 1, 64, 32]", "  - {name: c, op: Conv2d, in_channels: 1, "
                                             "out_channels: 1, kernel_size: 11, stride: 2, "
                                             "padding: 1}\n"));
  EXPECT_EQ(shapeOf(g, "c"), (Shape{1, 1, 28, 12}));
}

TEST(ShapeInference, SpecConvK5ThenMaxPool2) {
  Graph g =
      inferred(model("[1, 1, 28, 28]", "  - {name: c, op: Conv2d, in_channels: 1, out_channels: 5, "
                                       "kernel_size: 5}\n"
                                       "  - {name: p, op: MaxPool2d, kernel_size: 2}\n"));
  EXPECT_EQ(shapeOf(g, "c"), (Shape{1, 5, 24, 24}));
  EXPECT_EQ(shapeOf(g, "p"), (Shape{1, 5, 12, 12}));
}

TEST(ShapeInference, InputsKeepTheirShapeAndElementwiseOpsCopyIt) {
  Graph g = inferred(model("[2, 3, 5, 7]", "  - {name: a, op: ReLU}\n"
                                           "  - {name: b, op: LeakyReLU}\n"
                                           "  - {name: c, op: Dropout}\n"
                                           "  - {name: d, op: Softmax}\n"));
  EXPECT_EQ(shapeOf(g, "x"), (Shape{2, 3, 5, 7}));
  for (const char *n : {"a", "b", "c", "d"}) EXPECT_EQ(shapeOf(g, n), (Shape{2, 3, 5, 7})) << n;
}

// ---------------------------------------------------------------------------
// Windows: ceil_mode, padding, dilation, groups
// ---------------------------------------------------------------------------

TEST(ShapeInference, CeilModeAddsThePartialWindow) {
  Graph g = inferred(model("[1, 2, 6, 7]",
                           "  - {name: f, op: MaxPool2d, kernel_size: 3, stride: 2}\n"
                           "  - {name: c, op: MaxPool2d, input: x, kernel_size: 3, stride: 2, "
                           "ceil_mode: true}\n"));
  EXPECT_EQ(shapeOf(g, "f"), (Shape{1, 2, 2, 3})); // floor(3/2)+1, floor(4/2)+1
  EXPECT_EQ(shapeOf(g, "c"), (Shape{1, 2, 3, 3})); // ceil(3/2)+1, ceil(4/2)+1
}

TEST(ShapeInference, CeilModeDropsAWindowStartingInThePadding) {
  // in=5, k=2, s=2, p=1: ceil((5+2-1-1)/2)+1 = 4, but window 3 starts at 6 >= 5+1: dropped.
  Graph g = inferred(model("[1, 1, 5, 5]",
                           "  - {name: m, op: MaxPool2d, kernel_size: 2, stride: 2, padding: 1, "
                           "ceil_mode: true}\n"
                           "  - {name: a, op: AvgPool2d, input: x, kernel_size: 2, stride: 2, "
                           "padding: 1, ceil_mode: true}\n"));
  EXPECT_EQ(shapeOf(g, "m"), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(shapeOf(g, "a"), (Shape{1, 1, 3, 3}));
}

TEST(ShapeInference, CeilModeKeepsAWindowStartingInTheInput) {
  // in=4, k=3, s=2, p=1: ceil((4+2-2-1)/2)+1 = 3; window 2 starts at 4 < 4+1: kept.
  Graph g = inferred(model("[1, 1, 4, 4]", "  - {name: m, op: AvgPool2d, kernel_size: 3, "
                                           "stride: 2, padding: 1, ceil_mode: true}\n"));
  EXPECT_EQ(shapeOf(g, "m"), (Shape{1, 1, 3, 3}));
}

TEST(ShapeInference, SamePaddingKeepsTheSize) {
  Graph g = inferred(model("[1, 2, 7, 5]",
                           "  - {name: a, op: Conv2d, in_channels: 2, out_channels: 3, "
                           "kernel_size: 4, padding: same}\n"
                           "  - {name: b, op: Conv2d, input: x, in_channels: 2, out_channels: 3, "
                           "kernel_size: [4, 5], dilation: [3, 2], padding: same}\n"
                           "  - {name: c, op: Conv2d, input: x, in_channels: 2, out_channels: 3, "
                           "kernel_size: [2, 3], padding: same}\n"));
  EXPECT_EQ(shapeOf(g, "a"), (Shape{1, 3, 7, 5}));
  EXPECT_EQ(shapeOf(g, "b"), (Shape{1, 3, 7, 5}));
  EXPECT_EQ(shapeOf(g, "c"), (Shape{1, 3, 7, 5}));
}

TEST(ShapeInference, ValidPaddingShrinks) {
  Graph g = inferred(model("[1, 2, 7, 5]", "  - {name: a, op: Conv2d, in_channels: 2, "
                                           "out_channels: 3, kernel_size: 3, padding: valid}\n"));
  EXPECT_EQ(shapeOf(g, "a"), (Shape{1, 3, 5, 3}));
}

TEST(ShapeInference, DilationWidensTheWindow) {
  Graph g = inferred(model("[1, 1, 10, 12]",
                           "  - {name: c, op: Conv2d, in_channels: 1, out_channels: 1, "
                           "kernel_size: 3, dilation: [2, 3]}\n"
                           "  - {name: p, op: MaxPool2d, input: x, kernel_size: 3, stride: 1, "
                           "dilation: 2}\n"));
  EXPECT_EQ(shapeOf(g, "c"), (Shape{1, 1, 6, 6})); // effective kernels 5 and 7
  EXPECT_EQ(shapeOf(g, "p"), (Shape{1, 1, 6, 8}));
}

TEST(ShapeInference, AsymmetricStrideAndPadding) {
  Graph g = inferred(model("[1, 3, 9, 10]", "  - {name: c, op: Conv2d, in_channels: 3, "
                                            "out_channels: 4, kernel_size: [5, 3], stride: [2, "
                                            "1], padding: [2, 1]}\n"));
  EXPECT_EQ(shapeOf(g, "c"), (Shape{1, 4, 5, 10}));
}

TEST(ShapeInference, GroupsCheckWholeInputChannels) {
  Graph g = inferred(model("[1, 4, 6, 6]", "  - {name: c, op: Conv2d, in_channels: 4, "
                                           "out_channels: 8, kernel_size: 3, groups: 2}\n"
                                           "  - {name: d, op: Conv2d, in_channels: 8, "
                                           "out_channels: 8, kernel_size: 1, groups: 8}\n"));
  EXPECT_EQ(shapeOf(g, "c"), (Shape{1, 8, 4, 4}));
  EXPECT_EQ(shapeOf(g, "d"), (Shape{1, 8, 4, 4}));
}

TEST(ShapeInference, BatchDimensionIsCarried) {
  Graph g = inferred(model("[3, 2, 8, 8]",
                           "  - {name: c, op: Conv2d, in_channels: 2, out_channels: 4, "
                           "kernel_size: 3, padding: 1}\n"
                           "  - {name: p, op: AvgPool2d, kernel_size: 2}\n"
                           "  - {name: f, op: Flatten}\n"
                           "  - {name: fc, op: Linear, in_features: 64, out_features: 5}\n"));
  EXPECT_EQ(shapeOf(g, "c"), (Shape{3, 4, 8, 8}));
  EXPECT_EQ(shapeOf(g, "p"), (Shape{3, 4, 4, 4}));
  EXPECT_EQ(shapeOf(g, "f"), (Shape{3, 64}));
  EXPECT_EQ(shapeOf(g, "fc"), (Shape{3, 5}));
}

// ---------------------------------------------------------------------------
// AdaptiveAvgPool2d, Flatten, Linear, Concat, Add
// ---------------------------------------------------------------------------

TEST(ShapeInference, AdaptiveAvgPoolGivesTheOutputSize) {
  Graph g = inferred(model("[2, 3, 13, 9]",
                           "  - {name: a, op: AdaptiveAvgPool2d, output_size: [6, 4]}\n"
                           "  - {name: b, op: AdaptiveAvgPool2d, input: x, output_size: 1}\n"
                           "  - {name: c, op: AdaptiveAvgPool2d, input: x, output_size: 20}\n"));
  EXPECT_EQ(shapeOf(g, "a"), (Shape{2, 3, 6, 4}));
  EXPECT_EQ(shapeOf(g, "b"), (Shape{2, 3, 1, 1}));
  EXPECT_EQ(shapeOf(g, "c"), (Shape{2, 3, 20, 20})); // larger than the input: allowed
}

TEST(ShapeInference, FlattenVariants) {
  Graph g = inferred(model("[2, 3, 4, 5]",
                           "  - {name: d, op: Flatten}\n"
                           "  - {name: s2, op: Flatten, input: x, start_dim: 2}\n"
                           "  - {name: e2, op: Flatten, input: x, end_dim: -2}\n"
                           "  - {name: all, op: Flatten, input: x, start_dim: 0}\n"
                           "  - {name: neg, op: Flatten, input: x, start_dim: -3, end_dim: 2}\n"
                           "  - {name: one, op: Flatten, input: x, start_dim: 1, end_dim: 1}\n"
                           "  - {name: last, op: Flatten, input: x, start_dim: -1}\n"));
  EXPECT_EQ(shapeOf(g, "d"), (Shape{2, 60}));
  EXPECT_EQ(shapeOf(g, "s2"), (Shape{2, 3, 20}));
  EXPECT_EQ(shapeOf(g, "e2"), (Shape{2, 12, 5}));
  EXPECT_EQ(shapeOf(g, "all"), (Shape{120}));
  EXPECT_EQ(shapeOf(g, "neg"), (Shape{2, 12, 5}));
  EXPECT_EQ(shapeOf(g, "one"), (Shape{2, 3, 4, 5}));
  EXPECT_EQ(shapeOf(g, "last"), (Shape{2, 3, 4, 5}));
}

TEST(ShapeInference, FlattenOf2dInputIsUnchanged) {
  Graph g = inferred(model("[4, 10]", "  - {name: f, op: Flatten}\n"));
  EXPECT_EQ(shapeOf(g, "f"), (Shape{4, 10}));
}

TEST(ShapeInference, FlattenWithStartAfterEndIsAnError) {
  Error e = inferError(model("[2, 3, 4, 5]", "  - {name: a, op: ReLU}\n"
                                             "  - {name: f, op: Flatten, start_dim: 3, "
                                             "end_dim: 1}\n"));
  EXPECT_EQ(e.location().line, 6);
  EXPECT_EQ(e.location().col, 5);
  EXPECT_TRUE(contains(e.message(), "layer 'f' cannot flatten dims 3..1 of a 4-D input "
                                    "[2, 3, 4, 5]"));
}

TEST(ShapeInference, FlattenDimOutOfRangeIsAnError) {
  Error e = inferError(model("[2, 3, 4, 5]", "  - {name: f, op: Flatten, start_dim: -5}\n"));
  EXPECT_TRUE(contains(e.message(), "cannot flatten dims -5..-1"));
}

TEST(ShapeInference, LinearOn2dInput) {
  Graph g = inferred(model("[3, 10]", "  - {name: fc, op: Linear, in_features: 10, "
                                      "out_features: 4}\n"));
  EXPECT_EQ(shapeOf(g, "fc"), (Shape{3, 4}));
}

TEST(ShapeInference, LinearActsOnTheLastDimensionOfA3dInput) {
  Graph g = inferred(model("[2, 3, 4, 5]",
                           "  - {name: f, op: Flatten, start_dim: 2}\n"
                           "  - {name: fc, op: Linear, in_features: 20, out_features: 7}\n"
                           "  - {name: fc4, op: Linear, input: x, in_features: 5, "
                           "out_features: 6}\n"));
  EXPECT_EQ(shapeOf(g, "f"), (Shape{2, 3, 20}));
  EXPECT_EQ(shapeOf(g, "fc"), (Shape{2, 3, 7}));
  EXPECT_EQ(shapeOf(g, "fc4"), (Shape{2, 3, 4, 6}));
}

TEST(ShapeInference, LinearMismatchSuggestsFlatten) {
  Error e = inferError(model("[1, 16, 5, 5]", "  - {name: fc1, op: Linear, in_features: 400, "
                                              "out_features: 120}\n"));
  EXPECT_FALSE(e.isInternal());
  EXPECT_EQ(e.location().line, 5);
  EXPECT_TRUE(contains(e.message(), "layer 'fc1' expects in_features=400 but its input 'x' has "
                                    "shape [1, 16, 5, 5]"));
  // The note explains the fix with the arithmetic (wording may evolve).
  EXPECT_TRUE(contains(e.str(), "m.yaml:5:5: note: a 4-D input needs a Flatten"));
  EXPECT_TRUE(contains(e.str(), "16*5*5 = 400 features"));
}

TEST(ShapeInference, LinearMismatchOn2dInput) {
  Error e = inferError(model("[2, 9]", "  - {name: fc, op: Linear, in_features: 10, "
                                       "out_features: 4}\n"));
  EXPECT_TRUE(contains(e.message(), "expects in_features=10 but its input 'x' has shape [2, 9]"));
}

TEST(ShapeInference, ConcatAlongChannels) {
  Graph g =
      inferred(model("[2, 3, 4, 5]", "  - {name: c, op: Conv2d, in_channels: 3, out_channels: 2, "
                                     "kernel_size: 1}\n"
                                     "  - {name: cat, op: Concat, input: [x, c, x]}\n"));
  EXPECT_EQ(shapeOf(g, "cat"), (Shape{2, 8, 4, 5}));
}

TEST(ShapeInference, ConcatAlongHeightAndLastDim) {
  Graph g =
      inferred(model("[2, 3, 4, 5]", "  - {name: p, op: MaxPool2d, kernel_size: [2, 1]}\n"
                                     "  - {name: h, op: Concat, input: [x, p], dim: 2}\n"
                                     "  - {name: q, op: MaxPool2d, input: x, kernel_size: [1, 5]}\n"
                                     "  - {name: w, op: Concat, input: [q, x, q], dim: -1}\n"));
  EXPECT_EQ(shapeOf(g, "h"), (Shape{2, 3, 6, 5}));
  EXPECT_EQ(shapeOf(g, "w"), (Shape{2, 3, 4, 7}));
}

TEST(ShapeInference, ConcatOf2dValues) {
  std::string text = "model: m\ninputs:\n  a: [2, 3]\n  b: [2, 5]\nlayers:\n"
                     "  - {name: cat, op: Concat, input: [a, b]}\n";
  Graph g = inferred(text);
  EXPECT_EQ(shapeOf(g, "cat"), (Shape{2, 8}));
}

TEST(ShapeInference, ConcatMismatchOutsideDimIsAnError) {
  Error e = inferError(model("[2, 3, 4, 5]", "  - {name: p, op: MaxPool2d, kernel_size: 2}\n"
                                             "  - {name: cat, op: Concat, input: [x, p]}\n"));
  EXPECT_EQ(e.location().line, 6);
  EXPECT_TRUE(contains(e.message(), "layer 'cat' concatenates along dim 1 inputs whose other dims "
                                    "differ: 'x' is [2, 3, 4, 5], 'p' is [2, 3, 2, 2]"));
}

TEST(ShapeInference, ConcatOfDifferentRanksIsAnError) {
  Error e = inferError(model("[2, 3, 4, 5]", "  - {name: f, op: Flatten}\n"
                                             "  - {name: cat, op: Concat, input: [x, f]}\n"));
  EXPECT_TRUE(contains(e.message(), "'f' is [2, 60]"));
}

TEST(ShapeInference, ConcatDimOutOfRangeIsAnError) {
  Error e = inferError(model("[2, 3, 4, 5]", "  - {name: a, op: ReLU}\n"
                                             "  - {name: cat, op: Concat, input: [x, a], "
                                             "dim: 4}\n"));
  EXPECT_TRUE(contains(e.message(), "concatenates along dim 4, but 'x' has 4 dimensions"));
}

TEST(ShapeInference, AddKeepsTheShape) {
  Graph g = inferred(model("[2, 3, 4, 5]", "  - {name: a, op: ReLU}\n"
                                           "  - {name: s, op: Add, input: [a, x, a]}\n"));
  EXPECT_EQ(shapeOf(g, "s"), (Shape{2, 3, 4, 5}));
}

TEST(ShapeInference, AddShapeMismatchIsAnError) {
  Error e = inferError(model("[2, 3, 4, 5]", "  - {name: p, op: MaxPool2d, kernel_size: 2}\n"
                                             "  - {name: s, op: Add, input: [x, p]}\n"));
  EXPECT_FALSE(e.isInternal());
  EXPECT_EQ(e.location().line, 6);
  EXPECT_TRUE(contains(e.message(), "layer 's' adds inputs of different shapes: 'x' is "
                                    "[2, 3, 4, 5], 'p' is [2, 3, 2, 2]"));
}

TEST(ShapeInference, SoftmaxDimOutOfRangeIsAnError) {
  Error e = inferError(model("[2, 10]", "  - {name: s, op: Softmax, dim: 2}\n"));
  EXPECT_TRUE(contains(e.message(), "layer 's' takes softmax along dim 2, but 'x' has shape "
                                    "[2, 10]"));
}

// ---------------------------------------------------------------------------
// Errors that show the arithmetic, channel mismatches
// ---------------------------------------------------------------------------

TEST(ShapeInference, ZeroHeightShowsTheArithmetic) {
  Error e = inferError(model("[1, 1, 4, 8]",
                             "  - {name: a, op: ReLU}\n"
                             "  - {name: pool2, op: MaxPool2d, kernel_size: 5, stride: 1}\n"));
  EXPECT_FALSE(e.isInternal());
  EXPECT_EQ(e.str(), "m.yaml:6:5: error: layer 'pool2' output height is 0: "
                     "floor((4 + 2*0 - 1*(5-1) - 1) / 1) + 1\n");
}

TEST(ShapeInference, NegativeWidthShowsTheArithmetic) {
  Error e = inferError(model("[1, 1, 16, 2]", "  - {name: c, op: Conv2d, in_channels: 1, "
                                              "out_channels: 1, kernel_size: 7, stride: 2}\n"));
  EXPECT_EQ(e.location().line, 5);
  EXPECT_TRUE(contains(e.message(),
                       "layer 'c' output width is -2: floor((2 + 2*0 - 1*(7-1) - 1) / 2) + 1"));
}

TEST(ShapeInference, CeilModeArithmeticSaysCeil) {
  Error e = inferError(model("[1, 1, 2, 9]", "  - {name: p, op: MaxPool2d, kernel_size: 3, "
                                             "stride: 1, dilation: 2, ceil_mode: true}\n"));
  EXPECT_TRUE(contains(e.message(), "output height is -2: ceil((2 + 2*0 - 2*(3-1) - 1) / 1) + 1"));
}

TEST(ShapeInference, ConvChannelMismatchNamesBoth) {
  Error e = inferError(model("[1, 3, 8, 8]",
                             "  - {name: pool1, op: MaxPool2d, kernel_size: 2}\n"
                             "  - {name: conv2, op: Conv2d, in_channels: 32, out_channels: 8, "
                             "kernel_size: 3}\n"));
  EXPECT_EQ(e.str(), "m.yaml:6:5: error: layer 'conv2' expects in_channels=32 but its input "
                     "'pool1' has 3 channels\n");
}

TEST(ShapeInference, BatchNormChannelMismatch) {
  Error e = inferError(model("[1, 3, 8, 8]", "  - {name: bn, op: BatchNorm2d, num_features: 4}\n"));
  EXPECT_TRUE(contains(e.message(), "layer 'bn' expects num_features=4 but its input 'x' has 3 "
                                    "channels"));
}

TEST(ShapeInference, SpatialOpsNeed4dInput) {
  Error e = inferError(model("[2, 8]", "  - {name: p, op: MaxPool2d, kernel_size: 2}\n"));
  EXPECT_TRUE(contains(e.message(), "layer 'p' (MaxPool2d) needs a 4-D input [N, C, H, W], but "
                                    "'x' has shape [2, 8]"));
  Error c = inferError(model("[2, 8]", "  - {name: c, op: Conv2d, in_channels: 8, out_channels: "
                                       "1, kernel_size: 1}\n"));
  EXPECT_TRUE(contains(c.message(), "needs a 4-D input"));
  Error a = inferError(model("[2, 8]", "  - {name: a, op: AdaptiveAvgPool2d, output_size: 1}\n"));
  EXPECT_TRUE(contains(a.message(), "needs a 4-D input"));
  Error b = inferError(model("[2, 8]", "  - {name: b, op: BatchNorm2d, num_features: 8}\n"));
  EXPECT_TRUE(contains(b.message(), "needs a 4-D input"));
}

TEST(ShapeInference, StopsAtTheFirstFailingLayer) {
  Expected<Graph> g =
      parseModelText(model("[1, 3, 8, 8]", "  - {name: a, op: ReLU}\n"
                                           "  - {name: b, op: BatchNorm2d, num_features: 4}\n"
                                           "  - {name: c, op: BatchNorm2d, num_features: 5}\n"),
                     "m.yaml");
  ASSERT_TRUE(g);
  Error e = inferShapes(*g);
  ASSERT_TRUE(e);
  EXPECT_TRUE(contains(e.message(), "layer 'b'"));
  EXPECT_EQ(shapeOf(*g, "a"), (Shape{1, 3, 8, 8}));
}

// ---------------------------------------------------------------------------
// computeOutputShape, setBatchSize, limits
// ---------------------------------------------------------------------------

TEST(ShapeInference, ComputeOutputShapeMatchesInferredShapes) {
  Graph g = inferred(model("[2, 3, 9, 9]",
                           "  - {name: c, op: Conv2d, in_channels: 3, out_channels: 4, "
                           "kernel_size: 3, stride: 2}\n"
                           "  - {name: p, op: AvgPool2d, kernel_size: 2, ceil_mode: true}\n"
                           "  - {name: f, op: Flatten}\n"));
  ASSERT_EQ(g.nodes.size(), 3u);
  for (const Node &n : g.nodes) {
    Expected<Shape> s = computeOutputShape(g, n);
    ASSERT_TRUE(s) << s.error().str();
    EXPECT_EQ(*s, g.outputOf(n).shape) << n.name;
  }
  EXPECT_EQ(shapeOf(g, "p"), (Shape{2, 4, 2, 2}));
}

TEST(ShapeInference, ComputeOutputShapeReadsTheCurrentInputShape) {
  Expected<Graph> g = parseModelText(model("[1, 3, 8, 8]", "  - {name: p, op: MaxPool2d, "
                                                           "kernel_size: 2}\n"),
                                     "m.yaml");
  ASSERT_TRUE(g);
  g->value(g->inputs[0]).shape = {5, 3, 20, 10};
  Expected<Shape> s = computeOutputShape(*g, g->nodes[0]);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (Shape{5, 3, 10, 5}));
  EXPECT_TRUE(g->outputOf(g->nodes[0]).shape.empty()); // nothing written
}

TEST(ShapeInference, SetBatchSizeThenInferShapes) {
  Expected<Graph> g =
      parseModelText(model("[1, 3, 8, 8]", "  - {name: c, op: Conv2d, in_channels: 3, "
                                           "out_channels: 4, kernel_size: 3}\n"
                                           "  - {name: f, op: Flatten}\n"),
                     "m.yaml");
  ASSERT_TRUE(g);
  ASSERT_FALSE(inferShapes(*g));
  EXPECT_EQ(shapeOf(*g, "f"), (Shape{1, 144}));
  ASSERT_FALSE(setBatchSize(*g, 6));
  EXPECT_EQ(shapeOf(*g, "x"), (Shape{6, 3, 8, 8}));
  EXPECT_TRUE(shapeOf(*g, "c").empty()); // stale shapes cleared
  ASSERT_FALSE(inferShapes(*g));
  EXPECT_EQ(shapeOf(*g, "c"), (Shape{6, 4, 6, 6}));
  EXPECT_EQ(shapeOf(*g, "f"), (Shape{6, 144}));
}

TEST(ShapeInference, SetBatchSizeChangesEveryInput) {
  std::string text = "model: m\ninputs:\n  a: [1, 3]\n  b: [1, 5]\nlayers:\n"
                     "  - {name: cat, op: Concat, input: [a, b]}\n";
  Expected<Graph> g = parseModelText(text, "m.yaml");
  ASSERT_TRUE(g);
  ASSERT_FALSE(setBatchSize(*g, 4));
  ASSERT_FALSE(inferShapes(*g));
  EXPECT_EQ(shapeOf(*g, "a"), (Shape{4, 3}));
  EXPECT_EQ(shapeOf(*g, "b"), (Shape{4, 5}));
  EXPECT_EQ(shapeOf(*g, "cat"), (Shape{4, 8}));
}

TEST(ShapeInference, SetBatchSizeBelowOneIsAnError) {
  Expected<Graph> g = parseModelText(model("[1, 3]", "  - {name: a, op: ReLU}\n"), "m.yaml");
  ASSERT_TRUE(g);
  Error e = setBatchSize(*g, 0);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e.isInternal());
  EXPECT_TRUE(contains(e.message(), "batch size must be at least 1, got 0"));
  EXPECT_EQ(shapeOf(*g, "x"), (Shape{1, 3}));
}

TEST(ShapeInference, HugeLayerOutputIsRejected) {
  // [1, 32768, 1024, 1024] = 2^35 elements.
  Error e = inferError(model("[1, 1, 1024, 1024]", "  - {name: c, op: Conv2d, in_channels: 1, "
                                                   "out_channels: 32768, kernel_size: 1}\n"));
  EXPECT_FALSE(e.isInternal());
  EXPECT_EQ(e.location().line, 5);
  EXPECT_TRUE(contains(e.message(), "layer 'c' output [1, 32768, 1024, 1024] has more than 2^34 "
                                    "elements"));
}

TEST(ShapeInference, HugeInputInTheFileIsRejected) {
  Expected<Graph> g =
      parseModelText(model("[2147483647, 2147483647, 2147483647, 2147483647]",
                           "  - {name: a, op: AdaptiveAvgPool2d, output_size: 1}\n"),
                     "m.yaml");
  ASSERT_FALSE(g);
  EXPECT_TRUE(contains(g.error().message(), "has more than 2^34 elements"));
}

TEST(ShapeInference, HugeInputFromSetBatchSizeIsRejected) {
  // 2^32 elements per image is within the limit; a batch of 16 makes the
  // input 2^36 elements, which no layer output would reveal here.
  Expected<Graph> g = parseModelText(
      model("[1, 1, 65536, 65536]", "  - {name: a, op: AdaptiveAvgPool2d, output_size: 1}\n"),
      "m.yaml");
  ASSERT_TRUE(g) << g.error().str();
  Error batch = setBatchSize(*g, 16);
  Error shapes = batch ? Error() : inferShapes(*g);
  EXPECT_TRUE(batch || shapes)
      << "input " << formatShape(shapeOf(*g, "x"))
      << " exceeds the 2^34-element limit but setBatchSize and inferShapes both accepted it";
}

TEST(ShapeInference, HugeParameterIsRejected) {
  // weight [100000, 100000, 1000, 1] = 10^13 elements, over 2^34; input and
  // output are small.
  Expected<Graph> g = parseModelText(model("[1, 100000, 1000, 1]",
                                           "  - {name: c, op: Conv2d, in_channels: 100000, "
                                           "out_channels: 100000, kernel_size: [1000, 1]}\n"),
                                     "m.yaml");
  Error e = g ? inferShapes(*g) : g.takeError();
  ASSERT_TRUE(e) << "a 10^13-element weight was accepted";
  EXPECT_FALSE(e.isInternal());
  EXPECT_TRUE(contains(e.message(), "c.weight"));
}

TEST(ShapeRules, ShapeWithinLimit) {
  EXPECT_TRUE(shapeWithinLimit({1, 3, 224, 224}));
  EXPECT_TRUE(shapeWithinLimit({int64_t(1) << 17, int64_t(1) << 17}));        // exactly 2^34
  EXPECT_FALSE(shapeWithinLimit({int64_t(1) << 17, (int64_t(1) << 17) + 1})); // one row more
  EXPECT_FALSE(shapeWithinLimit({int64_t(1) << 40, int64_t(1) << 40}));       // would overflow
  EXPECT_FALSE(shapeWithinLimit({int64_t(1) << 62, 4, 0}));                   // overflow before 0
  EXPECT_FALSE(shapeWithinLimit({2, -1}));
  EXPECT_TRUE(shapeWithinLimit({0, int64_t(1) << 40}));
}

TEST(ShapeRules, NormaliseDim) {
  EXPECT_EQ(normaliseDim(0, 4), 0);
  EXPECT_EQ(normaliseDim(3, 4), 3);
  EXPECT_EQ(normaliseDim(-1, 4), 3);
  EXPECT_EQ(normaliseDim(-4, 4), 0);
  EXPECT_EQ(normaliseDim(4, 4), -1);
  EXPECT_EQ(normaliseDim(-5, 4), -1);
  EXPECT_EQ(normaliseDim(-1, 2), 1);
}

// ---------------------------------------------------------------------------
// Randomized: lgc::outputSize against PyTorch's formula
// ---------------------------------------------------------------------------

/// PyTorch's div_rtn: integer division rounding toward negative infinity.
int64_t divRtn(int64_t x, int64_t y) {
  int64_t q = x / y, r = x % y;
  if (r != 0 && ((r < 0) != (y < 0))) --q;
  return q;
}

/// A transcription of PyTorch's pooling_output_shape_pad_lr
/// (aten/src/ATen/native/Pool.h), used for convolutions with ceil_mode false.
int64_t torchOutputSize(int64_t in, int64_t padL, int64_t padR, int64_t k, int64_t s, int64_t d,
                        bool ceil) {
  int64_t out = divRtn(in + padL + padR - d * (k - 1) - 1 + (ceil ? s - 1 : 0), s) + 1;
  if (ceil && (out - 1) * s >= in + padL) --out;
  return out;
}

/// The same count by enumeration: windows that fit the padded input, plus in
/// ceil mode one partial window if one is left over and starts before the
/// bottom/right padding.
int64_t countWindows(int64_t in, int64_t padL, int64_t padR, int64_t k, int64_t s, int64_t d,
                     bool ceil) {
  int64_t padded = in + padL + padR, span = d * (k - 1) + 1, n = 0;
  while (n * s + span <= padded) ++n;
  bool leftover = n == 0 ? span - padded < s : (n - 1) * s + span < padded;
  if (ceil && leftover && n * s < in + padL) ++n;
  return n;
}

struct RandomAxis {
  std::mt19937_64 rng;
  int64_t pick(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  }
};

TEST(OutputSizeProperty, MatchesPyTorchOn2000RandomAxes) {
  RandomAxis r{std::mt19937_64(20240601)};
  int checked = 0, ceilChecked = 0, dropped = 0, convs = 0;
  for (int attempt = 0; checked < 2000 && attempt < 100000; ++attempt) {
    bool pool = r.pick(0, 1) == 1;
    WindowAxis a;
    a.in = r.pick(1, 64);
    a.kernel = r.pick(1, 9);
    a.stride = r.pick(1, 6);
    a.dilation = r.pick(0, 3) == 0 ? r.pick(2, 4) : 1;
    if (pool) {
      a.padBegin = a.padEnd = r.pick(0, a.kernel / 2); // PyTorch: pad <= kernel/2
      a.ceilMode = r.pick(0, 1) == 1;
    } else {
      a.padBegin = r.pick(0, 6);
      a.padEnd = r.pick(0, 1) ? a.padBegin : a.padBegin + 1; // `same` pads one more at the end
    }
    int64_t expected =
        torchOutputSize(a.in, a.padBegin, a.padEnd, a.kernel, a.stride, a.dilation, a.ceilMode);
    if (expected < 1) continue; // not a valid configuration
    ASSERT_EQ(countWindows(a.in, a.padBegin, a.padEnd, a.kernel, a.stride, a.dilation, a.ceilMode),
              expected)
        << "the two references disagree: in=" << a.in << " pad=" << a.padBegin << "+" << a.padEnd
        << " k=" << a.kernel << " s=" << a.stride << " d=" << a.dilation << " ceil=" << a.ceilMode;
    ASSERT_EQ(outputSize(a), expected)
        << "in=" << a.in << " pad=" << a.padBegin << "+" << a.padEnd << " k=" << a.kernel
        << " s=" << a.stride << " d=" << a.dilation << " ceil=" << a.ceilMode;
    ++checked;
    convs += !pool;
    ceilChecked += a.ceilMode;
    if (a.ceilMode) {
      int64_t noDrop =
          divRtn(a.in + a.padBegin + a.padEnd - a.dilation * (a.kernel - 1) - 1 + a.stride - 1,
                 a.stride) +
          1;
      dropped += noDrop != expected;
    }
  }
  EXPECT_EQ(checked, 2000);
  // The sample exercises every branch.
  EXPECT_GT(convs, 500);
  EXPECT_GT(ceilChecked, 300);
  EXPECT_GT(dropped, 5);
}

TEST(OutputSizeProperty, RandomPoolLayersInferBothAxes) {
  RandomAxis r{std::mt19937_64(7)};
  int checked = 0;
  for (int attempt = 0; checked < 200 && attempt < 10000; ++attempt) {
    int64_t h = r.pick(1, 40), w = r.pick(1, 40), kh = r.pick(1, 6), kw = r.pick(1, 6);
    int64_t sh = r.pick(1, 4), sw = r.pick(1, 4), ph = r.pick(0, kh / 2), pw = r.pick(0, kw / 2);
    int64_t dh = r.pick(1, 2), dw = r.pick(1, 2);
    bool ceil = r.pick(0, 1) == 1;
    int64_t oh = torchOutputSize(h, ph, ph, kh, sh, dh, ceil);
    int64_t ow = torchOutputSize(w, pw, pw, kw, sw, dw, ceil);
    if (oh < 1 || ow < 1) continue;
    auto pair = [](int64_t a, int64_t b) {
      return "[" + std::to_string(a) + ", " + std::to_string(b) + "]";
    };
    std::string layer = "  - {name: p, op: MaxPool2d, kernel_size: " + pair(kh, kw) +
                        ", stride: " + pair(sh, sw) + ", padding: " + pair(ph, pw) +
                        ", dilation: " + pair(dh, dw) +
                        ", ceil_mode: " + (ceil ? "true" : "false") + "}\n";
    Graph g =
        inferred(model("[1, 2, " + std::to_string(h) + ", " + std::to_string(w) + "]", layer));
    ASSERT_EQ(shapeOf(g, "p"), (Shape{1, 2, oh, ow})) << layer << " on " << h << "x" << w;
    ++checked;
  }
  EXPECT_EQ(checked, 200);
}

} // namespace
} // namespace lgc
