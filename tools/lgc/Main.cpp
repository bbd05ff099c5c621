//===- tools/lgc/Main.cpp - the lgc command line --------------------------===//
//
// Parses the command line with CLI11 (Debian's libcli11-dev: subcommands,
// typed options and --help for each, without hand-written parsing) and hands
// each subcommand its options. Bad command lines exit 2; nothing escapes as an
// uncaught exception.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontend/LayerReader.h"
#include "tools/lgc/Commands.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iostream>
#include <new>

namespace lgc {

int report(const Error &error) {
  std::cerr << error.str();
  return kExitBadInput;
}

int usageError(const std::string &message) {
  std::cerr << "lgc: error: " << message << "\n";
  return kExitUsage;
}

} // namespace lgc

namespace {

using namespace lgc;

const char *const kNoCacheHelp =
    "Compile afresh, neither reading nor writing the code cache ($XDG_CACHE_HOME/lgc, else "
    "~/.cache/lgc)";

void addModel(CLI::App *cmd, std::string &model) {
  cmd->add_option("MODEL", model, "Model file (YAML)")->required();
}

/// An integer in [lo, hi]. CLI11's Range says "not in range" for `abc` too,
/// and its unsigned conversion takes `-1` as 2^64-1; this says what it wants.
CLI::Validator integerIn(uint64_t lo, uint64_t hi) {
  std::string range = std::to_string(lo) + " to " + std::to_string(hi);
  auto check = [lo, hi, range](std::string &text) -> std::string {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && end == text.data() + text.size() && v >= lo && v <= hi) return "";
    return "expected an integer from " + range + ", got '" + text + "'";
  };
  return CLI::Validator(check, "INT in [" + std::to_string(lo) + " - " + std::to_string(hi) + "]");
}

void addBatch(CLI::App *cmd, int64_t &batch) {
  cmd->add_option("--batch", batch, "Override the batch size (N) of every input")
      ->check(integerIn(1, uint64_t(1) << 20));
}

void addThreads(CLI::App *cmd, int &threads) {
  cmd->add_option("--threads", threads, "Worker threads (default: the available cores)")
      ->check(integerIn(1, 1024));
}

CLI::Option *addSeed(CLI::App *cmd, uint64_t &seed, const std::string &what) {
  return cmd->add_option("--seed", seed, "Seed for " + what)
      ->check(integerIn(0, UINT64_MAX).description(""));
}

void addLayout(CLI::App *cmd, std::string &layout) {
  cmd->add_option("--layout", layout,
                  "How the kernels lay out 4-D activations: auto (channels in blocks of one "
                  "SIMD vector, nChw16c with AVX-512, where that pays), nchw (plain), or blocked "
                  "(every 4-D tensor, model inputs and outputs copied at the edges); results "
                  "are the same")
      ->check(CLI::IsMember({"auto", "nchw", "blocked"}))
      ->capture_default_str();
}

/// --target-cpu and --mattr: the CPU to `what` instead of this machine.
void addTarget(CLI::App *cmd, std::string &cpu, std::string &mattr, const std::string &what) {
  cmd->add_option("--target-cpu", cpu,
                  "The CPU to " + what +
                      ", as LLVM names it (haswell, skylake-avx512, x86-64-v3, ...; default: "
                      "this machine's)");
  cmd->add_option("--mattr", mattr,
                  "CPU features to add or remove, e.g. '+avx2,-avx512f' (default: the CPU's "
                  "own)");
}

/// CLI11 reports an unknown subcommand as a missing one; name it instead.
Error checkSubcommand(const CLI::App &app, int argc, char **argv) {
  if (argc < 2 || argv[1][0] == '-') return Error();
  std::vector<std::string> known;
  for (const CLI::App *sub : app.get_subcommands({})) known.push_back(sub->get_name());
  if (std::find(known.begin(), known.end(), argv[1]) != known.end()) return Error();
  std::string message = "unknown command '" + std::string(argv[1]) + "'";
  if (auto guess = closestMatch(argv[1], known)) message += "; did you mean '" + *guess + "'?";
  std::string list;
  for (const std::string &k : known) list += (list.empty() ? "" : ", ") + k;
  return Error::inFile("lgc", message + " (commands: " + list + ")");
}

int runCli(int argc, char **argv) {
  // Named, so that usage lines say "lgc", not the path it was run by.
  CLI::App app{"lgc: the layer graph compiler. Compiles neural networks described in YAML.", "lgc"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "lgc " LGC_VERSION);

  CheckOptions check;
  CLI::App *checkCmd =
      app.add_subcommand("check", "Parse, validate and infer shapes; print a summary table");
  addModel(checkCmd, check.model);
  addBatch(checkCmd, check.batch);

  DumpOptions dump;
  CLI::App *dumpCmd = app.add_subcommand("dump", "Print the model's IR at a chosen level");
  addModel(dumpCmd, dump.model);
  dumpCmd
      ->add_option("--emit", dump.emit,
                   "Level to print: graph (after shape inference), opt (after the graph "
                   "passes), dot (the graph after the passes, for Graphviz), loops (Loop IR "
                   "kernels), llvm (optimised LLVM IR), asm")
      ->check(CLI::IsMember(emitLevels()))
      ->capture_default_str();
  dumpCmd->add_flag("--print-after-all", dump.printAfterAll,
                    "Print the graph after every pass (and with --emit=loops the Loop IR after "
                    "every lowering step), under a header naming it");
  addBatch(dumpCmd, dump.batch);
  addLayout(dumpCmd, dump.layout);
  addTarget(dumpCmd, dump.targetCpu, dump.mattr, "lower and compile for");

  RunOptions run;
  CLI::App *runCmd = app.add_subcommand("run", "Run the model once and print its outputs");
  addModel(runCmd, run.model);
  runCmd->add_option("--weights", run.weights, "Weights (safetensors); default: seeded values");
  runCmd
      ->add_option("--input", run.inputs,
                   "[NAME=]FILE.npy or [NAME=]IMAGE for a model input (repeatable). An IMAGE "
                   "is a PNG, JPEG or BMP file (told by its name, else its first bytes), "
                   "converted to the input's channels (gray <-> RGB, alpha dropped), resized to "
                   "its H x W (bilinear, as PyTorch's align_corners=False), scaled to [0, 1], "
                   "normalised with --mean/--std, and repeated in every batch row; default: "
                   "seeded random")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  runCmd->add_option("--mean", run.mean,
                     "For image inputs: subtract this from each channel after scaling to "
                     "[0, 1]: one value, or one per channel as 'a,b,c' (default 0)");
  runCmd->add_option("--std", run.std,
                     "For image inputs: then divide each channel by this: one value, or one per "
                     "channel as 'a,b,c' (default 1)");
  runCmd->add_option("--output", run.outputs, "[NAME=]FILE.npy to write an output to (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  addThreads(runCmd, run.threads);
  addBatch(runCmd, run.batch);
  addSeed(runCmd, run.seed, "default weights and inputs")->capture_default_str();
  runCmd->add_option("--labels", run.labels,
                     "Class names, one per line, shown in the top-5 lines of 2-D outputs");
  runCmd->add_flag("--reference", run.reference,
                   "Run the plain reference interpreter (the correctness oracle)");
  runCmd->add_flag("--no-cache", run.noCache, kNoCacheHelp);
  addLayout(runCmd, run.layout);

  BenchOptions bench;
  CLI::App *benchCmd = app.add_subcommand(
      "bench", "Compile, then time repeated runs: compile time, median and minimum latency");
  addModel(benchCmd, bench.model);
  benchCmd->add_option("--weights", bench.weights, "Weights (safetensors); default: seeded values");
  addThreads(benchCmd, bench.threads);
  addBatch(benchCmd, bench.batch);
  benchCmd->add_option("--repeat", bench.repeat, "Timed runs (default: at least 10 and 1 s)")
      ->check(integerIn(1, 1000000));
  benchCmd
      ->add_option("--warmup-ms", bench.warmupMs,
                   "Untimed runs before timing, for at least this many ms (and one run; "
                   "default 200)")
      ->check(integerIn(0, 600000));
  addSeed(benchCmd, bench.seed, "default weights and inputs");
  benchCmd->add_flag("--json", bench.json, "Print one JSON object");
  benchCmd->add_flag("--profile", bench.profile,
                     "Add a per-layer table: median time, GFLOP/s, share of the total (with "
                     "--json: a \"layers\" list)");
  benchCmd->add_flag("--no-cache", bench.noCache, kNoCacheHelp);
  addLayout(benchCmd, bench.layout);

  CompileOptions compile;
  CLI::App *compileCmd = app.add_subcommand(
      "compile", "Compile ahead of time: an object file and a C header to link into a program");
  addModel(compileCmd, compile.model);
  compileCmd->add_option("-o,--output", compile.output, "The object file to write (OUT.o)")
      ->required();
  compileCmd->add_option("--header", compile.header, "The C header to write (default: OUT.h)");
  compileCmd->add_option("--weights", compile.weights,
                         "Weights (safetensors): checked now; embedded with --embed-weights");
  compileCmd->add_flag("--embed-weights", compile.embedWeights,
                       "Put the weights in the object (--weights, else the seeded defaults); "
                       "the program then passes NULL as weights_path");
  addTarget(compileCmd, compile.targetCpu, compile.mattr, "compile for");
  addBatch(compileCmd, compile.batch);
  addSeed(compileCmd, compile.seed, "embedded default weights");
  addLayout(compileCmd, compile.layout);

  ConfigOptions config;
  CLI::App *configCmd = app.add_subcommand(
      "config", "Print the compiler and linker flags a program using lgc compile output needs");
  configCmd->add_flag("--cflags", config.cflags, "Compiler flags (the runtime's headers)");
  configCmd->add_flag("--libs", config.libs, "Linker flags (the runtime library)");

  if (Error e = checkSubcommand(app, argc, argv)) return usageError(e.message());
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    std::cerr << "lgc: error: " << e.what() << "\nRun 'lgc --help' or 'lgc COMMAND --help'.\n";
    return kExitUsage;
  }
  if (checkCmd->parsed()) return runCheck(check);
  if (dumpCmd->parsed()) return runDump(dump);
  if (benchCmd->parsed()) return runBench(bench);
  if (compileCmd->parsed()) return runCompile(compile);
  if (configCmd->parsed()) {
    if (!config.cflags && !config.libs) return usageError("config: give --cflags, --libs or both");
    return runConfig(config);
  }
  return runRun(run);
}

} // namespace

int main(int argc, char **argv) {
  try {
    return runCli(argc, argv);
  } catch (const std::bad_alloc &) {
    std::cerr << "lgc: error: out of memory\n";
  } catch (const std::exception &e) {
    std::cerr << "lgc: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "lgc: internal error: unknown exception\n";
  }
  return kExitBadInput;
}
