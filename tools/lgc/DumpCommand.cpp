//===- tools/lgc/DumpCommand.cpp - lgc dump -------------------------------===//
//
// Prints the IR at the level --emit names. The levels form an ordered list
// (as in MLIR's Toy driver): each runs the stages before it, so the function
// is one straight line that stops where the requested level is printed.
// With --print-after-all, the graph after every pass and, for the loops, the
// Loop IR after every lowering step, under a header naming the pass or step. `dot` is the `opt`
// stage printed for Graphviz instead of as text.
//
//===----------------------------------------------------------------------===//
#include "compiler/codegen/CodeGen.h"
#include "compiler/driver/Driver.h"
#include "compiler/ir/DotPrinter.h"
#include "compiler/ir/Printer.h"
#include "tools/lgc/Commands.h"

#include <iostream>

namespace lgc {
namespace {

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

/// The driver's options for `options`: --print-after-all prints the graph
/// after every pass, and for --emit=loops the Loop IR after every lowering
/// step.
static DriverOptions driverOptions(const DumpOptions &options, Level level) {
  DriverOptions driver;
  driver.batch = options.batch;
  driver.layouts = layoutOption(options.layout);
  if (!options.printAfterAll) return driver;
  driver.afterPass = [](const std::string &pass, const Graph &graph) {
    std::cout << "// ----- IR after " << pass << " -----\n" << printGraph(graph);
  };
  if (level == Level::Loops)
    driver.afterLowerStep = [](const std::string &step, const Graph &graph,
                               const LoweredModel &model) {
      std::cout << "// ----- Loop IR after " << step << " -----\n"
                << printLoweredModel(model, graph, true);
    };
  return driver;
}

int runDump(const DumpOptions &options) {
  Level level = levelOf(options.emit);
  Expected<Target> target = targetFor(options.targetCpu, options.mattr);
  if (!target) return usageError(target.error().message());
  Expected<Compilation> compilation =
      Compilation::open(options.model, driverOptions(options, level));
  if (!compilation) return report(compilation.takeError());
  const Graph &graph = compilation->graph();
  bool quiet = options.printAfterAll; // the passes printed it
  if (level == Level::Graph) {
    if (!quiet) std::cout << printGraph(graph);
    return kExitOk;
  }

  // The code depends on the parameters' shapes only, so no values are needed.
  if (Error e = compilation->optimize()) return report(e);
  if (level == Level::Opt || level == Level::Dot) {
    if (level == Level::Dot)
      std::cout << printDot(graph);
    else if (!quiet)
      std::cout << printGraph(graph);
    return kExitOk;
  }
  if (level == Level::Loops) {
    Expected<LoweredModel> lowered = compilation->lower(*target);
    if (!lowered) return report(lowered.takeError());
    if (!quiet) std::cout << printLoweredModel(*lowered, graph);
    return kExitOk;
  }

  Expected<GeneratedModule> generated = compilation->generate(*target);
  if (!generated) return report(generated.takeError());
  llvm::Module *module = generated->parts.front().module.get();
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(*target);
  if (!machine) return report(Error::internal("no LLVM target for " + target->triple));
  optimizeModule(*module, *machine);
  std::cout << (level == Level::Llvm ? printModule(*module) : emitAssembly(*module, *machine));
  return kExitOk;
}

} // namespace lgc
