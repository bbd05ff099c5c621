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

#include <algorithm>
#include <map>
#include <vector>

namespace lgc {

/// The kernel's code, as text, without its name or its weights' recipes.
static std::string codeOf(const loop::Kernel &kernel) {
  loop::Kernel anonymous = kernel;
  anonymous.name.clear();
  for (loop::BufferDecl &b : anonymous.buffers) b.prep.clear();
  return loop::printKernel(anonymous);
}

/// What two kernels with the same code must have in common, cheap to
/// compare: their buffers' names, shapes and layouts. Only kernels alike in
/// this are printed and compared whole.
static std::string signatureOf(const loop::Kernel &kernel) {
  std::string s;
  for (const loop::BufferDecl &b : kernel.buffers)
    s += b.name + formatShape(b.shape) + b.layout + (b.written ? "w;" : ";");
  return s;
}

int shareKernels(LoweredModel &model) {
  // Per signature, the kernels with distinct code so far: (code, name).
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> seen;
  std::map<std::string, size_t> firstOfSignature; // its kernel, code not printed yet
  int shared = 0;
  for (size_t i = 0; i < model.kernels.size(); ++i) {
    LoweredKernel &k = model.kernels[i];
    std::string signature = signatureOf(k.kernel);
    auto first = firstOfSignature.find(signature);
    if (first == firstOfSignature.end()) {
      firstOfSignature.emplace(signature, i);
      continue;
    }
    auto &distinct = seen[signature];
    if (distinct.empty()) {
      const loop::Kernel &earlier = model.kernels[first->second].kernel;
      distinct.push_back({codeOf(earlier), earlier.name});
    }
    std::string code = codeOf(k.kernel);
    auto same = std::find_if(distinct.begin(), distinct.end(),
                             [&](const auto &d) { return d.first == code; });
    if (same != distinct.end())
      k.sameAs = same->second, ++shared;
    else
      distinct.push_back({std::move(code), k.kernel.name});
  }
  return shared;
}

} // namespace lgc
