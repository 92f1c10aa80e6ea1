#pragma once
// A test suite's contract, built once, and the request check run against it with the request's
// text kept alive for the outcome (its route values point into it).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "validator/check/request_validator.h"

namespace specgate::validator::testing {

using headers_t = std::vector<std::pair<std::string, std::string>>;

// `Suite::load()` returns the contract's build_result; it runs once per suite.
template <typename Suite>
class request_check_fixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto built = Suite::load();
    ASSERT_TRUE(built.value) << "the suite's contract did not build";
    contract_ = new std::shared_ptr<const contract>(built.value);
  }
  static void TearDownTestSuite() {
    delete contract_;
    contract_ = nullptr;
  }

  request_outcome check(std::string method, std::string target, headers_t headers, std::string body = {},
                        body_limits limits = {}) {
    method_ = std::move(method);
    target_ = std::move(target);
    headers_ = std::move(headers);
    body_ = std::move(body);
    return request_validator(**contract_, limits).check({method_, target_, headers_, body_});
  }
  static std::vector<std::string> codes(const request_outcome& r) {
    std::vector<std::string> out;
    for (const auto& v : r.found) out.push_back(v.code);
    return out;
  }

  static inline std::shared_ptr<const contract>* contract_ = nullptr;
  std::string method_, target_, body_;
  headers_t headers_;
};

}  // namespace specgate::validator::testing
