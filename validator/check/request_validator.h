#pragma once
// The one request check, used by mock, proxy and the CI verbs. It follows the
// contract's profile. kibana: checks run in Kibana's order so that the first
// violation is the answer Kibana would give: route (404; an unknown GET
// authenticates first: 401, 302 for a trailing slash, 404), credentials (401),
// payload (413, malformed JSON 400, 415), kbn-xsrf (400), API version (400),
// then path parameters, query, headers, cookies and the body's schema (400).
// openapi: only what the document says: route (404, 405 with the allowed
// methods), credentials (401 with challenges), payload (malformed 400, 415),
// parameters, body. Every violation is still collected, in that order.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "validator/contract/contract.h"
#include "validator/check/violation.h"
#include "validator/text_util.h"  // decode_base64

namespace specgate::validator {

using header_span = std::span<const std::pair<std::string, std::string>>;

struct request_input {
  std::string_view method;  // "GET"
  std::string_view target;  // raw request-target: "/api/x?y=1"
  header_span headers;      // names in any case
  std::string_view body;
  // The body is not in `body`: past the checks' limit, or still arriving (the proxy streams it on).
  // Everything but its bytes is checked: route, credentials, payload size (when known), media
  // type, kbn-xsrf, version, parameters. `withheld_size`: its length, if known.
  bool body_withheld = false;
  std::optional<std::uint64_t> withheld_size{};
  std::uint64_t body_size() const { return body_withheld ? withheld_size.value_or(0) : body.size(); }
};

struct body_limits {
  std::size_t max_depth = 128;  // JSON nesting (objects + arrays)
  // kibana profile: bodies longer than this are refused with 413, like Kibana's server.maxPayload
  // (writes only: Kibana's GET routes parse no body).
  std::size_t max_payload = 1048576;
};

struct request_outcome {
  std::optional<route_match> route;  // empty: no operation (404)
  const operation* op = nullptr;
  const media_type* media = nullptr;  // the request body's media type, when matched
  violations found;                   // in Kibana's order
  // kibana profile: the elastic-api-version the request is served with (stated, or the route's
  // oldest when the request states none); empty for unversioned routes, when a version violation
  // was found (Kibana's version 400s carry no version), and under openapi.
  std::string api_version;
  // kibana profile: a GET with a trailing slash and credentials is redirected (302) here, with a
  // violation of code "trailing_slash" (status 302) first.
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
  bool kibana_ = false;  // the contract's profile is kibana
  std::vector<std::pair<std::string, security_scheme>> schemes_;

  struct form_result {
    json value;
    std::string error;                     // the body is not a well-formed form; empty when it is
    std::optional<form_error> field_error;  // a field cannot be read (JSON text that does not parse)
  };

  // No operation matches: 404, or (kibana) the catch-all GET's 401/302/404, or (openapi) 405.
  void check_route_failure(const request_input& in, std::string_view path, request_outcome& out) const;
  // Does the request carry credentials any of the document's schemes accepts (any Authorization
  // when it declares none)? What Kibana's authentication decides before its catch-all route.
  bool has_credentials(const request_input& in) const;
  bool satisfies(const security_scheme& s, const request_input& in) const;
  void check_security(const operation& op, const request_input& in, request_outcome& out) const;
  // kibana: elastic-api-version, as Kibana's versioned router resolves it.
  void check_version(const operation& op, const request_input& in, request_outcome& out) const;
  // Path, query, header and cookie parameters (in that order), decoded by style and coerced to
  // their schema types.
  void check_parameters(const operation& op, const request_input& in, const route_match& route,
                        violations& out) const;
  // The payload (media type, well-formedness) goes to out.found; the body's schema violations, and
  // a missing body, to `schema_found` (Kibana validates them after params and query).
  void check_body(const operation& op, const request_input& in, request_outcome& out,
                  violations& schema_found) const;
  // application/x-www-form-urlencoded and multipart/form-data bodies as a JSON object.
  form_result decode_form(const media_type& media, const request_input& in, std::string_view content_type) const;
  const security_scheme* scheme(std::string_view name) const;
};

// True when `text` is well-formed base64 (standard alphabet, padding optional).
bool is_base64(std::string_view text);
// decode_base64 is in validator/text_util.h.

// Does the request's Content-Type match a declared media type key? Essence and
// parameters compare case-insensitively; `charset` is always accepted.
bool media_type_matches(const media_type& declared, std::string_view content_type);

// Kibana's catch-all GET route's redirect for a path with a trailing slash: base path (and the
// request's space prefix) + "/" + the rest without its slashes, percent-encoded as one component
// (encodeURIComponent), + the query re-encoded ("/api/cases/tags/" -> "/api%2Fcases%2Ftags").
// Empty when Kibana would answer 404 instead (no trailing slash, "/", "//x/").
std::string kibana_trailing_slash_location(std::string_view base_path, bool spaces, std::string_view target);

}  // namespace specgate::validator
