//===- compiler/passes/InferShapes.cpp - shape inference ------------------===//
//
// Nodes are in topological order (the front end only lets a layer read earlier
// ones), so one forward sweep applying each op's shape rule gives every value
// its shape. Sizes are bounded so that no later stage multiplies its way into
// an overflow.
//
//===----------------------------------------------------------------------===//
#include "compiler/passes/Passes.h"

#include "compiler/ir/ShapeRules.h"

namespace lgc {

Error inferShapes(Graph &graph) {
  for (const Node &n : graph.nodes) {
    Expected<Shape> shape = computeOutputShape(graph, n);
    if (!shape) return shape.takeError();
    if (!shapeWithinLimit(*shape))
      return Error::at(n.loc, "layer '" + n.name + "' output " + formatShape(*shape) +
                                  " has more than 2^34 elements, lgc's limit for one tensor");
    graph.value(n.output).shape = *shape;
  }
  return Error();
}

} // namespace lgc
