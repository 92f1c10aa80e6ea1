// `specgate diff OLD NEW`: what changed between two versions of a spec, classified (issue 11, docs/diff.md).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "tools/commands.h"
#include "tools/report_output.h"
#include "validator/diff/diff.h"

namespace specgate::tools {

int run_diff(const diff_options& options) {
  std::vector<report_target> targets;
  if (auto error = plan_reports({options.formats, options.outputs}, targets, {"text", "json", "markdown", "junit", "sarif"});
      !error.empty()) {
    std::fprintf(stderr, "specgate diff: %s\n", error.c_str());
    return exit_usage;
  }
  validator::contract::build_result built[2];
  const std::string* names[2] = {&options.old_spec, &options.new_spec};
  bool unusable = false;
  for (int i = 0; i < 2; ++i) {
    spec_source source;
    source.path = *names[i];
    source.profile = options.profile;
    built[i] = load_contract(source);
    if (!built[i].value) {
      std::fprintf(stderr, "specgate diff: %s (the %s spec) cannot be loaded:\n", names[i]->c_str(), i == 0 ? "old" : "new");
      print_problems(built[i].problems, *names[i]);
      unusable = true;
      continue;
    }
    std::size_t errors = 0;
    for (const auto& d : built[i].problems) errors += d.level == validator::severity::error ? 1 : 0;
    if (errors > 0)
      std::fprintf(stderr,
                   "specgate diff: %s has %zu load error(s); the parts they affect are compared as loaded "
                   "(`specgate lint %s` lists them)\n",
                   names[i]->c_str(), errors, names[i]->c_str());
  }
  if (unusable) return exit_usage;

  const auto result = validator::diff::compare(*built[0].value, *built[1].value);
  const auto threshold = options.fail_on == "potentially-breaking" ? validator::diff::change_class::potentially_breaking
                                                                   : validator::diff::change_class::breaking;
  for (const auto& t : targets) {
    std::string text;
    if (t.format == "json") text = validator::diff::to_json(result, options.old_spec, options.new_spec).dump(2) + "\n";
    else if (t.format == "markdown") text = validator::diff::to_markdown(result, options.old_spec, options.new_spec);
    else if (t.format == "junit") text = validator::diff::to_junit(result, threshold);
    else if (t.format == "sarif") text = validator::diff::to_sarif(result, SPECGATE_VERSION).dump(2) + "\n";
    else text = validator::diff::to_text(result);
    if (auto error = write_output(t.path, text, t.format + " rendering"); !error.empty()) {
      std::fprintf(stderr, "specgate diff: %s\n", error.c_str());
      return exit_usage;
    }
  }
  std::fprintf(stderr, "%s\n", validator::diff::summary_line(result).c_str());
  return result.any_at_least(threshold) ? exit_violations : exit_ok;
}

}  // namespace specgate::tools
