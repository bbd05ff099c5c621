//===- compiler/aot/CInterface.h - the C face of a compiled model -*- C++ -*-===//
//
// SPEC §7: for `model: net` with input `image` and output `fc`, an object
// defines net_create, net_run and net_destroy, and a header declares them
// with the tensors' shapes as macros. Names become C identifiers (every
// character outside [A-Za-z0-9_] replaced by '_', a leading digit prefixed
// with '_', a C or C++ keyword suffixed with '_'); macros are upper-cased. This file decides those
// names and writes the header's text; AotCompiler.cpp defines the functions.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Error.h"
#include "runtime/ProgramImage.h"

#include <string>
#include <vector>

namespace lgc {

/// The C names of a model's interface.
struct CNames {
  std::string prefix;               ///< The model's name: net_create is prefix + "_create".
  std::string handle;               ///< net_run's first parameter ("m").
  std::vector<std::string> inputs;  ///< net_run's parameters, in model order,
  std::vector<std::string> outputs; ///< then these.
};

/// `name` as a C identifier.
std::string cIdentifier(const std::string &name);

/// The names for `image`, or an error when two tensors' names become the same
/// identifier or macro.
Expected<CNames> cNames(const ProgramImage &image);

/// The header's text. `embedded`: the weights are in the object.
std::string cHeader(const ProgramImage &image, const CNames &names, bool embedded);

} // namespace lgc
