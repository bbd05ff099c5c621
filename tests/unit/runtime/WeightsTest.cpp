//===- tests/unit/runtime/WeightsTest.cpp - parameter binding -------------===//
//
// loadWeights against hand-built safetensors files (missing, wrong dtype,
// wrong shape, unused tensors), and the seeded defaults: deterministic, in
// range, keyed by seed and name, and pinned to known values so a change to
// the generator cannot go unnoticed.
//
//===----------------------------------------------------------------------===//
#include "runtime/Weights.h"
#include "runtime/Random.h"

#include "tests/unit/runtime/ScratchDirTest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <unistd.h>

namespace lgc {
namespace {

namespace fs = std::filesystem;

using WeightsTest = ScratchDirTest;

/// A tensor to put in a test file.
struct FileTensor {
  std::string name;
  std::string dtype;
  Shape shape;
  std::vector<float> values; ///< Written as float32 whatever the dtype says.
};

/// A safetensors file holding `tensors` in order.
std::string safetensors(const std::vector<FileTensor> &tensors) {
  std::string json = "{", data;
  for (const FileTensor &t : tensors) {
    std::string shape;
    for (int64_t d : t.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    size_t begin = data.size();
    data.append(reinterpret_cast<const char *>(t.values.data()), t.values.size() * 4);
    json += std::string(json.size() > 1 ? ", " : "") + "\"" + t.name + "\": {\"dtype\": \"" +
            t.dtype + "\", \"shape\": [" + shape + "], \"data_offsets\": [" +
            std::to_string(begin) + ", " + std::to_string(data.size()) + "]}";
  }
  json += "}";
  std::string out;
  for (int i = 0; i < 8; ++i) out += static_cast<char>((json.size() >> (8 * i)) & 0xFF);
  return out + json + data;
}

std::vector<ParamSpec> convSpecs() {
  return {{"conv1.weight", {2, 1, 1, 1}, -1, 1}, {"conv1.bias", {2}, 0, 0}};
}

//===--- loadWeights ------------------------------------------------------===//

TEST_F(WeightsTest, LoadsEveryParameter) {
  std::string p = writeFile("w.safetensors", safetensors({
                                                 {"conv1.bias", "F32", {2}, {0.5f, -0.5f}},
                                                 {"conv1.weight", "F32", {2, 1, 1, 1}, {3, 4}},
                                             }));
  std::vector<std::string> warnings;
  Expected<WeightMap> w = loadWeights(convSpecs(), p, warnings);
  ASSERT_TRUE(w) << w.error().str();
  EXPECT_TRUE(warnings.empty());
  ASSERT_EQ(w->size(), 2u);
  EXPECT_EQ(w->at("conv1.weight").shape, (Shape{2, 1, 1, 1}));
  EXPECT_EQ(w->at("conv1.weight").data, (std::vector<float>{3, 4}));
  EXPECT_EQ(w->at("conv1.bias").data, (std::vector<float>{0.5f, -0.5f}));
}

TEST_F(WeightsTest, WarnsAboutUnusedTensorsInFileOrder) {
  std::string p = writeFile("w.safetensors", safetensors({
                                                 {"fc.weight", "F32", {1}, {1}},
                                                 {"conv1.bias", "F32", {2}, {0, 0}},
                                                 {"conv1.weight", "F32", {2, 1, 1, 1}, {3, 4}},
                                                 {"bn.num_batches_tracked", "I64", {}, {0, 0}},
                                             }));
  std::vector<std::string> warnings{"earlier warning"};
  Expected<WeightMap> w = loadWeights(convSpecs(), p, warnings);
  ASSERT_TRUE(w) << w.error().str();
  EXPECT_EQ(warnings, (std::vector<std::string>{
                          "earlier warning",
                          p + ": warning: tensor 'fc.weight' is not used by the model",
                          p + ": warning: tensor 'bn.num_batches_tracked' is not used by the model",
                      }));
}

TEST_F(WeightsTest, BatchNormCounterOfAModelLayerIsNotReported) {
  // PyTorch state_dicts carry `<bn>.num_batches_tracked`; inference never reads it.
  std::string p = writeFile("w.safetensors", safetensors({
                                                 {"bn.running_var", "F32", {1}, {1}},
                                                 {"bn.num_batches_tracked", "I64", {}, {0, 0}},
                                                 {"other.num_batches_tracked", "I64", {}, {0, 0}},
                                             }));
  std::vector<std::string> warnings;
  Expected<WeightMap> w = loadWeights({{"bn.running_var", {1}, 0, 1}}, p, warnings);
  ASSERT_TRUE(w) << w.error().str();
  EXPECT_EQ(warnings,
            (std::vector<std::string>{
                p + ": warning: tensor 'other.num_batches_tracked' is not used by the model"}));
}

TEST_F(WeightsTest, MissingTensor) {
  std::vector<ParamSpec> specs = {{"conv1.weight", {64, 3, 11, 11}, -1, 1}};
  std::string p = writeFile("w.safetensors", safetensors({{"conv2.weight", "F32", {1}, {1}}}));
  std::vector<std::string> warnings;
  Expected<WeightMap> w = loadWeights(specs, p, warnings);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().str(), p + ": error: tensor 'conv1.weight' is missing (the model's layer "
                                 "'conv1' needs f32[64, 3, 11, 11])\n");
}

TEST_F(WeightsTest, MissingTensorOfNestedLayer) {
  std::vector<ParamSpec> specs = {{"layer1.0.bn1.running_var", {8}, 1, 1}};
  std::string p = writeFile("w.safetensors", safetensors({}));
  std::vector<std::string> warnings;
  Expected<WeightMap> w = loadWeights(specs, p, warnings);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().str().find("tensor 'layer1.0.bn1.running_var' is missing (the model's layer "
                                 "'layer1.0.bn1' needs f32[8])"),
            std::string::npos)
      << w.error().str();
}

TEST_F(WeightsTest, WrongShape) {
  std::vector<ParamSpec> specs = {{"conv1.weight", {64, 3, 11, 11}, -1, 1}};
  std::string p = writeFile(
      "w.safetensors",
      safetensors({{"conv1.weight", "F32", {64, 3, 5, 5}, std::vector<float>(64 * 3 * 5 * 5)}}));
  std::vector<std::string> warnings;
  Expected<WeightMap> w = loadWeights(specs, p, warnings);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().str(), p + ": error: tensor 'conv1.weight' has shape [64, 3, 5, 5], "
                                 "expected [64, 3, 11, 11]\n");
}

TEST_F(WeightsTest, WrongDtype) {
  std::vector<ParamSpec> specs = {{"fc.bias", {4}, 0, 0}};
  // Four F16 values take the bytes of two floats.
  std::string p = writeFile("w.safetensors", safetensors({{"fc.bias", "F16", {4}, {0, 0}}}));
  std::vector<std::string> warnings;
  Expected<WeightMap> w = loadWeights(specs, p, warnings);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().str(), p + ": error: tensor 'fc.bias' has dtype F16, expected F32\n");
}

TEST_F(WeightsTest, ReportsFirstErrorInSpecOrder) {
  std::vector<ParamSpec> specs = {
      {"a.weight", {1}, 0, 0}, {"b.weight", {2}, 0, 0}, {"c.weight", {1}, 0, 0}};
  std::string p = writeFile("w.safetensors", safetensors({
                                                 {"c.weight", "F16", {2}, {0}},
                                                 {"a.weight", "F32", {1}, {1}},
                                                 {"b.weight", "F32", {1}, {1}},
                                             }));
  std::vector<std::string> warnings;
  Expected<WeightMap> w = loadWeights(specs, p, warnings);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().str().find("tensor 'b.weight' has shape [1], expected [2]"),
            std::string::npos)
      << w.error().str();
}

TEST_F(WeightsTest, BadFileIsAnError) {
  std::vector<std::string> warnings;
  Expected<WeightMap> w = loadWeights(convSpecs(), path("missing.safetensors"), warnings);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().str().rfind(path("missing.safetensors") + ": error: cannot open file", 0),
            0u);
  std::string p = writeFile("bad.safetensors", "");
  w = loadWeights(convSpecs(), p, warnings);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().str().find("too short"), std::string::npos);
  EXPECT_TRUE(warnings.empty());
}

//===--- Seeded values ----------------------------------------------------===//

TEST(SeededWeightsTest, DeterministicAndInRange) {
  Tensor a = seededUniform({4, 3, 5, 5}, -0.25f, 0.25f, 7, "conv1.weight");
  Tensor b = seededUniform({4, 3, 5, 5}, -0.25f, 0.25f, 7, "conv1.weight");
  EXPECT_EQ(a.shape, (Shape{4, 3, 5, 5}));
  EXPECT_EQ(a.data, b.data);
  for (float v : a.data) {
    EXPECT_GE(v, -0.25f);
    EXPECT_LT(v, 0.25f);
  }
  // Not constant: many distinct values.
  std::vector<float> sorted(a.data.begin(), a.data.end());
  std::sort(sorted.begin(), sorted.end());
  EXPECT_GT(std::unique(sorted.begin(), sorted.end()) - sorted.begin(), 250);
}

TEST(SeededWeightsTest, RoughlyUniform) {
  Tensor t = seededUniform({100000}, 2.0f, 6.0f, 0, "x");
  double sum = 0;
  int buckets[4] = {};
  for (float v : t.data) {
    sum += v;
    ++buckets[std::min(3, static_cast<int>(v - 2.0f))];
  }
  EXPECT_NEAR(sum / t.data.size(), 4.0, 0.02);
  for (int n : buckets) EXPECT_NEAR(n, 25000, 600);
}

TEST(SeededWeightsTest, DiffersBySeedAndKey) {
  Tensor base = seededUniform({64}, -1, 1, 0, "fc.weight");
  EXPECT_NE(base.data, seededUniform({64}, -1, 1, 1, "fc.weight").data);
  EXPECT_NE(base.data, seededUniform({64}, -1, 1, 0, "fc.bias").data);
  EXPECT_NE(base.data, seededUniform({64}, -1, 1, 0, "fc.weigh").data);
  EXPECT_NE(base.data, seededUniform({64}, -1, 1, 1ULL << 32, "fc.weight").data);
}

TEST(SeededWeightsTest, PrefixOfLargerTensorIsTheSame) {
  // Value i depends only on (seed, key, i), not on the tensor's size.
  Tensor small = seededUniform({10}, -1, 1, 3, "k");
  Tensor big = seededUniform({5, 4}, -1, 1, 3, "k");
  EXPECT_TRUE(std::equal(small.data.begin(), small.data.end(), big.data.begin()));
}

TEST(SeededWeightsTest, EqualBoundsFillWithLo) {
  Tensor t = seededUniform({3, 3}, 1.0f, 1.0f, 5, "bn.running_var");
  EXPECT_EQ(t.data, std::vector<float>(9, 1.0f));
  Tensor z = seededUniform({2}, 0.0f, 0.0f, 5, "b");
  EXPECT_EQ(z.data, std::vector<float>(2, 0.0f));
}

TEST(SeededWeightsTest, StaysBelowHiForTightAndWideRanges) {
  float lo = 1.0f, hi = std::nextafter(1.0f, 2.0f);
  for (float v : seededUniform({1000}, lo, hi, 0, "tight").data) EXPECT_EQ(v, lo);
  float big = std::numeric_limits<float>::max();
  for (float v : seededUniform({1000}, -big, big, 0, "wide").data) {
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_LT(v, big);
  }
  for (float v : seededUniform({1000}, 0.1f, 0.3f, 9, "odd").data) {
    EXPECT_GE(v, 0.1f);
    EXPECT_LT(v, 0.3f);
  }
}

TEST(SeededWeightsTest, ScalarAndEmptyShapes) {
  EXPECT_EQ(seededUniform({}, 0, 1, 0, "s").data.size(), 1u);
  EXPECT_TRUE(seededUniform({0, 4}, 0, 1, 0, "e").data.empty());
}

TEST(SeededWeightsTest, SeededWeightsIndependentOfSpecOrder) {
  std::vector<ParamSpec> specs = {{"conv1.weight", {4, 3, 3, 3}, -0.5f, 0.5f},
                                  {"conv1.bias", {4}, -0.1f, 0.1f},
                                  {"bn1.running_var", {4}, 1.0f, 1.0f},
                                  {"fc.weight", {10, 4}, -0.2f, 0.2f}};
  WeightMap forward = seededWeights(specs, 11);
  std::reverse(specs.begin(), specs.end());
  WeightMap backward = seededWeights(specs, 11);
  ASSERT_EQ(forward.size(), 4u);
  for (const auto &[name, t] : forward) {
    EXPECT_EQ(t.data, backward.at(name).data) << name;
    EXPECT_EQ(t.shape, backward.at(name).shape) << name;
  }
  // Each parameter is exactly its own seededUniform stream.
  EXPECT_EQ(forward.at("fc.weight").data,
            seededUniform({10, 4}, -0.2f, 0.2f, 11, "fc.weight").data);
  EXPECT_EQ(forward.at("bn1.running_var").data, std::vector<float>(4, 1.0f));
  // Fewer specs do not change the others' values.
  specs.pop_back();
  EXPECT_EQ(seededWeights(specs, 11).at("fc.weight").data, forward.at("fc.weight").data);
}

TEST(SeededWeightsTest, PinnedValues) {
  // Changing these values changes every seeded model and input: don't,
  // unless on purpose.
  // (Also reproduced by a separate Python implementation of Random.h.)
  EXPECT_EQ(seededUniform({4}, -1.0f, 1.0f, 0, "conv1.weight").data,
            (std::vector<float>{0x1.8edc6p-3f, -0x1.53032p-2f, 0x1.6a4508p-2f, -0x1.37fd08p-1f}));
  EXPECT_EQ(seededUniform({3}, 0.1f, 0.3f, 12345, "fc.bias").data,
            (std::vector<float>{0x1.82316ap-3f, 0x1.478532p-3f, 0x1.0340eep-3f}));
}

//===--- Random.h building blocks -----------------------------------------===//

TEST(RandomTest, Fnv1aKnownValues) {
  EXPECT_EQ(fnv1a64(""), 0xCBF29CE484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xAF63DC4C8601EC8CULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171F73967E8ULL);
}

TEST(RandomTest, SplitMix64KnownSequence) {
  // The reference generator seeded with 1234567: state advances by the gamma
  // before each output, so output k comes from state seed + k * gamma.
  const uint64_t expected[] = {6457827717110365317ULL, 3203168211198807973ULL,
                               9817491932198370423ULL, 4593380528125082431ULL,
                               16408922859458223821ULL};
  for (uint64_t k = 0; k < 5; ++k)
    EXPECT_EQ(splitmix64(1234567 + k * kSplitMixGamma), expected[k]) << k;
}

TEST(RandomTest, UniformFromBitsEndpoints) {
  EXPECT_EQ(uniformFromBits(0, -1.0f, 1.0f), -1.0f);
  EXPECT_EQ(uniformFromBits(~0ULL, 0.0f, 1.0f), 1.0f - 0x1p-24f);
  EXPECT_EQ(uniformFromBits(1ULL << 63, 0.0f, 1.0f), 0.5f);
  EXPECT_EQ(uniformFromBits(~0ULL, 3.0f, 3.0f), 3.0f);
  // Only the top 24 bits matter.
  EXPECT_EQ(uniformFromBits(0xFFFFFFULL, 0.0f, 1.0f), 0.0f);
}

TEST(RandomTest, StreamIsCounterBased) {
  RandomStream s(42, "key");
  RandomStream same(42, "key");
  for (uint64_t i : {0ULL, 1ULL, 1000ULL, ~0ULL}) EXPECT_EQ(s.bits(i), same.bits(i));
  EXPECT_NE(s.bits(0), s.bits(1));
  EXPECT_NE(s.bits(0), RandomStream(43, "key").bits(0));
  EXPECT_NE(s.bits(0), RandomStream(42, "kez").bits(0));
}

} // namespace
} // namespace lgc
