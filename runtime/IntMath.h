//===- runtime/IntMath.h - integer division rounded down --------*- C++ -*-===//
//
// The one integer division the compiler's layers share: the output-size
// formula (compiler/ir), the Loop IR's FloorDiv and Mod and the simplifier
// (compiler/loop) all round toward negative infinity, as PyTorch's div_rtn.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>

namespace lgc {

/// a / b rounded toward negative infinity (b > 0), as PyTorch's div_rtn.
inline int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

} // namespace lgc
