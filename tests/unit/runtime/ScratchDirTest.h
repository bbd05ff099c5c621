//===- tests/unit/runtime/ScratchDirTest.h - a directory per test -*- C++ -*-===//
//
// A GoogleTest fixture giving each test a fresh directory (removed after it)
// and a way to write raw bytes into it: the runtime's readers are tested on
// files built byte by byte, so no binary fixtures are needed.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace lgc {

class ScratchDirTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "lgc-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  /// The path of `name` in the test's directory.
  std::string path(const std::string &name) const { return (dir_ / name).string(); }

  /// Writes `bytes` to the file `name` in the test's directory.
  std::string writeFile(const std::string &name, const std::string &bytes) const {
    std::string p = path(name);
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

  /// The names in the test's directory.
  std::vector<std::string> listDir() const {
    std::vector<std::string> names;
    for (const auto &e : std::filesystem::directory_iterator(dir_))
      names.push_back(e.path().filename().string());
    return names;
  }

  std::filesystem::path dir_;
};

} // namespace lgc
