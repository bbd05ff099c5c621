//===- tools/lgc/Options.cpp - option values the commands share -----------===//
#include "runtime/ThreadPool.h"
#include "tools/lgc/Commands.h"

namespace lgc {

LayoutPolicy layoutOption(const std::string &layout) {
  return layoutPolicyNamed(layout).value_or(LayoutPolicy::Auto);
}

int threadCount(int requested) {
  return requested > 0 ? requested : ThreadPool::availableCores();
}

} // namespace lgc
