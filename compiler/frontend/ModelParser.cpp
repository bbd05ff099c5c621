//===- compiler/frontend/ModelParser.cpp - YAML model files ---------------===//
//
// 1. Check the bytes are text (no NUL, valid UTF-8) so binary files get a
//    plain message rather than a YAML one.
// 2. Parse YAML with yaml-cpp, turning its exceptions into located errors.
// 3. Walk the top level: model name, inputs, layers (each: name, op, input
//    wiring, parameters), outputs. Any problem throws a ParseFailure, caught
//    once at the end and returned as the Error.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontend/ModelParser.h"

#include "compiler/frontend/LayerReader.h"
#include "compiler/frontend/OpAttrs.h"
#include "compiler/ir/ShapeRules.h"

#include <sys/stat.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace lgc {
namespace {

/// Model files are small text; anything larger is not one.
constexpr int64_t kMaxModelFileBytes = int64_t(64) << 20;

const std::vector<std::string> kTopLevelKeys{"model", "inputs", "layers", "outputs"};

bool isIdentifier(const std::string &s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

/// The layer's `name:` if it is a valid name (the first one, if the key is
/// repeated), without throwing: `layer["name"]` on a const node without the
/// key would be an invalid node that throws when asked anything else.
std::optional<std::string> layerName(const YAML::Node &layer) {
  if (!layer.IsMap()) return std::nullopt;
  for (auto it = layer.begin(); it != layer.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == "name")
      return it->second.IsScalar() && isValidName(it->second.Scalar())
                 ? std::optional<std::string>(it->second.Scalar())
                 : std::nullopt;
  return std::nullopt;
}

/// Length of the UTF-8 sequence starting at s[i], or 0 if it is malformed.
size_t utf8Length(const std::string &s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
  return n;
}

/// Step 1: an error if the text holds a NUL byte or malformed UTF-8.
Error checkIsText(const std::string &text, const std::string &file) {
  int line = 1, col = 1;
  for (size_t i = 0; i < text.size();) {
    size_t n = text[i] == '\0' ? 0 : utf8Length(text, i);
    if (n == 0) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(text[i]));
      return Error::at(Location{file, line, col},
                       std::string("not a text file: byte ") + hex + " is not valid UTF-8 text");
    }
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
    i += n;
  }
  return Error();
}

/// The first tab in a line's leading whitespace (line 0 if there is none):
/// YAML rejects those with messages that do not say why.
Location tabIndentation(const std::string &text, const std::string &file) {
  int line = 1;
  bool leading = true;
  for (size_t i = 0, col = 1; i < text.size(); ++i, ++col) {
    if (text[i] == '\t' && leading) return Location{file, line, static_cast<int>(col)};
    if (text[i] == '\n') {
      ++line;
      col = 0;
      leading = true;
    } else if (text[i] != ' ') {
      leading = false;
    }
  }
  return Location{file, 0, 0};
}

/// Where the text's YAML documents start, at most kMaxDocuments of them.
/// yaml-cpp 0.7's LoadAll never returns on some malformed text (a stray ','
/// after a top-level value): every further "document" starts at that token
/// and consumes nothing. So documents are counted here, and a document that
/// starts where the previous one did is that token.
class DocumentStarts : public YAML::EventHandler {
public:
  static constexpr int kMaxDocuments = 3;

  /// Reads up to kMaxDocuments documents of `text`; yaml-cpp's exceptions pass.
  explicit DocumentStarts(const std::string &text) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    while (starts.size() < kMaxDocuments && parser.HandleNextDocument(*this)) {
    }
  }

  /// Each document's start and the mark of its first node (its start when it
  /// has none).
  std::vector<YAML::Mark> starts, firstNodes;

  void OnDocumentStart(const YAML::Mark &mark) override {
    starts.push_back(mark);
    firstNodes.push_back(mark);
    nodeSeen_ = false;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark &mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark &mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
                const std::string &) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

private:
  void node(const YAML::Mark &mark) {
    if (!nodeSeen_ && !firstNodes.empty()) firstNodes.back() = mark;
    nodeSeen_ = true;
  }
  bool nodeSeen_ = false;
};

/// An error unless the text holds exactly one YAML document (or none).
Error checkOneDocument(const std::string &text, const std::string &file) {
  DocumentStarts docs(text);
  for (size_t i = 1; i < docs.starts.size(); ++i)
    if (docs.starts[i].pos == docs.starts[i - 1].pos) {
      size_t at = static_cast<size_t>(std::max(0, docs.starts[i].pos));
      std::string what = at < text.size() ? std::string(1, text[at]) : "end of file";
      return Error::at(locationOf(file, docs.starts[i]),
                       "invalid YAML: unexpected '" + what + "' after the end of the document");
    }
  if (docs.starts.size() > 1)
    return Error::at(
        locationOf(file, docs.firstNodes[1]),
        "the model file holds more than one YAML document ('---'); it must be exactly one");
  return Error();
}

class ModelBuilder {
public:
  explicit ModelBuilder(std::string file) : file_(std::move(file)) { graph_.file = file_; }

  Graph build(const YAML::Node &root);

private:
  void readInputs(const YAML::Node &inputs);
  void indexLayerNames(const YAML::Node &layers);
  void readLayer(const YAML::Node &layer);
  std::vector<ValueId> readLayerInputs(LayerReader &r, const std::string &name, OpKind op);
  ValueId resolve(const YAML::Node &ref, const std::string &layer);
  void readOutputs(const YAML::Node &outputs);
  ValueId resolveOutput(const YAML::Node &ref);
  ValueId addValue(const std::string &name, const YAML::Node &where, int producer);

  std::string file_;
  Graph graph_;
  std::map<std::string, Location> layerLocations_; ///< Every layer, for "defined later".
};

Graph ModelBuilder::build(const YAML::Node &root) {
  if (!root.IsMap())
    failAt(file_, root,
           "a model file is a YAML mapping with keys 'model', 'inputs', 'layers' and optionally "
           "'outputs'");
  LayerReader top(file_, root, "model file");
  graph_.name = top.string("model");
  if (!isIdentifier(graph_.name))
    top.fail("model",
             "model name '" + graph_.name +
                 "' must be an identifier ([A-Za-z_][A-Za-z0-9_]*): it prefixes C symbols");
  YAML::Node inputs = top.raw("inputs"), layers = top.raw("layers"), outputs = top.raw("outputs");
  top.rejectUnread("the top level", kTopLevelKeys);
  if (!inputs.IsDefined()) failAt(file_, root, "model file: missing required key 'inputs'");
  if (!layers.IsDefined()) failAt(file_, root, "model file: missing required key 'layers'");
  readInputs(inputs);
  if (!layers.IsSequence() || layers.size() == 0)
    failAt(file_, layers, "model file: 'layers' must be a non-empty list of layers");
  indexLayerNames(layers);
  for (const YAML::Node &layer : layers) readLayer(layer);
  readOutputs(outputs);
  return std::move(graph_);
}

ValueId ModelBuilder::addValue(const std::string &name, const YAML::Node &where, int producer) {
  ValueId existing = graph_.findValue(name);
  if (existing >= 0) {
    bool isInput = graph_.value(existing).producer < 0;
    Error e = Error::at(locationOf(file_, where),
                        isInput ? "layer name '" + name + "' is already the name of a model input"
                                : "duplicate layer name '" + name + "'");
    e.note(graph_.value(existing).loc,
           (isInput ? "model input '" : "layer '") + name + "' is first defined here");
    throw ParseFailure{std::move(e)};
  }
  graph_.values.push_back(Value{name, {}, producer, locationOf(file_, where)});
  return static_cast<ValueId>(graph_.values.size() - 1);
}

void ModelBuilder::readInputs(const YAML::Node &inputs) {
  if (!inputs.IsMap() || inputs.size() == 0)
    failAt(file_, inputs,
           "model file: 'inputs' must map each input's name to its shape, "
           "e.g. 'image: [1, 3, 224, 224]'");
  LayerReader reader(file_, inputs, "inputs"); // rejects duplicate names
  for (auto it = inputs.begin(); it != inputs.end(); ++it) {
    std::string name = it->first.Scalar();
    if (!isValidName(name))
      failAt(file_, it->first,
             "input name '" + name + "' may contain only letters, digits, '_', '.' and '-'");
    YAML::Node dims = it->second;
    if (!dims.IsSequence() || (dims.size() != 4 && dims.size() != 2))
      failAt(file_, dims,
             "input '" + name + "' must have a shape [N, C, H, W] or [N, F], got " + shown(dims));
    Shape shape;
    for (const YAML::Node &d : dims) {
      if (!d.IsScalar())
        failAt(file_, d, "input '" + name + "': dimensions must be positive integers");
      int64_t v = 0;
      std::istringstream is(d.Scalar());
      if (!(is >> v) || !is.eof() || v < 1 || v > (int64_t(1) << 31) - 1 || d.Tag() == "!")
        failAt(file_, d,
               "input '" + name + "': dimensions must be positive integers, got '" + d.Scalar() +
                   "'");
      shape.push_back(v);
    }
    if (!shapeWithinLimit(shape))
      failAt(file_, dims,
             "input '" + name + "' " + formatShape(shape) +
                 " has more than 2^34 elements, lgc's limit for one tensor");
    ValueId id = addValue(name, it->first, -1);
    graph_.value(id).shape = shape;
    graph_.inputs.push_back(id);
  }
}

void ModelBuilder::indexLayerNames(const YAML::Node &layers) {
  for (const YAML::Node &layer : layers)
    if (auto name = layerName(layer)) layerLocations_.emplace(*name, locationOf(file_, layer));
}

void ModelBuilder::readLayer(const YAML::Node &layer) {
  if (!layer.IsMap())
    failAt(file_, layer, "each layer must be a mapping such as '{name: conv1, op: Conv2d, ...}'");
  std::optional<std::string> label = layerName(layer);
  LayerReader unnamed(file_, layer, label ? "layer '" + *label + "'" : "layer");
  std::string name = unnamed.string("name");
  if (!isValidName(name))
    failAt(file_, unnamed.raw("name"),
           "layer name '" + name + "' may contain only letters, digits, '_', '.' and '-'");
  LayerReader r(file_, layer, "layer '" + name + "'");
  r.raw("name");
  std::string opText = r.string("op");
  std::optional<OpKind> op = opFromName(opText);
  if (!op) {
    std::vector<std::string> known;
    for (int k = 0; k <= static_cast<int>(OpKind::Softmax); ++k)
      known.emplace_back(opName(static_cast<OpKind>(k)));
    std::string message = "unknown op '" + opText + "'";
    if (auto guess = closestMatch(opText, known)) message += "; did you mean '" + *guess + "'?";
    r.fail("op", message);
  }
  // Unknown keys first: a misspelt parameter gets "did you mean", not
  // "missing required parameter".
  std::vector<std::string> allowed{"name", "op", "input"};
  for (const std::string &k : paramKeys(*op)) allowed.push_back(k);
  r.rejectUnread(std::string(opName(*op)), allowed);
  Node node;
  node.name = name;
  node.op = *op;
  node.loc = locationOf(file_, layer);
  node.inputs = readLayerInputs(r, name, *op);
  node.attrs = readAttrs(r, *op);
  node.params = paramsFor(node);
  for (const Param &p : node.params)
    if (!shapeWithinLimit(p.shape))
      failAt(file_, layer,
             "layer '" + name + "' parameter '" + p.name + "' " + formatShape(p.shape) +
                 " has more than 2^34 elements, lgc's limit for one tensor");
  node.output = addValue(name, layer, static_cast<int>(graph_.nodes.size()));
  graph_.nodes.push_back(std::move(node));
}

std::vector<ValueId> ModelBuilder::readLayerInputs(LayerReader &r, const std::string &name,
                                                   OpKind op) {
  bool variadic = op == OpKind::Add || op == OpKind::Concat;
  YAML::Node ref = r.raw("input");
  std::string opText(opName(op));
  if (!ref.IsDefined()) {
    if (variadic) r.fail("input", opText + " needs 'input: [a, b, ...]' naming two or more values");
    if (!graph_.nodes.empty()) return {graph_.nodes.back().output};
    if (graph_.inputs.size() == 1) return {graph_.inputs[0]};
    r.fail("input", "the first layer must say which model input it reads ('input: NAME'): the "
                    "model has " +
                        std::to_string(graph_.inputs.size()) + " inputs");
  }
  std::vector<ValueId> ids;
  if (ref.IsSequence()) {
    for (const YAML::Node &one : ref) ids.push_back(resolve(one, name));
  } else {
    ids.push_back(resolve(ref, name));
  }
  if (variadic && ids.size() < 2)
    r.fail("input", opText + " needs two or more inputs, got " + std::to_string(ids.size()));
  if (!variadic && ids.size() != 1)
    r.fail("input", opText + " takes one input, got " + std::to_string(ids.size()));
  return ids;
}

ValueId ModelBuilder::resolve(const YAML::Node &ref, const std::string &layer) {
  if (!ref.IsScalar() || ref.Scalar().empty())
    failAt(file_, ref, "layer '" + layer + "': input must be a layer or model input name");
  const std::string &target = ref.Scalar();
  ValueId id = graph_.findValue(target);
  if (id >= 0) return id;
  if (target == layer)
    failAt(file_, ref,
           "layer '" + layer +
               "' reads itself; a layer may only read earlier layers and model inputs");
  auto later = layerLocations_.find(target);
  if (later != layerLocations_.end()) {
    Error e = Error::at(locationOf(file_, ref),
                        "layer '" + layer + "' reads '" + target +
                            "', which is defined later; a layer may only read earlier layers "
                            "and model inputs");
    e.note(later->second, "'" + target + "' is defined here");
    throw ParseFailure{std::move(e)};
  }
  std::vector<std::string> known;
  for (const Value &v : graph_.values) known.push_back(v.name);
  std::string message = "layer '" + layer + "' reads '" + target +
                        "', which is not a model input or an earlier layer";
  if (auto guess = closestMatch(target, known)) message += "; did you mean '" + *guess + "'?";
  failAt(file_, ref, message);
}

ValueId ModelBuilder::resolveOutput(const YAML::Node &ref) {
  if (!ref.IsScalar() || ref.Scalar().empty())
    failAt(file_, ref, "outputs: each entry must be a layer name, got " + shown(ref));
  const std::string &name = ref.Scalar();
  ValueId id = graph_.findValue(name);
  if (id >= 0 && graph_.value(id).producer < 0)
    failAt(file_, ref, "outputs: '" + name + "' is a model input, not a layer");
  if (id >= 0) return id;
  std::vector<std::string> layers;
  for (const Node &n : graph_.nodes) layers.push_back(n.name);
  std::string message = "outputs: '" + name + "' is not a layer of the model";
  if (auto guess = closestMatch(name, layers)) message += "; did you mean '" + *guess + "'?";
  failAt(file_, ref, message);
}

void ModelBuilder::readOutputs(const YAML::Node &outputs) {
  if (!outputs.IsDefined() || outputs.IsNull()) {
    graph_.outputs.push_back(graph_.nodes.back().output);
    return;
  }
  std::vector<YAML::Node> refs;
  if (outputs.IsSequence())
    for (const YAML::Node &ref : outputs) refs.push_back(ref);
  else
    refs.push_back(outputs);
  if (refs.empty()) failAt(file_, outputs, "model file: 'outputs' must name at least one layer");
  for (const YAML::Node &ref : refs) {
    ValueId id = resolveOutput(ref);
    for (ValueId seen : graph_.outputs)
      if (seen == id) failAt(file_, ref, "outputs: '" + ref.Scalar() + "' is listed twice");
    graph_.outputs.push_back(id);
  }
}

} // namespace

bool isValidName(const std::string &s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
      return false;
  return true;
}

Expected<Graph> parseModelText(const std::string &text, const std::string &fileName) {
  if (Error e = checkIsText(text, fileName)) return e;
  try {
    if (Error e = checkOneDocument(text, fileName)) return e;
    YAML::Node root = YAML::Load(text);
    if (root.IsNull() || !root.IsDefined())
      return Error::inFile(fileName, "the model file is empty");
    return ModelBuilder(fileName).build(root);
  } catch (ParseFailure &f) {
    return std::move(f.error);
  } catch (const YAML::DeepRecursion &e) { // its message is "bad file"
    return Error::at(locationOf(fileName, e.mark), "invalid YAML: lists and mappings nested " +
                                                       std::to_string(e.depth()) +
                                                       " deep, too deep for a model file");
  } catch (const YAML::Exception &e) {
    Error error = Error::at(locationOf(fileName, e.mark), "invalid YAML: " + e.msg);
    Location tab = tabIndentation(text, fileName);
    if (tab.line > 0) error.note(tab, "YAML does not allow tabs in indentation; use spaces");
    return error;
  }
}

Expected<Graph> parseModelFile(const std::string &path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Error::inFile(path, "cannot open the model file: " + std::string(std::strerror(errno)));
  if (S_ISDIR(st.st_mode))
    return Error::inFile(path, "the model file is a directory, not a YAML file");
  if (!S_ISREG(st.st_mode)) return Error::inFile(path, "the model file is not a regular file");
  if (st.st_size > kMaxModelFileBytes)
    return Error::inFile(path, "the model file is larger than 64 MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Error::inFile(path, "cannot open the model file: " + std::string(std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error::inFile(path, "cannot read the model file");
  return parseModelText(text.str(), path);
}

} // namespace lgc
