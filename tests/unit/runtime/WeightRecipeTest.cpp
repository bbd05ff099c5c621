//===- tests/unit/runtime/WeightRecipeTest.cpp - preparing kernel weights -===//
//
// Each recipe step on small tensors whose results are worked out by hand
// (a flipped 2x1x2x2 kernel, channels last with its padding zeros, the
// chunked transpose's layout) or, for the BatchNorm steps, by the formula
// computed the same way in double here and compared exactly; chained steps,
// the zeros source, recipeShape and the errors for shapes a step does not
// fit, a missing parameter and a source of the wrong shape; and the text
// forms (describeRecipe, step names).
//
//===----------------------------------------------------------------------===//
#include "runtime/WeightRecipe.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace lgc {
namespace {

using Kind = PrepStep::Kind;

Tensor tensor(Shape shape, std::vector<float> values) {
  Tensor t(std::move(shape));
  EXPECT_EQ(t.data.size(), values.size()) << "test tensor of the wrong size";
  t.data.assign(values.begin(), values.end());
  return t;
}

/// 1, 2, 3, ... in `shape`.
Tensor iota(Shape shape) {
  Tensor t(std::move(shape));
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = float(i + 1);
  return t;
}

/// The BatchNorm `bn` over `c` channels with distinct, awkward values.
void addBatchNorm(WeightMap &params, const std::string &bn, int64_t c) {
  Tensor gamma(Shape{c}), beta(Shape{c}), mean(Shape{c}), var(Shape{c});
  for (int64_t i = 0; i < c; ++i) {
    gamma.data[size_t(i)] = 0.7f + 0.31f * float(i);
    beta.data[size_t(i)] = -0.2f + 0.13f * float(i);
    mean.data[size_t(i)] = 0.05f - 0.17f * float(i);
    var.data[size_t(i)] = 0.3f + 0.9f * float(i);
  }
  params[bn + ".weight"] = gamma;
  params[bn + ".bias"] = beta;
  params[bn + ".running_mean"] = mean;
  params[bn + ".running_var"] = var;
}

Tensor prepared(const WeightRecipe &recipe, const WeightMap &params) {
  Expected<Tensor> t = prepareWeight(recipe, params);
  if (!t) {
    ADD_FAILURE() << t.error().str();
    return Tensor();
  }
  return std::move(*t);
}

/// The error prepareWeight gives for `recipe` (and checks it is one).
std::string prepareError(const WeightRecipe &recipe, const WeightMap &params) {
  Expected<Tensor> t = prepareWeight(recipe, params);
  if (t) {
    ADD_FAILURE() << "prepareWeight succeeded with " << formatShape(t->shape);
    return "";
  }
  EXPECT_TRUE(t.error().isInternal());
  return t.error().str();
}

std::string shapeError(const WeightRecipe &recipe) {
  Expected<Shape> s = recipeShape(recipe);
  if (s) {
    ADD_FAILURE() << "recipeShape succeeded with " << formatShape(*s);
    return "";
  }
  return s.error().str();
}

//===----------------------------------------------------------------------===//
// Layout steps
//===----------------------------------------------------------------------===//

TEST(WeightRecipe, NoStepsCopiesTheParameter) {
  WeightMap params{{"w", iota({2, 3})}};
  Tensor t = prepared({"w", {2, 3}, {}}, params);
  EXPECT_EQ(t.shape, (Shape{2, 3}));
  EXPECT_EQ(t.data, params.at("w").data);
}

TEST(WeightRecipe, FlipRotatesEachKernelBy180Degrees) {
  WeightMap params{{"w", iota({2, 1, 2, 2})}};
  Tensor t = prepared({"w", {2, 1, 2, 2}, {prep::flip()}}, params);
  EXPECT_EQ(t.shape, (Shape{2, 1, 2, 2}));
  // [[1,2],[3,4]] -> [[4,3],[2,1]]; [[5,6],[7,8]] -> [[8,7],[6,5]].
  EXPECT_EQ(t.data, (std::vector<float>{4, 3, 2, 1, 8, 7, 6, 5}));
  // The parameter itself is untouched.
  EXPECT_EQ(params.at("w").data, (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(WeightRecipe, FlipOfNonSquareKernel) {
  // One 2x3 plane: [[1,2,3],[4,5,6]] -> [[6,5,4],[3,2,1]].
  WeightMap params{{"w", iota({1, 1, 2, 3})}};
  Tensor t = prepared({"w", {1, 1, 2, 3}, {prep::flip()}}, params);
  EXPECT_EQ(t.data, (std::vector<float>{6, 5, 4, 3, 2, 1}));
}

TEST(WeightRecipe, ChannelsLastTransposesAndPadsWithZeros) {
  // [o=3, i=2, kh=1, kw=2]: output channel o holds 4o+1 .. 4o+4.
  WeightMap params{{"w", iota({3, 2, 1, 2})}};
  Tensor t = prepared({"w", {3, 2, 1, 2}, {prep::channelsLast(4)}}, params);
  EXPECT_EQ(t.shape, (Shape{2, 1, 2, 4}));
  EXPECT_EQ(t.data, (std::vector<float>{1, 5, 9, 0,  //
                                        2, 6, 10, 0, //
                                        3, 7, 11, 0, //
                                        4, 8, 12, 0}));
}

TEST(WeightRecipe, ChannelsLastWithoutPadding) {
  WeightMap params{{"w", iota({2, 1, 1, 3})}};
  Tensor t = prepared({"w", {2, 1, 1, 3}, {prep::channelsLast(2)}}, params);
  EXPECT_EQ(t.shape, (Shape{1, 1, 3, 2}));
  EXPECT_EQ(t.data, (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(WeightRecipe, ZeroPadAppendsZeros) {
  WeightMap params{{"b", tensor({3}, {1.5f, -2, 3})}};
  Tensor t = prepared({"b", {3}, {prep::zeroPad(5)}}, params);
  EXPECT_EQ(t.shape, (Shape{5}));
  EXPECT_EQ(t.data, (std::vector<float>{1.5f, -2, 3, 0, 0}));
  Tensor same = prepared({"b", {3}, {prep::zeroPad(3)}}, params);
  EXPECT_EQ(same.data, (std::vector<float>{1.5f, -2, 3}));
}

TEST(WeightRecipe, ChunkedTransposeLaysOutChunksOfOutputs) {
  // [o=5, i=2] in chunks of 2 outputs, 3 chunks: [3, 2, 2], the last chunk
  // padded with zeros.
  WeightMap params{{"w", iota({5, 2})}};
  Tensor t = prepared({"w", {5, 2}, {prep::chunkedTranspose(2, 3)}}, params);
  EXPECT_EQ(t.shape, (Shape{3, 2, 2}));
  EXPECT_EQ(t.data, (std::vector<float>{1, 3, 2, 4, //
                                        5, 7, 6, 8, //
                                        9, 0, 10, 0}));
}

TEST(WeightRecipe, ChunkedTransposeWithOneChunk) {
  WeightMap params{{"w", iota({2, 3})}};
  Tensor t = prepared({"w", {2, 3}, {prep::chunkedTranspose(4, 1)}}, params);
  EXPECT_EQ(t.shape, (Shape{1, 3, 4}));
  EXPECT_EQ(t.data, (std::vector<float>{1, 4, 0, 0, 2, 5, 0, 0, 3, 6, 0, 0}));
}

TEST(WeightRecipe, ChunkedTransposeOfAKernel) {
  // [o=3, i=2, 1, 2] in chunks of 2 outputs: [2, 2, 1, 2, 2]; for each chunk
  // and tap (i, ky, kx), the chunk's outputs side by side, zeros past o.
  WeightMap params{{"w", iota({3, 2, 1, 2})}};
  Tensor t = prepared({"w", {3, 2, 1, 2}, {prep::chunkedTranspose(2, 2)}}, params);
  EXPECT_EQ(t.shape, (Shape{2, 2, 1, 2, 2}));
  EXPECT_EQ(t.data, (std::vector<float>{1, 5, 2, 6, 3, 7, 4, 8, //
                                        9, 0, 10, 0, 11, 0, 12, 0}));
}

TEST(WeightRecipe, ZerosSource) {
  Tensor t = prepared({"", {3}, {}}, {});
  EXPECT_EQ(t.shape, (Shape{3}));
  EXPECT_EQ(t.data, (std::vector<float>{0, 0, 0}));
  Tensor padded = prepared({"", {2}, {prep::zeroPad(4)}}, {});
  EXPECT_EQ(padded.data, (std::vector<float>(4, 0.0f)));
}

TEST(WeightRecipe, ChainedLayoutSteps) {
  // flip then channels_last, as a convolution's kernel is prepared.
  WeightMap params{{"w", iota({2, 1, 2, 2})}};
  Tensor t = prepared({"w", {2, 1, 2, 2}, {prep::flip(), prep::channelsLast(3)}}, params);
  EXPECT_EQ(t.shape, (Shape{1, 2, 2, 3}));
  // Flipped: o0 = 4 3 2 1, o1 = 8 7 6 5.
  EXPECT_EQ(t.data, (std::vector<float>{4, 8, 0, 3, 7, 0, 2, 6, 0, 1, 5, 0}));
}

TEST(WeightRecipe, ThenAppendsWithoutChangingTheOriginal) {
  WeightRecipe r{"w", {2, 1, 2, 2}, {prep::flip()}};
  WeightRecipe more = r.then({prep::channelsLast(4), prep::flip()});
  ASSERT_EQ(r.steps.size(), 1u);
  ASSERT_EQ(more.steps.size(), 3u);
  EXPECT_EQ(more.source, "w");
  EXPECT_EQ(more.sourceShape, (Shape{2, 1, 2, 2}));
  EXPECT_EQ(more.steps[0].kind, Kind::Flip);
  EXPECT_EQ(more.steps[1].kind, Kind::ChannelsLast);
  EXPECT_EQ(more.steps[1].a, 4);
  EXPECT_EQ(more.steps[2].kind, Kind::Flip);
}

//===----------------------------------------------------------------------===//
// BatchNorm steps
//===----------------------------------------------------------------------===//

TEST(WeightRecipe, FoldBnWeightScalesEachOutputChannel) {
  const double eps = 1e-3;
  WeightMap params{{"w", tensor({2, 1, 1, 3}, {0.1f, -0.7f, 2.5f, 3.3f, -1.1f, 0.01f})}};
  addBatchNorm(params, "bn", 2);
  Tensor t =
      prepared({"w", {2, 1, 1, 3}, {prep::batchNorm(Kind::FoldBnWeight, "bn", eps)}}, params);
  ASSERT_EQ(t.shape, (Shape{2, 1, 1, 3}));
  const Tensor &w = params.at("w");
  for (size_t c = 0; c < 2; ++c) {
    double scale = double(params.at("bn.weight").data[c]) /
                   std::sqrt(double(params.at("bn.running_var").data[c]) + eps);
    for (size_t k = 0; k < 3; ++k)
      EXPECT_EQ(t.data[c * 3 + k], float(double(w.data[c * 3 + k]) * scale)) << c << "," << k;
  }
  // Not the identity: the step did something.
  EXPECT_NE(t.data, w.data);
}

TEST(WeightRecipe, FoldBnBias) {
  const double eps = 1e-5;
  WeightMap params{{"b", tensor({3}, {0.25f, -1.5f, 4.0f})}};
  addBatchNorm(params, "bn", 3);
  Tensor t = prepared({"b", {3}, {prep::batchNorm(Kind::FoldBnBias, "bn", eps)}}, params);
  ASSERT_EQ(t.shape, (Shape{3}));
  for (size_t c = 0; c < 3; ++c) {
    double gamma = params.at("bn.weight").data[c], beta = params.at("bn.bias").data[c];
    double mean = params.at("bn.running_mean").data[c], var = params.at("bn.running_var").data[c];
    double scale = gamma / std::sqrt(var + eps);
    EXPECT_EQ(t.data[c], float((double(params.at("b").data[c]) - mean) * scale + beta)) << c;
  }
}

TEST(WeightRecipe, FoldBnBiasOfZerosForConvWithoutBias) {
  const double eps = 1e-5;
  WeightMap params;
  addBatchNorm(params, "bn", 2);
  Tensor t = prepared({"", {2}, {prep::batchNorm(Kind::FoldBnBias, "bn", eps)}}, params);
  for (size_t c = 0; c < 2; ++c) {
    double gamma = params.at("bn.weight").data[c], beta = params.at("bn.bias").data[c];
    double mean = params.at("bn.running_mean").data[c], var = params.at("bn.running_var").data[c];
    double scale = gamma / std::sqrt(var + eps);
    EXPECT_EQ(t.data[c], float((0.0 - mean) * scale + beta)) << c;
  }
}

TEST(WeightRecipe, BnScaleAndBnShift) {
  // A standalone BatchNorm's kernel reads scale = gamma / sqrt(var + eps)
  // and shift = beta - mean * scale.
  const double eps = 0.01;
  WeightMap params;
  addBatchNorm(params, "bn", 3);
  Tensor scale = prepared({"bn.weight", {3}, {prep::batchNorm(Kind::BnScale, "bn", eps)}}, params);
  Tensor shift = prepared({"bn.bias", {3}, {prep::batchNorm(Kind::BnShift, "bn", eps)}}, params);
  for (size_t c = 0; c < 3; ++c) {
    double gamma = params.at("bn.weight").data[c], beta = params.at("bn.bias").data[c];
    double mean = params.at("bn.running_mean").data[c], var = params.at("bn.running_var").data[c];
    EXPECT_EQ(scale.data[c], float(gamma / std::sqrt(var + eps))) << c;
    EXPECT_EQ(shift.data[c], float(beta - mean * (gamma / std::sqrt(var + eps)))) << c;
  }
}

TEST(WeightRecipe, EpsMatters) {
  WeightMap params{{"b", tensor({1}, {1.0f})}};
  params["bn.weight"] = tensor({1}, {1.0f});
  params["bn.bias"] = tensor({1}, {0.0f});
  params["bn.running_mean"] = tensor({1}, {0.0f});
  params["bn.running_var"] = tensor({1}, {0.0f});
  // var = 0: the result is 1 / sqrt(eps).
  Tensor a = prepared({"b", {1}, {prep::batchNorm(Kind::FoldBnBias, "bn", 0.25)}}, params);
  Tensor b = prepared({"b", {1}, {prep::batchNorm(Kind::FoldBnBias, "bn", 0.01)}}, params);
  EXPECT_EQ(a.data[0], 2.0f);
  EXPECT_EQ(b.data[0], 10.0f);
}

TEST(WeightRecipe, TwoBatchNormFoldsChain) {
  const double eps1 = 1e-5, eps2 = 1e-3;
  WeightMap params{{"w", tensor({2, 1, 1, 2}, {0.5f, -0.25f, 1.75f, 3.0f})}};
  addBatchNorm(params, "bn1", 2);
  addBatchNorm(params, "bn2", 2);
  params["bn2.running_var"] = tensor({2}, {2.0f, 0.125f});
  WeightRecipe r{"w",
                 {2, 1, 1, 2},
                 {prep::batchNorm(Kind::FoldBnWeight, "bn1", eps1),
                  prep::batchNorm(Kind::FoldBnWeight, "bn2", eps2), prep::flip()}};
  Tensor t = prepared(r, params);
  for (size_t c = 0; c < 2; ++c) {
    double s1 = double(params.at("bn1.weight").data[c]) /
                std::sqrt(double(params.at("bn1.running_var").data[c]) + eps1);
    double s2 = double(params.at("bn2.weight").data[c]) /
                std::sqrt(double(params.at("bn2.running_var").data[c]) + eps2);
    for (size_t k = 0; k < 2; ++k) {
      float once = float(double(params.at("w").data[c * 2 + k]) * s1);
      float twice = float(double(once) * s2);
      // flip of a 1x2 kernel swaps its two values.
      EXPECT_EQ(t.data[c * 2 + (1 - k)], twice) << c << "," << k;
    }
  }
}

//===----------------------------------------------------------------------===//
// Shapes and errors
//===----------------------------------------------------------------------===//

TEST(WeightRecipe, RecipeShapeFollowsTheSteps) {
  auto shape = [](const WeightRecipe &r) {
    Expected<Shape> s = recipeShape(r);
    EXPECT_TRUE(bool(s)) << (s ? "" : s.error().str());
    return s ? *s : Shape{-1};
  };
  EXPECT_EQ(shape({"w", {64, 3, 7, 7}, {}}), (Shape{64, 3, 7, 7}));
  EXPECT_EQ(shape({"w", {64, 3, 7, 7}, {prep::flip(), prep::channelsLast(64)}}),
            (Shape{3, 7, 7, 64}));
  EXPECT_EQ(shape({"w", {10, 3, 3, 3}, {prep::channelsLast(16)}}), (Shape{3, 3, 3, 16}));
  EXPECT_EQ(shape({"", {10}, {prep::zeroPad(16)}}), (Shape{16}));
  EXPECT_EQ(shape({"w", {1000, 512}, {prep::chunkedTranspose(16, 63)}}), (Shape{63, 512, 16}));
  EXPECT_EQ(shape({"w",
                   {8, 4, 3, 3},
                   {prep::batchNorm(Kind::FoldBnWeight, "bn", 1e-5), prep::channelsLast(8)}}),
            (Shape{4, 3, 3, 8}));
}

TEST(WeightRecipe, StepOnWrongRankIsAnError) {
  EXPECT_NE(shapeError({"w", {2, 2, 2}, {prep::flip()}}).find("flip on [2, 2, 2]: needs a 4-D"),
            std::string::npos);
  EXPECT_NE(shapeError({"w", {2, 2}, {prep::channelsLast(4)}}).find("needs a 4-D kernel"),
            std::string::npos);
  EXPECT_NE(
      shapeError({"w", {2, 2}, {prep::zeroPad(4)}}).find("zero_pad on [2, 2]: needs a vector"),
      std::string::npos);
  EXPECT_NE(shapeError({"w", {2}, {prep::chunkedTranspose(2, 1)}}).find("needs a matrix"),
            std::string::npos);
  EXPECT_NE(
      shapeError({"w", {2, 2}, {prep::batchNorm(Kind::FoldBnBias, "bn", 1e-5)}}).find("wrong rank"),
      std::string::npos);
  EXPECT_NE(
      shapeError({"w", {2, 2}, {prep::batchNorm(Kind::BnScale, "bn", 1e-5)}}).find("wrong rank"),
      std::string::npos);
  EXPECT_NE(
      shapeError({"w", {}, {prep::batchNorm(Kind::FoldBnWeight, "bn", 1e-5)}}).find("wrong rank"),
      std::string::npos);
  // A later step sees the earlier steps' shape: channels_last's result is
  // 4-D but zero_pad needs a vector.
  EXPECT_NE(shapeError({"w", {2, 1, 1, 1}, {prep::channelsLast(2), prep::zeroPad(4)}})
                .find("zero_pad on [1, 1, 1, 2]"),
            std::string::npos);
}

TEST(WeightRecipe, PaddedWidthSmallerThanTheDataIsAnError) {
  EXPECT_NE(shapeError({"w", {8, 1, 3, 3}, {prep::channelsLast(7)}}).find("bad padded width"),
            std::string::npos);
  EXPECT_NE(shapeError({"b", {8}, {prep::zeroPad(7)}}).find("bad length"), std::string::npos);
  EXPECT_NE(shapeError({"b", {8}, {prep::zeroPad(int64_t(1) << 40)}}).find("bad length"),
            std::string::npos);
  EXPECT_NE(shapeError({"w", {5, 2}, {prep::chunkedTranspose(2, 2)}}).find("bad chunks"),
            std::string::npos);
  EXPECT_NE(shapeError({"w", {5, 2}, {prep::chunkedTranspose(0, 8)}}).find("bad chunks"),
            std::string::npos);
  EXPECT_NE(shapeError({"w", {5, 2}, {prep::chunkedTranspose(8, -1)}}).find("bad chunks"),
            std::string::npos);
  // prepareWeight checks too, before touching data.
  WeightMap params{{"w", iota({8, 1, 3, 3})}};
  EXPECT_NE(prepareError({"w", {8, 1, 3, 3}, {prep::channelsLast(4)}}, params)
                .find("lgc: internal error: weight recipe step channels_last on [8, 1, 3, 3]"),
            std::string::npos);
}

TEST(WeightRecipe, BadBatchNormStepIsAnError) {
  EXPECT_NE(
      shapeError({"b", {4}, {prep::batchNorm(Kind::FoldBnBias, "bn", -1.0)}}).find("bad BatchNorm"),
      std::string::npos);
  EXPECT_NE(shapeError({"b", {4}, {prep::batchNorm(Kind::FoldBnBias, "bn", std::nan(""))}})
                .find("bad BatchNorm"),
            std::string::npos);
  EXPECT_NE(
      shapeError({"b", {4}, {prep::batchNorm(Kind::FoldBnBias, "", 1e-5)}}).find("bad BatchNorm"),
      std::string::npos);
}

TEST(WeightRecipe, MissingParameterIsAnError) {
  std::string e = prepareError({"conv.weight", {2, 1, 1, 1}, {prep::flip()}}, {});
  EXPECT_NE(e.find("weight recipe needs 'conv.weight'"), std::string::npos) << e;
}

TEST(WeightRecipe, SourceOfTheWrongShapeIsAnError) {
  WeightMap params{{"w", iota({2, 1, 2, 2})}};
  std::string e = prepareError({"w", {2, 1, 2, 3}, {}}, params);
  EXPECT_NE(e.find("'w' is [2, 1, 2, 2], expected [2, 1, 2, 3]"), std::string::npos) << e;
}

TEST(WeightRecipe, MissingBatchNormParameterIsAnError) {
  WeightMap params{{"b", iota({2})}};
  addBatchNorm(params, "bn", 2);
  params.erase("bn.running_var");
  std::string e = prepareError({"b", {2}, {prep::batchNorm(Kind::FoldBnBias, "bn", 1e-5)}}, params);
  EXPECT_NE(e.find("weight recipe needs 'bn.running_var'"), std::string::npos) << e;
}

TEST(WeightRecipe, BatchNormParameterOfTheWrongShapeIsAnError) {
  WeightMap params{{"w", iota({2, 1, 1, 1})}};
  addBatchNorm(params, "bn", 3); // three channels, the kernel has two
  std::string e =
      prepareError({"w", {2, 1, 1, 1}, {prep::batchNorm(Kind::FoldBnWeight, "bn", 1e-5)}}, params);
  EXPECT_NE(e.find("'bn.weight' is [3], expected [2]"), std::string::npos) << e;
}

//===----------------------------------------------------------------------===//
// Text
//===----------------------------------------------------------------------===//

TEST(WeightRecipe, DescribeRecipe) {
  EXPECT_EQ(describeRecipe({"conv1.weight", {64, 3, 7, 7}, {prep::flip(), prep::channelsLast(64)}}),
            "channels_last(flip(@conv1.weight), 64)");
  EXPECT_EQ(describeRecipe({"", {10}, {prep::zeroPad(16)}}), "zero_pad(zeros[10], 16)");
  EXPECT_EQ(describeRecipe({"fc.weight", {10, 4}, {prep::chunkedTranspose(8, 2)}}),
            "chunked_transpose(@fc.weight, 8 x 2)");
  EXPECT_EQ(describeRecipe({"conv.bias",
                            {8},
                            {prep::batchNorm(Kind::FoldBnBias, "bn1", 1e-5),
                             prep::batchNorm(Kind::FoldBnBias, "bn2", 1e-3)}}),
            "fold_bn_bias(fold_bn_bias(@conv.bias, @bn1), @bn2)");
  EXPECT_EQ(describeRecipe({"w", {2}, {}}), "@w");
}

TEST(WeightRecipe, StepNamesRoundTrip) {
  const Kind kinds[] = {
      Kind::Flip,         Kind::ChannelsLast, Kind::ZeroPad, Kind::ChunkedTranspose,
      Kind::FoldBnWeight, Kind::FoldBnBias,   Kind::BnScale, Kind::BnShift};
  const char *names[] = {"flip",           "channels_last", "zero_pad", "chunked_transpose",
                         "fold_bn_weight", "fold_bn_bias",  "bn_scale", "bn_shift"};
  std::set<std::string> seen;
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_STREQ(stepName(kinds[i]), names[i]);
    Kind back = Kind::Flip;
    ASSERT_TRUE(stepKindFromName(names[i], back)) << names[i];
    EXPECT_EQ(back, kinds[i]) << names[i];
    seen.insert(stepName(kinds[i]));
  }
  EXPECT_EQ(seen.size(), 8u);
}

TEST(WeightRecipe, UnknownStepNameIsRejected) {
  Kind k = Kind::BnShift;
  EXPECT_FALSE(stepKindFromName("transpose", k));
  EXPECT_FALSE(stepKindFromName("", k));
  EXPECT_FALSE(stepKindFromName("Flip", k));
  EXPECT_EQ(k, Kind::BnShift); // untouched
}

} // namespace
} // namespace lgc
