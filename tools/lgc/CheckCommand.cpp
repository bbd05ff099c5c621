//===- tools/lgc/CheckCommand.cpp - lgc check -----------------------------===//
//
// Parse, validate and infer shapes, then print what a user checks by hand:
// each layer's output shape, parameters and multiply-accumulates, and totals.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Driver.h"
#include "compiler/ir/Cost.h"
#include "tools/lgc/Commands.h"

#include <cstdio>
#include <iostream>

namespace lgc {
namespace {

/// 1234567 -> "1,234,567".
std::string withCommas(int64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

/// Exact with commas while a double holds it exactly, else "1.23e+20".
std::string countText(double v) {
  if (v < 9007199254740992.0) return withCommas(static_cast<int64_t>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

/// A table whose columns are as wide as their widest cell; numeric columns
/// are right-aligned.
class Table {
public:
  explicit Table(std::vector<bool> rightAligned) : right_(std::move(rightAligned)) {}
  void row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  void print(std::ostream &os) const {
    std::vector<size_t> width(right_.size(), 0);
    for (const auto &r : rows_)
      for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
    for (const auto &r : rows_) {
      std::string line;
      for (size_t c = 0; c < r.size(); ++c) {
        std::string pad(width[c] - r[c].size(), ' ');
        line += (c ? "  " : "") + (right_[c] ? pad + r[c] : r[c] + pad);
      }
      os << line.substr(0, line.find_last_not_of(' ') + 1) << "\n";
    }
  }

private:
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

} // namespace

int runCheck(const CheckOptions &options) {
  PipelineOptions pipeline;
  pipeline.batch = options.batch;
  Expected<Graph> graph = buildGraph(options.model, pipeline);
  if (!graph) return report(graph.takeError());

  std::cout << "model " << graph->name << " (" << options.model << ")\n";
  for (ValueId id : graph->inputs)
    std::cout << "input " << graph->value(id).name << " " << formatShape(graph->value(id).shape)
              << "\n";
  std::cout << "\n";

  Table table({false, false, false, true, true});
  table.row({"layer", "op", "output shape", "params", "MACs"});
  int64_t totalParams = 0;
  double totalMacs = 0;
  for (const Node &n : graph->nodes) {
    int64_t params = paramCount(n);
    double macs = macCount(*graph, n);
    totalParams += params;
    totalMacs += macs;
    table.row({n.name, std::string(opName(n.op)), formatShape(graph->outputOf(n).shape),
               params ? withCommas(params) : "-", macs ? countText(macs) : "-"});
  }
  table.row({"total", std::to_string(graph->nodes.size()) + " layers", "", withCommas(totalParams),
             countText(totalMacs)});
  table.print(std::cout);

  std::cout << "\n";
  for (ValueId id : graph->outputs)
    std::cout << "output " << graph->value(id).name << " " << formatShape(graph->value(id).shape)
              << "\n";
  return kExitOk;
}

} // namespace lgc
