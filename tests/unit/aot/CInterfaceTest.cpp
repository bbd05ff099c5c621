//===- tests/unit/aot/CInterfaceTest.cpp - the AOT C interface ------------===//
//
// SPEC §7's names and header: cIdentifier turns tensor names into C
// identifiers; cNames rejects two tensors whose identifiers or upper-cased
// macros coincide and keeps the model handle's name clear of the tensors';
// cHeader's text for a small image holds the include guard, extern "C",
// the three function declarations with parameters in model order, and the
// _SHAPE, _RANK and _SIZE macros.
//
//===----------------------------------------------------------------------===//
#include "compiler/aot/CInterface.h"

#include <gtest/gtest.h>

#include <set>

namespace lgc {
namespace {

ProgramImage imageWith(const std::vector<std::string> &inputs,
                       const std::vector<std::string> &outputs) {
  ProgramImage image;
  image.model = "net";
  image.inputNames = inputs;
  image.inputShapes.assign(inputs.size(), Shape{1, 4});
  image.outputNames = outputs;
  image.outputShapes.assign(outputs.size(), Shape{1, 2});
  return image;
}

CNames namesOf(const ProgramImage &image) {
  Expected<CNames> names = cNames(image);
  if (!names) {
    ADD_FAILURE() << names.error().str();
    return CNames();
  }
  return *names;
}

std::string namesError(const ProgramImage &image) {
  Expected<CNames> names = cNames(image);
  if (names) {
    ADD_FAILURE() << "cNames succeeded";
    return "";
  }
  EXPECT_FALSE(names.error().isInternal());
  return names.error().str();
}

/// The SPEC's example: `model: net`, input `image`, output `fc`.
ProgramImage specImage() {
  ProgramImage image;
  image.model = "net";
  image.inputNames = {"image"};
  image.inputShapes = {{1, 3, 224, 224}};
  image.outputNames = {"fc"};
  image.outputShapes = {{1, 1000}};
  return image;
}

#define EXPECT_CONTAINS(haystack, needle)                                                          \
  do {                                                                                             \
    std::string h_ = (haystack);                                                                   \
    EXPECT_NE(h_.find(needle), std::string::npos) << "no '" << (needle) << "' in:\n" << h_;        \
  } while (0)

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

TEST(CInterface, CIdentifier) {
  EXPECT_EQ(cIdentifier("classifier.6"), "classifier_6");
  EXPECT_EQ(cIdentifier("image"), "image");
  EXPECT_EQ(cIdentifier("a-b.c_d"), "a_b_c_d");
  EXPECT_EQ(cIdentifier("Conv1_X"), "Conv1_X");
  EXPECT_EQ(cIdentifier("6x"), "_6x");
  EXPECT_EQ(cIdentifier("0"), "_0");
  EXPECT_EQ(cIdentifier(".5"), "_5");
  EXPECT_EQ(cIdentifier("x y"), "x_y");
  EXPECT_EQ(cIdentifier("\xc3\xa9t\xc3\xa9"), "__t__"); // bytes outside ASCII
  EXPECT_EQ(cIdentifier(""), "_");
}

TEST(CInterface, NamesInModelOrder) {
  CNames names = namesOf(imageWith({"b.in", "a"}, {"z", "classifier.6"}));
  EXPECT_EQ(names.prefix, "net");
  EXPECT_EQ(names.handle, "m");
  EXPECT_EQ(names.inputs, (std::vector<std::string>{"b_in", "a"}));
  EXPECT_EQ(names.outputs, (std::vector<std::string>{"z", "classifier_6"}));
}

TEST(CInterface, TwoNamesBecomingOneIdentifierIsAnError) {
  std::string e = namesError(imageWith({"a.b"}, {"a_b"}));
  EXPECT_EQ(e, "net: error: tensors 'a.b' and 'a_b' both become the C name 'a_b' (or its macro); "
               "rename one\n");
  EXPECT_CONTAINS(namesError(imageWith({"x-1", "x.1"}, {"y"})), "'x-1' and 'x.1'");
  EXPECT_CONTAINS(namesError(imageWith({"6x"}, {"_6x"})), "C name '_6x'");
}

TEST(CInterface, TwoNamesBecomingOneMacroIsAnError) {
  // x and X are different identifiers, but both give NET_X_SHAPE.
  EXPECT_CONTAINS(namesError(imageWith({"x"}, {"X"})), "tensors 'x' and 'X'");
  EXPECT_CONTAINS(namesError(imageWith({"in", "out"}, {"Out"})), "tensors 'out' and 'Out'");
}

TEST(CInterface, HandleAvoidsAnInputCalledM) {
  EXPECT_EQ(namesOf(imageWith({"m"}, {"y"})).handle, "model");
  EXPECT_EQ(namesOf(imageWith({"x"}, {"M"})).handle, "model");
  EXPECT_EQ(namesOf(imageWith({"model"}, {"y"})).handle, "m");
  CNames both = namesOf(imageWith({"m", "model"}, {"y"}));
  EXPECT_NE(both.handle, "m");
  EXPECT_NE(both.handle, "model");
  EXPECT_EQ(both.handle, "model_handle");
  std::string h = cHeader(imageWith({"m"}, {"y"}), namesOf(imageWith({"m"}, {"y"})), false);
  EXPECT_CONTAINS(h, "int net_run(net_model *model, const float *m, float *y);");
  EXPECT_CONTAINS(h, "void net_destroy(net_model *model);");
}

// Names are C identifiers "with every character outside [A-Za-z0-9_]
// replaced", but a tensor may be called `int`, `default` or (the header is
// for C++ too) `class` or `new`, which are valid model names and not valid
// parameter names: `int net_run(net_model *m, const float *int, ...)` does
// not compile. Such names must be changed or rejected.
TEST(CInterface, TensorNamedLikeAKeywordStillGivesValidC) {
  const std::set<std::string> keywords = {"int",   "float", "default", "for",    "char",
                                          "class", "new",   "delete",  "this",   "template",
                                          "case",  "void",  "return",  "double", "auto"};
  for (const char *name : {"int", "default", "class", "new"}) {
    Expected<CNames> names = cNames(imageWith({"x"}, {name}));
    if (!names) continue; // rejected: acceptable
    EXPECT_EQ(keywords.count(names->outputs[0]), 0u)
        << "tensor '" << name << "' becomes the C parameter name '" << names->outputs[0] << "'";
  }
}

//===----------------------------------------------------------------------===//
// Header text
//===----------------------------------------------------------------------===//

TEST(CInterface, HeaderDeclaresTheSpecsFunctions) {
  ProgramImage image = specImage();
  std::string h = cHeader(image, namesOf(image), false);
  EXPECT_CONTAINS(h, "typedef struct net_model net_model;");
  EXPECT_CONTAINS(h,
                  "\nnet_model *net_create(const char *weights_path, int num_threads, char *err, "
                  "size_t err_len);\n");
  EXPECT_CONTAINS(h, "\nint net_run(net_model *m, const float *image, float *fc);\n");
  EXPECT_CONTAINS(h, "\nvoid net_destroy(net_model *m);\n");
  EXPECT_CONTAINS(h, "#include <stddef.h>"); // size_t
}

TEST(CInterface, HeaderMacros) {
  ProgramImage image = specImage();
  std::string h = cHeader(image, namesOf(image), false);
  EXPECT_CONTAINS(h, "\n#define NET_IMAGE_SHAPE {1, 3, 224, 224}\n");
  EXPECT_CONTAINS(h, "\n#define NET_IMAGE_RANK 4\n");
  EXPECT_CONTAINS(h, "\n#define NET_IMAGE_SIZE 150528\n");
  EXPECT_CONTAINS(h, "\n#define NET_FC_SHAPE {1, 1000}\n");
  EXPECT_CONTAINS(h, "\n#define NET_FC_RANK 2\n");
  EXPECT_CONTAINS(h, "\n#define NET_FC_SIZE 1000\n");
}

TEST(CInterface, HeaderGuardAndExternC) {
  ProgramImage image = specImage();
  std::string h = cHeader(image, namesOf(image), false);
  size_t ifndef = h.find("#ifndef NET_LGC_H\n#define NET_LGC_H\n");
  ASSERT_NE(ifndef, std::string::npos) << h;
  size_t open = h.find("#ifdef __cplusplus\nextern \"C\" {\n#endif\n");
  ASSERT_NE(open, std::string::npos) << h;
  size_t decl = h.find("net_model *net_create(const char");
  ASSERT_NE(decl, std::string::npos) << h;
  size_t close = h.find("#ifdef __cplusplus\n}\n#endif\n");
  ASSERT_NE(close, std::string::npos) << h;
  size_t endif = h.find("#endif /* NET_LGC_H */");
  ASSERT_NE(endif, std::string::npos) << h;
  // guard < extern "C" { < declarations < } < #endif, and nothing after.
  EXPECT_LT(ifndef, open);
  EXPECT_LT(open, decl);
  EXPECT_LT(h.find("int net_run("), close);
  EXPECT_LT(h.find("#define NET_FC_SIZE"), close);
  EXPECT_LT(close, endif);
  EXPECT_EQ(h.substr(endif), "#endif /* NET_LGC_H */\n");
  // Every #if has its #endif.
  size_t ifs = 0, endifs = 0;
  for (size_t p = 0; (p = h.find("\n#if", p)) != std::string::npos; ++p) ++ifs;
  for (size_t p = 0; (p = h.find("\n#endif", p)) != std::string::npos; ++p) ++endifs;
  EXPECT_EQ(ifs, endifs);
}

TEST(CInterface, HeaderWithSeveralTensorsAndDottedNames) {
  ProgramImage image;
  image.model = "resnet18";
  image.inputNames = {"left", "right.img"};
  image.inputShapes = {{2, 3}, {2, 3, 4}};
  image.outputNames = {"classifier.6"};
  image.outputShapes = {{2, 10}};
  std::string h = cHeader(image, namesOf(image), false);
  EXPECT_CONTAINS(h, "#ifndef RESNET18_LGC_H");
  EXPECT_CONTAINS(h, "typedef struct resnet18_model resnet18_model;");
  EXPECT_CONTAINS(h, "int resnet18_run(resnet18_model *m, const float *left, const float "
                     "*right_img, float *classifier_6);");
  EXPECT_CONTAINS(h, "#define RESNET18_LEFT_SHAPE {2, 3}\n");
  EXPECT_CONTAINS(h, "#define RESNET18_LEFT_SIZE 6\n");
  EXPECT_CONTAINS(h, "#define RESNET18_RIGHT_IMG_SHAPE {2, 3, 4}\n");
  EXPECT_CONTAINS(h, "#define RESNET18_RIGHT_IMG_RANK 3\n");
  EXPECT_CONTAINS(h, "#define RESNET18_RIGHT_IMG_SIZE 24\n");
  EXPECT_CONTAINS(h, "#define RESNET18_CLASSIFIER_6_SHAPE {2, 10}\n");
}

TEST(CInterface, HeaderSaysWhetherWeightsAreEmbedded) {
  ProgramImage image = specImage();
  std::string embedded = cHeader(image, namesOf(image), true);
  std::string loaded = cHeader(image, namesOf(image), false);
  EXPECT_CONTAINS(embedded, "net_create(NULL, 0, err, sizeof err)");
  EXPECT_CONTAINS(embedded, "pass NULL as weights_path");
  EXPECT_CONTAINS(loaded, "net_create(\"weights.safetensors\", 0, err, sizeof err)");
  EXPECT_EQ(loaded.find("pass NULL as weights_path"), std::string::npos);
  // The declarations are the same either way.
  auto declarations = [](const std::string &h) { return h.substr(h.find("#ifndef")); };
  EXPECT_EQ(declarations(embedded), declarations(loaded));
}

} // namespace
} // namespace lgc
