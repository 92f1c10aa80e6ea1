#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/observe/admin_api.h"
#include "server/http/http_server.h"
#include "server/observe/journal.h"
#include "server/mock/mock_host.h"
#include "server/mock/mock_service.h"
#include "server/mock/reloader.h"
#include "tools/commands.h"
#include "tools/embedded.h"
#include "tools/serve_common.h"

namespace specgate::tools {

namespace {

std::string utc_now() { return server::format_utc(std::chrono::system_clock::now()); }

// --fixtures DIR and --strict (set by main.cpp before run_mock).
std::optional<std::string> fixtures_dir_flag;
bool strict_flag = false;

// The fixtures to serve: --fixtures DIR, else the embedded fixtures/ when the
// embedded spec is served (they are written for it), else none.
std::pair<std::vector<server::fixture_source>, validator::diagnostics> mock_fixtures(const spec_source& spec) {
  if (fixtures_dir_flag) return server::read_fixture_dir(*fixtures_dir_flag);
  std::pair<std::vector<server::fixture_source>, validator::diagnostics> out;
  if (spec.path.empty())
    for (const auto& f : embedded::files())
      if (f.name.starts_with("fixtures/")) out.first.push_back({"<embedded>/" + std::string(f.name), std::string(f.data)});
  return out;
}

// Loads the spec and the fixtures and prepares every answer: at start-up and
// on every reload (--watch, SIGHUP). No service when the document cannot be
// read (or has any error under --strict-load) or a fixture has errors.
server::mock_host::build_result build_mock(const mock_options& options, bool* fixtures_failed = nullptr) {
  server::mock_host::build_result out;
  auto built = load_contract(options.spec);
  out.problems = std::move(built.problems);
  if (!built.value) return out;
  auto [fixture_files, fixture_problems] = mock_fixtures(options.spec);
  server::mock_options answer_options;
  answer_options.fixtures = std::move(fixture_files);
  answer_options.strict = strict_flag;
  answer_options.server_name = options.server_name;
  answer_options.limits.max_payload = options.max_payload;
  answer_options.log = [](const std::string& line) {
    const std::string text = line + "\n";
    std::fwrite(text.data(), 1, text.size(), stderr);
  };
  auto [service, problems] = server::mock_service::create(built.value, std::move(answer_options));
  const bool fixture_errors = validator::has_errors(fixture_problems) || validator::has_errors(problems);
  out.problems.insert(out.problems.end(), fixture_problems.begin(), fixture_problems.end());
  out.problems.insert(out.problems.end(), problems.begin(), problems.end());
  if (!fixture_errors) out.service = std::move(service);
  if (fixtures_failed) *fixtures_failed = fixture_errors;
  return out;
}

// What --watch polls: every file of the spec being served (the entry file and
// those it $refs) and the --fixtures directory.
std::vector<std::string> watched_paths(const server::mock_host& host, const mock_options& options) {
  std::vector<std::string> paths;
  if (!options.spec.path.empty()) {
    paths.push_back(options.spec.path);
    if (auto service = host.service())
      for (const auto& doc : service->contract().docs().documents())
        if (!doc->file().starts_with("<embedded>")) paths.push_back(doc->file());
  }
  if (fixtures_dir_flag) paths.push_back(*fixtures_dir_flag);
  return paths;
}

}  // namespace

void set_mock_answer_flags(std::optional<std::string> fixtures_dir, bool strict) {
  fixtures_dir_flag = std::move(fixtures_dir);
  strict_flag = strict;
}

int run_mock(const mock_options& options) {
  const auto started = std::chrono::steady_clock::now();
  const std::string spec_name = spec_display_name(options.spec);
  bool fixtures_failed = false;
  auto first = build_mock(options, &fixtures_failed);
  print_problems(first.problems, spec_name);
  if (!first.service) {
    if (fixtures_failed)
      std::cerr << "specgate: cannot serve: the fixtures have errors (listed above)\n";
    else
      std::cerr << "specgate: cannot serve " << spec_name << ": it has errors (listed above)\n";
    return exit_violations;
  }
  server::host_options host_options;
  host_options.cors = options.cors;
  host_options.journal_size = options.journal_size;
  host_options.admin = {options.admin_token, options.admin_off};
  host_options.redact.headers = options.redact_headers;
  // The host holds the only reference: a reload can free the first contract.
  server::mock_host host(std::move(first.service), spec_name, host_options);

  server::server_options server_options = serving_options(options, host);
  // The server's own limit stays at or above --max-payload: under kibana the request check answers
  // 413 in Kibana's order (after the route and credentials); beyond the server's limit the body is
  // not even read, and the host answers in the profile's form.
  // Under openapi the server's limit is --max-payload itself (problem+json 413).
  if (host.service()->profile() == validator::profile::openapi)
    server_options.body_limit = options.max_payload;
  else
    server_options.body_limit = std::max(server_options.body_limit, options.max_payload);
  server_options.on_complete = [&host, quiet = options.quiet](const server::http_request& req,
                                                              const server::http_response& res,
                                                              std::chrono::microseconds took) {
    host.complete(req, res, took);  // latency histogram (counts and journal: in handle())
    if (!quiet) {
      nlohmann::json line = {{"time", utc_now()},
                             {"method", req.method},
                             {"path", req.target.substr(0, req.target.find('?'))},
                             {"operationId", res.operation_id.empty() ? nlohmann::json(nullptr)
                                                                      : nlohmann::json(std::string(res.operation_id))},
                             {"status", res.status},
                             {"duration_ms", static_cast<double>(took.count()) / 1000.0},
                             {"violations", res.violation_count()}};
      // One write per line: concurrent lines never interleave.
      const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      std::fwrite(text.data(), 1, text.size(), stderr);
    }
  };
  server::http_server http(server_options, [&host](const server::http_request& req, server::http_response& res) {
    host.handle(req, res);
  });
  if (auto error = http.start(); !error.empty()) {
    std::cerr << "specgate: " << error << "\n";
    return exit_usage;
  }
  // Reloads (SIGHUP; with --watch, file changes) run on their own thread, off the request path.
  server::reloader_options reload_options;
  if (options.watch) reload_options.poll_interval = std::chrono::milliseconds(std::max(10u, options.watch_interval_ms));
  server::reloader reloader(
      reload_options, [&host, &options] { return watched_paths(host, options); },
      [&host, &options](std::string_view reason) { host.reload([&options] { return build_mock(options); }, reason); });
  if (!options.dry_run) {
    if (auto error = reloader.start(); !error.empty()) std::cerr << "specgate: " << error << "\n";
    if (options.watch && options.spec.path.empty() && !fixtures_dir_flag)
      std::cerr << "specgate: --watch: the embedded spec never changes; nothing to watch (SIGHUP still reloads)\n";
  }
  if (const auto warning = server::admin_exposure_warning(options.host, host_options.admin); !warning.empty())
    std::cerr << warning << "\n";
  auto mock = host.service();
  const auto& root = mock->contract().docs().root().root();
  std::string title = root.contains("info") ? root["info"].value("title", "API") : "API";
  const bool tls = !options.tls_cert.empty();
  std::cerr << "specgate: mock of " << title << " (" << mock->contract().operations().size() << " operations from "
            << spec_name << ", profile " << validator::profile_name(mock->profile()) << " ("
            << validator::profile_reason(options.spec.profile, mock->contract().docs()) << ")) listening on " << (tls ? "https" : "http") << "://"
            << (options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host) << ":"
            << http.port() << " (ready in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()
            << " ms)" << std::endl;
  mock.reset();
  if (options.dry_run) {
    std::fflush(nullptr);
    std::_Exit(exit_ok);  // nothing left to do: skip freeing the contract
  }
  http.run();
  reloader.stop();
  std::cerr << "specgate: stopped" << std::endl;
  return exit_ok;
}

}  // namespace specgate::tools
