//===- compiler/lower/PrintLowered.cpp - a lowered model as text ----------===//
//
// What `lgc dump --emit=loops` prints, and, with each value's storage first,
// what --print-after-all prints after each lowering step.
//
//===----------------------------------------------------------------------===//
#include "compiler/lower/Lower.h"

namespace lgc {
namespace {

/// A kernel's loops, or for one sharing an earlier kernel's code, its
/// weights' recipes and the kernel it calls.
std::string printKernel(const LoweredKernel &k) {
  if (k.sameAs.empty()) return loop::printKernel(k.kernel);
  return loop::printRecipes(k.kernel) + "kernel " + k.kernel.name + " = " + k.sameAs +
         "  // the same loops\n";
}

/// "nChw16c" for blocks of 16, "plain" for 0.
std::string layoutText(int64_t block) {
  return block ? Storage{-1, {}, block}.layoutName() : "plain";
}

/// Each value's layout: as chosen ("// %conv1: nChw16c") until storage is
/// planned, then each storage ("// storage 3: %x [1, 3, 8, 8] nChw16c").
std::string printStorage(const LoweredModel &model, const Graph &graph) {
  std::string s;
  if (model.storage.empty())
    for (size_t v = 0; v < model.blocks.size(); ++v)
      s += "// %" + graph.values[v].name + ": " + layoutText(model.blocks[v]) + "\n";
  for (size_t i = 0; i < model.storage.size(); ++i) {
    const Storage &st = model.storage[i];
    bool callers = st.block == 0 && graph.isEdge(st.value); // a model input or output
    s += "// storage " + std::to_string(i) + ": %" + graph.value(st.value).name + " " +
         formatShape(st.shape) + " " + layoutText(st.block) + (callers ? " (the caller's)" : "") +
         "\n";
  }
  return s;
}

} // namespace

std::string printLoweredModel(const LoweredModel &model, const Graph &graph, bool storage) {
  std::string s = storage ? printStorage(model, graph) : "";
  for (const LoweredKernel &k : model.kernels) s += printKernel(k);
  auto name = [&](int index) { return graph.value(model.storage[size_t(index)].value).name; };
  for (const ValueAlias &a : model.aliases)
    s += "// " + name(a.value) + " is written in place into " + name(a.within) + ", " +
         std::to_string(a.offset) + " elements in\n";
  return s;
}

} // namespace lgc
