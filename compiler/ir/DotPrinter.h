//===- compiler/ir/DotPrinter.h - Graph IR for Graphviz ---------*- C++ -*-===//
//
// `lgc dump --emit=dot`: the graph as a Graphviz DOT digraph, a picture of the
// network. One box per layer labelled with its name, op and key parameters
// (kernel, stride, padding, channels or features), the activations and
// residual adds fused into it listed under it (`+ ReLU (relu1)`); model inputs
// and outputs as distinct shapes; every edge labelled with the shape of the
// tensor it carries. Node identifiers are generated (`n3`, `in0`, `out0`) and
// every label is quoted and escaped, so names with dots or quotes stay valid
// DOT. For example, `dot -Tsvg` renders it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Graph.h"

#include <string>

namespace lgc {

/// The graph as a DOT digraph, ending in a newline.
std::string printDot(const Graph &graph);

/// The short description of a node's op for pictures and tables:
/// "Conv2d 3x3 s2 p1, 64 out", "MaxPool2d 2x2 s2", "Linear 400->120".
std::string opSummary(const Node &node);

} // namespace lgc
