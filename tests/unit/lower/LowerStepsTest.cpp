//===- tests/unit/lower/LowerStepsTest.cpp - lowerGraph's steps -----------===//
//
// lowerGraph calls LowerOptions::afterStep once per step, in the order
// Lower.h lists them (what --print-after-all prints), and each step has
// done its part when it is called: no kernels before lower-nodes, edge
// copies only from insert-edge-copies, indices simplified from simplify,
// sameAs set only by share-kernels (two identical pools share one code).
//
//===----------------------------------------------------------------------===//
#include "compiler/lower/Lower.h"
#include "compiler/passes/Pipeline.h"
#include "tests/unit/ModelText.h"

#include <gtest/gtest.h>

namespace lgc {
namespace {

/// What afterStep saw at one step.
struct Seen {
  std::string step;
  size_t blocks = 0, storage = 0, kernels = 0, shared = 0;
  std::string text; ///< Every kernel printed.
};

std::vector<Seen> lowerSteps(Graph &g, LayoutPolicy layouts) {
  WeightMap none;
  if (Error e = optimizeGraph(g, none)) ADD_FAILURE() << e.str();
  std::vector<Seen> seen;
  LowerOptions options{16, layouts};
  options.afterStep = [&](const std::string &step, const LoweredModel &model) {
    Seen s{step, model.blocks.size(), model.storage.size(), model.kernels.size(), 0, ""};
    for (const LoweredKernel &k : model.kernels) {
      s.shared += !k.sameAs.empty();
      s.text += loop::printKernel(k.kernel);
    }
    seen.push_back(s);
  };
  Expected<LoweredModel> lowered = lowerGraph(g, options);
  if (!lowered) ADD_FAILURE() << lowered.error().str();
  return seen;
}

const char *const kTwoPools =
    "  - {name: p1, op: MaxPool2d, kernel_size: 3, stride: 1, padding: 1}\n"
    "  - {name: p2, op: MaxPool2d, kernel_size: 3, stride: 1, padding: 1}\n";

TEST(LowerSteps, CalledInOrderEachDone) {
  Graph g = build("[1, 16, 8, 8]", kTwoPools);
  std::vector<Seen> seen = lowerSteps(g, LayoutPolicy::Blocked);
  std::vector<std::string> steps;
  for (const Seen &s : seen) steps.push_back(s.step);
  ASSERT_EQ(steps, (std::vector<std::string>{"choose-layouts", "plan-storage", "lower-nodes",
                                             "insert-edge-copies", "simplify", "share-kernels"}));
  size_t values = g.values.size();
  EXPECT_EQ(seen[0].blocks, values);
  EXPECT_EQ(seen[0].storage, 0u);
  EXPECT_GT(seen[1].storage, values); // blocked homes for x and p2
  EXPECT_EQ(seen[1].kernels, 0u);
  EXPECT_EQ(seen[2].kernels, 2u); // the two pools
  EXPECT_EQ(seen[3].kernels, 4u); // and the copies in and out
  EXPECT_EQ(seen[4].kernels, 4u);
  EXPECT_EQ(seen[5].kernels, 4u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(seen[i].shared, 0u) << seen[i].step;
  EXPECT_EQ(seen[5].shared, 1u); // p2 calls p1's function
  EXPECT_NE(seen[3].text, seen[4].text) << "simplify changed nothing";
  EXPECT_EQ(seen[4].text, seen[5].text);
}

TEST(LowerSteps, PlainModelHasNoEdgeCopies) {
  Graph g = build("[1, 16, 8, 8]", kTwoPools);
  std::vector<Seen> seen = lowerSteps(g, LayoutPolicy::Plain);
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[1].storage, g.values.size());
  EXPECT_EQ(seen[2].kernels, 2u);
  EXPECT_EQ(seen[3].kernels, 2u);
  EXPECT_EQ(seen[5].shared, 1u);
}

} // namespace
} // namespace lgc
