//===- compiler/lower/ChooseLayouts.cpp - plain or blocked, per value -----===//
//
// Decides, once per graph, which 4-D values the kernels keep blocked (their
// channels in vectors of L, nChw16c for AVX-512; see Storage in Lower.h) and
// which plain (NCHW). Every kernel reads and writes either layout, so the
// choice changes speed, never results:
//
// 1. Softmax and Linear read and write plain tensors only, and Flatten
//    writes plain (its output is a reshaping of NCHW order). (A Linear after
//    a Flatten that costs no kernel reads the blocked value before it; see
//    KernelBuilder::foldedFlatten.)
// 2. With LayoutPolicy::Blocked every other 4-D value is blocked, model
//    inputs and outputs included (they are copied at the edges).
// 3. With LayoutPolicy::Auto (the default) values are tied into classes
//    that should share a layout: the inputs and output of an op that maps
//    positions one to one or window to pixel (activations, Add, BatchNorm,
//    pooling, depthwise convolution, a channel Concat, a fused residual), so
//    that no kernel between them converts. A class is blocked unless one of
//    its values must stay plain: a model input or output (then no edge
//    copies run: the first convolution reads the image as it is), a value
//    of fewer than L/2 channels (most of each vector would be padding), one
//    read or written by a grouped convolution the channel-lanes schedules
//    do not cover, or one of a channel Concat with an input of channels
//    not a multiple of L (it could not be written in place).
//    A convolution converts between layouts for free, so its input and
//    output are not tied.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/ShapeRules.h"
#include "compiler/lower/Lower.h"

#include <algorithm>
#include <numeric>

namespace lgc {
namespace {

bool readsPlainOnly(OpKind op) {
  return op == OpKind::Softmax || op == OpKind::Linear;
}

bool writesPlainOnly(OpKind op) {
  return op == OpKind::Softmax || op == OpKind::Linear || op == OpKind::Flatten;
}

/// Classes of values that should share a layout (union-find).
class Classes {
public:
  explicit Classes(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  size_t find(size_t v) {
    while (parent_[v] != v) v = parent_[v] = parent_[parent_[v]];
    return v;
  }
  void tie(size_t a, size_t b) { parent_[find(a)] = find(b); }

private:
  std::vector<size_t> parent_;
};

/// A depthwise convolution the depthwise-lanes schedule runs: one input
/// channel per output channel.
bool isDepthwise(const Conv2dAttrs &a) {
  return a.groups > 1 && a.groups == a.inChannels && a.groups == a.outChannels;
}

/// Ties the values `node` should see in one layout; marks `plain` those it
/// wants plain.
void tieNode(const Graph &graph, const Node &node, int64_t lanes, Classes &classes,
             std::vector<bool> &plain) {
  size_t out = size_t(node.output);
  size_t base = node.baseInputCount();
  // Fused residuals are read where the output is written.
  for (size_t i = base; i < node.inputs.size(); ++i) classes.tie(size_t(node.inputs[i]), out);
  switch (node.op) {
  case OpKind::Conv2d: {
    const auto &a = node.as<Conv2dAttrs>();
    if (isDepthwise(a)) {
      classes.tie(size_t(node.inputs[0]), out);
    } else if (a.groups > 1) {
      plain[size_t(node.inputs[0])] = true;
      plain[out] = true;
    }
    return;
  }
  case OpKind::Concat: {
    if (normaliseDim(node.as<DimAttrs>().dim, graph.value(node.output).shape.size()) != 1) return;
    for (size_t i = 0; i < base; ++i) {
      classes.tie(size_t(node.inputs[i]), out);
      if (graph.inputOf(node, i).shape[1] % lanes != 0) plain[out] = true;
    }
    return;
  }
  case OpKind::Linear:
  case OpKind::Softmax:
  case OpKind::Flatten:
    return;
  default: // activations, Add, BatchNorm2d, pooling, Identity, Dropout
    for (size_t i = 0; i < base; ++i) classes.tie(size_t(node.inputs[i]), out);
    return;
  }
}

} // namespace

std::vector<int64_t> chooseLayouts(const Graph &graph, const LowerOptions &options) {
  size_t count = graph.values.size();
  std::vector<int64_t> blocks(count, 0);
  if (options.layouts == LayoutPolicy::Plain) return blocks;
  int64_t lanes = options.vectorWidth;
  std::vector<bool> plain(count, false);
  for (size_t i = 0; i < count; ++i) plain[i] = graph.values[i].shape.size() != 4;
  for (const Node &node : graph.nodes) {
    if (writesPlainOnly(node.op)) plain[size_t(node.output)] = true;
    if (readsPlainOnly(node.op))
      for (ValueId id : node.inputs) plain[size_t(id)] = true;
  }
  // A model input that is also an output is one caller's buffer copied to
  // another: nothing to gain from a blocked copy in between.
  for (ValueId id : graph.inputs)
    if (graph.isOutput(id)) plain[size_t(id)] = true;

  Classes classes(count);
  if (options.layouts == LayoutPolicy::Auto) {
    for (const Node &node : graph.nodes) tieNode(graph, node, lanes, classes, plain);
    for (size_t i = 0; i < count; ++i)
      if (graph.isEdge(ValueId(i)) || (!plain[i] && 2 * graph.values[i].shape[1] < lanes))
        plain[i] = true;
  }
  std::vector<bool> classPlain(count, false);
  for (size_t i = 0; i < count; ++i)
    if (plain[i]) classPlain[classes.find(i)] = true;
  for (size_t i = 0; i < count; ++i)
    if (!classPlain[classes.find(i)]) blocks[i] = lanes;
  return blocks;
}

} // namespace lgc
