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
#include "validator/diff/diff.h"

namespace specgate::tools {
namespace {

struct diff_target {
  std::string format;  // text, json, markdown
  std::string path;    // "-" = stdout
};

std::string format_of_path(const std::string& path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && std::string_view(path).substr(path.size() - ext.size()) == ext;
  };
  if (ends(".json")) return "json";
  if (ends(".md") || ends(".markdown")) return "markdown";
  return "text";
}

// The i-th --output gets the i-th --format; an --output past the formats takes its format from its
// extension; a --format past the outputs goes to stdout; at most one rendering on stdout.
std::string plan(const diff_options& options, std::vector<diff_target>& out) {
  const std::size_t n = std::max(options.formats.size(), options.outputs.size());
  for (std::size_t i = 0; i < n; ++i) {
    diff_target t;
    t.path = i < options.outputs.size() ? options.outputs[i] : "-";
    t.format = i < options.formats.size() ? options.formats[i] : format_of_path(t.path);
    out.push_back(std::move(t));
  }
  if (out.empty()) out.push_back({"text", "-"});
  int on_stdout = 0;
  for (const auto& t : out) on_stdout += t.path == "-" ? 1 : 0;
  if (on_stdout > 1) return "two renderings cannot both go to stdout: give each --format an --output FILE";
  return "";
}

}  // namespace

int run_diff(const diff_options& options) {
  std::vector<diff_target> targets;
  if (auto error = plan(options, targets); !error.empty()) {
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
  for (const auto& t : targets) {
    std::string text;
    if (t.format == "json") text = validator::diff::to_json(result, options.old_spec, options.new_spec).dump(2) + "\n";
    else if (t.format == "markdown") text = validator::diff::to_markdown(result, options.old_spec, options.new_spec);
    else text = validator::diff::to_text(result);
    if (t.path == "-") {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
      continue;
    }
    std::ofstream file(t.path, std::ios::binary | std::ios::trunc);
    if (file) file.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (file) file.close();
    if (!file) {
      std::fprintf(stderr, "specgate diff: cannot write the %s rendering to %s: %s\n", t.format.c_str(), t.path.c_str(),
                   std::strerror(errno));
      return exit_usage;
    }
  }
  std::fprintf(stderr, "%s\n", validator::diff::summary_line(result).c_str());
  const auto threshold = options.fail_on == "potentially-breaking" ? validator::diff::change_class::potentially_breaking
                                                                   : validator::diff::change_class::breaking;
  return result.any_at_least(threshold) ? exit_violations : exit_ok;
}

}  // namespace specgate::tools
