//===- tests/unit/frontend/ParserTest.cpp - YAML model files to a Graph ---===//
//
// parseModelText on inline YAML: every op's defaults are PyTorch's, integer
// pairs, `same`/`valid` padding, `input:` wiring, outputs, parameters with
// their state_dict names and shapes, source locations, and the location and
// wording of a representative set of errors.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontend/ModelParser.h"

#include <gtest/gtest.h>

#include <string>

namespace lgc {
namespace {

/// Passes when `text` contains `part`.
::testing::AssertionResult contains(const std::string &text, const std::string &part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

/// A model with one input `x` of `shape`; the first layer is on line 5.
std::string model(const std::string &layers, const std::string &shape = "[1, 4, 8, 8]") {
  return "model: m\ninputs:\n  x: " + shape + "\nlayers:\n" + layers;
}

/// The parsed graph, or an empty one after reporting the error.
Graph parse(const std::string &text) {
  Expected<Graph> g = parseModelText(text, "m.yaml");
  if (!g) {
    ADD_FAILURE() << "unexpected error: " << g.error().str();
    return Graph{};
  }
  return std::move(*g);
}

/// The only layer of a one-layer model.
Node only(const std::string &layer, const std::string &shape = "[1, 4, 8, 8]") {
  Graph g = parse(model("  - " + layer + "\n", shape));
  if (g.nodes.size() != 1) {
    ADD_FAILURE() << "expected one layer, got " << g.nodes.size();
    return Node{};
  }
  return g.nodes[0];
}

/// The error parsing `text` gives (a failure if it parses).
Error parseError(const std::string &text) {
  Expected<Graph> g = parseModelText(text, "m.yaml");
  if (g) {
    ADD_FAILURE() << "expected an error, but the model parsed";
    return Error::internal("parsed");
  }
  return g.takeError();
}

void expectAt(const Error &e, int line, int col) {
  EXPECT_FALSE(e.isInternal()) << e.str();
  EXPECT_EQ(e.location().file, "m.yaml");
  EXPECT_EQ(e.location().line, line) << e.str();
  EXPECT_EQ(e.location().col, col) << e.str();
}

// ---------------------------------------------------------------------------
// Defaults (PyTorch's)
// ---------------------------------------------------------------------------

TEST(ParserDefaults, Conv2dDefaultsArePyTorchs) {
  Node n = only("{name: c, op: Conv2d, in_channels: 4, out_channels: 6, kernel_size: 3}");
  ASSERT_EQ(n.op, OpKind::Conv2d);
  const auto &a = n.as<Conv2dAttrs>();
  EXPECT_EQ(a.inChannels, 4);
  EXPECT_EQ(a.outChannels, 6);
  EXPECT_EQ(a.kernel, (Pair{3, 3}));
  EXPECT_EQ(a.stride, (Pair{1, 1}));
  EXPECT_EQ(a.padBegin, (Pair{0, 0}));
  EXPECT_EQ(a.padEnd, (Pair{0, 0}));
  EXPECT_EQ(a.dilation, (Pair{1, 1}));
  EXPECT_EQ(a.groups, 1);
  EXPECT_TRUE(a.bias);
  EXPECT_FALSE(a.flip);
}

TEST(ParserDefaults, Conv2dExplicitValuesOverrideDefaults) {
  Node n = only("{name: c, op: Conv2d, in_channels: 4, out_channels: 6, kernel_size: [3, 5], "
                "stride: [2, 1], padding: [1, 2], dilation: [2, 3], groups: 2, bias: false, "
                "flip: true}");
  const auto &a = n.as<Conv2dAttrs>();
  EXPECT_EQ(a.kernel, (Pair{3, 5}));
  EXPECT_EQ(a.stride, (Pair{2, 1}));
  EXPECT_EQ(a.padBegin, (Pair{1, 2}));
  EXPECT_EQ(a.padEnd, (Pair{1, 2}));
  EXPECT_EQ(a.dilation, (Pair{2, 3}));
  EXPECT_EQ(a.groups, 2);
  EXPECT_FALSE(a.bias);
  EXPECT_TRUE(a.flip);
}

TEST(ParserDefaults, MaxPool2dStrideDefaultsToKernelSize) {
  Node n = only("{name: p, op: MaxPool2d, kernel_size: [3, 2]}");
  ASSERT_EQ(n.op, OpKind::MaxPool2d);
  const auto &a = n.as<Pool2dAttrs>();
  EXPECT_EQ(a.kernel, (Pair{3, 2}));
  EXPECT_EQ(a.stride, (Pair{3, 2}));
  EXPECT_EQ(a.padBegin, (Pair{0, 0}));
  EXPECT_EQ(a.dilation, (Pair{1, 1}));
  EXPECT_FALSE(a.ceilMode);
}

TEST(ParserDefaults, MaxPool2dExplicitValues) {
  Node n = only("{name: p, op: MaxPool2d, kernel_size: 3, stride: 1, padding: 1, dilation: 2, "
                "ceil_mode: true}");
  const auto &a = n.as<Pool2dAttrs>();
  EXPECT_EQ(a.stride, (Pair{1, 1}));
  EXPECT_EQ(a.padBegin, (Pair{1, 1}));
  EXPECT_EQ(a.dilation, (Pair{2, 2}));
  EXPECT_TRUE(a.ceilMode);
}

TEST(ParserDefaults, AvgPool2dDefaultsArePyTorchs) {
  Node n = only("{name: p, op: AvgPool2d, kernel_size: 2}");
  ASSERT_EQ(n.op, OpKind::AvgPool2d);
  const auto &a = n.as<Pool2dAttrs>();
  EXPECT_EQ(a.stride, (Pair{2, 2}));
  EXPECT_EQ(a.padBegin, (Pair{0, 0}));
  EXPECT_FALSE(a.ceilMode);
  EXPECT_TRUE(a.countIncludePad);
  EXPECT_EQ(a.divisorOverride, 0);
}

TEST(ParserDefaults, AvgPool2dExplicitValues) {
  Node n = only("{name: p, op: AvgPool2d, kernel_size: 3, stride: 2, padding: 1, ceil_mode: true, "
                "count_include_pad: false, divisor_override: 7}");
  const auto &a = n.as<Pool2dAttrs>();
  EXPECT_EQ(a.stride, (Pair{2, 2}));
  EXPECT_EQ(a.padBegin, (Pair{1, 1}));
  EXPECT_TRUE(a.ceilMode);
  EXPECT_FALSE(a.countIncludePad);
  EXPECT_EQ(a.divisorOverride, 7);
}

TEST(ParserDefaults, AdaptiveAvgPool2dOutputSize) {
  EXPECT_EQ(only("{name: a, op: AdaptiveAvgPool2d, output_size: 1}")
                .as<AdaptiveAvgPool2dAttrs>()
                .outputSize,
            (Pair{1, 1}));
  EXPECT_EQ(only("{name: a, op: AdaptiveAvgPool2d, output_size: [2, 4]}")
                .as<AdaptiveAvgPool2dAttrs>()
                .outputSize,
            (Pair{2, 4}));
}

TEST(ParserDefaults, BatchNorm2dEpsDefaultsTo1em5) {
  Node n = only("{name: bn, op: BatchNorm2d, num_features: 4}");
  EXPECT_EQ(n.as<BatchNorm2dAttrs>().numFeatures, 4);
  EXPECT_EQ(n.as<BatchNorm2dAttrs>().eps, 1e-5);
  EXPECT_EQ(
      only("{name: bn, op: BatchNorm2d, num_features: 4, eps: 0.001}").as<BatchNorm2dAttrs>().eps,
      0.001);
}

TEST(ParserDefaults, LinearBiasDefaultsToTrue) {
  Node n = only("{name: fc, op: Linear, in_features: 3, out_features: 2}", "[1, 3]");
  const auto &a = n.as<LinearAttrs>();
  EXPECT_EQ(a.inFeatures, 3);
  EXPECT_EQ(a.outFeatures, 2);
  EXPECT_TRUE(a.bias);
  EXPECT_FALSE(
      only("{name: fc, op: Linear, in_features: 3, out_features: 2, bias: false}", "[1, 3]")
          .as<LinearAttrs>()
          .bias);
}

TEST(ParserDefaults, FlattenDefaultsToStart1EndMinus1) {
  Node n = only("{name: f, op: Flatten}");
  EXPECT_EQ(n.as<FlattenAttrs>().startDim, 1);
  EXPECT_EQ(n.as<FlattenAttrs>().endDim, -1);
  Node m = only("{name: f, op: Flatten, start_dim: 2, end_dim: -2}");
  EXPECT_EQ(m.as<FlattenAttrs>().startDim, 2);
  EXPECT_EQ(m.as<FlattenAttrs>().endDim, -2);
}

TEST(ParserDefaults, LeakyReLUSlopeDefaultsTo0p01) {
  EXPECT_EQ(only("{name: l, op: LeakyReLU}").as<LeakyReLUAttrs>().negativeSlope, 0.01);
  EXPECT_EQ(
      only("{name: l, op: LeakyReLU, negative_slope: 0.2}").as<LeakyReLUAttrs>().negativeSlope,
      0.2);
}

TEST(ParserDefaults, DropoutPDefaultsTo0p5) {
  EXPECT_EQ(only("{name: d, op: Dropout}").as<DropoutAttrs>().p, 0.5);
  EXPECT_EQ(only("{name: d, op: Dropout, p: 0.25}").as<DropoutAttrs>().p, 0.25);
}

TEST(ParserDefaults, SoftmaxDimDefaultsTo1) {
  EXPECT_EQ(only("{name: s, op: Softmax}").as<DimAttrs>().dim, 1);
  EXPECT_EQ(only("{name: s, op: Softmax, dim: -1}").as<DimAttrs>().dim, -1);
}

TEST(ParserDefaults, ConcatDimDefaultsTo1) {
  Graph g = parse(model("  - {name: a, op: ReLU}\n"
                        "  - {name: c, op: Concat, input: [a, x]}\n"));
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[1].as<DimAttrs>().dim, 1);
  Graph h = parse(model("  - {name: a, op: ReLU}\n"
                        "  - {name: c, op: Concat, input: [a, x], dim: -1}\n"));
  ASSERT_EQ(h.nodes.size(), 2u);
  EXPECT_EQ(h.nodes[1].as<DimAttrs>().dim, -1);
}

TEST(ParserDefaults, ParameterlessOpsHaveNoAttributes) {
  for (const char *op : {"ReLU", "ReLU6", "Sigmoid", "Tanh", "Identity"}) {
    Node n = only(std::string("{name: a, op: ") + op + "}");
    EXPECT_EQ(std::string(opName(n.op)), op);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(n.attrs)) << op;
    EXPECT_TRUE(n.params.empty()) << op;
  }
  Graph g = parse(model("  - {name: a, op: ReLU}\n"
                        "  - {name: s, op: Add, input: [a, x]}\n"));
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[1].op, OpKind::Add);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(g.nodes[1].attrs));
}

TEST(ParserDefaults, BooleansAcceptPythonSpelling) {
  EXPECT_FALSE(
      only("{name: c, op: Conv2d, in_channels: 4, out_channels: 4, kernel_size: 1, bias: False}")
          .as<Conv2dAttrs>()
          .bias);
  EXPECT_TRUE(
      only("{name: p, op: MaxPool2d, kernel_size: 2, ceil_mode: True}").as<Pool2dAttrs>().ceilMode);
}

// ---------------------------------------------------------------------------
// Integer pairs and padding
// ---------------------------------------------------------------------------

TEST(ParserPairs, IntMeansSamePairAndListIsHeightWidth) {
  const auto a = only("{name: c, op: Conv2d, in_channels: 4, out_channels: 4, kernel_size: 3, "
                      "stride: 2, padding: 1, dilation: 3}")
                     .as<Conv2dAttrs>();
  EXPECT_EQ(a.kernel, (Pair{3, 3}));
  EXPECT_EQ(a.stride, (Pair{2, 2}));
  EXPECT_EQ(a.padBegin, (Pair{1, 1}));
  EXPECT_EQ(a.dilation, (Pair{3, 3}));
  const auto b = only("{name: c, op: Conv2d, in_channels: 4, out_channels: 4, kernel_size: [1, 7], "
                      "padding: [0, 3]}")
                     .as<Conv2dAttrs>();
  EXPECT_EQ(b.kernel, (Pair{1, 7}));
  EXPECT_EQ(b.padBegin, (Pair{0, 3}));
  EXPECT_EQ(b.padEnd, (Pair{0, 3}));
}

TEST(ParserPairs, ListOfThreeIsAnError) {
  Error e = parseError(model("  - {name: p, op: MaxPool2d, kernel_size: [2, 2, 2]}\n"));
  expectAt(e, 5, 43);
  EXPECT_TRUE(contains(e.message(), "kernel_size must be an integer or a pair [h, w], got a list "
                                    "of 3"));
}

TEST(ParserPadding, SameWithOddKernelPadsEqually) {
  const auto a = only("{name: c, op: Conv2d, in_channels: 4, out_channels: 4, kernel_size: 3, "
                      "padding: same}")
                     .as<Conv2dAttrs>();
  EXPECT_EQ(a.padBegin, (Pair{1, 1}));
  EXPECT_EQ(a.padEnd, (Pair{1, 1}));
}

TEST(ParserPadding, SameWithEvenKernelPutsTheExtraAtTheEnd) {
  const auto a = only("{name: c, op: Conv2d, in_channels: 4, out_channels: 4, kernel_size: 4, "
                      "padding: same}")
                     .as<Conv2dAttrs>();
  EXPECT_EQ(a.padBegin, (Pair{1, 1})); // total 3: 1 before, 2 after
  EXPECT_EQ(a.padEnd, (Pair{2, 2}));
  const auto b = only("{name: c, op: Conv2d, in_channels: 4, out_channels: 4, kernel_size: [2, 5], "
                      "padding: same}")
                     .as<Conv2dAttrs>();
  EXPECT_EQ(b.padBegin, (Pair{0, 2})); // totals 1 and 4
  EXPECT_EQ(b.padEnd, (Pair{1, 2}));
}

TEST(ParserPadding, SameWithDilationPadsDilationTimesKernelMinusOne) {
  const auto a = only("{name: c, op: Conv2d, in_channels: 4, out_channels: 4, kernel_size: 3, "
                      "dilation: 2, padding: same}")
                     .as<Conv2dAttrs>();
  EXPECT_EQ(a.padBegin, (Pair{2, 2})); // total 2*(3-1) = 4
  EXPECT_EQ(a.padEnd, (Pair{2, 2}));
  const auto b = only("{name: c, op: Conv2d, in_channels: 4, out_channels: 4, kernel_size: [4, 5], "
                      "dilation: [3, 2], padding: same}")
                     .as<Conv2dAttrs>();
  EXPECT_EQ(b.padBegin, (Pair{4, 4})); // totals 3*3 = 9 and 2*4 = 8
  EXPECT_EQ(b.padEnd, (Pair{5, 4}));
}

TEST(ParserPadding, SameKeyOrderDoesNotMatter) {
  // padding written before dilation still uses the dilation.
  const auto a = only("{name: c, op: Conv2d, padding: same, dilation: 2, in_channels: 4, "
                      "out_channels: 4, kernel_size: 2}")
                     .as<Conv2dAttrs>();
  EXPECT_EQ(a.padBegin, (Pair{1, 1}));
  EXPECT_EQ(a.padEnd, (Pair{1, 1}));
}

TEST(ParserPadding, ValidIsZero) {
  const auto a = only("{name: c, op: Conv2d, in_channels: 4, out_channels: 4, kernel_size: 3, "
                      "padding: valid}")
                     .as<Conv2dAttrs>();
  EXPECT_EQ(a.padBegin, (Pair{0, 0}));
  EXPECT_EQ(a.padEnd, (Pair{0, 0}));
}

TEST(ParserPadding, SameWithStrideIsAnError) {
  Error e = parseError(model("  - {name: c, op: Conv2d, in_channels: 4, out_channels: 4, "
                             "kernel_size: 3, stride: 2, padding: same}\n"));
  EXPECT_EQ(e.location().line, 5);
  EXPECT_TRUE(contains(e.message(), "layer 'c': padding 'same' needs stride 1"));
}

TEST(ParserPadding, UnknownWordIsAnError) {
  Error e = parseError(model("  - {name: c, op: Conv2d, in_channels: 4, out_channels: 4, "
                             "kernel_size: 3, padding: full}\n"));
  EXPECT_EQ(e.location().line, 5);
  EXPECT_TRUE(contains(e.message(),
                       "padding must be an integer, a pair [h, w], 'same' or 'valid', got 'full'"));
}

TEST(ParserPadding, PoolPaddingOverHalfTheKernelIsAnError) {
  Error e = parseError(model("  - {name: p, op: MaxPool2d, kernel_size: 2, padding: 2}\n"));
  EXPECT_TRUE(contains(e.message(), "padding [2, 2] is more than half of kernel_size [2, 2]"));
  // Exactly half is allowed.
  EXPECT_EQ(only("{name: p, op: MaxPool2d, kernel_size: 2, padding: 1}").as<Pool2dAttrs>().padBegin,
            (Pair{1, 1}));
}

// ---------------------------------------------------------------------------
// Wiring
// ---------------------------------------------------------------------------

TEST(ParserWiring, FirstLayerReadsTheOnlyModelInput) {
  Graph g = parse(model("  - {name: a, op: ReLU}\n"));
  ASSERT_EQ(g.nodes.size(), 1u);
  ASSERT_EQ(g.nodes[0].inputs.size(), 1u);
  EXPECT_EQ(g.inputOf(g.nodes[0]).name, "x");
  EXPECT_EQ(g.inputOf(g.nodes[0]).producer, -1);
}

TEST(ParserWiring, DefaultInputIsThePreviousLayer) {
  Graph g = parse(model("  - {name: a, op: ReLU}\n"
                        "  - {name: b, op: Tanh}\n"
                        "  - {name: c, op: Sigmoid}\n"));
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.inputOf(g.nodes[1]).name, "a");
  EXPECT_EQ(g.inputOf(g.nodes[2]).name, "b");
  EXPECT_EQ(g.inputOf(g.nodes[2]).producer, 1);
}

TEST(ParserWiring, InputAsStringReadsAnEarlierNonAdjacentLayer) {
  Graph g = parse(model("  - {name: a, op: ReLU}\n"
                        "  - {name: b, op: Tanh}\n"
                        "  - {name: c, op: Sigmoid, input: a}\n"
                        "  - {name: d, op: Identity}\n"));
  ASSERT_EQ(g.nodes.size(), 4u);
  EXPECT_EQ(g.inputOf(g.nodes[2]).name, "a");
  EXPECT_EQ(g.inputOf(g.nodes[3]).name, "c"); // default wiring resumes from c
}

TEST(ParserWiring, LaterLayerReadsAModelInput) {
  Graph g = parse(model("  - {name: a, op: ReLU}\n"
                        "  - {name: b, op: Tanh, input: x}\n"));
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.inputOf(g.nodes[1]).name, "x");
  EXPECT_EQ(g.nodes[1].inputs[0], g.inputs[0]);
}

TEST(ParserWiring, InputListInOrder) {
  Graph g = parse(model("  - {name: a, op: ReLU}\n"
                        "  - {name: b, op: Tanh, input: x}\n"
                        "  - {name: s, op: Add, input: [b, x, a]}\n"));
  ASSERT_EQ(g.nodes.size(), 3u);
  const Node &s = g.nodes[2];
  ASSERT_EQ(s.inputs.size(), 3u);
  EXPECT_EQ(g.inputOf(s, 0).name, "b");
  EXPECT_EQ(g.inputOf(s, 1).name, "x");
  EXPECT_EQ(g.inputOf(s, 2).name, "a");
}

TEST(ParserWiring, SingleElementListForOneInputOp) {
  Graph g = parse(model("  - {name: a, op: ReLU}\n"
                        "  - {name: b, op: Tanh, input: [x]}\n"));
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.inputOf(g.nodes[1]).name, "x");
}

TEST(ParserWiring, SeveralModelInputsNeedExplicitInputOnFirstLayer) {
  std::string text = "model: m\ninputs:\n  x: [1, 2]\n  y: [1, 2]\nlayers:\n"
                     "  - {name: a, op: ReLU}\n";
  Error e = parseError(text);
  expectAt(e, 6, 5);
  EXPECT_TRUE(contains(e.message(), "the first layer must say which model input it reads"));
  Graph g = parse("model: m\ninputs:\n  x: [1, 2]\n  y: [1, 2]\nlayers:\n"
                  "  - {name: a, op: ReLU, input: y}\n");
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.inputOf(g.nodes[0]).name, "y");
  ASSERT_EQ(g.inputs.size(), 2u);
  EXPECT_EQ(g.value(g.inputs[0]).name, "x");
  EXPECT_EQ(g.value(g.inputs[1]).name, "y");
}

TEST(ParserWiring, AddWithoutInputIsAnError) {
  Error e = parseError(model("  - {name: a, op: ReLU}\n"
                             "  - {name: s, op: Add}\n"));
  expectAt(e, 6, 5);
  EXPECT_TRUE(contains(e.message(), "Add needs 'input: [a, b, ...]'"));
}

TEST(ParserWiring, ConcatWithOneInputIsAnError) {
  Error e = parseError(model("  - {name: a, op: ReLU}\n"
                             "  - {name: s, op: Concat, input: [a]}\n"));
  EXPECT_EQ(e.location().line, 6);
  EXPECT_TRUE(contains(e.message(), "Concat needs two or more inputs, got 1"));
}

TEST(ParserWiring, OneInputOpGivenTwoIsAnError) {
  Error e = parseError(model("  - {name: a, op: ReLU}\n"
                             "  - {name: b, op: ReLU, input: [a, x]}\n"));
  EXPECT_EQ(e.location().line, 6);
  EXPECT_TRUE(contains(e.message(), "ReLU takes one input, got 2"));
}

// ---------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------

TEST(ParserOutputs, DefaultIsTheLastLayer) {
  Graph g = parse(model("  - {name: a, op: ReLU}\n"
                        "  - {name: b, op: Tanh}\n"));
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.value(g.outputs[0]).name, "b");
}

TEST(ParserOutputs, ExplicitListKeepsItsOrder) {
  Graph g = parse(model("  - {name: a, op: ReLU}\n"
                        "  - {name: b, op: Tanh}\n"
                        "outputs: [b, a]\n"));
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.value(g.outputs[0]).name, "b");
  EXPECT_EQ(g.value(g.outputs[1]).name, "a");
}

TEST(ParserOutputs, ScalarNamesOneOutput) {
  Graph g = parse(model("  - {name: a, op: ReLU}\n"
                        "  - {name: b, op: Tanh}\n"
                        "outputs: a\n"));
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.value(g.outputs[0]).name, "a");
}

TEST(ParserOutputs, ModelInputIsNotAnOutput) {
  Error e = parseError(model("  - {name: a, op: ReLU}\n"
                             "outputs: [x]\n"));
  expectAt(e, 6, 11);
  EXPECT_TRUE(contains(e.message(), "outputs: 'x' is a model input, not a layer"));
}

TEST(ParserOutputs, UnknownAndRepeatedOutputsAreErrors) {
  Error unknown = parseError(model("  - {name: a, op: ReLU}\n"
                                   "outputs: [a, zz]\n"));
  expectAt(unknown, 6, 14);
  EXPECT_TRUE(contains(unknown.message(), "'zz' is not a layer"));
  Error twice = parseError(model("  - {name: a, op: ReLU}\n"
                                 "outputs: [a, a]\n"));
  expectAt(twice, 6, 14);
  EXPECT_TRUE(contains(twice.message(), "'a' is listed twice"));
}

TEST(ParserOutputs, EmptyListIsAnError) {
  Error e = parseError(model("  - {name: a, op: ReLU}\n"
                             "outputs: []\n"));
  EXPECT_EQ(e.location().line, 6);
  EXPECT_TRUE(contains(e.message(), "must name at least one layer"));
}

// ---------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------

TEST(ParserParams, Conv2dWeightIsOutByInOverGroupsByKernel) {
  Node n = only("{name: features.0, op: Conv2d, in_channels: 4, out_channels: 6, "
                "kernel_size: [3, 5], groups: 2}");
  ASSERT_EQ(n.params.size(), 2u);
  EXPECT_EQ(n.params[0].name, "features.0.weight");
  EXPECT_EQ(n.params[0].shape, (Shape{6, 2, 3, 5}));
  EXPECT_EQ(n.params[1].name, "features.0.bias");
  EXPECT_EQ(n.params[1].shape, (Shape{6}));
}

TEST(ParserParams, Conv2dWithoutBiasHasOnlyAWeight) {
  Node n = only("{name: c, op: Conv2d, in_channels: 4, out_channels: 4, kernel_size: 3, "
                "groups: 4, bias: false}");
  ASSERT_EQ(n.params.size(), 1u);
  EXPECT_EQ(n.params[0].name, "c.weight");
  EXPECT_EQ(n.params[0].shape, (Shape{4, 1, 3, 3}));
}

TEST(ParserParams, LinearWeightIsOutByIn) {
  Node n = only("{name: classifier.6, op: Linear, in_features: 3, out_features: 2}", "[1, 3]");
  ASSERT_EQ(n.params.size(), 2u);
  EXPECT_EQ(n.params[0].name, "classifier.6.weight");
  EXPECT_EQ(n.params[0].shape, (Shape{2, 3}));
  EXPECT_EQ(n.params[1].name, "classifier.6.bias");
  EXPECT_EQ(n.params[1].shape, (Shape{2}));
  Node m = only("{name: fc, op: Linear, in_features: 3, out_features: 2, bias: false}", "[1, 3]");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].name, "fc.weight");
}

TEST(ParserParams, BatchNorm2dHasFourParamsInStateDictOrder) {
  Node n = only("{name: layer1.0.bn1, op: BatchNorm2d, num_features: 4}");
  ASSERT_EQ(n.params.size(), 4u);
  const char *names[] = {"layer1.0.bn1.weight", "layer1.0.bn1.bias", "layer1.0.bn1.running_mean",
                         "layer1.0.bn1.running_var"};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(n.params[i].name, names[i]);
    EXPECT_EQ(n.params[i].shape, (Shape{4}));
  }
}

TEST(ParserParams, PoolingAndActivationsHaveNone) {
  EXPECT_TRUE(only("{name: p, op: MaxPool2d, kernel_size: 2}").params.empty());
  EXPECT_TRUE(only("{name: p, op: AvgPool2d, kernel_size: 2}").params.empty());
  EXPECT_TRUE(only("{name: l, op: LeakyReLU}").params.empty());
}

// ---------------------------------------------------------------------------
// Graph structure and locations
// ---------------------------------------------------------------------------

TEST(ParserGraph, NameFileInputsAndValues) {
  Graph g = parse(model("  - {name: a, op: ReLU}\n", "[2, 3, 5, 7]"));
  EXPECT_EQ(g.name, "m");
  EXPECT_EQ(g.file, "m.yaml");
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.value(g.inputs[0]).name, "x");
  EXPECT_EQ(g.value(g.inputs[0]).shape, (Shape{2, 3, 5, 7}));
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.outputOf(g.nodes[0]).name, "a");
  EXPECT_EQ(g.outputOf(g.nodes[0]).producer, 0);
  EXPECT_TRUE(g.outputOf(g.nodes[0]).shape.empty()); // not inferred yet
  EXPECT_EQ(g.findValue("a"), g.nodes[0].output);
  EXPECT_EQ(g.findValue("nope"), -1);
}

TEST(ParserGraph, TwoDimensionalInputIsAccepted) {
  Graph g = parse(model("  - {name: a, op: ReLU}\n", "[4, 10]"));
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.value(g.inputs[0]).shape, (Shape{4, 10}));
}

TEST(ParserLocations, FlowLayersPointAtTheirMapping) {
  Graph g = parse(model("  - {name: a, op: ReLU}\n"
                        "  -   {name: b, op: Tanh}\n"));
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].loc.file, "m.yaml");
  EXPECT_EQ(g.nodes[0].loc.line, 5);
  EXPECT_EQ(g.nodes[0].loc.col, 5);
  EXPECT_EQ(g.nodes[1].loc.line, 6);
  EXPECT_EQ(g.nodes[1].loc.col, 7);
  EXPECT_EQ(g.outputOf(g.nodes[1]).loc.line, 6);
}

TEST(ParserLocations, BlockLayersPointAtTheirFirstKey) {
  Graph g = parse(model("  - name: a\n"
                        "    op: ReLU\n"
                        "\n"
                        "  - op: Tanh\n"
                        "    name: b\n"));
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].loc.line, 5);
  EXPECT_EQ(g.nodes[0].loc.col, 5);
  EXPECT_EQ(g.nodes[1].loc.line, 8);
  EXPECT_EQ(g.nodes[1].loc.col, 5);
}

TEST(ParserLocations, ModelInputPointsAtItsName) {
  Graph g = parse(model("  - {name: a, op: ReLU}\n"));
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.value(g.inputs[0]).loc.line, 3);
  EXPECT_EQ(g.value(g.inputs[0]).loc.col, 3);
}

// ---------------------------------------------------------------------------
// Errors: location and wording
// ---------------------------------------------------------------------------

TEST(ParserErrors, UnknownOpSuggestsTheClosest) {
  Error e = parseError(model("  - {name: c, op: Conv2D}\n"));
  expectAt(e, 5, 19); // the op's value
  EXPECT_TRUE(contains(e.message(), "layer 'c': unknown op 'Conv2D'; did you mean 'Conv2d'?"));
  EXPECT_EQ(e.str().rfind("m.yaml:5:19: error: ", 0), 0u) << e.str();
}

TEST(ParserErrors, UnknownOpFarFromAnyHasNoSuggestion) {
  Error e = parseError(model("  - {name: c, op: Transformer}\n"));
  EXPECT_TRUE(contains(e.message(), "unknown op 'Transformer'"));
  EXPECT_EQ(e.message().find("did you mean"), std::string::npos) << e.message();
}

TEST(ParserErrors, UnknownKeyPointsAtTheKeyAndListsTheValidOnes) {
  Error e = parseError(model("  - {name: c, op: Conv2d, in_channels: 4, out_channels: 4, "
                             "kernel_size: 3, strides: 2}\n"));
  expectAt(e, 5, 76);
  EXPECT_TRUE(
      contains(e.message(), "layer 'c': unknown key 'strides' for Conv2d; did you mean 'stride'?"));
  EXPECT_TRUE(contains(e.str(), "note: Conv2d takes: name, op, input, in_channels"));
}

TEST(ParserErrors, DilationIsNotAnAvgPool2dKey) {
  Error e = parseError(model("  - {name: p, op: AvgPool2d, kernel_size: 2, dilation: 2}\n"));
  expectAt(e, 5, 46);
  EXPECT_TRUE(contains(e.message(), "unknown key 'dilation' for AvgPool2d"));
}

TEST(ParserErrors, UnknownTopLevelKey) {
  Error e = parseError(model("  - {name: a, op: ReLU}\n") + "output: [a]\n");
  expectAt(e, 6, 1);
  EXPECT_TRUE(contains(e.message(), "unknown key 'output'"));
  EXPECT_TRUE(contains(e.message(), "did you mean 'outputs'?"));
}

TEST(ParserErrors, FloatWhereIntegerExpected) {
  Error e = parseError(model("  - {name: p, op: MaxPool2d, kernel_size: 2.0}\n"));
  expectAt(e, 5, 43);
  EXPECT_TRUE(contains(e.message(), "layer 'p': kernel_size must be an integer, got '2.0'"));
}

TEST(ParserErrors, QuotedNumberIsNotAnInteger) {
  Error e = parseError(model("  - {name: p, op: MaxPool2d, kernel_size: \"2\"}\n"));
  expectAt(e, 5, 43);
  EXPECT_TRUE(contains(e.message(), "layer 'p': kernel_size must be an integer"));
  EXPECT_TRUE(contains(e.message(), "got '2'"));
}

TEST(ParserErrors, NonBooleanBias) {
  Error e = parseError(model("  - {name: c, op: Conv2d, in_channels: 4, out_channels: 4, "
                             "kernel_size: 3, bias: yes}\n"));
  expectAt(e, 5, 82);
  EXPECT_TRUE(contains(e.message(), "bias must be true or false, got 'yes'"));
}

TEST(ParserErrors, NonNumericFloatParameter) {
  Error e = parseError(model("  - {name: l, op: LeakyReLU, negative_slope: abc}\n"));
  expectAt(e, 5, 46);
  EXPECT_TRUE(contains(e.message(), "negative_slope must be a number, got 'abc'"));
}

TEST(ParserErrors, OutOfRangeValues) {
  Error p = parseError(model("  - {name: d, op: Dropout, p: 1.5}\n"));
  EXPECT_TRUE(contains(p.message(), "p must be in [0, 1], got 1.5"));
  Error zero = parseError(model("  - {name: p, op: MaxPool2d, kernel_size: 0}\n"));
  EXPECT_TRUE(contains(zero.message(), "kernel_size must be at least 1, got 0"));
  Error neg = parseError(model("  - {name: c, op: Conv2d, in_channels: 4, out_channels: 4, "
                               "kernel_size: 3, padding: -1}\n"));
  EXPECT_TRUE(contains(neg.message(), "padding must be at least 0, got -1"));
  Error big = parseError(model("  - {name: p, op: MaxPool2d, kernel_size: 99999999999}\n"));
  EXPECT_TRUE(contains(big.message(), "kernel_size is too large"));
}

TEST(ParserErrors, GroupsMustDivideChannels) {
  Error e = parseError(model("  - {name: c, op: Conv2d, in_channels: 4, out_channels: 6, "
                             "kernel_size: 3, groups: 4}\n"));
  EXPECT_EQ(e.location().line, 5);
  EXPECT_TRUE(contains(e.message(), "out_channels=6 is not divisible by groups=4"));
}

TEST(ParserErrors, MissingParameterPointsAtTheLayer) {
  Error e = parseError(model("  - {name: a, op: ReLU}\n"
                             "  - {name: c, op: Conv2d, in_channels: 4, kernel_size: 3}\n"));
  expectAt(e, 6, 5);
  EXPECT_TRUE(contains(e.message(), "layer 'c': missing required parameter 'out_channels'"));
}

TEST(ParserErrors, MissingNameOrOp) {
  Error noName = parseError(model("  - {op: ReLU}\n"));
  expectAt(noName, 5, 5);
  EXPECT_TRUE(contains(noName.message(), "missing required key 'name'"));
  Error noOp = parseError(model("  - {name: a}\n"));
  expectAt(noOp, 5, 5);
  EXPECT_TRUE(contains(noOp.message(), "layer 'a': missing required key 'op'"));
}

TEST(ParserErrors, DuplicateLayerNameNotesTheFirst) {
  Error e = parseError(model("  - {name: a, op: ReLU}\n"
                             "  - {name: b, op: ReLU}\n"
                             "  - {name: a, op: Tanh}\n"));
  expectAt(e, 7, 5);
  EXPECT_TRUE(contains(e.message(), "duplicate layer name 'a'"));
  EXPECT_TRUE(contains(e.str(), "m.yaml:5:5: note: layer 'a' is first defined here"));
}

TEST(ParserErrors, LayerNamedLikeAModelInputIsADuplicate) {
  Error e = parseError(model("  - {name: x, op: ReLU}\n"));
  expectAt(e, 5, 5);
  EXPECT_TRUE(contains(e.message(), "layer name 'x' is already the name of a model input"));
}

TEST(ParserErrors, ReadingALaterLayerPointsAtTheReference) {
  Error e = parseError(model("  - {name: a, op: ReLU, input: b}\n"
                             "  - {name: b, op: ReLU}\n"));
  expectAt(e, 5, 32);
  EXPECT_TRUE(contains(e.message(), "layer 'a' reads 'b', which is defined later"));
  EXPECT_TRUE(contains(e.str(), "m.yaml:6:5: note: 'b' is defined here"));
}

TEST(ParserErrors, ReadingAnUnknownNameSuggestsTheClosest) {
  Error e = parseError(model("  - {name: conv1, op: ReLU}\n"
                             "  - {name: b, op: ReLU, input: conv2}\n"));
  expectAt(e, 6, 32);
  EXPECT_TRUE(contains(e.message(),
                       "'conv2', which is not a model input or an earlier layer; did you mean "
                       "'conv1'?"));
}

TEST(ParserErrors, MalformedYamlHasALocation) {
  Error e = parseError("model: m\ninputs:\n  x: [1, 2\nlayers:\n  - {name: a, op: ReLU}\n");
  EXPECT_FALSE(e.isInternal());
  EXPECT_GT(e.location().line, 0);
  EXPECT_TRUE(contains(e.message(), "invalid YAML"));
}

TEST(ParserErrors, UnterminatedFlowMappingHasALocation) {
  Error e = parseError(model("  - {name: a, op: ReLU\n"));
  EXPECT_GE(e.location().line, 5);
  EXPECT_TRUE(contains(e.message(), "invalid YAML"));
}

TEST(ParserErrors, EmptyTextIsAWholeFileError) {
  for (const char *text : {"", "\n\n", "# only a comment\n"}) {
    Error e = parseError(text);
    EXPECT_FALSE(e.isInternal());
    EXPECT_EQ(e.location().line, 0) << e.str();
    EXPECT_TRUE(contains(e.message(), "the model file is empty"));
    EXPECT_EQ(e.str(), "m.yaml: error: the model file is empty\n");
  }
}

TEST(ParserErrors, NulBytePointsAtTheByte) {
  std::string text = model("  - {name: a, op: ReLU}\n");
  text.insert(text.find("ReLU"), 1, '\0');
  Error e = parseError(text);
  expectAt(e, 5, 19);
  EXPECT_TRUE(contains(e.message(), "not a text file: byte 0x00"));
}

TEST(ParserErrors, InvalidUtf8PointsAtTheByte) {
  Error e = parseError("model: m\n# caf\xe9\n");
  expectAt(e, 2, 6);
  EXPECT_TRUE(contains(e.message(), "byte 0xe9 is not valid UTF-8"));
}

TEST(ParserErrors, TopLevelMustBeAMappingWithInputsAndLayers) {
  EXPECT_TRUE(contains(parseError("- a\n- b\n").message(), "a model file is a YAML mapping"));
  Error noLayers = parseError("model: m\ninputs:\n  x: [1, 2]\n");
  expectAt(noLayers, 1, 1);
  EXPECT_TRUE(contains(noLayers.message(), "missing required key 'layers'"));
  Error emptyLayers = parseError("model: m\ninputs:\n  x: [1, 2]\nlayers: []\n");
  EXPECT_TRUE(contains(emptyLayers.message(), "'layers' must be a non-empty list"));
  Error noModel = parseError("inputs:\n  x: [1, 2]\nlayers:\n  - {name: a, op: ReLU}\n");
  EXPECT_TRUE(contains(noModel.message(), "missing required key 'model'"));
}

TEST(ParserErrors, ModelNameMustBeAnIdentifier) {
  Error e = parseError("model: my-net\ninputs:\n  x: [1, 2]\nlayers:\n  - {name: a, op: ReLU}\n");
  expectAt(e, 1, 8);
  EXPECT_TRUE(contains(e.message(), "model name 'my-net' must be an identifier"));
}

TEST(ParserErrors, BadInputShapes) {
  Error rank3 = parseError(model("  - {name: a, op: ReLU}\n", "[1, 2, 3]"));
  expectAt(rank3, 3, 6);
  EXPECT_TRUE(contains(rank3.message(), "input 'x' must have a shape [N, C, H, W] or [N, F]"));
  Error zero = parseError(model("  - {name: a, op: ReLU}\n", "[1, 0, 3, 3]"));
  expectAt(zero, 3, 10);
  EXPECT_TRUE(contains(zero.message(), "dimensions must be positive integers, got '0'"));
}

TEST(ParserErrors, HugeInputShapeIsRejected) {
  // 2^16 * 2^16 * 2^3 = 2^35 elements, over the 2^34 limit.
  Error e = parseError(model("  - {name: a, op: ReLU}\n", "[1, 8, 65536, 65536]"));
  expectAt(e, 3, 6);
  EXPECT_TRUE(contains(e.message(), "has more than 2^34 elements"));
  // Exactly 2^34 is allowed.
  Graph g = parse(model("  - {name: a, op: ReLU}\n", "[1, 4, 65536, 65536]"));
  EXPECT_EQ(g.nodes.size(), 1u);
}

TEST(ParserErrors, LayerNameWithInvalidCharacters) {
  Error e = parseError(model("  - {name: 'a b', op: ReLU}\n"));
  EXPECT_EQ(e.location().line, 5);
  EXPECT_TRUE(contains(e.message(), "layer name 'a b' may contain only"));
}

TEST(ParserErrors, DuplicateKeyInALayer) {
  Error e = parseError(model("  - {name: a, op: ReLU, op: Tanh}\n"));
  expectAt(e, 5, 25);
  EXPECT_TRUE(contains(e.message(), "duplicate key 'op'"));
}

} // namespace
} // namespace lgc
