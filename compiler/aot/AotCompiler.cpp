//===- compiler/aot/AotCompiler.cpp - models as object files --------------===//
//
// 1. Generate the module (kernels) and the program image, as the JIT does.
// 2. Make the kernels internal, so objects of several models link together,
//    and add as private data: the image (JSON), a table of the kernels in
//    step order and, when embedding, the prepared weights.
// 3. Define prefix_create / _run / _destroy: each packs its arguments and
//    calls the runtime's lgc_aot_* function (runtime/AotModel.h).
// 4. Optimise, emit the object, write object and header atomically.
//
//===----------------------------------------------------------------------===//
#include "compiler/aot/AotCompiler.h"

#include "compiler/aot/CInterface.h"
#include "compiler/codegen/CodeGen.h"
#include "compiler/module/GenerateModule.h"
#include "runtime/AotModel.h"
#include "runtime/AtomicFile.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/IRBuilder.h>

namespace lgc {
namespace {

using llvm::ArrayType;
using llvm::ConstantInt;
using llvm::Function;
using llvm::GlobalValue;
using llvm::GlobalVariable;

GlobalVariable *privateData(llvm::Module &m, llvm::Constant *init, const std::string &name,
                            unsigned align) {
  auto *g = new GlobalVariable(m, init->getType(), true, GlobalValue::PrivateLinkage, init, name);
  g->setAlignment(llvm::Align(align));
  return g;
}

/// Step 2: the data an object's create function hands the runtime.
struct ObjectData {
  llvm::Constant *image, *imageLen, *kernels, *numKernels, *weights, *weightsLen;
};

ObjectData addData(llvm::Module &m, const ProgramImage &image, const std::string &blob, bool embed,
                   const std::string &prefix) {
  llvm::LLVMContext &c = m.getContext();
  auto *ptr = llvm::PointerType::getUnqual(c);
  auto *i64 = llvm::Type::getInt64Ty(c);
  std::string json = serializeProgramImage(image);
  ObjectData d;
  d.image =
      privateData(m, llvm::ConstantDataArray::getString(c, json, false), prefix + "__image", 1);
  d.imageLen = ConstantInt::get(i64, json.size());
  std::vector<llvm::Constant *> fns;
  for (const StepImage &s : image.steps) fns.push_back(m.getFunction(s.symbol));
  d.kernels = privateData(m, llvm::ConstantArray::get(ArrayType::get(ptr, fns.size()), fns),
                          prefix + "__kernels", 8);
  d.numKernels = ConstantInt::get(i64, fns.size());
  d.weights = llvm::ConstantPointerNull::get(ptr);
  if (embed)
    d.weights = privateData(m, llvm::ConstantDataArray::getString(c, blob, false),
                            prefix + "__weights", /*cache line*/ 64);
  d.weightsLen = ConstantInt::get(i64, embed ? blob.size() : 0);
  return d;
}

/// Step 3: the C functions.
void addFunctions(llvm::Module &m, const ObjectData &d, const CNames &names) {
  llvm::LLVMContext &c = m.getContext();
  auto *ptr = llvm::PointerType::getUnqual(c);
  auto *i32 = llvm::Type::getInt32Ty(c);
  auto *i64 = llvm::Type::getInt64Ty(c);
  auto *voidTy = llvm::Type::getVoidTy(c);
  auto define = [&](const std::string &name, llvm::Type *ret, std::vector<llvm::Type *> params) {
    Function *f = Function::Create(llvm::FunctionType::get(ret, params, false),
                                   GlobalValue::ExternalLinkage, name, m);
    f->addFnAttr(llvm::Attribute::NoUnwind);
    return f;
  };
  auto declare = [&](const std::string &name, llvm::Type *ret, std::vector<llvm::Type *> params) {
    return m.getOrInsertFunction(name, llvm::FunctionType::get(ret, params, false));
  };
  const std::string &p = names.prefix;
  llvm::IRBuilder<> b(c);

  Function *create = define(p + "_create", ptr, {ptr, i32, ptr, i64});
  b.SetInsertPoint(llvm::BasicBlock::Create(c, "entry", create));
  auto rtCreate =
      declare("lgc_aot_create", ptr, {ptr, i64, ptr, i64, ptr, i64, ptr, i32, ptr, i64});
  b.CreateRet(b.CreateCall(rtCreate, {d.image, d.imageLen, d.kernels, d.numKernels, d.weights,
                                      d.weightsLen, create->getArg(0), create->getArg(1),
                                      create->getArg(2), create->getArg(3)}));

  size_t nIn = names.inputs.size(), nOut = names.outputs.size();
  Function *run = define(p + "_run", i32, std::vector<llvm::Type *>(1 + nIn + nOut, ptr));
  b.SetInsertPoint(llvm::BasicBlock::Create(c, "entry", run));
  auto pack = [&](size_t first, size_t n, const char *name) {
    ArrayType *type = ArrayType::get(ptr, std::max<size_t>(n, 1));
    llvm::Value *array = b.CreateAlloca(type, nullptr, name);
    for (size_t i = 0; i < n; ++i)
      b.CreateStore(run->getArg(unsigned(first + i)),
                    b.CreateConstInBoundsGEP2_32(type, array, 0, unsigned(i)));
    return array;
  };
  llvm::Value *ins = pack(1, nIn, "inputs"), *outs = pack(1 + nIn, nOut, "outputs");
  b.CreateRet(
      b.CreateCall(declare("lgc_aot_run", i32, {ptr, ptr, ptr}), {run->getArg(0), ins, outs}));

  Function *destroy = define(p + "_destroy", voidTy, {ptr});
  b.SetInsertPoint(llvm::BasicBlock::Create(c, "entry", destroy));
  b.CreateCall(declare("lgc_aot_destroy", voidTy, {ptr}), {destroy->getArg(0)});
  b.CreateRetVoid();
}

} // namespace

Error compileAheadOfTime(const Graph &graph, const std::vector<ParamSpec> &params,
                         const Target &target, const AotOptions &options) {
  Expected<GeneratedModule> generated = generateModule(graph, params, target, options.layouts);
  if (!generated) return generated.takeError();
  const ProgramImage &image = generated->image;
  Expected<CNames> names = cNames(image);
  if (!names) return names.takeError();

  std::string blob;
  if (options.embed) {
    Expected<std::vector<Tensor>> prepared = prepareWeights(image, *options.embed);
    if (!prepared) return prepared.takeError();
    blob = packEmbeddedWeights(*prepared);
  }
  llvm::Module &m = *generated->parts.front().module;
  for (const StepImage &s : image.steps)
    if (Function *f = m.getFunction(s.symbol)) f->setLinkage(GlobalValue::InternalLinkage);
  addFunctions(m, addData(m, image, blob, options.embed != nullptr, names->prefix), *names);

  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(target);
  if (!machine) return Error::internal("no LLVM target for " + target.triple);
  optimizeModule(m, *machine);
  Expected<std::string> object = emitObject(m, *machine);
  if (!object) return object.takeError();
  if (Error e = writeFileAtomically(options.objectPath, *object)) return e;
  return writeFileAtomically(options.headerPath, cHeader(image, *names, options.embed != nullptr));
}

} // namespace lgc
