//===- tests/unit/passes/PassesTest.cpp - the optimisation passes ---------===//
//
// Each pass's effect on the graph (what disappears, what fuses where, which
// names survive), the verifier's and printer's view of fused ops, and that
// optimizeGraph leaves every model's outputs unchanged: each model in models/
// and tests/fixtures/ runs through the reference interpreter before and after,
// with seeded weights and inputs, to SPEC §5's tolerance.
//
//===----------------------------------------------------------------------===//
#include "compiler/passes/Passes.h"
#include "compiler/driver/Driver.h"
#include "compiler/interpreter/Interpreter.h"
#include "compiler/ir/Cost.h"
#include "compiler/ir/ParamInit.h"
#include "compiler/ir/Printer.h"
#include "compiler/ir/Verifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

using namespace lgc;
namespace fs = std::filesystem;

namespace {

const fs::path kSource = LGC_SOURCE_DIR;

Graph load(const fs::path &path) {
  Expected<Graph> graph = buildGraph(path.string());
  if (!graph) {
    ADD_FAILURE() << graph.error().str();
    return Graph();
  }
  return std::move(*graph);
}

/// Builds a graph from model text (written to a file, as users write them).
Graph loadText(const std::string &name, const std::string &yaml) {
  fs::path path = fs::path(testing::TempDir()) / ("lgc_passes_" + name + ".yaml");
  std::ofstream(path) << yaml;
  return load(path);
}

int countOp(const Graph &g, OpKind op) {
  return static_cast<int>(
      std::count_if(g.nodes.begin(), g.nodes.end(), [&](const Node &n) { return n.op == op; }));
}

const Node *findNode(const Graph &g, const std::string &name) {
  for (const Node &n : g.nodes)
    if (n.name == name) return &n;
  return nullptr;
}

std::vector<std::string> outputNames(const Graph &g) {
  std::vector<std::string> names;
  for (ValueId id : g.outputs) names.push_back(g.value(id).name);
  return names;
}

/// The kinds and origins of `n`'s fused ops, as `Add:origin`, `ReLU:origin`.
std::vector<std::string> fusedOf(const Node &n) {
  std::vector<std::string> items;
  for (const FusedOp &f : n.fused) items.push_back(std::string(opName(f.op)) + ":" + f.origin);
  return items;
}

WeightMap weightsFor(const Graph &g) {
  return seededWeights(paramSpecs(g), 0);
}

TensorMap inputsFor(const Graph &g) {
  TensorMap inputs;
  for (ValueId id : g.inputs) {
    const Value &v = g.value(id);
    inputs[v.name] = seededUniform(v.shape, -1.0f, 1.0f, 0, "input:" + v.name);
  }
  return inputs;
}

/// Interprets `g` before and after optimizeGraph and expects the same outputs
/// (same names) within 1e-4 * max(1, max|expected|).
void expectSameOutputs(Graph g) {
  WeightMap weights = weightsFor(g);
  TensorMap inputs = inputsFor(g);
  Expected<TensorMap> expected = interpret(g, weights, inputs);
  ASSERT_TRUE(expected) << expected.error().str();
  std::vector<std::string> namesBefore = outputNames(g);

  Error e = optimizeGraph(g, weights);
  ASSERT_FALSE(e) << e.str();
  EXPECT_EQ(outputNames(g), namesBefore);
  Expected<TensorMap> got = interpret(g, weights, inputs);
  ASSERT_TRUE(got) << got.error().str();

  ASSERT_EQ(got->size(), expected->size());
  for (const auto &[name, want] : *expected) {
    auto it = got->find(name);
    ASSERT_NE(it, got->end()) << "output '" << name << "' is missing";
    const Tensor &have = it->second;
    ASSERT_EQ(have.shape, want.shape) << name;
    float peak = 1.0f;
    for (float v : want.data) peak = std::max(peak, std::fabs(v));
    float tolerance = 1e-4f * peak;
    size_t bad = 0, worst = 0;
    for (size_t i = 0; i < want.data.size(); ++i) {
      float diff = std::fabs(have.data[i] - want.data[i]);
      if (!(diff <= tolerance)) ++bad;
      if (std::fabs(have.data[worst] - want.data[worst]) < diff) worst = i;
    }
    EXPECT_EQ(bad, 0u) << "output '" << name << "': " << bad << " elements off; worst at " << worst
                       << ": " << have.data[worst] << " vs " << want.data[worst] << " (tolerance "
                       << tolerance << ")";
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// remove-identities
//===----------------------------------------------------------------------===//

TEST(RemoveIdentities, DropoutGoneFromAlexNet) {
  Graph g = load(kSource / "models/alexnet.yaml");
  size_t before = g.nodes.size();
  ASSERT_EQ(countOp(g, OpKind::Dropout), 2);
  removeIdentities(g);
  EXPECT_FALSE(verifyGraph(g));
  EXPECT_EQ(countOp(g, OpKind::Dropout), 0);
  EXPECT_EQ(g.nodes.size(), before - 2);
  EXPECT_EQ(outputNames(g), std::vector<std::string>{"classifier.6"});
  // The producers took the Dropouts' values over, so readers keep their names.
  EXPECT_EQ(g.outputOf(*findNode(g, "flatten")).name, "classifier.0");
  EXPECT_EQ(g.outputOf(*findNode(g, "classifier.2")).name, "classifier.3");
}

TEST(RemoveIdentities, ProducerTakesOverGraphOutput) {
  Graph g = loadText("id_out_taken", R"(model: m
inputs: {x: [1, 2, 4, 4]}
layers:
  - {name: conv, op: Conv2d, in_channels: 2, out_channels: 2, kernel_size: 1}
  - {name: id, op: Identity}
)");
  removeIdentities(g);
  EXPECT_FALSE(verifyGraph(g));
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].name, "conv");
  EXPECT_EQ(outputNames(g), std::vector<std::string>{"id"});
  EXPECT_EQ(g.values.size(), 2u); // x and id; conv's own value is gone
}

TEST(RemoveIdentities, IdentityOfModelInputThatIsGraphOutputIsKept) {
  Graph g = loadText("id_out_kept", R"(model: m
inputs: {x: [1, 2, 4, 4]}
layers:
  - {name: id, op: Identity}
  - {name: relu, op: ReLU, input: x}
outputs: [id, relu]
)");
  removeIdentities(g);
  EXPECT_FALSE(verifyGraph(g));
  EXPECT_EQ(countOp(g, OpKind::Identity), 1);
  EXPECT_EQ(outputNames(g), (std::vector<std::string>{"id", "relu"}));
}

TEST(RemoveIdentities, IdentityOfSharedValueThatIsGraphOutputIsKept) {
  Graph g = loadText("id_shared_out", R"(model: m
inputs: {x: [1, 2, 4, 4]}
layers:
  - {name: conv, op: Conv2d, in_channels: 2, out_channels: 2, kernel_size: 1}
  - {name: id, op: Identity}
  - {name: relu, op: ReLU, input: conv}
outputs: [id, relu]
)");
  removeIdentities(g);
  EXPECT_FALSE(verifyGraph(g));
  EXPECT_EQ(countOp(g, OpKind::Identity), 1);
  expectSameOutputs(g);
}

TEST(RemoveIdentities, ReadersOfSharedValueAreRewired) {
  Graph g = loadText("id_rewire", R"(model: m
inputs: {x: [1, 2, 4, 4]}
layers:
  - {name: conv, op: Conv2d, in_channels: 2, out_channels: 2, kernel_size: 1}
  - {name: drop, op: Dropout}
  - {name: relu, op: ReLU}
  - {name: sig, op: Sigmoid, input: conv}
  - {name: sum, op: Add, input: [relu, sig]}
)");
  removeIdentities(g);
  EXPECT_FALSE(verifyGraph(g));
  EXPECT_EQ(countOp(g, OpKind::Dropout), 0);
  EXPECT_EQ(g.nodes.size(), 4u);
  EXPECT_EQ(g.inputOf(*findNode(g, "relu")).name, "conv");
  expectSameOutputs(g);
}

TEST(RemoveIdentities, IdentityOfModelInputIsRewired) {
  Graph g = loadText("id_input", R"(model: m
inputs: {x: [1, 2, 4, 4]}
layers:
  - {name: id, op: Identity}
  - {name: relu, op: ReLU}
)");
  removeIdentities(g);
  EXPECT_FALSE(verifyGraph(g));
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.inputOf(g.nodes[0]).name, "x");
}

//===----------------------------------------------------------------------===//
// fold-batchnorm
//===----------------------------------------------------------------------===//

TEST(FoldBatchNorm, NoBatchNormLeftInResNet18) {
  Graph g = load(kSource / "models/resnet18.yaml");
  WeightMap weights = weightsFor(g);
  int convs = countOp(g, OpKind::Conv2d);
  size_t before = g.nodes.size();
  ASSERT_EQ(countOp(g, OpKind::BatchNorm2d), 20);
  foldBatchNorm(g, weights);
  EXPECT_FALSE(verifyGraph(g));
  EXPECT_EQ(countOp(g, OpKind::BatchNorm2d), 0);
  EXPECT_EQ(countOp(g, OpKind::Conv2d), convs);
  EXPECT_EQ(g.nodes.size(), before - 20);
  for (const Node &n : g.nodes)
    if (n.op == OpKind::Conv2d) {
      EXPECT_TRUE(n.as<Conv2dAttrs>().bias) << n.name;
      EXPECT_EQ(weights.count(n.name + ".bias"), 1u) << n.name;
    }
  for (const auto &[name, tensor] : weights)
    EXPECT_EQ(name.find("bn"), std::string::npos) << name << " was not removed";
  // conv1 now produces bn1's value, which relu reads.
  EXPECT_EQ(g.outputOf(*findNode(g, "conv1")).name, "bn1");
}

TEST(FoldBatchNorm, ConvWithoutBiasGainsOne) {
  Graph g = load(kSource / "tests/fixtures/conv_bn_relu/model.yaml");
  WeightMap weights = weightsFor(g);
  ASSERT_FALSE(findNode(g, "conv")->as<Conv2dAttrs>().bias);
  ASSERT_EQ(weights.count("conv.bias"), 0u);
  Graph original = g;
  WeightMap originalWeights = weights;

  foldBatchNorm(g, weights);
  EXPECT_FALSE(verifyGraph(g));
  const Node &conv = *findNode(g, "conv");
  EXPECT_TRUE(conv.as<Conv2dAttrs>().bias);
  ASSERT_EQ(conv.params.size(), 2u);
  EXPECT_EQ(conv.params[1].name, "conv.bias");
  ASSERT_EQ(weights.count("conv.bias"), 1u);
  EXPECT_EQ(weights.at("conv.bias").shape, (Shape{8}));
  EXPECT_EQ(weights.count("bn.running_mean"), 0u);
  EXPECT_EQ(weights.count("bn.weight"), 0u);

  // bias' = (0 - mean) * scale + beta, scale = gamma / sqrt(var + eps).
  const WeightMap &w0 = originalWeights;
  for (size_t c = 0; c < 8; ++c) {
    double scale = w0.at("bn.weight").data[c] / std::sqrt(w0.at("bn.running_var").data[c] + 1e-5);
    double bias = -w0.at("bn.running_mean").data[c] * scale + w0.at("bn.bias").data[c];
    EXPECT_NEAR(weights.at("conv.bias").data[c], bias, 1e-6) << c;
    EXPECT_NEAR(weights.at("conv.weight").data[c * 27], w0.at("conv.weight").data[c * 27] * scale,
                1e-6);
  }
  expectSameOutputs(original);
}

TEST(FoldBatchNorm, ConvWithBiasKeepsItsParams) {
  Graph g = load(kSource / "tests/fixtures/conv_bias_bn/model.yaml");
  WeightMap weights = weightsFor(g);
  foldBatchNorm(g, weights);
  EXPECT_FALSE(verifyGraph(g));
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].params.size(), 2u);
  EXPECT_EQ(outputNames(g), std::vector<std::string>{"bn"}); // a graph output keeps its name
  EXPECT_EQ(weights.size(), 2u);
}

TEST(FoldBatchNorm, ConvValueWithSecondUseIsNotFolded) {
  Graph g = loadText("bn_second_use", R"(model: m
inputs: {x: [1, 2, 4, 4]}
layers:
  - {name: conv, op: Conv2d, in_channels: 2, out_channels: 3, kernel_size: 1}
  - {name: bn, op: BatchNorm2d, num_features: 3}
  - {name: relu, op: ReLU, input: conv}
outputs: [bn, relu]
)");
  WeightMap weights = weightsFor(g);
  WeightMap before = weights;
  foldBatchNorm(g, weights);
  EXPECT_FALSE(verifyGraph(g));
  EXPECT_EQ(countOp(g, OpKind::BatchNorm2d), 1);
  EXPECT_EQ(weights.size(), before.size());
  EXPECT_EQ(weights.at("conv.weight").data, before.at("conv.weight").data);
  expectSameOutputs(g);
}

TEST(FoldBatchNorm, ConvValueThatIsGraphOutputIsNotFolded) {
  Graph g = loadText("bn_conv_output", R"(model: m
inputs: {x: [1, 2, 4, 4]}
layers:
  - {name: conv, op: Conv2d, in_channels: 2, out_channels: 3, kernel_size: 1}
  - {name: bn, op: BatchNorm2d, num_features: 3}
outputs: [conv, bn]
)");
  WeightMap weights = weightsFor(g);
  foldBatchNorm(g, weights);
  EXPECT_EQ(countOp(g, OpKind::BatchNorm2d), 1);
}

TEST(FoldBatchNorm, BatchNormAfterOtherOpsStays) {
  Graph g = loadText("bn_after_pool", R"(model: m
inputs: {x: [1, 2, 4, 4]}
layers:
  - {name: bn0, op: BatchNorm2d, num_features: 2}
  - {name: pool, op: MaxPool2d, kernel_size: 2}
  - {name: bn, op: BatchNorm2d, num_features: 2}
)");
  WeightMap weights = weightsFor(g);
  foldBatchNorm(g, weights);
  EXPECT_EQ(countOp(g, OpKind::BatchNorm2d), 2);
  EXPECT_EQ(weights.size(), 8u);
}

TEST(FoldBatchNorm, WithoutWeightsOnlyTheGraphChanges) {
  Graph g = load(kSource / "tests/fixtures/conv_bn_relu/model.yaml");
  WeightMap none;
  foldBatchNorm(g, none);
  EXPECT_FALSE(verifyGraph(g));
  EXPECT_EQ(countOp(g, OpKind::BatchNorm2d), 0);
  EXPECT_TRUE(none.empty());
}

//===----------------------------------------------------------------------===//
// fuse-epilogues
//===----------------------------------------------------------------------===//

TEST(FuseEpilogues, ActivationsFuseIntoTheirProducers) {
  Graph g = load(kSource / "models/alexnet.yaml");
  removeIdentities(g);
  fuseEpilogues(g);
  EXPECT_FALSE(verifyGraph(g));
  EXPECT_EQ(countOp(g, OpKind::ReLU), 0);
  EXPECT_EQ(g.nodes.size(), 13u); // 5 conv, 3 pool, avgpool, flatten, 3 linear
  EXPECT_EQ(fusedOf(*findNode(g, "features.0")), std::vector<std::string>{"ReLU:features.1"});
  EXPECT_EQ(fusedOf(*findNode(g, "classifier.1")), std::vector<std::string>{"ReLU:classifier.2"});
  EXPECT_EQ(g.outputOf(*findNode(g, "classifier.1")).name, "classifier.3");
}

TEST(FuseEpilogues, ChainedActivationsFuseInOrder) {
  Graph g = loadText("chain", R"(model: m
inputs: {x: [1, 4]}
layers:
  - {name: fc, op: Linear, in_features: 4, out_features: 3}
  - {name: act1, op: LeakyReLU, negative_slope: 0.2}
  - {name: act2, op: Tanh}
  - {name: act3, op: Softmax}
)");
  Graph original = g;
  fuseEpilogues(g);
  EXPECT_FALSE(verifyGraph(g));
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(fusedOf(g.nodes[0]), (std::vector<std::string>{"LeakyReLU:act1", "Tanh:act2"}));
  EXPECT_EQ(std::get<LeakyReLUAttrs>(g.nodes[0].fused[0].attrs).negativeSlope, 0.2);
  expectSameOutputs(original);
}

TEST(FuseEpilogues, ActivationOfSharedOrOutputValueStays) {
  Graph g = loadText("shared_act", R"(model: m
inputs: {x: [1, 2, 4, 4]}
layers:
  - {name: conv, op: Conv2d, in_channels: 2, out_channels: 2, kernel_size: 1}
  - {name: relu, op: ReLU}
  - {name: sig, op: Sigmoid, input: conv}
  - {name: pool, op: AvgPool2d, input: x, kernel_size: 2}
  - {name: tanh, op: Tanh}
outputs: [relu, sig, pool, tanh]
)");
  fuseEpilogues(g);
  EXPECT_FALSE(verifyGraph(g));
  EXPECT_EQ(g.nodes.size(), 5u);

  // A graph output may come from a fused op: relu1 is one, and read by pool.
  Graph two = load(kSource / "tests/fixtures/two_outputs/model.yaml");
  fuseEpilogues(two);
  EXPECT_EQ(countOp(two, OpKind::ReLU), 0);
  EXPECT_EQ(outputNames(two), (std::vector<std::string>{"relu1", "fc"}));
}

TEST(FuseEpilogues, ActivationAfterFlattenOrConcatStays) {
  Graph g = loadText("after_flatten", R"(model: m
inputs: {x: [1, 2, 4, 4]}
layers:
  - {name: flat, op: Flatten}
  - {name: relu, op: ReLU}
  - {name: cat, op: Concat, input: [relu, relu]}
  - {name: sig, op: Sigmoid}
)");
  fuseEpilogues(g);
  EXPECT_FALSE(verifyGraph(g));
  EXPECT_EQ(g.nodes.size(), 4u);
}

TEST(FuseEpilogues, ResNet18ResidualAddsFuseIntoConv2OrDownsample) {
  Graph g = load(kSource / "models/resnet18.yaml");
  WeightMap weights = weightsFor(g);
  ASSERT_FALSE(optimizeGraph(g, weights));
  EXPECT_EQ(countOp(g, OpKind::Add), 0);
  EXPECT_EQ(countOp(g, OpKind::ReLU), 0);
  EXPECT_EQ(countOp(g, OpKind::BatchNorm2d), 0);
  EXPECT_EQ(g.nodes.size(), 24u); // 20 convs, maxpool, avgpool, flatten, fc
  EXPECT_EQ(outputNames(g), std::vector<std::string>{"fc"});

  EXPECT_EQ(fusedOf(*findNode(g, "conv1")), std::vector<std::string>{"ReLU:relu"});
  EXPECT_EQ(fusedOf(*findNode(g, "layer1.0.conv1")),
            std::vector<std::string>{"ReLU:layer1.0.relu"});
  // No downsample: the Add fuses into conv2, adding the block's input.
  const Node &conv2 = *findNode(g, "layer1.0.conv2");
  EXPECT_EQ(fusedOf(conv2), (std::vector<std::string>{"Add:layer1.0.add", "ReLU:layer1.0.relu2"}));
  ASSERT_EQ(conv2.inputs.size(), 2u);
  EXPECT_EQ(conv2.baseInputCount(), 1u);
  EXPECT_EQ(g.value(conv2.inputs[1]).name, "maxpool");
  EXPECT_EQ(g.outputOf(conv2).name, "layer1.0.relu2");
  // Downsample (computed after conv2): the Add fuses into it, adding conv2's value.
  for (std::string block : {"layer2.0", "layer3.0", "layer4.0"}) {
    const Node &ds = *findNode(g, block + ".downsample.0");
    EXPECT_EQ(fusedOf(ds),
              (std::vector<std::string>{"Add:" + block + ".add", "ReLU:" + block + ".relu2"}));
    ASSERT_EQ(ds.inputs.size(), 2u);
    EXPECT_EQ(g.value(ds.inputs[1]).name, block + ".bn2");
    EXPECT_EQ(ds.fused[0].operand, 1);
    EXPECT_EQ(fusedOf(*findNode(g, block + ".conv2")), std::vector<std::string>{});
  }
}

TEST(FuseEpilogues, AddAfterActivationDoesNotFuse) {
  // conv2's ReLU fuses first, and an Add cannot follow an activation.
  Graph g = load(kSource / "tests/fixtures/add_skip_earlier/model.yaml");
  fuseEpilogues(g);
  EXPECT_FALSE(verifyGraph(g));
  EXPECT_EQ(fusedOf(*findNode(g, "conv3")), std::vector<std::string>{"Add:add"});
  EXPECT_EQ(g.value(findNode(g, "conv3")->inputs[1]).name, "relu1");

  Graph h = loadText("relu_then_add", R"(model: m
inputs: {x: [1, 2, 4, 4]}
layers:
  - {name: conv, op: Conv2d, in_channels: 2, out_channels: 2, kernel_size: 1}
  - {name: relu, op: ReLU}
  - {name: add, op: Add, input: [relu, x]}
)");
  fuseEpilogues(h);
  EXPECT_FALSE(verifyGraph(h));
  EXPECT_EQ(countOp(h, OpKind::Add), 1);
}

TEST(FuseEpilogues, AddsWithThreeInputsOrOneValueTwiceStay) {
  Graph three = load(kSource / "tests/fixtures/add_three/model.yaml");
  fuseEpilogues(three);
  EXPECT_EQ(countOp(three, OpKind::Add), 1);

  Graph twice = loadText("add_twice", R"(model: m
inputs: {x: [1, 2, 4, 4]}
layers:
  - {name: conv, op: Conv2d, in_channels: 2, out_channels: 2, kernel_size: 1}
  - {name: add, op: Add, input: [conv, conv]}
)");
  fuseEpilogues(twice);
  EXPECT_EQ(countOp(twice, OpKind::Add), 1);
}

TEST(FuseEpilogues, AddOfTwoModelInputsTakesTheActivation) {
  Graph g = loadText("add_inputs", R"(model: m
inputs: {a: [1, 3], b: [1, 3]}
layers:
  - {name: add, op: Add, input: [a, b]}
  - {name: relu, op: ReLU6}
)");
  Graph original = g;
  fuseEpilogues(g);
  EXPECT_FALSE(verifyGraph(g));
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(fusedOf(g.nodes[0]), std::vector<std::string>{"ReLU6:relu"});
  expectSameOutputs(original);
}

TEST(FuseEpilogues, ResidualOnLinearAndBatchNorm) {
  Graph g = loadText("residual_linear", R"(model: m
inputs: {x: [2, 4], y: [1, 3, 2, 2]}
layers:
  - {name: fc, op: Linear, input: x, in_features: 4, out_features: 4}
  - {name: sum, op: Add, input: [x, fc]}
  - {name: act, op: Sigmoid}
  - {name: bn, op: BatchNorm2d, input: y, num_features: 3}
  - {name: sum2, op: Add, input: [bn, y]}
outputs: [act, sum2]
)");
  Graph original = g;
  fuseEpilogues(g);
  EXPECT_FALSE(verifyGraph(g));
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(fusedOf(g.nodes[0]), (std::vector<std::string>{"Add:sum", "Sigmoid:act"}));
  EXPECT_EQ(fusedOf(g.nodes[1]), (std::vector<std::string>{"Add:sum2"}));
  expectSameOutputs(original);
}

//===----------------------------------------------------------------------===//
// eliminate-dead-code
//===----------------------------------------------------------------------===//

TEST(EliminateDeadCode, UnusedLayersGoAndValuesAreRenumbered) {
  Graph g = loadText("dead", R"(model: m
inputs: {x: [1, 2, 4, 4], unused: [1, 3]}
layers:
  - {name: a, op: Conv2d, input: x, in_channels: 2, out_channels: 2, kernel_size: 1}
  - {name: dead1, op: ReLU}
  - {name: dead2, op: Sigmoid}
  - {name: b, op: Tanh, input: a}
  - {name: dead3, op: Add, input: [b, a]}
  - {name: c, op: MaxPool2d, input: b, kernel_size: 2}
outputs: [c]
)");
  eliminateDeadCode(g);
  EXPECT_FALSE(verifyGraph(g));
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[0].name, "a");
  EXPECT_EQ(g.nodes[1].name, "b");
  EXPECT_EQ(g.nodes[2].name, "c");
  EXPECT_EQ(g.values.size(), 5u); // x, unused (model inputs stay), a, b, c
  EXPECT_EQ(g.inputs.size(), 2u);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    EXPECT_EQ(g.value(g.nodes[i].output).producer, static_cast<int>(i));
  EXPECT_EQ(outputNames(g), std::vector<std::string>{"c"});
}

TEST(EliminateDeadCode, EveryOutputStays) {
  Graph g = load(kSource / "tests/fixtures/two_outputs/model.yaml");
  size_t before = g.nodes.size();
  eliminateDeadCode(g);
  EXPECT_EQ(g.nodes.size(), before);
}

//===----------------------------------------------------------------------===//
// The pipeline, the printer and the verifier on fused graphs
//===----------------------------------------------------------------------===//

TEST(OptimizeGraph, ReportsEveryPassInOrder) {
  Graph g = load(kSource / "tests/fixtures/resnet_block/model.yaml");
  WeightMap weights = weightsFor(g);
  std::vector<std::string> passes;
  PipelineOptions options;
  options.afterPass = [&](const std::string &pass, const Graph &) { passes.push_back(pass); };
  ASSERT_FALSE(optimizeGraph(g, weights, options));
  EXPECT_EQ(passes, (std::vector<std::string>{"remove-identities", "fold-batchnorm",
                                              "fuse-epilogues", "eliminate-dead-code"}));
  EXPECT_EQ(g.nodes.size(), 3u);
}

TEST(OptimizeGraph, PrintsFusedOps) {
  Graph g = load(kSource / "tests/fixtures/resnet_block/model.yaml");
  WeightMap weights = weightsFor(g);
  ASSERT_FALSE(optimizeGraph(g, weights));
  std::string text = printGraph(g);
  EXPECT_NE(text.find("  %layer1.0.relu = Conv2d(%x) {in_channels=8, out_channels=16, "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("@layer1.0.conv1.bias : f32[16]) fused(ReLU from layer1.0.relu) : "
                      "f32[1, 16, 5, 5]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  %layer1.0.relu2 = Conv2d(%x) {in_channels=8, out_channels=16, "
                      "kernel=[1, 1]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(" fused(Add(%layer1.0.bn2) from layer1.0.add, ReLU from layer1.0.relu2) : "
                      "f32[1, 16, 5, 5] loc(11:5)"),
            std::string::npos)
      << text;

  Graph leaky = loadText("print_leaky", R"(model: m
inputs: {x: [1, 4]}
layers:
  - {name: fc, op: Linear, in_features: 4, out_features: 3}
  - {name: act, op: LeakyReLU, negative_slope: 0.2}
)");
  fuseEpilogues(leaky);
  EXPECT_NE(printGraph(leaky).find(" fused(LeakyReLU{negative_slope=0.2} from act) : f32[1, 3]"),
            std::string::npos)
      << printGraph(leaky);
}

TEST(VerifyFused, RejectsMalformedFusedOps) {
  Graph good = load(kSource / "tests/fixtures/add_residual/model.yaml");
  fuseEpilogues(good);
  ASSERT_FALSE(verifyGraph(good));
  const Node &conv2 = *findNode(good, "conv2");
  ASSERT_EQ(conv2.fused.size(), 2u);
  size_t at = static_cast<size_t>(findNode(good, "conv2") - good.nodes.data());

  auto message = [&](auto edit) {
    Graph g = good;
    edit(g.nodes[at]);
    Error e = verifyGraph(g);
    return e ? e.message() : std::string("accepted");
  };
  EXPECT_NE(message([](Node &n) { n.fused[0].operand = 0; }).find("check 'fused'"),
            std::string::npos);
  EXPECT_NE(message([](Node &n) { n.fused[0].operand = 2; }).find("check 'fused'"),
            std::string::npos);
  EXPECT_NE(message([](Node &n) { n.fused[1].op = OpKind::Softmax; }).find("check 'fused'"),
            std::string::npos);
  EXPECT_NE(message([](Node &n) { n.fused[1].attrs = LeakyReLUAttrs{}; }).find("check 'fused'"),
            std::string::npos);
  EXPECT_NE(message([](Node &n) { n.fused[1].op = OpKind::LeakyReLU; }).find("check 'fused'"),
            std::string::npos);
  EXPECT_NE(message([](Node &n) {
              n.fused.push_back(n.fused[0]); // the same addend twice
              n.inputs.push_back(n.inputs[1]);
            }).find("check 'fused'"),
            std::string::npos);
  EXPECT_NE(message([](Node &n) { n.inputs.pop_back(); }).find("check 'arity'"), std::string::npos);
  EXPECT_NE(message([](Node &n) { n.fused.erase(n.fused.begin()); }).find("check 'arity'"),
            std::string::npos);
}

TEST(VerifyFused, AddendMustHaveTheOutputShape) {
  Graph g = loadText("addend_shape", R"(model: m
inputs: {x: [1, 2, 4, 4], y: [1, 2, 2, 2]}
layers:
  - {name: conv, op: Conv2d, input: x, in_channels: 2, out_channels: 2, kernel_size: 1}
  - {name: add, op: Add, input: [conv, x]}
)");
  fuseEpilogues(g);
  ASSERT_FALSE(verifyGraph(g));
  g.nodes[0].inputs[1] = g.findValue("y");
  Error e = verifyGraph(g);
  ASSERT_TRUE(e);
  EXPECT_NE(e.message().find("check 'shapes'"), std::string::npos) << e.message();
  EXPECT_FALSE(verifyGraph(g, VerifyOptions{false}));
}

//===----------------------------------------------------------------------===//
// Numerics: every model gives the same outputs after optimizeGraph
//===----------------------------------------------------------------------===//

namespace {

std::vector<fs::path> allModels() {
  std::vector<fs::path> models;
  for (const auto &entry : fs::directory_iterator(kSource / "models"))
    if (entry.path().extension() == ".yaml") models.push_back(entry.path());
  for (const auto &entry : fs::directory_iterator(kSource / "tests/fixtures"))
    if (fs::exists(entry.path() / "model.yaml")) models.push_back(entry.path() / "model.yaml");
  std::sort(models.begin(), models.end());
  return models;
}

std::string caseName(const testing::TestParamInfo<fs::path> &info) {
  fs::path p = info.param;
  std::string name = p.filename() == "model.yaml" ? "fixture_" + p.parent_path().filename().string()
                                                  : "model_" + p.stem().string();
  for (char &c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

class SameOutputs : public testing::TestWithParam<fs::path> {};

} // namespace

/// Models past this many multiply-accumulates (VGG, ResNet-50) take minutes
/// in the interpreter, twice, and more under the sanitizers; the zoo's parity
/// tests check them against torchvision where PyTorch is installed.
constexpr double kMaxInterpretedMacs = 2e9;

TEST_P(SameOutputs, AfterOptimizeGraph) {
  Graph g = load(GetParam());
  ASSERT_FALSE(g.nodes.empty());
  double macs = 0;
  for (const Node &n : g.nodes) macs += macCount(g, n);
  if (macs > kMaxInterpretedMacs)
    GTEST_SKIP() << macs * 1e-9 << " GMACs: too large to interpret here (tests/zoo covers it)";
  expectSameOutputs(std::move(g));
}

INSTANTIATE_TEST_SUITE_P(Models, SameOutputs, testing::ValuesIn(allModels()), caseName);
