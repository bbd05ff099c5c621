//===- runtime/Weights.h - binding parameters to their values --*- C++ -*-===//
//
// A model's parameters are named as PyTorch's state_dict names them
// (`conv1.weight`, `bn1.running_var`). Binding finds each one in a safetensors
// file, checks its dtype and shape, and warns about tensors the model does not
// use; without a file every parameter gets a deterministic seeded value, so
// every model runs out of the box.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Error.h"
#include "runtime/Tensor.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lgc {

/// What a model needs of one parameter. `initLo`/`initHi` bound the uniform
/// distribution of the seeded default value.
struct ParamSpec {
  std::string name;
  Shape shape;
  float initLo = 0.0f;
  float initHi = 0.0f;
};

/// Parameter values by name.
using WeightMap = std::map<std::string, Tensor>;

/// Reads every parameter in `specs` from the safetensors file at
/// `weightsPath`: a missing tensor, a wrong dtype or shape is an error naming
/// the tensor. Each tensor in the file that no spec names adds a line to
/// `warnings` (`FILE: warning: ...`).
Expected<WeightMap> loadWeights(const std::vector<ParamSpec> &specs, const std::string &weightsPath,
                                std::vector<std::string> &warnings);

/// Gives every parameter its seeded default: uniform in [initLo, initHi),
/// drawn from a stream keyed by (seed, parameter name), so one parameter's
/// value depends on nothing else in the model.
WeightMap seededWeights(const std::vector<ParamSpec> &specs, uint64_t seed);

/// A tensor of `shape` filled uniformly in [lo, hi) from the stream keyed by
/// (seed, key). Used for default parameters and for random inputs.
Tensor seededUniform(const Shape &shape, float lo, float hi, uint64_t seed, const std::string &key);

} // namespace lgc
