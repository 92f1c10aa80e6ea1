// The real binary, a real socket: `specgate mock` end to end.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "integration/harness.h"
#include "test_support.h"

namespace specgate::testing {
namespace {

using nlohmann::json;

const std::vector<std::string> auth = {"Authorization: ApiKey c29tZTprZXk="};

class embedded_mock : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // From another directory: the embedded spec needs no files.
    std::filesystem::current_path(std::filesystem::temp_directory_path());
    process_ = new specgate_process({"mock", "--port", "0", "--threads", "2"});
  }
  static void TearDownTestSuite() {
    delete process_;
    process_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(process_->running()) << process_->output(); }
  static specgate_process* process_;
};
specgate_process* embedded_mock::process_ = nullptr;

TEST_F(embedded_mock, literal_route_answers_its_documented_success_response) {
  auto r = http_request(process_->port(), "GET", "/api/fleet/agents/setup", auth);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto body = json::parse(r->body);
  EXPECT_TRUE(body.contains("isReady")) << r->body;
  EXPECT_NE(r->header("content-type").find("application/json"), std::string::npos);
}

TEST_F(embedded_mock, templated_route_is_not_confused_with_the_literal_one) {
  auto r = http_request(process_->port(), "GET", "/api/fleet/agents/some-agent-id", auth);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto body = json::parse(r->body);
  EXPECT_FALSE(body.contains("isReady")) << r->body;
  EXPECT_TRUE(body.contains("item")) << r->body;
}

TEST_F(embedded_mock, unknown_route_gets_kibanas_404_body) {
  auto r = http_request(process_->port(), "GET", "/api/does/not/exist", auth);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(json::parse(r->body), json::parse(R"({"statusCode":404,"error":"Not Found","message":"Not Found"})"));
  auto wrong_method = http_request(process_->port(), "PUT", "/api/fleet/agents/setup", auth);
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 404);
}

TEST_F(embedded_mock, space_prefix_and_head) {
  auto r = http_request(process_->port(), "GET", "/s/dev/api/cases/tags", auth);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto head = http_request(process_->port(), "HEAD", "/api/cases/tags", auth);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(head->header("content-length"), std::to_string(r->body.size()));
}

TEST_F(embedded_mock, versioned_routes_carry_the_api_version_header) {
  auto r = http_request(process_->port(), "GET", "/api/fleet/agent_status/data?agentsIds=a", auth);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const std::string type = r->header("content-type");
  if (type.find("Elastic-Api-Version") != std::string::npos) {
    EXPECT_EQ(r->header("elastic-api-version"), "2023-10-31");
  }
}

TEST(mock_cli, spec_verb_prints_the_embedded_document) {
  // `specgate spec` output must be the very file in spec/.
  const std::string out_file = (std::filesystem::temp_directory_path() / "specgate_spec_out.yaml").string();
  const std::string cmd = std::string(specgate::testing::paths::specgate_binary()) + " spec > " + out_file;
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream a(out_file), b(source_dir() + "/spec/kibana.yaml");
  std::string sa((std::istreambuf_iterator<char>(a)), {}), sb((std::istreambuf_iterator<char>(b)), {});
  EXPECT_FALSE(sa.empty());
  EXPECT_EQ(sa, sb);
}

// Issue 8: a defect confined to one operation is reported and the rest served (this test
// used to expect a refusal); only a document that cannot be read is refused.
TEST(mock_cli, broken_operation_is_reported_with_file_line_and_column_and_served) {
  const auto dir = std::filesystem::temp_directory_path() / "specgate_broken_spec";
  std::filesystem::create_directories(dir);
  const auto file = dir / "broken.yaml";
  std::ofstream(file) << "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
                         "        '200':\n          $ref: '#/components/responses/missing'\n";
  specgate_process p({"mock", "--port", "0", "--spec", file.string()}, std::chrono::seconds(10));
  ASSERT_TRUE(p.running()) << p.output();
  EXPECT_NE(p.output().find("broken.yaml:8:"), std::string::npos) << p.output();
  auto r = http_request(p.port(), "GET", "/a");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);

  const auto unreadable = dir / "unreadable.yaml";
  std::ofstream(unreadable) << "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";
  specgate_process refused({"mock", "--port", "0", "--spec", unreadable.string()}, std::chrono::seconds(10));
  EXPECT_FALSE(refused.running());
  auto code = refused.stop(SIGTERM, std::chrono::seconds(10));
  ASSERT_TRUE(code);
  EXPECT_NE(*code, 0);
  EXPECT_NE(refused.output().find("no paths object"), std::string::npos) << refused.output();
}

TEST(mock_cli, sigterm_stops_the_server_cleanly) {
  specgate_process p({"mock", "--port", "0"});
  ASSERT_TRUE(p.running()) << p.output();
  ASSERT_TRUE(http_request(p.port(), "GET", "/api/cases/tags", auth));
  auto code = p.stop(SIGTERM);
  ASSERT_TRUE(code) << "did not exit after SIGTERM";
  EXPECT_EQ(*code, 0);
}

TEST(mock_cli, serves_kibanas_full_document) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  specgate_process p({"mock", "--port", "0", "--quiet", "--spec", kibana_spec_path()});
  ASSERT_TRUE(p.running()) << p.output();
  auto r = http_request(p.port(), "GET", "/api/fleet/agents/setup", auth);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(json::accept(r->body)) << r->body;
  auto unenroll = http_request(p.port(), "POST", "/api/fleet/agents/a1/unenroll", {"kbn-xsrf: true", auth[0]}, "{}");
  ASSERT_TRUE(unenroll);
  EXPECT_EQ(unenroll->status, 200) << "responses: {} is answered 200 {}";
}

}  // namespace
}  // namespace specgate::testing
