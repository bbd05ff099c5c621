//===- tests/unit/ir/CostTest.cpp - MACs and parameter counts -------------===//
//
// macCount and paramCount on single layers worked out by hand, then the
// totals of the shipped models against numbers computed here layer by layer
// from the torchvision architectures (and their published values: LeNet-5
// 61,706 params; AlexNet 61,100,840 params, 0.71 GMACs; ResNet-18 11,689,512
// params, 1.81 GMACs).
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/Cost.h"

#include "compiler/frontend/ModelParser.h"
#include "compiler/passes/Passes.h"

#include "tests/unit/ModelText.h"

#include <gtest/gtest.h>

#include <string>

namespace lgc {
namespace {

Graph load(const std::string &name, int64_t batch = 0) {
  std::string path = std::string(LGC_SOURCE_DIR) + "/models/" + name + ".yaml";
  Expected<Graph> g = parseModelFile(path);
  if (!g) {
    ADD_FAILURE() << g.error().str();
    return Graph{};
  }
  if (batch > 0)
    if (Error e = setBatchSize(*g, batch)) ADD_FAILURE() << e.str();
  if (Error e = inferShapes(*g)) ADD_FAILURE() << e.str();
  return std::move(*g);
}

const Node &node(const Graph &g, const std::string &name) {
  for (const Node &n : g.nodes)
    if (n.name == name) return n;
  ADD_FAILURE() << "no node " << name;
  static Node none;
  return none;
}

int64_t totalMacs(const Graph &g) {
  int64_t t = 0;
  for (const Node &n : g.nodes) t += macCount(g, n);
  return t;
}

int64_t totalParams(const Graph &g) {
  int64_t t = 0;
  for (const Node &n : g.nodes) t += paramCount(n);
  return t;
}

// MACs of one image through a convolution: every output element takes
// in/groups * kh * kw multiply-accumulates.
int64_t convMacs(int64_t out, int64_t in, int64_t k, int64_t outH, int64_t outW,
                 int64_t groups = 1) {
  return out * outH * outW * (in / groups) * k * k;
}

// ---------------------------------------------------------------------------
// Single layers
// ---------------------------------------------------------------------------

TEST(Cost, Conv2dMacsAndParams) {
  // out [1, 4, 8, 8] = 256 elements, each 3*3*3 = 27 MACs.
  Graph g = build("[1, 3, 8, 8]", "  - {name: c, op: Conv2d, in_channels: 3, out_channels: 4, "
                                  "kernel_size: 3, padding: 1}\n");
  EXPECT_EQ(macCount(g, node(g, "c")), 6912);
  EXPECT_EQ(paramCount(node(g, "c")), 4 * 3 * 9 + 4);
}

TEST(Cost, Conv2dWithoutBiasHasOnlyWeights) {
  Graph g = build("[1, 3, 8, 8]", "  - {name: c, op: Conv2d, in_channels: 3, out_channels: 4, "
                                  "kernel_size: 3, bias: false}\n");
  EXPECT_EQ(paramCount(node(g, "c")), 108);
  EXPECT_EQ(macCount(g, node(g, "c")), 4 * 6 * 6 * 27);
}

TEST(Cost, GroupedAndDepthwiseConv) {
  // Grouped: out [1, 8, 4, 4] = 128 elements, each 2*3*3 = 18 MACs.
  // Depthwise: out [1, 8, 4, 4], each 1*3*3 = 9 MACs.
  Graph g = build("[1, 4, 6, 6]",
                  "  - {name: g, op: Conv2d, in_channels: 4, out_channels: 8, kernel_size: 3, "
                  "groups: 2}\n"
                  "  - {name: d, op: Conv2d, in_channels: 8, out_channels: 8, kernel_size: 1, "
                  "groups: 8}\n");
  EXPECT_EQ(macCount(g, node(g, "g")), 2304);
  EXPECT_EQ(paramCount(node(g, "g")), 8 * 2 * 9 + 8);
  EXPECT_EQ(macCount(g, node(g, "d")), 128);
  EXPECT_EQ(paramCount(node(g, "d")), 8 + 8);
}

TEST(Cost, NonSquareKernelAndStride) {
  // [1, 2, 9, 10], k [5, 3], s [2, 1], p [2, 1] -> [1, 4, 5, 10]: 200 * 2*5*3.
  Graph g = build("[1, 2, 9, 10]", "  - {name: c, op: Conv2d, in_channels: 2, out_channels: 4, "
                                   "kernel_size: [5, 3], stride: [2, 1], padding: [2, 1]}\n");
  EXPECT_EQ(macCount(g, node(g, "c")), 6000);
}

TEST(Cost, LinearMacsCountEveryRow) {
  // [3, 10] -> [3, 4]: 12 outputs * 10. On [1, 2, 3, 5] -> [1, 2, 3, 6]: 36 * 5.
  Graph g = build("[3, 10]", "  - {name: fc, op: Linear, in_features: 10, out_features: 4}\n");
  EXPECT_EQ(macCount(g, node(g, "fc")), 120);
  EXPECT_EQ(paramCount(node(g, "fc")), 44);
  Graph h = build("[1, 2, 3, 5]", "  - {name: fc, op: Linear, in_features: 5, out_features: 6, "
                                  "bias: false}\n");
  EXPECT_EQ(macCount(h, node(h, "fc")), 180);
  EXPECT_EQ(paramCount(node(h, "fc")), 30);
}

TEST(Cost, BatchNormCountsFourVectors) {
  Graph g = build("[1, 4, 2, 2]", "  - {name: bn, op: BatchNorm2d, num_features: 4}\n");
  EXPECT_EQ(paramCount(node(g, "bn")), 16);
  EXPECT_EQ(macCount(g, node(g, "bn")), 0);
}

TEST(Cost, OtherOpsHaveNoMacsOrParams) {
  Graph g = build("[1, 4, 4, 4]", "  - {name: p, op: MaxPool2d, kernel_size: 2}\n"
                                  "  - {name: a, op: AvgPool2d, kernel_size: 2}\n"
                                  "  - {name: r, op: ReLU}\n"
                                  "  - {name: s, op: Add, input: [r, a]}\n"
                                  "  - {name: c, op: Concat, input: [r, a]}\n"
                                  "  - {name: g, op: AdaptiveAvgPool2d, output_size: 1}\n"
                                  "  - {name: f, op: Flatten}\n"
                                  "  - {name: sm, op: Softmax}\n");
  for (const Node &n : g.nodes) {
    EXPECT_EQ(macCount(g, n), 0) << n.name;
    EXPECT_EQ(paramCount(n), 0) << n.name;
  }
}

TEST(Cost, MacsScaleWithTheBatch) {
  Graph g = build("[5, 3, 8, 8]", "  - {name: c, op: Conv2d, in_channels: 3, out_channels: 4, "
                                  "kernel_size: 3, padding: 1}\n"
                                  "  - {name: f, op: Flatten}\n"
                                  "  - {name: fc, op: Linear, in_features: 256, out_features: "
                                  "2}\n");
  EXPECT_EQ(macCount(g, node(g, "c")), 5 * 6912);
  EXPECT_EQ(macCount(g, node(g, "fc")), 5 * 2 * 256);
  EXPECT_EQ(paramCount(node(g, "c")), 112); // parameters do not
}

// ---------------------------------------------------------------------------
// Shipped models
// ---------------------------------------------------------------------------

TEST(CostModels, LeNet5) {
  Graph g = load("lenet5");
  // conv1 6x28x28 * 1*25, conv2 16x10x10 * 6*25, fc 400*120 + 120*84 + 84*10.
  int64_t macs =
      convMacs(6, 1, 5, 28, 28) + convMacs(16, 6, 5, 10, 10) + 400 * 120 + 120 * 84 + 84 * 10;
  EXPECT_EQ(macs, 416520); // README's table
  EXPECT_EQ(totalMacs(g), macs);
  EXPECT_EQ(macCount(g, node(g, "conv1")), 117600);
  int64_t params =
      (6 * 25 + 6) + (16 * 6 * 25 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10);
  EXPECT_EQ(params, 61706);
  EXPECT_EQ(totalParams(g), params);
}

TEST(CostModels, AlexNet) {
  Graph g = load("alexnet");
  // torchvision AlexNet on 224x224: feature maps 55, 27, 13, 13, 13.
  int64_t macs = convMacs(64, 3, 11, 55, 55) + convMacs(192, 64, 5, 27, 27) +
                 convMacs(384, 192, 3, 13, 13) + convMacs(256, 384, 3, 13, 13) +
                 convMacs(256, 256, 3, 13, 13) + 9216 * 4096 + 4096 * 4096 + 4096 * 1000;
  EXPECT_EQ(macs, 714188480); // torchvision: 0.71 GFLOPS (MACs)
  EXPECT_EQ(totalMacs(g), macs);
  EXPECT_EQ(totalParams(g), 61100840); // torchvision's num_params
}

TEST(CostModels, ResNet18) {
  Graph g = load("resnet18");
  // torchvision ResNet-18 on 224x224: conv1 to 112x112, then stages at 56, 28,
  // 14, 7; each stage two BasicBlocks of two 3x3 convs; stages 2-4 start with
  // a stride-2 conv and a 1x1 stride-2 downsample.
  int64_t macs = convMacs(64, 3, 7, 112, 112);
  macs += 4 * convMacs(64, 64, 3, 56, 56);
  int64_t size = 56;
  for (int64_t c : {128, 256, 512}) {
    size /= 2;
    macs += convMacs(c, c / 2, 3, size, size); // first conv of the stage (stride 2)
    macs += 3 * convMacs(c, c, 3, size, size); // the other three
    macs += convMacs(c, c / 2, 1, size, size); // downsample
  }
  macs += 512 * 1000;          // fc
  EXPECT_EQ(macs, 1814073344); // torchvision: 1.81 GFLOPS (MACs)
  EXPECT_EQ(totalMacs(g), macs);
  EXPECT_EQ(macCount(g, node(g, "conv1")), 118013952);
  EXPECT_EQ(macCount(g, node(g, "fc")), 512000);

  // torchvision counts 11,689,512 parameters; lgc's parameters are the
  // state_dict's tensors, which add BatchNorm's running_mean and running_var:
  // 2 * (64 + 4*64 + 5*128 + 5*256 + 5*512) = 2 * 4800.
  EXPECT_EQ(totalParams(g), 11689512 + 2 * 4800);
  EXPECT_EQ(paramCount(node(g, "layer4.0.downsample.0")), 512 * 256);
}

TEST(CostModels, ResNet18AtBatch4) {
  Graph g = load("resnet18", 4);
  EXPECT_EQ(totalMacs(g), 4 * int64_t(1814073344));
  EXPECT_EQ(totalParams(g), 11689512 + 2 * 4800);
}

} // namespace
} // namespace lgc
