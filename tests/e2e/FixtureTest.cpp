//===- tests/e2e/FixtureTest.cpp - PyTorch fixtures through lgc run -------===//
//
// Every case under tests/fixtures (written by tools/gen_fixtures.py from
// PyTorch) runs through the built `lgc` binary and each output is compared
// with PyTorch's at SPEC §5's tolerance: |got - expected| <= 1e-4 * max(1,
// max|expected|).
//
//===----------------------------------------------------------------------===//
#include "runtime/Npy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

struct Case {
  std::string name;
  fs::path dir;
};

/// Names the case in gtest's messages instead of dumping its bytes.
void PrintTo(const Case &c, std::ostream *os) {
  *os << c.name;
}

std::vector<Case> allCases() {
  std::vector<Case> cases;
  for (const auto &entry : fs::directory_iterator(LGC_FIXTURES_DIR))
    if (entry.is_directory() && fs::exists(entry.path() / "model.yaml"))
      cases.push_back({entry.path().filename().string(), entry.path()});
  std::sort(cases.begin(), cases.end(),
            [](const Case &a, const Case &b) { return a.name < b.name; });
  return cases;
}

/// The part of `file` between `prefix` and ".npy" ("in.x.npy" -> "x").
std::string tensorName(const std::string &file, const std::string &prefix) {
  return file.substr(prefix.size(), file.size() - prefix.size() - 4);
}

bool startsWith(const std::string &s, const std::string &p) {
  return s.rfind(p, 0) == 0;
}

std::string quote(const fs::path &p) {
  return "'" + p.string() + "'";
}

/// Runs a shell command; returns its exit status and appends stderr+stdout to `log`.
int runCommand(const std::string &command, const fs::path &logFile, std::string &log) {
  int status = std::system((command + " > " + quote(logFile) + " 2>&1").c_str());
  std::ifstream in(logFile);
  std::stringstream text;
  text << in.rdbuf();
  log = text.str();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class Fixture : public testing::TestWithParam<Case> {};

TEST_P(Fixture, ReferenceMatchesPyTorch) {
  const Case &c = GetParam();
  fs::path out = fs::path(testing::TempDir()) / ("lgc_fixture_" + c.name);
  fs::remove_all(out);
  fs::create_directories(out);

  std::string command =
      std::string(LGC_BINARY) + " run " + quote(c.dir / "model.yaml") + " --reference";
  if (fs::exists(c.dir / "weights.safetensors"))
    command += " --weights " + quote(c.dir / "weights.safetensors");
  std::vector<std::pair<std::string, fs::path>> expected;
  for (const auto &entry : fs::directory_iterator(c.dir)) {
    std::string file = entry.path().filename().string();
    if (startsWith(file, "in."))
      command += " --input " + quote(tensorName(file, "in.") + "=" + entry.path().string());
    if (startsWith(file, "out.")) {
      std::string name = tensorName(file, "out.");
      expected.emplace_back(name, entry.path());
      command += " --output " + quote(name + "=" + (out / file).string());
    }
  }
  ASSERT_FALSE(expected.empty()) << "fixture has no out.*.npy";

  std::string log;
  ASSERT_EQ(runCommand(command, out / "log.txt", log), 0) << command << "\n" << log;
  for (const auto &[name, file] : expected) {
    auto want = lgc::readNpy(file.string());
    auto got = lgc::readNpy((out / file.filename()).string());
    ASSERT_TRUE(want) << want.error().str();
    ASSERT_TRUE(got) << got.error().str();
    ASSERT_EQ(got->shape, want->shape) << "output " << name;
    float peak = 1.0f;
    for (float v : want->data) peak = std::max(peak, std::fabs(v));
    float tolerance = 1e-4f * peak, worst = 0.0f;
    size_t worstAt = 0;
    for (size_t i = 0; i < want->data.size(); ++i) {
      float diff = std::fabs(got->data[i] - want->data[i]);
      if (!(diff <= worst)) {
        worst = diff;
        worstAt = i;
      }
    }
    EXPECT_LE(worst, tolerance) << "output " << name << " element " << worstAt << ": got "
                                << got->data[worstAt] << ", PyTorch " << want->data[worstAt];
  }
  fs::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(PyTorch, Fixture, testing::ValuesIn(allCases()),
                         [](const testing::TestParamInfo<Case> &info) { return info.param.name; });

} // namespace
