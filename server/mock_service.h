#pragma once
// The mock of an OpenAPI service: routes each request to its operation and
// answers with a response the contract allows. Answers are chosen once, at
// start-up; the request path does no schema work it can avoid.
#include <memory>
#include <string>
#include <vector>

#include "server/http_types.h"
#include "validator/contract.h"
#include "validator/request_validator.h"

namespace specgate::server {

// One prepared answer.
struct canned_response {
  int status = 200;
  std::string content_type;  // empty = no body
  std::string body;
  header_list headers;       // extra headers (elastic-api-version, kbn-name)
  std::string source;        // "example 'name'", "generated", "empty" — for logs and tests
};

class mock_service {
 public:
  // Prepares every operation's answer; problems (an example that does not
  // match its schema, an operation without responses) come back as warnings.
  static std::pair<std::shared_ptr<const mock_service>, validator::diagnostics> create(
      std::shared_ptr<const validator::contract> contract);

  void handle(const http_request& request, http_response& response) const;

  const validator::contract& contract() const { return *contract_; }
  const canned_response& answer_for(std::size_t operation) const { return answers_.at(operation); }

 private:
  std::shared_ptr<const validator::contract> contract_;
  std::unique_ptr<validator::request_validator> validator_;
  std::vector<canned_response> answers_;  // by operation index
};

// Every violation as a JSON array for the `specgate-violations` header, at
// most `max_bytes` long; when entries must be left out, the last element says
// how many: {"omitted":N}. Never cut silently.
std::string violations_header(const validator::violations& found, std::size_t max_bytes = 8192);

// Kibana's error body: {"statusCode":404,"error":"Not Found","message":"Not Found"}.
std::string kibana_error_body(int status, std::string_view message);

}  // namespace specgate::server
