//===- runtime/Weights.cpp - binding parameters to their values -----------===//
//
// Loading walks the model's parameters in order and reports the first one that
// is missing or has the wrong dtype or shape, then warns about every tensor in
// the file that no parameter names. Seeded values come from a counter-based
// stream per (seed, parameter name) (runtime/Random.h), so they are the same
// on every run and platform and do not depend on the order of the specs.
//
//===----------------------------------------------------------------------===//
#include "runtime/Weights.h"

#include "runtime/Random.h"
#include "runtime/Safetensors.h"

#include <set>

namespace lgc {
namespace {

/// The layer a parameter belongs to: its name up to the last '.'.
std::string layerOf(const std::string &param) {
  size_t dot = param.rfind('.');
  return dot == std::string::npos ? param : param.substr(0, dot);
}

/// Reads one parameter, checking that it exists and has the expected dtype
/// and shape.
Expected<Tensor> loadParam(const SafetensorsFile &file, const ParamSpec &spec) {
  const SafetensorsEntry *entry = file.find(spec.name);
  if (!entry)
    return Error::inFile(file.path(), "tensor '" + spec.name + "' is missing (the model's layer '" +
                                          layerOf(spec.name) + "' needs f32" +
                                          formatShape(spec.shape) + ")");
  if (entry->dtype != "F32")
    return Error::inFile(file.path(),
                         "tensor '" + spec.name + "' has dtype " + entry->dtype + ", expected F32");
  if (entry->shape != spec.shape)
    return Error::inFile(file.path(), "tensor '" + spec.name + "' has shape " +
                                          formatShape(entry->shape) + ", expected " +
                                          formatShape(spec.shape));
  return file.readF32(*entry);
}

/// PyTorch's BatchNorm keeps a training counter, `<layer>.num_batches_tracked`,
/// in every state_dict; inference never reads it, so it is no news.
bool isBatchCounter(const std::string &name, const std::set<std::string> &used) {
  const std::string suffix = ".num_batches_tracked";
  if (name.size() <= suffix.size() ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix))
    return false;
  return used.count(name.substr(0, name.size() - suffix.size()) + ".running_var") > 0;
}

/// One warning line per tensor in the file that no spec names.
void warnUnused(const SafetensorsFile &file, const std::vector<ParamSpec> &specs,
                std::vector<std::string> &warnings) {
  std::set<std::string> used;
  for (const ParamSpec &spec : specs) used.insert(spec.name);
  for (const SafetensorsEntry &entry : file.entries())
    if (!used.count(entry.name) && !isBatchCounter(entry.name, used))
      warnings.push_back(file.path() + ": warning: tensor '" + entry.name +
                         "' is not used by the model");
}

} // namespace

Expected<WeightMap> loadWeights(const std::vector<ParamSpec> &specs, const std::string &weightsPath,
                                std::vector<std::string> &warnings) {
  auto file = SafetensorsFile::open(weightsPath);
  if (!file) return file.takeError();
  WeightMap weights;
  for (const ParamSpec &spec : specs) {
    Expected<Tensor> t = loadParam(**file, spec);
    if (!t) return t.takeError();
    weights[spec.name] = std::move(*t);
  }
  warnUnused(**file, specs, warnings);
  return weights;
}

WeightMap seededWeights(const std::vector<ParamSpec> &specs, uint64_t seed) {
  WeightMap weights;
  for (const ParamSpec &spec : specs)
    weights[spec.name] = seededUniform(spec.shape, spec.initLo, spec.initHi, seed, spec.name);
  return weights;
}

Tensor seededUniform(const Shape &shape, float lo, float hi, uint64_t seed,
                     const std::string &key) {
  Tensor t(shape);
  RandomStream stream(seed, key);
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = lo == hi ? lo : stream.uniform(i, lo, hi);
  return t;
}

} // namespace lgc
