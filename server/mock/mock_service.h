#pragma once
// The mock of an OpenAPI service: routes each request to its operation and
// answers with a response the contract allows.
//
// A valid request is answered, in order, with (1) the first fixture of the
// operation whose conditions hold, (2) the spec example named by
// `Prefer: example=<name>`, (3) the first example that validates, (4) data
// generated from the schema. `Prefer: code=<status>` picks the declared
// response, `Prefer: dynamic=true` generated data seeded from the request.
// `Accept` picks among the response's media types (406 when none fits).
// An invalid request gets the profile's error answer (Kibana's body, or RFC
// 9457 problem+json under `openapi`), shaped to the operation's own declared
// error schema when it has one. Under the kibana profile every answer carries
// Kibana's headers (kbn-name, kbn-license-sig, security headers, CSP,
// cache-control), JSON is sent as `application/json; charset=utf-8` with
// `elastic-api-version`, and a GET with a trailing slash is redirected (302);
// under `openapi` none of that: 405 with `Allow`, 401 with `WWW-Authenticate`.
//
// Every body is prepared, serialized and checked with the response check at
// start-up; an invalid spec example is reported and never served. The
// request path only selects (Prefer, Accept, fixture conditions) and copies.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/mock/fixtures.h"
#include "server/http/http_types.h"
#include "server/http/profile_answers.h"
#include "validator/contract/contract.h"
#include "validator/check/request_validator.h"
#include "validator/check/response_validator.h"

namespace specgate::server {

// One prepared answer.
struct canned_response {
  int status = 200;
  std::string content_type;  // empty = no body
  std::string body;
  header_list headers;       // extra headers (elastic-api-version, required declared ones)
  std::string source;        // "example 'name'", "generated", "fixture file:line", ... — for logs and tests
};

struct mock_options {
  // Fixture files (see fixtures/README.md); each is checked against the
  // contract, and a bad one is an error diagnostic naming its file and line.
  std::vector<fixture_source> fixtures;
  // Check every answer with the response check at request time; a finding
  // is logged and listed in the `specgate-response-violations` header.
  bool strict = false;
  // Where strict-mode findings go, one line each (thread-safe); null = nowhere.
  std::function<void(const std::string&)> log;
  // kibana profile: the `kbn-name` of every answer (Kibana's server.name); empty = the host name.
  std::string server_name;
  // Request limits (max_payload: the kibana profile's 413, like Kibana's server.maxPayload).
  validator::body_limits limits;
};

// What a `Prefer` header asks for (RFC 7240 syntax, Prism's preferences).
struct preferences {
  std::optional<std::string> code;  // as written: "404"
  std::optional<std::string> example;
  std::optional<bool> dynamic;
};
// Parses every `Prefer` header; unknown preferences are ignored.
preferences parse_prefer(validator::header_span headers);

// One media range of an Accept header.
struct accept_range {
  std::string type = "*";     // lower case; "*" = any
  std::string subtype = "*";  // lower case; "*" = any
  std::vector<std::pair<std::string, std::string>> parameters;  // besides q, lower-case names
  double q = 1.0;
};
// nullopt: no Accept header (or nothing in it parses), i.e. anything goes.
std::optional<std::vector<accept_range>> parse_accept(validator::header_span headers);
// The q-value `ranges` give `media` (the most specific matching range
// decides); 0 = not acceptable. Parameters a range states must agree with the
// declared ones (`application/json` accepts `application/json;
// Elastic-Api-Version=2023-10-31`).
double acceptance(const std::vector<accept_range>& ranges, const validator::media_type& media);
double acceptance(const std::vector<accept_range>& ranges, std::string_view content_type);

class mock_service {
 public:
  // Prepares every operation's answers and loads the fixtures. Problems come
  // back as diagnostics: spec examples that do not match their schema and
  // responses no valid body could be made for (warnings), bad fixtures
  // (errors: the caller must not serve).
  static std::pair<std::shared_ptr<const mock_service>, validator::diagnostics> create(
      std::shared_ptr<const validator::contract> contract, mock_options options = {});

  // Checks the request (request_validator) and answers it: answer() with the outcome.
  void handle(const http_request& request, http_response& response) const;
  // Answers a checked request: a valid one as the contract allows, a refused one in the
  // profile's form (302 location, 405 Allow, 401 WWW-Authenticate, elastic-api-version from
  // the outcome); then the violations header, --strict's check, the profile's headers.
  void answer(const http_request& request, const validator::request_outcome& outcome, http_response& response) const;

  // An error the server or the host answers on its own (limits, timeouts, malformed
  // HTTP): the profile's body and headers. Under kibana a 413 says Kibana's words
  // for --max-payload.
  void answer_own_error(int status, std::string_view message, http_response& response) const;

  validator::profile profile() const { return contract_->profile(); }
  // The headers every answer carries: Kibana's under the kibana profile, none under openapi.
  const header_list& profile_headers() const { return profile_headers_; }

  const validator::contract& contract() const { return *contract_; }
  // The request check's limits (--max-payload, nesting depth).
  const validator::body_limits& limits() const { return limits_; }
  // The answer to a valid request without Prefer, Accept or a matching fixture.
  const canned_response& answer_for(std::size_t operation) const { return operations_.at(operation).fallback; }
  const fixture_set& fixtures() const { return fixtures_; }

  mock_service() = default;  // use create()

 private:
  struct prepared_body {
    std::string name;    // example name; empty for generated
    std::string body;
    std::string source;  // "example 'x'", "generated"
  };
  struct prepared_media {
    const validator::media_type* media = nullptr;
    std::string content_type;
    std::vector<prepared_body> examples;  // the valid ones, as declared
    std::vector<std::string> invalid_examples;  // names of the ones never served
    std::optional<prepared_body> fallback;  // first valid example, else valid generated data
  };
  struct prepared_response {
    const validator::response* declared = nullptr;
    int status = 200;                    // the status a code-less choice sends (200 for 2XX/default)
    header_list headers;                 // required declared headers, with generated values
    std::vector<prepared_media> media;   // in preference order (JSON first)
  };
  struct error_template {
    int status = 0;
    std::string content_type;
    validator::json value;      // a body valid against the declared error schema
    std::string body;           // `value` serialized: used when the live message does not fit
    // Members that carry the live message: "message" (kibana); "detail" (openapi: problem+json)
    // and a declared error schema's own string "message", where the schema lets them.
    std::vector<std::string> message_keys;
    validator::schema_id schema = validator::no_schema;
  };
  struct prepared_operation {
    std::vector<prepared_response> responses;  // as declared
    int success = -1;                          // index into responses; -1: none (responses: {})
    std::string api_version;                   // elastic-api-version of a versioned route, else empty
    std::vector<error_template> errors;        // by status, for the statuses the mock itself answers
    canned_response fallback;                  // the plain answer, fully built
    const validator::media_type* fallback_media = nullptr;  // its media type (null: no body or none declared)
  };

  std::shared_ptr<const validator::contract> contract_;
  std::unique_ptr<validator::request_validator> validator_;
  std::unique_ptr<validator::response_validator> response_validator_;
  std::vector<prepared_operation> operations_;  // by operation index
  fixture_set fixtures_;
  header_list profile_headers_;
  std::size_t max_payload_ = 0;
  validator::body_limits limits_;
  bool strict_ = false;
  std::function<void(const std::string&)> log_;

  void prepare(std::size_t index, validator::diagnostics& problems);
  void answer_valid(const http_request& request, const validator::request_outcome& outcome,
                    http_response& response) const;
  // The profile's error body for `status` (Kibana's or problem+json with `found`),
  // valid against the operation's declared schema for it when there is one.
  void answer_error(const validator::operation* op, int status, std::string_view message,
                    const validator::violations& found, http_response& response) const;
  // What the request check decided, rendered by profile: 302 location, 405 Allow, 401 WWW-Authenticate,
  // elastic-api-version.
  void answer_invalid(const validator::request_outcome& outcome, http_response& response) const;
  void check_own_answer(const validator::operation& op, bool request_valid, http_response& response) const;
};

// The seed `Prefer: dynamic=true` generates with: FNV-1a of method, target and body.
std::uint64_t request_seed(std::string_view method, std::string_view target, std::string_view body);

}  // namespace specgate::server
