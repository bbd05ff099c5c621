//===- compiler/frontend/LayerReader.h - typed YAML access ------*- C++ -*-===//
//
// Reading one YAML mapping (a layer, or the model's top level) key by key with
// the types SPEC §1 gives: integers, integer pairs, booleans, floats, names.
// Every wrong value throws a ParseFailure pointing at the value; keys never
// read are reported as unknown, with the closest known key suggested.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Ops.h"
#include "runtime/Error.h"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace lgc {

/// Thrown inside the front end only; parseModelText turns it into an Error.
struct ParseFailure {
  Error error;
};

/// The 1-based location of a YAML node in `file`.
Location locationOf(const std::string &file, const YAML::Node &node);
Location locationOf(const std::string &file, const YAML::Mark &mark);

/// [[noreturn]] helper: throws a ParseFailure at `node`.
[[noreturn]] void failAt(const std::string &file, const YAML::Node &node, std::string message);

/// How a value reads in a message: "'3.0'", "a list of 3", "a mapping",
/// "nothing".
std::string shown(const YAML::Node &v);

/// The known word closest to `word` by edit distance, if close enough to be a
/// likely typo.
std::optional<std::string> closestMatch(const std::string &word,
                                        const std::vector<std::string> &known);

class LayerReader {
public:
  /// `what` prefixes messages: "layer 'conv1'" or "model".
  LayerReader(std::string file, YAML::Node map, std::string what);

  bool has(const std::string &key) const;
  /// The raw value (marks the key as read); a null node if absent.
  YAML::Node raw(const std::string &key);

  int64_t integer(const std::string &key, int64_t min);
  std::optional<int64_t> optInteger(const std::string &key, int64_t min);
  int64_t integerOr(const std::string &key, int64_t fallback, int64_t min);
  Pair pair(const std::string &key, int64_t min);
  Pair pairOr(const std::string &key, Pair fallback, int64_t min);
  bool boolean(const std::string &key, bool fallback);
  /// A finite number in [min, max]; an infinite bound is no bound.
  double number(const std::string &key, double fallback, double min, double max);
  std::string string(const std::string &key);

  /// Throws for the first key in the mapping that is neither read so far nor
  /// in `allowed`, listing the keys that `context` accepts.
  void rejectUnread(const std::string &context, const std::vector<std::string> &allowed) const;

  /// A ParseFailure at `key`'s value (or the mapping, if the key is absent).
  [[noreturn]] void fail(const std::string &key, const std::string &message) const;
  const std::string &what() const { return what_; }
  const YAML::Node &map() const { return map_; }

private:
  YAML::Node value(const std::string &key) const;
  int64_t toInteger(const std::string &key, const YAML::Node &v, int64_t min) const;

  std::string file_;
  YAML::Node map_;
  std::string what_;
  std::set<std::string> read_;
};

} // namespace lgc
