#pragma once
// Runs the specgate binary to completion as a CI job would (arguments quoted, stdout and stderr
// captured, bounded by `timeout`), in a scratch directory per test.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace specgate::testing {

struct run_result {
  int code = -1;
  std::string out, err;
};

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// A directory named after the running test ("<prefix>_<pid>_<test>"), removed afterwards.
struct scratch {
  std::filesystem::path dir;
  explicit scratch(const std::string& prefix) {
    dir = std::filesystem::temp_directory_path() /
          (prefix + "_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir);
  }
  ~scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string operator/(const std::string& name) const { return (dir / name).string(); }
};

// `specgate ARGS`, output captured in the scratch directory.
inline run_result run_specgate(const std::vector<std::string>& args, const scratch& s, int timeout_s = 600) {
  auto quote = [](const std::string& a) {
    std::string q = "'";
    for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  std::string cmd = "timeout " + std::to_string(timeout_s) + " " + quote(SPECGATE_BINARY);
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " >" + quote(s / "stdout") + " 2>" + quote(s / "stderr");
  run_result r;
  const int status = std::system(cmd.c_str());
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(s / "stdout");
  r.err = read_file(s / "stderr");
  return r;
}

// A test fixture owning a scratch directory ("<prefix>-<pid>-<test>") and writing files into it.
class cli_fixture : public ::testing::Test {
 protected:
  explicit cli_fixture(std::string prefix) : prefix_(std::move(prefix)) {}
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           (prefix_ + "-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path write(const std::string& name, const std::string& text) {
    const std::filesystem::path p = dir_ / name;
    write_file(p, text);
    return p;
  }
  std::filesystem::path dir_;

 private:
  std::string prefix_;
};

}  // namespace specgate::testing
