//===- runtime/Npy.cpp - NumPy .npy tensors -------------------------------===//
//
// Reading checks the file step by step (magic, version, header length, the
// Python dict literal, dtype, order, shape, data size) and allocates only once
// the data size is known to match the file. Writing produces a v1.0 header
// padded so the data starts on a 64-byte boundary, as NumPy does, through
// writeFileAtomically (runtime/AtomicFile.h): complete or absent.
//
//===----------------------------------------------------------------------===//
#include "runtime/Npy.h"

#include "runtime/AtomicFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              ".npy '<f4' data is read and written as host floats");

namespace lgc {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
/// NumPy itself refuses headers over 10000 bytes by default; be generous.
constexpr uint64_t kMaxHeaderLen = 1 << 20;
constexpr size_t kAlign = 64;

/// A file descriptor closed on scope exit.
class Fd {
public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  int get() const { return fd_; }

private:
  int fd_;
};

std::string errnoText() {
  return std::strerror(errno);
}

/// Reads exactly `size` bytes at `offset`; false on an error or end of file.
bool readAt(int fd, void *buffer, size_t size, uint64_t offset) {
  auto *out = static_cast<char *>(buffer);
  while (size > 0) {
    ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

/// The header fields lgc cares about.
struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  Shape shape;
};

/// A parser for the header's Python dict literal, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }`.
class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  /// Parses the whole text into `out`; on failure why() says what is wrong.
  bool parse(NpyHeader &out);
  const std::string &why() const { return why_; }

private:
  bool fail(const std::string &what) {
    why_ = what + " at byte " + std::to_string(pos_) + " of the header";
    return false;
  }
  bool atEnd() const { return pos_ >= text_.size(); }
  void skipSpace() {
    while (!atEnd() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                        text_[pos_] == '\r'))
      ++pos_;
  }
  /// Skips spaces, then consumes `c` if it is next.
  bool eat(char c) {
    skipSpace();
    if (atEnd() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool eatWord(std::string_view word) {
    skipSpace();
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool parseEntry(NpyHeader &out, unsigned &seen);
  bool parseString(std::string &out);
  bool parseBool(bool &out);
  bool parseInt(int64_t &out);
  bool parseTuple(Shape &out);

  std::string_view text_;
  size_t pos_ = 0;
  std::string why_;
};

/// Bits recording which keys the dict has had.
constexpr unsigned kSeenDescr = 1, kSeenFortran = 2, kSeenShape = 4;

bool HeaderParser::parse(NpyHeader &out) {
  if (!eat('{')) return fail("expected '{'");
  unsigned seen = 0;
  while (!eat('}')) {
    if (!parseEntry(out, seen)) return false;
    if (eat(',')) continue;
    if (eat('}')) break;
    return fail("expected ',' or '}'");
  }
  skipSpace();
  if (!atEnd()) return fail("unexpected text after the dict");
  if (!(seen & kSeenDescr)) return fail("missing key 'descr'");
  if (!(seen & kSeenFortran)) return fail("missing key 'fortran_order'");
  if (!(seen & kSeenShape)) return fail("missing key 'shape'");
  return true;
}

bool HeaderParser::parseEntry(NpyHeader &out, unsigned &seen) {
  std::string key;
  if (!parseString(key)) return false;
  if (!eat(':')) return fail("expected ':' after key '" + key + "'");
  unsigned bit = key == "descr"           ? kSeenDescr
                 : key == "fortran_order" ? kSeenFortran
                 : key == "shape"         ? kSeenShape
                                          : 0;
  if (bit == 0) return fail("unexpected key '" + key + "'");
  if (seen & bit) return fail("duplicate key '" + key + "'");
  seen |= bit;
  if (bit == kSeenDescr) return parseString(out.descr);
  if (bit == kSeenFortran) return parseBool(out.fortranOrder);
  return parseTuple(out.shape);
}

bool HeaderParser::parseString(std::string &out) {
  skipSpace();
  if (atEnd() || (text_[pos_] != '\'' && text_[pos_] != '"'))
    return fail("expected a quoted string");
  char quote = text_[pos_++];
  out.clear();
  while (!atEnd() && text_[pos_] != quote) {
    if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
    out += text_[pos_++];
  }
  if (atEnd()) return fail("unterminated string");
  ++pos_;
  return true;
}

bool HeaderParser::parseBool(bool &out) {
  if (eatWord("True"))
    out = true;
  else if (eatWord("False"))
    out = false;
  else
    return fail("expected True or False");
  return true;
}

bool HeaderParser::parseInt(int64_t &out) {
  skipSpace();
  bool negative = eat('-');
  if (atEnd() || text_[pos_] < '0' || text_[pos_] > '9') return fail("expected an integer");
  uint64_t value = 0;
  for (; !atEnd() && text_[pos_] >= '0' && text_[pos_] <= '9'; ++pos_) {
    uint64_t digit = static_cast<uint64_t>(text_[pos_] - '0');
    if (value > (static_cast<uint64_t>(INT64_MAX) - digit) / 10) return fail("dimension too large");
    value = value * 10 + digit;
  }
  if (!atEnd() && text_[pos_] == 'L') // Python 2's long suffix.
    ++pos_;
  out = negative ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
  return true;
}

bool HeaderParser::parseTuple(Shape &out) {
  if (!eat('(')) return fail("expected a tuple for 'shape'");
  out.clear();
  bool comma = false;
  while (!eat(')')) {
    int64_t dim = 0;
    if (!parseInt(dim)) return false;
    out.push_back(dim);
    comma = eat(',');
    if (comma) continue;
    if (eat(')')) break;
    return fail("expected ',' or ')' in 'shape'");
  }
  if (out.size() == 1 && !comma)
    return fail("'shape' (" + std::to_string(out[0]) + ") is not a tuple (write (" +
                std::to_string(out[0]) + ",))");
  return true;
}

/// Where the header text lies in the file.
struct Preamble {
  uint64_t headerStart = 0;
  uint64_t headerLen = 0;
};

/// Checks magic and version and reads the header length.
Expected<Preamble> readPreamble(int fd, uint64_t fileSize, const std::string &path) {
  unsigned char head[12] = {};
  size_t avail = fileSize < sizeof head ? static_cast<size_t>(fileSize) : sizeof head;
  if (!readAt(fd, head, avail, 0)) return Error::inFile(path, "cannot read file: " + errnoText());
  if (avail < kMagicSize || std::memcmp(head, kMagic, kMagicSize) != 0)
    return Error::inFile(path, "not a .npy file (it does not start with \"\\x93NUMPY\")");
  if (avail < 8) return Error::inFile(path, "truncated header: the file ends inside the version");
  int major = head[6], minor = head[7];
  if ((major != 1 && major != 2) || minor != 0)
    return Error::inFile(path, "unsupported .npy version " + std::to_string(major) + "." +
                                   std::to_string(minor) + " (expected 1.0 or 2.0)");
  Preamble p;
  p.headerStart = major == 1 ? 10 : 12;
  if (avail < p.headerStart)
    return Error::inFile(path, "truncated header: the file ends inside the header length");
  p.headerLen = uint64_t(head[8]) | uint64_t(head[9]) << 8;
  if (major == 2) p.headerLen |= uint64_t(head[10]) << 16 | uint64_t(head[11]) << 24;
  if (p.headerLen > fileSize - p.headerStart)
    return Error::inFile(path, "truncated header: header length " + std::to_string(p.headerLen) +
                                   " runs past the end of the file (" + std::to_string(fileSize) +
                                   " bytes)");
  if (p.headerLen > kMaxHeaderLen)
    return Error::inFile(path, "header length " + std::to_string(p.headerLen) + " is too large");
  return p;
}

/// Checks the parsed header and returns the data size in bytes it implies.
Expected<uint64_t> checkHeader(const NpyHeader &h, const std::string &path) {
  if (h.descr != "<f4")
    return Error::inFile(path, "dtype is '" + h.descr + "', expected '<f4' (float32)");
  if (h.fortranOrder)
    return Error::inFile(path, "array is in Fortran order, expected C order "
                               "(save it with numpy.ascontiguousarray)");
  int64_t bytes = 4;
  for (int64_t d : h.shape) {
    if (d < 0)
      return Error::inFile(path, "shape " + formatShape(h.shape) + " has a negative dimension");
    if (__builtin_mul_overflow(bytes, d, &bytes))
      return Error::inFile(path, "shape " + formatShape(h.shape) + " is too large");
  }
  return static_cast<uint64_t>(bytes);
}

/// Reads and parses the header text.
Expected<NpyHeader> readHeader(int fd, const Preamble &p, const std::string &path) {
  std::string text(static_cast<size_t>(p.headerLen), '\0');
  if (!readAt(fd, text.data(), text.size(), p.headerStart))
    return Error::inFile(path, "cannot read file: " + errnoText());
  NpyHeader header;
  HeaderParser parser(text);
  if (!parser.parse(header)) return Error::inFile(path, "malformed header: " + parser.why());
  return header;
}

/// The Python repr of a shape tuple: "()", "(5,)", "(1, 3)".
std::string pythonTuple(const Shape &shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + (shape.size() == 1 ? ",)" : ")");
}

/// Magic, version, length and the padded dict: everything before the data.
std::string buildPreamble(const Shape &shape) {
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + pythonTuple(shape) + ", }";
  bool v2 = dict.size() + 10 + kAlign > 0xFFFF;
  size_t start = v2 ? 12 : 10;
  size_t total = (start + dict.size() + 1 + kAlign - 1) / kAlign * kAlign;
  dict.append(total - start - dict.size() - 1, ' ');
  dict += '\n';
  std::string out(kMagic, kMagicSize);
  out += static_cast<char>(v2 ? 2 : 1);
  out += '\0';
  for (size_t i = 0; i < start - 8; ++i) out += static_cast<char>((dict.size() >> (8 * i)) & 0xFF);
  return out + dict;
}

} // namespace

Expected<Tensor> readNpy(const std::string &path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Error::inFile(path, "cannot open file: " + errnoText());
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Error::inFile(path, "cannot read file: " + errnoText());
  if (!S_ISREG(st.st_mode)) return Error::inFile(path, "not a regular file");
  uint64_t fileSize = static_cast<uint64_t>(st.st_size);
  Expected<Preamble> pre = readPreamble(fd.get(), fileSize, path);
  if (!pre) return pre.takeError();
  Expected<NpyHeader> header = readHeader(fd.get(), *pre, path);
  if (!header) return header.takeError();
  Expected<uint64_t> bytes = checkHeader(*header, path);
  if (!bytes) return bytes.takeError();
  uint64_t dataStart = pre->headerStart + pre->headerLen;
  if (*bytes != fileSize - dataStart)
    return Error::inFile(path, "data size does not match shape " + formatShape(header->shape) +
                                   ": expected " + std::to_string(*bytes) +
                                   " bytes, the file has " + std::to_string(fileSize - dataStart));
  Tensor t(header->shape);
  if (!readAt(fd.get(), t.data.data(), static_cast<size_t>(*bytes), dataStart))
    return Error::inFile(path, "cannot read file: " + errnoText());
  return t;
}

Error writeNpy(const std::string &path, const Tensor &t) {
  for (int64_t d : t.shape)
    if (d < 0) return Error::internal("writeNpy: negative dimension in " + formatShape(t.shape));
  if (numElements(t.shape) != t.size())
    return Error::internal("writeNpy: shape " + formatShape(t.shape) + " does not match " +
                           std::to_string(t.size()) + " elements");
  std::string preamble = buildPreamble(t.shape);
  return writeFileAtomically(path, [&](AtomicFileWriter &out) {
    if (out.write(preamble)) out.write(t.data.data(), t.data.size() * sizeof(float));
  });
}

} // namespace lgc
