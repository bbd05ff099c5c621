//===- runtime/Tensor.cpp - dense float32 tensors -------------------------===//
#include "runtime/Tensor.h"

namespace lgc {

int64_t numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int64_t extent(const Shape &shape, size_t from, size_t to) {
  int64_t n = 1;
  for (size_t d = from; d < to; ++d) n *= shape[d];
  return n;
}

std::string formatShape(const Shape &shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

Tensor::Tensor(Shape s) : shape(std::move(s)), data(static_cast<size_t>(numElements(shape))) {}

} // namespace lgc
