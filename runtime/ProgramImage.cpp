//===- runtime/ProgramImage.cpp - a compiled program, stored --------------===//
//
// JSON through nlohmann-json. Parsing reads with exceptions off where it can
// and turns any type mismatch into an error; then `check` validates the
// image as a whole before anyone indexes with it.
//
//===----------------------------------------------------------------------===//
#include "runtime/ProgramImage.h"
#include "runtime/ForEachOnThreads.h"
#include "runtime/ThreadPool.h"

#include <nlohmann/json.hpp>

#include <map>

namespace lgc {
namespace {

using json = nlohmann::json;

/// No tensor in a stored image may exceed this many elements (as the
/// compiler's shape rules), nor the arena this many bytes.
constexpr int64_t kMaxElements = int64_t(1) << 34;
constexpr int64_t kMaxArenaBytes = int64_t(1) << 40;

const char *kindName(BufferKind k) {
  switch (k) {
  case BufferKind::Input:
    return "input";
  case BufferKind::Output:
    return "output";
  case BufferKind::Weight:
    return "weight";
  case BufferKind::Arena:
    return "arena";
  }
  return "?";
}

json recipeJson(const WeightRecipe &r) {
  json steps = json::array();
  for (const PrepStep &s : r.steps)
    steps.push_back(
        {{"op", stepName(s.kind)}, {"a", s.a}, {"b", s.b}, {"layer", s.layer}, {"eps", s.eps}});
  return {{"source", r.source}, {"shape", r.sourceShape}, {"steps", steps}};
}

WeightRecipe recipeFrom(const json &j) {
  WeightRecipe r{j.at("source").get<std::string>(), j.at("shape").get<Shape>(), {}};
  for (const json &s : j.at("steps")) {
    PrepStep step;
    if (!stepKindFromName(s.at("op").get<std::string>(), step.kind))
      throw std::invalid_argument("unknown weight recipe step");
    step.a = s.at("a").get<int64_t>();
    step.b = s.at("b").get<int64_t>();
    step.layer = s.at("layer").get<std::string>();
    step.eps = s.at("eps").get<double>();
    r.steps.push_back(std::move(step));
  }
  return r;
}

BufferRef refFrom(const json &j) {
  std::string kind = j.at(0).get<std::string>();
  for (BufferKind k :
       {BufferKind::Input, BufferKind::Output, BufferKind::Weight, BufferKind::Arena})
    if (kind == kindName(k)) return {k, j.at(1).get<int64_t>()};
  throw std::invalid_argument("unknown buffer kind '" + kind + "'");
}

ProgramImage imageFrom(const json &j) {
  ProgramImage image;
  image.model = j.at("model").get<std::string>();
  for (const json &s : j.at("steps")) {
    StepImage step{s.at("name").get<std::string>(),
                   s.at("symbol").get<std::string>(),
                   s.at("parallel").get<int64_t>(),
                   {},
                   s.at("flops").get<double>()};
    for (const json &a : s.at("args")) step.args.push_back(refFrom(a));
    image.steps.push_back(std::move(step));
  }
  for (const json &b : j.at("buffers"))
    image.buffers.push_back({b.at(0).get<int64_t>(), b.at(1).get<int64_t>()});
  image.arenaBytes = j.at("arena_bytes").get<int64_t>();
  for (const json &w : j.at("weights")) image.weights.push_back(recipeFrom(w));
  for (const json &p : j.at("params"))
    image.params.push_back({p.at("name").get<std::string>(), p.at("shape").get<Shape>(),
                            p.at("lo").get<float>(), p.at("hi").get<float>()});
  image.inputNames = j.at("inputs").get<std::vector<std::string>>();
  image.inputShapes = j.at("input_shapes").get<std::vector<Shape>>();
  image.outputNames = j.at("outputs").get<std::vector<std::string>>();
  image.outputShapes = j.at("output_shapes").get<std::vector<Shape>>();
  return image;
}

bool shapeOk(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || d > kMaxElements || (d > 0 && n > kMaxElements / d)) return false;
    n *= d;
  }
  return shape.size() <= 8;
}

/// Why the BatchNorm steps of `r` cannot read their parameters, or "": each
/// reads `layer.weight`, `.bias`, `.running_mean`, `.running_var`, declared
/// with one value per channel of the tensor it is given.
std::string checkBatchNormReads(const WeightRecipe &r, const std::map<std::string, Shape> &params) {
  for (size_t i = 0; i < r.steps.size(); ++i) {
    const PrepStep &step = r.steps[i];
    if (step.layer.empty()) continue;
    Expected<Shape> in = recipeShape(
        WeightRecipe{r.source, r.sourceShape, {r.steps.begin(), r.steps.begin() + long(i)}});
    if (!in || in->empty()) return "bad weight recipe";
    for (const char *suffix : {".weight", ".bias", ".running_mean", ".running_var"}) {
      auto it = params.find(step.layer + suffix);
      if (it == params.end() || it->second != Shape{(*in)[0]})
        return "weight recipe reads undeclared parameter '" + step.layer + suffix + "'";
    }
  }
  return "";
}

/// Why `image` cannot be trusted, or "" if it can.
std::string check(const ProgramImage &image) {
  if (image.inputNames.size() != image.inputShapes.size() ||
      image.outputNames.size() != image.outputShapes.size())
    return "input or output names and shapes differ in number";
  for (const auto *shapes : {&image.inputShapes, &image.outputShapes})
    for (const Shape &s : *shapes)
      if (!shapeOk(s)) return "bad input or output shape";
  if (image.arenaBytes < 0 || image.arenaBytes > kMaxArenaBytes) return "bad arena size";
  for (const ArenaBuffer &b : image.buffers)
    if (b.bytes < 0 || b.offset < 0 || b.offset % 4 != 0 || b.bytes > image.arenaBytes ||
        b.offset > image.arenaBytes - b.bytes)
      return "arena buffer outside the arena";
  std::map<std::string, Shape> params;
  for (const ParamSpec &p : image.params) {
    if (!shapeOk(p.shape)) return "bad shape of parameter '" + p.name + "'";
    if (!params.emplace(p.name, p.shape).second) return "parameter '" + p.name + "' twice";
  }
  for (const WeightRecipe &r : image.weights) {
    if (!shapeOk(r.sourceShape)) return "bad weight recipe shape";
    if (!r.source.empty() && (!params.count(r.source) || params.at(r.source) != r.sourceShape))
      return "weight recipe reads undeclared parameter '" + r.source + "'";
    Expected<Shape> shape = recipeShape(r);
    if (!shape) return shape.takeError().message();
    if (!shapeOk(*shape)) return "bad prepared weight shape";
    if (std::string why = checkBatchNormReads(r, params); !why.empty()) return why;
  }
  for (const StepImage &s : image.steps) {
    if (s.parallelExtent < 1 || s.parallelExtent > kMaxElements) return "bad parallel extent";
    for (const BufferRef &a : s.args) {
      size_t limit = a.kind == BufferKind::Input    ? image.inputNames.size()
                     : a.kind == BufferKind::Output ? image.outputNames.size()
                     : a.kind == BufferKind::Weight ? image.weights.size()
                                                    : image.buffers.size();
      if (a.index < 0 || size_t(a.index) >= limit)
        return std::string(kindName(a.kind)) + " buffer index out of range in step '" + s.name +
               "'";
    }
  }
  return "";
}

} // namespace

std::string serializeProgramImage(const ProgramImage &image) {
  json steps = json::array(), buffers = json::array(), weights = json::array(),
       params = json::array();
  for (const StepImage &s : image.steps) {
    json args = json::array();
    for (const BufferRef &a : s.args) args.push_back({kindName(a.kind), a.index});
    steps.push_back({{"name", s.name},
                     {"symbol", s.symbol},
                     {"parallel", s.parallelExtent},
                     {"args", args},
                     {"flops", s.flops}});
  }
  for (const ArenaBuffer &b : image.buffers) buffers.push_back({b.bytes, b.offset});
  for (const WeightRecipe &r : image.weights) weights.push_back(recipeJson(r));
  for (const ParamSpec &p : image.params)
    params.push_back({{"name", p.name}, {"shape", p.shape}, {"lo", p.initLo}, {"hi", p.initHi}});
  json j = {{"model", image.model},
            {"inputs", image.inputNames},
            {"input_shapes", image.inputShapes},
            {"outputs", image.outputNames},
            {"output_shapes", image.outputShapes},
            {"params", params},
            {"weights", weights},
            {"arena_bytes", image.arenaBytes},
            {"buffers", buffers},
            {"steps", steps}};
  return j.dump();
}

Expected<ProgramImage> parseProgramImage(const std::string &text, const std::string &origin) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error::inFile(origin, "compiled program description is not JSON");
  ProgramImage image;
  try {
    image = imageFrom(j);
  } catch (const std::exception &e) {
    return Error::inFile(origin,
                         std::string("malformed compiled program description: ") + e.what());
  }
  std::string why = check(image);
  if (!why.empty()) return Error::inFile(origin, "invalid compiled program description: " + why);
  return image;
}

namespace {

/// Weights of fewer elements than this are prepared on the calling thread
/// alone: a thread costs more than it saves.
constexpr int64_t kParallelPrepareElements = int64_t(1) << 20;

} // namespace

/// The recipes are independent, so large models prepare them on every core:
/// most of the time goes to faulting in fresh pages (ResNet-18: 47 MB), which
/// the cores do side by side.
Expected<std::vector<Tensor>> prepareWeights(const ProgramImage &image, const WeightMap &params) {
  size_t count = image.weights.size();
  int64_t elements = 0;
  for (const WeightRecipe &r : image.weights) elements += numElements(r.sourceShape);
  std::vector<Tensor> weights(count);
  std::vector<Error> errors(count);
  size_t threads = elements >= kParallelPrepareElements ? size_t(ThreadPool::availableCores()) : 1;
  forEachOnThreads(count, threads, [&](size_t i) {
    Expected<Tensor> w = prepareWeight(image.weights[i], params);
    if (w)
      weights[i] = std::move(*w);
    else
      errors[i] = w.takeError();
  });
  for (Error &e : errors)
    if (e) return std::move(e);
  return weights;
}

Expected<Program> linkProgram(const ProgramImage &image, const std::vector<KernelFn> &kernels,
                              std::vector<Tensor> weights) {
  if (kernels.size() != image.steps.size() || weights.size() != image.weights.size())
    return Error::internal("linking a program: " + std::to_string(kernels.size()) +
                           " kernels and " + std::to_string(weights.size()) + " weights for " +
                           std::to_string(image.steps.size()) + " steps and " +
                           std::to_string(image.weights.size()) + " weights");
  for (size_t i = 0; i < weights.size(); ++i) {
    Expected<Shape> shape = recipeShape(image.weights[i]);
    if (!shape || *shape != weights[i].shape)
      return Error::internal("linking a program: weight " + std::to_string(i) +
                             " does not have its recipe's shape");
  }
  Program program;
  for (size_t i = 0; i < image.steps.size(); ++i) {
    const StepImage &s = image.steps[i];
    program.steps.push_back({s.name, kernels[i], s.parallelExtent, s.args, s.flops});
  }
  program.buffers = image.buffers;
  program.arenaBytes = image.arenaBytes;
  program.weights = std::move(weights);
  program.inputNames = image.inputNames;
  program.outputNames = image.outputNames;
  program.inputShapes = image.inputShapes;
  program.outputShapes = image.outputShapes;
  return program;
}

} // namespace lgc
