#pragma once
// The one request check, used by mock, proxy and the CI verbs. Checks run in
// Kibana's order so that the first violation is the answer Kibana would
// give: route (404), credentials (401), kbn-xsrf (400), API version (400),
// then parameters and body (400/415). Every violation is still collected.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "validator/contract/contract.h"
#include "validator/check/violation.h"

namespace specgate::validator {

using header_span = std::span<const std::pair<std::string, std::string>>;

struct request_input {
  std::string_view method;  // "GET"
  std::string_view target;  // raw request-target: "/api/x?y=1"
  header_span headers;      // names in any case
  std::string_view body;
};

struct body_limits {
  std::size_t max_depth = 128;  // JSON nesting (objects + arrays)
  // kibana profile: bodies longer than this are refused with 413, like Kibana's server.maxPayload.
  std::size_t max_payload = 1048576;
};

struct request_outcome {
  std::optional<route_match> route;  // empty: no operation (404)
  const operation* op = nullptr;
  const media_type* media = nullptr;  // the request body's media type, when matched
  violations found;                   // in Kibana's order
  // kibana profile: the elastic-api-version the request is served with (stated, or the route's
  // oldest when the request states none); empty for unversioned routes and under openapi.
  std::string api_version;
  // kibana profile: a GET with a trailing slash is redirected (302) here.
  std::string redirect_location;
  // openapi profile: the path exists with other methods (405): those methods, for `Allow`.
  std::vector<http_method> allowed;
  // 401: the WWW-Authenticate challenges the operation's security schemes call for (openapi profile).
  std::vector<std::string> challenges;
  // Status the owner of the spec would answer (the first violation's), or 0 when valid.
  int status() const { return found.empty() ? 0 : found.front().status; }
};

class request_validator {
 public:
  explicit request_validator(const contract& c, body_limits limits = {});
  request_outcome check(const request_input& in) const;

  // Case-insensitive header lookup helper shared with the responder.
  static std::optional<std::string_view> find_header(header_span headers, std::string_view name);

 private:
  struct security_scheme {
    enum class kind { api_key, http_basic, http_bearer, other } type = kind::other;
    std::string name;           // apiKey: the header/query/cookie name
    param_location in = param_location::header;
  };
  const contract& contract_;
  body_limits limits_;
  std::vector<std::pair<std::string, security_scheme>> schemes_;

  struct form_result {
    json value;
    std::string error;                     // the body is not a well-formed form; empty when it is
    std::optional<form_error> field_error;  // a field cannot be read (JSON text that does not parse)
  };

  void check_security(const operation& op, const request_input& in, violations& out) const;
  // Path, query, header and cookie parameters, decoded by style and coerced to their schema types.
  void check_parameters(const operation& op, const request_input& in, const route_match& route,
                        violations& out) const;
  void check_body(const operation& op, const request_input& in, request_outcome& out) const;
  // application/x-www-form-urlencoded and multipart/form-data bodies as a JSON object.
  form_result decode_form(const media_type& media, const request_input& in, std::string_view content_type) const;
  const security_scheme* scheme(std::string_view name) const;
};

// Kibana's wording for where a value sits: "request body.connector.type",
// "request query.page" (instance pointer "/connector/type" -> ".connector.type").
std::string kibana_field(std::string_view prefix, std::string_view instance_pointer);

// True when `text` is well-formed base64 (standard alphabet, padding optional).
bool is_base64(std::string_view text);
// Decodes base64; nullopt when malformed.
std::optional<std::string> decode_base64(std::string_view text);

// Does the request's Content-Type match a declared media type key? Essence and
// parameters compare case-insensitively; `charset` is always accepted.
bool media_type_matches(const media_type& declared, std::string_view content_type);

}  // namespace specgate::validator
