// The generality suite over a real socket (issue 8): the real binary serves a
// document written for the test whose operations carry defects, answers the
// healthy ones and the broken ones as well as their defects allow, and `lint`
// reports each defect with file:line:col and pointer and exits 1.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "integration/harness.h"
#include "test_support.h"

namespace specgate::testing {
namespace {

using nlohmann::json;

constexpr const char* defective = R"(openapi: 3.0.3
info: {title: generality, version: '1'}
paths:
  /ok:
    get:
      operationId: ok
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, required: [ok], properties: {ok: {type: boolean}}}
              example: {ok: true}
  /no-responses:
    get:
      operationId: noResponses
  /unusable:
    get:
      operationId: unusable
      responses: {'OK': {description: no status code}}
  /files/{name}.{ext}:
    get:
      operationId: file
      parameters:
        - {name: name, in: path, required: true, schema: {type: string}}
        - {name: ext, in: path, required: true, schema: {type: string, enum: [c, txt]}}
      responses:
        '200': {$ref: '#/components/responses/Missing'}
)";

std::filesystem::path write_spec(const std::string& name, const char* text) {
  const auto dir = std::filesystem::temp_directory_path() / ("specgate_generality_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / name;
  std::ofstream(file) << text;
  return file;
}

TEST(generality_cli, mock_serves_a_defective_document_and_reports_each_defect) {
  const auto file = write_spec("defective.yaml", defective);
  specgate_process p({"mock", "--port", "0", "--spec", file.string()}, std::chrono::seconds(20));
  ASSERT_TRUE(p.running()) << p.output();
  const std::string name = file.string();
  EXPECT_NE(p.output().find(name + ":16:7: error: operation has no 'responses'"), std::string::npos) << p.output();
  EXPECT_NE(p.output().find(name + ":28:23: error: unresolvable $ref '#/components/responses/Missing'"),
            std::string::npos)
      << p.output();

  auto ok = http_request(p.port(), "GET", "/ok");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(json::parse(ok->body, nullptr, false), json({{"ok", true}}));
  auto empty = http_request(p.port(), "GET", "/no-responses");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 200);
  EXPECT_EQ(empty->body, "{}");
  auto unusable = http_request(p.port(), "GET", "/unusable");
  ASSERT_TRUE(unusable);
  EXPECT_EQ(unusable->status, 501);
  auto mixed = http_request(p.port(), "GET", "/files/notes.v2.txt");
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->status, 200) << mixed->body;
  auto bad_ext = http_request(p.port(), "GET", "/files/notes.md");
  ASSERT_TRUE(bad_ext);
  EXPECT_EQ(bad_ext->status, 400) << "ext is routed, decoded and checked";
  auto code = p.stop(SIGTERM);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
  std::filesystem::remove_all(file.parent_path());
}

TEST(generality_cli, lint_reports_and_exits_1_where_mock_serves) {
  const auto file = write_spec("lint.yaml", defective);
  const std::string command = std::string(specgate::testing::paths::specgate_binary()) + " lint --format json --spec '" + file.string() + "'";
  FILE* out = ::popen(command.c_str(), "r");
  ASSERT_TRUE(out);
  std::string text;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, out)) > 0;) text.append(buffer, n);
  const int status = ::pclose(out);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << text;
  const json report = json::parse(text, nullptr, false);
  ASSERT_TRUE(report.is_object() && report["findings"].is_array()) << text;  // docs/lint.md
  const json& problems = report["findings"];
  auto has = [&](int line, int column, const std::string& pointer, const std::string& words) {
    for (const auto& d : problems)
      if (d["line"] == line && d["column"] == column && d["pointer"] == pointer && d["file"] == file.string() &&
          d["message"].get<std::string>().find(words) != std::string::npos)
        return true;
    return false;
  };
  EXPECT_TRUE(has(16, 7, "/paths/~1no-responses/get", "the mock answers 200 {}")) << text;
  EXPECT_TRUE(has(20, 18, "/paths/~1unusable/get/responses", "the mock answers 501")) << text;
  EXPECT_TRUE(has(28, 23, "/paths/~1files~1{name}.{ext}/get/responses/200", "unresolvable $ref")) << text;
  std::filesystem::remove_all(file.parent_path());
}

}  // namespace
}  // namespace specgate::testing
