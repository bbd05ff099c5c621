//===- tests/e2e/FixtureTest.cpp - PyTorch fixtures through lgc run -------===//
//
// Every case under tests/fixtures (written by tests/fixtures/gen_fixtures.py from
// PyTorch) runs through the built `lgc` binary, with the reference
// interpreter and compiled with 1 and 2 threads, and each output is compared
// with PyTorch's at SPEC §5's tolerance: |got - expected| <= 1e-4 * max(1,
// max|expected|). Compiled outputs must not change with the thread count.
//
//===----------------------------------------------------------------------===//
#include "runtime/Npy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
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

/// Runs one case with `flags`, writing its outputs under `dir`; returns the
/// outputs by name.
std::map<std::string, lgc::Tensor> runCase(const Case &c, const std::string &flags,
                                           const fs::path &dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string command =
      std::string(LGC_BINARY) + " run " + quote(c.dir / "model.yaml") + " " + flags;
  if (fs::exists(c.dir / "weights.safetensors"))
    command += " --weights " + quote(c.dir / "weights.safetensors");
  std::vector<std::string> names;
  for (const auto &entry : fs::directory_iterator(c.dir)) {
    std::string file = entry.path().filename().string();
    if (startsWith(file, "in."))
      command += " --input " + quote(tensorName(file, "in.") + "=" + entry.path().string());
    if (startsWith(file, "out.")) {
      names.push_back(tensorName(file, "out."));
      command += " --output " + quote(names.back() + "=" + (dir / file).string());
    }
  }
  std::string log;
  int status = runCommand(command, dir / "log.txt", log);
  EXPECT_EQ(status, 0) << command << "\n" << log;
  std::map<std::string, lgc::Tensor> outputs;
  for (const std::string &name : names) {
    auto t = lgc::readNpy((dir / ("out." + name + ".npy")).string());
    if (t)
      outputs[name] = std::move(*t);
    else
      ADD_FAILURE() << flags << ": " << t.error().str();
  }
  fs::remove_all(dir);
  return outputs;
}

/// Every output within SPEC §5's tolerance of PyTorch's.
void expectMatchesPyTorch(const Case &c, const std::map<std::string, lgc::Tensor> &got,
                          const std::string &what) {
  for (const auto &[name, tensor] : got) {
    auto want = lgc::readNpy((c.dir / ("out." + name + ".npy")).string());
    ASSERT_TRUE(want) << want.error().str();
    ASSERT_EQ(tensor.shape, want->shape) << what << ": output " << name;
    float peak = 1.0f;
    for (float v : want->data) peak = std::max(peak, std::fabs(v));
    float worst = 0.0f;
    size_t worstAt = 0;
    for (size_t i = 0; i < want->data.size(); ++i) {
      float diff = std::fabs(tensor.data[i] - want->data[i]);
      if (!(diff <= worst)) {
        worst = diff;
        worstAt = i;
      }
    }
    EXPECT_LE(worst, 1e-4f * peak)
        << what << ": output " << name << " element " << worstAt << ": got " << tensor.data[worstAt]
        << ", PyTorch " << want->data[worstAt];
  }
}

class Fixture : public testing::TestWithParam<Case> {
protected:
  fs::path scratch(const std::string &tag) const {
    return fs::path(testing::TempDir()) / ("lgc_fixture_" + GetParam().name + "_" + tag);
  }
};

TEST_P(Fixture, ReferenceMatchesPyTorch) {
  auto got = runCase(GetParam(), "--reference", scratch("ref"));
  ASSERT_FALSE(got.empty());
  expectMatchesPyTorch(GetParam(), got, "--reference");
}

TEST_P(Fixture, CompiledMatchesPyTorchForAnyThreadCount) {
  auto one = runCase(GetParam(), "--threads 1", scratch("t1"));
  auto two = runCase(GetParam(), "--threads 2", scratch("t2"));
  auto again = runCase(GetParam(), "--threads 2", scratch("t2b"));
  ASSERT_FALSE(one.empty());
  expectMatchesPyTorch(GetParam(), one, "--threads 1");
  // SPEC §5: bit-for-bit identical for every thread count and every run.
  for (const auto &[name, tensor] : one) {
    EXPECT_EQ(tensor.data, two.at(name).data) << "output " << name << ": 1 vs 2 threads";
    EXPECT_EQ(two.at(name).data, again.at(name).data) << "output " << name << ": run to run";
  }
}

INSTANTIATE_TEST_SUITE_P(PyTorch, Fixture, testing::ValuesIn(allCases()),
                         [](const testing::TestParamInfo<Case> &info) { return info.param.name; });

} // namespace
