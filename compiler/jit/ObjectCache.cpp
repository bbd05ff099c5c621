//===- compiler/jit/ObjectCache.cpp - compiled code kept on disk ----------===//
//
// An entry file is
//
//   "LGCCACHE" | u32 format | 32-byte key | u64 image size | u64 object count
//   | u64 size of each object | 32-byte SHA-256 of (what comes before it,
//   image, objects) | image | objects
//
// (integers little-endian). Loading checks every field against the file's
// size before reading on, and the checksum before using anything.
//
//===----------------------------------------------------------------------===//
#include "compiler/jit/ObjectCache.h"

#include "compiler/ir/Printer.h"
#include "runtime/AtomicFile.h"

#include <llvm/ADT/StringExtras.h>
#include <llvm/Support/SHA256.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

namespace lgc {
namespace {

constexpr char kMagic[8] = {'L', 'G', 'C', 'C', 'A', 'C', 'H', 'E'};
constexpr uint32_t kFormat = 2;
constexpr size_t kHashBytes = 32;
/// The header up to the object sizes: magic, format, key, image size, count.
constexpr size_t kFixedBytes = 8 + 4 + kHashBytes + 8 + 8;
/// More objects than this are not read (a program has one per compile thread).
constexpr uint64_t kMaxObjects = 256;
/// Larger files are not read (no model's code comes near).
constexpr uint64_t kMaxEntryBytes = uint64_t(1) << 30;
/// Past this total, storing an entry removes the least recently used ones
/// (every rebuild of lgc starts new keys, so old entries pile up).
constexpr uint64_t kMaxCacheBytes = uint64_t(512) << 20;

/// The checksum: over the header before it (sizes included) and the payload.
std::array<uint8_t, kHashBytes> checksum(llvm::StringRef header, const std::string &image,
                                         const std::vector<std::string> &objects) {
  llvm::SHA256 h;
  h.update(header);
  h.update(image);
  for (const std::string &o : objects) h.update(o);
  return h.final();
}

/// The key's 32 bytes (it is 64 hex digits).
std::string keyBytes(const std::string &key) {
  return llvm::fromHex(key);
}

void putU64(std::string &out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}

uint64_t getU64(const char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | uint8_t(p[i]);
  return v;
}

/// Identifies this build of lgc: its version and its executable's size and
/// modification time, so a rebuilt compiler never reuses older code.
std::string buildId() {
  std::string id = "lgc " LGC_VERSION;
  struct stat st;
  if (::stat("/proc/self/exe", &st) == 0)
    id += " " + std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
          std::to_string(st.st_mtim.tv_nsec);
  return id;
}

std::optional<std::string> readSmallFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0 || uint64_t(size) > kMaxEntryBytes) return std::nullopt;
  std::string bytes(size_t(size), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), size)) return std::nullopt;
  return bytes;
}

} // namespace

std::string ObjectCache::defaultDirectory() {
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/lgc";
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/lgc";
  return "";
}

std::string ObjectCache::pathOf(const std::string &key) const {
  return dir_ + "/" + key + ".lgc";
}

std::optional<CacheEntry> ObjectCache::load(const std::string &key) const {
  std::optional<std::string> file = readSmallFile(pathOf(key));
  if (!file || file->size() < kFixedBytes) return std::nullopt;
  const char *p = file->data();
  uint32_t format = uint32_t(uint8_t(p[8])) | uint32_t(uint8_t(p[9])) << 8 |
                    uint32_t(uint8_t(p[10])) << 16 | uint32_t(uint8_t(p[11])) << 24;
  if (std::memcmp(p, kMagic, 8) != 0 || format != kFormat) return std::nullopt;
  if (file->compare(12, kHashBytes, keyBytes(key)) != 0) return std::nullopt;
  uint64_t imageBytes = getU64(p + 12 + kHashBytes), count = getU64(p + 20 + kHashBytes);
  if (count > kMaxObjects) return std::nullopt;
  size_t header = kFixedBytes + 8 * count + kHashBytes;
  if (file->size() < header) return std::nullopt;
  // Every size is checked against what is left, so no sum can overflow.
  uint64_t rest = file->size() - header;
  if (imageBytes > rest) return std::nullopt;
  rest -= imageBytes;
  CacheEntry entry{file->substr(header, imageBytes), {}};
  size_t at = header + imageBytes;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t size = getU64(p + kFixedBytes + 8 * i);
    if (size > rest) return std::nullopt;
    entry.objects.push_back(file->substr(at, size));
    at += size;
    rest -= size;
  }
  if (rest != 0) return std::nullopt;
  auto sum = checksum(llvm::StringRef(p, header - kHashBytes), entry.image, entry.objects);
  if (std::memcmp(sum.data(), p + header - kHashBytes, kHashBytes) != 0) return std::nullopt;
  ::utime(pathOf(key).c_str(), nullptr); // last used now: pruning drops the oldest first
  return entry;
}

Error ObjectCache::store(const std::string &key, const CacheEntry &entry) const {
  std::string bytes(kMagic, 8);
  for (int i = 0; i < 4; ++i) bytes.push_back(char((kFormat >> (8 * i)) & 0xff));
  bytes += keyBytes(key);
  putU64(bytes, entry.image.size());
  putU64(bytes, entry.objects.size());
  for (const std::string &o : entry.objects) putU64(bytes, o.size());
  auto sum = checksum(bytes, entry.image, entry.objects);
  bytes.append(reinterpret_cast<const char *>(sum.data()), sum.size());
  bytes += entry.image;
  for (const std::string &o : entry.objects) bytes += o;

  // mkdir -p; then the entry, complete or not at all.
  for (size_t slash = dir_.find('/', 1);; slash = dir_.find('/', slash + 1)) {
    ::mkdir(dir_.substr(0, slash).c_str(), 0755);
    if (slash == std::string::npos) break;
  }
  if (Error e = writeFileAtomically(pathOf(key), bytes)) return e;
  prune();
  return Error();
}

void ObjectCache::prune() const {
  DIR *dir = ::opendir(dir_.c_str());
  if (!dir) return;
  std::vector<std::pair<time_t, std::string>> entries; // (last used, path)
  uint64_t total = 0;
  while (const dirent *e = ::readdir(dir)) {
    std::string name = e->d_name, path = dir_ + "/" + name;
    struct stat st;
    if (name.size() < 4 || name.compare(name.size() - 4, 4, ".lgc") != 0 ||
        ::stat(path.c_str(), &st) != 0)
      continue;
    entries.push_back({st.st_mtime, path});
    total += uint64_t(st.st_size);
  }
  ::closedir(dir);
  std::sort(entries.begin(), entries.end());
  for (const auto &[when, path] : entries) {
    if (total <= kMaxCacheBytes) break;
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && std::remove(path.c_str()) == 0)
      total -= uint64_t(st.st_size);
  }
}

std::string cacheKey(const Graph &graph, const std::vector<ParamSpec> &params, const Target &target,
                     LayoutPolicy layouts) {
  llvm::SHA256 h;
  auto add = [&](const std::string &s) {
    h.update(s);
    h.update(llvm::StringRef("\0", 1));
  };
  add(buildId());
  add(target.triple);
  add(target.cpu);
  add(target.features);
  add(std::to_string(target.vectorWidth));
  add(layoutPolicyName(layouts));
  add(printGraph(graph));
  for (const auto &[name, recipe] : graph.derivedParams) {
    add(name + " = " + describeRecipe(recipe));
    for (const PrepStep &step : recipe.steps) {
      char eps[64];
      std::snprintf(eps, sizeof eps, "%a", step.eps); // exact: eps is in the weights, not the code
      add(eps);
    }
  }
  for (const ParamSpec &p : params)
    add(p.name + formatShape(p.shape) + std::to_string(p.initLo) + "," + std::to_string(p.initHi));
  return llvm::toHex(h.final(), /*LowerCase=*/true);
}

} // namespace lgc
