//===- tests/unit/passes/FoldBatchNormRecipeTest.cpp - folds as recipes ---===//
//
// foldBatchNorm records each folded Conv2d's weight and bias in
// Graph::derivedParams as recipes over the model file's parameters, so that
// code compiled without weights (a cache entry, an AOT object) prepares the
// same values later. Here the pass runs twice on copies of one graph, once
// with the weights and once with an empty WeightMap, and the recipes from the
// second run, carried out on the original weights, must equal the first
// run's tensors bit for bit: for a Conv2d with a bias, without one, and for
// Conv2d -> BatchNorm2d -> BatchNorm2d (two folds chained).
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/ParamInit.h"
#include "compiler/passes/Passes.h"

#include "tests/unit/ModelText.h"

#include <gtest/gtest.h>

#include <cstring>

namespace lgc {
namespace {

int countOp(const Graph &g, OpKind op) {
  int n = 0;
  for (const Node &node : g.nodes) n += node.op == op;
  return n;
}

/// The BatchNorm parameters as trained ones are: running_var spread well
/// away from 1 so the fold changes every value.
WeightMap weightsFor(const Graph &g) {
  WeightMap w = seededWeights(paramSpecs(g), 11);
  for (auto &[name, t] : w)
    if (name.size() > 12 && name.compare(name.size() - 12, 12, ".running_var") == 0)
      for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = 0.05f + 0.37f * float(i % 7);
  return w;
}

bool sameBits(const Tensor &a, const Tensor &b) {
  return a.shape == b.shape && a.data.size() == b.data.size() &&
         std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0;
}

/// Folds `g` with its weights and, separately, without; checks that the
/// recipes recorded without weights reproduce the folded tensors exactly.
void expectRecipesReproduceTheFold(const Graph &g, int batchNorms) {
  const WeightMap original = weightsFor(g);
  ASSERT_EQ(countOp(g, OpKind::BatchNorm2d), batchNorms);

  Graph withWeights = g;
  WeightMap folded = original;
  foldBatchNorm(withWeights, folded);

  Graph withoutWeights = g;
  WeightMap none;
  foldBatchNorm(withoutWeights, none);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(countOp(withoutWeights, OpKind::BatchNorm2d), 0);
  EXPECT_EQ(countOp(withWeights, OpKind::BatchNorm2d), 0);

  for (const std::string name : {"conv.weight", "conv.bias"}) {
    SCOPED_TRACE(name);
    ASSERT_EQ(withoutWeights.derivedParams.count(name), 1u);
    ASSERT_EQ(folded.count(name), 1u);
    const WeightRecipe &recipe = withoutWeights.derivedParams.at(name);
    EXPECT_EQ(recipe.steps.size(), size_t(batchNorms)) << describeRecipe(recipe);
    Expected<Tensor> prepared = prepareWeight(recipe, original);
    ASSERT_TRUE(bool(prepared)) << prepared.error().str();
    EXPECT_TRUE(sameBits(*prepared, folded.at(name))) << describeRecipe(recipe);
    // The fold did change the values (so equality above means something).
    if (original.count(name)) {
      EXPECT_FALSE(sameBits(*prepared, original.at(name)));
    }
    // Both runs record the same recipe.
    ASSERT_EQ(withWeights.derivedParams.count(name), 1u);
    EXPECT_EQ(describeRecipe(withWeights.derivedParams.at(name)), describeRecipe(recipe));
    // And its shape is the parameter's, as the conv now declares it.
    Expected<Shape> shape = recipeShape(recipe);
    ASSERT_TRUE(bool(shape));
    EXPECT_EQ(*shape, folded.at(name).shape);
  }
  // Nothing but the folded conv's parameters is derived.
  EXPECT_EQ(withoutWeights.derivedParams.size(), 2u);
}

TEST(FoldBatchNormRecipe, ConvWithBias) {
  Graph g = build("[1, 3, 6, 6]",
                  "  - {name: conv, op: Conv2d, in_channels: 3, out_channels: 5, kernel_size: 3}\n"
                  "  - {name: bn, op: BatchNorm2d, num_features: 5, eps: 0.001}\n"
                  "  - {name: relu, op: ReLU}\n");
  expectRecipesReproduceTheFold(g, 1);
  Graph h = g;
  WeightMap none;
  foldBatchNorm(h, none);
  const WeightRecipe &bias = h.derivedParams.at("conv.bias");
  EXPECT_EQ(bias.source, "conv.bias");
  EXPECT_EQ(describeRecipe(bias), "fold_bn_bias(@conv.bias, @bn)");
  ASSERT_EQ(bias.steps.size(), 1u);
  EXPECT_EQ(bias.steps[0].eps, 0.001);
  EXPECT_EQ(describeRecipe(h.derivedParams.at("conv.weight")), "fold_bn_weight(@conv.weight, @bn)");
}

TEST(FoldBatchNormRecipe, ConvWithoutBias) {
  Graph g = build("[1, 4, 5, 5]",
                  "  - {name: conv, op: Conv2d, in_channels: 4, out_channels: 6, kernel_size: 3, "
                  "padding: 1, bias: false}\n"
                  "  - {name: bn, op: BatchNorm2d, num_features: 6}\n");
  expectRecipesReproduceTheFold(g, 1);
  Graph h = g;
  WeightMap none;
  foldBatchNorm(h, none);
  const WeightRecipe &bias = h.derivedParams.at("conv.bias");
  EXPECT_EQ(bias.source, ""); // zeros: the file has no conv.bias
  EXPECT_EQ(bias.sourceShape, (Shape{6}));
  EXPECT_EQ(describeRecipe(bias), "fold_bn_bias(zeros[6], @bn)");
  ASSERT_EQ(bias.steps.size(), 1u);
  EXPECT_EQ(bias.steps[0].eps, 1e-5); // the default
}

TEST(FoldBatchNormRecipe, GroupedConvWithoutBias) {
  Graph g = build("[1, 4, 5, 5]",
                  "  - {name: conv, op: Conv2d, in_channels: 4, out_channels: 8, kernel_size: 3, "
                  "groups: 2, bias: false}\n"
                  "  - {name: bn, op: BatchNorm2d, num_features: 8, eps: 0.01}\n");
  expectRecipesReproduceTheFold(g, 1);
}

TEST(FoldBatchNormRecipe, TwoBatchNormsChained) {
  for (const char *bias : {"true", "false"}) {
    SCOPED_TRACE(std::string("bias: ") + bias);
    Graph g = build("[1, 2, 4, 4]",
                    std::string("  - {name: conv, op: Conv2d, in_channels: 2, out_channels: 3, "
                                "kernel_size: 1, bias: ") +
                        bias +
                        "}\n"
                        "  - {name: bn1, op: BatchNorm2d, num_features: 3, eps: 0.001}\n"
                        "  - {name: bn2, op: BatchNorm2d, num_features: 3, eps: 0.1}\n");
    expectRecipesReproduceTheFold(g, 2);
    Graph h = g;
    WeightMap none;
    foldBatchNorm(h, none);
    const WeightRecipe &w = h.derivedParams.at("conv.weight");
    EXPECT_EQ(describeRecipe(w), "fold_bn_weight(fold_bn_weight(@conv.weight, @bn1), @bn2)");
    ASSERT_EQ(w.steps.size(), 2u);
    EXPECT_EQ(w.steps[0].eps, 0.001);
    EXPECT_EQ(w.steps[1].eps, 0.1);
  }
}

TEST(FoldBatchNormRecipe, UnfoldedGraphHasNoDerivedParams) {
  Graph g = build("[1, 2, 4, 4]",
                  "  - {name: conv, op: Conv2d, in_channels: 2, out_channels: 3, kernel_size: 1}\n"
                  "  - {name: relu, op: ReLU}\n"
                  "  - {name: bn, op: BatchNorm2d, num_features: 3}\n");
  WeightMap none;
  foldBatchNorm(g, none);
  EXPECT_EQ(countOp(g, OpKind::BatchNorm2d), 1);
  EXPECT_TRUE(g.derivedParams.empty());
}

} // namespace
} // namespace lgc
