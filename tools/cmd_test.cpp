// `specgate test`: contract tests of a live server (issue 10; being built).
#include <cstdio>

#include "tools/commands.h"

namespace specgate::tools {

int run_test(const test_options&) {
  std::fprintf(stderr, "specgate test: not built yet\n");
  return exit_usage;
}

}  // namespace specgate::tools
