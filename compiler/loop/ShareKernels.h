//===- compiler/loop/ShareKernels.h - one function per distinct kernel -*- C++ -*-===//
//
// Layers with the same shapes, parameters and fused epilogue lower to the same
// loops (ResNet-18's two blocks per stage repeat each other), and differ only
// in the buffers the runtime passes in. Finding them lets LLVM optimise and
// compile each distinct kernel once; the others' steps call its function
// with their own buffers.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/loop/LoopIR.h"

#include <vector>

namespace lgc::loop {

/// For each of `kernels`, in order, the index of the first earlier kernel
/// with the same code (loops, buffers' names, shapes and layouts), or -1 for
/// the first of its code. Names and weights' recipes do not count: two
/// kernels that differ only there share one function.
std::vector<int> findSameCode(const std::vector<const Kernel *> &kernels);

} // namespace lgc::loop
