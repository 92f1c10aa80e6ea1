#pragma once
// Small helpers shared by the libFuzzer targets: reading a checked-in file and failing loudly.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include "test_paths.h"

namespace specgate::fuzz {

inline std::string source_file(const std::string& relative) {
  const std::string path = std::string(specgate::testing::paths::source_dir()) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz target: cannot read %s\n", path.c_str());
    std::abort();
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A property every input must keep; a violation is a finding (libFuzzer saves the input).
[[noreturn]] inline void broken(const char* what) {
  std::fprintf(stderr, "fuzz target: invariant broken: %s\n", what);
  std::abort();
}

}  // namespace specgate::fuzz
