//===- runtime/Executor.h - running a compiled Program ----------*- C++ -*-===//
//
// Runs a Program's steps in order over one activation arena, each kernel's
// parallel loop split over the thread pool (but for steps too small to gain
// from it). Used by `lgc run`, `lgc bench` and ahead-of-time programs.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Program.h"
#include "runtime/ThreadPool.h"

#include <cstdlib>
#include <memory>
#include <vector>

namespace lgc {

class Executor {
public:
  /// `program` must outlive the executor. `threads` >= 1.
  Executor(const Program &program, int threads);

  /// Runs every step. `inputs` and `outputs` hold one pointer per model input
  /// and output, in model order, each to a buffer of that tensor's shape.
  void run(const float *const *inputs, float *const *outputs);

  /// As run, and adds each step's wall time in seconds to `stepSeconds`
  /// (resized to the number of steps).
  void runProfiled(const float *const *inputs, float *const *outputs,
                   std::vector<double> &stepSeconds);

  /// Runs on named tensors: `inputs` holds every model input by name;
  /// `outputs` every model output, already of its shape.
  void run(const TensorMap &inputs, TensorMap &outputs);
  /// As above, allocating (zeroed) outputs.
  TensorMap run(const TensorMap &inputs);
  void runProfiled(const TensorMap &inputs, TensorMap &outputs, std::vector<double> &stepSeconds);

  int64_t arenaBytes() const { return program_.arenaBytes; }

private:
  void runStep(size_t i, const float *const *inputs, float *const *outputs);

  const Program &program_;
  ThreadPool pool_;
  /// Per step: too small to split, so run on the calling thread.
  std::vector<bool> inline_;
  FloatBuffer arena_; ///< 2 MiB aligned (a large block); empty when the plan is.
  std::vector<float *> args_;
};

} // namespace lgc
