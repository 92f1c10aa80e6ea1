#pragma once
// The independent validator the cross-check tests compare with: Debian's python3-jsonschema run on
// the translated schemas through tests/tools/crosscheck_examples.py, one verdict per case.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace specgate::testing {

inline constexpr const char* python3 = "/usr/bin/python3";

inline bool python_has_jsonschema() {
  const std::string command = std::string(python3) + " -c 'import jsonschema' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

// Validates each case ({"ref": a $ref into `root`, "value": the instance}) with python3-jsonschema:
// one verdict per case, in order, or an empty list (and a test failure) when the script fails.
inline std::vector<bool> jsonschema_verdicts(const nlohmann::json& root, const nlohmann::json& cases) {
  const auto dir = std::filesystem::temp_directory_path() / ("specgate-jsonschema-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto in_path = dir / "input.json", out_path = dir / "verdicts.json";
  std::ofstream(in_path, std::ios::binary) << nlohmann::json{{"root", root}, {"cases", cases}}.dump();
  const std::string script = source_dir() + "/tests/tools/crosscheck_examples.py";
  const std::string command =
      std::string(python3) + " '" + script + "' '" + in_path.string() + "' '" + out_path.string() + "'";
  const int status = std::system(command.c_str());
  EXPECT_EQ(status, 0) << command;
  std::vector<bool> out;
  if (status == 0) {
    for (const auto& v : nlohmann::json::parse(read_file(out_path))) out.push_back(v.get<bool>());
  }
  std::filesystem::remove_all(dir);
  return out;
}

}  // namespace specgate::testing

// Use at the top of a test that needs python3-jsonschema: a failure under CI, a skip elsewhere.
#define SPECGATE_REQUIRE_PYTHON_JSONSCHEMA()                                                        \
  do {                                                                                              \
    if (!::specgate::testing::python_has_jsonschema()) {                                            \
      if (::specgate::testing::running_in_ci())                                                     \
        FAIL() << "python3 cannot import jsonschema (apt-get install python3-jsonschema); CI=true: " \
                  "this is a failure";                                                              \
      GTEST_SKIP() << "python3 cannot import jsonschema (apt-get install python3-jsonschema)";      \
    }                                                                                               \
  } while (0)
