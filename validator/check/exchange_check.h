#pragma once
// The one place that judges an exchange, recorded (`validate`) or live (the
// proxy): routes the request, runs the request check and the response check
// on the decoded body, and writes what it found into the exchange.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "validator/check/request_validator.h"
#include "validator/check/response_validator.h"
#include "validator/contract/contract.h"
#include "validator/traffic/exchange.h"

namespace specgate::validator {

// "12.0 MiB": a size as the notes give it.
std::string mebibytes_text(std::size_t bytes);
// "not checked: too large (12.0 MiB > --max-check-bytes 8.0 MiB)": the note of a body past the limit.
std::string too_large_note(std::size_t size, std::size_t limit);
// The same for a streamed body of unknown length: "not checked: too large (more than 8.0 MiB,
// --max-check-bytes)"; with a length, too_large_note's.
std::string too_large_note(std::optional<std::uint64_t> size, std::size_t limit);
// Why a note says a body went unchecked, as metrics label it: "too_large" (past the limit, or its
// decoding would be) or "undecodable".
std::string_view unchecked_kind(std::string_view note);

// The violation of a request no operation documents (code "undocumented", location route, 404).
violation undocumented_request(std::string_view method, std::string_view path);

class exchange_check {
 public:
  // `c` must outlive the check. Bodies longer than `max_check_bytes` are routed but not checked.
  exchange_check(const contract& c, std::size_t max_check_bytes, body_limits limits = {});

  // Phase 1, the request: routes it (the contract's routes, with its base path and, under the
  // kibana profile, spaces) and checks it. Sets e.operation_id/operation_method/operation_path
  // (empty when undocumented), e.request_violations (replacing any read back from a recording;
  // an undocumented request gets the one "undocumented" violation) and e.request_note ("" or why
  // the body was not checked). Returns the request check's outcome (its op: the operation, or
  // nullptr), which the proxy answers from. An Authorization value a recording redacted ("ApiKey
  // [redacted]", har.h) is checked as present and well-formed: its real value is unknowable.
  request_outcome check_request(exchange& e) const;

  // Phase 2, the response, against `op` (check_request's outcome.op; nullptr: nothing to check).
  // Sets e.response_violations and e.response_note. Not checked: no response (status 0, or the
  // proxy's own answer to an upstream failure: e.error), HEAD and 304 (no body to hold to the
  // contract), a recording that kept no body (note_no_response_body stays), a body past the
  // limit (too_large_note), or one whose Content-Encoding cannot be decoded ("not checked: cannot
  // decode gzip body: ..."). Otherwise the body is checked decoded.
  void check_response(exchange& e, const operation* op) const;

  // The same two phases on borrowed data, for the proxy's live exchange (no copy into an
  // exchange): the request check's outcome (an undocumented request gets the "undocumented"
  // violation) with `note` set as check_request sets request_note; the response's violations with
  // `note` set as check_response sets response_note (`method` tells a HEAD). Redacted credentials
  // are a recording's matter and are not looked for here. A request body past the limit, or
  // withheld (in.body_withheld: still arriving), leaves everything else checked and sets the note.
  request_outcome check_request(const request_input& in, std::string& note) const;
  violations check_response(const operation& op, std::string_view method, const response_input& in,
                            std::string& note) const;

  // Both phases.
  void check(exchange& e) const { check_response(e, check_request(e).op); }

 private:
  std::size_t max_check_bytes_;
  request_validator request_check_;
  response_validator response_check_;
};

}  // namespace specgate::validator
