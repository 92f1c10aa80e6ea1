#pragma once
// The verbs of the specgate executable. Each returns the process exit code.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "validator/contract/contract.h"

namespace specgate::tools {

// Exit codes shared by every verb.
inline constexpr int exit_ok = 0;
inline constexpr int exit_violations = 1;  // the contract or the traffic is broken
inline constexpr int exit_usage = 2;       // bad command line, unreadable input

struct spec_source {
  std::string path;  // empty = the embedded spec/kibana.yaml
  std::string base_path;
  validator::profile_choice profile = validator::profile_choice::automatic;
  bool strict_load = false;  // refuse the document on any error (default: degrade per operation)
  validator::build_options build_options() const { return {base_path, profile, strict_load}; }
};

// Loads the contract from a file or the embedded spec; prints errors to stderr.
validator::contract::build_result load_contract(const spec_source& source);
std::string spec_display_name(const spec_source& source);
// Prints the errors and the first warnings of a load, one per line (file:line:col), to stderr.
void print_problems(const validator::diagnostics& problems, const std::string& spec_name);

// Connection limits and read deadlines of both serving verbs (mock, proxy).
struct serving_limits {
  std::size_t max_connections = 10'000;  // beyond: 503 and close (lowered to what RLIMIT_NOFILE allows)
  unsigned header_timeout_ms = 10'000;   // request line + headers, from the request's first byte: 408
  unsigned read_timeout_ms = 30'000;     // the whole request (header + body), from its first byte: 408
  unsigned idle_timeout_ms = 60'000;     // a keep-alive connection waiting for its next request: closed
};

struct mock_options {
  spec_source spec;
  std::string host = "127.0.0.1";
  std::uint16_t port = 5601;
  unsigned threads = 0;
  bool quiet = false;
  bool dry_run = false;  // load, prepare, bind, print the ready line, exit
  std::string tls_cert;
  std::string tls_key;
  bool watch = false;              // reload when the spec (or --fixtures) changes; SIGHUP always reloads
  unsigned watch_interval_ms = 500;
  bool cors = false;               // answer preflights, add Access-Control-* headers
  std::size_t journal_size = 1000; // requests kept for GET /__specgate/journal (0 = none)
  std::size_t max_payload = 1048576;  // request bodies past this: 413 (Kibana's server.maxPayload)
  std::string server_name;         // kibana profile: kbn-name; empty = the host name
  std::string admin_token;         // --admin-token / SPECGATE_ADMIN_TOKEN: Bearer token for /__specgate/*
  bool admin_off = false;          // no admin endpoints: /__specgate/* is routed like any path
  std::vector<std::string> redact_headers;  // redacted in the journal besides the defaults
  serving_limits limits;
};

int run_mock(const mock_options& options);

struct proxy_options {
  spec_source spec;
  std::string upstream;            // http(s)://host:port[/base]
  std::string upstream_ca;         // PEM trust anchors besides the system store
  bool insecure = false;           // https upstream without verification
  bool preserve_host = false;
  std::string enforce;             // "", "requests", "responses", "all"
  std::size_t max_check_bytes = 8 * 1024 * 1024;
  std::size_t max_body_bytes = 256 * 1024 * 1024;  // request and response bodies held at most
  unsigned connect_timeout_ms = 5'000;
  unsigned upstream_timeout_ms = 60'000;
  std::string report;              // FILE.json (+ FILE.xml JUnit)
  std::string record;              // FILE.har
  std::size_t record_queue_mb = 256;  // exchanges waiting for --record/--report hold at most this
  std::vector<std::string> redact_headers;
  std::string host = "127.0.0.1";
  std::uint16_t port = 5602;
  unsigned threads = 0;
  bool quiet = false;
  std::string tls_cert;
  std::string tls_key;
  std::size_t journal_size = 1000;
  std::size_t max_payload = 1048576;
  std::string server_name;
  std::string admin_token;         // as mock_options
  bool admin_off = false;          // no admin endpoints: /__specgate/* is forwarded like any path
  serving_limits limits;
};

int run_proxy(const proxy_options& options);

// Reports of the CI verbs (tools/report_output.h): the i-th --output gets the i-th --format.
struct report_options {
  std::vector<std::string> formats;  // text, json, junit, html (repeatable); none: text on stdout
  std::vector<std::string> outputs;  // files (repeatable); "-" = stdout
};

struct test_options {
  spec_source spec;
  std::string target;                   // --target http(s)://host:port[/basePath]
  std::vector<std::string> operations;  // --operation ID (repeatable); none: all
  std::vector<std::string> tags;        // --tag T (repeatable)
  std::vector<std::string> excludes;    // --exclude REGEX on operationId or "METHOD /path" (repeatable)
  std::string auth;                     // --auth user:pass (Basic)
  std::string api_key;                  // --api-key K (Authorization: ApiKey K)
  std::vector<std::string> headers;     // --header 'K: V' (repeatable)
  std::string base_path;                // --base-path: the target's prefix before every route
  std::string space;                    // --space: kibana, /s/{space}/...
  unsigned concurrency = 4;
  double rate = 0;                      // requests per second at most, 0 = unbounded
  unsigned timeout_ms = 30'000;         // per request
  bool dry_run = false;                 // list the requests, send nothing
  std::uint64_t seed = 0;
  std::string record;                   // HAR file
  std::string shard;                    // "K/N", 1-based
  bool allow_destructive = false;
  std::string ca;                       // PEM trust anchors for an https target
  bool insecure = false;
  std::vector<std::string> redact_headers;  // redacted in the report and --record besides the defaults
  report_options reports;
};
int run_test(const test_options& options);

struct validate_options {
  spec_source spec;
  std::vector<std::string> traffic;     // HAR 1.2 or NDJSON files ("-" = stdin)
  double min_coverage = 0;              // percent of operations; below: exit 1
  std::size_t max_check_bytes = 8 * 1024 * 1024;
  std::vector<std::string> redact_headers;  // redacted in the report besides the defaults
  report_options reports;
};
int run_validate(const validate_options& options);

struct report_merge_options {
  spec_source spec;
  std::vector<std::string> inputs;      // JSON reports of `test`/`validate` (shards)
  report_options reports;
};
int run_report_merge(const report_merge_options& options);

// `specgate lint [SPEC...]` (docs/lint.md, rules in docs/lint-rules.md).
struct lint_options {
  spec_source spec;                     // --spec (or the first positional SPEC)
  std::vector<std::string> specs;       // positional SPECs; several are linted one after another
  std::vector<std::string> formats;     // text, json, sarif, junit (repeatable, paired with outputs)
  std::vector<std::string> outputs;     // files; "-" = stdout
  std::string fail_on = "error";        // error | warning: exit 1 at or above
  std::string config;                   // rule settings file; default: .specgate.yaml in the working directory
  std::string baseline;                 // findings recorded earlier: only new ones count
  std::string write_baseline;           // record the current findings into this file
};
int run_lint(const lint_options& options);

// `specgate diff OLD NEW` (docs/diff.md): changes between two versions of a spec, classified.
struct diff_options {
  std::string old_spec;
  std::string new_spec;
  validator::profile_choice profile = validator::profile_choice::automatic;
  std::vector<std::string> formats;     // text, json, markdown, junit, sarif (repeatable, paired with outputs)
  std::vector<std::string> outputs;     // files; "-" = stdout
  std::string fail_on = "breaking";     // breaking | potentially-breaking
};
int run_diff(const diff_options& options);

int run_spec(const spec_source& source);
int run_example(const spec_source& source, const std::string& operation_id, bool response);

}  // namespace specgate::tools
