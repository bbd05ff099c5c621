//===- tests/unit/ir/VerifierTest.cpp - Graph IR invariants ---------------===//
//
// verifyGraph accepts every model lgc ships and every fixture once parsed and
// shape-inferred; then each named check is shown to catch the corruption it
// exists for, as an internal error naming the check and the layer.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/Verifier.h"

#include "compiler/driver/Driver.h"
#include "compiler/frontend/ModelParser.h"
#include "compiler/passes/Passes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace lgc {
namespace {

namespace fs = std::filesystem;

::testing::AssertionResult contains(const std::string &text, const std::string &part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

/// The model file at `path` parsed and shape-inferred.
Expected<Graph> load(const std::string &path) {
  Expected<Graph> g = parseModelFile(path);
  if (!g) return g;
  if (Error e = inferShapes(*g)) return e;
  return g;
}

/// A small valid graph: x -> c (Conv2d) -> r (ReLU) -> s (Add of r and c) -> f -> fc.
Graph sample() {
  Expected<Graph> g =
      parseModelText("model: m\ninputs:\n  x: [1, 2, 6, 6]\nlayers:\n"
                     "  - {name: c, op: Conv2d, in_channels: 2, out_channels: 3, kernel_size: 3}\n"
                     "  - {name: r, op: ReLU}\n"
                     "  - {name: s, op: Add, input: [r, c]}\n"
                     "  - {name: f, op: Flatten}\n"
                     "  - {name: fc, op: Linear, in_features: 48, out_features: 2}\n",
                     "m.yaml");
  if (!g) {
    ADD_FAILURE() << g.error().str();
    return Graph{};
  }
  if (Error e = inferShapes(*g)) ADD_FAILURE() << e.str();
  return std::move(*g);
}

Node &node(Graph &g, const std::string &name) {
  for (Node &n : g.nodes)
    if (n.name == name) return n;
  ADD_FAILURE() << "no node " << name;
  static Node none;
  return none;
}

/// Checks that `e` is an internal error from `check`, naming `what`.
void expectCheck(const Error &e, const std::string &check, const std::string &what) {
  ASSERT_TRUE(e) << "the verifier accepted a corrupt graph";
  EXPECT_TRUE(e.isInternal()) << e.str();
  EXPECT_TRUE(contains(e.message(), "verifier check '" + check + "' failed"));
  EXPECT_TRUE(contains(e.message(), what));
}

// ---------------------------------------------------------------------------
// Valid graphs pass
// ---------------------------------------------------------------------------

TEST(Verifier, SampleGraphPasses) {
  Graph g = sample();
  Error e = verifyGraph(g);
  EXPECT_FALSE(e) << e.str();
}

TEST(Verifier, ShippedModelsPass) {
  for (const char *name : {"lenet5", "alexnet", "resnet18"}) {
    std::string path = std::string(LGC_SOURCE_DIR) + "/models/" + name + ".yaml";
    Expected<Graph> g = load(path);
    ASSERT_TRUE(g) << path << ": " << g.error().str();
    Error e = verifyGraph(*g);
    EXPECT_FALSE(e) << path << ": " << e.str();
  }
}

TEST(Verifier, ShippedModelsPassThePipeline) {
  for (const char *name : {"lenet5", "alexnet", "resnet18"}) {
    std::string path = std::string(LGC_SOURCE_DIR) + "/models/" + name + ".yaml";
    std::vector<std::string> passes;
    PipelineOptions options;
    options.batch = 2;
    options.afterPass = [&](const std::string &pass, const Graph &) { passes.push_back(pass); };
    Expected<Graph> g = buildGraph(path, options);
    ASSERT_TRUE(g) << g.error().str();
    EXPECT_EQ(passes, (std::vector<std::string>{"parse", "set-batch-size", "infer-shapes"}));
    EXPECT_EQ(g->value(g->inputs[0]).shape[0], 2);
    Error e = verifyGraph(*g);
    EXPECT_FALSE(e) << e.str();
  }
}

TEST(Verifier, EveryFixtureModelPasses) {
  fs::path root = fs::path(LGC_SOURCE_DIR) / "tests" / "fixtures";
  std::vector<fs::path> models;
  for (const auto &entry : fs::directory_iterator(root))
    if (fs::exists(entry.path() / "model.yaml")) models.push_back(entry.path() / "model.yaml");
  std::sort(models.begin(), models.end());
  ASSERT_GE(models.size(), 20u) << "fixtures not found under " << root;
  for (const fs::path &path : models) {
    Expected<Graph> g = load(path.string());
    ASSERT_TRUE(g) << path << ": " << g.error().str();
    Error e = verifyGraph(*g);
    EXPECT_FALSE(e) << path << ": " << e.str();
  }
}

TEST(Verifier, ParsedGraphPassesWithoutShapesButNotWithThem) {
  Expected<Graph> g = parseModelText("model: m\ninputs:\n  x: [1, 2]\nlayers:\n"
                                     "  - {name: a, op: ReLU}\n",
                                     "m.yaml");
  ASSERT_TRUE(g);
  Error without = verifyGraph(*g, VerifyOptions{false});
  EXPECT_FALSE(without) << without.str();
  expectCheck(verifyGraph(*g), "shapes", "at layer 'a'");
}

// ---------------------------------------------------------------------------
// Each check catches its corruption
// ---------------------------------------------------------------------------

TEST(Verifier, UniqueNamesCatchesTwoValuesWithOneName) {
  Graph g = sample();
  g.value(node(g, "r").output).name = "c";
  expectCheck(verifyGraph(g), "unique-names", "'c'");
}

TEST(Verifier, UniqueNamesCatchesALayerNamedLikeAnInput) {
  Graph g = sample();
  g.value(node(g, "c").output).name = "x";
  expectCheck(verifyGraph(g), "unique-names", "'x'");
}

TEST(Verifier, OperandsDefinedCatchesReadingALaterValue) {
  Graph g = sample();
  node(g, "r").inputs[0] = node(g, "s").output;
  expectCheck(verifyGraph(g), "operands-defined", "at layer 'r'");
}

TEST(Verifier, OperandsDefinedCatchesReadingItself) {
  Graph g = sample();
  node(g, "r").inputs[0] = node(g, "r").output;
  expectCheck(verifyGraph(g), "operands-defined", "at layer 'r'");
}

TEST(Verifier, OperandsDefinedCatchesAnOutOfRangeValue) {
  Graph g = sample();
  node(g, "s").inputs[1] = 999;
  expectCheck(verifyGraph(g), "operands-defined", "at layer 's'");
  node(g, "s").inputs[1] = -1;
  expectCheck(verifyGraph(g), "operands-defined", "at layer 's'");
}

TEST(Verifier, OperandsDefinedCatchesAWrongProducer) {
  Graph g = sample();
  g.value(node(g, "f").output).producer = 0;
  expectCheck(verifyGraph(g), "operands-defined", "at layer 'f'");
}

TEST(Verifier, ArityCatchesAnElementwiseOpWithTwoInputs) {
  Graph g = sample();
  node(g, "r").inputs.push_back(g.inputs[0]);
  expectCheck(verifyGraph(g), "arity", "at layer 'r'");
}

TEST(Verifier, ArityCatchesAnAddWithOneInput) {
  Graph g = sample();
  node(g, "s").inputs.pop_back();
  expectCheck(verifyGraph(g), "arity", "at layer 's'");
}

TEST(Verifier, ArityCatchesANodeWithNoInputs) {
  Graph g = sample();
  node(g, "f").inputs.clear();
  expectCheck(verifyGraph(g), "arity", "at layer 'f'");
}

TEST(Verifier, AttrsMatchOpCatchesAttributesOfAnotherOp) {
  Graph g = sample();
  node(g, "c").attrs = Pool2dAttrs{};
  expectCheck(verifyGraph(g), "attrs-match-op", "at layer 'c'");
}

TEST(Verifier, AttrsMatchOpCatchesAttributesOnAnAttributelessOp) {
  Graph g = sample();
  node(g, "r").attrs = LeakyReLUAttrs{};
  expectCheck(verifyGraph(g), "attrs-match-op", "at layer 'r'");
}

TEST(Verifier, AttrsMatchOpCatchesAnOpChangedWithoutItsAttributes) {
  Graph g = sample();
  node(g, "r").op = OpKind::LeakyReLU; // still monostate
  expectCheck(verifyGraph(g), "attrs-match-op", "at layer 'r'");
}

TEST(Verifier, ParamsCatchesAWrongWeightShape) {
  Graph g = sample();
  node(g, "c").params[0].shape = {3, 2, 3, 2};
  expectCheck(verifyGraph(g), "params", "at layer 'c'");
}

TEST(Verifier, ParamsCatchesAMissingBias) {
  Graph g = sample();
  node(g, "fc").params.pop_back();
  expectCheck(verifyGraph(g), "params", "at layer 'fc'");
}

TEST(Verifier, ParamsCatchesARenamedParam) {
  Graph g = sample();
  node(g, "fc").params[0].name = "fc.kernel";
  expectCheck(verifyGraph(g), "params", "at layer 'fc'");
}

TEST(Verifier, ParamsCatchesAttributesChangedWithoutTheirParams) {
  Graph g = sample();
  node(g, "c").as<Conv2dAttrs>().bias = false; // bias param still listed
  expectCheck(verifyGraph(g), "params", "at layer 'c'");
}

TEST(Verifier, ParamsCatchesParamsOnAParameterlessOp) {
  Graph g = sample();
  node(g, "r").params.push_back(Param{"r.weight", {3}});
  expectCheck(verifyGraph(g), "params", "at layer 'r'");
}

TEST(Verifier, OutputsCatchesNoOutputs) {
  Graph g = sample();
  g.outputs.clear();
  expectCheck(verifyGraph(g), "outputs", "no outputs");
}

TEST(Verifier, OutputsCatchesAModelInputAsOutput) {
  Graph g = sample();
  g.outputs.push_back(g.inputs[0]);
  expectCheck(verifyGraph(g), "outputs", "not a layer's value");
}

TEST(Verifier, OutputsCatchesAnOutOfRangeOutput) {
  Graph g = sample();
  g.outputs[0] = static_cast<ValueId>(g.values.size());
  expectCheck(verifyGraph(g), "outputs", "not a layer's value");
}

TEST(Verifier, ShapesCatchesAWrongOutputShape) {
  Graph g = sample();
  g.value(node(g, "s").output).shape = {1, 3, 4, 5};
  expectCheck(verifyGraph(g), "shapes", "at layer 's'");
  EXPECT_TRUE(contains(verifyGraph(g).message(),
                       "output shape [1, 3, 4, 5] but its rule gives [1, 3, 4, 4]"));
}

TEST(Verifier, ShapesCatchesAMissingShape) {
  Graph g = sample();
  g.value(node(g, "fc").output).shape.clear();
  expectCheck(verifyGraph(g), "shapes", "at layer 'fc'");
}

TEST(Verifier, ShapesCatchesAnInputWithoutShape) {
  Graph g = sample();
  g.value(g.inputs[0]).shape.clear();
  expectCheck(verifyGraph(g), "shapes", "model input 'x' has no shape");
}

TEST(Verifier, ShapesCatchesARuleThatNoLongerHolds) {
  Graph g = sample();
  node(g, "fc").as<LinearAttrs>().inFeatures = 47;
  node(g, "fc").params = paramsFor(node(g, "fc")); // params consistent, shapes not
  expectCheck(verifyGraph(g), "shapes", "at layer 'fc'");
  EXPECT_TRUE(contains(verifyGraph(g).message(), "its shape rule fails"));
}

TEST(Verifier, ShapesCheckIsOptional) {
  Graph g = sample();
  g.value(node(g, "s").output).shape = {9};
  Error e = verifyGraph(g, VerifyOptions{false});
  EXPECT_FALSE(e) << e.str();
}

TEST(Verifier, ReportsTheFirstFailingCheckInOrder) {
  Graph g = sample();
  g.value(node(g, "s").output).shape = {9};   // shapes
  g.outputs.clear();                          // outputs
  node(g, "r").inputs.push_back(g.inputs[0]); // arity
  g.value(node(g, "f").output).name = "c";    // unique-names
  expectCheck(verifyGraph(g), "unique-names", "'c'");
}

} // namespace
} // namespace lgc
