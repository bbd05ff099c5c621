//===- runtime/Npy.h - NumPy .npy tensors -----------------------*- C++ -*-===//
//
// Reads and writes NumPy's .npy format (versions 1.0 and 2.0, dtype '<f4',
// C order), the format of lgc's inputs and outputs. Files are untrusted: every
// header field is checked and a wrong file is a `FILE: error:`, never a crash.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Error.h"
#include "runtime/Tensor.h"

#include <string>

namespace lgc {

/// Reads a little-endian float32, C-order .npy file (v1 or v2 header).
Expected<Tensor> readNpy(const std::string &path);

/// Writes `t` as a v1 .npy file with writeFileAtomically (runtime/AtomicFile.h):
/// the file is either complete or absent, and an existing one is replaced whole.
Error writeNpy(const std::string &path, const Tensor &t);

} // namespace lgc
