//===- compiler/codegen/Target.h - the CPU code is built for ----*- C++ -*-===//
//
// The target's triple, CPU name and features (the host's unless told
// otherwise), and what follows from them for lowering: the SIMD width.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Error.h"

#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <string>

namespace lgc {

struct Target {
  std::string triple;
  std::string cpu;
  std::string features; ///< "+avx2,+fma,..." as LLVM spells them.
  int vectorWidth = 4;  ///< f32 lanes: 16 with AVX-512, 8 with AVX2, else 4.
};

/// The machine lgc runs on (llvm::sys::getHostCPUName and features).
Target hostTarget();

/// An x86-64 CPU other than the host: `cpu` (empty: the host's, with its
/// features) and `mattr` (LLVM's spelling, "+avx2,-avx512f"; applied on top
/// of the CPU's own features). An unknown CPU or feature is an error, as
/// LLVM would only warn.
Expected<Target> targetFor(const std::string &cpu, const std::string &mattr);

/// Initialises LLVM's native target once per process.
void initialiseLlvm();

/// A TargetMachine for `target`, optimising aggressively.
std::unique_ptr<llvm::TargetMachine> createTargetMachine(const Target &target);

} // namespace lgc
