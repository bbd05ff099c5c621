//===- compiler/ir/Ops.cpp - operator kinds -------------------------------===//
//
// The table of operator names, the one place that spells them.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/Ops.h"

#include <array>
#include <utility>

namespace lgc {
namespace {

constexpr std::array<std::pair<OpKind, std::string_view>, 17> kOpNames{{
    {OpKind::Conv2d, "Conv2d"},
    {OpKind::MaxPool2d, "MaxPool2d"},
    {OpKind::AvgPool2d, "AvgPool2d"},
    {OpKind::AdaptiveAvgPool2d, "AdaptiveAvgPool2d"},
    {OpKind::BatchNorm2d, "BatchNorm2d"},
    {OpKind::Linear, "Linear"},
    {OpKind::Flatten, "Flatten"},
    {OpKind::ReLU, "ReLU"},
    {OpKind::ReLU6, "ReLU6"},
    {OpKind::Sigmoid, "Sigmoid"},
    {OpKind::Tanh, "Tanh"},
    {OpKind::Identity, "Identity"},
    {OpKind::LeakyReLU, "LeakyReLU"},
    {OpKind::Dropout, "Dropout"},
    {OpKind::Add, "Add"},
    {OpKind::Concat, "Concat"},
    {OpKind::Softmax, "Softmax"},
}};

} // namespace

std::string_view opName(OpKind op) {
  for (const auto &[kind, name] : kOpNames)
    if (kind == op) return name;
  return "?";
}

std::optional<OpKind> opFromName(std::string_view name) {
  for (const auto &[kind, spelled] : kOpNames)
    if (spelled == name) return kind;
  return std::nullopt;
}

bool isElementwise(OpKind op) {
  switch (op) {
  case OpKind::ReLU:
  case OpKind::ReLU6:
  case OpKind::Sigmoid:
  case OpKind::Tanh:
  case OpKind::Identity:
  case OpKind::LeakyReLU:
  case OpKind::Dropout:
    return true;
  default:
    return false;
  }
}

} // namespace lgc
