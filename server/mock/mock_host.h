#pragma once
// The top-level request handler of `specgate mock`: /__specgate/... goes to
// the admin API, everything else to the mock_service being served; every
// finished exchange is counted (metrics) and kept (journal) from the
// violations it carries as data; --cors answers
// preflights and adds the CORS headers. The service can be swapped while
// requests are running (reload): requests in flight finish with the service
// they started with; the journal and metrics carry over.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "server/observe/admin_api.h"
#include "server/http/http_types.h"
#include "server/observe/journal.h"
#include "server/observe/metrics.h"
#include "validator/document/diagnostic.h"

namespace specgate::server {

class mock_service;

struct host_options {
  bool cors = false;
  std::size_t journal_size = journal::default_capacity;  // 0 = no journal
  admin_access admin;           // --admin-token, --admin-off
  validator::redaction redact;  // the journal's, besides the defaults (--redact-header)
  // Reload messages (one line each, no newline). Empty: stderr, one write per line.
  std::function<void(std::string_view)> log;
};

class mock_host {
 public:
  mock_host(std::shared_ptr<const mock_service> service, std::string spec_name, host_options options = {});
  ~mock_host();
  mock_host(const mock_host&) = delete;
  mock_host& operator=(const mock_host&) = delete;

  // The http_server's request_handler. Thread-safe; takes no shared lock
  // (the current service is cached per thread and revalidated with one
  // atomic load). response.operation_id stays valid as long as this host.
  // Every request but the admin ones is counted and journaled here, before
  // its response is written: a client that has the answer finds it in the
  // journal and the metrics.
  void handle(const http_request& request, http_response& response);

  // The http_server's own_error: the server's own answers (limits, timeouts,
  // malformed HTTP) in the served contract's profile. Thread-safe.
  void answer_own_error(int status, std::string_view message, http_response& response) const;

  // The http_server's on_complete: the latency histogram (every response
  // written, also the server's own 408/413/431; admin requests aside).
  void complete(const http_request& request, const http_response& response, std::chrono::microseconds took);

  // Serves `next` from now on. Thread-safe.
  void swap(std::shared_ptr<const mock_service> next);

  struct build_result {
    std::shared_ptr<const mock_service> service;  // null: the spec cannot be served
    validator::diagnostics problems;
  };
  // Runs `build` (on the calling thread, never on the request path) and swaps
  // its service in; when it fails, logs every error (file:line:col) and keeps
  // the current service. Calls are serialised. Returns whether it swapped.
  bool reload(const std::function<build_result()>& build, std::string_view reason);

  std::shared_ptr<const mock_service> service() const;
  served_contract current() const;
  metrics& stats() { return metrics_; }
  journal& requests() { return journal_; }
  const host_options& options() const { return options_; }

  // --cors headers, exposed for tests.
  static bool is_preflight(const http_request& request);
  static void answer_preflight(const http_request& request, http_response& response);
  static void add_cors_headers(const http_request& request, http_response& response);

 private:
  struct generation;
  std::shared_ptr<const generation> make_generation(std::shared_ptr<const mock_service> service);
  const generation& current_generation() const;
  std::string_view intern(std::string_view operation_id) const;
  void log(std::string_view line) const;
  void record(const http_request& request, const http_response& response, std::chrono::microseconds took);

  const host_options options_;
  const std::string spec_name_;
  metrics metrics_;
  journal journal_;
  admin_api admin_;

  // The generation served: swapped under swap_mutex_; its id is published in
  // current_id_ so request threads can check their cached copy without a lock.
  mutable std::mutex swap_mutex_;
  std::shared_ptr<const generation> current_;
  std::atomic<std::uint64_t> current_id_{0};

  // Stable storage for operationIds handed out in http_response::operation_id:
  // they must outlive the service that produced them (on_complete runs after
  // handle(), perhaps after a reload freed that service).
  mutable std::mutex intern_mutex_;
  mutable std::unordered_set<std::string> interned_;

  std::mutex reload_mutex_;
  mutable std::mutex status_mutex_;
  std::uint64_t reloads_ = 0;
  std::uint64_t failed_reloads_ = 0;
  std::string last_reload_error_;
};

}  // namespace specgate::server
