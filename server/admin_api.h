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
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "server/http_types.h"
#include "server/journal.h"
#include "server/metrics.h"
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

class admin_api {
 public:
  static constexpr std::string_view prefix = "/__specgate";

  // True when the request-target is /__specgate or below it.
  static bool matches(std::string_view target);

  // `report`: POST /__specgate/report (empty: that endpoint does not exist).
  admin_api(metrics& stats, journal& requests, std::function<served_contract()> current,
            std::function<void(http_response&)> report = {});

  void handle(const http_request& request, http_response& response) const;

 private:
  metrics& stats_;
  journal& journal_;
  std::function<served_contract()> current_;
  std::function<void(http_response&)> report_;
};

// Percent-decodes a query component ('+' is a space); malformed escapes are kept as written.
std::string decode_query_component(std::string_view text);

}  // namespace specgate::server
