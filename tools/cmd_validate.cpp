// `specgate validate`: recorded traffic judged against the contract (issue 10; being built).
#include <cstdio>

#include "tools/commands.h"

namespace specgate::tools {

int run_validate(const validate_options&) {
  std::fprintf(stderr, "specgate validate: not built yet\n");
  return exit_usage;
}

}  // namespace specgate::tools
