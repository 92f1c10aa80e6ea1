// `specgate lint [SPEC...]`: lints each spec, applies the settings and the baseline, writes the reports.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <tuple>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>

#include "tools/commands.h"
#include "tools/embedded.h"
#include "tools/report_output.h"
#include "validator/lint/lint.h"
#include "validator/lint/lint_report.h"
#include "validator/lint/settings.h"

namespace specgate::tools {
namespace {

namespace fs = std::filesystem;
namespace lint = validator::lint;

// The file as reports name it: relative to the working directory when it lies below it, else as given.
std::string shown_path(const std::string& file) {
  std::error_code ec;
  if (file.starts_with("<embedded>") || !fs::exists(file, ec)) return file;
  const fs::path cwd = fs::current_path(ec);
  if (ec) return file;
  const fs::path rel = fs::absolute(file, ec).lexically_normal().lexically_relative(cwd);
  if (ec || rel.empty() || *rel.begin() == "..") return file;
  return rel.generic_string();
}

void print_errors(const validator::diagnostics& problems) {
  for (const auto& d : problems) std::cerr << "specgate: " << d.to_string() << "\n";
}

std::string render(const lint::lint_report& report, const std::string& format) {
  // Invalid UTF-8 in a spec's text becomes U+FFFD rather than an exception.
  constexpr auto replace = nlohmann::json::error_handler_t::replace;
  if (format == "json") return lint::to_json(report).dump(2, ' ', false, replace) + "\n";
  if (format == "sarif") return lint::to_sarif(report, SPECGATE_VERSION).dump(2, ' ', false, replace) + "\n";
  if (format == "junit") return lint::to_junit(report);
  return lint::to_text(report);
}


}  // namespace

int run_lint(const lint_options& options) {
  // Where the reports go (the same pairing as the other CI verbs; a .sarif output is SARIF).
  std::vector<report_target> targets;
  if (auto error = plan_reports({options.formats, options.outputs}, targets, {"text", "json", "sarif", "junit"});
      !error.empty()) {
    std::cerr << "specgate: " << error << "\n";
    return exit_usage;
  }

  // Settings: --config, else .specgate.yaml in the working directory when there is one.
  lint::settings rules;
  std::error_code ec;
  const std::string config = !options.config.empty() ? options.config
                             : fs::exists(".specgate.yaml", ec) ? std::string(".specgate.yaml")
                                                                : std::string();
  if (!config.empty()) {
    auto read = lint::read_settings(config);
    if (!read.problems.empty()) {
      print_errors(read.problems);
      std::cerr << "specgate: the lint settings in " << config << " are refused\n";
      return exit_usage;
    }
    rules = std::move(read.value);
  }
  lint::baseline known;
  if (!options.baseline.empty()) {
    auto read = lint::read_baseline(options.baseline);
    if (!read.problems.empty()) {
      print_errors(read.problems);
      return exit_usage;
    }
    known = std::move(read.value);
  }

  // The specs: --spec, then the positional ones; none: the embedded contract.
  std::vector<std::string> paths;
  if (!options.spec.path.empty()) paths.push_back(options.spec.path);
  paths.insert(paths.end(), options.specs.begin(), options.specs.end());

  lint::lint_report report;
  report.with_baseline = !options.baseline.empty();
  bool unreadable = false;
  auto lint_one = [&](lint::lint_result result, const std::string& name) {
    validator::diagnostics found = std::move(result.findings);
    std::vector<lint::ignore_site> ignores;
    if (result.docs) ignores = lint::collect_ignores(*result.docs, found);
    else unreadable = true;
    auto findings = lint::apply_settings(std::move(found), rules, ignores);
    for (auto& f : findings) f.where.file = shown_path(f.where.file);
    // Findings of collect_ignores join at the end: order again by file (in the order they first
    // appear: the entry document first), line, column, rule.
    std::map<std::string, std::size_t> rank;
    for (const auto& f : findings) rank.emplace(f.where.file, rank.size());
    std::stable_sort(findings.begin(), findings.end(), [&](const lint::finding& a, const lint::finding& b) {
      const auto& x = a.where;
      const auto& y = b.where;
      return std::forward_as_tuple(rank[x.file], x.line, x.column, x.rule) <
             std::forward_as_tuple(rank[y.file], y.line, y.column, y.rule);
    });
    report.files.push_back(shown_path(name));
    report.findings.insert(report.findings.end(), std::make_move_iterator(findings.begin()),
                           std::make_move_iterator(findings.end()));
  };
  if (paths.empty()) {
    spec_source embedded_source;
    const std::string name = spec_display_name(embedded_source);
    auto text = embedded::find(embedded::spec_name);
    if (!text) {
      std::cerr << "specgate: the embedded spec is missing from this build\n";
      return exit_usage;
    }
    lint_one(lint::lint_text(*text, name, options.spec.profile), name);
  } else {
    for (const auto& path : paths) lint_one(lint::lint_file(path, options.spec.profile), path);
  }

  if (!options.baseline.empty()) lint::apply_baseline(report.findings, known);

  for (const auto& t : targets)
    if (auto error = write_output(t.path, render(report, t.format), t.format + " report"); !error.empty()) {
      std::cerr << "specgate: " << error << "\n";
      return exit_usage;
    }
  if (!options.write_baseline.empty()) {
    if (auto error = write_output(options.write_baseline, lint::baseline_json(report.findings).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                                "baseline");
        !error.empty()) {
      std::cerr << "specgate: " << error << "\n";
      return exit_usage;
    }
  }

  std::cerr << lint::summary_line(report) << "\n";
  if (unreadable) return exit_usage;
  if (!options.write_baseline.empty()) return exit_ok;
  const lint::lint_counts counts = lint::count(report);
  const bool fail = counts.errors > 0 || (options.fail_on == "warning" && counts.warnings > 0);
  return fail ? exit_violations : exit_ok;
}

}  // namespace specgate::tools
