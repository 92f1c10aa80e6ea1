// `specgate proxy`: a validating reverse proxy in front of a real server (Kibana).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "server/observe/admin_api.h"
#include "server/http/http_server.h"
#include "server/mock/mock_service.h"
#include "server/proxy/proxy_host.h"
#include "server/proxy/recorder.h"
#include "server/client/upstream_client.h"
#include "tools/commands.h"
#include "tools/serve_common.h"

namespace specgate::tools {

int run_proxy(const proxy_options& options) {
  const auto started = std::chrono::steady_clock::now();
  const std::string spec_name = spec_display_name(options.spec);

  server::proxy_options proxy;
  std::string url_error;
  const auto url = server::parse_upstream_url(options.upstream, url_error);
  if (!url) {
    std::cerr << "specgate: --upstream " << options.upstream << ": " << url_error << "\n";
    return exit_usage;
  }
  proxy.upstream.url = *url;
  proxy.upstream.ca_file = options.upstream_ca;
  proxy.upstream.insecure = options.insecure;
  proxy.upstream.connect_timeout = std::chrono::milliseconds(options.connect_timeout_ms);
  proxy.upstream.response_timeout = std::chrono::milliseconds(options.upstream_timeout_ms);
  proxy.upstream.max_response_bytes = options.max_body_bytes;
  proxy.preserve_host = options.preserve_host;
  proxy.enforce_requests = options.enforce == "requests" || options.enforce == "all";
  proxy.enforce_responses = options.enforce == "responses" || options.enforce == "all";
  proxy.max_check_bytes = options.max_check_bytes;
  proxy.tls = !options.tls_cert.empty();
  proxy.journal_size = options.journal_size;
  proxy.admin = {options.admin_token, options.admin_off};
  proxy.redact.headers = options.redact_headers;
  if (!options.quiet)
    proxy.log = [](std::string_view line) {
      std::string text(line);
      text += '\n';
      std::fwrite(text.data(), 1, text.size(), stderr);  // one write per line: lines never interleave
    };

  auto built = load_contract(options.spec);
  print_problems(built.problems, spec_name);
  if (!built.value) {
    std::cerr << "specgate: cannot proxy with " << spec_name << ": it cannot be read (listed above)\n";
    return exit_violations;
  }
  // The mock's service gives the profile's refusals (--enforce) and the checks' limits; no fixtures.
  server::mock_options answer_options;
  answer_options.server_name = options.server_name;
  answer_options.limits.max_payload = options.max_payload;
  auto [service, problems] = server::mock_service::create(built.value, std::move(answer_options));
  print_problems(problems, spec_name);
  if (!service) {
    std::cerr << "specgate: cannot proxy with " << spec_name << "\n";
    return exit_violations;
  }

  std::unique_ptr<server::recorder> records;
  if (!options.record.empty() || !options.report.empty()) {
    server::recorder_options ro;
    ro.har_path = options.record;
    ro.report_path = options.report;
    ro.redact.headers = options.redact_headers;
    ro.queue_bytes = options.record_queue_mb << 20;
    ro.version = SPECGATE_VERSION;
    records = std::make_unique<server::recorder>(service->contract(), std::move(ro));
    if (auto error = records->start(); !error.empty()) {
      std::cerr << "specgate: " << error << "\n";
      return exit_usage;
    }
  }

  server::proxy_host host(service, spec_name, proxy, records.get());
  if (!host.setup_error().empty()) {
    std::cerr << "specgate: " << host.setup_error() << "\n";
    return exit_usage;
  }

  // Each client connection may hold one upstream connection; the pools keep up to
  // max_idle_per_thread idle ones per thread besides.
  const unsigned threads = options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  server::server_options server_options =
      serving_options(options, host, 2, 64 + std::size_t{threads} * server::upstream_options{}.max_idle_per_thread);
  server_options.body_limit = options.max_body_bytes;
  // Request bodies the checks would not read anyway go upstream as they arrive.
  server_options.stream_request_above = std::max<std::size_t>(options.max_check_bytes, 1);
  // The upstream may take its time; the session's write and read timeouts stay the server's.
  server_options.on_complete = [&host](const server::http_request& req, const server::http_response& res,
                                       std::chrono::microseconds took) { host.complete(req, res, took); };
  server::http_server http(server_options, [&host](const server::http_request& req, server::http_response& res,
                                                   std::function<void()> done) {
    host.handle(req, res, std::move(done));
  });
  if (auto error = http.start(); !error.empty()) {
    std::cerr << "specgate: " << error << "\n";
    return exit_usage;
  }
  if (const auto warning = server::admin_exposure_warning(options.host, proxy.admin); !warning.empty())
    std::cerr << warning << "\n";
  const auto& root = service->contract().docs().root().root();
  const std::string title = root.contains("info") ? root["info"].value("title", "API") : "API";
  const bool tls = !options.tls_cert.empty();
  std::string mode = options.enforce.empty() ? "report" : "enforce " + options.enforce;
  std::cerr << "specgate: proxy of " << title << " (" << service->contract().operations().size()
            << " operations from " << spec_name << ", profile " << validator::profile_name(service->profile())
            << " (" << validator::profile_reason(options.spec.profile, service->contract().docs()) << "), "
            << mode << ") listening on " << (tls ? "https" : "http") << "://"
            << (options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host) << ":"
            << http.port() << " -> " << url->text << " (ready in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()
            << " ms)" << std::endl;
  http.run();
  if (records) {
    records->stop();
    if (records->dropped() > 0)
      std::cerr << "specgate: the recorder's queue was full for " << records->dropped()
                << " exchange(s): they are missing from --record/--report (counted in the report)\n";
    if (!options.report.empty()) std::cerr << "specgate: report written to " << options.report << "\n";
  }
  std::cerr << "specgate: stopped" << std::endl;
  return exit_ok;
}

}  // namespace specgate::tools
