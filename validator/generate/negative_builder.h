#pragma once
// Negative requests for `specgate test`: from a valid request the request
// builder made (request_builder.h), the requests the contract forbids, each an
// edit of one thing in that request's data, with a label and the refusal the
// contract calls for. Every negative is run through the request check
// (request_validator.h) before it is kept: one the check would let through
// (a removed property another branch of a oneOf does not need, a "wrong" type
// the schema accepts after all) is not a negative and is dropped.
//
// Kinds, each at most once per positive request, in this order:
//  - "negative: no credentials": the credential headers removed, where the
//    operation declares security (only when credentials were given);
//  - "negative: missing kbn-xsrf header": kibana profile, writes;
//  - "negative: missing required query parameter 'name'" (then header,
//    cookie): the first required one the request carries; path parameters
//    are left alone (without one the path routes elsewhere or nowhere);
//  - "negative: missing required property /name": a JSON object body without
//    the first required property it holds (the schema's own `required`,
//    through $ref and allOf);
//  - "negative: wrong type at /name": that property (else the first property
//    of the body) given a value of another JSON type;
//  - "negative: value outside the enum at /name" (or "... of query parameter
//    'name'"): the first property or query parameter with a string enum
//    given a value outside it.
#include <string>
#include <vector>

#include "validator/contract/contract.h"
#include "validator/generate/request_builder.h"

namespace specgate::validator {

struct negative_request {
  built_request request;    // the positive request with one thing changed (request.name = label)
  std::string label;        // "negative: missing required property /name"
  int expected_status = 0;  // what the request check answers for it (the owner's 4xx: 400, 401, ...)
  std::string expected;     // "a 4xx refusal (the contract's answer: 400 required)"
};

struct negative_options {
  // Headers that carry the credentials given (Authorization, an API key header): removed for the
  // "no credentials" negative. Empty: no credentials were given, so that negative is not made.
  std::vector<std::string> credential_headers;
};

// The negatives of `positive` (an operation's candidate from request_builder over `c`).
std::vector<negative_request> build_negatives(const contract& c, const built_request& positive,
                                              const negative_options& options = {});

}  // namespace specgate::validator
