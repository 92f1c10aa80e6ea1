#pragma once
// The verdict on an answer to a request of `specgate test`, live or read back
// from its recording by `validate`: the response check, held to what the
// request expected (a valid request must not be refused as malformed; a
// negative, which the contract forbids, must be refused with a 4xx).
#include "validator/check/exchange_check.h"
#include "validator/contract/contract.h"
#include "validator/traffic/exchange.h"

namespace specgate::validator {

// Statuses that refuse a request as malformed (400, 405, 415, 422): a valid request answered with
// one means the server is stricter than its contract.
bool refuses_as_invalid(int status);

// Judges the response of `e` (a request of `test`: e.label set, e.negative and e.expected as
// planned) against `op`: check.check_response, except that a negative's 4xx refusal is held to the
// contract only where the operation declares that status (servers refuse with bodies most
// operations do not declare: Kibana's 400/401) and may carry an error body where the declared
// refusal has no content; then the test's own verdict, first in e.response_violations:
// "invalid_request_accepted" (a negative answered 2xx), "invalid_request_not_refused" (a
// negative answered neither 2xx nor 4xx), "valid_request_refused" (a valid request answered
// 400/405/415/422). Nothing when no answer arrived (e.error).
void judge_test_answer(const exchange_check& check, exchange& e, const operation& op);

}  // namespace specgate::validator
