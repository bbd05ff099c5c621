//===- compiler/lower/ShareKernels.cpp - one function per distinct kernel -===//
//
// Layers with the same shapes, parameters and fused epilogue lower to the same
// loops (ResNet-18's two blocks per stage repeat each other), and differ only
// in the buffers the runtime passes in. Each such kernel after the first is
// marked `sameAs` the first, so LLVM optimises and compiles it once; its step
// calls the first one's function with its own buffers.
//
//===----------------------------------------------------------------------===//
#include "compiler/lower/Lower.h"

#include <map>

namespace lgc {

/// The kernel's code, as text, without its name or its weights' recipes.
static std::string codeOf(const loop::Kernel &kernel) {
  loop::Kernel anonymous = kernel;
  anonymous.name.clear();
  for (loop::BufferDecl &b : anonymous.buffers) b.prep.clear();
  return loop::printKernel(anonymous);
}

int shareKernels(LoweredModel &model) {
  std::map<std::string, std::string> firstWithCode;
  int shared = 0;
  for (LoweredKernel &k : model.kernels) {
    auto [it, added] = firstWithCode.emplace(codeOf(k.kernel), k.kernel.name);
    if (!added) k.sameAs = it->second, ++shared;
  }
  return shared;
}

} // namespace lgc
