//===- compiler/jit/ObjectCache.h - compiled code kept on disk ---*- C++ -*-===//
//
// The second `lgc run` of an unchanged model should not compile it again. An
// entry holds a model's machine code (object files, one per part compiled in
// parallel) and its ProgramImage,
// under a key that hashes everything the code depends on: the optimised
// graph, the target CPU and its features, and the lgc build. Entries are
// files in $XDG_CACHE_HOME/lgc (or ~/.cache/lgc), written to a temporary name
// and renamed, so concurrent writers never leave a torn entry; an entry that
// is truncated, corrupt or for another key is ignored (and rebuilt), never
// trusted.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/codegen/Target.h"
#include "compiler/ir/Graph.h"
#include "compiler/lower/Lower.h"
#include "runtime/Weights.h"

#include <optional>
#include <string>
#include <vector>

namespace lgc {

struct CacheEntry {
  std::string image;                ///< serializeProgramImage text.
  std::vector<std::string> objects; ///< ELF relocatable objects for the key's target.
};

class ObjectCache {
public:
  /// $XDG_CACHE_HOME/lgc, else $HOME/.cache/lgc; empty when neither is set.
  static std::string defaultDirectory();

  explicit ObjectCache(std::string directory) : dir_(std::move(directory)) {}
  const std::string &directory() const { return dir_; }

  /// The entry stored under `key`, if there is an intact one.
  std::optional<CacheEntry> load(const std::string &key) const;

  /// Stores `entry` under `key` (creating the directory), atomically; then,
  /// past 512 MiB in all, removes the least recently used entries.
  Error store(const std::string &key, const CacheEntry &entry) const;

  /// The file that holds `key`'s entry.
  std::string pathOf(const std::string &key) const;

private:
  void prune() const;
  std::string dir_;
};

/// The key of `graph` (optimised) compiled for `target` with `layouts`: a
/// hex SHA-256 over the lgc build, the target, the layout policy, the printed
/// graph, its derived parameters and the model's parameters.
std::string cacheKey(const Graph &graph, const std::vector<ParamSpec> &params, const Target &target,
                     LayoutPolicy layouts = LayoutPolicy::Auto);

} // namespace lgc
