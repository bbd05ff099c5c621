//===- compiler/ir/Cost.cpp - work and size of each layer -----------------===//
#include "compiler/ir/Cost.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace lgc {
namespace {

/// a + b, or UINT64_MAX when that overflows.
uint64_t addSaturating(uint64_t a, uint64_t b) {
  uint64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? UINT64_MAX : sum;
}

/// Bytes of one float32 tensor; UINT64_MAX for a shape without a size.
uint64_t tensorBytes(const Shape &shape) {
  uint64_t bytes = sizeof(float);
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes)) return UINT64_MAX;
  return bytes;
}

} // namespace

double macCount(const Graph &graph, const Node &node) {
  const Shape &out = graph.outputOf(node).shape;
  switch (node.op) {
  case OpKind::Conv2d: {
    const auto &a = node.as<Conv2dAttrs>();
    return double(numElements(out)) * double(a.inChannels / a.groups) * double(a.kernel.h) *
           double(a.kernel.w);
  }
  case OpKind::Linear:
    return double(numElements(out)) * double(node.as<LinearAttrs>().inFeatures);
  default:
    return 0;
  }
}

uint64_t ModelMemory::total() const {
  return addSaturating(activations, weights);
}

ModelMemory modelMemory(const Graph &graph) {
  ModelMemory m;
  for (const Value &v : graph.values)
    m.activations = addSaturating(m.activations, tensorBytes(v.shape));
  for (const Node &n : graph.nodes)
    for (const Param &p : n.params) m.weights = addSaturating(m.weights, tensorBytes(p.shape));
  return m;
}

Expected<uint64_t> parseByteSize(const std::string &text) {
  auto bad = [&](const std::string &why) -> Error {
    return Error::inFile("lgc", "LGC_MEMORY_LIMIT '" + text + "' " + why +
                                    " (expected bytes, optionally with K, M, G or T, e.g. 16G)");
  };
  size_t i = 0;
  uint64_t value = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i)
    if (__builtin_mul_overflow(value, 10, &value) ||
        __builtin_add_overflow(value, static_cast<uint64_t>(text[i] - '0'), &value))
      return bad("is too large");
  if (i == 0) return bad("is not a size");
  std::string suffix = text.substr(i);
  for (char &c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const std::pair<const char *, int> kUnits[] = {{"K", 10}, {"M", 20}, {"G", 30}, {"T", 40}};
  int shift = -1;
  if (suffix.empty() || suffix == "B") shift = 0;
  for (const auto &[unit, bits] : kUnits)
    for (const char *tail : {"", "B", "IB"})
      if (suffix == std::string(unit) + tail) shift = bits;
  if (shift < 0) return bad("has an unknown unit '" + text.substr(i) + "'");
  if (shift > 0 && value > (UINT64_MAX >> shift)) return bad("is too large");
  value <<= shift;
  if (value == 0) return bad("is zero");
  return value;
}

Expected<uint64_t> memoryLimitFromEnv() {
  const char *text = std::getenv("LGC_MEMORY_LIMIT");
  if (!text || !*text) return kDefaultMemoryLimit;
  return parseByteSize(text);
}

std::string formatBytes(uint64_t bytes) {
  static const char *const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  while (unit < 6 && bytes >= (uint64_t(1) << (10 * (unit + 1)))) ++unit;
  if (unit == 0) return std::to_string(bytes) + " B";
  uint64_t whole = uint64_t(1) << (10 * unit);
  char buf[32];
  if (bytes % whole == 0)
    std::snprintf(buf, sizeof buf, "%llu %s", static_cast<unsigned long long>(bytes / whole),
                  kUnits[unit]);
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", double(bytes) / double(whole), kUnits[unit]);
  return buf;
}

Error checkMemoryLimit(const Graph &graph, uint64_t limit) {
  ModelMemory m = modelMemory(graph);
  if (m.total() <= limit) return Error();
  // Exact bytes when rounding would print the need and the limit alike.
  bool exact = formatBytes(m.total()) == formatBytes(limit);
  auto text = [&](uint64_t b) { return exact ? std::to_string(b) + " B" : formatBytes(b); };
  return Error::inFile(graph.file, "model needs " + text(m.total()) + " (activations " +
                                       text(m.activations) + ", weights " + text(m.weights) +
                                       "), over the limit of " + text(limit) +
                                       " (LGC_MEMORY_LIMIT)");
}

int64_t paramCount(const Node &node) {
  int64_t n = 0;
  for (const Param &p : node.params) n += numElements(p.shape);
  return n;
}

} // namespace lgc
