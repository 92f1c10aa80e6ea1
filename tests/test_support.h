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
#include "test_paths.h"

namespace specgate::testing {

inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

// Whether this build runs under a sanitizer (ASan/UBSan or TSan, .ci/run): several times slower and
// hungrier, so timing and memory bounds are asserted in the plain build only, and iteration counts
// are smaller; behaviour is asserted in every build.
inline constexpr bool sanitized_build =
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
    true;
#else
    false;
#endif
#else
    false;
#endif

inline std::string kibana_spec_path() { return paths::kibana_spec(); }
inline std::string source_dir() { return paths::source_dir(); }

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
