//===- compiler/ir/Printer.h - Graph IR as text -----------------*- C++ -*-===//
//
// A stable, line-per-layer text form of the Graph IR, what `lgc dump
// --emit=graph` prints and golden tests check. For example:
//
//   graph tiny {
//     input %x : f32[1, 3, 32, 32]
//     %conv1 = Conv2d(%x) {kernel=[3, 3], stride=[1, 1], padding=[1, 1, 1, 1],
//              dilation=[1, 1], groups=1} params(@conv1.weight : f32[8, 3, 3, 3],
//              @conv1.bias : f32[8]) : f32[1, 8, 32, 32] loc(4:5)
//     output %conv1
//   }
//
// (each node on one line). A shape not yet inferred prints as `f32[?]`.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Graph.h"

#include <ostream>
#include <string>

namespace lgc {

/// The graph as text, ending in a newline.
std::string printGraph(const Graph &graph);
/// One node's line, without indentation or newline.
std::string printNode(const Graph &graph, const Node &node);
/// The attributes of `node` as `{key=value, ...}` (empty for none).
std::string printAttrs(const Node &node);

std::ostream &operator<<(std::ostream &os, const Graph &graph);

} // namespace lgc
