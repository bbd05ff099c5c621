//===- compiler/driver/BuildGraph.h - a model file to a checked graph -*- C++ -*-===//
//
// The front half of the pipeline, apart from Driver.h so that a program that
// only reads models (the fuzz targets) includes no LLVM header and links no
// LLVM.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/passes/Pipeline.h"

#include <string>

namespace lgc {

/// Reads the model file at `path` with the front end its name calls for,
/// then prepareGraph: a verified graph with every shape.
Expected<Graph> buildGraph(const std::string &path, const PipelineOptions &options = {});

} // namespace lgc
