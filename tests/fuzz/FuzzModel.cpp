//===- tests/fuzz/FuzzModel.cpp - model text through the front end --------===//
//
// libFuzzer target: the bytes are a model file's text. They are parsed and
// verified, shapes are inferred and verified, the graph is printed, and the
// optimisation passes run on it (without weights, as `lgc dump --emit=opt`).
// Every failure must be a user error; a model the front end and shape
// inference accept must pass the verifier after every pass.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontend/ModelParser.h"
#include "compiler/ir/Cost.h"
#include "compiler/ir/Printer.h"
#include "compiler/ir/Verifier.h"
#include "compiler/passes/Passes.h"
#include "compiler/passes/Pipeline.h"
#include "tests/fuzz/FuzzSupport.h"

using namespace lgc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  Expected<Graph> graph = parseModelText(text, "fuzz.yaml");
  if (!graph) {
    fuzz::expectUserError(graph.error(), "parse");
    return 0;
  }
  fuzz::expectSuccess(verifyGraph(*graph, VerifyOptions{false}), "verify after parse");
  Error shapes = inferShapes(*graph);
  if (shapes) {
    fuzz::expectUserError(shapes, "infer-shapes");
    return 0;
  }
  fuzz::expectSuccess(verifyGraph(*graph), "verify after infer-shapes");
  fuzz::expectUserError(checkMemoryLimit(*graph, kDefaultMemoryLimit), "memory limit");
  std::string printed = printGraph(*graph);
  if (printed.empty()) std::abort();
  WeightMap noWeights;
  fuzz::expectSuccess(optimizeGraph(*graph, noWeights), "optimizeGraph");
  return 0;
}
