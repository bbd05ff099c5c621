//===- tests/fuzz/FuzzSafetensors.cpp - safetensors files and binding -----===//
//
// libFuzzer target: the bytes are a safetensors file. It is opened (header
// validated), every F32 entry is read, and the file is bound as the weights
// of a small fixed model (Conv2d with bias, then BatchNorm2d: the fixture
// conv_bias_bn), as `lgc run --weights` does. Failures must be user errors;
// bound tensors must have their parameters' shapes.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontend/ModelParser.h"
#include "compiler/ir/ParamInit.h"
#include "runtime/Safetensors.h"
#include "runtime/Weights.h"
#include "tests/fuzz/FuzzSupport.h"

using namespace lgc;

namespace {

const char kModel[] = R"(model: conv_bias_bn
inputs:
  x: [1, 4, 6, 6]
layers:
  - {name: conv, op: Conv2d, in_channels: 4, out_channels: 4, kernel_size: 3, stride: 2, padding: 1}
  - {name: bn, op: BatchNorm2d, num_features: 4, eps: 0.0001}
)";

const std::vector<ParamSpec> &specs() {
  static const std::vector<ParamSpec> specs = [] {
    Expected<Graph> g = parseModelText(kModel, "fixed.yaml");
    if (!g) std::abort();
    return paramSpecs(*g);
  }();
  return specs;
}

/// Opens the file and reads every F32 entry.
void readEntries(const std::string &path) {
  auto file = SafetensorsFile::open(path);
  if (!file) {
    fuzz::expectUserError(file.error(), "SafetensorsFile::open");
    return;
  }
  for (const SafetensorsEntry &e : (*file)->entries()) {
    if ((*file)->find(e.name) == nullptr) std::abort();
    Expected<Tensor> t = (*file)->readF32(e);
    if (!t) {
      fuzz::expectUserError(t.error(), "readF32");
      continue;
    }
    if (t->shape != e.shape || numElements(t->shape) != t->size()) std::abort();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const fuzz::InputFile file(".safetensors");
  file.write(data, size);
  readEntries(file.path());
  std::vector<std::string> warnings;
  Expected<WeightMap> weights = loadWeights(specs(), file.path(), warnings);
  if (!weights) {
    fuzz::expectUserError(weights.error(), "loadWeights");
    return 0;
  }
  for (const ParamSpec &spec : specs())
    if (weights->at(spec.name).shape != spec.shape) std::abort();
  return 0;
}
