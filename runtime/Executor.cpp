//===- runtime/Executor.cpp - running a compiled Program ------------------===//
//
// The executor owns the activation arena (one 64-byte aligned block, zeroed
// once) and a thread pool. Running a step resolves each of its BufferRefs to
// a pointer (the caller's inputs and outputs, the program's weights, or an
// offset into the arena) in a reused argument array, then splits the step's
// parallel loop over the pool; steps run strictly in order.
//
//===----------------------------------------------------------------------===//
#include "runtime/Executor.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstring>
#include <new>

namespace lgc {
namespace {

/// What the pool's trampoline needs to call one kernel.
struct KernelCall {
  KernelFn fn;
  float *const *args;
};

void callKernel(void *ctx, int64_t begin, int64_t end) {
  const KernelCall *call = static_cast<const KernelCall *>(ctx);
  call->fn(call->args, begin, end);
}

size_t maxArgs(const Program &program) {
  size_t most = 0;
  for (const Step &step : program.steps) most = std::max(most, step.args.size());
  return most;
}

/// A zeroed, 64-byte aligned block of `bytes`, or empty for 0.
FloatBuffer allocateArena(int64_t bytes) {
  static_assert(LargeBlockAllocator<float>::kLarge % 64 == 0);
  // Small blocks come from operator new, 16-byte aligned: make them large.
  size_t floats = std::max<size_t>(size_t(bytes), LargeBlockAllocator<float>::kLarge) / 4;
  return bytes > 0 ? FloatBuffer(floats) : FloatBuffer();
}

/// Float-aligned offsets: an in-place Concat's inputs sit at any element
/// offset inside its output (the planner's own buffers are 64-byte aligned).
[[maybe_unused]] bool buffersFitArena(const Program &program) {
  return std::all_of(program.buffers.begin(), program.buffers.end(), [&](const ArenaBuffer &b) {
    return b.offset >= 0 && b.offset % 4 == 0 && b.offset + b.bytes <= program.arenaBytes;
  });
}

/// The bytes a step's buffers hold.
int64_t stepBytes(const Program &program, const Step &step) {
  int64_t bytes = 0;
  for (const BufferRef &ref : step.args) {
    switch (ref.kind) {
    case BufferKind::Input:
      bytes += numElements(program.inputShapes[size_t(ref.index)]) * 4;
      break;
    case BufferKind::Output:
      bytes += numElements(program.outputShapes[size_t(ref.index)]) * 4;
      break;
    case BufferKind::Weight:
      bytes += program.weights[size_t(ref.index)].size() * 4;
      break;
    case BufferKind::Arena:
      bytes += program.buffers[size_t(ref.index)].bytes;
      break;
    }
  }
  return bytes;
}

/// Steps below both limits run on the calling thread: waking another thread
/// and waiting for it costs more than such a step gains. Small programs'
/// larger steps gain from splitting too, so there is no whole-program
/// limit (docs/benchmarks.md#kinlineflops).
constexpr double kInlineFlops = 5e4;
constexpr int64_t kInlineBytes = 1 << 20;

} // namespace

Executor::Executor(const Program &program, int threads)
    : program_(program), pool_(threads), arena_(allocateArena(program.arenaBytes)),
      args_(maxArgs(program), nullptr) {
  assert(buffersFitArena(program) && "every arena buffer lies inside the arena");
  for (const Step &step : program.steps)
    inline_.push_back(step.flops < kInlineFlops && stepBytes(program, step) < kInlineBytes);
}

void Executor::runStep(size_t i, const float *const *inputs, float *const *outputs) {
  const Step &step = program_.steps[i];
  for (size_t a = 0; a < step.args.size(); ++a) {
    const BufferRef &ref = step.args[a];
    switch (ref.kind) {
    case BufferKind::Input:
      args_[a] = const_cast<float *>(inputs[ref.index]);
      break;
    case BufferKind::Output:
      args_[a] = outputs[ref.index];
      break;
    case BufferKind::Weight:
      args_[a] = const_cast<float *>(program_.weights[ref.index].data.data());
      break;
    case BufferKind::Arena:
      args_[a] = reinterpret_cast<float *>(reinterpret_cast<char *>(arena_.data()) +
                                           program_.buffers[ref.index].offset);
      break;
    }
  }
  if (inline_[i]) {
    step.fn(args_.data(), 0, step.parallelExtent);
    return;
  }
  KernelCall call{step.fn, args_.data()};
  pool_.parallelFor(step.parallelExtent, callKernel, &call);
}

void Executor::run(const float *const *inputs, float *const *outputs) {
  for (size_t i = 0; i < program_.steps.size(); ++i) runStep(i, inputs, outputs);
}

namespace {

/// The buffers of named tensors in the program's input and output order.
struct NamedBuffers {
  std::vector<const float *> inputs;
  std::vector<float *> outputs;

  NamedBuffers(const Program &program, const TensorMap &in, TensorMap &out) {
    for (const std::string &name : program.inputNames) inputs.push_back(in.at(name).data.data());
    for (const std::string &name : program.outputNames) outputs.push_back(out.at(name).data.data());
  }
};

} // namespace

void Executor::run(const TensorMap &inputs, TensorMap &outputs) {
  NamedBuffers buffers(program_, inputs, outputs);
  run(buffers.inputs.data(), buffers.outputs.data());
}

TensorMap Executor::run(const TensorMap &inputs) {
  TensorMap outputs;
  for (size_t i = 0; i < program_.outputNames.size(); ++i)
    outputs[program_.outputNames[i]] = Tensor(program_.outputShapes[i]);
  run(inputs, outputs);
  return outputs;
}

void Executor::runProfiled(const TensorMap &inputs, TensorMap &outputs,
                           std::vector<double> &stepSeconds) {
  NamedBuffers buffers(program_, inputs, outputs);
  runProfiled(buffers.inputs.data(), buffers.outputs.data(), stepSeconds);
}

void Executor::runProfiled(const float *const *inputs, float *const *outputs,
                           std::vector<double> &stepSeconds) {
  using Clock = std::chrono::steady_clock;
  stepSeconds.resize(program_.steps.size(), 0.0);
  for (size_t i = 0; i < program_.steps.size(); ++i) {
    Clock::time_point start = Clock::now();
    runStep(i, inputs, outputs);
    stepSeconds[i] += std::chrono::duration<double>(Clock::now() - start).count();
  }
}

} // namespace lgc
