// specgate: an OpenAPI contract as a mock server, a validating proxy and a CI gate.
#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "specgate_commit.h"
#include "tools/commands.h"

namespace specgate::tools {
// Defined in cmd_mock.cpp: `mock --fixtures DIR` (nullopt = the default) and `--strict`.
void set_mock_answer_flags(std::optional<std::string> fixtures_dir, bool strict);
}  // namespace specgate::tools

int main(int argc, char** argv) {
  using namespace specgate::tools;
  CLI::App app{
      "specgate: Kibana's REST API contract (or any OpenAPI 3.0 document) as a mock server, a validating proxy and a "
      "CI gate.\n"
      "With no --spec, the embedded Kibana contract (spec/kibana.yaml, 24 operations) is used.\n"
      "Profiles (--profile, default auto): `kibana` behaves like Kibana (kbn-xsrf on writes, its error body and\n"
      "headers, /s/{space}, elastic-api-version); `openapi` does only what the document says (RFC 9457\n"
      "problem+json errors, 405 with Allow, WWW-Authenticate). auto picks kibana for the embedded contract and\n"
      "Kibana's documents, openapi for any other. See docs/profiles.md.",
      "specgate"};
  app.set_version_flag("--version", std::string("specgate ") + SPECGATE_VERSION + " (commit " + SPECGATE_GIT_COMMIT +
                                        ", " + SPECGATE_BUILD_TYPE + " build)");
  app.require_subcommand(1);

  spec_source source;
  std::string profile_text = "auto";
  auto add_spec_options = [&](CLI::App* cmd) {
    cmd->add_option("--spec", source.path, "OpenAPI 3.0 document (YAML or JSON); default: the embedded Kibana contract");
  };
  auto add_profile_option = [&](CLI::App* cmd) {
    cmd->add_option("--profile", profile_text,
                    "Whose rules: kibana (Kibana's headers, kbn-xsrf, error envelope, spaces, versions), openapi "
                    "(only what the document says; problem+json errors, 405 + Allow), or auto: kibana when "
                    "info.title names Kibana or the document declares a kbn-xsrf/elastic-api-version header "
                    "parameter or an Elastic-Api-Version media type, else openapi")
        ->check(CLI::IsMember({"auto", "kibana", "openapi"}))
        ->capture_default_str();
  };

  // --admin-token / SPECGATE_ADMIN_TOKEN and --admin-off of the serving verbs (docs/SECURITY.md).
  auto add_admin_options = [&](CLI::App* cmd, std::string& token, bool& off) {
    auto* token_option =
        cmd->add_option("--admin-token", token,
                        "Require Authorization: Bearer TOKEN on /__specgate/* (health answers only {\"status\":\"ok\"} "
                        "without it). Prefer the environment variable SPECGATE_ADMIN_TOKEN: a command line is "
                        "visible to every user in ps")
            ->envname("SPECGATE_ADMIN_TOKEN")
            ->check([](const std::string& value) {
              return value.empty() ? std::string("an empty admin token would protect nothing") : std::string();
            });
    cmd->add_flag("--admin-off", off, "No admin endpoints: /__specgate/* is an ordinary request")
        ->excludes(token_option);
  };

  auto add_serving_limits = [&](CLI::App* cmd, serving_limits& limits) {
    cmd->add_option("--max-connections", limits.max_connections,
                    "Connections served at once; beyond: 503 and close (lowered, with a warning, when the open-file "
                    "limit cannot be raised to fit)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}))
        ->capture_default_str();
    cmd->add_option("--header-timeout", limits.header_timeout_ms,
                    "Milliseconds for a request's line and headers, from its first byte (then 408)")
        ->check(CLI::Range(1u, 3'600'000u))
        ->capture_default_str();
    cmd->add_option("--read-timeout", limits.read_timeout_ms,
                    "Milliseconds for a whole request, headers and body, from its first byte (then 408)")
        ->check(CLI::Range(1u, 3'600'000u))
        ->capture_default_str();
    cmd->add_option("--idle-timeout", limits.idle_timeout_ms,
                    "Milliseconds a keep-alive connection may wait for its next request (then closed)")
        ->check(CLI::Range(1u, 3'600'000u))
        ->capture_default_str();
  };

  mock_options mock;
  auto* mock_cmd = app.add_subcommand("mock", "Serve a mock of the API on http://HOST:PORT");
  mock_cmd->footer(
      "Admin endpoints (outside the contract: no API credentials or kbn-xsrf needed): GET /__specgate/health, GET /__specgate/metrics "
      "(Prometheus text), GET /__specgate/journal?operationId=ID&limit=N (newest first; DELETE clears it), "
      "GET /__specgate/spec. Bound to 127.0.0.1 by default; --admin-token (or SPECGATE_ADMIN_TOKEN) protects them, "
      "--admin-off removes them (docs/SECURITY.md).\nSIGHUP reloads the spec and fixtures; SIGINT/SIGTERM stop gracefully.\n"
      "The ready line names the profile and why (\"profile kibana (auto: info.title)\"). Under kibana every answer "
      "carries kbn-name, kbn-license-sig, x-content-type-options, referrer-policy, permissions-policy, "
      "cross-origin-opener-policy, content-security-policy and cache-control, JSON goes as "
      "application/json; charset=utf-8 with elastic-api-version; under openapi errors are "
      "application/problem+json (or the operation's declared error schema) with the violations listed.");
  add_spec_options(mock_cmd);
  add_profile_option(mock_cmd);
  mock_cmd->add_flag("--strict-load", source.strict_load,
                     "Refuse to serve a document with any error (default: a defect confined to one operation or "
                     "schema is reported and that operation is served as well as it allows)");
  mock_cmd->add_option("--max-payload", mock.max_payload,
                       "Largest request body in bytes (Kibana's server.maxPayload); larger: 413")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 34))
      ->capture_default_str();
  mock_cmd->add_option("--server-name", mock.server_name,
                       "kibana profile: the kbn-name header of every answer (Kibana's server.name); default: the "
                       "host name");
  mock_cmd->add_option("--host", mock.host, "Address to listen on")->capture_default_str();
  mock_cmd->add_option("--port", mock.port, "Port to listen on (0 = any free port)")->capture_default_str();
  mock_cmd->add_option("--base-path", source.base_path, "Prefix of every route, like Kibana's server.basePath");
  mock_cmd->add_option("--threads", mock.threads, "Server threads (0 = one per core)")->capture_default_str();
  mock_cmd->add_option("--tls-cert", mock.tls_cert, "PEM certificate: serve https");
  mock_cmd->add_option("--tls-key", mock.tls_key, "PEM private key for --tls-cert");
  mock_cmd->add_flag("--quiet,-q", mock.quiet, "No per-request log lines on stderr");
  add_serving_limits(mock_cmd, mock.limits);
  mock_cmd->add_flag("--dry-run", mock.dry_run,
                     "Load the spec, prepare every answer, bind the port, print the ready line, then exit");
  mock_cmd->add_flag("--watch", mock.watch,
                     "Reload when the spec (or its $ref'd files, or --fixtures) changes; a broken edit keeps the "
                     "previous contract serving. SIGHUP always reloads");
  mock_cmd->add_option("--watch-interval", mock.watch_interval_ms, "Milliseconds between --watch polls")
      ->check(CLI::Range(10u, 60'000u))
      ->capture_default_str();
  mock_cmd->add_flag("--cors", mock.cors,
                     "Answer CORS preflights (OPTIONS) and add Access-Control-Allow-Origin to every response");
  mock_cmd->add_option("--journal-size", mock.journal_size,
                       "Requests kept for GET /__specgate/journal (0 = none)")
      ->capture_default_str();
  add_admin_options(mock_cmd, mock.admin_token, mock.admin_off);
  mock_cmd->add_option("--redact-header", mock.redact_headers,
                       "A header to redact in the journal besides Authorization, Cookie, Set-Cookie, X-Api-Key, ... "
                       "(repeat)");
  std::string mock_fixtures_dir;
  bool mock_strict = false;
  auto* mock_fixtures_option = mock_cmd->add_option(
      "--fixtures", mock_fixtures_dir,
      "Directory of fixture files (fixtures/README.md); default: the embedded fixtures/ with the embedded spec, "
      "none with --spec");
  mock_cmd->add_flag("--strict", mock_strict,
                     "Check every answer with the response check; log and flag violations "
                     "(specgate-response-violations header)");

  proxy_options proxy;
  auto* proxy_cmd = app.add_subcommand(
      "proxy", "Forward to a real server (Kibana) on --upstream, check both directions, report every violation");
  proxy_cmd->footer(
      "Every request goes through the request check and every response through the response check (the same "
      "checks as the mock); findings go to the specgate-violations / specgate-response-violations headers, one "
      "JSON log line per exchange, /__specgate/metrics, /__specgate/journal, and with --report/--record to "
      "files. Report mode (default) forwards everything unchanged; --enforce refuses invalid requests with the "
      "profile's 400 and replaces invalid responses with a 502 listing the violations. Upstream down: 502; too "
      "slow: 504. SIGINT/SIGTERM stop gracefully and write the report. Admin endpoints: as the mock's, protected by "
      "--admin-token / SPECGATE_ADMIN_TOKEN or removed by --admin-off. See docs/proxy.md and docs/SECURITY.md.");
  add_spec_options(proxy_cmd);
  add_profile_option(proxy_cmd);
  proxy_cmd->add_option("--upstream", proxy.upstream,
                        "The server to forward to: http(s)://host:port[/basePath] (Kibana's server.basePath)")
      ->required();
  proxy_cmd->add_flag("--strict-load", source.strict_load, "Refuse a document with any error (default: degrade per operation)");
  proxy_cmd->add_option("--upstream-ca", proxy.upstream_ca, "PEM file of CA certificates trusted besides the system store");
  proxy_cmd->add_flag("--insecure", proxy.insecure, "https upstream: skip certificate and host name verification");
  proxy_cmd->add_flag("--preserve-host", proxy.preserve_host, "Forward the client's Host header (default: the upstream's)");
  proxy_cmd->add_flag("--enforce{all}", proxy.enforce,
                      "Refuse invalid requests (never forwarded) and replace invalid responses by a 502; "
                      "--enforce=requests or --enforce=responses for one direction")
      ->check(CLI::IsMember({"all", "requests", "responses"}));
  proxy_cmd->add_option("--max-check-bytes", proxy.max_check_bytes,
                        "Bodies larger than this pass unchecked, reported as \"not checked: too large\"")
      ->capture_default_str();
  proxy_cmd->add_option("--max-body-bytes", proxy.max_body_bytes,
                        "Largest request body accepted (then 413); request bodies past --max-check-bytes are streamed to the upstream, responses past it to the client (those without a size limit)")
      ->capture_default_str();
  proxy_cmd->add_option("--connect-timeout", proxy.connect_timeout_ms, "Milliseconds to connect to the upstream (then 504)")
      ->capture_default_str();
  proxy_cmd->add_option("--upstream-timeout", proxy.upstream_timeout_ms,
                        "Milliseconds the upstream has to answer once the request is sent (then 504)")
      ->capture_default_str();
  proxy_cmd->add_option("--report", proxy.report,
                        "Write a report on exit and on POST /__specgate/report: FILE (JSON) and FILE with .xml "
                        "(JUnit), with coverage of operations and status codes");
  proxy_cmd->add_option("--record", proxy.record, "Record every exchange to FILE as HAR 1.2, secrets redacted");
  proxy_cmd->add_option("--record-queue-mb", proxy.record_queue_mb,
                        "MiB of exchanges (headers, bodies) that may wait for --record/--report when the disk is slower "
                        "than the traffic; beyond it (or 4096 exchanges) they are counted as dropped, never silently")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  proxy_cmd->add_option("--redact-header", proxy.redact_headers,
                        "A header to redact in the recording, the report and the journal besides Authorization, "
                        "Cookie, Set-Cookie, X-Api-Key, ... (repeat)");
  proxy_cmd->add_option("--max-payload", proxy.max_payload,
                        "Kibana's server.maxPayload: larger request bodies are a 413 violation")
      ->capture_default_str();
  proxy_cmd->add_option("--host", proxy.host, "Address to listen on")->capture_default_str();
  proxy_cmd->add_option("--port", proxy.port, "Port to listen on (0 = any free port)")->capture_default_str();
  proxy_cmd->add_option("--base-path", source.base_path, "Prefix of every route the clients use");
  proxy_cmd->add_option("--threads", proxy.threads, "Server threads (0 = one per core)")->capture_default_str();
  proxy_cmd->add_option("--tls-cert", proxy.tls_cert, "PEM certificate: serve https");
  proxy_cmd->add_option("--tls-key", proxy.tls_key, "PEM private key for --tls-cert");
  proxy_cmd->add_option("--journal-size", proxy.journal_size, "Exchanges kept for GET /__specgate/journal (0 = none)")
      ->capture_default_str();
  proxy_cmd->add_flag("--quiet,-q", proxy.quiet, "No per-exchange log lines on stderr");
  add_admin_options(proxy_cmd, proxy.admin_token, proxy.admin_off);
  add_serving_limits(proxy_cmd, proxy.limits);

  // --format/--output pairs of the CI verbs: one value per --format, so positional files after it stay positional.
  auto add_format_options = [&](CLI::App* cmd, std::vector<std::string>& formats, std::vector<std::string>& outputs,
                                const std::vector<std::string>& allowed) {
    std::string names;
    for (std::size_t i = 0; i < allowed.size(); ++i)
      names += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + allowed[i];
    cmd->add_option("--format", formats, "Report format: " + names + " (repeat with --output to write several)")
        ->check(CLI::IsMember(allowed))
        ->allow_extra_args(false);
    cmd->add_option("--output,-o", outputs,
                    "Report file for the --format at the same position (repeat; \"-\" = stdout)")
        ->allow_extra_args(false);
  };
  auto add_report_options = [&](CLI::App* cmd, report_options& reports) {
    add_format_options(cmd, reports.formats, reports.outputs, {"text", "json", "junit", "html"});
  };

  test_options test;
  auto* test_cmd = app.add_subcommand(
      "test", "Contract-test a live server (--target URL): positive and negative requests, every response checked");
  add_spec_options(test_cmd);
  add_profile_option(test_cmd);
  test_cmd->add_flag("--strict-load", source.strict_load, "Refuse a document with any error (default: degrade per operation)");
  test_cmd->add_option("--target", test.target, "The server under test: http(s)://host:port")->required();
  test_cmd->add_option("--operation", test.operations, "Only this operationId (repeat)");
  test_cmd->add_option("--tag", test.tags, "Only operations with this tag (repeat)");
  test_cmd->add_option("--exclude", test.excludes, "Leave out operations whose operationId or \"METHOD /path\" matches this regular expression (repeat)");
  test_cmd->add_option("--auth", test.auth, "Basic credentials user:pass");
  test_cmd->add_option("--api-key", test.api_key, "Send Authorization: ApiKey KEY");
  test_cmd->add_option("--header,-H", test.headers, "Extra header 'Name: value' on every request (repeat)");
  test_cmd->add_option("--base-path", test.base_path, "Prefix of every route on the target (Kibana's server.basePath)");
  test_cmd->add_option("--space", test.space, "kibana profile: send every request to /s/SPACE/...");
  test_cmd->add_option("--concurrency", test.concurrency, "Requests in flight at most")
      ->check(CLI::Range(1u, 1024u))->capture_default_str();
  test_cmd->add_option("--rate", test.rate, "Requests per second at most (0 = unbounded)")->capture_default_str();
  test_cmd->add_option("--timeout", test.timeout_ms, "Milliseconds per request")->capture_default_str();
  test_cmd->add_flag("--dry-run", test.dry_run, "List the requests that would be sent; send nothing");
  test_cmd->add_option("--seed", test.seed, "Seed of generated data (same seed, same requests)")->capture_default_str();
  test_cmd->add_option("--record", test.record, "Record every exchange to FILE as HAR 1.2, secrets redacted");
  test_cmd->add_option("--redact-header", test.redact_headers,
                       "A header to redact in the reports and --record besides Authorization, Cookie, Set-Cookie, "
                       "X-Api-Key, ... (repeat)");
  test_cmd->add_option("--shard", test.shard, "Run the K-th of N deterministic slices of the selected operations: K/N");
  test_cmd->add_flag("--allow-destructive", test.allow_destructive,
                     "Also run DELETE operations and POSTs whose operationId says delete");
  test_cmd->add_option("--ca", test.ca, "https target: PEM file of CA certificates trusted besides the system store");
  test_cmd->add_flag("--insecure", test.insecure, "https target: skip certificate and host name verification");
  add_report_options(test_cmd, test.reports);

  validate_options validate;
  auto* validate_cmd = app.add_subcommand(
      "validate", "Judge recorded traffic (HAR 1.2 or NDJSON files) against the contract, with coverage");
  add_spec_options(validate_cmd);
  add_profile_option(validate_cmd);
  validate_cmd->add_flag("--strict-load", source.strict_load, "Refuse a document with any error (default: degrade per operation)");
  validate_cmd->add_option("traffic", validate.traffic, "HAR or NDJSON files (\"-\" = stdin)")->required();
  validate_cmd->add_option("--min-coverage", validate.min_coverage,
                           "Fail (exit 1) when the traffic exercises fewer than P percent of the operations")
      ->check(CLI::Range(0.0, 100.0));
  validate_cmd->add_option("--max-check-bytes", validate.max_check_bytes,
                           "Bodies larger than this are not checked, reported as \"not checked: too large\"")
      ->capture_default_str();
  validate_cmd->add_option("--base-path", source.base_path, "Prefix of every route in the recorded URLs");
  validate_cmd->add_option("--redact-header", validate.redact_headers,
                           "A header to redact in the reports besides Authorization, Cookie, Set-Cookie, X-Api-Key, "
                           "... (repeat)");
  add_report_options(validate_cmd, validate.reports);

  report_merge_options merge;
  auto* report_cmd = app.add_subcommand("report", "Work with reports of test and validate");
  report_cmd->require_subcommand(1);
  auto* merge_cmd = report_cmd->add_subcommand("merge", "Join the JSON reports of shards (test --shard K/N) into one");
  add_spec_options(merge_cmd);
  add_profile_option(merge_cmd);
  merge_cmd->add_option("reports", merge.inputs, "JSON reports to join")->required();
  add_report_options(merge_cmd, merge.reports);

  lint_options lint;
  auto* lint_cmd = app.add_subcommand(
      "lint", "Check the spec itself against OpenAPI 3.0's rules, its examples and (kibana profile) Kibana's "
              "conventions; every finding with a rule id and file:line:col (rules: docs/lint-rules.md)");
  add_spec_options(lint_cmd);
  add_profile_option(lint_cmd);
  lint_cmd->add_option("specs", lint.specs, "OpenAPI documents to lint (instead of --spec)");
  add_format_options(lint_cmd, lint.formats, lint.outputs, {"text", "json", "sarif", "junit"});
  lint_cmd->add_option("--fail-on", lint.fail_on, "Exit 1 when a finding is at or above this severity")
      ->check(CLI::IsMember({"error", "warning"}))
      ->capture_default_str();
  lint_cmd->add_option("--config", lint.config, "Rule settings (default: .specgate.yaml in the working directory)");
  lint_cmd->add_option("--baseline", lint.baseline, "Findings recorded earlier (--write-baseline): only new ones count");
  lint_cmd->add_option("--write-baseline", lint.write_baseline,
                      "Record the current findings into FILE and exit 0 (2 when a spec cannot be read)");

  diff_options diff;
  auto* diff_cmd = app.add_subcommand(
      "diff", "Compare two versions of a spec: every change per operation, classified breaking, potentially "
              "breaking or compatible (docs/diff.md)");
  add_profile_option(diff_cmd);
  diff_cmd->add_option("old", diff.old_spec, "The spec before the change")->required();
  diff_cmd->add_option("new", diff.new_spec, "The spec after the change")->required();
  add_format_options(diff_cmd, diff.formats, diff.outputs, {"text", "json", "markdown", "junit", "sarif"});
  diff_cmd->add_option("--fail-on", diff.fail_on, "Exit 1 when a change is at or above this class")
      ->check(CLI::IsMember({"breaking", "potentially-breaking"}))
      ->capture_default_str();

  auto* spec_cmd = app.add_subcommand("spec", "Print the spec (the embedded Kibana contract unless --spec)");
  add_spec_options(spec_cmd);

  std::string example_operation;
  bool example_response = false;
  auto* example_cmd = app.add_subcommand("example", "Print the first valid example request body of an operation");
  add_spec_options(example_cmd);
  add_profile_option(example_cmd);
  example_cmd->add_option("operationId", example_operation, "The operation, by operationId")->required();
  example_cmd->add_flag("--response", example_response, "The success response body the mock serves instead");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every other parse error is a usage error (2), as documented.
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  }
  source.profile = *specgate::validator::parse_profile_choice(profile_text);  // IsMember checked it
  if (!mock.tls_cert.empty() != !mock.tls_key.empty()) {
    std::fprintf(stderr, "specgate: --tls-cert and --tls-key go together\n");
    return exit_usage;
  }
  if (mock_cmd->parsed()) {
    mock.spec = source;
    set_mock_answer_flags(mock_fixtures_option->count() ? std::optional<std::string>(mock_fixtures_dir) : std::nullopt,
                          mock_strict);
    return run_mock(mock);
  }
  if (proxy_cmd->parsed()) {
    if (!proxy.tls_cert.empty() != !proxy.tls_key.empty()) {
      std::fprintf(stderr, "specgate: --tls-cert and --tls-key go together\n");
      return exit_usage;
    }
    proxy.spec = source;
    return run_proxy(proxy);
  }
  if (test_cmd->parsed()) {
    test.spec = source;
    return run_test(test);
  }
  if (validate_cmd->parsed()) {
    validate.spec = source;
    return run_validate(validate);
  }
  if (merge_cmd->parsed()) {
    merge.spec = source;
    return run_report_merge(merge);
  }
  if (lint_cmd->parsed()) {
    lint.spec = source;
    return run_lint(lint);
  }
  if (diff_cmd->parsed()) {
    diff.profile = source.profile;
    return run_diff(diff);
  }
  if (spec_cmd->parsed()) return run_spec(source);
  if (example_cmd->parsed()) return run_example(source, example_operation, example_response);
  return exit_usage;
}
