//===- tests/unit/lower/LayoutTest.cpp - blocked layouts in lowering ------===//
//
// What lowering decides about memory layouts (ChooseLayouts.cpp, Storage),
// and the Loop IR pieces the blocked schedules lean on: floor division that
// splits a channel back into its block and lane, and loops clipped to a
// thread's share of rows.
//
//===----------------------------------------------------------------------===//
#include "compiler/loop/Simplify.h"
#include "compiler/lower/Lower.h"
#include "compiler/passes/Pipeline.h"
#include "tests/unit/ModelText.h"

#include <gtest/gtest.h>

namespace lgc {
namespace {

using namespace loop;

/// The kernel `body` simplified and printed.
std::string simplified(StmtRef body) {
  Kernel k;
  k.name = "k";
  k.buffers = {{"in", {4, 64}, false, "", ""}, {"out", {4, 64}, true, "", ""}};
  k.body = block({std::move(body)});
  simplifyKernel(k);
  return printKernel(k);
}

TEST(Simplify, FloorDivisionSplitsBlockAndLane) {
  // c = cb*16 + lane with lane in [0, 16): c / 16 is cb and c % 16 is lane.
  E c = var("cb") * E(16) + var("lane");
  std::string text =
      simplified(forLoop("cb", 0, 4, LoopKind::Serial,
                         {forLoop("lane", 0, 16, LoopKind::Vector,
                                  {store(1, {floorDiv(c, 16), mod(c, 16)}, load(0, {c, E(0)}))})}));
  EXPECT_NE(text.find("out[cb, lane] = in[cb*16 + lane, 0]"), std::string::npos) << text;
}

TEST(Simplify, FloorDivisionKeepsWhatItCannotDecide) {
  // i in [0, 64): (i + 32) / 16 is 2 + i / 16, (i + 32) % 16 is i % 16.
  E i = var("i") + E(32);
  std::string text =
      simplified(forLoop("i", 0, 64, LoopKind::Serial,
                         {store(1, {floorDiv(i, 16), mod(i, 16)}, load(0, {E(0), E(0)}))}));
  EXPECT_NE(text.find("out[2 + i / 16, i % 16]"), std::string::npos) << text;
}

TEST(Simplify, ClipThatEveryIterationPassesIsDropped) {
  // p in [0, 2): rows [p*4, p*4 + 4) of 0..8 clip; [-1, 9) does not.
  E share = var("p") * E(4);
  StmtRef clipped = clippedLoop("y", 0, 8, share, share + E(4),
                                {store(1, {var("y"), E(0)}, load(0, {var("y"), E(0)}))});
  StmtRef whole = clippedLoop("y", 0, 8, var("p") - E(1), var("p") + E(8),
                              {store(1, {var("y"), E(1)}, load(0, {var("y"), E(1)}))});
  std::string text = simplified(forLoop("p", 0, 2, LoopKind::Parallel, {clipped, whole}));
  EXPECT_NE(text.find("for y in 0..8 within p*4..p*4 + 4 {"), std::string::npos) << text;
  EXPECT_NE(text.find("for y in 0..8 {"), std::string::npos) << text;
}

TEST(Storage, BlockedShapePadsChannelsToWholeBlocks) {
  Storage plain{0, {2, 20, 5, 7}, 0}, blocked{0, {2, 20, 5, 7}, 16};
  EXPECT_EQ(plain.stored(), (Shape{2, 20, 5, 7}));
  EXPECT_EQ(blocked.stored(), (Shape{2, 2, 5, 7, 16}));
  EXPECT_EQ(blocked.elements(), 2 * 32 * 5 * 7);
}

/// The block chosen for each value, by name.
std::map<std::string, int64_t> layoutsOf(const Graph &g, LayoutPolicy policy) {
  std::vector<int64_t> blocks = chooseLayouts(g, LowerOptions{16, policy});
  std::map<std::string, int64_t> byName;
  for (size_t i = 0; i < g.values.size(); ++i) byName[g.values[i].name] = blocks[i];
  return byName;
}

const char *const kResidual =
    "  - {name: a, op: Conv2d, in_channels: 3, out_channels: 32, kernel_size: 3, padding: 1}\n"
    "  - {name: b, op: Conv2d, in_channels: 32, out_channels: 32, kernel_size: 3, padding: 1}\n"
    "  - {name: sum, op: Add, input: [a, b]}\n"
    "  - {name: pool, op: MaxPool2d, kernel_size: 2}\n"
    "  - {name: flat, op: Flatten}\n"
    "  - {name: fc, op: Linear, in_features: 2048, out_features: 10}\n";

TEST(ChooseLayouts, AutoBlocksInnerValuesAndKeepsEdgesPlain) {
  auto blocks = layoutsOf(build("[1, 3, 16, 16]", kResidual), LayoutPolicy::Auto);
  EXPECT_EQ(blocks["x"], 0);  // a model input: the caller's NCHW buffer
  EXPECT_EQ(blocks["a"], 16); // tied to b and pool by the Add and the pool
  EXPECT_EQ(blocks["b"], 16);
  EXPECT_EQ(blocks["sum"], 16);
  EXPECT_EQ(blocks["pool"], 16);
  EXPECT_EQ(blocks["flat"], 0); // Flatten writes NCHW order
  EXPECT_EQ(blocks["fc"], 0);
}

TEST(ChooseLayouts, AutoKeepsAClassPlainWhenOneValueMustBe) {
  // The pool's output is a model output: the Add and both convolutions'
  // outputs share its layout, so all stay plain.
  auto blocks =
      layoutsOf(build("[1, 3, 16, 16]", kResidual, "outputs: [pool, fc]\n"), LayoutPolicy::Auto);
  EXPECT_EQ(blocks["a"], 0);
  EXPECT_EQ(blocks["sum"], 0);
  EXPECT_EQ(blocks["pool"], 0);
}

TEST(ChooseLayouts, AutoKeepsFewChannelsAndOddConcatsPlain) {
  Graph g =
      build("[1, 3, 8, 8]",
            "  - {name: few, op: Conv2d, in_channels: 3, out_channels: 6, kernel_size: 1}\n"
            "  - {name: c1, op: Conv2d, in_channels: 6, out_channels: 24, kernel_size: 1}\n"
            "  - {name: c2, op: Conv2d, in_channels: 6, out_channels: 32, kernel_size: 1, "
            "input: few}\n"
            "  - {name: cat, op: Concat, input: [c1, c2]}\n"
            "  - {name: last, op: Conv2d, in_channels: 56, out_channels: 8, kernel_size: 1}\n");
  auto blocks = layoutsOf(g, LayoutPolicy::Auto);
  EXPECT_EQ(blocks["few"], 0); // 6 channels: most of a vector would be padding
  // 24 channels are not whole blocks: the concatenation could not be in place.
  EXPECT_EQ(blocks["c1"], 0);
  EXPECT_EQ(blocks["c2"], 0);
  EXPECT_EQ(blocks["cat"], 0);
}

TEST(ChooseLayouts, BlockedPolicyBlocksEvery4dValueButPlainOnlyOps) {
  auto blocks = layoutsOf(build("[1, 3, 16, 16]", kResidual), LayoutPolicy::Blocked);
  EXPECT_EQ(blocks["x"], 16); // copied at the edge
  EXPECT_EQ(blocks["a"], 16);
  EXPECT_EQ(blocks["pool"], 16);
  EXPECT_EQ(blocks["flat"], 0);
  EXPECT_EQ(blocks["fc"], 0);
  auto plain = layoutsOf(build("[1, 3, 16, 16]", kResidual), LayoutPolicy::Plain);
  for (const auto &[name, block] : plain) EXPECT_EQ(block, 0) << name;
}

TEST(Lowering, BlockedModelInputsAndOutputsAreCopiedAtTheEdges) {
  Graph g = build("[1, 3, 8, 8]", "  - {name: pool, op: MaxPool2d, kernel_size: 2}\n");
  WeightMap none;
  ASSERT_FALSE(optimizeGraph(g, none));
  Expected<LoweredModel> lowered = lowerGraph(g, LowerOptions{16, LayoutPolicy::Blocked});
  ASSERT_TRUE(lowered) << lowered.error().str();
  ASSERT_EQ(lowered->kernels.size(), 3u);
  EXPECT_EQ(lowered->kernels[0].layer, "x (to nChw16c)");
  EXPECT_EQ(lowered->kernels[1].layer, "pool");
  EXPECT_EQ(lowered->kernels[2].layer, "pool (from nChw16c)");
  // The model's own storage stays plain; the blocked copies come after it.
  ValueId pool = g.findValue("pool");
  EXPECT_EQ(lowered->storage[size_t(pool)].block, 0);
  const Storage &home = lowered->storage[size_t(lowered->home[size_t(pool)])];
  EXPECT_EQ(home.block, 16);
  EXPECT_EQ(home.stored(), (Shape{1, 1, 4, 4, 16}));
  EXPECT_NE(printKernel(lowered->kernels[1].kernel)
                .find("in: f32[1, 1, 8, 8, 16] nChw16c, out: f32[1, 1, 4, 4, 16] nChw16c"),
            std::string::npos);
}

TEST(Lowering, LayoutPolicyNames) {
  for (LayoutPolicy p : {LayoutPolicy::Auto, LayoutPolicy::Plain, LayoutPolicy::Blocked})
    EXPECT_EQ(layoutPolicyNamed(layoutPolicyName(p)), p);
  EXPECT_EQ(layoutPolicyNamed("nChw16c"), std::nullopt);
}

} // namespace
} // namespace lgc
