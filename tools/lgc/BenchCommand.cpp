//===- tools/lgc/BenchCommand.cpp - lgc bench -----------------------------===//
//
// Compile time (YAML to callable code, split into its stages), then latency
// over repeated runs after a warm-up (--warmup-ms, at least one run): median
// and minimum, GFLOP/s at the median, the activation arena's size against the
// largest set of buffers live at one step. --profile adds a per-layer table
// (each layer's median time over profiled runs); --json prints one JSON
// object instead of text, the profile in it as "layers".
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Driver.h"
#include "compiler/ir/ParamInit.h"
#include "runtime/Executor.h"
#include "runtime/MemoryPlan.h"
#include "tools/lgc/Commands.h"
#include "tools/lgc/ModelIO.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

namespace lgc {
namespace {

using Clock = std::chrono::steady_clock;

double msBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

/// Untimed runs, one (it allocates the outputs) and more until `warmupMs`
/// have passed: they page in the weights and let the cores' clocks and caches
/// settle, as the peers' harnesses do before they time (tools/peers/bench_peers.py
/// gives every engine the same).
TensorMap warmUp(Executor &executor, const TensorMap &inputs, int warmupMs) {
  auto begin = Clock::now();
  TensorMap outputs = executor.run(inputs);
  while (msBetween(begin, Clock::now()) < warmupMs) executor.run(inputs, outputs);
  return outputs;
}

/// Runs until `repeat` runs are done (or, when 0, at least 10 runs and 1 s).
std::vector<double> timeRuns(Executor &executor, const TensorMap &inputs, TensorMap &outputs,
                             int repeat) {
  std::vector<double> times;
  auto begin = Clock::now();
  while (repeat > 0 ? static_cast<int>(times.size()) < repeat
                    : times.size() < 10 || msBetween(begin, Clock::now()) < 1000.0) {
    auto t0 = Clock::now();
    executor.run(inputs, outputs);
    times.push_back(msBetween(t0, Clock::now()));
  }
  return times;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// Per-step median times over `runs` profiled runs (a median, so that a run
/// another process interrupts does not count).
std::vector<double> profileSteps(Executor &executor, const Program &program,
                                 const TensorMap &inputs, TensorMap &outputs, size_t runs) {
  std::vector<std::vector<double>> perStep(program.steps.size());
  std::vector<double> seconds;
  for (size_t r = 0; r < runs; ++r) {
    seconds.assign(program.steps.size(), 0.0);
    executor.runProfiled(inputs, outputs, seconds);
    for (size_t i = 0; i < seconds.size(); ++i) perStep[i].push_back(seconds[i]);
  }
  for (size_t i = 0; i < seconds.size(); ++i) seconds[i] = median(perStep[i]);
  return seconds;
}

/// The profile as JSON: one object per step.
nlohmann::ordered_json profileJson(const Program &program, const std::vector<double> &seconds) {
  double total = 0;
  for (double s : seconds) total += s;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (size_t i = 0; i < seconds.size(); ++i) {
    const Step &step = program.steps[i];
    layers.push_back({{"name", step.name},
                      {"ms", seconds[i] * 1e3},
                      {"gflops", seconds[i] > 0 ? step.flops / seconds[i] * 1e-9 : 0.0},
                      {"share", total > 0 ? seconds[i] / total : 0.0}});
  }
  return layers;
}

void printProfile(const Program &program, const std::vector<double> &seconds) {
  double total = 0;
  for (double s : seconds) total += s;
  std::printf("\n%-28s %10s %10s %7s\n", "layer", "ms", "GFLOP/s", "share");
  for (size_t i = 0; i < seconds.size(); ++i) {
    const Step &step = program.steps[i];
    double gflops = seconds[i] > 0 ? step.flops / seconds[i] * 1e-9 : 0;
    std::printf("%-28s %10.4f %10.1f %6.1f%%\n", step.name.c_str(), seconds[i] * 1e3, gflops,
                100.0 * seconds[i] / total);
  }
}

/// The most activation memory the program has live at one step (see
/// largestLiveSet): what the arena plan is measured against.
int64_t largestLiveSet(const Program &program) {
  std::vector<PlacedBuffer> buffers;
  for (const ArenaBuffer &b : program.buffers) buffers.push_back({b.offset, b.bytes, -1, -1});
  for (size_t i = 0; i < program.steps.size(); ++i)
    for (const BufferRef &ref : program.steps[i].args) {
      if (ref.kind != BufferKind::Arena) continue;
      PlacedBuffer &b = buffers[size_t(ref.index)];
      if (b.first < 0) b.first = int(i);
      b.last = int(i);
    }
  buffers.erase(std::remove_if(buffers.begin(), buffers.end(),
                               [](const PlacedBuffer &b) { return b.first < 0; }),
                buffers.end());
  return largestLiveSet(buffers);
}

} // namespace

int runBench(const BenchOptions &options) {
  auto start = Clock::now();
  Expected<Compilation> compilation =
      Compilation::open(options.model, DriverOptions(options.batch, layoutOption(options.layout)));
  if (!compilation) return report(compilation.takeError());
  const Graph *graph = &compilation->graph();
  Expected<WeightMap> weights = bindWeights(*graph, options.weights, options.seed);
  if (!weights) return report(weights.takeError());
  auto frontEnd = Clock::now();
  Expected<std::unique_ptr<CompiledModel>> model =
      compilation->compileJit(*weights, hostTarget(), !options.noCache);
  if (!model) return report(model.takeError());
  double compileMs = msBetween(start, Clock::now());
  const Program &program = (*model)->program();
  const CompileTimings &stages = (*model)->timings();

  Expected<TensorMap> inputs = loadInputs(*graph, {}, options.seed);
  if (!inputs) return report(inputs.takeError());
  int threads = threadCount(options.threads);
  Executor executor(program, threads);
  TensorMap outputs = warmUp(executor, *inputs, options.warmupMs);
  std::vector<double> times = timeRuns(executor, *inputs, outputs, options.repeat);
  double flops = 0;
  for (const Step &s : program.steps) flops += s.flops;
  double med = median(times), best = *std::min_element(times.begin(), times.end());
  int64_t batch = program.inputShapes.empty() ? 1 : program.inputShapes[0][0];

  if (options.json) {
    nlohmann::ordered_json j;
    j["model"] = graph->name;
    j["compile_ms"] = compileMs;
    j["compile_stages_ms"] = {{"front_end", msBetween(start, frontEnd)},
                              {"lower", stages.lower},
                              {"llvm_optimize", stages.optimize},
                              {"codegen", stages.codegen},
                              {"cache_load", stages.load},
                              {"link", stages.link}};
    j["cached"] = stages.cached;
    j["median_ms"] = med;
    j["min_ms"] = best;
    j["runs"] = times.size();
    j["threads"] = threads;
    j["batch"] = batch;
    j["gflops"] = flops / (med * 1e-3) * 1e-9;
    j["arena_bytes"] = program.arenaBytes;
    j["largest_live_bytes"] = largestLiveSet(program);
    if (options.profile)
      j["layers"] = profileJson(program, profileSteps(executor, program, *inputs, outputs,
                                                      std::max<size_t>(3, times.size() / 2)));
    std::cout << j.dump() << "\n";
    return kExitOk;
  } else {
    std::printf("model %s: %zu kernels, batch %lld, %d threads\n", graph->name.c_str(),
                program.steps.size(), static_cast<long long>(batch), threads);
    if (stages.cached)
      std::printf("compile   %.1f ms (front end %.1f, cached code %.1f, link %.1f)\n", compileMs,
                  msBetween(start, frontEnd), stages.load, stages.link);
    else
      std::printf("compile   %.1f ms (front end %.1f, lower %.1f, LLVM optimise %.1f, codegen "
                  "%.1f, link %.1f)\n",
                  compileMs, msBetween(start, frontEnd), stages.lower, stages.optimize,
                  stages.codegen, stages.link);
    std::printf("latency   median %.4f ms, min %.4f ms over %zu runs\n", med, best, times.size());
    std::printf("speed     %.2f GFLOP/s at the median (%.3f GFLOP per run)\n",
                flops / (med * 1e-3) * 1e-9, flops * 1e-9);
    int64_t live = largestLiveSet(program);
    std::printf("arena     %lld bytes (largest live set %lld bytes, arena %.2fx it)\n",
                static_cast<long long>(program.arenaBytes), static_cast<long long>(live),
                live > 0 ? double(program.arenaBytes) / double(live) : 1.0);
  }
  if (options.profile)
    printProfile(program, profileSteps(executor, program, *inputs, outputs,
                                       std::max<size_t>(3, times.size() / 2)));
  return kExitOk;
}

} // namespace lgc
