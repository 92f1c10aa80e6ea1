#pragma once
// The admin endpoints under /__specgate/ (never routed to the contract, so
// no security or kbn-xsrf checks apply):
//   GET    /__specgate/health    {"status":"ok","operations":N,"spec":"...","loadedAt":"...",...}
//   GET    /__specgate/metrics   Prometheus text format
//   GET    /__specgate/journal   ?operationId=X&limit=N: the last requests, newest first
//   DELETE /__specgate/journal   clears it (204)
//   GET    /__specgate/spec      the loaded document (entry file) as JSON
//   POST   /__specgate/report    proxy with --report: writes the report files now, answers its JSON
// HEAD is answered wherever GET is.
// Protection (admin_access, docs/SECURITY.md): with a token, every admin path but /health wants
// `Authorization: Bearer TOKEN` (else 401 in the profile's error shape with WWW-Authenticate:
// Bearer); /health without it answers only {"status":"ok"}, for container health checks. With
// `off`, no path is an admin path: the hosts treat /__specgate/* like any other request.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "server/http/http_types.h"
#include "server/observe/journal.h"
#include "server/observe/metrics.h"
#include "validator/contract/contract.h"

namespace specgate::server {

// What the admin API reports about the contract being served.
struct served_contract {
  std::shared_ptr<const validator::contract> contract;
  std::string spec_name;                         // file path, or "<embedded>/spec/kibana.yaml"
  std::chrono::system_clock::time_point loaded_at;
  std::uint64_t reloads = 0;                     // successful reloads since start
  std::uint64_t failed_reloads = 0;
  std::string last_reload_error;                 // empty once a reload succeeds
};

// Who may use the admin endpoints (--admin-token / SPECGATE_ADMIN_TOKEN, --admin-off).
struct admin_access {
  std::string token;  // empty: no token wanted
  bool off = false;   // no admin endpoints at all
};

// True when `host` (a listening address) is a loopback one: 127.0.0.0/8, ::1, localhost.
bool is_loopback_host(std::string_view host);

// The line to warn on stderr when the admin endpoints are reachable from other machines without a
// token (bound to a non-loopback address, admin on, no token), else "".
std::string admin_exposure_warning(std::string_view host, const admin_access& access);

// Compares in time that depends only on the lengths, not on where the texts differ.
bool constant_time_equals(std::string_view a, std::string_view b);

class admin_api {
 public:
  static constexpr std::string_view prefix = "/__specgate";

  // True when the request-target is /__specgate or below it.
  static bool matches(std::string_view target);

  // The hosts' own errors in the profile's shape: (status, message, response).
  using error_renderer = std::function<void(int, std::string_view, http_response&)>;

  // `report`: POST /__specgate/report (empty: that endpoint does not exist). `refuse` renders the
  // 401 of a missing or wrong token (empty: Kibana's error shape).
  admin_api(metrics& stats, journal& requests, std::function<served_contract()> current,
            std::function<void(http_response&)> report = {}, admin_access access = {},
            error_renderer refuse = {});

  // True when this request is the admin API's: under the prefix, and the admin API is not off.
  bool serves(std::string_view target) const { return !access_.off && matches(target); }

  void handle(const http_request& request, http_response& response) const;

 private:
  metrics& stats_;
  journal& journal_;
  std::function<served_contract()> current_;
  std::function<void(http_response&)> report_;
  admin_access access_;
  error_renderer refuse_;
};

// Percent-decodes a query component ('+' is a space); malformed escapes are kept as written.
std::string decode_query_component(std::string_view text);

}  // namespace specgate::server
