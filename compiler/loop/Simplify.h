//===- compiler/loop/Simplify.h - Loop IR simplification -------*- C++ -*-===//
//
// Rewrites a kernel's expressions with what the loop bounds prove: index
// arithmetic put in a canonical linear form (so `(oy*2 + 3) - (oy*2)` is 3),
// comparisons, min and max decided by interval analysis, and guards that are
// always true removed, so that interior regions carry no bounds checks.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/loop/LoopIR.h"

namespace lgc::loop {

/// Simplifies every expression of `kernel` in place.
void simplifyKernel(Kernel &kernel);

} // namespace lgc::loop
