//===- tests/unit/frontend/FuzzRegressionTest.cpp - fuzz findings, models -===//
//
// Every model text in tests/fuzz/regressions/model (README.md there) parsed
// as `lgc check` parses it: each must come back, promptly, as a located user
// error. yaml-cpp's LoadAll never returned on these.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontend/ModelParser.h"

#include <gtest/gtest.h>

#include <string>

namespace lgc {
namespace {

std::string parseError(const std::string &name) {
  std::string path = std::string(LGC_SOURCE_DIR) + "/tests/fuzz/regressions/model/" + name;
  Expected<Graph> g = parseModelFile(path);
  EXPECT_FALSE(g) << name;
  if (g) return "";
  EXPECT_FALSE(g.error().isInternal()) << g.error().str();
  return g.error().message();
}

TEST(FuzzRegression, StrayCommaAfterTheDocument) {
  EXPECT_EQ(parseError("loadall_stray_comma.yaml"),
            "invalid YAML: unexpected ',' after the end of the document");
  EXPECT_EQ(parseError("loadall_comma_after_model.yaml"),
            "invalid YAML: unexpected ',' after the end of the document");
  // Empty quoted scalars with commas between: yaml-cpp sees documents.
  EXPECT_EQ(parseError("loadall_quoted_list.yaml"),
            "the model file holds more than one YAML document ('---'); it must be exactly one");
}

TEST(FuzzRegression, TwoDocumentsStillNamedAsSuch) {
  Expected<Graph> g = parseModelText("model: m\n---\nmodel: n\n", "two.yaml");
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().str(), "two.yaml:3:1: error: the model file holds more than one YAML "
                             "document ('---'); it must be exactly one\n");
}

} // namespace
} // namespace lgc
