//===- compiler/frontend/ModelParser.h - YAML model files -------*- C++ -*-===//
//
// Reads a model file (SPEC §1) into a Graph: every layer a node with its
// attributes normalised and its source location kept, `input:` wiring
// resolved, parameters named. Shapes are left for shape inference. Anything
// wrong with the file is a `FILE:LINE:COL: error:` naming the layer.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Graph.h"

#include <string>

namespace lgc {

/// True for a valid layer or input name: letters, digits, '_', '.', '-'
/// (PyTorch state_dict prefixes such as `layer1.0.conv1`).
bool isValidName(const std::string &name);

/// Reads and parses the model file at `path`.
Expected<Graph> parseModelFile(const std::string &path);

/// Parses model text; `fileName` is what messages call the file.
Expected<Graph> parseModelText(const std::string &text, const std::string &fileName);

} // namespace lgc
