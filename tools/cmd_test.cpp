// `specgate test`: contract tests of a live server: plans the requests (validator/generate/test_plan.h), sends them, judges every answer.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

#include "server/client/request_batch.h"
#include "server/client/upstream_client.h"
#include "tools/commands.h"
#include "tools/report_output.h"
#include "validator/check/test_verdict.h"
#include "validator/generate/test_plan.h"
#include "validator/report/traffic_report.h"
#include "validator/text_util.h"
#include "validator/traffic/content_coding.h"
#include "validator/traffic/har.h"

namespace specgate::tools {

using namespace specgate::validator;

int run_test(const test_options& options) {
  std::vector<report_target> targets;
  if (auto error = plan_reports(options.reports, targets); !error.empty()) {
    std::fprintf(stderr, "specgate test: %s\n", error.c_str());
    return exit_usage;
  }
  std::string error;
  const auto url = server::parse_upstream_url(options.target, error);
  if (!url) {
    std::fprintf(stderr, "specgate test: --target %s: %s\n", options.target.c_str(), error.c_str());
    return exit_usage;
  }
  selection chosen;
  chosen.operations = options.operations;
  chosen.tags = options.tags;
  chosen.excludes = options.excludes;
  chosen.allow_destructive = options.allow_destructive;
  if (!options.shard.empty()) {
    chosen.shard = parse_shard(options.shard, error);
    if (!chosen.shard) {
      std::fprintf(stderr, "specgate test: %s\n", error.c_str());
      return exit_usage;
    }
  }

  // Credentials and extra headers, on every request.
  request_build_options build;
  build.seed = options.seed;
  build.space = options.space;
  build.always_generate = true;  // generated data besides the examples
  negative_options negatives;
  if (!options.auth.empty() && !options.api_key.empty()) {
    std::fprintf(stderr, "specgate test: --auth and --api-key both set Authorization: give one\n");
    return exit_usage;
  }
  if (!options.auth.empty()) {
    if (options.auth.find(':') == std::string::npos) {
      std::fprintf(stderr, "specgate test: --auth wants user:pass\n");
      return exit_usage;
    }
    build.headers.emplace_back("Authorization", "Basic " + encode_base64(options.auth));
  }
  if (!options.api_key.empty()) build.headers.emplace_back("Authorization", "ApiKey " + options.api_key);
  for (const auto& h : options.headers) {
    const std::size_t colon = h.find(':');
    const std::string name(trim(std::string_view(h).substr(0, colon == std::string::npos ? 0 : colon)));
    if (colon == std::string::npos || name.empty()) {
      std::fprintf(stderr, "specgate test: --header '%s' is not 'Name: value'\n", h.c_str());
      return exit_usage;
    }
    build.headers.emplace_back(name, std::string(trim(std::string_view(h).substr(colon + 1))));
  }
  for (const auto& [name, value] : build.headers)
    if ((iequals(name, "authorization") || iequals(name, "cookie")) &&
        std::find_if(negatives.credential_headers.begin(), negatives.credential_headers.end(),
                     [&](const std::string& n) { return iequals(n, name); }) == negatives.credential_headers.end())
      negatives.credential_headers.push_back(name);

  auto built = load_contract(options.spec);
  if (!built.value) {
    print_problems(built.problems, spec_display_name(options.spec));
    return exit_usage;
  }
  const contract& c = *built.value;
  const selection_result selected = select_operations(c, chosen);
  if (!selected.error.empty()) {
    std::fprintf(stderr, "specgate test: %s\n", selected.error.c_str());
    return exit_usage;
  }
  const test_plan plan = make_test_plan(c, selected, request_builder(c, build), negatives);
  const std::string prefix = url->base_path + options.base_path;

  if (options.dry_run) {
    for (const auto& p : plan.requests) {
      const rendered_request r = p.request.render();
      std::printf("%s %s%s  %s  [%s]\n", r.method.c_str(), prefix.c_str(), r.target.c_str(), p.label.c_str(),
                  p.op->operation_id.c_str());
    }
    for (const auto& s : plan.skipped)
      std::printf("skip %s %s  %s%s  [%s]\n", std::string(method_name(s.op->method)).c_str(), s.op->path.c_str(),
                  s.spec_defect ? "spec defect: " : "", s.reason.c_str(), s.op->operation_id.c_str());
    std::fprintf(stderr, "specgate test: dry run: %zu requests to %zu operations, %zu skipped; nothing sent\n",
                 plan.requests.size(), plan.operations, plan.skipped.size());
    return exit_ok;
  }

  server::upstream_options upstream;
  upstream.url = *url;
  upstream.ca_file = options.ca;
  upstream.insecure = options.insecure;
  upstream.response_timeout = std::chrono::milliseconds(options.timeout_ms);
  upstream.connect_timeout = std::chrono::milliseconds(std::min(options.timeout_ms, 5'000u));
  server::upstream_client client(upstream);
  if (!client.setup_error().empty()) {
    std::fprintf(stderr, "specgate test: --target %s: %s\n", options.target.c_str(), client.setup_error().c_str());
    return exit_usage;
  }

  std::vector<server::http_request> wire(plan.requests.size());
  for (std::size_t i = 0; i < plan.requests.size(); ++i) {
    rendered_request r = plan.requests[i].request.render();
    auto& w = wire[i];
    w.method = std::move(r.method);
    w.target = prefix + r.target;
    w.headers.emplace_back("Host", url->host_header());
    for (auto& h : r.headers) w.headers.push_back(std::move(h));
    w.body = std::move(r.body);
  }

  har_writer har;
  const redaction redact{options.redact_headers, {}};  // --redact-header: the report and the HAR
  if (!options.record.empty())
    if (auto e = har.open(options.record, SPECGATE_VERSION); !e.empty()) {
      std::fprintf(stderr, "specgate test: %s\n", e.c_str());
      return exit_usage;
    }
  traffic_report report(c, "specgate test");
  for (const auto& s : plan.skipped) report.skip(*s.op, s.reason, s.spec_defect);
  constexpr std::size_t max_check_bytes = std::size_t{256} << 20;  // answers checked whole up to this
  const exchange_check check(c, max_check_bytes);
  progress_line progress;
  std::size_t done = 0, answered = 0;
  std::size_t refused_unauthorized = 0;  // valid requests answered 401
  std::string first_failure, write_error;

  server::batch_options batch;
  batch.concurrency = options.concurrency;
  batch.rate = options.rate;
  server::send_batch(client, wire, batch, [&](std::size_t i, server::upstream_response answer) {
    const planned_request& p = plan.requests[i];
    const operation& op = *p.op;
    const auto now = std::chrono::system_clock::now();
    exchange e;
    e.started = now - answer.latency;
    e.duration = answer.latency;
    e.method = wire[i].method;
    e.target = wire[i].target;
    e.request_headers = wire[i].headers;
    e.request_body = wire[i].body;
    e.operation_id = op.operation_id;
    e.operation_method = to_lower(method_name(op.method));
    e.operation_path = op.path;
    e.label = p.label;
    e.negative = p.negative;
    e.expected = p.expected;
    std::optional<std::string> decoded;
    if (!answer.ok()) {
      e.error = answer.message;
      if (first_failure.empty()) first_failure = answer.message;
    } else {
      ++answered;
      if (answer.status == 401 && !p.negative) ++refused_unauthorized;
      e.status = answer.status;
      e.response_headers = std::move(answer.headers);
      e.response_body = std::move(answer.body);
      judge_test_answer(check, e, op);
      if (!options.record.empty()) {  // HAR keeps response content decoded
        const auto coding = std::find_if(e.response_headers.begin(), e.response_headers.end(),
                                         [](const auto& h) { return iequals(h.first, "content-encoding"); });
        if (coding != e.response_headers.end() && !iequals(trim(coding->second), "identity"))
          if (decoded_body d = decode_content(coding->second, e.response_body, max_check_bytes); d.ok)
            decoded = std::move(d.body);
      }
    }
    const exchange shown = redacted(e, redact);
    report.add(shown);
    if (har.written() || !options.record.empty())
      if (auto w = har.write(shown, decoded ? std::optional<std::string_view>(*decoded) : std::nullopt);
          !w.empty() && write_error.empty())
        write_error = w;
    progress.update(++done, wire.size(), std::string(method_name(op.method)) + " " + op.path);
  });
  progress.finish();
  if (!options.record.empty())
    if (auto w = har.close(); !w.empty() && write_error.empty()) write_error = w;

  if (!wire.empty() && answered == 0) {
    std::fprintf(stderr, "specgate test: no answer from %s: %s\n", options.target.c_str(), first_failure.c_str());
    return exit_usage;
  }
  if (auto w = write_reports(report, targets); !w.empty()) {
    std::fprintf(stderr, "specgate test: %s\n", w.c_str());
    return exit_usage;
  }
  if (!write_error.empty()) {
    std::fprintf(stderr, "specgate test: %s\n", write_error.c_str());
    return exit_usage;
  }
  std::fprintf(stderr, "%s\n", report.summary_line().c_str());
  const bool credentials = std::any_of(build.headers.begin(), build.headers.end(),
                                       [](const auto& h) { return iequals(h.first, "authorization"); });
  if (refused_unauthorized > 0 && !credentials)
    std::fprintf(stderr,
                 "specgate test: hint: %zu valid request(s) were answered 401 and none carried credentials: give "
                 "--auth user:pass or --api-key KEY\n",
                 refused_unauthorized);
  return report.exchanges_with_violations() > 0 || answered < wire.size() ? exit_violations : exit_ok;
}

}  // namespace specgate::tools
