//===- tests/unit/runtime/ProgramImageTest.cpp - stored compiled programs -===//
//
// serializeProgramImage and parseProgramImage round-trip every field of a
// small image; parsing, which reads untrusted cache entries and object
// files, rejects text that is not JSON, lacks a field or has one of the
// wrong type, names an unknown buffer kind or recipe step, indexes past its
// buffers, places a buffer outside the arena or off its alignment, has
// negative or overflowing shapes, declares a parameter twice or has a recipe
// read an undeclared one. prepareWeights carries out the recipes, and
// linkProgram checks counts and shapes before building a Program.
//
//===----------------------------------------------------------------------===//
#include "runtime/ProgramImage.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace lgc {
namespace {

using json = nlohmann::json;
using Kind = PrepStep::Kind;

/// A convolution (BatchNorm folded) then a linear layer, as lowering would
/// describe it.
ProgramImage sampleImage() {
  ProgramImage image;
  image.model = "net";
  image.inputNames = {"image"};
  image.inputShapes = {{1, 2, 3, 3}};
  image.outputNames = {"fc", "feat"};
  image.outputShapes = {{1, 5}, {1, 3, 3, 3}};
  image.params = {{"conv.weight", {3, 2, 1, 1}, -0.1f, 0.1f},
                  {"bn.weight", {3}, 1.0f, 1.0f},
                  {"bn.bias", {3}, 0.0f, 0.0f},
                  {"bn.running_mean", {3}, -0.3f, 0.3f},
                  {"bn.running_var", {3}, 0.5f, 1.5f},
                  {"fc.weight", {5, 27}, -0.25f, 0.25f}};
  image.weights = {
      {"conv.weight",
       {3, 2, 1, 1},
       {prep::batchNorm(Kind::FoldBnWeight, "bn", 1e-5), prep::flip(), prep::channelsLast(8)}},
      {"", {3}, {prep::batchNorm(Kind::FoldBnBias, "bn", 0.1 + 0.2), prep::zeroPad(8)}},
      {"fc.weight", {5, 27}, {prep::chunkedTranspose(4, 2)}},
      {"bn.weight", {3}, {prep::batchNorm(Kind::BnScale, "bn", 1e-3)}},
      {"bn.bias", {3}, {prep::batchNorm(Kind::BnShift, "bn", 1e-3)}},
  };
  image.arenaBytes = 256;
  image.buffers = {{108, 0}, {64, 128}};
  image.steps = {
      {"conv+bn",
       "net_k0",
       3,
       {{BufferKind::Input, 0},
        {BufferKind::Weight, 0},
        {BufferKind::Weight, 1},
        {BufferKind::Arena, 0}},
       1234.5},
      {"copy", "net_k1", 1, {{BufferKind::Arena, 0}, {BufferKind::Output, 1}}, 0},
      {"fc",
       "net_k2",
       2,
       {{BufferKind::Arena, 0}, {BufferKind::Weight, 2}, {BufferKind::Output, 0}},
       1.0 / 3.0},
  };
  return image;
}

void expectSameSteps(const std::vector<PrepStep> &a, const std::vector<PrepStep> &b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].kind, b[i].kind) << i;
    EXPECT_EQ(a[i].a, b[i].a) << i;
    EXPECT_EQ(a[i].b, b[i].b) << i;
    EXPECT_EQ(a[i].layer, b[i].layer) << i;
    EXPECT_EQ(a[i].eps, b[i].eps) << i; // exactly
  }
}

void expectSameImage(const ProgramImage &a, const ProgramImage &b) {
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.inputNames, b.inputNames);
  EXPECT_EQ(a.inputShapes, b.inputShapes);
  EXPECT_EQ(a.outputNames, b.outputNames);
  EXPECT_EQ(a.outputShapes, b.outputShapes);
  EXPECT_EQ(a.arenaBytes, b.arenaBytes);
  ASSERT_EQ(a.params.size(), b.params.size());
  for (size_t i = 0; i < a.params.size(); ++i) {
    EXPECT_EQ(a.params[i].name, b.params[i].name);
    EXPECT_EQ(a.params[i].shape, b.params[i].shape);
    EXPECT_EQ(a.params[i].initLo, b.params[i].initLo) << a.params[i].name;
    EXPECT_EQ(a.params[i].initHi, b.params[i].initHi) << a.params[i].name;
  }
  ASSERT_EQ(a.weights.size(), b.weights.size());
  for (size_t i = 0; i < a.weights.size(); ++i) {
    EXPECT_EQ(a.weights[i].source, b.weights[i].source) << i;
    EXPECT_EQ(a.weights[i].sourceShape, b.weights[i].sourceShape) << i;
    expectSameSteps(a.weights[i].steps, b.weights[i].steps);
  }
  ASSERT_EQ(a.buffers.size(), b.buffers.size());
  for (size_t i = 0; i < a.buffers.size(); ++i) {
    EXPECT_EQ(a.buffers[i].bytes, b.buffers[i].bytes) << i;
    EXPECT_EQ(a.buffers[i].offset, b.buffers[i].offset) << i;
  }
  ASSERT_EQ(a.steps.size(), b.steps.size());
  for (size_t i = 0; i < a.steps.size(); ++i) {
    EXPECT_EQ(a.steps[i].name, b.steps[i].name);
    EXPECT_EQ(a.steps[i].symbol, b.steps[i].symbol);
    EXPECT_EQ(a.steps[i].parallelExtent, b.steps[i].parallelExtent);
    EXPECT_EQ(a.steps[i].flops, b.steps[i].flops); // exactly
    ASSERT_EQ(a.steps[i].args.size(), b.steps[i].args.size());
    for (size_t k = 0; k < a.steps[i].args.size(); ++k) {
      EXPECT_EQ(a.steps[i].args[k].kind, b.steps[i].args[k].kind) << i << "," << k;
      EXPECT_EQ(a.steps[i].args[k].index, b.steps[i].args[k].index) << i << "," << k;
    }
  }
}

/// The sample image as JSON, for tests to damage.
json sampleJson() {
  return json::parse(serializeProgramImage(sampleImage()));
}

/// The error parsing `j` gives (and checks it is one, about `origin`).
std::string parseError(const std::string &text) {
  Expected<ProgramImage> image = parseProgramImage(text, "cache/x.lgc");
  if (image) {
    ADD_FAILURE() << "parsed: " << text;
    return "";
  }
  EXPECT_FALSE(image.error().isInternal());
  std::string message = image.error().str();
  EXPECT_EQ(message.rfind("cache/x.lgc: error: ", 0), 0u) << message;
  return message;
}

std::string parseError(const json &j) {
  return parseError(j.dump());
}

std::string parseError(const char *text) {
  return parseError(std::string(text));
}

#define EXPECT_CONTAINS(haystack, needle)                                                          \
  do {                                                                                             \
    std::string h_ = (haystack);                                                                   \
    EXPECT_NE(h_.find(needle), std::string::npos) << h_;                                           \
  } while (0)

/// The parameters the sample image declares, seeded.
WeightMap sampleParams() {
  WeightMap params;
  uint64_t seed = 1;
  for (const ParamSpec &p : sampleImage().params) {
    Tensor t(p.shape);
    for (float &v : t.data)
      v = float(((seed = seed * 6364136223846793005u + 1) >> 40) % 1000) / 500;
    params[p.name] = t;
  }
  return params;
}

//===----------------------------------------------------------------------===//
// Round trip
//===----------------------------------------------------------------------===//

TEST(ProgramImage, RoundTripKeepsEveryField) {
  ProgramImage image = sampleImage();
  std::string text = serializeProgramImage(image);
  Expected<ProgramImage> back = parseProgramImage(text, "x");
  ASSERT_TRUE(bool(back)) << back.error().str();
  expectSameImage(image, *back);
  // And again: serialising the parsed image gives the same text.
  EXPECT_EQ(serializeProgramImage(*back), text);
}

TEST(ProgramImage, RoundTripOfAnEmptyImage) {
  ProgramImage image;
  image.model = "empty";
  Expected<ProgramImage> back = parseProgramImage(serializeProgramImage(image), "x");
  ASSERT_TRUE(bool(back)) << back.error().str();
  expectSameImage(image, *back);
}

TEST(ProgramImage, NamesWithQuotesAndUnicodeRoundTrip) {
  ProgramImage image = sampleImage();
  image.steps[0].name = "conv \"1\"\\\n\xc3\xa9";
  image.inputNames[0] = "in.put-0";
  Expected<ProgramImage> back = parseProgramImage(serializeProgramImage(image), "x");
  ASSERT_TRUE(bool(back)) << back.error().str();
  EXPECT_EQ(back->steps[0].name, image.steps[0].name);
  EXPECT_EQ(back->inputNames[0], "in.put-0");
}

//===----------------------------------------------------------------------===//
// Untrusted input
//===----------------------------------------------------------------------===//

TEST(ProgramImage, NotJson) {
  EXPECT_CONTAINS(parseError("LGC\x01garbage"), "is not JSON");
  EXPECT_CONTAINS(parseError(""), "is not JSON");
  std::string truncated = serializeProgramImage(sampleImage());
  truncated.resize(truncated.size() / 2);
  EXPECT_CONTAINS(parseError(truncated), "is not JSON");
}

TEST(ProgramImage, NotAnObject) {
  EXPECT_CONTAINS(parseError("[1, 2, 3]"), "malformed compiled program description");
  EXPECT_CONTAINS(parseError("42"), "malformed compiled program description");
}

TEST(ProgramImage, MissingFieldIsAnError) {
  for (const char *field : {"model", "inputs", "input_shapes", "outputs", "output_shapes", "params",
                            "weights", "arena_bytes", "buffers", "steps"}) {
    json j = sampleJson();
    j.erase(field);
    EXPECT_CONTAINS(parseError(j), "malformed compiled program description");
  }
  json j = sampleJson();
  j["steps"][0].erase("symbol");
  EXPECT_CONTAINS(parseError(j), "malformed");
  j = sampleJson();
  j["weights"][0]["steps"][0].erase("eps");
  EXPECT_CONTAINS(parseError(j), "malformed");
  j = sampleJson();
  j["params"][1].erase("hi");
  EXPECT_CONTAINS(parseError(j), "malformed");
  j = sampleJson();
  j["buffers"][0] = json::array({64});
  EXPECT_CONTAINS(parseError(j), "malformed");
}

TEST(ProgramImage, FieldOfTheWrongTypeIsAnError) {
  json j = sampleJson();
  j["model"] = 7;
  EXPECT_CONTAINS(parseError(j), "malformed");
  j = sampleJson();
  j["arena_bytes"] = "256";
  EXPECT_CONTAINS(parseError(j), "malformed");
  j = sampleJson();
  j["input_shapes"] = json::array({json::array({1, "2"})});
  EXPECT_CONTAINS(parseError(j), "malformed");
  j = sampleJson();
  j["steps"][0]["args"][0] = "input";
  EXPECT_CONTAINS(parseError(j), "malformed");
  j = sampleJson();
  j["weights"][0]["shape"] = json::object();
  EXPECT_CONTAINS(parseError(j), "malformed");
  j = sampleJson();
  j["steps"][0]["flops"] = nullptr;
  EXPECT_CONTAINS(parseError(j), "malformed");
  j = sampleJson();
  j["steps"] = 3;
  EXPECT_CONTAINS(parseError(j), "malformed");
}

TEST(ProgramImage, UnknownBufferKindIsAnError) {
  json j = sampleJson();
  j["steps"][1]["args"][0][0] = "stack";
  EXPECT_CONTAINS(parseError(j), "unknown buffer kind 'stack'");
}

TEST(ProgramImage, UnknownRecipeStepIsAnError) {
  json j = sampleJson();
  j["weights"][2]["steps"][0]["op"] = "transpose";
  EXPECT_CONTAINS(parseError(j), "unknown weight recipe step");
}

TEST(ProgramImage, BufferIndexOutOfRangeIsAnError) {
  struct Case {
    const char *kind;
    int64_t index;
  };
  for (Case c : {Case{"input", 1}, Case{"output", 2}, Case{"weight", 5}, Case{"arena", 2},
                 Case{"arena", -1}, Case{"input", -1}}) {
    json j = sampleJson();
    j["steps"][0]["args"][0] = json::array({c.kind, c.index});
    EXPECT_CONTAINS(parseError(j),
                    std::string(c.kind) + " buffer index out of range in step 'conv+bn'");
  }
  // The largest valid indices are accepted.
  json j = sampleJson();
  j["steps"][0]["args"] = json::array({json::array({"input", 0}), json::array({"output", 1}),
                                       json::array({"weight", 4}), json::array({"arena", 1})});
  EXPECT_TRUE(bool(parseProgramImage(j.dump(), "x")));
}

TEST(ProgramImage, ArenaBufferOutsideTheArenaIsAnError) {
  auto withBuffer = [](int64_t bytes, int64_t offset) {
    json j = sampleJson();
    j["buffers"][1] = json::array({bytes, offset});
    return j;
  };
  EXPECT_CONTAINS(parseError(withBuffer(65, 192)), "arena buffer outside the arena");
  EXPECT_CONTAINS(parseError(withBuffer(64, 256)), "arena buffer outside the arena");
  EXPECT_CONTAINS(parseError(withBuffer(257, 0)), "arena buffer outside the arena");
  EXPECT_CONTAINS(parseError(withBuffer(-1, 0)), "arena buffer outside the arena");
  EXPECT_CONTAINS(parseError(withBuffer(8, -64)), "arena buffer outside the arena");
  // Offset + bytes would overflow int64 if added.
  EXPECT_CONTAINS(parseError(withBuffer(64, INT64_MAX - 63)), "arena buffer outside the arena");
  EXPECT_CONTAINS(parseError(withBuffer(INT64_MAX, 64)), "arena buffer outside the arena");
  // Exactly at the end is fine.
  EXPECT_TRUE(bool(parseProgramImage(withBuffer(64, 192).dump(), "x")));
}

// Buffers need only float alignment: an in-place Concat's inputs sit at any
// element offset inside its output.
TEST(ProgramImage, MisalignedArenaBufferIsAnError) {
  json j = sampleJson();
  j["buffers"][1] = json::array({16, 34});
  EXPECT_CONTAINS(parseError(j), "arena buffer outside the arena");
  j["buffers"][1] = json::array({16, 36});
  EXPECT_TRUE(parseProgramImage(j.dump(), "cache/x.lgc"));
}

TEST(ProgramImage, BadArenaSizeIsAnError) {
  json j = sampleJson();
  j["arena_bytes"] = -1;
  EXPECT_CONTAINS(parseError(j), "bad arena size");
  j["arena_bytes"] = int64_t(1) << 50;
  EXPECT_CONTAINS(parseError(j), "bad arena size");
}

TEST(ProgramImage, NegativeOrHugeShapesAreErrors) {
  json j = sampleJson();
  j["input_shapes"][0] = json::array({1, -2, 3, 3});
  EXPECT_CONTAINS(parseError(j), "bad input or output shape");
  j = sampleJson();
  // Each dimension is fine alone; the product overflows int64.
  j["output_shapes"][0] = json::array({int64_t(1) << 32, int64_t(1) << 32});
  EXPECT_CONTAINS(parseError(j), "bad input or output shape");
  j = sampleJson();
  j["output_shapes"][0] = json::array({int64_t(1) << 31, int64_t(1) << 31, 4, 4});
  EXPECT_CONTAINS(parseError(j), "bad input or output shape");
  j = sampleJson();
  j["output_shapes"][0] = json::array({1, 1, 1, 1, 1, 1, 1, 1, 1}); // rank 9
  EXPECT_CONTAINS(parseError(j), "bad input or output shape");
  j = sampleJson();
  j["params"][0]["shape"] = json::array({3, 2, 1, -1});
  j["weights"][0]["shape"] = json::array({3, 2, 1, -1});
  EXPECT_CONTAINS(parseError(j), "bad shape of parameter 'conv.weight'");
  j = sampleJson();
  j["params"][5]["shape"] = json::array({int64_t(1) << 20, int64_t(1) << 20});
  EXPECT_CONTAINS(parseError(j), "bad shape of parameter 'fc.weight'");
  j = sampleJson();
  j["weights"][1]["shape"] = json::array({INT64_MAX});
  EXPECT_CONTAINS(parseError(j), "bad weight recipe shape");
  j = sampleJson();
  j["input_shapes"].push_back(json::array({1}));
  EXPECT_CONTAINS(parseError(j), "names and shapes differ in number");
}

TEST(ProgramImage, ZeroSizedShapesAreAccepted) {
  json j = sampleJson();
  j["output_shapes"][0] = json::array({3, 0, int64_t(1) << 30, int64_t(1) << 30});
  Expected<ProgramImage> image = parseProgramImage(j.dump(), "x");
  EXPECT_TRUE(bool(image)) << image.error().str();
}

TEST(ProgramImage, PreparedWeightShapeTooLargeIsAnError) {
  // Each step's parameters are within its own limits, but the result is not.
  json j = sampleJson();
  json bigShape = json::array({int64_t(1) << 16, int64_t(1) << 16});
  j["params"].push_back(json{{"name", "big"}, {"shape", bigShape}, {"lo", 0}, {"hi", 0}});
  json step = json{{"op", "chunked_transpose"},
                   {"a", int64_t(1) << 16},
                   {"b", int64_t(1) << 24},
                   {"layer", ""},
                   {"eps", 0.0}};
  j["weights"].push_back(
      json{{"source", "big"}, {"shape", bigShape}, {"steps", json::array({step})}});
  EXPECT_CONTAINS(parseError(j), "bad prepared weight shape");
}

TEST(ProgramImage, DuplicateParameterIsAnError) {
  json j = sampleJson();
  j["params"].push_back(j["params"][2]);
  EXPECT_CONTAINS(parseError(j), "parameter 'bn.bias' twice");
}

TEST(ProgramImage, RecipeReadingAnUndeclaredParameterIsAnError) {
  json j = sampleJson();
  j["weights"][2]["source"] = "fc2.weight";
  EXPECT_CONTAINS(parseError(j), "weight recipe reads undeclared parameter 'fc2.weight'");
  // Declared, but with another shape.
  j = sampleJson();
  j["weights"][2]["shape"] = json::array({5, 26});
  EXPECT_CONTAINS(parseError(j), "weight recipe reads undeclared parameter 'fc.weight'");
}

TEST(ProgramImage, RecipeThatDoesNotFitItsShapeIsAnError) {
  json j = sampleJson();
  j["weights"][0]["steps"][2]["a"] = 2; // channels_last narrower than 3 outputs
  EXPECT_CONTAINS(parseError(j), "bad padded width");
}

// The recipe's own error is wrapped in the image's: the result should read as
// one user error about the file, not embed a second "lgc: internal error:"
// diagnostic (with its newline) in the middle of the first.
TEST(ProgramImage, RecipeErrorInImageIsOneUserErrorLine) {
  json j = sampleJson();
  j["weights"][0]["steps"][2]["a"] = 2;
  std::string message = parseError(j);
  EXPECT_EQ(message.find("internal error"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), message.size() - 1) << message;
}

// A recipe's BatchNorm steps read `layer.weight`, `.bias`, `.running_mean`
// and `.running_var`: parsing should check that they are declared (with one
// value per channel), as it does for the recipe's source. Otherwise an
// image that passed parsing fails later, in prepareWeights, with an error
// that calls itself a bug in lgc ("internal error").
TEST(ProgramImage, RecipeBatchNormReadingUndeclaredParametersIsRejectedWhenParsed) {
  json j = sampleJson();
  j["weights"][0]["steps"][0]["layer"] = "bn9";
  Expected<ProgramImage> image = parseProgramImage(j.dump(), "cache/x.lgc");
  EXPECT_FALSE(bool(image)) << "an image whose recipe reads the undeclared BatchNorm 'bn9' parsed";
  if (image) {
    // Show what happens instead.
    Expected<std::vector<Tensor>> weights = prepareWeights(*image, sampleParams());
    ASSERT_FALSE(bool(weights));
    EXPECT_FALSE(weights.error().isInternal()) << weights.error().str();
  }
}

//===----------------------------------------------------------------------===//
// prepareWeights and linkProgram
//===----------------------------------------------------------------------===//

TEST(ProgramImage, PrepareWeightsCarriesOutEachRecipe) {
  ProgramImage image = sampleImage();
  WeightMap params = sampleParams();
  Expected<std::vector<Tensor>> weights = prepareWeights(image, params);
  ASSERT_TRUE(bool(weights)) << weights.error().str();
  ASSERT_EQ(weights->size(), image.weights.size());
  for (size_t i = 0; i < image.weights.size(); ++i) {
    Expected<Tensor> one = prepareWeight(image.weights[i], params);
    ASSERT_TRUE(bool(one));
    EXPECT_EQ((*weights)[i].shape, one->shape) << i;
    EXPECT_EQ((*weights)[i].data, one->data) << i;
    Expected<Shape> shape = recipeShape(image.weights[i]);
    ASSERT_TRUE(bool(shape));
    EXPECT_EQ((*weights)[i].shape, *shape) << i;
  }
  EXPECT_EQ((*weights)[0].shape, (Shape{2, 1, 1, 8}));
  EXPECT_EQ((*weights)[2].shape, (Shape{2, 27, 4}));
}

TEST(ProgramImage, PrepareWeightsNeedsEveryParameter) {
  WeightMap params = sampleParams();
  params.erase("fc.weight");
  Expected<std::vector<Tensor>> weights = prepareWeights(sampleImage(), params);
  ASSERT_FALSE(bool(weights));
  EXPECT_CONTAINS(weights.error().str(), "'fc.weight'");
}

void kernel(float *const *, int64_t, int64_t) {}

TEST(ProgramImage, LinkProgram) {
  ProgramImage image = sampleImage();
  Expected<std::vector<Tensor>> weights = prepareWeights(image, sampleParams());
  ASSERT_TRUE(bool(weights));
  std::vector<Tensor> copy = *weights;
  std::vector<KernelFn> kernels(3, &kernel);
  Expected<Program> program = linkProgram(image, kernels, std::move(copy));
  ASSERT_TRUE(bool(program)) << program.error().str();
  ASSERT_EQ(program->steps.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(program->steps[i].name, image.steps[i].name);
    EXPECT_EQ(program->steps[i].fn, &kernel);
    EXPECT_EQ(program->steps[i].parallelExtent, image.steps[i].parallelExtent);
    EXPECT_EQ(program->steps[i].flops, image.steps[i].flops);
    ASSERT_EQ(program->steps[i].args.size(), image.steps[i].args.size());
    for (size_t k = 0; k < image.steps[i].args.size(); ++k) {
      EXPECT_EQ(program->steps[i].args[k].kind, image.steps[i].args[k].kind);
      EXPECT_EQ(program->steps[i].args[k].index, image.steps[i].args[k].index);
    }
  }
  EXPECT_EQ(program->arenaBytes, 256);
  ASSERT_EQ(program->buffers.size(), 2u);
  EXPECT_EQ(program->buffers[1].offset, 128);
  ASSERT_EQ(program->weights.size(), weights->size());
  for (size_t i = 0; i < weights->size(); ++i)
    EXPECT_EQ(program->weights[i].data, (*weights)[i].data);
  EXPECT_EQ(program->inputNames, image.inputNames);
  EXPECT_EQ(program->outputNames, image.outputNames);
  EXPECT_EQ(program->inputShapes, image.inputShapes);
  EXPECT_EQ(program->outputShapes, image.outputShapes);
}

TEST(ProgramImage, LinkProgramCountMismatch) {
  ProgramImage image = sampleImage();
  Expected<std::vector<Tensor>> weights = prepareWeights(image, sampleParams());
  ASSERT_TRUE(bool(weights));
  Expected<Program> fewKernels = linkProgram(image, {&kernel, &kernel}, *weights);
  ASSERT_FALSE(bool(fewKernels));
  EXPECT_TRUE(fewKernels.error().isInternal());
  EXPECT_CONTAINS(fewKernels.error().str(),
                  "linking a program: 2 kernels and 5 weights for 3 steps and 5 weights");
  std::vector<Tensor> fewer(weights->begin(), weights->end() - 1);
  Expected<Program> fewWeights = linkProgram(image, {&kernel, &kernel, &kernel}, fewer);
  ASSERT_FALSE(bool(fewWeights));
  EXPECT_CONTAINS(fewWeights.error().str(), "3 kernels and 4 weights for 3 steps and 5 weights");
}

TEST(ProgramImage, LinkProgramShapeMismatch) {
  ProgramImage image = sampleImage();
  Expected<std::vector<Tensor>> weights = prepareWeights(image, sampleParams());
  ASSERT_TRUE(bool(weights));
  std::vector<Tensor> bad = *weights;
  bad[2] = Tensor(Shape{2, 4, 27}); // the right size, the wrong shape
  Expected<Program> program = linkProgram(image, {&kernel, &kernel, &kernel}, bad);
  ASSERT_FALSE(bool(program));
  EXPECT_TRUE(program.error().isInternal());
  EXPECT_CONTAINS(program.error().str(), "weight 2 does not have its recipe's shape");
}

} // namespace
} // namespace lgc
