// Judges one exchange: route, request check, response check on the decoded body.
#include "validator/check/exchange_check.h"

#include <cstdio>

#include "validator/contract/router.h"
#include "validator/text_util.h"
#include "validator/traffic/content_coding.h"
#include "validator/traffic/har.h"

namespace specgate::validator {

namespace {

std::string megabytes(std::size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

std::string_view header_value(const header_fields& headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return {};
}

constexpr std::string_view redacted_value = "[redacted]";

bool is_credentials_header(std::string_view name) {
  return iequals(name, "authorization") || iequals(name, "proxy-authorization");
}

bool has_redacted_credentials(const header_fields& headers) {
  for (const auto& [n, v] : headers)
    if (is_credentials_header(n) && v.find(redacted_value) != std::string::npos) return true;
  return false;
}

}  // namespace

std::string too_large_note(std::size_t size, std::size_t limit) {
  return "not checked: too large (" + megabytes(size) + " > --max-check-bytes " + megabytes(limit) + ")";
}

violation undocumented_request(std::string_view method, std::string_view path) {
  violation v;
  v.code = "undocumented";
  v.location = violation_location::route;
  v.expected = "an operation of the spec";
  v.found = std::string(method) + " " + std::string(path);
  v.message = std::string(method) + " " + std::string(path) + " is not an operation of the spec";
  v.status = 404;
  return v;
}

exchange_check::exchange_check(const contract& c, std::size_t max_check_bytes, body_limits limits)
    : contract_(c), max_check_bytes_(max_check_bytes), request_check_(c, limits), response_check_(c) {}

request_outcome exchange_check::check_request(exchange& e) const {
  request_outcome outcome;
  const std::string_view path = std::string_view(e.target).substr(0, e.target.find('?'));
  e.request_note.clear();
  if (e.request_body.size() > max_check_bytes_) {
    // Routed, not checked: the body is past what the checks read.
    outcome.route = contract_.routes().match(e.method, path);
    if (outcome.route) outcome.op = &contract_.operations()[outcome.route->operation];
    e.request_note = too_large_note(e.request_body.size(), max_check_bytes_);
  } else if (has_redacted_credentials(e.request_headers)) {
    // A recording redacts credentials ("ApiKey [redacted]"): they were sent, their value is unknowable.
    // The check sees a well-formed stand-in so that redaction is not taken for bad credentials.
    header_fields headers = e.request_headers;
    for (auto& [name, value] : headers)
      if (is_credentials_header(name)) {
        const auto at = value.find(redacted_value);
        if (at != std::string::npos) value.replace(at, redacted_value.size(), "cmVkYWN0ZWQ6cmVkYWN0ZWQ=");
      }
    outcome = request_check_.check({e.method, e.target, headers, e.request_body});
  } else {
    outcome = request_check_.check({e.method, e.target, e.request_headers, e.request_body});
  }
  if (!outcome.op) outcome.found = {undocumented_request(e.method, path)};
  if (outcome.op) {
    e.operation_id = outcome.op->operation_id;
    e.operation_method = to_lower(method_name(outcome.op->method));
    e.operation_path = outcome.op->path;
  } else {
    e.operation_id.clear();
    e.operation_method.clear();
    e.operation_path.clear();
  }
  e.request_violations = outcome.found;
  return outcome;
}

void exchange_check::check_response(exchange& e, const operation* op) const {
  e.response_violations.clear();
  if (e.response_note == note_no_response_body) return;
  e.response_note.clear();
  // HEAD and 304 carry no body to hold to the declared content; no response, nothing to check.
  if (!op || e.status == 0 || !e.error.empty() || e.method == "HEAD" || e.status == 304) return;
  if (e.response_body.size() > max_check_bytes_) {
    e.response_note = too_large_note(e.response_body.size(), max_check_bytes_);
    return;
  }
  const std::string_view encoding = header_value(e.response_headers, "content-encoding");
  if (encoding.empty() || iequals(trim(encoding), "identity")) {
    e.response_violations = response_check_.check(*op, {e.status, e.response_headers, e.response_body});
    return;
  }
  decoded_body decoded = decode_content(encoding, e.response_body, max_check_bytes_);
  if (!decoded.ok) {
    e.response_note = "not checked: " + decoded.error;
    return;
  }
  e.response_violations = response_check_.check(*op, {e.status, e.response_headers, decoded.body});
}

}  // namespace specgate::validator
