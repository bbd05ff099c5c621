//===- runtime/AotModel.cpp - what ahead-of-time objects call -------------===//
#include "runtime/AotModel.h"

#include "runtime/Executor.h"
#include "runtime/ProgramImage.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <new>

namespace lgc {
namespace {

struct AotModel {
  ProgramImage image;
  Program program;
  std::unique_ptr<Executor> executor;
};

constexpr size_t kAlign = 64; ///< Embedded weights start at multiples of this.

/// The prepared weights from the embedded blob, checked against its size.
Expected<std::vector<Tensor>> embeddedWeights(const ProgramImage &image, const char *blob,
                                              size_t bytes) {
  std::vector<Tensor> weights;
  size_t offset = 0;
  for (const WeightRecipe &r : image.weights) {
    Expected<Shape> shape = recipeShape(r);
    if (!shape) return shape.takeError();
    Tensor t(*shape);
    size_t size = t.data.size() * sizeof(float);
    if (offset > bytes || size > bytes - offset)
      return Error::internal("embedded weights are shorter than the program needs");
    std::memcpy(t.data.data(), blob + offset, size);
    offset = (offset + size + kAlign - 1) / kAlign * kAlign;
    weights.push_back(std::move(t));
  }
  return weights;
}

/// The weights: embedded, else from the weights file, else seeded.
Expected<std::vector<Tensor>> preparedWeights(const ProgramImage &image, const void *blob,
                                              size_t blobBytes, const char *weightsPath) {
  if (blob) return embeddedWeights(image, static_cast<const char *>(blob), blobBytes);
  if (!weightsPath) return prepareWeights(image, seededWeights(image.params, 0));
  std::vector<std::string> warnings; // tensors the model does not use are harmless here
  Expected<WeightMap> params = loadWeights(image.params, weightsPath, warnings);
  if (!params) return params.takeError();
  return prepareWeights(image, *params);
}

Expected<std::unique_ptr<AotModel>> create(const char *imageText, size_t imageLen,
                                           void *const *kernels, size_t numKernels,
                                           const void *blob, size_t blobBytes,
                                           const char *weightsPath, int threads) {
  auto model = std::make_unique<AotModel>();
  Expected<ProgramImage> image =
      parseProgramImage(std::string(imageText, imageLen), "compiled model");
  if (!image) return image.takeError();
  model->image = std::move(*image);
  std::vector<KernelFn> fns;
  for (size_t i = 0; i < numKernels; ++i) fns.push_back(reinterpret_cast<KernelFn>(kernels[i]));

  Expected<std::vector<Tensor>> weights =
      preparedWeights(model->image, blob, blobBytes, weightsPath);
  if (!weights) return weights.takeError();
  Expected<Program> program = linkProgram(model->image, fns, std::move(*weights));
  if (!program) return program.takeError();
  model->program = std::move(*program);
  int n = threads > 0 ? threads : ThreadPool::availableCores();
  model->executor = std::make_unique<Executor>(model->program, n);
  return model;
}

void setError(char *err, size_t errLen, std::string message) {
  while (!message.empty() && message.back() == '\n') message.pop_back();
  if (err && errLen > 0) std::snprintf(err, errLen, "%s", message.c_str());
}

} // namespace

std::string packEmbeddedWeights(const std::vector<Tensor> &weights) {
  std::string blob;
  for (const Tensor &t : weights) {
    blob.append(reinterpret_cast<const char *>(t.data.data()), t.data.size() * sizeof(float));
    blob.resize((blob.size() + kAlign - 1) / kAlign * kAlign, '\0');
  }
  return blob;
}

} // namespace lgc

extern "C" void *lgc_aot_create(const char *image, size_t imageLen, void *const *kernels,
                                size_t numKernels, const void *weights, size_t weightsBytes,
                                const char *weightsPath, int threads, char *err, size_t errLen) {
  using namespace lgc;
  try {
    auto model =
        create(image, imageLen, kernels, numKernels, weights, weightsBytes, weightsPath, threads);
    if (!model) {
      setError(err, errLen, model.error().str());
      return nullptr;
    }
    setError(err, errLen, "");
    return model->release();
  } catch (const std::bad_alloc &) {
    setError(err, errLen, "lgc: error: out of memory creating the model");
  } catch (const std::exception &e) {
    setError(err, errLen, std::string("lgc: internal error: ") + e.what());
  }
  return nullptr;
}

extern "C" int lgc_aot_run(void *model, const float *const *inputs, float *const *outputs) {
  if (!model) return -1;
  static_cast<lgc::AotModel *>(model)->executor->run(inputs, outputs);
  return 0;
}

extern "C" void lgc_aot_destroy(void *model) {
  delete static_cast<lgc::AotModel *>(model);
}
