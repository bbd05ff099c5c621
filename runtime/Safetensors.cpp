//===- runtime/Safetensors.cpp - safetensors weight files -----------------===//
//
// Opening maps the file read-only and validates all of its header up front:
// the header length against the file size, the JSON syntax (parsed without
// exceptions), and each entry's dtype, shape and byte range, with every size
// computation overflow-checked. After that, reading a tensor is a bounds-safe
// memcpy out of the mapping.
//
//===----------------------------------------------------------------------===//
#include "runtime/Safetensors.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian and copied as host floats");

namespace lgc {
namespace {

using Json = nlohmann::ordered_json;

constexpr uint64_t kHeaderLenSize = 8;
constexpr uint64_t kMaxHeaderLen = 100ULL << 20;

/// Bytes per element of a safetensors dtype; 0 for an unknown one.
uint64_t dtypeSize(const std::string &dtype) {
  static const std::pair<const char *, uint64_t> kSizes[] = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
      {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1},
  };
  for (const auto &[name, size] : kSizes)
    if (dtype == name) return size;
  return 0;
}

uint64_t readLe64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

std::string errnoText() {
  return std::strerror(errno);
}

/// Validates one header entry into `out`; `dataSize` is the data section's.
class EntryChecker {
public:
  EntryChecker(const std::string &path, const std::string &name, uint64_t dataSize)
      : path_(path), name_(name), dataSize_(dataSize) {}

  Error check(const Json &value, SafetensorsEntry &out) const;

private:
  Error fail(const std::string &what) const {
    return Error::inFile(path_, "tensor '" + name_ + "': " + what);
  }
  Error checkDtype(const Json &value, SafetensorsEntry &out) const;
  Error checkShape(const Json &value, SafetensorsEntry &out) const;
  Error checkOffsets(const Json &value, SafetensorsEntry &out) const;
  Error checkSize(const SafetensorsEntry &e) const;

  const std::string &path_;
  const std::string &name_;
  uint64_t dataSize_;
};

Error EntryChecker::check(const Json &value, SafetensorsEntry &out) const {
  if (!value.is_object()) return fail("header entry is not a JSON object");
  out.name = name_;
  if (Error e = checkDtype(value, out)) return e;
  if (Error e = checkShape(value, out)) return e;
  if (Error e = checkOffsets(value, out)) return e;
  return checkSize(out);
}

Error EntryChecker::checkDtype(const Json &value, SafetensorsEntry &out) const {
  auto it = value.find("dtype");
  if (it == value.end() || !it->is_string()) return fail("\"dtype\" is missing or not a string");
  out.dtype = it->get<std::string>();
  if (dtypeSize(out.dtype) == 0) return fail("unknown dtype '" + out.dtype + "'");
  return Error();
}

Error EntryChecker::checkShape(const Json &value, SafetensorsEntry &out) const {
  auto it = value.find("shape");
  if (it == value.end() || !it->is_array()) return fail("\"shape\" is missing or not an array");
  out.shape.clear();
  for (const Json &dim : *it) {
    if (!dim.is_number_unsigned() || dim.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      return fail("\"shape\" " + dim.dump() + " is not a non-negative integer");
    out.shape.push_back(static_cast<int64_t>(dim.get<uint64_t>()));
  }
  return Error();
}

Error EntryChecker::checkOffsets(const Json &value, SafetensorsEntry &out) const {
  auto it = value.find("data_offsets");
  if (it == value.end() || !it->is_array() || it->size() != 2 || !(*it)[0].is_number_unsigned() ||
      !(*it)[1].is_number_unsigned())
    return fail("\"data_offsets\" is missing or not [begin, end] with non-negative integers");
  out.begin = (*it)[0].get<uint64_t>();
  out.end = (*it)[1].get<uint64_t>();
  std::string range = "[" + std::to_string(out.begin) + ", " + std::to_string(out.end) + "]";
  if (out.begin > out.end) return fail("data_offsets " + range + " begin after they end");
  if (out.end > dataSize_)
    return fail("data_offsets " + range + " run past the end of the data section (" +
                std::to_string(dataSize_) + " bytes)");
  return Error();
}

Error EntryChecker::checkSize(const SafetensorsEntry &e) const {
  uint64_t bytes = dtypeSize(e.dtype);
  for (int64_t d : e.shape)
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes))
      return fail("shape " + formatShape(e.shape) + " is too large");
  if (bytes != e.end - e.begin)
    return fail("data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                "] hold " + std::to_string(e.end - e.begin) + " bytes, but " + e.dtype +
                formatShape(e.shape) + " needs " + std::to_string(bytes));
  return Error();
}

/// Parses and validates the JSON header text into entries, in header order.
Error parseHeader(const std::string &path, const char *begin, const char *end, uint64_t dataSize,
                  std::vector<SafetensorsEntry> &entries) {
  Json header = Json::parse(begin, end, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded()) return Error::inFile(path, "header is not valid JSON");
  if (!header.is_object()) return Error::inFile(path, "header is not a JSON object");
  for (const auto &[name, value] : header.items()) {
    if (name == "__metadata__") continue;
    SafetensorsEntry entry;
    if (Error e = EntryChecker(path, name, dataSize).check(value, entry)) return e;
    entries.push_back(std::move(entry));
  }
  return Error();
}

} // namespace

Expected<std::unique_ptr<SafetensorsFile>> SafetensorsFile::open(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::inFile(path, "cannot open file: " + errnoText());
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    std::string why = errnoText();
    ::close(fd);
    return Error::inFile(path, "cannot read file: " + why);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error::inFile(path, "not a regular file");
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < kHeaderLenSize) {
    ::close(fd);
    return Error::inFile(path, "file is too short to be a safetensors file (" +
                                   std::to_string(size) + " bytes, expected at least 8)");
  }
  void *map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  std::string mapError = map == MAP_FAILED ? errnoText() : "";
  ::close(fd);
  if (map == MAP_FAILED) return Error::inFile(path, "cannot map file: " + mapError);

  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  file->map_ = static_cast<const uint8_t *>(map);
  file->mapSize_ = size;
  uint64_t headerLen = readLe64(file->map_);
  if (headerLen > size - kHeaderLenSize)
    return Error::inFile(path, "header length " + std::to_string(headerLen) +
                                   " runs past the end of the file (" + std::to_string(size) +
                                   " bytes)");
  if (headerLen > kMaxHeaderLen)
    return Error::inFile(path, "header length " + std::to_string(headerLen) +
                                   " is over the limit of 100 MiB");
  file->dataOffset_ = kHeaderLenSize + headerLen;
  const char *text = reinterpret_cast<const char *>(file->map_) + kHeaderLenSize;
  try {
    if (Error e =
            parseHeader(path, text, text + headerLen, size - file->dataOffset_, file->entries_))
      return e;
  } catch (const std::exception &e) {
    return Error::inFile(path, std::string("cannot read header: ") + e.what());
  }
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(const_cast<uint8_t *>(map_), mapSize_);
}

const SafetensorsEntry *SafetensorsFile::find(const std::string &name) const {
  for (const SafetensorsEntry &e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

Expected<Tensor> SafetensorsFile::readF32(const SafetensorsEntry &entry) const {
  if (entry.dtype != "F32")
    return Error::inFile(path_,
                         "tensor '" + entry.name + "' has dtype " + entry.dtype + ", expected F32");
  uint64_t bytes = entry.end - entry.begin;
  if (entry.begin > entry.end || entry.end > mapSize_ - dataOffset_ ||
      bytes != uint64_t(numElements(entry.shape)) * 4)
    return Error::internal("SafetensorsFile::readF32: entry '" + entry.name +
                           "' does not belong to " + path_);
  Tensor t(entry.shape);
  if (bytes > 0) std::memcpy(t.data.data(), map_ + dataOffset_ + entry.begin, bytes);
  return t;
}

} // namespace lgc
