#pragma once
// The one response check, used by proxy, `validate`, `test`, and by the mock
// on its own answers: status declared (exact, 2XX-style range, or default),
// Content-Type declared, required headers present and valid, body valid.
#include <string_view>

#include "validator/contract/contract.h"
#include "validator/check/request_validator.h"
#include "validator/check/violation.h"

namespace specgate::validator {

struct response_input {
  int status = 200;
  header_span headers;
  std::string_view body;
};

// The Response Object that covers `status`: exact code, then range, then default.
const response* find_response(const operation& op, int status);

class response_validator {
 public:
  explicit response_validator(const contract& c) : contract_(c) {}
  violations check(const operation& op, const response_input& in) const;

 private:
  const contract& contract_;
};

}  // namespace specgate::validator
