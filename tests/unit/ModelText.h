//===- tests/unit/ModelText.h - small models from text ----------*- C++ -*-===//
//
// Compiler tests build tiny models from a few YAML layer lines: one input
// `x` of a given shape, the layers, optionally an `outputs:` line. A model
// that does not parse (or infer) is a test failure, not a crash.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/frontend/ModelParser.h"
#include "compiler/passes/Passes.h"

#include <gtest/gtest.h>

#include <string>

namespace lgc {

/// The model with input `x: shape` and `layers`, parsed (no shapes yet).
inline Graph parse(const std::string &shape, const std::string &layers,
                   const std::string &outputs = "") {
  std::string text = "model: m\ninputs:\n  x: " + shape + "\nlayers:\n" + layers + outputs;
  Expected<Graph> g = parseModelText(text, "m.yaml");
  if (!g) {
    ADD_FAILURE() << g.error().str();
    return Graph{};
  }
  return std::move(*g);
}

/// As parse, with every shape inferred.
inline Graph build(const std::string &shape, const std::string &layers,
                   const std::string &outputs = "") {
  Graph g = parse(shape, layers, outputs);
  if (Error e = inferShapes(g)) ADD_FAILURE() << e.str();
  return g;
}

} // namespace lgc
