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

#include "test_support.h"

namespace specgate::testing {

struct run_result {
  int code = -1;
  std::string out, err;
};

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

// `specgate ARGS` (each argument quoted for the shell), run from `cwd` (empty: this process's),
// stdin from `stdin_path` (empty: /dev/null), stdout and stderr captured through two files in
// `capture_dir`; killed after `timeout_s`.
inline run_result run_specgate_at(const std::vector<std::string>& args, const std::filesystem::path& capture_dir,
                                  const std::string& cwd = "", const std::string& stdin_path = "",
                                  int timeout_s = 600) {
  auto quote = [](const std::string& a) {
    std::string q = "'";
    for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  const auto out_path = capture_dir / ".specgate-stdout", err_path = capture_dir / ".specgate-stderr";
  std::string cmd = cwd.empty() ? std::string() : "cd " + quote(cwd) + " && ";
  cmd += "timeout " + std::to_string(timeout_s) + " " + quote(specgate::testing::paths::specgate_binary());
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " >" + quote(out_path.string()) + " 2>" + quote(err_path.string());
  cmd += " <" + quote(stdin_path.empty() ? std::string("/dev/null") : stdin_path);
  run_result r;
  const int status = std::system(cmd.c_str());
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  std::error_code ec;
  std::filesystem::remove(out_path, ec);
  std::filesystem::remove(err_path, ec);
  return r;
}

// `specgate ARGS`, output captured in the scratch directory.
inline run_result run_specgate(const std::vector<std::string>& args, const scratch& s, int timeout_s = 600) {
  return run_specgate_at(args, s.dir, "", "", timeout_s);
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
  // `specgate ARGS` run in the test's directory, stdin from `stdin_path` (empty: /dev/null).
  run_result specgate(const std::vector<std::string>& args, const std::string& stdin_path = "") {
    return run_specgate_at(args, dir_, dir_.string(), stdin_path);
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
