//===- runtime/Tensor.cpp - dense float32 tensors -------------------------===//
#include "runtime/Tensor.h"

#include <map>
#include <mutex>
#include <new>
#include <sys/mman.h>

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

namespace {

constexpr size_t kHuge = size_t(2) << 20;
/// Freed large blocks kept for reuse, up to this many bytes in all: weights
/// are prepared through temporary tensors, and a reused block costs no new
/// page faults.
constexpr size_t kKeptBytes = size_t(256) << 20;

struct KeptBlocks {
  std::mutex mutex;
  std::multimap<size_t, void *> bySize; ///< Mapping size (whole huge pages) -> block.
  size_t bytes = 0;
};

KeptBlocks &keptBlocks() {
  static KeptBlocks *kept = new KeptBlocks(); // never destroyed: blocks may die late
  return *kept;
}

size_t mappedSize(size_t bytes) {
  return (bytes + kHuge - 1) / kHuge * kHuge;
}

} // namespace

void *allocateLarge(size_t bytes) {
  size_t size = mappedSize(bytes);
  {
    KeptBlocks &kept = keptBlocks();
    std::lock_guard<std::mutex> lock(kept.mutex);
    auto it = kept.bySize.find(size);
    if (it != kept.bySize.end()) {
      void *p = it->second;
      kept.bySize.erase(it);
      kept.bytes -= size;
      return p;
    }
  }
  // Map one huge page more than needed, then trim to a 2 MiB boundary.
  void *map =
      ::mmap(nullptr, size + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) throw std::bad_alloc();
  uintptr_t start = reinterpret_cast<uintptr_t>(map);
  uintptr_t aligned = (start + kHuge - 1) & ~uintptr_t(kHuge - 1);
  if (aligned > start) ::munmap(map, aligned - start);
  ::munmap(reinterpret_cast<void *>(aligned + size), start + kHuge - aligned);
  ::madvise(reinterpret_cast<void *>(aligned), size, MADV_HUGEPAGE);
  return reinterpret_cast<void *>(aligned);
}

void freeLarge(void *p, size_t bytes) {
  size_t size = mappedSize(bytes);
  KeptBlocks &kept = keptBlocks();
  {
    std::lock_guard<std::mutex> lock(kept.mutex);
    if (kept.bytes + size <= kKeptBytes) {
      kept.bySize.emplace(size, p);
      kept.bytes += size;
      return;
    }
  }
  ::munmap(p, size);
}

Tensor::Tensor(Shape s) : shape(std::move(s)), data(static_cast<size_t>(numElements(shape))) {}

} // namespace lgc
