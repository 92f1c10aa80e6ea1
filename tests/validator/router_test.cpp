#include "validator/contract/router.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace specgate::validator {
namespace {

class router_test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(r.add(http_method::get, "/api/fleet/agents/{agentId}", 0));
    ASSERT_FALSE(r.add(http_method::get, "/api/fleet/agents/setup", 1));
    ASSERT_FALSE(r.add(http_method::get, "/api/fleet/agents/files/{fileId}/{fileName}", 2));
    ASSERT_FALSE(r.add(http_method::post, "/api/fleet/agents/{agentId}/unenroll", 3));
    ASSERT_FALSE(r.add(http_method::delete_, "/api/cases", 4));
    ASSERT_FALSE(r.add(http_method::post, "/api/alerting/rule/{rule_id}/alert/{alert_id}/_unmute", 5));
    ASSERT_FALSE(r.add(http_method::get, "/api/x/{id}", 6));
    ASSERT_FALSE(r.add(http_method::get, "/api/x/{key}/y", 7));
  }
  router r;
};

TEST_F(router_test, literal_segment_wins_over_template) {
  auto m = r.match("GET", "/api/fleet/agents/setup");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 1u);
  EXPECT_TRUE(m->path_params.empty());
  m = r.match("GET", "/api/fleet/agents/abc");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 0u);
  ASSERT_EQ(m->path_params.size(), 1u);
  EXPECT_EQ(m->path_params[0].first, "agentId");
  EXPECT_EQ(m->path_params[0].second, "abc");
}

TEST_F(router_test, backtracks_from_literal_to_template) {
  // "setup" is literal at that depth, but /setup/unenroll only exists under {agentId}.
  auto m = r.match("POST", "/api/fleet/agents/setup/unenroll");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 3u);
  EXPECT_EQ(m->path_params[0].second, "setup");
}

TEST_F(router_test, several_parameters_in_order_and_percent_decoded) {
  auto m = r.match("GET", "/api/fleet/agents/files/f%201/name%2Fwith%2Fslashes.txt");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 2u);
  ASSERT_EQ(m->path_params.size(), 2u);
  EXPECT_EQ(m->path_params[0].first, "fileId");
  EXPECT_EQ(m->path_params[0].second, "f 1");
  EXPECT_EQ(m->path_params[1].first, "fileName");
  EXPECT_EQ(m->path_params[1].second, "name/with/slashes.txt");
}

TEST_F(router_test, parameter_names_are_per_operation) {
  auto a = r.match("GET", "/api/x/1");
  auto b = r.match("GET", "/api/x/2/y");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->path_params[0].first, "id");
  EXPECT_EQ(b->path_params[0].first, "key");
}

TEST_F(router_test, method_must_match_and_head_falls_back_to_get) {
  EXPECT_FALSE(r.match("POST", "/api/fleet/agents/setup"));
  EXPECT_FALSE(r.match("get", "/api/fleet/agents/setup"));
  EXPECT_FALSE(r.match("BREW", "/api/fleet/agents/setup"));
  auto m = r.match("HEAD", "/api/fleet/agents/setup");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 1u);
}

TEST_F(router_test, unknown_paths_do_not_match) {
  EXPECT_FALSE(r.match("GET", "/api/fleet"));
  EXPECT_FALSE(r.match("GET", "/api/fleet/agents"));
  EXPECT_FALSE(r.match("GET", "/api/fleet/agents/a/b/c"));
  EXPECT_FALSE(r.match("GET", ""));
  EXPECT_FALSE(r.match("GET", "api/cases"));
  EXPECT_FALSE(r.match("GET", "/api/fleet//setup"));
  EXPECT_FALSE(r.match("GET", "/api/fleet/agents/%zz"));
}

// Neither Kibana nor OpenAPI strips a trailing slash: the request check decides (Kibana: GET -> 302).
TEST_F(router_test, a_trailing_slash_is_not_stripped) {
  EXPECT_TRUE(r.match("DELETE", "/api/cases"));
  EXPECT_FALSE(r.match("DELETE", "/api/cases/"));
  EXPECT_FALSE(r.match("DELETE", "/api/cases//"));
}

TEST_F(router_test, space_prefix_reaches_every_api_path) {
  EXPECT_FALSE(r.match("GET", "/s/marketing/api/fleet/agents/setup")) << "spaces are off unless the profile is kibana";
  r.set_spaces(true);
  auto m = r.match("GET", "/s/marketing/api/fleet/agents/setup");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 1u);
  EXPECT_EQ(m->space_id, "marketing");
  m = r.match("POST", "/s/my-space_2/api/alerting/rule/r1/alert/a1/_unmute");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 5u);
  EXPECT_EQ(m->space_id, "my-space_2");
  EXPECT_EQ(m->path_params[1].second, "a1");
  // Kibana's space prefix is ^/s/([a-z0-9_\-]+), matched on the raw path: no upper case, no escapes.
  EXPECT_FALSE(r.match("GET", "/s/Marketing/api/fleet/agents/setup"));
  EXPECT_FALSE(r.match("GET", "/s/my%20space/api/fleet/agents/setup"));
  EXPECT_FALSE(r.match("GET", "/s//api/fleet/agents/setup"));
  EXPECT_FALSE(r.match("GET", "/s/x/apix/fleet/agents/setup"));
}

TEST_F(router_test, base_path_prefixes_every_route) {
  r.set_base_path("/kibana/");
  r.set_spaces(true);
  EXPECT_TRUE(r.match("GET", "/kibana/api/fleet/agents/setup"));
  EXPECT_TRUE(r.match("GET", "/kibana/s/dev/api/fleet/agents/setup"));
  EXPECT_FALSE(r.match("GET", "/api/fleet/agents/setup"));
  EXPECT_FALSE(r.match("GET", "/kibanaapi/fleet/agents/setup"));
}

TEST_F(router_test, allowed_methods_lists_what_the_path_declares) {
  auto methods = r.allowed_methods("/api/cases");
  EXPECT_NE(std::find(methods.begin(), methods.end(), http_method::delete_), methods.end());
  EXPECT_EQ(std::find(methods.begin(), methods.end(), http_method::put), methods.end());
  methods = r.allowed_methods("/api/fleet/agents/setup");
  EXPECT_NE(std::find(methods.begin(), methods.end(), http_method::get), methods.end());
  EXPECT_NE(std::find(methods.begin(), methods.end(), http_method::head), methods.end()) << "HEAD follows GET";
  EXPECT_TRUE(r.allowed_methods("/api/nope").empty());
}

TEST(router, rejects_malformed_and_duplicate_templates) {
  router r;
  EXPECT_TRUE(r.add(http_method::get, "api/x", 0));
  EXPECT_TRUE(r.add(http_method::get, "/api/{", 0));
  EXPECT_TRUE(r.add(http_method::get, "/api/{}", 0));
  EXPECT_TRUE(r.add(http_method::get, "/api/a}b", 0));
  EXPECT_TRUE(r.add(http_method::get, "/api/{a{b}", 0));
  EXPECT_TRUE(r.add(http_method::get, "/api/{a}}", 0));
  EXPECT_FALSE(r.add(http_method::get, "/api/x", 1));
  EXPECT_FALSE(r.add(http_method::get, "/api/x/", 2)) << "a trailing slash makes another template";
  std::uint32_t taken_by = 99;
  auto dup = r.add(http_method::get, "/api/x/", 3, &taken_by);
  ASSERT_TRUE(dup);
  EXPECT_NE(dup->find("declared twice"), std::string::npos);
  EXPECT_EQ(taken_by, 2u);
}

TEST(router, templates_that_differ_only_in_parameter_names_route_identically) {
  router r;
  ASSERT_FALSE(r.add(http_method::get, "/a/{x}", 0));
  ASSERT_FALSE(r.add(http_method::post, "/a/{y}", 1)) << "another method is another route";
  std::uint32_t taken_by = 99;
  EXPECT_TRUE(r.add(http_method::get, "/a/{y}", 2, &taken_by));
  EXPECT_EQ(taken_by, 0u);
  ASSERT_FALSE(r.add(http_method::get, "/f/{a}.{b}", 3));
  taken_by = 99;
  EXPECT_TRUE(r.add(http_method::get, "/f/{c}.{d}", 4, &taken_by));
  EXPECT_EQ(taken_by, 3u);
  EXPECT_FALSE(r.add(http_method::get, "/f/{c}-{d}", 5)) << "other literal text: another route";
  auto m = r.match("GET", "/a/1");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 0u);
  EXPECT_EQ(m->path_params[0].first, "x");
}

TEST(router, a_template_with_a_trailing_slash_matches_only_itself) {
  router r;
  ASSERT_FALSE(r.add(http_method::get, "/api/x/", 0));
  ASSERT_FALSE(r.add(http_method::get, "/api/y", 1));
  ASSERT_FALSE(r.add(http_method::get, "/api/y/", 2));
  ASSERT_FALSE(r.add(http_method::get, "/api/{id}/", 3));
  auto m = r.match("GET", "/api/x/");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 0u);
  EXPECT_FALSE(r.match("GET", "/api/x"));
  EXPECT_FALSE(r.match("GET", "/api/x//"));
  EXPECT_EQ(r.match("GET", "/api/y")->operation, 1u);
  EXPECT_EQ(r.match("GET", "/api/y/")->operation, 2u);
  m = r.match("GET", "/api/z/");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 3u);
  EXPECT_EQ(m->path_params[0].second, "z");
  EXPECT_FALSE(r.match("GET", "/api/z"));
}

// Segments mixing literal text and parameters (OpenAPI path templating allows them;
// Kibana has /api/agent_builder/a2a/{agentId}.json).
TEST(router, mixed_segments_route_after_literals_and_before_parameters) {
  router r;
  ASSERT_FALSE(r.add(http_method::get, "/api/agent_builder/a2a/{agentId}.json", 0));
  ASSERT_FALSE(r.add(http_method::get, "/api/agent_builder/a2a/{agentId}", 1));
  ASSERT_FALSE(r.add(http_method::get, "/api/agent_builder/a2a/card.json", 2));
  ASSERT_FALSE(r.add(http_method::get, "/files/{name}.{ext}", 3));
  ASSERT_FALSE(r.add(http_method::get, "/files/v{major}.{minor}/{file}", 4));

  auto m = r.match("GET", "/api/agent_builder/a2a/card.json");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 2u) << "a literal segment first";
  m = r.match("GET", "/api/agent_builder/a2a/elastic-ai-agent.json");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 0u) << "then the pattern";
  ASSERT_EQ(m->path_params.size(), 1u);
  EXPECT_EQ(m->path_params[0].first, "agentId");
  EXPECT_EQ(m->path_params[0].second, "elastic-ai-agent");
  m = r.match("GET", "/api/agent_builder/a2a/elastic-ai-agent");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 1u) << "then the whole-segment parameter";
  EXPECT_EQ(m->path_params[0].second, "elastic-ai-agent");
  m = r.match("GET", "/api/agent_builder/a2a/.json");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 1u) << "a parameter takes a non-empty run: .json is no agentId";
  EXPECT_EQ(m->path_params[0].second, ".json");

  // {name}.{ext} on a.b.c: each parameter, left to right, takes the longest run that lets the rest match.
  m = r.match("GET", "/files/a.b.c");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 3u);
  ASSERT_EQ(m->path_params.size(), 2u);
  EXPECT_EQ(m->path_params[0].first, "name");
  EXPECT_EQ(m->path_params[0].second, "a.b");
  EXPECT_EQ(m->path_params[1].first, "ext");
  EXPECT_EQ(m->path_params[1].second, "c");
  m = r.match("GET", "/files/report%2Efinal.pdf");
  ASSERT_TRUE(m) << "segments are percent-decoded before they are split";
  EXPECT_EQ(m->path_params[0].second, "report.final");
  EXPECT_EQ(m->path_params[1].second, "pdf");
  EXPECT_FALSE(r.match("GET", "/files/abc")) << "the literal part must be there";
  EXPECT_FALSE(r.match("GET", "/files/abc."));
  EXPECT_FALSE(r.match("GET", "/files/.abc"));

  // Several parameters in template order, across a pattern segment and a whole one.
  m = r.match("GET", "/files/v1.22/notes.txt");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 4u);
  ASSERT_EQ(m->path_params.size(), 3u);
  EXPECT_EQ(m->path_params[0].first, "major");
  EXPECT_EQ(m->path_params[0].second, "1");
  EXPECT_EQ(m->path_params[1].first, "minor");
  EXPECT_EQ(m->path_params[1].second, "22");
  EXPECT_EQ(m->path_params[2].first, "file");
  EXPECT_EQ(m->path_params[2].second, "notes.txt");
  EXPECT_FALSE(r.match("GET", "/files/v.1/notes.txt"));
}

TEST(router, patterns_with_more_literal_text_are_tried_first_and_backtracked_from) {
  router r;
  ASSERT_FALSE(r.add(http_method::get, "/d/{name}.{ext}", 0));
  ASSERT_FALSE(r.add(http_method::get, "/d/{id}.json", 1));
  ASSERT_FALSE(r.add(http_method::get, "/d/{a}-{b}.json/x", 2));
  ASSERT_FALSE(r.add(http_method::get, "/d/{a}{b}", 3));
  EXPECT_EQ(r.match("GET", "/d/x.json")->operation, 1u) << "{id}.json has more literal text than {name}.{ext}";
  EXPECT_EQ(r.match("GET", "/d/x.yaml")->operation, 0u);
  auto m = r.match("GET", "/d/p-q.json/x");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 2u);
  EXPECT_EQ(m->path_params[0].second, "p");
  EXPECT_EQ(m->path_params[1].second, "q");
  m = r.match("GET", "/d/p-q.json");
  ASSERT_TRUE(m) << "{a}-{b}.json matches the segment, but no route ends there: the next pattern is tried";
  EXPECT_EQ(m->operation, 1u);
  EXPECT_EQ(m->path_params[0].second, "p-q");
  m = r.match("GET", "/d/abc");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->operation, 3u);
  EXPECT_EQ(m->path_params[0].second, "ab") << "adjacent parameters: the first as long as the second allows";
  EXPECT_EQ(m->path_params[1].second, "c");
  EXPECT_FALSE(r.match("GET", "/d/a"));
}

TEST(router, a_long_segment_against_a_pattern_stays_linear) {
  router r;
  ASSERT_FALSE(r.add(http_method::get, "/d/{a}.{b}.{c}.{d}!", 0));
  const std::string dots(8000, '.');
  EXPECT_FALSE(r.match("GET", "/d/" + dots)) << "no '!' at the end";
  auto m = r.match("GET", "/d/" + dots + "!");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->path_params[0].second, std::string(7994, '.'));
  EXPECT_EQ(m->path_params[3].second, ".");
}

TEST(percent_decode, decodes_and_rejects_bad_escapes) {
  std::string out;
  EXPECT_TRUE(percent_decode("a%2Fb%7e", out));
  EXPECT_EQ(out, "a/b~");
  EXPECT_FALSE(percent_decode("%", out));
  EXPECT_FALSE(percent_decode("%4", out));
  EXPECT_FALSE(percent_decode("%g0", out));
}

}  // namespace
}  // namespace specgate::validator
