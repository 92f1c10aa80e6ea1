// The verdict on an answer to a request of `specgate test` (live or recorded).
#include "validator/check/test_verdict.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "validator/check/response_validator.h"

namespace specgate::validator {
namespace {

// The message of an error body (Kibana's "message", problem+json's "detail"), for violation texts.
std::string body_message(std::string_view body) {
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object())
    for (const char* key : {"message", "detail", "error"})
      if (auto m = parsed.find(key); m != parsed.end() && m->is_string()) return m->get<std::string>().substr(0, 300);
  return std::string(body.substr(0, 120));
}

violation verdict(std::string code, std::string message, std::string expected, int status) {
  violation v;
  v.code = std::move(code);
  v.location = violation_location::status;
  v.expected = std::move(expected);
  v.found = std::to_string(status);
  v.message = std::move(message);
  v.status = status;
  return v;
}

std::optional<violation> judge(const exchange& e) {
  const int status = e.status;
  const std::string answered = e.label + " was answered " + std::to_string(status);
  if (e.negative) {
    if (status >= 200 && status < 300)
      return verdict("invalid_request_accepted",
                     answered + ": the contract forbids this request; expected " + e.expected, "4xx", status);
    if (status < 400 || status >= 500)
      return verdict("invalid_request_not_refused", answered + ", not a 4xx refusal; expected " + e.expected, "4xx",
                     status);
    return std::nullopt;
  }
  if (refuses_as_invalid(status))
    return verdict("valid_request_refused",
                   answered + ": the request is valid by the contract, so the server is stricter than its contract" +
                       (e.response_body.empty() ? std::string() : " (it said: " + body_message(e.response_body) + ")"),
                   "2xx, or a declared 401/403/404/409", status);
  return std::nullopt;
}

}  // namespace

bool refuses_as_invalid(int status) { return status == 400 || status == 405 || status == 415 || status == 422; }

void judge_test_answer(const exchange_check& check, exchange& e, const operation& op) {
  e.response_violations.clear();
  if (e.status == 0 || !e.error.empty()) return;
  const bool refusal = e.negative && e.status >= 400 && e.status < 500;
  if (refusal && !find_response(op, e.status)) {
    e.response_violations.clear();
  } else {
    check.check_response(e, &op);
    if (refusal) std::erase_if(e.response_violations, [](const violation& v) { return v.code == "undeclared_body"; });
  }
  if (auto v = judge(e)) e.response_violations.insert(e.response_violations.begin(), std::move(*v));
}

}  // namespace specgate::validator
