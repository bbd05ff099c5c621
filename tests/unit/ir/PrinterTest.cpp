//===- tests/unit/ir/PrinterTest.cpp - Graph IR as text -------------------===//
//
// printGraph of a small model compared in full, before shape inference
// (`f32[?]`) and after; printAttrs for every attribute kind; printNode's
// inputs, parameters and location.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/Printer.h"

#include "compiler/frontend/ModelParser.h"
#include "compiler/passes/Passes.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace lgc {
namespace {

const char *kTiny =
    "model: tiny\n"
    "inputs:\n"
    "  x: [1, 3, 8, 8]\n"
    "layers:\n"
    "  - {name: conv1, op: Conv2d, in_channels: 3, out_channels: 4, kernel_size: 3, "
    "padding: 1}\n"
    "  - {name: relu1, op: ReLU}\n"
    "  - {name: pool1, op: MaxPool2d, kernel_size: 2}\n"
    "  - {name: flat, op: Flatten}\n"
    "  - {name: fc, op: Linear, in_features: 64, out_features: 10}\n";

Graph parse(const std::string &text) {
  Expected<Graph> g = parseModelText(text, "tiny.yaml");
  if (!g) {
    ADD_FAILURE() << g.error().str();
    return Graph{};
  }
  return std::move(*g);
}

/// printAttrs of the only layer of a model with input [1, 4, 8, 8].
std::string attrsOf(const std::string &layer) {
  Graph g = parse("model: m\ninputs:\n  x: [1, 4, 8, 8]\nlayers:\n  - " + layer + "\n");
  if (g.nodes.size() != 1) return "<parse failed>";
  return printAttrs(g.nodes[0]);
}

TEST(Printer, GraphBeforeShapeInference) {
  Graph g = parse(kTiny);
  EXPECT_EQ(printGraph(g),
            "graph tiny {\n"
            "  input %x : f32[1, 3, 8, 8]\n"
            "  %conv1 = Conv2d(%x) {in_channels=3, out_channels=4, kernel=[3, 3], stride=[1, 1], "
            "padding=[1, 1, 1, 1], dilation=[1, 1], groups=1} params(@conv1.weight : "
            "f32[4, 3, 3, 3], @conv1.bias : f32[4]) : f32[?] loc(5:5)\n"
            "  %relu1 = ReLU(%conv1) : f32[?] loc(6:5)\n"
            "  %pool1 = MaxPool2d(%relu1) {kernel=[2, 2], stride=[2, 2], padding=[0, 0], "
            "dilation=[1, 1], ceil_mode=false} : f32[?] loc(7:5)\n"
            "  %flat = Flatten(%pool1) {start_dim=1, end_dim=-1} : f32[?] loc(8:5)\n"
            "  %fc = Linear(%flat) {in_features=64, out_features=10} params(@fc.weight : "
            "f32[10, 64], @fc.bias : f32[10]) : f32[?] loc(9:5)\n"
            "  output %fc\n"
            "}\n");
}

TEST(Printer, GraphAfterShapeInference) {
  Graph g = parse(kTiny);
  ASSERT_FALSE(inferShapes(g));
  EXPECT_EQ(printGraph(g),
            "graph tiny {\n"
            "  input %x : f32[1, 3, 8, 8]\n"
            "  %conv1 = Conv2d(%x) {in_channels=3, out_channels=4, kernel=[3, 3], stride=[1, 1], "
            "padding=[1, 1, 1, 1], dilation=[1, 1], groups=1} params(@conv1.weight : "
            "f32[4, 3, 3, 3], @conv1.bias : f32[4]) : f32[1, 4, 8, 8] loc(5:5)\n"
            "  %relu1 = ReLU(%conv1) : f32[1, 4, 8, 8] loc(6:5)\n"
            "  %pool1 = MaxPool2d(%relu1) {kernel=[2, 2], stride=[2, 2], padding=[0, 0], "
            "dilation=[1, 1], ceil_mode=false} : f32[1, 4, 4, 4] loc(7:5)\n"
            "  %flat = Flatten(%pool1) {start_dim=1, end_dim=-1} : f32[1, 64] loc(8:5)\n"
            "  %fc = Linear(%flat) {in_features=64, out_features=10} params(@fc.weight : "
            "f32[10, 64], @fc.bias : f32[10]) : f32[1, 10] loc(9:5)\n"
            "  output %fc\n"
            "}\n");
}

TEST(Printer, StreamOperatorPrintsTheGraph) {
  Graph g = parse(kTiny);
  std::ostringstream os;
  os << g;
  EXPECT_EQ(os.str(), printGraph(g));
  EXPECT_EQ(os.str().rfind("graph tiny {\n", 0), 0u);
}

TEST(Printer, SeveralInputsAndOutputsAndVariadicNodes) {
  Graph g = parse("model: two\n"
                  "inputs:\n"
                  "  a: [2, 3]\n"
                  "  b: [2, 3]\n"
                  "layers:\n"
                  "  - {name: s, op: Add, input: [a, b, a]}\n"
                  "  - {name: c, op: Concat, input: [s, b], dim: -1}\n"
                  "outputs: [c, s]\n");
  ASSERT_FALSE(inferShapes(g));
  EXPECT_EQ(printGraph(g), "graph two {\n"
                           "  input %a : f32[2, 3]\n"
                           "  input %b : f32[2, 3]\n"
                           "  %s = Add(%a, %b, %a) : f32[2, 3] loc(6:5)\n"
                           "  %c = Concat(%s, %b) {dim=-1} : f32[2, 6] loc(7:5)\n"
                           "  output %c\n"
                           "  output %s\n"
                           "}\n");
}

TEST(Printer, NodeWithoutLocationHasNoLocSuffix) {
  Graph g = parse(kTiny);
  ASSERT_GE(g.nodes.size(), 2u);
  g.nodes[1].loc = Location{};
  EXPECT_EQ(printNode(g, g.nodes[1]), "%relu1 = ReLU(%conv1) : f32[?]");
}

TEST(PrinterAttrs, Conv2dSamePaddingPrintsBeginThenEnd) {
  EXPECT_EQ(attrsOf("{name: c, op: Conv2d, in_channels: 4, out_channels: 2, kernel_size: [4, 3], "
                    "padding: same, bias: false}"),
            "{in_channels=4, out_channels=2, kernel=[4, 3], stride=[1, 1], padding=[1, 1, 2, 1], "
            "dilation=[1, 1], groups=1}");
}

TEST(PrinterAttrs, Conv2dFlipGroupsStrideDilation) {
  EXPECT_EQ(attrsOf("{name: c, op: Conv2d, in_channels: 4, out_channels: 2, kernel_size: 3, "
                    "stride: [2, 1], padding: [0, 2], dilation: [1, 2], groups: 2, flip: true}"),
            "{in_channels=4, out_channels=2, kernel=[3, 3], stride=[2, 1], padding=[0, 2, 0, 2], "
            "dilation=[1, 2], groups=2, flip=true}");
}

TEST(PrinterAttrs, MaxPool2d) {
  EXPECT_EQ(attrsOf("{name: p, op: MaxPool2d, kernel_size: [3, 2], stride: 1, padding: [1, 0], "
                    "dilation: 2, ceil_mode: true}"),
            "{kernel=[3, 2], stride=[1, 1], padding=[1, 0], dilation=[2, 2], ceil_mode=true}");
}

TEST(PrinterAttrs, AvgPool2dWithAndWithoutDivisor) {
  EXPECT_EQ(attrsOf("{name: p, op: AvgPool2d, kernel_size: 3, stride: 2, padding: 1}"),
            "{kernel=[3, 3], stride=[2, 2], padding=[1, 1], ceil_mode=false, "
            "count_include_pad=true}");
  EXPECT_EQ(attrsOf("{name: p, op: AvgPool2d, kernel_size: 2, count_include_pad: false, "
                    "divisor_override: 3, ceil_mode: true}"),
            "{kernel=[2, 2], stride=[2, 2], padding=[0, 0], ceil_mode=true, "
            "count_include_pad=false, divisor_override=3}");
}

TEST(PrinterAttrs, AdaptiveAvgPool2d) {
  EXPECT_EQ(attrsOf("{name: a, op: AdaptiveAvgPool2d, output_size: [2, 3]}"),
            "{output_size=[2, 3]}");
}

TEST(PrinterAttrs, BatchNorm2dEpsInShortestForm) {
  EXPECT_EQ(attrsOf("{name: b, op: BatchNorm2d, num_features: 4}"), "{num_features=4, eps=1e-05}");
  EXPECT_EQ(attrsOf("{name: b, op: BatchNorm2d, num_features: 4, eps: 0.001}"),
            "{num_features=4, eps=0.001}");
}

TEST(PrinterAttrs, Linear) {
  EXPECT_EQ(attrsOf("{name: f, op: Linear, in_features: 8, out_features: 2, bias: false}"),
            "{in_features=8, out_features=2}");
}

TEST(PrinterAttrs, FlattenLeakyReLUDropoutDim) {
  EXPECT_EQ(attrsOf("{name: f, op: Flatten, start_dim: 2, end_dim: -2}"),
            "{start_dim=2, end_dim=-2}");
  EXPECT_EQ(attrsOf("{name: l, op: LeakyReLU}"), "{negative_slope=0.01}");
  EXPECT_EQ(attrsOf("{name: l, op: LeakyReLU, negative_slope: 0.2}"), "{negative_slope=0.2}");
  EXPECT_EQ(attrsOf("{name: d, op: Dropout}"), "{p=0.5}");
  EXPECT_EQ(attrsOf("{name: d, op: Dropout, p: 0.125}"), "{p=0.125}");
  EXPECT_EQ(attrsOf("{name: s, op: Softmax, dim: -1}"), "{dim=-1}");
}

TEST(PrinterAttrs, OpsWithoutAttributesPrintNothing) {
  for (const char *op : {"ReLU", "ReLU6", "Sigmoid", "Tanh", "Identity"})
    EXPECT_EQ(attrsOf(std::string("{name: a, op: ") + op + "}"), "") << op;
}

TEST(PrinterNode, ConvWithoutBiasListsOnlyTheWeight) {
  Graph g = parse("model: m\ninputs:\n  x: [1, 4, 8, 8]\nlayers:\n"
                  "  - {name: c, op: Conv2d, in_channels: 4, out_channels: 4, kernel_size: 1, "
                  "groups: 2, bias: false}\n");
  ASSERT_EQ(g.nodes.size(), 1u);
  ASSERT_FALSE(inferShapes(g));
  EXPECT_EQ(printNode(g, g.nodes[0]),
            "%c = Conv2d(%x) {in_channels=4, out_channels=4, kernel=[1, 1], stride=[1, 1], "
            "padding=[0, 0, 0, 0], dilation=[1, 1], groups=2} params(@c.weight : "
            "f32[4, 2, 1, 1]) : f32[1, 4, 8, 8] loc(5:5)");
}

TEST(PrinterNode, BatchNormListsFourParams) {
  Graph g = parse("model: m\ninputs:\n  x: [1, 2, 3, 3]\nlayers:\n"
                  "  - {name: bn, op: BatchNorm2d, num_features: 2, eps: 0.5}\n");
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(printNode(g, g.nodes[0]),
            "%bn = BatchNorm2d(%x) {num_features=2, eps=0.5} params(@bn.weight : f32[2], "
            "@bn.bias : f32[2], @bn.running_mean : f32[2], @bn.running_var : f32[2]) : f32[?] "
            "loc(5:5)");
}

} // namespace
} // namespace lgc
