//===- runtime/Program.h - a compiled model, ready to run -------*- C++ -*-===//
//
// What the compiler hands the runtime: a list of steps, each a compiled kernel
// with the buffers it reads and writes, plus the activation arena's layout and
// the (already re-laid-out) weights. Both the JIT path and ahead-of-time
// programs build one and run it with the Executor. No LLVM here.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lgc {

/// A compiled kernel. It runs iterations [begin, end) of its outermost
/// parallel loop (a kernel without one has one iteration: 0..1); `args` are
/// its buffers, in the order of Step::args.
using KernelFn = void (*)(float *const *args, int64_t begin, int64_t end);

/// Where one kernel argument lives.
enum class BufferKind {
  Input,  ///< The caller's model input `index`.
  Output, ///< The caller's model output `index`.
  Weight, ///< Program::weights[index].
  Arena,  ///< Program::buffers[index], inside the activation arena.
};

struct BufferRef {
  BufferKind kind = BufferKind::Arena;
  int64_t index = 0;
};

/// One kernel call.
struct Step {
  std::string name; ///< The layer (or fused layers) it computes.
  KernelFn fn = nullptr;
  int64_t parallelExtent = 1; ///< Iterations split across threads.
  std::vector<BufferRef> args;
  double flops = 0; ///< Floating-point operations, for GFLOP/s in profiles.
};

/// An activation buffer in the arena.
struct ArenaBuffer {
  int64_t bytes = 0;
  int64_t offset = 0; ///< Set by the memory plan; 64-byte aligned.
};

struct Program {
  std::vector<Step> steps;
  std::vector<ArenaBuffer> buffers;
  int64_t arenaBytes = 0;
  std::vector<Tensor> weights;
  std::vector<std::string> inputNames, outputNames;
  std::vector<Shape> inputShapes, outputShapes;
};

} // namespace lgc
