#pragma once
// The top-level request handler of `specgate proxy`: /__specgate/... goes to
// the admin API; every other request is checked with the request check,
// forwarded to the upstream (unless --enforce refuses it), and its answer
// checked with the response check before it goes back to the client. The
// findings travel as data to the violations headers, the log line, metrics,
// journal and, through the recorder, the HAR recording and the report.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "server/observe/admin_api.h"
#include "server/http/http_types.h"
#include "server/observe/journal.h"
#include "server/observe/metrics.h"
#include "server/client/upstream_client.h"

namespace specgate::validator {
class exchange_check;
struct exchange;
}  // namespace specgate::validator

namespace specgate::server {

class mock_service;
class recorder;

struct proxy_options {
  upstream_options upstream;
  bool preserve_host = false;      // forward the client's Host (default: the upstream's)
  bool enforce_requests = false;   // an invalid request is refused (the profile's 400...), never forwarded
  bool enforce_responses = false;  // an invalid response is replaced by a 502 listing the violations
  std::size_t max_check_bytes = 8 * 1024 * 1024;  // larger bodies pass unchecked, reported as such
  bool tls = false;                // the proxy itself serves https (X-Forwarded-Proto)
  std::size_t journal_size = journal::default_capacity;
  admin_access admin;           // --admin-token, --admin-off
  validator::redaction redact;  // the journal's, besides the defaults (--redact-header)
  // One JSON line per exchange (operation, statuses, upstream latency, violations); null: none.
  std::function<void(std::string_view)> log;
};

class proxy_host {
 public:
  // `service` gives the contract, the checks' limits and the profile's refusals (--enforce);
  // `records` (may be null) takes every exchange for --record and --report.
  proxy_host(std::shared_ptr<const mock_service> service, std::string spec_name, proxy_options options,
             recorder* records = nullptr);
  ~proxy_host();
  proxy_host(const proxy_host&) = delete;
  proxy_host& operator=(const proxy_host&) = delete;

  // Empty, or why the upstream cannot be used (unreadable --upstream-ca...).
  const std::string& setup_error() const;

  // The http_server's async_request_handler.
  void handle(const http_request& request, http_response& response, std::function<void()> done);
  // The http_server's own_error, in the contract's profile.
  void answer_own_error(int status, std::string_view message, http_response& response) const;
  // The http_server's on_complete: the latency histogram.
  void complete(const http_request& request, const http_response& response, std::chrono::microseconds took);

  metrics& stats() { return metrics_; }
  journal& requests() { return journal_; }
  const mock_service& service() const { return *service_; }
  const upstream_client& upstream() const { return *upstream_; }

  // The headers forwarded upstream for `request` (hop-by-hop dropped, Host, X-Forwarded-*, Via).
  header_list upstream_headers(const http_request& request) const;
  // The upstream's headers as the client gets them (hop-by-hop and framing dropped; HEAD keeps
  // Content-Length).
  static header_list client_headers(const header_list& upstream, bool head);

 private:
  struct exchange_state;
  void on_upstream(const std::shared_ptr<exchange_state>& state, upstream_response answer);
  void finish(const std::shared_ptr<exchange_state>& state);

  const std::string spec_name_;
  const proxy_options options_;
  std::shared_ptr<const mock_service> service_;
  std::unique_ptr<validator::exchange_check> check_;  // the checks, as `validate` runs them
  std::unique_ptr<upstream_client> upstream_;
  recorder* records_;
  metrics metrics_;
  journal journal_;
  admin_api admin_;
  std::chrono::system_clock::time_point loaded_at_;
};

}  // namespace specgate::server
