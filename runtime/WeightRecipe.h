//===- runtime/WeightRecipe.h - how a kernel's weights are prepared -*- C++ -*-===//
//
// Kernels read weights re-laid out for them (flipped, channels last, padded to
// whole vectors, BatchNorm folded in). A recipe says how one such tensor is
// computed from the model's parameters, as PyTorch names them: start from a
// parameter (or zeros), then apply steps in order. The compiler writes
// recipes; the runtime carries them out, so a JIT run, a cached program and
// an ahead-of-time object all prepare weights with this one code, bit for
// bit, and no LLVM is needed to load a new weights file.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Error.h"
#include "runtime/Tensor.h"
#include "runtime/Weights.h"

#include <string>
#include <vector>

namespace lgc {

/// One step of a recipe; `a`, `b`, `layer` and `eps` as the kind says.
struct PrepStep {
  enum class Kind {
    Flip,             ///< [o, i, kh, kw]: rotate each kernel by 180°.
    ChannelsLast,     ///< [o, i, kh, kw] to [i, kh, kw, a], zeros past o.
    ZeroPad,          ///< 1-D: zeros appended up to length a.
    ChunkedTranspose, ///< [o, i...] to [b, i..., a]: chunks of a outputs (b chunks), zeros past o.
    FoldBnWeight,     ///< [o, ...] *= gamma / sqrt(var + eps) of BatchNorm `layer`.
    FoldBnBias,       ///< [o]: (x - mean) * scale + beta of BatchNorm `layer`.
    BnScale,          ///< [c]: x / sqrt(var + eps) (x is `layer`'s gamma).
    BnShift,          ///< [c]: x - mean * scale (x is `layer`'s beta).
  };
  Kind kind = Kind::Flip;
  int64_t a = 0, b = 0;
  std::string layer; ///< The BatchNorm whose parameters the step reads.
  double eps = 0;
};

/// Steps as lowering writes them.
namespace prep {
inline PrepStep flip() {
  return {PrepStep::Kind::Flip, 0, 0, "", 0};
}
inline PrepStep channelsLast(int64_t padded) {
  return {PrepStep::Kind::ChannelsLast, padded, 0, "", 0};
}
inline PrepStep zeroPad(int64_t length) {
  return {PrepStep::Kind::ZeroPad, length, 0, "", 0};
}
inline PrepStep chunkedTranspose(int64_t chunk, int64_t chunks) {
  return {PrepStep::Kind::ChunkedTranspose, chunk, chunks, "", 0};
}
/// One of the BatchNorm kinds, reading `layer`'s parameters.
inline PrepStep batchNorm(PrepStep::Kind kind, const std::string &layer, double eps) {
  return {kind, 0, 0, layer, eps};
}
} // namespace prep

struct WeightRecipe {
  std::string source; ///< A parameter's name; empty: zeros of sourceShape.
  Shape sourceShape;
  std::vector<PrepStep> steps;

  /// This recipe followed by `more`.
  WeightRecipe then(std::vector<PrepStep> more) const;
};

/// The shape of the recipe's result, or an error if a step does not fit the
/// shape it is given.
Expected<Shape> recipeShape(const WeightRecipe &recipe);

/// Carries out `recipe` on `params` (which must hold its source and the
/// BatchNorm parameters its steps read, with the shapes they need).
Expected<Tensor> prepareWeight(const WeightRecipe &recipe, const WeightMap &params);

/// The recipe as text, e.g. `channels_last(flip(@conv1.weight), 64)`.
std::string describeRecipe(const WeightRecipe &recipe);

/// The step kind's name in text and serialised programs, and back.
const char *stepName(PrepStep::Kind kind);
bool stepKindFromName(const std::string &name, PrepStep::Kind &kind);

} // namespace lgc
