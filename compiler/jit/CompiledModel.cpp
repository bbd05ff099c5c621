//===- compiler/jit/CompiledModel.cpp - a model compiled in memory --------===//
//
// 1. Look the graph up in the cache; on a hit take its object and image.
// 2. Otherwise generate the modules (lower, emit; one part per core), run
//    the kernels' passes and compile each part to an object on a thread of
//    its own, and store the objects and the image in the cache.
// 3. Link the objects into the JIT and find each step's kernel.
// 4. Link the Program: weights prepared from the parameters by recipe.
//
//===----------------------------------------------------------------------===//
#include "compiler/jit/CompiledModel.h"

#include "compiler/codegen/CodeGen.h"
#include "compiler/module/GenerateModule.h"
#include "runtime/ForEachOnThreads.h"
#include "runtime/ThreadPool.h"

#include <algorithm>
#include <chrono>

namespace lgc {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

} // namespace

namespace {

/// One module part optimised and compiled to an object, with the time each
/// stage took.
struct CompiledPart {
  Expected<std::string> object = std::string();
  double optimize = 0, codegen = 0;
};

CompiledPart compilePart(llvm::Module &module, const Target &target) {
  CompiledPart out;
  auto start = Clock::now();
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(target);
  if (!machine) {
    out.object = Error::internal("no LLVM target for " + target.triple);
    return out;
  }
  optimizeModule(module, *machine);
  out.optimize = msSince(start);
  start = Clock::now();
  out.object = emitObject(module, *machine);
  out.codegen = msSince(start);
  return out;
}

} // namespace

Error CompiledModel::generate(const Graph &graph, const std::vector<ParamSpec> &params,
                              const Target &target, LayoutPolicy layouts, CacheEntry &entry) {
  auto start = Clock::now();
  // One part per core: LLVM compiles a module on one thread.
  Expected<GeneratedModule> generated =
      generateModule(graph, params, target, layouts, ThreadPool::availableCores());
  if (!generated) return generated.takeError();
  timings_.lower = msSince(start);

  std::vector<CompiledPart> compiled(generated->parts.size());
  forEachOnThreads(compiled.size(), compiled.size(), [&](size_t i) {
    compiled[i] = compilePart(*generated->parts[i].module, target);
  });
  // The stages ran side by side: each takes as long as its slowest part.
  entry = {serializeProgramImage(generated->image), {}};
  for (CompiledPart &part : compiled) {
    if (!part.object) return part.object.takeError();
    timings_.optimize = std::max(timings_.optimize, part.optimize);
    timings_.codegen = std::max(timings_.codegen, part.codegen);
    entry.objects.push_back(std::move(*part.object));
  }
  image_ = std::move(generated->image);
  return Error();
}

Expected<std::unique_ptr<CompiledModel>>
CompiledModel::compile(const Graph &graph, const std::vector<ParamSpec> &params,
                       const WeightMap &weights, const Target &target, const JitOptions &options) {
  std::unique_ptr<CompiledModel> model(new CompiledModel());
  auto start = Clock::now();
  std::string key;
  std::optional<CacheEntry> entry;
  if (options.cache) {
    key = cacheKey(graph, params, target, options.layouts);
    entry = options.cache->load(key);
    if (entry) {
      Expected<ProgramImage> image = parseProgramImage(entry->image, options.cache->pathOf(key));
      if (image)
        model->image_ = std::move(*image);
      else
        entry.reset(); // Not trusted: compile afresh and overwrite it.
    }
  }
  model->timings_.cached = entry.has_value();
  model->timings_.load = entry ? msSince(start) : 0;
  if (!entry) {
    entry.emplace();
    if (Error e = model->generate(graph, params, target, options.layouts, *entry)) return e;
    // A cache that cannot be written only costs the next run its time.
    if (options.cache) (void)options.cache->store(key, *entry);
  }

  start = Clock::now();
  Expected<std::unique_ptr<Jit>> jit = Jit::create(target);
  if (!jit) return jit.takeError();
  model->jit_ = std::move(*jit);
  for (size_t i = 0; i < entry->objects.size(); ++i)
    if (Error e = model->jit_->addObject(entry->objects[i], graph.name + "." + std::to_string(i)))
      return e;
  std::vector<KernelFn> kernels;
  for (const StepImage &step : model->image_.steps) {
    Expected<void *> fn = model->jit_->lookup(step.symbol);
    if (!fn) return fn.takeError();
    kernels.push_back(reinterpret_cast<KernelFn>(*fn));
  }
  Expected<std::vector<Tensor>> prepared = prepareWeights(model->image_, weights);
  if (!prepared) return prepared.takeError();
  Expected<Program> program = linkProgram(model->image_, kernels, std::move(*prepared));
  if (!program) return program.takeError();
  model->program_ = std::move(*program);
  model->timings_.link = msSince(start);
  return model;
}

} // namespace lgc
