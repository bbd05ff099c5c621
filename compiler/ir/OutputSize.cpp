//===- compiler/ir/OutputSize.cpp - the output-size formula ---------------===//
//
// See OutputSize.h. Division rounds toward negative infinity (as PyTorch's
// div_rtn), so a window larger than the padded input gives a size <= 0
// rather than a wrapped-around positive one.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/OutputSize.h"

namespace lgc {

int64_t outputSize(const WindowAxis &a) {
  int64_t span = a.in + a.padBegin + a.padEnd - a.dilation * (a.kernel - 1) - 1;
  int64_t out = floorDiv(span + (a.ceilMode ? a.stride - 1 : 0), a.stride) + 1;
  // PyTorch: with ceil_mode, the last window must start inside the input or
  // the top/left padding.
  if (a.ceilMode && out > 0 && (out - 1) * a.stride >= a.in + a.padBegin) --out;
  return out;
}

std::string outputSizeArithmetic(const WindowAxis &a) {
  auto s = [](int64_t v) { return std::to_string(v); };
  std::string pad =
      a.padBegin == a.padEnd ? "2*" + s(a.padBegin) : s(a.padBegin) + "+" + s(a.padEnd);
  return std::string(a.ceilMode ? "ceil" : "floor") + "((" + s(a.in) + " + " + pad + " - " +
         s(a.dilation) + "*(" + s(a.kernel) + "-1) - 1) / " + s(a.stride) + ") + 1";
}

} // namespace lgc
