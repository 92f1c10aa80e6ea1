#pragma once
// Shared test helpers: where the real Kibana document is, and the CI rule
// that its absence is a failure there (a skip elsewhere).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace specgate::testing {

inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

inline std::string kibana_spec_path() { return SPECGATE_KIBANA_SPEC; }
inline std::string source_dir() { return SPECGATE_SOURCE_DIR; }

// The whole file as bytes ("" when it cannot be read).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace specgate::testing

// Use at the top of a test that needs ../shared/specs/kibana.yaml.
#define SPECGATE_REQUIRE_KIBANA_SPEC()                                                    \
  do {                                                                                    \
    if (!std::filesystem::exists(::specgate::testing::kibana_spec_path())) {              \
      if (::specgate::testing::running_in_ci())                                           \
        FAIL() << "Kibana's document is missing at " << ::specgate::testing::kibana_spec_path() \
               << " (CI=true: this is a failure)";                                       \
      GTEST_SKIP() << "Kibana's document not found at "                                   \
                   << ::specgate::testing::kibana_spec_path();                            \
    }                                                                                     \
  } while (0)
