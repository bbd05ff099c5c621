//===- tools/lgc/Main.cpp - the lgc command line --------------------------===//
//
// Parses the command line with CLI11 (Debian's libcli11-dev: subcommands,
// typed options and --help for each, without hand-written parsing) and hands
// each subcommand its options. Bad command lines exit 2; nothing escapes as an
// uncaught exception.
//
//===----------------------------------------------------------------------===//
#include "tools/lgc/Commands.h"

#include <CLI/CLI.hpp>

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

void addModel(CLI::App *cmd, std::string &model) {
  cmd->add_option("MODEL", model, "Model file (YAML)")->required();
}

void addBatch(CLI::App *cmd, int64_t &batch) {
  cmd->add_option("--batch", batch, "Override the batch size (N) of every input")
      ->check(CLI::Range(int64_t(1), int64_t(1) << 20));
}

int runCli(int argc, char **argv) {
  CLI::App app{"lgc: the layer graph compiler. Compiles neural networks described in YAML."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "lgc 0.1.0");

  CheckOptions check;
  CLI::App *checkCmd =
      app.add_subcommand("check", "Parse, validate and infer shapes; print a summary table");
  addModel(checkCmd, check.model);
  addBatch(checkCmd, check.batch);

  DumpOptions dump;
  CLI::App *dumpCmd = app.add_subcommand("dump", "Print the model's IR at a chosen level");
  addModel(dumpCmd, dump.model);
  dumpCmd->add_option("--emit", dump.emit, "Level to print: graph (after shape inference)")
      ->check(CLI::IsMember({"graph"}))
      ->capture_default_str();
  dumpCmd->add_flag("--print-after-all", dump.printAfterAll,
                    "Print the graph after every pass, under a header naming the pass");
  addBatch(dumpCmd, dump.batch);

  RunOptions run;
  CLI::App *runCmd = app.add_subcommand("run", "Run the model once and print its outputs");
  addModel(runCmd, run.model);
  runCmd->add_option("--weights", run.weights, "Weights (safetensors); default: seeded values");
  runCmd
      ->add_option("--input", run.inputs,
                   "[NAME=]FILE.npy for a model input (repeatable); default: seeded random")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  runCmd->add_option("--output", run.outputs, "[NAME=]FILE.npy to write an output to (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  runCmd->add_option("--threads", run.threads, "Worker threads (default: the available cores)")
      ->check(CLI::Range(1, 1024));
  addBatch(runCmd, run.batch);
  runCmd->add_option("--seed", run.seed, "Seed for default weights and inputs")
      ->capture_default_str();
  runCmd->add_flag("--reference", run.reference,
                   "Run the plain reference interpreter (the correctness oracle)");

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
