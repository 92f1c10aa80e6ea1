#pragma once
// A GoogleTest suite whose tests share one contract, built once: Derived::load() says from what.
#include <memory>
#include <string_view>

#include <gtest/gtest.h>

#include "validator/contract/contract.h"

namespace specgate::validator {

template <class Derived>
class shared_contract_suite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto built = Derived::load();
    ASSERT_TRUE(built.value) << (built.problems.empty() ? "" : built.problems[0].to_string());
    contract_ = new std::shared_ptr<const contract>(built.value);
  }
  static void TearDownTestSuite() {
    delete contract_;
    contract_ = nullptr;
  }
  static const contract& c() { return **contract_; }
  static const operation& op(std::string_view id) {
    const operation* o = c().find(id);
    EXPECT_NE(o, nullptr) << id;
    return *o;
  }

 private:
  static inline std::shared_ptr<const contract>* contract_ = nullptr;
};

}  // namespace specgate::validator
