// `specgate validate`: recorded traffic (HAR 1.2, NDJSON) judged against the contract, with coverage.
#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "tools/commands.h"
#include "tools/report_output.h"
#include "validator/check/exchange_check.h"
#include "validator/report/traffic_report.h"
#include "validator/traffic/har.h"
#include "validator/traffic/traffic_reader.h"

namespace specgate::tools {

namespace {

std::uint64_t file_size(const std::string& path) {
  struct stat st {};
  if (path == "-" || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  return static_cast<std::uint64_t>(st.st_size);
}

std::string percent(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", p);
  return buf;
}

}  // namespace

int run_validate(const validate_options& options) {
  std::vector<report_target> targets;
  if (const std::string error = plan_reports(options.reports, targets); !error.empty()) {
    std::cerr << "specgate validate: " << error << "\n";
    return exit_usage;
  }
  auto built = load_contract(options.spec);
  print_problems(built.problems, spec_display_name(options.spec));
  if (!built.value) return exit_usage;
  const validator::contract& contract = *built.value;

  const validator::exchange_check check(contract, options.max_check_bytes);
  validator::traffic_report report(contract, "specgate validate");
  progress_line progress;
  std::size_t input_errors = 0;

  for (const auto& path : options.traffic) {
    const std::string shown = path == "-" ? "<stdin>" : path;
    const std::uint64_t total = file_size(path);
    validator::traffic_events events;
    events.on_exchange = [&](validator::exchange& e) {
      check.check(e);
      // The report quotes request-targets: secrets in queries and headers go; bodies are moved, not copied.
      std::string request_body = std::move(e.request_body), response_body = std::move(e.response_body);
      validator::exchange shown_exchange = validator::redacted(e, {});
      shown_exchange.request_body = std::move(request_body);
      shown_exchange.response_body = std::move(response_body);
      report.add(shown_exchange);
    };
    events.on_problem = [&](validator::diagnostic d) {
      progress.finish();
      std::cerr << d.to_string() << "\n";
    };
    events.on_progress = [&](std::uint64_t bytes) {
      progress.update(static_cast<std::size_t>(bytes >> 20), static_cast<std::size_t>(total >> 20),
                      "MiB of " + shown + ", " + std::to_string(report.exchanges()) + " exchanges");
    };
    const auto summary = validator::read_traffic(path, events);
    input_errors += summary.errors;
  }
  progress.finish();

  int code = input_errors > 0 ? exit_usage : report.exchanges_with_violations() > 0 ? exit_violations : exit_ok;
  const double covered = report.to_json()["coverage"]["operations"]["percent"].get<double>();
  const bool below = options.min_coverage > 0 && covered < options.min_coverage;
  if (below && code == exit_ok) code = exit_violations;

  if (const std::string error = write_reports(report, targets); !error.empty()) {
    std::cerr << "specgate validate: " << error << "\n";
    code = exit_usage;
  }
  std::string line = report.summary_line();
  if (below)
    line += "; below --min-coverage " + percent(options.min_coverage) + "% (" + percent(covered) + "% of operations)";
  if (input_errors > 0) line += "; " + std::to_string(input_errors) + " input error(s)";
  std::cerr << line << "\n";
  return code;
}

}  // namespace specgate::tools
