//===- compiler/frontend/OpAttrs.h - each op's parameters -------*- C++ -*-===//
//
// The parameters each operator takes in a model file, their types, defaults
// (PyTorch's) and allowed ranges, read into normalised attributes.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/frontend/LayerReader.h"

namespace lgc {

/// The parameter keys `op` accepts (besides name, op and input).
const std::vector<std::string> &paramKeys(OpKind op);

/// Reads `op`'s parameters from the layer; throws ParseFailure on a missing,
/// mistyped or out-of-range value, or a combination PyTorch rejects.
Attrs readAttrs(LayerReader &reader, OpKind op);

} // namespace lgc
