// Kibana's headers and error body, RFC 9457 problem+json, and the specgate-violations header.
#include "server/http/profile_answers.h"

#include <unistd.h>

#include <climits>

namespace specgate::server {

using json = nlohmann::json;

header_list kibana_headers(std::string_view server_name) {
  // Values as a default Kibana sends them (checked against Kibana's source):
  // - packages/core/http/core-http-server-internal/src/security_response_headers_config.ts:
  //   x-content-type-options, referrer-policy, permissions-policy, cross-origin-opener-policy defaults;
  // - .../src/csp/csp_directives.ts + csp/config.ts (disableUnsafeEval defaults to true): the CSP rules;
  // - .../src/lifecycle_handlers.ts (createCustomHeadersPreResponseHandler): kbn-name = server.name;
  // - x-pack/plugins/licensing/server/on_pre_response_handler.ts: kbn-license-sig = the license's
  //   signature (a sha256 hex digest; the mock has no license, so a fixed one);
  // - hapi's route cache policy for API routes: cache-control.
  return {
      {"kbn-name", std::string(server_name)},
      {"kbn-license-sig", "5787bd0097273bedd6a06d84dd3154f27a527e4541975864d35bfa8bf0b12b12"},
      {"x-content-type-options", "nosniff"},
      {"referrer-policy", "strict-origin-when-cross-origin"},
      {"permissions-policy", "camera=(), display-capture=(), fullscreen=*, geolocation=(), microphone=(), web-share=()"},
      {"cross-origin-opener-policy", "same-origin"},
      {"content-security-policy",
       "script-src 'report-sample' 'self'; worker-src 'report-sample' 'self' blob:; style-src 'report-sample' "
       "'self' 'unsafe-inline'"},
      {"cache-control", "private, no-cache, no-store, must-revalidate"},
  };
}

std::string default_server_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "kibana";
  return name;
}

void add_missing_headers(const header_list& extra, http_response& response) {
  for (const auto& [name, value] : extra)
    if (response.header(name).empty()) response.headers.emplace_back(name, value);
}

std::string_view kibana_error_phrase(int status) {
  // Boom keeps the older phrase (Kibana answers {"statusCode":413,"error":"Request Entity Too Large",...},
  // as quoted in elastic/kibana#49218 and elastic/beats#23846).
  if (status == 413) return "Request Entity Too Large";
  return reason_phrase(status);
}

std::string kibana_error_body(int status, std::string_view message) {
  // Kibana's key order: statusCode, error, message.
  nlohmann::ordered_json body = {{"statusCode", status}, {"error", kibana_error_phrase(status)}, {"message", message}};
  // The message may quote request bytes that are not UTF-8: replaced, never thrown.
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string violations_header(const validator::violations& found, std::size_t max_bytes) {
  std::string out = "[";
  std::size_t written = 0;
  for (std::size_t i = 0; i < found.size(); ++i) {
    // ASCII only: safe in a header; request bytes that are not UTF-8 become U+FFFD.
    std::string text = violation_json(found[i]).dump(-1, ' ', true, json::error_handler_t::replace);
    const std::size_t left = found.size() - i - 1;
    const std::size_t reserve = left > 0 ? 32 : 0;  // room for {"omitted":N}
    if (out.size() + text.size() + 2 + reserve > max_bytes) break;
    if (written++) out += ',';
    out += text;
  }
  if (written < found.size()) {
    if (written) out += ',';
    out += "{\"omitted\":" + std::to_string(found.size() - written) + "}";
  }
  out += ']';
  return out;
}

std::string problem_body(int status, std::string_view detail, const validator::violations& found) {
  nlohmann::ordered_json body = {
      {"type", "about:blank"}, {"title", reason_phrase(status)}, {"status", status}, {"detail", detail}};
  if (!found.empty()) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& v : found)
      list.push_back(nlohmann::ordered_json::parse(violation_json(v).dump(-1, ' ', false, json::error_handler_t::replace)));
    body["violations"] = std::move(list);
  }
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void render_own_error(validator::profile profile, const header_list& kibana_extra, int status,
                      std::string_view message, const validator::violations& found, http_response& response) {
  response.status = status;
  if (profile == validator::profile::kibana) {
    response.set_header("content-type", "application/json; charset=utf-8");
    response.body = kibana_error_body(status, message);
    add_missing_headers(kibana_extra, response);
    return;
  }
  response.set_header("content-type", std::string(problem_content_type));
  response.body = problem_body(status, message, found);
}

}  // namespace specgate::server
