#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <mutex>
#include <optional>

#include <nlohmann/json.hpp>

#include "server/http_server.h"
#include "server/mock_service.h"
#include "tools/commands.h"
#include "tools/embedded.h"

namespace specgate::tools {

namespace {

constexpr std::size_t max_startup_warnings = 20;

void print_problems(const validator::diagnostics& problems, const std::string& spec_name) {
  std::size_t warnings_shown = 0, warnings = 0;
  for (const auto& d : problems) {
    if (d.level == validator::severity::warning && ++warnings > max_startup_warnings) continue;
    if (d.level == validator::severity::warning) ++warnings_shown;
    std::cerr << d.to_string() << "\n";
  }
  if (warnings > warnings_shown)
    std::cerr << "specgate: " << warnings - warnings_shown << " more warning(s); run `specgate lint"
              << (spec_name.starts_with("<embedded>") ? "" : " --spec " + spec_name) << "` for all of them\n";
}

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

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

}  // namespace

void set_mock_answer_flags(std::optional<std::string> fixtures_dir, bool strict) {
  fixtures_dir_flag = std::move(fixtures_dir);
  strict_flag = strict;
}

int run_mock(const mock_options& options) {
  const auto started = std::chrono::steady_clock::now();
  const std::string spec_name = spec_display_name(options.spec);
  auto built = load_contract(options.spec);
  if (!built.value) {
    print_problems(built.problems, spec_name);
    std::cerr << "specgate: cannot serve " << spec_name << ": it has errors (listed above)\n";
    return exit_violations;
  }
  auto [fixture_files, fixture_problems] = mock_fixtures(options.spec);
  server::mock_options answer_options;
  answer_options.fixtures = std::move(fixture_files);
  answer_options.strict = strict_flag;
  answer_options.log = [](const std::string& line) {
    const std::string text = line + "\n";
    std::fwrite(text.data(), 1, text.size(), stderr);
  };
  auto [service, problems] = server::mock_service::create(built.value, std::move(answer_options));
  validator::diagnostics all = std::move(built.problems);
  all.insert(all.end(), fixture_problems.begin(), fixture_problems.end());
  all.insert(all.end(), problems.begin(), problems.end());
  print_problems(all, spec_name);
  if (validator::has_errors(fixture_problems) || validator::has_errors(problems)) {
    std::cerr << "specgate: cannot serve: the fixtures have errors (listed above)\n";
    return exit_violations;
  }

  server::server_options server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  server_options.threads = options.threads;
  server_options.tls_cert = options.tls_cert;
  server_options.tls_key = options.tls_key;
  if (!options.quiet) {
    server_options.on_complete = [](const server::http_request& req, const server::http_response& res,
                                    std::chrono::microseconds took) {
      nlohmann::json line = {{"time", utc_now()},
                             {"method", req.method},
                             {"path", req.target.substr(0, req.target.find('?'))},
                             {"operationId", res.operation_id.empty() ? nlohmann::json(nullptr)
                                                                      : nlohmann::json(std::string(res.operation_id))},
                             {"status", res.status},
                             {"duration_ms", static_cast<double>(took.count()) / 1000.0},
                             {"violations", res.violation_count}};
      const std::string text = line.dump() + "\n";
      std::fwrite(text.data(), 1, text.size(), stderr);
    };
  }
  auto mock = service;
  server::http_server http(server_options, [mock](const server::http_request& req, server::http_response& res) {
    mock->handle(req, res);
  });
  if (auto error = http.start(); !error.empty()) {
    std::cerr << "specgate: " << error << "\n";
    return exit_usage;
  }
  const auto& root = mock->contract().docs().root().root();
  std::string title = root.contains("info") ? root["info"].value("title", "API") : "API";
  const bool tls = !options.tls_cert.empty();
  std::cerr << "specgate: mock of " << title << " (" << mock->contract().operations().size() << " operations from "
            << spec_name << ") listening on " << (tls ? "https" : "http") << "://"
            << (options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host) << ":"
            << http.port() << " (ready in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()
            << " ms)" << std::endl;
  if (options.dry_run) {
    std::fflush(nullptr);
    std::_Exit(exit_ok);  // nothing left to do: skip freeing the contract
  }
  http.run();
  std::cerr << "specgate: stopped" << std::endl;
  return exit_ok;
}

}  // namespace specgate::tools
