#include "server/mock/fixtures.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "server/mock/mock_service.h"
#include "test_support.h"

namespace specgate::server {
namespace {

using nlohmann::json;

class fixtures_of_embedded_contract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto built = validator::load_contract_file(specgate::testing::source_dir() + "/spec/kibana.yaml");
    contract_ = new std::shared_ptr<const validator::contract>(built.value);
  }
  static void TearDownTestSuite() {
    delete contract_;
    contract_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(*contract_); }
  static const validator::contract& contract() { return **contract_; }

  // Loads one file; returns the problems as "file:line:col: error: ..." strings.
  static fixture_load_result load(std::string name, std::string text) {
    std::vector<fixture_source> sources{{std::move(name), std::move(text)}};
    return load_fixtures(contract(), sources);
  }
  static std::string problems_text(const fixture_load_result& r) {
    std::string out;
    for (const auto& d : r.problems) out += d.to_string() + "\n";
    return out;
  }
  static std::size_t index_of(std::string_view operation_id) {
    return static_cast<std::size_t>(contract().find(operation_id) - contract().operations().data());
  }
  static std::shared_ptr<const validator::contract>* contract_;
};
std::shared_ptr<const validator::contract>* fixtures_of_embedded_contract::contract_ = nullptr;

TEST_F(fixtures_of_embedded_contract, the_shipped_fixtures_load_without_a_problem) {
  auto [sources, read_problems] = read_fixture_dir(specgate::testing::source_dir() + "/fixtures");
  EXPECT_TRUE(read_problems.empty());
  ASSERT_GE(sources.size(), 4u);
  for (const auto& s : sources) EXPECT_EQ(s.name.find("README"), std::string::npos) << "only json/yaml files";
  auto loaded = load_fixtures(contract(), sources);
  EXPECT_TRUE(loaded.problems.empty()) << [&] {
    std::string out;
    for (const auto& d : loaded.problems) out += d.to_string() + "\n";
    return out;
  }();
  EXPECT_GE(loaded.fixtures.size(), 5u);
  EXPECT_EQ(loaded.fixtures.for_operation(index_of("getCaseTagsDefaultSpace")).size(), 2u);
}

TEST_F(fixtures_of_embedded_contract, a_list_takes_the_operation_from_the_file_name) {
  auto r = load("dir/getCaseTagsDefaultSpace.yaml", "- body: [a, b]\n- status: 401\n  name: denied\n  body: {message: no}\n");
  ASSERT_TRUE(r.problems.empty()) << problems_text(r);
  auto list = r.fixtures.for_operation(index_of("getCaseTagsDefaultSpace"));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].status, 200) << "the first declared 2xx by default";
  // Kibana's pair: plain JSON content type, the version in its own header.
  EXPECT_EQ(list[0].content_type, "application/json; charset=utf-8");
  EXPECT_EQ(list[0].headers, (header_list{{"elastic-api-version", "2023-10-31"}}));
  EXPECT_EQ(list[0].body, R"(["a","b"])");
  EXPECT_EQ(list[0].origin, "dir/getCaseTagsDefaultSpace.yaml:1");
  EXPECT_EQ(list[1].status, 401);
  EXPECT_EQ(list[1].name, "denied");
}

TEST_F(fixtures_of_embedded_contract, a_mapping_names_its_operation) {
  auto r = load("whatever.json", R"({"operationId": "get-fleet-agents-setup", "description": "x",
    "fixtures": [{"status": "200", "headers": {"x-trace": 7},
                  "body": {"isReady": true, "missing_requirements": [], "missing_optional_features": []}}]})");
  ASSERT_TRUE(r.problems.empty()) << problems_text(r);
  auto list = r.fixtures.for_operation(index_of("get-fleet-agents-setup"));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].headers, (header_list{{"x-trace", "7"}, {"elastic-api-version", "2023-10-31"}}));
}

TEST_F(fixtures_of_embedded_contract, an_unknown_operation_is_an_error_naming_the_file) {
  auto r = load("fx/noSuchOperation.yaml", "- body: {}\n");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].level, validator::severity::error);
  EXPECT_EQ(r.problems[0].file, "fx/noSuchOperation.yaml");
  EXPECT_NE(r.problems[0].message.find("no operation 'noSuchOperation'"), std::string::npos);
  auto named = load("fx/a.yaml", "fixtures: []\noperationId: nope\n");
  ASSERT_EQ(named.problems.size(), 1u);
  EXPECT_EQ(named.problems[0].line, 2u) << "the line of operationId";
}

TEST_F(fixtures_of_embedded_contract, a_body_that_breaks_the_schema_is_an_error_at_the_offending_line) {
  auto r = load("getCaseTagsDefaultSpace.yaml", "- status: 200\n  body:\n    - fine\n    - 42\n");
  ASSERT_EQ(r.problems.size(), 1u) << problems_text(r);
  const auto& d = r.problems[0];
  EXPECT_EQ(d.file, "getCaseTagsDefaultSpace.yaml");
  EXPECT_EQ(d.line, 4u);
  EXPECT_EQ(d.pointer, "/0/body/1");
  EXPECT_NE(d.message.find("expected value of type [string] but got [number]"), std::string::npos) << d.message;
  EXPECT_EQ(r.fixtures.size(), 0u) << "a bad fixture is never served";
}

TEST_F(fixtures_of_embedded_contract, each_mistake_is_reported_with_its_place) {
  struct mistake {
    std::string file, text, message;
    std::uint32_t line;
  };
  const std::vector<mistake> mistakes = {
      {"getCaseTagsDefaultSpace.yaml", "- status: 418\n  body: []\n", "status 418 is not declared (declared: 200, 401)", 1},
      {"getCaseTagsDefaultSpace.yaml", "- status: 200\n  bodie: []\n", "unknown key 'bodie'", 2},
      {"getCaseTagsDefaultSpace.yaml", "- status: 200\n", "no body, but 200 declares content", 1},
      {"getCaseTagsDefaultSpace.yaml", "- body: []\n  when:\n    query: {ownr: cases}\n",
       "no query parameter 'ownr' is declared (declared: owner)", 3},
      {"getCaseTagsDefaultSpace.yaml", "- body: []\n  when:\n    body: {/a: 1}\n", "the operation takes no request body", 3},
      {"setCaseConfigurationDefaultSpace.yaml", "- body: {}\n  when:\n    body: {a/b: 1}\n", "is not a JSON Pointer", 3},
      {"getCaseTagsDefaultSpace.yaml", "- body: []\n  headers: {Content-Type: text/plain}\n", "set the media type with `contentType`", 2},
      {"getCaseTagsDefaultSpace.yaml", "- body: []\n  contentType: text/plain\n", "is not declared for 200", 2},
      {"delete-alerting-rule-id.yaml", "- status: 204\n  body: {}\n", "204 declares no content; remove the body", 2},
      {"getCaseTagsDefaultSpace.yaml", "- name: x\n  body: []\n- name: x\n  body: []\n", "already named 'x'", 3},
      {"getCaseTagsDefaultSpace.yaml", "- body: []\n  when: {path: {caseId: a}}\n", "no path parameter 'caseId'", 2},
      {"getCaseTagsDefaultSpace.yaml", "- body: [a\n", "", 0},  // syntax error: the parser's message
  };
  for (const auto& m : mistakes) {
    SCOPED_TRACE(m.text);
    auto r = load(m.file, m.text);
    ASSERT_FALSE(r.problems.empty());
    EXPECT_TRUE(validator::has_errors(r.problems));
    EXPECT_EQ(r.problems[0].file, m.file);
    EXPECT_NE(r.problems[0].message.find(m.message), std::string::npos) << problems_text(r);
    if (m.line) EXPECT_EQ(r.problems[0].line, m.line) << problems_text(r);
    else EXPECT_GT(r.problems[0].line, 0u) << problems_text(r);
    EXPECT_EQ(r.fixtures.size(), m.message.starts_with("already named") ? 1u : 0u) << "only good fixtures are kept";
  }
}

TEST_F(fixtures_of_embedded_contract, conditions_on_path_query_header_and_body) {
  auto r = load("fx.yaml", R"(operationId: setCaseConfigurationDefaultSpace
fixtures:
  - body: {owner: cases}
    when:
      body: {/connector/type: .none, /customFields/0/required: true}
      headers: {x-tenant: [blue, green]}
)");
  ASSERT_TRUE(r.problems.empty()) << problems_text(r);
  const fixture& f = r.fixtures.for_operation(index_of("setCaseConfigurationDefaultSpace"))[0];
  validator::route_match route;
  auto matches = [&](std::string body, header_list headers) {
    return fixture_request(route, "/api/cases/configure", headers, body).matches(f);
  };
  const std::string good = R"({"connector":{"type":".none"},"customFields":[{"required":true}]})";
  EXPECT_TRUE(matches(good, {{"X-Tenant", " green "}}));
  EXPECT_FALSE(matches(good, {{"X-Tenant", "red"}}));
  EXPECT_FALSE(matches(good, {}));
  EXPECT_FALSE(matches(R"({"connector":{"type":".jira"},"customFields":[{"required":true}]})", {{"x-tenant", "blue"}}));
  EXPECT_FALSE(matches(R"({"connector":{"type":".none"},"customFields":[{"required":"true"}]})", {{"x-tenant", "blue"}}))
      << "body values compare as JSON";
  EXPECT_FALSE(matches("not json", {{"x-tenant", "blue"}}));

  auto q = load("getCaseTagsDefaultSpace.yaml", "- body: [a]\n  when: {query: {owner: [observability, cases]}}\n");
  ASSERT_TRUE(q.problems.empty()) << problems_text(q);
  const fixture& fq = q.fixtures.for_operation(index_of("getCaseTagsDefaultSpace"))[0];
  auto query_matches = [&](std::string target) { return fixture_request(route, target, {}, "").matches(fq); };
  EXPECT_TRUE(query_matches("/api/cases/tags?owner=cases"));
  EXPECT_TRUE(query_matches("/api/cases/tags?owner=securitySolution&owner=observability"));
  EXPECT_TRUE(query_matches("/api/cases/tags?owner=%63ases"));
  EXPECT_FALSE(query_matches("/api/cases/tags?owner=security"));
  EXPECT_FALSE(query_matches("/api/cases/tags"));

  auto p = load("get-fleet-agents-agentid.yaml",
                "- body: {item: {id: a b, type: PERMANENT, active: true, packages: [], enrolled_at: x, local_metadata: {}}}\n"
                "  when: {path: {agentId: a b}}\n");
  ASSERT_TRUE(p.problems.empty()) << problems_text(p);
  const fixture& fp = p.fixtures.for_operation(index_of("get-fleet-agents-agentid"))[0];
  validator::route_match agent;
  agent.path_params.emplace_back("agentId", "a b");
  EXPECT_TRUE(fixture_request(agent, "/api/fleet/agents/a%20b", {}, "").matches(fp));
  agent.path_params[0].second = "c";
  EXPECT_FALSE(fixture_request(agent, "/api/fleet/agents/c", {}, "").matches(fp));
}

TEST(fixture_files, a_directory_is_read_recursively_in_path_order_and_a_missing_one_is_an_error) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "specgate_fixture_dir_test";
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  std::ofstream(dir / "b.yaml") << "- body: []\n";
  std::ofstream(dir / "sub" / "a.json") << "[]";
  std::ofstream(dir / "c.yml") << "[]";
  std::ofstream(dir / "README.md") << "# not a fixture";
  auto [sources, problems] = read_fixture_dir(dir.string());
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(sources.size(), 3u);
  EXPECT_EQ(sources[0].name, (dir / "b.yaml").string());
  EXPECT_EQ(sources[0].text, "- body: []\n");
  EXPECT_EQ(sources[1].name, (dir / "c.yml").string());
  EXPECT_EQ(sources[2].name, (dir / "sub" / "a.json").string());
  fs::remove_all(dir);

  auto [none, missing] = read_fixture_dir(dir.string());
  EXPECT_TRUE(none.empty());
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].file, dir.string());
  EXPECT_EQ(missing[0].level, validator::severity::error);
}

TEST(fixture_helpers, serialization_and_content_types_follow_the_media_type) {
  validator::media_type ndjson;
  ndjson.key = "application/x-ndjson; Elastic-Api-Version=2023-10-31";
  ndjson.essence = "application/x-ndjson";
  EXPECT_EQ(serialize_body(ndjson, json::parse(R"([{"a":1},{"b":2}])")), "{\"a\":1}\n{\"b\":2}\n");
  EXPECT_EQ(serialize_body(ndjson, json::parse(R"({"a":1})")), "{\"a\":1}\n");
  EXPECT_EQ(content_type_for(ndjson), ndjson.key);

  validator::media_type gzip;
  gzip.key = "application/gzip; application/zip; Elastic-Api-Version=2023-10-31";
  gzip.essence = "application/gzip";
  gzip.alternatives = {"application/zip"};
  gzip.parameters = {{"elastic-api-version", "2023-10-31"}};
  EXPECT_EQ(content_type_for(gzip), "application/gzip; elastic-api-version=2023-10-31")
      << "a malformed key is sent as a well-formed Content-Type";
  EXPECT_EQ(serialize_body(gzip, json("raw bytes")), "raw bytes");

  validator::media_type text;
  text.key = text.essence = "text/plain";
  EXPECT_EQ(serialize_body(text, json("hello")), "hello");
  validator::media_type js;
  js.key = js.essence = "application/problem+json";
  EXPECT_EQ(serialize_body(js, json("hello")), "\"hello\"");
}

// The mock with fixtures: selection order and Prefer.
class mock_with_fixtures : public fixtures_of_embedded_contract {
 protected:
  void SetUp() override {
    fixtures_of_embedded_contract::SetUp();
    mock_options options;
    options.fixtures = {{"getCaseTagsDefaultSpace.yaml", R"(
- name: observabilityTags
  when: {query: {owner: observability}}
  body: [observability]
- name: denied
  status: 401
  when: {headers: {x-deny: 'yes'}}
  body: {statusCode: 401, error: Unauthorized, message: fixture says no}
- name: spare
  body: [spare]
)"}};
    auto [service, problems] = mock_service::create(*contract_, std::move(options));
    for (const auto& d : problems)
      if (d.level == validator::severity::error) ADD_FAILURE() << d.to_string();
    service_ = service;
  }
  http_response get(std::string target, header_list extra = {}) {
    http_request req;
    req.method = "GET";
    req.target = std::move(target);
    req.headers = {{"Authorization", "Basic dXNlcjpwYXNz"}};
    req.headers.insert(req.headers.end(), extra.begin(), extra.end());
    http_response res;
    service_->handle(req, res);
    return res;
  }
  std::shared_ptr<const mock_service> service_;
};

TEST_F(mock_with_fixtures, a_fixture_whose_conditions_hold_comes_before_the_examples) {
  auto fixture = get("/api/cases/tags?owner=observability");
  EXPECT_EQ(fixture.status, 200);
  EXPECT_EQ(fixture.body, R"(["observability"])");
  EXPECT_EQ(fixture.header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(fixture.header("elastic-api-version"), "2023-10-31");
  EXPECT_EQ(fixture.header("kbn-name"), default_server_name()) << "Kibana's headers on fixture answers too";
  EXPECT_EQ(fixture.header("x-content-type-options"), "nosniff");

  auto error_fixture = get("/api/cases/tags", {{"x-deny", "yes"}});
  EXPECT_EQ(error_fixture.status, 401);
  EXPECT_EQ(json::parse(error_fixture.body)["message"], "fixture says no");

  auto unconditional = get("/api/cases/tags?owner=cases");
  EXPECT_EQ(unconditional.body, R"(["spare"])") << "the first fixture whose conditions hold, in file order";
}

TEST_F(mock_with_fixtures, prefer_picks_fixtures_by_name_and_status_and_dynamic_skips_them) {
  auto named = get("/api/cases/tags", {{"Prefer", "example=spare"}});
  EXPECT_EQ(named.body, R"(["spare"])");
  auto example = get("/api/cases/tags", {{"Prefer", "example=fourTags"}});
  EXPECT_EQ(json::parse(example.body).size(), 4u) << "the spec's example when no fixture has that name";
  auto conditions_still_apply = get("/api/cases/tags", {{"Prefer", "example=observabilityTags"}});
  EXPECT_EQ(conditions_still_apply.status, 404) << conditions_still_apply.body;
  auto by_code = get("/api/cases/tags", {{"Prefer", "code=401"}, {"x-deny", "yes"}});
  EXPECT_EQ(json::parse(by_code.body)["message"], "fixture says no");
  auto by_code_without_condition = get("/api/cases/tags", {{"Prefer", "code=401"}});
  EXPECT_EQ(json::parse(by_code_without_condition.body)["message"], "Unable to authenticate the request.")
      << "the spec's 401 example";
  auto dynamic = get("/api/cases/tags?owner=observability", {{"Prefer", "dynamic=true"}});
  EXPECT_EQ(dynamic.status, 200);
  EXPECT_NE(dynamic.body, R"(["observability"])");
}

TEST_F(mock_with_fixtures, accept_skips_a_fixture_it_refuses) {
  auto refused = get("/api/cases/tags?owner=observability", {{"Accept", "text/csv"}});
  EXPECT_EQ(refused.status, 406);
}

}  // namespace
}  // namespace specgate::server
