// `specgate report merge`: shards' JSON reports (test --shard K/N, validate) joined into one report.
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tools/commands.h"
#include "tools/report_output.h"

namespace specgate::tools {

int run_report_merge(const report_merge_options& options) {
  std::vector<report_target> targets;
  if (std::string error = plan_reports(options.reports, targets); !error.empty()) {
    std::fprintf(stderr, "specgate report merge: %s\n", error.c_str());
    return exit_usage;
  }
  auto built = load_contract(options.spec);
  if (!built.value) {
    print_problems(built.problems, spec_display_name(options.spec));
    return exit_usage;
  }

  // Read every input first: the merged report takes its suite name from the first.
  std::vector<nlohmann::json> inputs;
  for (const auto& path : options.inputs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "specgate report merge: %s: cannot be read\n", path.c_str());
      return exit_usage;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = nlohmann::json::parse(text.str(), nullptr, false);
    if (parsed.is_discarded()) {
      std::fprintf(stderr, "specgate report merge: %s: not JSON (give the --format json reports of the shards)\n",
                   path.c_str());
      return exit_usage;
    }
    inputs.push_back(std::move(parsed));
  }
  std::string suite = "specgate report merge";
  if (!inputs.empty() && inputs.front().is_object())
    if (auto it = inputs.front().find("suite"); it != inputs.front().end() && it->is_string()) suite = it->get<std::string>();

  validator::traffic_report merged(*built.value, suite);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (std::string why = merged.merge_json(inputs[i]); !why.empty()) {
      std::fprintf(stderr, "specgate report merge: %s: %s\n", options.inputs[i].c_str(), why.c_str());
      return exit_usage;
    }
  }
  if (std::string error = write_reports(merged, targets); !error.empty()) {
    std::fprintf(stderr, "specgate report merge: %s\n", error.c_str());
    return exit_usage;
  }
  std::fprintf(stderr, "%s\n", merged.summary_line().c_str());
  return merged.clean() ? exit_ok : exit_violations;
}

}  // namespace specgate::tools
