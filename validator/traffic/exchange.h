#pragma once
// One HTTP exchange as data: what the client sent, what it got back, which
// operation it was and what the checks found. The proxy produces them, the
// HAR recording and the traffic report consume them, and the CI verbs read
// them back from recordings (validate) or make them (test).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "validator/check/violation.h"

namespace specgate::validator {

using header_fields = std::vector<std::pair<std::string, std::string>>;

struct exchange {
  std::chrono::system_clock::time_point started;  // first byte of the request
  std::chrono::microseconds duration{0};          // until the answer was ready (the client's write aside)
  std::chrono::microseconds upstream{0};          // waiting for the upstream (proxy); 0 otherwise

  // The request as the client sent it.
  std::string method;  // "GET"
  std::string target;  // raw request-target "/api/x?y=1"
  header_fields request_headers;  // arrival order, names as received
  std::string request_body;
  unsigned http_version = 11;  // 10 or 11

  // The response as the client received it (status 0: none was received, see `error`).
  int status = 0;
  header_fields response_headers;
  std::string response_body;  // as sent on the wire (maybe compressed: see Content-Encoding)

  // The operation the request was routed to: operationId, method and path template.
  // Empty operation_id: the spec does not document the request (`undocumented`).
  std::string operation_id;
  std::string operation_method;  // lower case, "get"
  std::string operation_path;    // "/api/fleet/agents/{agentId}"

  violations request_violations;
  violations response_violations;

  // Why a direction was not (fully) checked, "" when it was: "not checked: too large
  // (12 MiB > --max-check-bytes 8 MiB)", "not checked: cannot decode br body: ...".
  std::string request_note;
  std::string response_note;
  // Upstream failure the proxy answered itself (502/504), "" otherwise:
  // "upstream http://127.0.0.1:5601 refused the connection".
  std::string error;

  // What produced the exchange, "" when nothing did on purpose (proxy, recordings): `test` names its
  // requests ("example 'minimal'", "generated", "negative: missing required property /name").
  std::string label;
  // A request of `test` the contract forbids on purpose: it must be refused (4xx); `expected`
  // says how ("400: missing kbn-xsrf header"). Judged by validator/check/test_verdict.h.
  bool negative = false;
  std::string expected;

  std::size_t violation_count() const { return request_violations.size() + response_violations.size(); }
};

}  // namespace specgate::validator
