//===- tests/unit/jit/CompiledConvTest.cpp - conv schedules vs the oracle ===//
//
// The convolution schedules that small fixtures and sweeps do not reach:
// channel lanes with input channels split into cache chunks (partial sums
// kept in the output between chunks, the fused epilogue applied only after
// the last), partial channel blocks, strides and padding, prefetched weights.
// Each runs compiled (in the auto and blocked layouts) and through the
// reference interpreter; SPEC §5's tolerance applies, and
// 1 and 2 threads must agree bit for bit.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontend/ModelParser.h"
#include "compiler/interpreter/Interpreter.h"
#include "compiler/ir/ParamInit.h"
#include "compiler/jit/CompiledModel.h"
#include "compiler/passes/Passes.h"
#include "compiler/passes/Pipeline.h"
#include "runtime/Executor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace lgc {
namespace {

/// Compiles `yaml` and checks it against the interpreter.
void expectMatchesReference(const std::string &yaml) {
  Expected<Graph> parsed = parseModelText(yaml, "conv.yaml");
  ASSERT_TRUE(parsed) << parsed.error().str();
  Graph graph = std::move(*parsed);
  ASSERT_FALSE(inferShapes(graph));
  WeightMap weights = seededWeights(paramSpecs(graph), 7);
  TensorMap inputs;
  for (ValueId id : graph.inputs)
    inputs[graph.value(id).name] = seededUniform(graph.value(id).shape, -1, 1, 7, "in");
  Expected<TensorMap> expected = interpret(graph, weights, inputs);
  ASSERT_TRUE(expected) << expected.error().str();

  std::vector<ParamSpec> params = paramSpecs(graph);
  WeightMap none;
  ASSERT_FALSE(optimizeGraph(graph, none));
  for (LayoutPolicy layouts : {LayoutPolicy::Auto, LayoutPolicy::Blocked}) {
    SCOPED_TRACE(std::string("--layout ") + layoutPolicyName(layouts));
    auto model =
        CompiledModel::compile(graph, params, weights, hostTarget(), JitOptions{nullptr, layouts});
    ASSERT_TRUE(model) << model.error().str();
    TensorMap one = Executor((*model)->program(), 1).run(inputs);
    TensorMap two = Executor((*model)->program(), 2).run(inputs);
    for (const auto &[name, want] : *expected) {
      float peak = 1.0f, worst = 0.0f;
      for (float v : want.data) peak = std::max(peak, std::fabs(v));
      for (size_t i = 0; i < want.data.size(); ++i)
        worst = std::max(worst, std::fabs(one.at(name).data[i] - want.data[i]));
      EXPECT_LE(worst, 1e-4f * peak) << name;
      EXPECT_EQ(one.at(name).data, two.at(name).data) << name << ": 1 vs 2 threads";
    }
  }
}

TEST(CompiledConv, ChannelChunksWithFusedResidualAndReLU) {
  // 256 input channels x 3x3 taps: several cache chunks per channel block.
  // The 3x3 convolution comes after `skip`, so the residual Add and the ReLU
  // fuse into it, and must wait for its last chunk.
  expectMatchesReference(R"(
model: chunks
inputs:
  x: [2, 256, 9, 7]
layers:
  - {name: skip, op: Conv2d, in_channels: 256, out_channels: 40, kernel_size: 1}
  - {name: conv, op: Conv2d, input: x, in_channels: 256, out_channels: 40, kernel_size: 3, padding: 1}
  - {name: bn, op: BatchNorm2d, num_features: 40}
  - {name: add, op: Add, input: [bn, skip]}
  - {name: relu, op: ReLU}
)");
}

TEST(CompiledConv, ChannelChunksStridedAndPaddedAsymmetrically) {
  expectMatchesReference(R"(
model: strided
inputs:
  x: [1, 192, 12, 11]
layers:
  - {name: conv, op: Conv2d, in_channels: 192, out_channels: 33, kernel_size: [3, 5], stride: [2, 1], padding: [1, 2], bias: false}
)");
}

TEST(CompiledConv, ChannelLanesOnWideRowsWithPartialBlocks) {
  // Rows at least 48 wide keep separate border-column tiles.
  expectMatchesReference(R"(
model: wide
inputs:
  x: [1, 8, 5, 61]
layers:
  - {name: conv, op: Conv2d, in_channels: 8, out_channels: 21, kernel_size: 3, padding: same, dilation: [1, 2]}
  - {name: act, op: LeakyReLU, negative_slope: 0.1}
)");
}

TEST(CompiledConv, PrefetchedWeightsInChunksAndRowShares) {
  // 1.2 MB of weights: each chunk prefetches the next one's (past the last
  // group's end, harmlessly); 6 rows shared by the threads.
  expectMatchesReference(R"(
model: prefetched
inputs:
  x: [1, 256, 6, 6]
layers:
  - {name: conv, op: Conv2d, in_channels: 256, out_channels: 128, kernel_size: 3, padding: 1}
  - {name: relu, op: ReLU}
  - {name: conv2, op: Conv2d, in_channels: 128, out_channels: 32, kernel_size: 3, padding: 1}
)");
}

} // namespace
} // namespace lgc
