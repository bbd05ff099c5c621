//===- tests/unit/runtime/AtomicFileTest.cpp - complete or absent ---------===//
//
// writeFileAtomically and the .npy writer on it: a file is written whole or
// not at all. Failures come from real causes (a missing directory, a
// directory in the way) and from LGC_FAULT_INJECT, which fails a write after
// N bytes or, in kill mode, ends the process there (a death test): after a
// failure the target is absent or unchanged and no temporary file remains;
// after a kill the target is absent or unchanged and the temporary file is
// the only trace.
//
//===----------------------------------------------------------------------===//
#include "runtime/AtomicFile.h"
#include "runtime/Npy.h"

#include "tests/unit/runtime/ScratchDirTest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sys/stat.h>
#include <unistd.h>

namespace lgc {
namespace {

namespace fs = std::filesystem;

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Sets LGC_FAULT_INJECT for one test and removes it afterwards.
class ScopedFault {
public:
  explicit ScopedFault(const char *value) { ::setenv("LGC_FAULT_INJECT", value, 1); }
  ~ScopedFault() { ::unsetenv("LGC_FAULT_INJECT"); }
};

class AtomicFileTest : public ScratchDirTest {
protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    ::unsetenv("LGC_FAULT_INJECT");
  }

  /// The names in the directory that look like temporary files.
  std::vector<std::string> temporaries() const {
    std::vector<std::string> names;
    for (const std::string &n : listDir())
      if (n.find(".tmp-") != std::string::npos) names.push_back(n);
    return names;
  }
};

TEST_F(AtomicFileTest, WritesBytes) {
  std::string p = path("out.bin");
  ASSERT_FALSE(writeFileAtomically(p, std::string_view("hello\0world", 11)));
  EXPECT_EQ(readFile(p), std::string("hello\0world", 11));
  EXPECT_EQ(listDir(), std::vector<std::string>{"out.bin"});
}

TEST_F(AtomicFileTest, WritesWhatTheCallbackWrites) {
  std::string p = path("out.bin");
  ASSERT_FALSE(writeFileAtomically(p, [](AtomicFileWriter &w) {
    EXPECT_TRUE(w.write("abc"));
    EXPECT_TRUE(w.write("", 0));
    EXPECT_TRUE(w.write("def"));
    EXPECT_EQ(w.written(), 6u);
  }));
  EXPECT_EQ(readFile(p), "abcdef");
}

TEST_F(AtomicFileTest, WritesAnEmptyFile) {
  std::string p = path("empty");
  ASSERT_FALSE(writeFileAtomically(p, std::string_view()));
  EXPECT_TRUE(fs::exists(p));
  EXPECT_EQ(fs::file_size(p), 0u);
}

TEST_F(AtomicFileTest, ReplacesAnExistingFileWhole) {
  std::string p = writeFile("out.bin", std::string(1000, 'x'));
  ASSERT_FALSE(writeFileAtomically(p, "short"));
  EXPECT_EQ(readFile(p), "short");
  EXPECT_EQ(listDir(), std::vector<std::string>{"out.bin"});
}

TEST_F(AtomicFileTest, RelativePathInTheWorkingDirectory) {
  fs::path old = fs::current_path();
  fs::current_path(dir_);
  Error e = writeFileAtomically("here.bin", "x");
  fs::current_path(old);
  ASSERT_FALSE(e) << e.str();
  EXPECT_EQ(readFile(path("here.bin")), "x");
}

TEST_F(AtomicFileTest, FollowsASymbolicLink) {
  std::string target = writeFile("target.bin", "old");
  fs::create_symlink(target, path("link.bin"));
  ASSERT_FALSE(writeFileAtomically(path("link.bin"), "new"));
  EXPECT_TRUE(fs::is_symlink(path("link.bin")));
  EXPECT_EQ(readFile(target), "new");
  EXPECT_EQ(temporaries(), std::vector<std::string>{});
}

TEST_F(AtomicFileTest, FollowsADanglingRelativeLink) {
  // As the shell's `>`: the link's target is created, the link stays.
  fs::create_directory(path("sub"));
  fs::create_symlink("../made.bin", path("sub/link.bin"));
  ASSERT_FALSE(writeFileAtomically(path("sub/link.bin"), "made"));
  EXPECT_TRUE(fs::is_symlink(path("sub/link.bin")));
  EXPECT_EQ(readFile(path("made.bin")), "made");
}

TEST_F(AtomicFileTest, WritesAFifoInPlace) {
  // As /dev/null or /dev/stdout: renaming over a device or FIFO would replace
  // it with a file. (A FIFO of the test's own, so a broken writer cannot
  // replace the machine's /dev/null.)
  std::string fifo = path("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  Error e = writeFileAtomically(fifo, "through");
  char buffer[16] = {};
  ssize_t n = ::read(reader, buffer, sizeof buffer);
  ::close(reader);
  ASSERT_FALSE(e) << e.str();
  EXPECT_EQ(std::string(buffer, n > 0 ? static_cast<size_t>(n) : 0), "through");
  EXPECT_TRUE(fs::is_fifo(fifo));
  EXPECT_EQ(listDir(), std::vector<std::string>{"pipe"});
}

TEST_F(AtomicFileTest, MissingDirectoryFailsNamingTheFile) {
  std::string p = path("missing/out.bin");
  Error e = writeFileAtomically(p, "x");
  ASSERT_TRUE(e);
  EXPECT_FALSE(e.isInternal());
  EXPECT_EQ(e.str(), p + ": error: cannot write file: No such file or directory\n");
  EXPECT_TRUE(listDir().empty());
}

TEST_F(AtomicFileTest, DirectoryInTheWayFailsAndLeavesNoTemporary) {
  fs::create_directory(path("d"));
  Error e = writeFileAtomically(path("d"), "x");
  ASSERT_TRUE(e);
  EXPECT_EQ(e.str().rfind(path("d") + ": error: cannot write file: ", 0), 0u) << e.str();
  EXPECT_EQ(listDir(), std::vector<std::string>{"d"});
  EXPECT_TRUE(fs::is_directory(path("d")));
}

TEST_F(AtomicFileTest, InjectedFailureLeavesNothing) {
  ScopedFault fault("write:4");
  std::string p = path("out.bin");
  bool secondWrite = true;
  Error e = writeFileAtomically(p, [&](AtomicFileWriter &w) {
    EXPECT_TRUE(w.write("abc"));
    secondWrite = w.write("defgh");
    EXPECT_TRUE(w.failed());
    EXPECT_FALSE(w.write("i")); // later writes do nothing
  });
  EXPECT_FALSE(secondWrite);
  ASSERT_TRUE(e);
  EXPECT_EQ(e.str(),
            p + ": error: cannot write file: fault injected by LGC_FAULT_INJECT after 4 bytes\n");
  EXPECT_TRUE(listDir().empty());
}

TEST_F(AtomicFileTest, InjectedFailureKeepsThePreviousFile) {
  std::string p = writeFile("out.bin", "previous");
  ScopedFault fault("write:0:fail");
  ASSERT_TRUE(writeFileAtomically(p, "next"));
  EXPECT_EQ(readFile(p), "previous");
  EXPECT_EQ(listDir(), std::vector<std::string>{"out.bin"});
}

TEST_F(AtomicFileTest, FaultPastTheEndDoesNothing) {
  ScopedFault fault("write:100");
  std::string p = path("out.bin");
  ASSERT_FALSE(writeFileAtomically(p, std::string(100, 'y')));
  EXPECT_EQ(readFile(p), std::string(100, 'y'));
}

TEST_F(AtomicFileTest, MalformedFaultVariableIsAnError) {
  for (const char *bad : {"write", "write:", "write:x", "write:-1", "write:5:explode", "read:5"}) {
    ScopedFault fault(bad);
    Error e = writeFileAtomically(path("out.bin"), "x");
    ASSERT_TRUE(e) << bad;
    EXPECT_NE(e.str().find("LGC_FAULT_INJECT='" + std::string(bad) + "' is not write:N"),
              std::string::npos)
        << e.str();
    EXPECT_TRUE(listDir().empty());
  }
}

TEST_F(AtomicFileTest, KilledMidWriteLeavesTargetAbsent) {
  std::string p = path("out.bin");
  EXPECT_EXIT(
      {
        ScopedFault fault("write:3:kill");
        (void)writeFileAtomically(p, "abcdef");
        std::_Exit(0); // not reached
      },
      ::testing::ExitedWithCode(3), "");
  EXPECT_FALSE(fs::exists(p));
  // The temporary file is the only trace, holding the bytes before the kill.
  std::vector<std::string> tmp = temporaries();
  ASSERT_EQ(tmp.size(), 1u);
  EXPECT_EQ(tmp[0].rfind("out.bin.tmp-", 0), 0u) << tmp[0];
  EXPECT_EQ(readFile(path(tmp[0])), "abc");
}

TEST_F(AtomicFileTest, KilledMidWriteKeepsThePreviousFile) {
  std::string p = writeFile("out.bin", "previous");
  EXPECT_EXIT(
      {
        ScopedFault fault("write:2:kill");
        (void)writeFileAtomically(p, "next contents");
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(3), "");
  EXPECT_EQ(readFile(p), "previous");
}

TEST_F(AtomicFileTest, TemporaryNamesDiffer) {
  // Two writes of one process race for no name: each has its own.
  std::string a = path("a"), b = path("b");
  std::string seenA, seenB;
  ASSERT_FALSE(writeFileAtomically(a, [&](AtomicFileWriter &w) {
    seenA = temporaries().at(0);
    w.write("1");
    ASSERT_FALSE(writeFileAtomically(b, [&](AtomicFileWriter &w2) {
      for (const std::string &n : temporaries())
        if (n != seenA) seenB = n;
      w2.write("2");
    }));
  }));
  EXPECT_EQ(seenA.rfind("a.tmp-" + std::to_string(::getpid()) + "-", 0), 0u) << seenA;
  EXPECT_EQ(seenB.rfind("b.tmp-" + std::to_string(::getpid()) + "-", 0), 0u) << seenB;
  EXPECT_EQ(readFile(a), "1");
  EXPECT_EQ(readFile(b), "2");
}

//===--- The .npy writer on it --------------------------------------------===//

TEST_F(AtomicFileTest, NpyWriteFailureLeavesNothing) {
  std::string p = path("out.npy");
  ScopedFault fault("write:100"); // inside the data, after the 128-byte header
  Tensor t({4, 16});
  Error e = writeNpy(p, t);
  ASSERT_TRUE(e);
  EXPECT_EQ(e.str(),
            p + ": error: cannot write file: fault injected by LGC_FAULT_INJECT after 100 bytes\n");
  EXPECT_TRUE(listDir().empty());
}

TEST_F(AtomicFileTest, NpyKilledMidWriteKeepsThePreviousFile) {
  std::string p = path("out.npy");
  Tensor before({2, 2});
  before.data = {1, 2, 3, 4};
  ASSERT_FALSE(writeNpy(p, before));
  EXPECT_EXIT(
      {
        ScopedFault fault("write:200:kill");
        (void)writeNpy(p, Tensor({8, 8}));
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(3), "");
  Expected<Tensor> after = readNpy(p);
  ASSERT_TRUE(after) << after.error().str();
  EXPECT_EQ(after->shape, before.shape);
  EXPECT_EQ(after->data, before.data);
}

} // namespace
} // namespace lgc
