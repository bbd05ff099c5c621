//===- runtime/ProgramImage.h - a compiled program, stored -------*- C++ -*-===//
//
// Everything about a compiled model except its machine code and weight
// values: the steps with their kernels' symbols and buffers, the arena plan,
// the recipes that prepare each kernel weight from the model's parameters,
// and the parameters a weights file must hold. It is stored as JSON inside
// ahead-of-time objects and next to cached JIT code, and turned back into a
// runnable Program by linking it with the kernels and the parameter values.
// Stored images are not trusted: parsing checks every index and size.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Program.h"
#include "runtime/WeightRecipe.h"
#include "runtime/Weights.h"

#include <string>
#include <vector>

namespace lgc {

struct StepImage {
  std::string name;   ///< The layer (or fused layers) it computes.
  std::string symbol; ///< The kernel function's name.
  int64_t parallelExtent = 1;
  std::vector<BufferRef> args;
  double flops = 0;
};

struct ProgramImage {
  std::string model;
  std::vector<StepImage> steps;
  std::vector<ArenaBuffer> buffers;
  int64_t arenaBytes = 0;
  std::vector<WeightRecipe> weights; ///< Program::weights[i] is weights[i] carried out.
  std::vector<ParamSpec> params;     ///< What a weights file must hold.
  std::vector<std::string> inputNames, outputNames;
  std::vector<Shape> inputShapes, outputShapes;
};

/// The image as JSON text.
std::string serializeProgramImage(const ProgramImage &image);

/// Parses and checks JSON from serializeProgramImage: indices in range,
/// buffers inside the arena, shapes and sizes within limits, recipes that fit
/// their shapes and name declared parameters. `origin` names the text in
/// error messages.
Expected<ProgramImage> parseProgramImage(const std::string &text, const std::string &origin);

/// Each of the image's weights prepared from `params` (which must hold every
/// parameter in image.params, with its shape) by its recipe.
Expected<std::vector<Tensor>> prepareWeights(const ProgramImage &image, const WeightMap &params);

/// A runnable Program: `kernels[i]` is step i's function, `weights[i]` the
/// image's weight i as prepared (checked against its recipe's shape).
Expected<Program> linkProgram(const ProgramImage &image, const std::vector<KernelFn> &kernels,
                              std::vector<Tensor> weights);

} // namespace lgc
