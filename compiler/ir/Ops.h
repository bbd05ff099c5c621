//===- compiler/ir/Ops.h - operator kinds and attributes --------*- C++ -*-===//
//
// The operators of SPEC §1 and their attributes, already normalised by the
// front end: integer pairs are pairs, `same`/`valid` padding are numbers (with
// separate begin and end padding, since `same` may pad one more at the
// bottom/right), defaults filled in as PyTorch's.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Window.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace lgc {

enum class OpKind {
  Conv2d,
  MaxPool2d,
  AvgPool2d,
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Linear,
  Flatten,
  ReLU,
  ReLU6,
  Sigmoid,
  Tanh,
  Identity,
  LeakyReLU,
  Dropout,
  Add,
  Concat,
  Softmax,
};

/// The op's name as written in model files ("Conv2d").
std::string_view opName(OpKind op);
/// The op named `name`, if any.
std::optional<OpKind> opFromName(std::string_view name);
/// True for ops that map each element to one element of the same shape.
bool isElementwise(OpKind op);

/// Conv2d: its window (never in ceil mode) and its channels.
struct Conv2dAttrs : Window {
  int64_t inChannels = 0;
  int64_t outChannels = 0;
  int64_t groups = 1;
  bool bias = true;
  bool flip = false; ///< Rotate the kernel 180° (true convolution).

  /// The weight's shape: [out_channels, in_channels / groups, kh, kw].
  std::vector<int64_t> weightShape() const {
    return {outChannels, inChannels / groups, kernel.h, kernel.w};
  }
};

/// MaxPool2d and AvgPool2d: their window, its padding the same before and
/// after. `dilation` is MaxPool2d's only; `countIncludePad` and
/// `divisorOverride` are AvgPool2d's only.
struct Pool2dAttrs : Window {
  bool countIncludePad = true;
  int64_t divisorOverride = 0; ///< 0: none.
};

struct AdaptiveAvgPool2dAttrs {
  Pair outputSize;
};

struct BatchNorm2dAttrs {
  int64_t numFeatures = 0;
  double eps = 1e-5;
};

struct LinearAttrs {
  int64_t inFeatures = 0;
  int64_t outFeatures = 0;
  bool bias = true;
};

struct FlattenAttrs {
  int64_t startDim = 1;
  int64_t endDim = -1;
};

struct LeakyReLUAttrs {
  double negativeSlope = 0.01;
};

struct DropoutAttrs {
  double p = 0.5;
};

/// Concat and Softmax: the dimension they work along (may be negative until
/// shape inference normalises it).
struct DimAttrs {
  int64_t dim = 1;
};

/// Attributes of any op; ops without attributes hold std::monostate.
using Attrs =
    std::variant<std::monostate, Conv2dAttrs, Pool2dAttrs, AdaptiveAvgPool2dAttrs, BatchNorm2dAttrs,
                 LinearAttrs, FlattenAttrs, LeakyReLUAttrs, DropoutAttrs, DimAttrs>;

} // namespace lgc
