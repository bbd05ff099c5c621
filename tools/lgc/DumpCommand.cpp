//===- tools/lgc/DumpCommand.cpp - lgc dump -------------------------------===//
//
// Prints the IR at the level --emit names. The levels form an ordered list
// (as in MLIR's Toy driver): each runs the stages before it, so the function
// is one straight line that stops where the requested level is printed.
// With --print-after-all, the graph after every pass, under a header naming
// the pass. `dot` is the `opt` stage printed for Graphviz instead of as text.
//
//===----------------------------------------------------------------------===//
#include "compiler/codegen/CodeGen.h"
#include "compiler/ir/DotPrinter.h"
#include "compiler/ir/ParamInit.h"
#include "compiler/ir/Printer.h"
#include "compiler/jit/GenerateModule.h"
#include "compiler/lower/Lower.h"
#include "compiler/passes/Pipeline.h"
#include "tools/lgc/Commands.h"
#include "tools/lgc/Compile.h"

#include <iostream>

namespace lgc {
namespace {

/// A kernel's loops, or for one sharing an earlier kernel's code, its
/// weights' recipes and the kernel it calls.
std::string printLoweredKernel(const LoweredKernel &k) {
  if (k.sameAs.empty()) return loop::printKernel(k.kernel);
  return loop::printRecipes(k.kernel) + "kernel " + k.kernel.name + " = " + k.sameAs +
         "  // the same loops\n";
}

enum class Level { Graph, Opt, Dot, Loops, Llvm, Asm };

Level levelOf(const std::string &emit) {
  if (emit == "opt") return Level::Opt;
  if (emit == "dot") return Level::Dot;
  if (emit == "loops") return Level::Loops;
  if (emit == "llvm") return Level::Llvm;
  if (emit == "asm") return Level::Asm;
  return Level::Graph;
}

} // namespace

const std::vector<std::string> &emitLevels() {
  static const std::vector<std::string> levels{"graph", "opt", "dot", "loops", "llvm", "asm"};
  return levels;
}

int runDump(const DumpOptions &options) {
  Level level = levelOf(options.emit);
  Expected<Target> chosen = targetFor(options.targetCpu, options.mattr);
  if (!chosen) return usageError(chosen.error().message());
  PipelineOptions pipeline;
  pipeline.batch = options.batch;
  if (options.printAfterAll)
    pipeline.afterPass = [](const std::string &pass, const Graph &graph) {
      std::cout << "// ----- IR after " << pass << " -----\n" << printGraph(graph);
    };
  Expected<Graph> graph = buildGraph(options.model, pipeline);
  if (!graph) return report(graph.takeError());
  if (level == Level::Graph) {
    if (!options.printAfterAll) std::cout << printGraph(*graph);
    return kExitOk;
  }

  // The code depends on the parameters' shapes only, so no values are needed.
  std::vector<ParamSpec> params = paramSpecs(*graph);
  WeightMap none;
  if (Error e = optimizeGraph(*graph, none, pipeline)) return report(e);
  if (level == Level::Opt) {
    if (!options.printAfterAll) std::cout << printGraph(*graph);
    return kExitOk;
  }
  if (level == Level::Dot) {
    std::cout << printDot(*graph);
    return kExitOk;
  }

  const Target &target = *chosen;
  LayoutPolicy layouts = layoutOption(options.layout);
  if (level == Level::Loops) {
    Expected<LoweredModel> lowered = lowerGraph(*graph, LowerOptions{target.vectorWidth, layouts});
    if (!lowered) return report(lowered.takeError());
    for (const LoweredKernel &k : lowered->kernels) std::cout << printLoweredKernel(k);
    auto name = [&](int storage) {
      return graph->value(lowered->storage[size_t(storage)].value).name;
    };
    for (const ValueAlias &a : lowered->aliases)
      std::cout << "// " << name(a.value) << " is written in place into " << name(a.within) << ", "
                << a.offset << " elements in\n";
    return kExitOk;
  }

  Expected<GeneratedModule> generated = generateModule(*graph, params, target, layouts);
  if (!generated) return report(generated.takeError());
  llvm::Module *module = generated->parts.front().module.get();
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(target);
  if (!machine) return report(Error::internal("no LLVM target for " + target.triple));
  optimizeModule(*module, *machine);
  std::cout << (level == Level::Llvm ? printModule(*module) : emitAssembly(*module, *machine));
  return kExitOk;
}

} // namespace lgc
