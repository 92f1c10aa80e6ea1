// The real binary, a real socket: how `specgate mock` chooses its answers —
// fixtures (embedded and --fixtures DIR), Prefer, Accept, --strict.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "integration/harness.h"
#include "test_support.h"

namespace specgate::testing {
namespace {

using nlohmann::json;

const std::string auth = "Authorization: ApiKey c29tZTprZXk=";

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

class mock_answers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { process_ = new specgate_process({"mock", "--port", "0", "--threads", "2", "--strict"}); }
  static void TearDownTestSuite() {
    delete process_;
    process_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(process_->running()) << process_->output(); }
  static std::optional<http_reply> get(const std::string& target, std::vector<std::string> headers = {}) {
    headers.push_back(auth);
    return http_request(process_->port(), "GET", target, headers);
  }
  static specgate_process* process_;
};
specgate_process* mock_answers::process_ = nullptr;

TEST_F(mock_answers, embedded_fixtures_are_served_when_their_conditions_hold) {
  auto tags = get("/api/cases/tags?owner=observability");
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags->status, 200);
  EXPECT_EQ(json::parse(tags->body), json::parse(R"(["observability","latency","slo"])"));
  EXPECT_EQ(tags->header("elastic-api-version"), "2023-10-31");
  EXPECT_NE(tags->header("kbn-name"), "") << "Kibana's headers on fixture answers";
  EXPECT_TRUE(tags->header("specgate-response-violations").empty()) << "--strict finds nothing to say";

  auto plain = get("/api/cases/tags");
  ASSERT_TRUE(plain);
  EXPECT_EQ(json::parse(plain->body).size(), 4u) << "no condition holds: the spec's example";

  auto offline = get("/api/fleet/agents/offline-agent");
  ASSERT_TRUE(offline);
  EXPECT_EQ(json::parse(offline->body)["item"]["status"], "offline");
  auto online = get("/api/fleet/agents/some-agent");
  ASSERT_TRUE(online);
  EXPECT_EQ(json::parse(online->body)["item"]["status"], "online");

  const std::string configure_body =
      R"({"owner":"cases","closure_type":"close-by-user","connector":{"id":"none","name":"none","type":".none","fields":null}})";
  auto configured = http_request(process_->port(), "POST", "/api/cases/configure",
                                 {auth, "kbn-xsrf: true", "Content-Type: application/json"}, configure_body);
  ASSERT_TRUE(configured);
  EXPECT_EQ(configured->status, 200);
  EXPECT_EQ(json::parse(configured->body)["connector"]["type"], ".none") << "a body field selects the fixture";

  auto unknown = http_request(process_->port(), "DELETE", "/api/apm/settings/agent-configuration",
                              {auth, "kbn-xsrf: true", "elastic-api-version: 2023-10-31", "Content-Type: application/json"},
                              R"({"name":"unknown-service"})");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404) << unknown->body;
  EXPECT_EQ(json::parse(unknown->body)["message"], "No agent configuration for service unknown-service");
}

TEST_F(mock_answers, prefer_selects_status_example_and_deterministic_dynamic_data) {
  auto unauthorized = get("/api/cases/tags", {"Prefer: code=401"});
  ASSERT_TRUE(unauthorized);
  EXPECT_EQ(unauthorized->status, 401);
  EXPECT_EQ(json::parse(unauthorized->body)["statusCode"], 401);

  auto undeclared = get("/api/cases/tags", {"Prefer: code=418"});
  ASSERT_TRUE(undeclared);
  EXPECT_EQ(undeclared->status, 404);
  EXPECT_NE(undeclared->body.find("Requested status code 418 is not defined"), std::string::npos);
  EXPECT_NE(undeclared->header("specgate-violations").find("prefer_code"), std::string::npos);

  auto named = get("/api/cases/tags?owner=observability", {"Prefer: example=fourTags"});
  ASSERT_TRUE(named);
  EXPECT_EQ(json::parse(named->body).size(), 4u) << "an explicit example beats an unnamed fixture";

  auto fixture_by_name = get("/api/cases/tags?owner=securitySolution", {"Prefer: example=securityTags"});
  ASSERT_TRUE(fixture_by_name);
  EXPECT_EQ(json::parse(fixture_by_name->body)[0], "malware");

  auto first = get("/api/fleet/agents/a1", {"Prefer: dynamic=true"});
  auto second = get("/api/fleet/agents/a1", {"Prefer: dynamic=true"});
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, second->body) << "seeded from the request";
  EXPECT_TRUE(json::parse(first->body).contains("item"));
  EXPECT_TRUE(first->header("specgate-response-violations").empty()) << first->header("specgate-response-violations");
}

TEST_F(mock_answers, accept_negotiates_and_refuses_with_406) {
  auto refused = get("/api/fleet/agents/setup", {"Accept: text/html"});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 406);
  auto body = json::parse(refused->body);
  EXPECT_EQ(body["statusCode"], 406);
  EXPECT_EQ(body["error"], "Not Acceptable");
  EXPECT_NE(refused->header("specgate-violations").find("not_acceptable"), std::string::npos);

  auto versioned = get("/api/fleet/agents/setup", {"Accept: application/json; Elastic-Api-Version=2023-10-31"});
  ASSERT_TRUE(versioned);
  EXPECT_EQ(versioned->status, 200);
  auto wildcard = get("/api/fleet/agents/setup", {"Accept: text/html, */*;q=0.1"});
  ASSERT_TRUE(wildcard);
  EXPECT_EQ(wildcard->status, 200);
  EXPECT_EQ(wildcard->header("content-type"), "application/json; charset=utf-8") << "as Kibana sends JSON";
  EXPECT_EQ(wildcard->header("elastic-api-version"), "2023-10-31");
}

TEST(mock_answers_cli, fixtures_dir_replaces_the_embedded_fixtures) {
  const auto dir = fresh_dir("specgate_fixtures_dir");
  std::filesystem::create_directories(dir / "cases");
  std::ofstream(dir / "cases" / "getCaseTagsDefaultSpace.yaml") << "- body: [from-dir]\n";
  std::ofstream(dir / "notes.txt") << "ignored";
  specgate_process p({"mock", "--port", "0", "--quiet", "--fixtures", dir.string()});
  ASSERT_TRUE(p.running()) << p.output();
  auto tags = http_request(p.port(), "GET", "/api/cases/tags?owner=observability", {auth});
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags->body, R"(["from-dir"])");
  auto agent = http_request(p.port(), "GET", "/api/fleet/agents/offline-agent", {auth});
  ASSERT_TRUE(agent);
  EXPECT_EQ(json::parse(agent->body)["item"]["status"], "online") << "the embedded fixtures are not loaded";
}

TEST(mock_answers_cli, a_bad_fixture_stops_the_start_naming_file_and_line) {
  const auto dir = fresh_dir("specgate_bad_fixtures");
  std::ofstream(dir / "getCaseTagsDefaultSpace.yaml") << "# tags\n- status: 200\n  body: [ok, 7]\n";
  specgate_process p({"mock", "--port", "0", "--fixtures", dir.string()}, std::chrono::seconds(20));
  EXPECT_FALSE(p.running());
  auto code = p.stop(SIGTERM, std::chrono::seconds(10));
  ASSERT_TRUE(code);
  EXPECT_NE(*code, 0);
  const std::string expected = (dir / "getCaseTagsDefaultSpace.yaml").string() + ":3:";
  EXPECT_NE(p.output().find(expected), std::string::npos) << p.output();
  EXPECT_NE(p.output().find("expected value of type [string] but got [number]"), std::string::npos) << p.output();

  specgate_process missing({"mock", "--port", "0", "--fixtures", (dir / "nope").string()}, std::chrono::seconds(20));
  EXPECT_FALSE(missing.running());
  EXPECT_NE(missing.output().find("fixtures directory not found"), std::string::npos) << missing.output();
}

TEST(mock_answers_cli, strict_mode_flags_and_logs_an_answer_the_contract_does_not_allow) {
  const auto dir = fresh_dir("specgate_strict_spec");
  std::ofstream(dir / "spec.yaml") << R"(openapi: 3.0.3
info: {title: strict, version: '1'}
paths:
  /api/impossible:
    get:
      operationId: getImpossible
      responses:
        '200':
          description: a schema nothing satisfies
          content:
            application/json:
              schema: {type: string, minLength: 3, maxLength: 1}
  /api/fine:
    get:
      operationId: getFine
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, required: [a], properties: {a: {type: integer}}}
)";
  specgate_process p({"mock", "--port", "0", "--quiet", "--strict", "--spec", (dir / "spec.yaml").string()});
  ASSERT_TRUE(p.running()) << p.output();
  EXPECT_NE(p.output().find("no valid body for getImpossible 200"), std::string::npos) << p.output();
  auto bad = http_request(p.port(), "GET", "/api/impossible");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 500) << "never an invalid body";
  auto flagged = json::parse(bad->header("specgate-response-violations"));
  ASSERT_EQ(flagged.size(), 1u);
  EXPECT_EQ(flagged[0]["code"], "undeclared_status");
  auto fine = http_request(p.port(), "GET", "/api/fine");
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->status, 200);
  EXPECT_TRUE(fine->header("specgate-response-violations").empty());
  // The log line is written before the response; give the reader thread a moment.
  for (int i = 0; i < 50 && p.output().find("specgate: strict: getImpossible answered 500") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_NE(p.output().find("specgate: strict: getImpossible answered 500"), std::string::npos) << p.output();
}

TEST(mock_answers_cli, kibanas_document_traps_over_sockets) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  specgate_process p({"mock", "--port", "0", "--quiet", "--strict", "--spec", kibana_spec_path()});
  ASSERT_TRUE(p.running()) << p.output();
  auto upload = http_request(p.port(), "POST", "/api/fleet/epm/packages", {auth, "kbn-xsrf: true"});
  ASSERT_TRUE(upload) << "a bodyless request to the application/gzip; application/zip key";
  EXPECT_EQ(upload->status, 200);
  EXPECT_TRUE(upload->header("specgate-response-violations").empty()) << upload->header("specgate-response-violations");
  auto exported = http_request(p.port(), "POST", "/api/saved_objects/_export",
                               {auth, "kbn-xsrf: true", "Content-Type: application/json"}, R"({"type":"map"})");
  ASSERT_TRUE(exported);
  EXPECT_EQ(exported->status, 200);
  EXPECT_NE(exported->header("content-type").find("application/x-ndjson"), std::string::npos);
  EXPECT_TRUE(exported->header("specgate-response-violations").empty());
  auto copy = http_request(p.port(), "GET", "/api/timeline/_copy", {auth});
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->status, 400) << "GET that declares a required body, sent without one";
  auto unenroll = http_request(p.port(), "POST", "/api/fleet/agents/a1/unenroll", {"kbn-xsrf: true", auth}, "{}");
  ASSERT_TRUE(unenroll);
  EXPECT_EQ(unenroll->status, 200);
  EXPECT_EQ(unenroll->body, "{}");
  ASSERT_TRUE(p.running());
}

}  // namespace
}  // namespace specgate::testing
