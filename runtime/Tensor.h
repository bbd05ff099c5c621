//===- runtime/Tensor.h - dense float32 tensors -----------------*- C++ -*-===//
//
// The one tensor type lgc moves around outside compiled code: a shape and a
// contiguous, row-major (C order) float32 buffer.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lgc {

/// Dimensions, outermost first (N, C, H, W for images).
using Shape = std::vector<int64_t>;

/// Product of the dimensions (1 for a scalar shape).
int64_t numElements(const Shape &shape);

/// Product of the dimensions [from, to) (1 when empty).
int64_t extent(const Shape &shape, size_t from, size_t to);

/// "[1, 3, 224, 224]", the form every message and dump uses.
std::string formatShape(const Shape &shape);

/// A row-major float32 tensor that owns its data.
struct Tensor {
  Shape shape;
  std::vector<float> data;

  Tensor() = default;
  /// A zero-filled tensor of the given shape.
  explicit Tensor(Shape s);

  int64_t size() const { return static_cast<int64_t>(data.size()); }
};

/// Tensors by name: a model's inputs or outputs.
using TensorMap = std::map<std::string, Tensor>;

} // namespace lgc
