//===- compiler/passes/GraphEdit.h - rewriting the Graph IR -----*- C++ -*-===//
//
// The few edits the optimisation passes are made of (Graph::usesOf asks who
// reads a value; detached nodes read nothing): rewiring reads, letting a node take over another's
// output value, and removing the nodes a pass has detached. A pass detaches a node (no inputs, no
// output) instead of erasing it, so node indices stay valid during its sweep, and calls
// compactGraph once at the end; a detached node never reaches the verifier.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Graph.h"

#include <vector>

namespace lgc {

/// True when `value` is read exactly once, by node `user`, and is not a graph
/// output: the value can disappear into `user`.
bool feedsOnly(const Graph &graph, ValueId value, int user);

/// Makes every node that reads `from` read `to` instead (graph outputs are
/// left alone). `to` must be defined before every such reader.
void replaceUses(Graph &graph, ValueId from, ValueId to);

/// Node `producer` now produces node `consumer`'s output value, so the
/// value's name (and every read of it) stays; `consumer` is detached.
/// `producer`'s own old value must have no other readers: it is dropped by
/// compactGraph.
void takeOverOutput(Graph &graph, int producer, int consumer);

/// Detaches `node`: it reads and produces nothing until compactGraph removes it.
void detachNode(Graph &graph, int node);

/// True when `node` was detached.
bool isDetached(const Node &node);

/// Removes detached nodes and every value that is neither a model input nor
/// a live node's output, renumbering value ids and producers.
void compactGraph(Graph &graph);

} // namespace lgc
