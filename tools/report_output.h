#pragma once
// Where the CI verbs' reports go: pairs --format with --output, writes each
// rendering of one traffic_report, prints the one-line summary, and keeps a
// progress line on a terminal (never in CI logs).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tools/commands.h"
#include "validator/report/traffic_report.h"

namespace specgate::tools {

struct report_target {
  std::string format;  // text, json, junit, html
  std::string path;    // "-" = stdout
};

// The i-th --output gets the i-th --format; an --output past the formats takes its format from
// its extension (.sarif/.sarif.json, .json, .xml, .html/.htm, .md/.markdown, else text); a --format
// past the outputs goes to stdout, and at most one report may go to stdout. Nothing given: text on
// stdout. `allowed`: the verb's formats (empty: text, json, junit, html); an extension naming
// another format gives text. Returns "" or the usage error ("two reports cannot both
// go to stdout (--format json, --format junit)").
std::string plan_reports(const report_options& options, std::vector<report_target>& out,
                         const std::vector<std::string_view>& allowed = {});

// Writes `text` to `path` ("-" = stdout; a file is created/truncated); "" or the error naming
// `what` and the file.
std::string write_output(const std::string& path, const std::string& text, const std::string& what);

// Writes every target (files created/truncated); returns "" or the first error naming the file.
std::string write_reports(const validator::traffic_report& report, const std::vector<report_target>& targets);

// "[ 120/372] GET /api/fleet/agents" rewritten in place on stderr when stderr is a terminal and
// CI is not set; nothing otherwise. finish() clears the line.
class progress_line {
 public:
  progress_line();
  ~progress_line() { finish(); }
  bool enabled() const { return enabled_; }
  void update(std::size_t done, std::size_t total, std::string_view what);
  void finish();

 private:
  bool enabled_ = false;
  bool shown_ = false;
};

}  // namespace specgate::tools
