// `specgate report merge`: shards' JSON reports joined into one (issue 10; being built).
#include <cstdio>

#include "tools/commands.h"

namespace specgate::tools {

int run_report_merge(const report_merge_options&) {
  std::fprintf(stderr, "specgate report merge: not built yet\n");
  return exit_usage;
}

}  // namespace specgate::tools
