//===- compiler/codegen/Target.h - the CPU code is built for ----*- C++ -*-===//
//
// The target's triple, CPU name and features (the host's unless told
// otherwise), and what follows from them for lowering: the SIMD width.
//
//===----------------------------------------------------------------------===//
#pragma once

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

/// Initialises LLVM's native target once per process.
void initialiseLlvm();

/// A TargetMachine for `target`, optimising aggressively.
std::unique_ptr<llvm::TargetMachine> createTargetMachine(const Target &target);

} // namespace lgc
