//===- compiler/lower/LowerOps.h - each op family's lowering ----*- C++ -*-===//
//
// One function per op family, each in its own file (LowerConv.cpp,
// LowerPool.cpp, ...); lowerGraph's `lower-nodes` step picks the one for
// each node.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/lower/KernelBuilder.h"

namespace lgc {

// One function per op family; each appends one kernel for kb.node().
void lowerConv2d(KernelBuilder &kb);
void lowerPool2d(KernelBuilder &kb);
void lowerAdaptiveAvgPool2d(KernelBuilder &kb);
void lowerLinear(KernelBuilder &kb);
void lowerBatchNorm2d(KernelBuilder &kb);
void lowerElementwise(KernelBuilder &kb); ///< Activations, Identity, Dropout, Flatten, Add.
void lowerConcat(KernelBuilder &kb);
void lowerSoftmax(KernelBuilder &kb);
/// Copies a value between its plain storage `from` and blocked `to` (or
/// back): a model input or output blocked inside the program.
void lowerLayoutCopy(KernelBuilder &kb, int from, int to);

} // namespace lgc
