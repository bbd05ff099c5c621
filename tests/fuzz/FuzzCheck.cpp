//===- tests/fuzz/FuzzCheck.cpp - the whole `lgc check` path --------------===//
//
// libFuzzer target: the bytes are a model file on disk, taken through what
// `lgc check` does short of printing: buildGraph (read the file, parse,
// verify, set the batch size, infer shapes, verify, the memory ceiling), then
// the summary table's cells (each layer's output shape, parameters, MACs,
// totals). The last byte picks the batch size (0: the file's), as --batch.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/BuildGraph.h"
#include "compiler/ir/Cost.h"
#include "tests/fuzz/FuzzSupport.h"

using namespace lgc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const fuzz::InputFile file(".yaml");
  file.write(data, size);
  PipelineOptions options;
  options.batch = size > 0 ? data[size - 1] % 4 : 0;
  Expected<Graph> graph = buildGraph(file.path(), options);
  if (!graph) {
    fuzz::expectUserError(graph.error(), "buildGraph");
    return 0;
  }
  std::string cells = graph->name;
  for (ValueId id : graph->inputs) cells += formatShape(graph->value(id).shape);
  int64_t totalParams = 0;
  double totalMacs = 0;
  for (const Node &n : graph->nodes) {
    int64_t params = paramCount(n);
    double macs = macCount(*graph, n);
    if (params < 0 || !(macs >= 0)) std::abort(); // counts of a checked model never overflow
    totalParams += params;
    totalMacs += macs;
    cells += n.name + std::string(opName(n.op)) + formatShape(graph->outputOf(n).shape);
  }
  for (ValueId id : graph->outputs) cells += formatShape(graph->value(id).shape);
  if (totalParams < 0 || !(totalMacs >= 0) || cells.empty()) std::abort();
  return 0;
}
