//===- tests/unit/ir/ParamInitTest.cpp - default parameter ranges ---------===//
//
// paramSpecs: one spec per parameter in node order, with PyTorch's default
// ranges: weight and bias of Conv2d uniform in ±1/sqrt(in/groups*kh*kw), of
// Linear in ±1/sqrt(in); BatchNorm's vectors around their defaults. Seeded
// weights drawn from the specs stay inside the ranges.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/ParamInit.h"

#include "compiler/frontend/ModelParser.h"

#include "tests/unit/ModelText.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace lgc {
namespace {

const ParamSpec &spec(const std::vector<ParamSpec> &specs, const std::string &name) {
  for (const ParamSpec &s : specs)
    if (s.name == name) return s;
  ADD_FAILURE() << "no spec " << name;
  static ParamSpec none;
  return none;
}

void expectSymmetric(const ParamSpec &s, double bound) {
  EXPECT_FLOAT_EQ(s.initHi, static_cast<float>(bound)) << s.name;
  EXPECT_FLOAT_EQ(s.initLo, static_cast<float>(-bound)) << s.name;
}

TEST(ParamInit, Conv2dBoundIsOneOverSqrtFanIn) {
  // fan_in = 3 * 3 * 3 = 27.
  Graph g = parse("[1, 3, 8, 8]", "  - {name: c, op: Conv2d, in_channels: 3, out_channels: 4, "
                                  "kernel_size: 3}\n");
  std::vector<ParamSpec> specs = paramSpecs(g);
  ASSERT_EQ(specs.size(), 2u);
  expectSymmetric(spec(specs, "c.weight"), 1 / std::sqrt(27.0));
  expectSymmetric(spec(specs, "c.bias"), 1 / std::sqrt(27.0));
}

TEST(ParamInit, Conv2dFanInDividesByGroupsAndUsesBothKernelSides) {
  // fan_in = 4/2 * 3 * 5 = 30 (not 4*3*5 = 60, nor 4/2*3*3).
  Graph g = parse("[1, 4, 8, 8]", "  - {name: c, op: Conv2d, in_channels: 4, out_channels: 6, "
                                  "kernel_size: [3, 5], groups: 2}\n");
  std::vector<ParamSpec> specs = paramSpecs(g);
  expectSymmetric(spec(specs, "c.weight"), 1 / std::sqrt(30.0));
  expectSymmetric(spec(specs, "c.bias"), 1 / std::sqrt(30.0));
}

TEST(ParamInit, DepthwiseConvFanInIsTheKernel) {
  // fan_in = 8/8 * 3 * 3 = 9: bound 1/3.
  Graph g = parse("[1, 8, 8, 8]", "  - {name: d, op: Conv2d, in_channels: 8, out_channels: 16, "
                                  "kernel_size: 3, groups: 8, bias: false}\n");
  std::vector<ParamSpec> specs = paramSpecs(g);
  ASSERT_EQ(specs.size(), 1u);
  expectSymmetric(spec(specs, "d.weight"), 1 / 3.0);
}

TEST(ParamInit, LinearBoundIsOneOverSqrtIn) {
  // in 400: bound 1/20.
  Graph g = parse("[1, 400]", "  - {name: fc, op: Linear, in_features: 400, out_features: 7}\n");
  std::vector<ParamSpec> specs = paramSpecs(g);
  ASSERT_EQ(specs.size(), 2u);
  expectSymmetric(spec(specs, "fc.weight"), 0.05);
  expectSymmetric(spec(specs, "fc.bias"), 0.05);
}

TEST(ParamInit, BatchNormRangesSurroundTheDefaults) {
  Graph g = parse("[1, 4, 2, 2]", "  - {name: bn, op: BatchNorm2d, num_features: 4}\n");
  std::vector<ParamSpec> specs = paramSpecs(g);
  ASSERT_EQ(specs.size(), 4u);
  // weight and running_var around 1, strictly positive (var feeds a sqrt).
  for (const char *n : {"bn.weight", "bn.running_var"}) {
    const ParamSpec &s = spec(specs, n);
    EXPECT_FLOAT_EQ(s.initLo, 0.5f) << n;
    EXPECT_FLOAT_EQ(s.initHi, 1.5f) << n;
    EXPECT_GT(s.initLo, 0.0f) << n;
  }
  // bias and running_mean around 0.
  for (const char *n : {"bn.bias", "bn.running_mean"}) {
    const ParamSpec &s = spec(specs, n);
    EXPECT_FLOAT_EQ(s.initLo, -0.5f) << n;
    EXPECT_FLOAT_EQ(s.initHi, 0.5f) << n;
  }
}

TEST(ParamInit, SpecsFollowNodeAndParamOrderWithShapes) {
  Graph g = parse("[1, 3, 8, 8]",
                  "  - {name: conv, op: Conv2d, in_channels: 3, out_channels: 4, kernel_size: 3, "
                  "bias: false}\n"
                  "  - {name: bn, op: BatchNorm2d, num_features: 4}\n"
                  "  - {name: relu, op: ReLU}\n"
                  "  - {name: flat, op: Flatten}\n"
                  "  - {name: fc, op: Linear, in_features: 144, out_features: 2}\n");
  std::vector<ParamSpec> specs = paramSpecs(g);
  const char *names[] = {"conv.weight",    "bn.weight", "bn.bias", "bn.running_mean",
                         "bn.running_var", "fc.weight", "fc.bias"};
  const Shape shapes[] = {{4, 3, 3, 3}, {4}, {4}, {4}, {4}, {2, 144}, {2}};
  ASSERT_EQ(specs.size(), 7u);
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(specs[i].name, names[i]);
    EXPECT_EQ(specs[i].shape, shapes[i]) << names[i];
  }
  expectSymmetric(specs[5], 1 / 12.0); // 1/sqrt(144)
}

TEST(ParamInit, ModelWithoutParametersHasNoSpecs) {
  Graph g = parse("[1, 3, 8, 8]", "  - {name: p, op: MaxPool2d, kernel_size: 2}\n"
                                  "  - {name: r, op: ReLU}\n");
  EXPECT_TRUE(paramSpecs(g).empty());
}

TEST(ParamInit, SeededWeightsStayInTheirRanges) {
  Graph g = parse("[1, 3, 8, 8]",
                  "  - {name: conv, op: Conv2d, in_channels: 3, out_channels: 8, kernel_size: 3}\n"
                  "  - {name: bn, op: BatchNorm2d, num_features: 8}\n"
                  "  - {name: flat, op: Flatten}\n"
                  "  - {name: fc, op: Linear, in_features: 288, out_features: 10}\n");
  std::vector<ParamSpec> specs = paramSpecs(g);
  WeightMap w = seededWeights(specs, 0);
  ASSERT_EQ(w.size(), specs.size());
  for (const ParamSpec &s : specs) {
    const Tensor &t = w.at(s.name);
    EXPECT_EQ(t.shape, s.shape) << s.name;
    float lo = t.data[0], hi = t.data[0];
    for (float v : t.data) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    EXPECT_GE(lo, s.initLo) << s.name;
    EXPECT_LT(hi, s.initHi) << s.name;
    // The values spread over the range rather than sitting at one point.
    EXPECT_LT(hi - lo, s.initHi - s.initLo) << s.name;
    if (t.size() >= 8) {
      EXPECT_GT(hi - lo, 0.3f * (s.initHi - s.initLo)) << s.name;
    }
  }
}

} // namespace
} // namespace lgc
