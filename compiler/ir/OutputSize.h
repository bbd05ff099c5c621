//===- compiler/ir/OutputSize.h - the output-size formula ------*- C++ -*-===//
//
// The formula users check by hand (SPEC §1), in exactly one place: shape
// inference, the verifier, the interpreter and the tests all call it.
//
//   out = floor((in + padBegin + padEnd - dilation*(kernel-1) - 1) / stride) + 1
//
// With ceil_mode the division rounds up, and, as PyTorch does, the last window
// is dropped when it would start in the bottom/right padding.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Window.h"
#include "runtime/IntMath.h"

#include <cstdint>
#include <string>

namespace lgc {

/// The number of window positions along the axis (may be <= 0 for a window
/// that does not fit: callers report that as an error).
int64_t outputSize(const WindowAxis &axis);

/// The arithmetic behind outputSize, as a user would write it:
/// "floor((4 + 2*0 - 1*(5-1) - 1) / 1) + 1".
std::string outputSizeArithmetic(const WindowAxis &axis);

} // namespace lgc
