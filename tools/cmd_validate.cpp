// `specgate validate`: recorded traffic (HAR 1.2, NDJSON) judged against the contract, with coverage.
#include <sys/stat.h>

#include <algorithm>

#include <cstdio>
#include <deque>
#include <functional>
#include <future>
#include <iostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tools/commands.h"
#include "tools/report_output.h"
#include "validator/check/exchange_check.h"
#include "validator/check/test_verdict.h"
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

// Judging runs on every core: the reader (the calling thread) hands batches of exchanges to
// workers, and `take` gets them back on the calling thread in file order. At most two batches per
// worker are in flight, so memory stays bounded whatever the traffic.
class judge_pipeline {
 public:
  using step = std::function<void(validator::exchange&)>;
  judge_pipeline(step judge, step take)
      : judge_(std::move(judge)), take_(std::move(take)), in_flight_(2 * std::max(1u, std::thread::hardware_concurrency())) {}
  ~judge_pipeline() { finish(); }

  void push(validator::exchange&& e) {
    batch_.push_back(std::move(e));
    if (batch_.size() < batch_size) return;
    submit();
    while (pending_.size() > in_flight_) take_front();
  }
  // Judges what is left and hands everything back.
  void finish() {
    submit();
    while (!pending_.empty()) take_front();
  }

 private:
  static constexpr std::size_t batch_size = 256;
  void submit() {
    if (batch_.empty()) return;
    pending_.push_back(std::async(std::launch::async, [this, batch = std::move(batch_)]() mutable {
      for (auto& e : batch) judge_(e);
      return std::move(batch);
    }));
    batch_.clear();
  }
  void take_front() {
    auto batch = pending_.front().get();
    pending_.pop_front();
    for (auto& e : batch) take_(e);
  }

  step judge_, take_;
  std::size_t in_flight_;
  std::vector<validator::exchange> batch_;
  std::deque<std::future<std::vector<validator::exchange>>> pending_;
};

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
  const validator::redaction redact{options.redact_headers, {}};  // --redact-header
  progress_line progress;
  std::size_t input_errors = 0;

  for (const auto& path : options.traffic) {
    const std::string shown = path == "-" ? "<stdin>" : path;
    const std::uint64_t total = file_size(path);
    validator::traffic_events events;
    judge_pipeline pipeline(
        [&check](validator::exchange& e) {
          if (e.label.empty()) {
            check.check(e);
          } else {
            // A request of `specgate test`, read back from its recording: judged as `test` judged it.
            const auto outcome = check.check_request(e);
            if (e.negative) e.request_violations.clear();  // what the negative is made of, on purpose
            if (outcome.op) validator::judge_test_answer(check, e, *outcome.op);
            else e.response_violations.clear();
          }
        },
        [&report, &redact](validator::exchange& e) {
          // The report quotes request-targets: secrets in queries and headers go; bodies are moved, not copied.
          std::string request_body = std::move(e.request_body), response_body = std::move(e.response_body);
          validator::exchange shown_exchange = validator::redacted(e, redact);
          shown_exchange.request_body = std::move(request_body);
          shown_exchange.response_body = std::move(response_body);
          report.add(shown_exchange);
        });
    events.on_exchange = [&pipeline](validator::exchange& e) { pipeline.push(std::move(e)); };
    events.on_problem = [&](validator::diagnostic d) {
      progress.finish();
      std::cerr << d.to_string() << "\n";
    };
    events.on_progress = [&](std::uint64_t bytes) {
      progress.update(static_cast<std::size_t>(bytes >> 20), static_cast<std::size_t>(total >> 20),
                      "MiB of " + shown + ", " + std::to_string(report.exchanges()) + " exchanges");
    };
    const auto summary = validator::read_traffic(path, events);
    pipeline.finish();
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
