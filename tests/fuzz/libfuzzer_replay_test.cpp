// Replays every checked-in libFuzzer input (the seeds in tests/fuzz/corpus/<target>/ and the
// findings in tests/fuzz/regressions/<target>/) through the same target code in every build, so a
// fixed crash stays fixed without clang or libFuzzer. The targets' sources are compiled into this
// suite with LLVMFuzzerTestOneInput renamed per target (tests/CMakeLists.txt); a target that
// breaks an invariant aborts, which fails the suite with the input's name printed before.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"

extern "C" {
int specgate_fuzz_http_request(const std::uint8_t*, std::size_t);
int specgate_fuzz_spec_loader(const std::uint8_t*, std::size_t);
int specgate_fuzz_param_decode(const std::uint8_t*, std::size_t);
int specgate_fuzz_request_body(const std::uint8_t*, std::size_t);
int specgate_fuzz_traffic(const std::uint8_t*, std::size_t);
int specgate_fuzz_response(const std::uint8_t*, std::size_t);
}

namespace {

namespace fs = std::filesystem;
using target_fn = int (*)(const std::uint8_t*, std::size_t);

struct target {
  const char* name;
  target_fn run;
};

const target targets[] = {
    {"fuzz_http_request", specgate_fuzz_http_request}, {"fuzz_spec_loader", specgate_fuzz_spec_loader},
    {"fuzz_param_decode", specgate_fuzz_param_decode}, {"fuzz_request_body", specgate_fuzz_request_body},
    {"fuzz_traffic", specgate_fuzz_traffic},           {"fuzz_response", specgate_fuzz_response},
};

std::vector<fs::path> inputs(const std::string& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() != ".py") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

class libfuzzer_replay : public ::testing::TestWithParam<target> {};

TEST_P(libfuzzer_replay, seeds_and_regressions_run_clean) {
  const target& t = GetParam();
  const std::string base = specgate::testing::source_dir() + "/tests/fuzz/";
  const auto seeds = inputs(base + "corpus/" + t.name);
  const auto regressions = inputs(base + "regressions/" + t.name);
  ASSERT_FALSE(seeds.empty()) << "no seeds in tests/fuzz/corpus/" << t.name;
  for (const auto* list : {&seeds, &regressions}) {
    for (const auto& path : *list) {
      const std::string bytes = specgate::fuzz::read_file(path.string());
      SCOPED_TRACE(path.string());
      std::fprintf(stderr, "%s\n", path.string().c_str());  // named before a possible abort
      EXPECT_EQ(t.run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(targets, libfuzzer_replay, ::testing::ValuesIn(targets),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
