//===- compiler/frontend/LayerReader.cpp - typed YAML access --------------===//
//
// See LayerReader.h. Scalars are checked by their text, not by yaml-cpp's
// lenient conversions: `3` is an integer, `3.0`, `"3"` and `yes` are not.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontend/LayerReader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace lgc {
namespace {

/// The largest integer a parameter may hold; keeps products of a few of them
/// far from int64 overflow.
constexpr int64_t kMaxParamValue = (int64_t(1) << 31) - 1;

/// True for a scalar written without quotes (quoted scalars have tag "!").
bool isPlainScalar(const YAML::Node &v) {
  return v.IsScalar() && v.Tag() != "!";
}

size_t editDistance(const std::string &a, const std::string &b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string joinKeys(const std::vector<std::string> &keys) {
  std::string s;
  for (size_t i = 0; i < keys.size(); ++i) s += (i ? ", " : "") + keys[i];
  return s;
}

} // namespace

std::string shown(const YAML::Node &v) {
  if (v.IsScalar() && v.Tag() == "!") return "'" + v.Scalar() + "' (a quoted string)";
  if (v.IsScalar()) return "'" + v.Scalar() + "'";
  if (v.IsSequence()) return "a list of " + std::to_string(v.size());
  if (v.IsMap()) return "a mapping";
  return "nothing";
}

Location locationOf(const std::string &file, const YAML::Mark &mark) {
  if (mark.line < 0) return Location{file, 0, 0};
  return Location{file, mark.line + 1, mark.column + 1};
}

Location locationOf(const std::string &file, const YAML::Node &node) {
  return locationOf(file, node.Mark());
}

void failAt(const std::string &file, const YAML::Node &node, std::string message) {
  throw ParseFailure{Error::at(locationOf(file, node), std::move(message))};
}

std::optional<std::string> closestMatch(const std::string &word,
                                        const std::vector<std::string> &known) {
  std::optional<std::string> best;
  size_t bestDistance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string &k : known) {
    size_t d = editDistance(word, k);
    if (d < bestDistance) {
      bestDistance = d;
      best = k;
    }
  }
  return best;
}

LayerReader::LayerReader(std::string file, YAML::Node map, std::string what)
    : file_(std::move(file)), map_(std::move(map)), what_(std::move(what)) {
  std::set<std::string> keys;
  for (auto it = map_.begin(); it != map_.end(); ++it) {
    if (!isPlainScalar(it->first) && !it->first.IsScalar())
      failAt(file_, it->first, what_ + ": keys must be plain names");
    if (!keys.insert(it->first.Scalar()).second)
      failAt(file_, it->first, what_ + ": duplicate key '" + it->first.Scalar() + "'");
  }
}

YAML::Node LayerReader::value(const std::string &key) const {
  for (auto it = map_.begin(); it != map_.end(); ++it)
    if (it->first.Scalar() == key) return it->second;
  return YAML::Node(YAML::NodeType::Undefined);
}

bool LayerReader::has(const std::string &key) const {
  return value(key).IsDefined();
}

YAML::Node LayerReader::raw(const std::string &key) {
  read_.insert(key);
  return value(key);
}

void LayerReader::fail(const std::string &key, const std::string &message) const {
  YAML::Node v = value(key);
  failAt(file_, v.IsDefined() ? v : map_, what_ + ": " + message);
}

int64_t LayerReader::toInteger(const std::string &key, const YAML::Node &v, int64_t min) const {
  int64_t out = 0;
  if (isPlainScalar(v)) {
    const std::string &s = v.Scalar();
    const char *begin = s.data() + (s.size() > 1 && s[0] == '+' ? 1 : 0);
    auto [end, ec] = std::from_chars(begin, s.data() + s.size(), out);
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && out > kMaxParamValue))
      failAt(file_, v,
             what_ + ": " + key + " is too large: " + s + " (the limit is " +
                 std::to_string(kMaxParamValue) + ")");
    if (ec != std::errc() || end != s.data() + s.size())
      failAt(file_, v, what_ + ": " + key + " must be an integer, got " + shown(v));
  } else {
    failAt(file_, v, what_ + ": " + key + " must be an integer, got " + shown(v));
  }
  if (out < min)
    failAt(file_, v,
           what_ + ": " + key + " must be at least " + std::to_string(min) + ", got " +
               std::to_string(out));
  return out;
}

int64_t LayerReader::integer(const std::string &key, int64_t min) {
  YAML::Node v = raw(key);
  if (!v.IsDefined()) failAt(file_, map_, what_ + ": missing required parameter '" + key + "'");
  return toInteger(key, v, min);
}

std::optional<int64_t> LayerReader::optInteger(const std::string &key, int64_t min) {
  if (!has(key)) return std::nullopt;
  return integer(key, min);
}

int64_t LayerReader::integerOr(const std::string &key, int64_t fallback, int64_t min) {
  return optInteger(key, min).value_or(fallback);
}

Pair LayerReader::pair(const std::string &key, int64_t min) {
  YAML::Node v = raw(key);
  if (!v.IsDefined()) failAt(file_, map_, what_ + ": missing required parameter '" + key + "'");
  if (v.IsSequence()) {
    if (v.size() != 2)
      failAt(file_, v,
             what_ + ": " + key + " must be an integer or a pair [h, w], got " + shown(v));
    return Pair{toInteger(key, v[0], min), toInteger(key, v[1], min)};
  }
  if (!isPlainScalar(v))
    failAt(file_, v, what_ + ": " + key + " must be an integer or a pair [h, w], got " + shown(v));
  int64_t k = toInteger(key, v, min);
  return Pair{k, k};
}

Pair LayerReader::pairOr(const std::string &key, Pair fallback, int64_t min) {
  return has(key) ? pair(key, min) : fallback;
}

bool LayerReader::boolean(const std::string &key, bool fallback) {
  YAML::Node v = raw(key);
  if (!v.IsDefined()) return fallback;
  static const std::vector<std::string> yes{"true", "True", "TRUE"}, no{"false", "False", "FALSE"};
  if (isPlainScalar(v)) {
    if (std::find(yes.begin(), yes.end(), v.Scalar()) != yes.end()) return true;
    if (std::find(no.begin(), no.end(), v.Scalar()) != no.end()) return false;
  }
  failAt(file_, v, what_ + ": " + key + " must be true or false, got " + shown(v));
}

double LayerReader::number(const std::string &key, double fallback, double min, double max) {
  YAML::Node v = raw(key);
  if (!v.IsDefined()) return fallback;
  double out = 0;
  bool ok = isPlainScalar(v) && !v.Scalar().empty();
  if (ok) {
    char *end = nullptr;
    out = std::strtod(v.Scalar().c_str(), &end);
    ok = *end == '\0' && std::isfinite(out);
  }
  if (!ok) failAt(file_, v, what_ + ": " + key + " must be a number, got " + shown(v));
  if (out < min || out > max) {
    std::ostringstream range;
    range << what_ << ": " << key << " must be ";
    if (std::isinf(max))
      range << "at least " << min;
    else
      range << "in [" << min << ", " << max << "]";
    failAt(file_, v, range.str() + ", got " + v.Scalar());
  }
  return out;
}

std::string LayerReader::string(const std::string &key) {
  YAML::Node v = raw(key);
  if (!v.IsDefined()) failAt(file_, map_, what_ + ": missing required key '" + key + "'");
  if (!v.IsScalar() || v.Scalar().empty())
    failAt(file_, v, what_ + ": " + key + " must be a string, got " + shown(v));
  return v.Scalar();
}

void LayerReader::rejectUnread(const std::string &context,
                               const std::vector<std::string> &allowed) const {
  for (auto it = map_.begin(); it != map_.end(); ++it) {
    const std::string &key = it->first.Scalar();
    if (read_.count(key) || std::find(allowed.begin(), allowed.end(), key) != allowed.end())
      continue;
    std::string message = what_ + ": unknown key '" + key + "' for " + context;
    if (auto guess = closestMatch(key, allowed)) message += "; did you mean '" + *guess + "'?";
    Error e = Error::at(locationOf(file_, it->first), message);
    e.note(context + " takes: " + (allowed.empty() ? "no parameters" : joinKeys(allowed)));
    throw ParseFailure{std::move(e)};
  }
}

} // namespace lgc
