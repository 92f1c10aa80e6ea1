// Judges one exchange: route, request check, response check on the decoded body.
#include "validator/check/exchange_check.h"

#include <cstdio>

#include "validator/contract/router.h"
#include "validator/text_util.h"
#include "validator/traffic/content_coding.h"
#include "validator/traffic/har.h"

namespace specgate::validator {

namespace {

std::string_view header_value(header_span headers, std::string_view name) {
  return request_validator::find_header(headers, name).value_or(std::string_view{});
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

std::string mebibytes_text(std::size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

std::string too_large_note(std::size_t size, std::size_t limit) {
  return "not checked: too large (" + mebibytes_text(size) + " > --max-check-bytes " + mebibytes_text(limit) + ")";
}

std::string too_large_note(std::optional<std::uint64_t> size, std::size_t limit) {
  if (size) return too_large_note(static_cast<std::size_t>(*size), limit);
  return "not checked: too large (more than " + mebibytes_text(limit) + ", --max-check-bytes)";
}

std::string_view unchecked_kind(std::string_view note) {
  return note.find("too large") != std::string_view::npos || note.find("exceeds the limit") != std::string_view::npos
             ? "too_large"
             : "undecodable";
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
    : max_check_bytes_(max_check_bytes), request_check_(c, limits), response_check_(c) {}

request_outcome exchange_check::check_request(const request_input& in, std::string& note) const {
  request_outcome outcome;
  const std::string_view path = in.target.substr(0, in.target.find('?'));
  note.clear();
  if (in.body_withheld || in.body.size() > max_check_bytes_) {
    // The body is past what the checks read: all but its bytes is checked.
    request_input without = in;
    if (!in.body_withheld) {
      without.body_withheld = true;
      without.withheld_size = in.body.size();
    }
    without.body = {};
    note = too_large_note(without.withheld_size, max_check_bytes_);
    outcome = request_check_.check(without);
  } else {
    outcome = request_check_.check(in);
  }
  if (!outcome.op) outcome.found = {undocumented_request(in.method, path)};
  return outcome;
}

request_outcome exchange_check::check_request(exchange& e) const {
  request_outcome outcome;
  if (has_redacted_credentials(e.request_headers)) {
    // A recording redacts credentials ("ApiKey [redacted]"): they were sent, their value is unknowable.
    // The check sees a well-formed stand-in so that redaction is not taken for bad credentials.
    header_fields headers = e.request_headers;
    for (auto& [name, value] : headers)
      if (is_credentials_header(name)) {
        const auto at = value.find(redacted_value);
        if (at != std::string::npos) value.replace(at, redacted_value.size(), "cmVkYWN0ZWQ6cmVkYWN0ZWQ=");
      }
    outcome = check_request({e.method, e.target, headers, e.request_body}, e.request_note);
  } else {
    outcome = check_request({e.method, e.target, e.request_headers, e.request_body}, e.request_note);
  }
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

violations exchange_check::check_response(const operation& op, std::string_view method, const response_input& in,
                                          std::string& note) const {
  note.clear();
  // HEAD and 304 carry no body to hold to the declared content.
  if (method == "HEAD" || in.status == 304) return {};
  if (in.body.size() > max_check_bytes_) {
    note = too_large_note(in.body.size(), max_check_bytes_);
    return {};
  }
  const std::string_view encoding = header_value(in.headers, "content-encoding");
  if (encoding.empty() || iequals(trim(encoding), "identity")) return response_check_.check(op, in);
  decoded_body decoded = decode_content(encoding, in.body, max_check_bytes_);
  if (!decoded.ok) {
    note = "not checked: " + decoded.error;
    return {};
  }
  return response_check_.check(op, {in.status, in.headers, decoded.body});
}

void exchange_check::check_response(exchange& e, const operation* op) const {
  e.response_violations.clear();
  if (e.response_note == note_no_response_body) return;
  e.response_note.clear();
  // No response, nothing to check.
  if (!op || e.status == 0 || !e.error.empty()) return;
  e.response_violations = check_response(*op, e.method, {e.status, e.response_headers, e.response_body}, e.response_note);
}

}  // namespace specgate::validator
