//===- compiler/ir/ParamInit.h - default parameter values -------*- C++ -*-===//
//
// Without a weights file every parameter gets a seeded value, so that every
// model runs out of the box. The ranges follow PyTorch's default
// initialisation for weights and biases (uniform in ±1/sqrt(fan_in)); the
// BatchNorm statistics are spread around PyTorch's defaults (mean 0, var 1,
// weight 1, bias 0) so that BatchNorm does visible work.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Graph.h"
#include "runtime/Weights.h"

#include <vector>

namespace lgc {

/// Every parameter of `graph`, in node order, with its default init range.
std::vector<ParamSpec> paramSpecs(const Graph &graph);

} // namespace lgc
