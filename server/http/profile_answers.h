#pragma once
// How the mock's own answers look under each profile: Kibana's headers and
// error body (kibana), RFC 9457 problem+json (openapi), and the
// specgate-violations header, all from the one JSON form of a violation.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/http/http_types.h"
#include "validator/check/violation.h"
#include "validator/check/violation_json.h"
#include "validator/contract/profile.h"

namespace specgate::server {

// The headers Kibana puts on every response, errors included (Kibana's
// defaults: core http's securityResponseHeaders and csp, the licensing
// plugin's kbn-license-sig, hapi's cache-control of API routes), with
// `kbn-name` = `server_name`.
header_list kibana_headers(std::string_view server_name);

// The name Kibana's `server.name` defaults to: the host name ("kibana" when it cannot be read).
std::string default_server_name();

// Adds each of `extra` that `response` does not already carry (a fixture's own header wins).
void add_missing_headers(const header_list& extra, http_response& response);

// The `error` of Kibana's error body: hapi/Boom's phrase (413 "Request Entity Too Large"),
// else the standard reason phrase.
std::string_view kibana_error_phrase(int status);

// Kibana's error body: {"statusCode":404,"error":"Not Found","message":"Not Found"}.
std::string kibana_error_body(int status, std::string_view message);

// One violation as JSON (validator/check/violation_json.h: the one implementation,
// shared with the HAR recording and the reports).
using validator::violation_json;

// Every violation as a JSON array for the `specgate-violations` header, at
// most `max_bytes` long; when entries must be left out, the last element says
// how many: {"omitted":N}. Never cut silently. ASCII only.
std::string violations_header(const validator::violations& found, std::size_t max_bytes = 8192);

// RFC 9457 problem details: {"type":"about:blank","title":"Bad Request","status":400,
// "detail":"...","violations":[...]} (the member only when there are violations).
std::string problem_body(int status, std::string_view detail, const validator::violations& found);
inline constexpr std::string_view problem_content_type = "application/problem+json";

// An error answer the mock or the host makes itself (no declared error schema
// applies): Kibana's body and headers, or problem+json and nothing else.
// `kibana_extra` = kibana_headers(...), used only under the kibana profile.
void render_own_error(validator::profile profile, const header_list& kibana_extra, int status,
                      std::string_view message, const validator::violations& found, http_response& response);

}  // namespace specgate::server
