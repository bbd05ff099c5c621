//===- compiler/codegen/Target.cpp - the CPU code is built for ------------===//
#include "compiler/codegen/Target.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/MC/MCSubtargetInfo.h>
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

namespace {

/// Lanes of the widest f32 vectors `machine`'s subtarget has.
int vectorWidthOf(const llvm::TargetMachine &machine) {
  const llvm::MCSubtargetInfo *info = machine.getMCSubtargetInfo();
  if (info->checkFeatures("+avx512f")) return 16;
  if (info->checkFeatures("+avx2")) return 8;
  return 4;
}

/// Why `mattr` is not a list of +/- features, or "". The features known are
/// those LLVM detects on x86 hosts (LLVM itself would only warn).
std::string badFeature(const std::string &mattr) {
  llvm::StringMap<bool> known;
  llvm::sys::getHostCPUFeatures(known);
  llvm::SmallVector<llvm::StringRef> items;
  llvm::StringRef(mattr).split(items, ',', -1, false);
  for (llvm::StringRef item : items) {
    if (!item.startswith("+") && !item.startswith("-"))
      return "--mattr: feature '" + item.str() + "' must start with '+' or '-'";
    if (!known.count(item.drop_front()))
      return "--mattr: unknown CPU feature '" + item.drop_front().str() + "'";
  }
  return "";
}

} // namespace

Expected<Target> targetFor(const std::string &cpu, const std::string &mattr) {
  Target host = hostTarget();
  if (cpu.empty() && mattr.empty()) return host;
  Target t;
  t.triple = host.triple;
  t.cpu = cpu.empty() ? host.cpu : cpu;
  t.features = cpu.empty() ? host.features : "";
  // Checked on a generic subtarget: one for an unknown CPU would warn.
  initialiseLlvm();
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(t.triple, error);
  if (!target) return Error::internal("no LLVM target for " + t.triple + ": " + error);
  std::unique_ptr<llvm::MCSubtargetInfo> generic(
      target->createMCSubtargetInfo(t.triple, "generic", ""));
  if (!generic || !generic->isCPUStringValid(t.cpu))
    return Error::inFile("lgc", "--target-cpu: unknown CPU '" + t.cpu +
                                    "' (e.g. haswell, skylake-avx512, x86-64-v3)");
  if (std::string why = badFeature(mattr); !why.empty()) return Error::inFile("lgc", why);
  if (!mattr.empty()) t.features += (t.features.empty() ? "" : ",") + mattr;
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(t);
  if (!machine) return Error::internal("no LLVM target for " + t.triple);
  t.vectorWidth = vectorWidthOf(*machine);
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
