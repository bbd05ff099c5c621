//===- compiler/loop/ShareKernels.cpp - one function per distinct kernel ===//
//
// Kernels are compared by their printed code. Printing is the slow part, so
// only kernels alike in a cheap signature (their buffers) are printed.
//
//===----------------------------------------------------------------------===//
#include "compiler/loop/ShareKernels.h"

#include <map>
#include <string>

namespace lgc::loop {
namespace {

/// The kernel's code, as text, without its name or its weights' recipes.
std::string codeOf(const Kernel &kernel) {
  Kernel anonymous = kernel;
  anonymous.name.clear();
  for (BufferDecl &b : anonymous.buffers) b.prep.clear();
  return printKernel(anonymous);
}

/// What two kernels with the same code must have in common, cheap to
/// compare: their buffers' names, shapes and layouts.
std::string signatureOf(const Kernel &kernel) {
  std::string s;
  for (const BufferDecl &b : kernel.buffers)
    s += b.name + formatShape(b.shape) + b.layout + (b.written ? "w;" : ";");
  return s;
}

} // namespace

std::vector<int> findSameCode(const std::vector<const Kernel *> &kernels) {
  std::vector<int> same(kernels.size(), -1);
  // Per signature: the first kernel, and the distinct codes once printed
  // (code, the first kernel with it).
  std::map<std::string, int> firstOfSignature;
  std::map<std::string, std::vector<std::pair<std::string, int>>> distinct;
  for (size_t i = 0; i < kernels.size(); ++i) {
    std::string signature = signatureOf(*kernels[i]);
    auto first = firstOfSignature.find(signature);
    if (first == firstOfSignature.end()) {
      firstOfSignature.emplace(signature, int(i));
      continue;
    }
    auto &codes = distinct[signature];
    if (codes.empty()) codes.push_back({codeOf(*kernels[size_t(first->second)]), first->second});
    std::string code = codeOf(*kernels[i]);
    bool found = false;
    for (const auto &[earlierCode, earlier] : codes)
      if (earlierCode == code) {
        same[i] = earlier, found = true;
        break;
      }
    if (!found) codes.push_back({std::move(code), int(i)});
  }
  return same;
}

} // namespace lgc::loop
