//===- runtime/Tensor.h - dense float32 tensors -----------------*- C++ -*-===//
//
// The one tensor type lgc moves around outside compiled code: a shape and a
// contiguous, row-major (C order) float32 buffer.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <algorithm>
#include <cstddef>
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

/// Memory for large blocks straight from the kernel, 2 MiB aligned and
/// advised to use transparent huge pages; small blocks from operator new.
/// The first touch of a fresh block costs a page fault per page, which on
/// virtual machines is slow, with 4 KiB pages far more than with 2 MiB ones
/// (docs/benchmarks.md#allocatelarge): weights and arenas are touched once,
/// whole.
void *allocateLarge(size_t bytes);
void freeLarge(void *p, size_t bytes);

/// A std::allocator that sends blocks of 1 MiB and more to allocateLarge.
template <typename T> struct LargeBlockAllocator {
  using value_type = T;
  static constexpr size_t kLarge = size_t(1) << 20;
  LargeBlockAllocator() = default;
  template <typename U> LargeBlockAllocator(const LargeBlockAllocator<U> &) {}
  T *allocate(size_t n) {
    return static_cast<T *>(n * sizeof(T) >= kLarge ? allocateLarge(n * sizeof(T))
                                                    : ::operator new(n * sizeof(T)));
  }
  void deallocate(T *p, size_t n) {
    if (n * sizeof(T) >= kLarge)
      freeLarge(p, n * sizeof(T));
    else
      ::operator delete(p);
  }
  template <typename U> bool operator==(const LargeBlockAllocator<U> &) const { return true; }
  template <typename U> bool operator!=(const LargeBlockAllocator<U> &) const { return false; }
};

/// A tensor's values.
using FloatBuffer = std::vector<float, LargeBlockAllocator<float>>;

/// Comparisons with plain vectors (tests compare a tensor's data with a list).
inline bool operator==(const FloatBuffer &a, const std::vector<float> &b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}
inline bool operator==(const std::vector<float> &a, const FloatBuffer &b) {
  return b == a;
}
inline bool operator!=(const FloatBuffer &a, const std::vector<float> &b) {
  return !(a == b);
}
inline bool operator!=(const std::vector<float> &a, const FloatBuffer &b) {
  return !(b == a);
}

/// A row-major float32 tensor that owns its data.
struct Tensor {
  Shape shape;
  FloatBuffer data;

  Tensor() = default;
  /// A zero-filled tensor of the given shape.
  explicit Tensor(Shape s);

  int64_t size() const { return static_cast<int64_t>(data.size()); }
};

/// Tensors by name: a model's inputs or outputs.
using TensorMap = std::map<std::string, Tensor>;

} // namespace lgc
