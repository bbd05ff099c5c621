//===- compiler/ir/Window.h - a sliding window over a plane -----*- C++ -*-===//
//
// Conv2d, MaxPool2d and AvgPool2d (and ConvTranspose2d when it comes) slide a
// window over the input's H x W plane. This is the one description of that
// window: its kernel, stride, dilation, padding before and after on each
// axis, and ceil mode. Shape rules, the interpreter and lowering take each
// axis from it (WindowAxis) and ask it where a tap lands in the input, so the
// arithmetic is written once, for integers and Loop IR expressions alike.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Pair.h"

#include <cstdint>

namespace lgc {

/// One axis of a sliding window, over an input of `in` elements.
struct WindowAxis {
  int64_t in = 0;
  int64_t padBegin = 0; ///< Top or left.
  int64_t padEnd = 0;   ///< Bottom or right.
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t dilation = 1;
  bool ceilMode = false;

  /// The input coordinate tap `tap` of output position `out` reads
  /// (outside [0, in) it is padding): out*stride - padBegin + tap*dilation.
  /// T is int64_t or a Loop IR expression.
  template <class T> T inputCoordinate(const T &out, const T &tap) const {
    return out * T(stride) - T(padBegin) + tap * T(dilation);
  }
  /// Where the window of output position `out` starts: its tap 0.
  template <class T> T windowStart(const T &out) const { return out * T(stride) - T(padBegin); }
};

/// A window over the H x W plane. Padding may differ before and after only
/// where a front end resolved `same` padding (one more at the bottom/right).
struct Window {
  Pair kernel;
  Pair stride{1, 1};
  Pair padBegin; ///< Top, left.
  Pair padEnd;   ///< Bottom, right.
  Pair dilation{1, 1};
  bool ceilMode = false;

  /// The rows axis (H) over an input `in` rows high.
  WindowAxis rows(int64_t in) const {
    return {in, padBegin.h, padEnd.h, kernel.h, stride.h, dilation.h, ceilMode};
  }
  /// The columns axis (W) over an input `in` columns wide.
  WindowAxis columns(int64_t in) const {
    return {in, padBegin.w, padEnd.w, kernel.w, stride.w, dilation.w, ceilMode};
  }
  /// Whether the padding is the same before and after on both axes.
  bool symmetric() const { return padBegin == padEnd; }
};

} // namespace lgc
