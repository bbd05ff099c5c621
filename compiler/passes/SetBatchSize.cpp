//===- compiler/passes/SetBatchSize.cpp - override the batch size ---------===//
//
// `--batch N` runs a model at another batch size than its file declares. Only
// the model inputs change; shape inference carries N through every layer.
//
//===----------------------------------------------------------------------===//
#include "compiler/passes/Passes.h"

#include "compiler/ir/ShapeRules.h"

namespace lgc {

Error setBatchSize(Graph &graph, int64_t batch) {
  if (batch < 1)
    return Error::inFile(graph.file, "batch size must be at least 1, got " + std::to_string(batch));
  for (ValueId id : graph.inputs) {
    Value &input = graph.value(id);
    input.shape.at(0) = batch;
    if (!shapeWithinLimit(input.shape))
      return Error::at(input.loc, "input '" + input.name + "' at batch size " +
                                      std::to_string(batch) + " is " + formatShape(input.shape) +
                                      ", more than 2^34 elements, lgc's limit for one tensor");
  }
  for (Node &n : graph.nodes)
    graph.value(n.output).shape.clear(); // stale until shapes are inferred again
  return Error();
}

} // namespace lgc
