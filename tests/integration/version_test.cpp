// `specgate --version`: the version from CMake's project(VERSION), the commit that was built and the build type.
#include <gtest/gtest.h>

#include <cstdio>
#include <regex>
#include <string>

#include "cli_run.h"
#include "test_support.h"

namespace specgate::testing {
namespace {

std::string git_head(const std::string& dir) {
  std::string out;
  if (FILE* git = popen(("git -C '" + dir + "' rev-parse --short HEAD 2>/dev/null").c_str(), "r")) {
    char buf[128];
    while (std::fgets(buf, sizeof buf, git)) out += buf;
    pclose(git);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

TEST(version_cli, names_the_project_version_the_commit_built_and_the_build_type) {
  scratch s("specgate_version");
  const auto r = run_specgate({"--version"}, s);
  EXPECT_EQ(r.code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(r.out, m, std::regex(R"(specgate (\d+\.\d+\.\d+) \(commit ([0-9a-f]+|unknown), (\w+) build\)\n)")))
      << r.out;
  // The version has one source: project(specgate VERSION ...) in CMakeLists.txt.
  std::smatch project;
  const std::string cmake = read_file(source_dir() + "/CMakeLists.txt");
  ASSERT_TRUE(std::regex_search(cmake, project, std::regex(R"(project\(specgate VERSION (\d+\.\d+\.\d+))")));
  EXPECT_EQ(m[1].str(), project[1].str());
  // In a git checkout, the commit is HEAD as of the build (cmake/commit.cmake looks it up on every
  // build; tests run on what was just built).
  if (const std::string head = git_head(source_dir()); !head.empty()) {
    EXPECT_EQ(m[2].str(), head);
  }
}

}  // namespace
}  // namespace specgate::testing
