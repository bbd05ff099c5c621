//===- compiler/loop/LoopPrinter.cpp - Loop IR as text -------------------===//
//
// Kernels as indented pseudo-code (what `lgc dump --emit=loops` prints):
//
//   kernel conv1(in: f32[1, 3, 227, 227], ..., out: f32[1, 64, 56, 56]) {
//     parallel for p in 0..64 {
//       for oy in 1..55 {
//         vector(16) for ox in 1..55 {
//           float acc = bias[p]
//           ...
//
// Parentheses only where precedence needs them; guarded loads print as
// `in[...] if (guard) else 0`.
//
//===----------------------------------------------------------------------===//
#include "compiler/loop/LoopIR.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace lgc::loop {
namespace {

int precedence(const Expr &e) {
  if (e.kind != ExprKind::Binary) return 10;
  switch (e.op) {
  case BinOp::Or:
    return 1;
  case BinOp::And:
    return 2;
  case BinOp::Lt:
  case BinOp::Le:
  case BinOp::Eq:
    return 3;
  case BinOp::Add:
  case BinOp::Sub:
    return 4;
  case BinOp::Mul:
  case BinOp::Div:
  case BinOp::FloorDiv:
  case BinOp::Mod:
    return 5;
  default: // min, max print as calls
    return 10;
  }
}

const char *opText(BinOp op) {
  switch (op) {
  case BinOp::Add:
    return " + ";
  case BinOp::Sub:
    return " - ";
  case BinOp::Mul:
    return "*";
  case BinOp::Div:
  case BinOp::FloorDiv:
    return " / ";
  case BinOp::Mod:
    return " % ";
  case BinOp::Lt:
    return " < ";
  case BinOp::Le:
    return " <= ";
  case BinOp::Eq:
    return " == ";
  case BinOp::And:
    return " && ";
  case BinOp::Or:
    return " || ";
  case BinOp::Min:
    return "min";
  case BinOp::Max:
    return "max";
  }
  return "?";
}

const char *calleeText(Callee c) {
  switch (c) {
  case Callee::Fma:
    return "fma";
  case Callee::Exp:
    return "exp";
  case Callee::Tanh:
    return "tanh";
  case Callee::Sqrt:
    return "sqrt";
  }
  return "?";
}

std::string floatText(float v) {
  char buf[32];
  for (int p = 1; p <= 9; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, static_cast<double>(v));
    if (std::strtof(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".einf") == std::string::npos) s += ".0";
  return s;
}

class ExprPrinter {
public:
  explicit ExprPrinter(const Kernel &k) : k_(k) {}

  std::string print(const Expr &e, int outer = 0) {
    std::string s = body(e);
    return precedence(e) < outer ? "(" + s + ")" : s;
  }

private:
  std::string list(const std::vector<ExprRef> &xs) {
    std::string s;
    for (size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + print(*xs[i]);
    return s;
  }

  std::string body(const Expr &e) {
    switch (e.kind) {
    case ExprKind::Int:
      return e.type == Type::Bool ? (e.intValue ? "true" : "false") : std::to_string(e.intValue);
    case ExprKind::Float:
      return floatText(e.floatValue);
    case ExprKind::Var:
    case ExprKind::Local:
      return e.name;
    case ExprKind::Binary: {
      if (e.op == BinOp::Min || e.op == BinOp::Max)
        return std::string(opText(e.op)) + "(" + list(e.operands) + ")";
      int p = precedence(e);
      // Left-associative: the right operand needs parentheses at equal precedence.
      return print(*e.operands[0], p) + opText(e.op) + print(*e.operands[1], p + 1);
    }
    case ExprKind::Select:
      return "select(" + list(e.operands) + ")";
    case ExprKind::Call:
      return std::string(calleeText(e.callee)) + "(" + list(e.operands) + ")";
    case ExprKind::Cast:
      return "float(" + print(*e.operands[0]) + ")";
    case ExprKind::Load: {
      std::string s = k_.buffers[static_cast<size_t>(e.buffer)].name + "[" + list(e.operands) + "]";
      if (e.guard) s += " if (" + print(*e.guard) + ") else " + floatText(e.fill);
      return s;
    }
    }
    return "?";
  }

  const Kernel &k_;
};

const char *loopText(LoopKind kind) {
  switch (kind) {
  case LoopKind::Serial:
    return "for";
  case LoopKind::Parallel:
    return "parallel for";
  case LoopKind::Vector:
    return "vector";
  case LoopKind::Unrolled:
    return "unrolled for";
  }
  return "?";
}

void printStmt(const Kernel &k, const Stmt &s, int depth, std::ostringstream &os) {
  std::string indent(static_cast<size_t>(depth) * 2, ' ');
  ExprPrinter p(k);
  switch (s.kind) {
  case StmtKind::Block:
    for (const StmtRef &c : s.body) printStmt(k, *c, depth, os);
    return;
  case StmtKind::For: {
    os << indent << loopText(s.loop);
    if (s.loop == LoopKind::Vector) os << "(" << k.vectorWidth << ") for";
    os << " " << s.name << " in " << s.begin << ".." << s.end;
    if (s.clipBegin) os << " within " << p.print(*s.clipBegin) << ".." << p.print(*s.clipEnd);
    os << " {\n";
    for (const StmtRef &c : s.body) printStmt(k, *c, depth + 1, os);
    os << indent << "}\n";
    return;
  }
  case StmtKind::Let:
    os << indent << "float " << s.name << " = " << p.print(*s.value) << "\n";
    return;
  case StmtKind::Assign:
    os << indent << s.name << " = " << p.print(*s.value) << "\n";
    return;
  case StmtKind::Store: {
    os << indent << k.buffers[static_cast<size_t>(s.buffer)].name << "[";
    for (size_t i = 0; i < s.indices.size(); ++i) os << (i ? ", " : "") << p.print(*s.indices[i]);
    os << "] = " << p.print(*s.value);
    if (s.guard) os << " if (" << p.print(*s.guard) << ")";
    os << "\n";
    return;
  }
  case StmtKind::Prefetch: {
    os << indent << "prefetch " << k.buffers[static_cast<size_t>(s.buffer)].name << "[";
    for (size_t i = 0; i < s.indices.size(); ++i) os << (i ? ", " : "") << p.print(*s.indices[i]);
    os << "]\n";
    return;
  }
  }
}

} // namespace

std::string printExpr(const Kernel &k, const ExprRef &e) {
  return ExprPrinter(k).print(*e);
}

std::string printRecipes(const Kernel &k) {
  std::string text;
  for (const BufferDecl &b : k.buffers)
    if (!b.prep.empty()) text += "// " + b.name + " = " + b.prep + "\n";
  return text;
}

std::string printKernel(const Kernel &k) {
  std::ostringstream os;
  os << printRecipes(k) << "kernel " << k.name << "(";
  for (size_t i = 0; i < k.buffers.size(); ++i)
    os << (i ? ", " : "") << k.buffers[i].name << ": f32" << formatShape(k.buffers[i].shape)
       << (k.buffers[i].layout.empty() ? "" : " " + k.buffers[i].layout);
  os << ") {\n";
  printStmt(k, *k.body, 1, os);
  os << "}\n";
  return os.str();
}

} // namespace lgc::loop
