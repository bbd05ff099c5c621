//===- runtime/ForEachOnThreads.cpp - independent jobs on a few threads ---===//
#include "runtime/ForEachOnThreads.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <vector>

namespace lgc {

void forEachOnThreads(size_t count, size_t threads, const std::function<void(size_t)> &job) {
  std::vector<std::exception_ptr> thrown(count);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < count; i = next++) {
      try {
        job(i);
      } catch (...) {
        thrown[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < std::min(count, threads); ++t) helpers.emplace_back(work);
  work();
  for (std::thread &t : helpers) t.join();
  for (const std::exception_ptr &e : thrown)
    if (e) std::rethrow_exception(e);
}

} // namespace lgc
