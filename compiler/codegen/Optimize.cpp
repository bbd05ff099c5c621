//===- compiler/codegen/Optimize.cpp - LLVM's pipeline and output ---------===//
//
// A short pass pipeline for the kernels (the new pass manager), and the
// module as output: an object file, LLVM IR or machine assembly.
//
//===----------------------------------------------------------------------===//
#include "compiler/codegen/CodeGen.h"

#include <llvm/IR/LegacyPassManager.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/raw_ostream.h>

namespace lgc {

/// The passes the kernels need, in order. Codegen has already unrolled,
/// vectorised and blocked the loops, so what is left is clean-up: the
/// always-inline body into its entry point, locals into registers (sroa),
/// repeated loads and index arithmetic merged (early-cse, gvn), address and
/// mask arithmetic folded (instcombine), and what does not change inside a
/// loop hoisted out of it (licm). LLVM's O3 adds loop unrolling, the
/// vectorisers and much more analysis of large loop bodies: several times
/// the compile time for the same kernel speed (docs/benchmarks.md#kpipeline).
constexpr const char *kPipeline =
    "always-inline,function(sroa,early-cse<memssa>,instcombine,simplifycfg,"
    "loop-mssa(licm),gvn,instcombine,simplifycfg)";

void optimizeModule(llvm::Module &module, llvm::TargetMachine &machine) {
  module.setDataLayout(machine.createDataLayout());
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager passes;
  if (llvm::Error e = builder.parsePassPipeline(passes, kPipeline))
    llvm::report_fatal_error(std::move(e)); // a bug: the list is a constant
  passes.run(module, mam);
}

Expected<std::string> emitObject(llvm::Module &module, llvm::TargetMachine &machine) {
  llvm::SmallString<0> bytes;
  llvm::raw_svector_ostream os(bytes);
  llvm::legacy::PassManager pm;
  if (machine.addPassesToEmitFile(pm, os, nullptr, llvm::CGFT_ObjectFile))
    return Error::internal("the target cannot emit object files");
  pm.run(module);
  return std::string(bytes.str());
}

std::string emitAssembly(llvm::Module &module, llvm::TargetMachine &machine) {
  llvm::SmallString<0> text;
  llvm::raw_svector_ostream os(text);
  llvm::legacy::PassManager pm;
  if (machine.addPassesToEmitFile(pm, os, nullptr, llvm::CGFT_AssemblyFile))
    return "; the target cannot emit assembly\n";
  pm.run(module);
  return std::string(text.str());
}

std::string printModule(const llvm::Module &module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os, nullptr);
  return os.str();
}

} // namespace lgc
