//===- compiler/jit/CompiledModel.cpp - a model compiled in memory --------===//
//
// 1. Look the graph up in the cache; on a hit take its object and image.
// 2. Otherwise generate the module (lower, emit), run the kernels' passes,
//    compile it to an object, and store object and image in the cache.
// 3. Link the object into the JIT and find each step's kernel.
// 4. Link the Program: weights prepared from the parameters by recipe.
//
//===----------------------------------------------------------------------===//
#include "compiler/jit/CompiledModel.h"

#include "compiler/codegen/CodeGen.h"
#include "compiler/jit/GenerateModule.h"

#include <chrono>

namespace lgc {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

} // namespace

Error CompiledModel::generate(const Graph &graph, const std::vector<ParamSpec> &params,
                              const Target &target, LayoutPolicy layouts, CacheEntry &entry) {
  auto start = Clock::now();
  Expected<GeneratedModule> generated = generateModule(graph, params, target, layouts);
  if (!generated) return generated.takeError();
  timings_.lower = msSince(start);

  start = Clock::now();
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(target);
  if (!machine) return Error::internal("no LLVM target for " + target.triple);
  optimizeModule(*generated->module, *machine);
  timings_.optimize = msSince(start);

  start = Clock::now();
  Expected<std::string> object = emitObject(*generated->module, *machine);
  if (!object) return object.takeError();
  timings_.codegen = msSince(start);
  entry = {serializeProgramImage(generated->image), std::move(*object)};
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
  if (Error e = model->jit_->addObject(entry->object, graph.name)) return e;
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
