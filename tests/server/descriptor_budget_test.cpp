// fit_descriptor_limit: RLIMIT_NOFILE's soft limit is raised to fit the connection cap, and the cap
// is lowered, with a warning naming the numbers, when the hard limit is too low.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <string>

#include "server/http/http_server.h"

namespace specgate::server {
namespace {

// Restores the process's open-file limits when the test ends (only the soft value is changed).
struct saved_limit {
  rlimit before{};
  saved_limit() { getrlimit(RLIMIT_NOFILE, &before); }
  ~saved_limit() { setrlimit(RLIMIT_NOFILE, &before); }
};

std::uint64_t soft_limit() {
  rlimit now{};
  getrlimit(RLIMIT_NOFILE, &now);
  return now.rlim_cur;
}

TEST(DescriptorBudget, RaisesTheSoftLimitSoTheCapFits) {
  saved_limit saved;
  if (saved.before.rlim_max != RLIM_INFINITY && saved.before.rlim_max < 2200) GTEST_SKIP() << "hard limit too low";
  rlimit low = saved.before;
  low.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  const auto budget = fit_descriptor_limit(1000, 2, 100);  // the proxy's 2 per connection
  EXPECT_EQ(budget.connections, 1000u);
  EXPECT_EQ(budget.soft_before, 256u);
  EXPECT_EQ(budget.soft_after, 2100u);
  EXPECT_EQ(soft_limit(), 2100u);
  EXPECT_TRUE(budget.warning.empty()) << budget.warning;
}

TEST(DescriptorBudget, LeavesAHighEnoughLimitAlone) {
  saved_limit saved;
  rlimit high = saved.before;
  high.rlim_cur = std::min<rlim_t>(saved.before.rlim_max, 4096);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &high), 0);
  const auto budget = fit_descriptor_limit(10, 1, 64);
  EXPECT_EQ(budget.connections, 10u);
  EXPECT_EQ(budget.soft_after, budget.soft_before);
  EXPECT_EQ(soft_limit(), high.rlim_cur);
}

TEST(DescriptorBudget, LowersTheCapWhenTheHardLimitIsTooLow) {
  saved_limit saved;
  // Asking for more than the hard limit allows is the same as a low hard limit, without lowering it for good.
  if (saved.before.rlim_max == RLIM_INFINITY) GTEST_SKIP() << "no hard limit";
  const std::size_t hard = saved.before.rlim_max;
  const auto budget = fit_descriptor_limit(hard, 2, 64);
  EXPECT_EQ(budget.soft_after, hard);
  EXPECT_EQ(budget.connections, (hard - 64) / 2);
  EXPECT_NE(budget.warning.find("open-file limit " + std::to_string(hard) + " (hard limit " + std::to_string(hard) + ")"),
            std::string::npos)
      << budget.warning;
  EXPECT_NE(budget.warning.find("accepting at most " + std::to_string((hard - 64) / 2) + " connections"),
            std::string::npos)
      << budget.warning;
}

}  // namespace
}  // namespace specgate::server
