// `specgate test`: contract tests of a live server: plans the requests (validator/generate/test_plan.h), sends them, judges every answer.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

#include "server/request_batch.h"
#include "server/upstream_client.h"
#include "tools/commands.h"
#include "tools/report_output.h"
#include "validator/check/response_validator.h"
#include "validator/generate/test_plan.h"
#include "validator/report/traffic_report.h"
#include "validator/text_util.h"
#include "validator/traffic/content_coding.h"
#include "validator/traffic/har.h"

namespace specgate::tools {

namespace {

using namespace specgate::validator;

// Statuses that refuse a request as malformed: a valid request answered with one of them means the
// server is stricter than its contract.
bool refuses_as_invalid(int status) { return status == 400 || status == 405 || status == 415 || status == 422; }

// The message of an error body (Kibana's "message", problem+json's "detail"), for violation texts.
std::string body_message(std::string_view body) {
  const json parsed = json::parse(body, nullptr, false);
  if (parsed.is_object())
    for (const char* key : {"message", "detail", "error"})
      if (auto m = parsed.find(key); m != parsed.end() && m->is_string()) return m->get<std::string>().substr(0, 300);
  return std::string(body.substr(0, 120));
}

violation verdict(std::string code, std::string message, std::string expected, int status) {
  violation v;
  v.code = std::move(code);
  v.location = violation_location::status;
  v.expected = std::move(expected);
  v.found = std::to_string(status);
  v.message = std::move(message);
  v.status = status;
  return v;
}

// The test's own verdict on an answer, besides the response check.
std::optional<violation> judge(const planned_request& p, int status, std::string_view body) {
  const std::string answered = p.label + " was answered " + std::to_string(status);
  if (p.negative) {
    if (status >= 200 && status < 300)
      return verdict("invalid_request_accepted",
                     answered + ": the contract forbids this request; expected " + p.expected, "4xx", status);
    if (status < 400 || status >= 500)
      return verdict("invalid_request_not_refused",
                     answered + ", not a 4xx refusal; expected " + p.expected, "4xx", status);
    return std::nullopt;
  }
  if (refuses_as_invalid(status))
    return verdict("valid_request_refused",
                   answered + ": the request is valid by the contract, so the server is stricter than its contract" +
                       (body.empty() ? std::string() : " (it said: " + body_message(body) + ")"),
                   "2xx, or a declared 401/403/404/409", status);
  return std::nullopt;
}

}  // namespace

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
  if (!options.record.empty())
    if (auto e = har.open(options.record, SPECGATE_VERSION); !e.empty()) {
      std::fprintf(stderr, "specgate test: %s\n", e.c_str());
      return exit_usage;
    }
  traffic_report report(c, "specgate test");
  for (const auto& s : plan.skipped) report.skip(*s.op, s.reason, s.spec_defect);
  const response_validator responses(c);
  progress_line progress;
  std::size_t done = 0, answered = 0;
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
    std::optional<std::string> decoded;
    if (!answer.ok()) {
      e.error = answer.message;
      if (first_failure.empty()) first_failure = answer.message;
    } else {
      ++answered;
      e.status = answer.status;
      e.response_headers = std::move(answer.headers);
      e.response_body = std::move(answer.body);
      std::string_view encoding;
      for (const auto& [name, value] : e.response_headers)
        if (iequals(name, "content-encoding")) encoding = value;
      std::string_view checked = e.response_body;
      if (!encoding.empty() && !iequals(trim(encoding), "identity")) {
        decoded_body d = decode_content(encoding, e.response_body, std::size_t{256} << 20);
        if (d.ok) {
          decoded = std::move(d.body);
          checked = *decoded;
        } else {
          e.response_note = "not checked: " + d.error;
        }
      }
      // A negative's 4xx refusal is held to the contract only where the contract declares that
      // status (Kibana refuses with 400/401 bodies most operations do not declare), and a declared
      // refusal without content may carry the server's error body.
      const bool refusal = p.negative && e.status >= 400 && e.status < 500;
      if (e.response_note.empty() && p.request.method != "HEAD" && !(refusal && !find_response(op, e.status))) {
        e.response_violations = responses.check(op, {e.status, e.response_headers, checked});
        if (refusal)
          std::erase_if(e.response_violations, [](const violation& v) { return v.code == "undeclared_body"; });
      }
      if (auto v = judge(p, e.status, checked)) e.response_violations.insert(e.response_violations.begin(), std::move(*v));
    }
    const exchange shown = redacted(e, {});
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
  return report.exchanges_with_violations() > 0 || answered < wire.size() ? exit_violations : exit_ok;
}

}  // namespace specgate::tools
