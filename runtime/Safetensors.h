//===- runtime/Safetensors.h - safetensors weight files ---------*- C++ -*-===//
//
// A read-only view of a safetensors file: an 8-byte little-endian header
// length, a JSON header naming each tensor's dtype, shape and byte range, then
// the raw data. The file is mmapped; every offset and size is checked against
// the file before use.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Error.h"
#include "runtime/Tensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lgc {

/// One tensor of a safetensors file, as its header describes it.
struct SafetensorsEntry {
  std::string name;
  std::string dtype; ///< As written: "F32", "F16", "I64", ...
  Shape shape;
  uint64_t begin = 0; ///< Byte range in the data section (after the header).
  uint64_t end = 0;
};

class SafetensorsFile {
public:
  /// Maps `path` and validates its header: JSON syntax, every entry's dtype,
  /// shape and offsets (within the data section, size = elements x dtype size).
  static Expected<std::unique_ptr<SafetensorsFile>> open(const std::string &path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;

  const std::string &path() const { return path_; }
  /// Entries in header order ("__metadata__" excluded).
  const std::vector<SafetensorsEntry> &entries() const { return entries_; }
  /// The entry named `name`, or null.
  const SafetensorsEntry *find(const std::string &name) const;
  /// The entry's data as float32 (only "F32" is accepted; others are an error
  /// naming the tensor and its dtype).
  Expected<Tensor> readF32(const SafetensorsEntry &entry) const;

private:
  SafetensorsFile() = default;
  std::string path_;
  const uint8_t *map_ = nullptr;
  uint64_t mapSize_ = 0;
  uint64_t dataOffset_ = 0;
  std::vector<SafetensorsEntry> entries_;
};

} // namespace lgc
