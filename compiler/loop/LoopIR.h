//===- compiler/loop/LoopIR.h - the loop-level IR --------------*- C++ -*-===//
//
// Kernels as loop nests with constant bounds, between the Graph IR and LLVM
// IR. A kernel has buffers (by position), and a body of statements: `for`
// loops (serial, parallel, vector or unrolled), float locals, and stores of
// expressions. Expressions are integer index arithmetic over loop variables,
// and float arithmetic over loads, locals and constants. A load may carry a
// guard: when the guard is false it yields `fill` and touches no memory; this
// is how padding and partial windows are expressed without branches.
//
// Kernels are what `lgc dump --emit=loops` prints, so a reader can see each
// layer's schedule with every bound a number.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace lgc::loop {

enum class Type { I64, F32, Bool };

enum class ExprKind {
  Int,    ///< An i64 constant.
  Float,  ///< An f32 constant.
  Var,    ///< A loop variable (i64).
  Local,  ///< A float local.
  Binary, ///< operands[0] op operands[1].
  Select, ///< operands[0] ? operands[1] : operands[2].
  Call,   ///< A math function of operands.
  Load,   ///< buffer[operands...] (multi-dimensional index).
  Cast,   ///< operands[0] (i64) as f32.
};

enum class BinOp {
  Add,
  Sub,
  Mul,
  Div,      ///< Float division.
  FloorDiv, ///< Integer division by a positive constant, rounding down.
  Mod,      ///< Integer remainder by a positive constant (non-negative).
  Min,
  Max,
  Lt,
  Le,
  Eq,
  And,
  Or,
};

enum class Callee { Fma, Exp, Tanh, Sqrt };

struct Expr;
using ExprRef = std::shared_ptr<const Expr>;

struct Expr {
  ExprKind kind = ExprKind::Int;
  Type type = Type::I64;
  int64_t intValue = 0;
  float floatValue = 0;
  std::string name; ///< Var, Local.
  BinOp op = BinOp::Add;
  Callee callee = Callee::Fma;
  std::vector<ExprRef> operands;
  int buffer = -1; ///< Load.
  ExprRef guard;   ///< Load: null, or a Bool; when false the load yields fill.
  float fill = 0;
};

enum class StmtKind {
  Block,
  For,
  Let,      ///< Declares float local `name` = value.
  Assign,   ///< Local `name` = value.
  Store,    ///< buffer[indices...] = value.
  Prefetch, ///< Hint: buffer[indices...] will be read soon (into L2); never faults.
};

enum class LoopKind {
  Serial,
  Parallel, ///< Split across threads (only as a kernel's outermost loop).
  Vector,   ///< Lanes of a SIMD vector; remainders masked.
  Unrolled, ///< Fully unrolled by LLVM.
};

struct Stmt;
using StmtRef = std::shared_ptr<Stmt>;

struct Stmt {
  StmtKind kind = StmtKind::Block;
  std::vector<StmtRef> body; ///< Block, For.
  std::string name;          ///< For: the variable; Let/Assign: the local.
  int64_t begin = 0, end = 0;
  LoopKind loop = LoopKind::Serial;
  ExprRef value;                ///< Let, Assign, Store.
  int buffer = -1;              ///< Store, Prefetch.
  std::vector<ExprRef> indices; ///< Store, Prefetch.
  ExprRef guard;                ///< Store: null, or a Bool; when false nothing is stored.
  /// A serial For: when set, only the iterations in [clipBegin, clipEnd)
  /// run, integer expressions of the enclosing loops' variables (a thread's
  /// share of rows). [begin, end) stay the constant bounds.
  ExprRef clipBegin, clipEnd;
};

/// A kernel argument. `shape` is the view the kernel indexes it by (the
/// runtime passes only the pointer); `prep` says how a weight was prepared.
struct BufferDecl {
  std::string name;
  Shape shape;
  bool written = false;
  std::string prep;   ///< A weight prepared by steps: its recipe as text.
  std::string layout; ///< A blocked activation: its layout's name (nChw16c).
};

struct Kernel {
  std::string name; ///< The symbol: a C identifier, unique in the module.
  std::vector<BufferDecl> buffers;
  StmtRef body;         ///< A Block.
  int vectorWidth = 16; ///< Lanes of Vector loops.

  /// The extent of the outermost parallel loop (1 if none).
  int64_t parallelExtent() const;
};

//===----------------------------------------------------------------------===//
// Building expressions: E wraps an ExprRef with arithmetic operators, folding
// constants as it goes, so lowering code reads like the loops it writes.
//===----------------------------------------------------------------------===//

class E {
public:
  E() = default;
  E(ExprRef e) : e_(std::move(e)) {}
  E(int64_t v);
  E(int v) : E(static_cast<int64_t>(v)) {}

  const ExprRef &ref() const { return e_; }
  const Expr *operator->() const { return e_.get(); }
  explicit operator bool() const { return e_ != nullptr; }

private:
  ExprRef e_;
};

E f32(float v);
E boolean(bool v);
E var(const std::string &name);
E local(const std::string &name);
E binary(BinOp op, E a, E b);
E select(E cond, E a, E b);
E call(Callee callee, std::vector<E> args);
E fma(E a, E b, E c);
E cast(E a);
E load(int buffer, std::vector<E> indices);
/// A load that yields `fill` (and reads nothing) where `guard` is false.
E guardedLoad(int buffer, std::vector<E> indices, E guard, float fill);

E operator+(E a, E b);
E operator-(E a, E b);
E operator*(E a, E b);
E operator/(E a, E b);
E floorDiv(E a, int64_t b);
E mod(E a, int64_t b);
E min(E a, E b);
E max(E a, E b);
E operator<(E a, E b);
E operator<=(E a, E b);
E operator==(E a, E b);
E operator&&(E a, E b);

/// True when `e` is the integer constant `v`.
bool isInt(const E &e, int64_t v);

//===----------------------------------------------------------------------===//
// Building statements.
//===----------------------------------------------------------------------===//

StmtRef block(std::vector<StmtRef> body = {});
StmtRef forLoop(const std::string &var, int64_t begin, int64_t end, LoopKind kind,
                std::vector<StmtRef> body);
/// A serial `for` over [begin, end) that runs only the iterations inside
/// [clipBegin, clipEnd), bounds that vary with the enclosing loops.
StmtRef clippedLoop(const std::string &var, int64_t begin, int64_t end, E clipBegin, E clipEnd,
                    std::vector<StmtRef> body);
StmtRef let(const std::string &local, E value);
StmtRef assign(const std::string &local, E value);
StmtRef store(int buffer, std::vector<E> indices, E value, E guard = E());
/// A hint that buffer[indices] is read soon: its cache line is fetched into
/// L2 ahead of the loads. An index past the buffer is harmless.
StmtRef prefetch(int buffer, std::vector<E> indices);

//===----------------------------------------------------------------------===//
// Printing.
//===----------------------------------------------------------------------===//

std::string printExpr(const Kernel &k, const ExprRef &e);
/// The kernel as indented pseudo-code, ending in a newline.
std::string printKernel(const Kernel &k);
/// A `// buffer = recipe` line for each prepared weight the kernel reads
/// (printKernel starts with them).
std::string printRecipes(const Kernel &k);

} // namespace lgc::loop
