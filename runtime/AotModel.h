//===- runtime/AotModel.h - what ahead-of-time objects call -----*- C++ -*-===//
//
// An object from `lgc compile` holds the model's kernels, its ProgramImage as
// JSON and, with --embed-weights, its prepared weights; its net_create,
// net_run and net_destroy are thin wrappers over these three functions, so
// that everything beyond the kernels is ordinary runtime code. C linkage, no
// exceptions cross them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Builds a model: parses `image` (JSON, `imageLen` bytes), binds step i to
/// `kernels[i]`, and prepares the weights: copied from `weights` (the
/// embedded blob, `weightsBytes` long: each prepared weight in image order,
/// each starting at a multiple of 64 bytes) when it is not null, else read
/// from the safetensors file `weightsPath`, else seeded as `lgc run` seeds
/// them (seed 0). `threads` <= 0 means every available core. On failure
/// returns null with a message in `err` (`errLen` bytes, NUL-terminated).
void *lgc_aot_create(const char *image, size_t imageLen, void *const *kernels, size_t numKernels,
                     const void *weights, size_t weightsBytes, const char *weightsPath, int threads,
                     char *err, size_t errLen);

/// Runs the model: one pointer per input, then per output, in model order.
/// Returns 0, or -1 when `model` is null.
int lgc_aot_run(void *model, const float *const *inputs, float *const *outputs);

/// Frees a model from lgc_aot_create (null is allowed).
void lgc_aot_destroy(void *model);

#ifdef __cplusplus
}

#include "runtime/Tensor.h"

#include <string>
#include <vector>

namespace lgc {
/// The embedded-weights blob lgc_aot_create reads: each prepared weight in
/// image order, each starting at a multiple of 64 bytes, zeros between.
std::string packEmbeddedWeights(const std::vector<Tensor> &weights);
} // namespace lgc
#endif
