//===- compiler/codegen/Target.cpp - the CPU code is built for ------------===//
#include "compiler/codegen/Target.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/TargetSelect.h>

#include <algorithm>
#include <mutex>
#include <vector>

namespace lgc {

void initialiseLlvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

Target hostTarget() {
  Target t;
  t.triple = llvm::sys::getProcessTriple();
  t.cpu = llvm::sys::getHostCPUName().str();
  llvm::StringMap<bool> features;
  llvm::sys::getHostCPUFeatures(features);
  std::vector<std::string> names;
  for (const auto &f : features) names.push_back((f.second ? "+" : "-") + f.first().str());
  std::sort(names.begin(), names.end());
  for (const std::string &n : names) t.features += (t.features.empty() ? "" : ",") + n;
  t.vectorWidth = features.lookup("avx512f") ? 16 : features.lookup("avx2") ? 8 : 4;
  return t;
}

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const Target &target) {
  initialiseLlvm();
  std::string error;
  const llvm::Target *t = llvm::TargetRegistry::lookupTarget(target.triple, error);
  if (!t) return nullptr;
  llvm::TargetOptions options;
  return std::unique_ptr<llvm::TargetMachine>(
      t->createTargetMachine(target.triple, target.cpu, target.features, options, llvm::Reloc::PIC_,
                             std::nullopt, llvm::CodeGenOpt::Aggressive));
}

} // namespace lgc
