// `specgate diff OLD NEW`: what changed between two versions of a spec, classified (issue 11).
#include <cstdio>

#include "tools/commands.h"

namespace specgate::tools {

int run_diff(const diff_options&) {
  std::fprintf(stderr, "specgate diff: not built yet\n");
  return exit_usage;
}

}  // namespace specgate::tools
