// The plan of `specgate test` as data: the negatives of a valid request (exact
// labels and refusals), selection by operation, tag and --exclude, --shard
// (disjoint, complete, stable under edits of the document), destructive and
// impossible operations skipped with their reasons, and that the plan's
// positives are the request builder's own requests with the mock's generator's
// data (same seed, same requests).
#include "validator/generate/test_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "test_support.h"
#include "validator/check/request_validator.h"
#include "validator/generate/generate.h"
#include "validator/shared_contract.h"

namespace specgate::validator {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

constexpr const char* plan_yaml = R"(
openapi: 3.0.3
info: {title: Kibana plan, version: '1'}
security: [{apiKeyAuth: []}]
components:
  securitySchemes:
    apiKeyAuth: {type: apiKey, in: header, name: Authorization}
paths:
  /api/rules:
    get:
      operationId: findRules
      tags: [rules]
      parameters:
        - {name: per_page, in: query, required: true, schema: {type: integer, minimum: 1}}
        - {name: status, in: query, required: true, schema: {type: string, enum: [enabled, disabled]}}
      responses: {'200': {description: ok}}
    post:
      operationId: createRule
      tags: [rules]
      requestBody:
        required: true
        content:
          application/json; Elastic-Api-Version=2023-10-31:
            schema:
              type: object
              required: [name, kind]
              properties:
                name: {type: string}
                kind: {type: string, enum: [query, eql]}
                enabled: {type: boolean}
            examples:
              minimal: {value: {name: r1, kind: query}}
      responses:
        '200': {description: ok, content: {application/json; Elastic-Api-Version=2023-10-31: {schema: {type: object}}}}
    delete:
      operationId: deleteRules
      tags: [rules]
      responses: {'204': {description: gone}}
  /api/rules/_bulk_delete:
    post:
      operationId: BulkDeleteRules
      tags: [rules]
      responses: {'200': {description: ok}}
  /api/cases:
    get:
      operationId: findCases
      tags: [cases]
      security: []
      responses: {'200': {description: ok}}
    post:
      operationId: createCase
      tags: [cases]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                title: {type: string, minLength: 1}
      responses: {'200': {description: ok}}
  /api/timeline/_copy:
    get:
      operationId: CopyTimeline
      tags: [timeline]
      requestBody: {required: true, content: {application/json: {schema: {type: object}}}}
      responses: {'200': {description: ok}}
)";

class plan_spec : public shared_contract_suite<plan_spec> {
 public:
  static contract::build_result load() {
    auto built = load_contract_text(plan_yaml, "plan.yaml");
    if (built.value) {
      EXPECT_EQ(built.value->profile(), profile::kibana);
    }
    return built;
  }

 protected:
  static built_request first(const operation& o, request_build_options options = with_key()) {
    auto built = request_builder(c(), std::move(options)).build(o);
    EXPECT_EQ(built.problem, "");
    return built.candidates.at(0);
  }
  static request_build_options with_key() {
    request_build_options o;
    o.headers = {{"Authorization", "ApiKey c29tZTprZXk="}};
    return o;
  }
};

std::vector<std::pair<std::string, int>> labels(const std::vector<negative_request>& n) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& r : n) out.emplace_back(r.label, r.expected_status);
  return out;
}

std::vector<std::string> ids(const std::vector<const operation*>& ops) {
  std::vector<std::string> out;
  for (const auto* o : ops) out.push_back(o->operation_id);
  return out;
}

TEST_F(plan_spec, negatives_of_a_write_are_each_one_edit_the_request_check_refuses) {
  const built_request positive = first(op("createRule"));
  ASSERT_EQ(positive.body, json::parse(R"({"name":"r1","kind":"query"})"));
  const auto negatives = build_negatives(c(), positive, {{"Authorization"}});
  EXPECT_THAT(labels(negatives), ElementsAre(Pair("negative: no credentials", 401),
                                             Pair("negative: missing kbn-xsrf header", 400),
                                             Pair("negative: missing required property /name", 400),
                                             Pair("negative: wrong type at /name", 400),
                                             Pair("negative: value outside the enum at /kind", 400)));
  ASSERT_EQ(negatives.size(), 5u);
  EXPECT_EQ(negatives[2].request.body, json::parse(R"({"kind":"query"})"));
  EXPECT_EQ(negatives[3].request.body, json::parse(R"({"name":12345,"kind":"query"})"));
  EXPECT_EQ(negatives[4].request.body, json::parse(R"({"name":"r1","kind":"specgate-not-in-enum"})"));
  EXPECT_EQ(negatives[1].expected, "a 4xx refusal (the contract's answer: 400 xsrf)");
  // One edit each: the rest of the request is the positive's.
  EXPECT_EQ(negatives[0].request.render().body, positive.render().body);
  EXPECT_EQ(negatives[1].request.render().target, positive.render().target);
  for (const auto& n : negatives) EXPECT_EQ(n.request.name, n.label);
}

TEST_F(plan_spec, negatives_of_a_read_remove_a_required_parameter_and_leave_an_enum) {
  const built_request positive = first(op("findRules"));
  const auto negatives = build_negatives(c(), positive, {{"Authorization"}});
  EXPECT_THAT(labels(negatives), ElementsAre(Pair("negative: no credentials", 401),
                                             Pair("negative: missing required query parameter 'per_page'", 400),
                                             Pair("negative: value outside the enum of query parameter 'status'", 400)));
  ASSERT_EQ(negatives.size(), 3u);
  EXPECT_EQ(negatives[1].request.render().target, "/api/rules?status=enabled");
  EXPECT_EQ(negatives[2].request.render().target, "/api/rules?per_page=1&status=specgate-not-in-enum");
}

TEST_F(plan_spec, no_credentials_negative_only_when_credentials_were_given_and_security_applies) {
  // Without credentials every request to a secured operation is refused 401 first (Kibana's order).
  EXPECT_THAT(labels(build_negatives(c(), first(op("createRule"), {}), {})),
              ElementsAre(Pair("negative: missing kbn-xsrf header", 401),
                          Pair("negative: missing required property /name", 401),
                          Pair("negative: wrong type at /name", 401),
                          Pair("negative: value outside the enum at /kind", 401)));
  EXPECT_TRUE(build_negatives(c(), first(op("findCases")), {{"Authorization"}}).empty());
  // A body with no required property and a value the schema refuses by type only.
  EXPECT_THAT(labels(build_negatives(c(), first(op("createCase")), {{"Authorization"}})),
              ElementsAre(Pair("negative: no credentials", 401), Pair("negative: missing kbn-xsrf header", 400)));
}

TEST_F(plan_spec, selection_by_operation_tag_and_exclude) {
  selection s;
  s.allow_destructive = true;
  EXPECT_THAT(ids(select_operations(c(), s).selected),
              ElementsAre("findRules", "createRule", "deleteRules", "BulkDeleteRules", "findCases", "createCase",
                          "CopyTimeline"));
  s.tags = {"cases", "timeline"};
  EXPECT_THAT(ids(select_operations(c(), s).selected), ElementsAre("findCases", "createCase", "CopyTimeline"));
  s.tags.clear();
  s.operations = {"createRule", "findCases"};
  EXPECT_THAT(ids(select_operations(c(), s).selected), ElementsAre("createRule", "findCases"));
  s.operations.clear();
  s.excludes = {"^GET /api/rules$", "(?i)delete", "Case$"};  // "METHOD /path", then operationIds
  EXPECT_THAT(ids(select_operations(c(), s).selected), ElementsAre("createRule", "findCases", "CopyTimeline"));
  s.excludes = {"("};
  const auto bad = select_operations(c(), s);
  EXPECT_THAT(bad.error, ::testing::StartsWith("--exclude '(' is not a regular expression (RE2): "));
  EXPECT_TRUE(bad.selected.empty());
  s.excludes.clear();
  s.operations = {"nope"};
  EXPECT_EQ(select_operations(c(), s).error, "--operation nope: the document has no operation with this operationId");
}

TEST_F(plan_spec, destructive_operations_are_skipped_with_the_reason_unless_allowed) {
  EXPECT_TRUE(is_destructive(op("deleteRules")));
  EXPECT_TRUE(is_destructive(op("BulkDeleteRules")));
  EXPECT_FALSE(is_destructive(op("createRule")));
  const auto r = select_operations(c(), {});
  EXPECT_THAT(ids(r.selected), ElementsAre("findRules", "createRule", "findCases", "createCase", "CopyTimeline"));
  ASSERT_EQ(r.skipped.size(), 2u);
  EXPECT_EQ(r.skipped[0].op->operation_id, "deleteRules");
  EXPECT_EQ(r.skipped[0].reason, "destructive (DELETE): run with --allow-destructive");
  EXPECT_EQ(r.skipped[1].reason, "destructive (POST BulkDeleteRules deletes): run with --allow-destructive");
  EXPECT_FALSE(r.skipped[1].spec_defect);
}

TEST(test_plan, shard_parsing_and_the_hash) {
  std::string error;
  auto s = parse_shard("2/4", error);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->index, 2u);
  EXPECT_EQ(s->count, 4u);
  for (const char* bad : {"0/4", "5/4", "1/0", "2", "a/b", "1/4x", ""}) {
    EXPECT_FALSE(parse_shard(bad, error)) << bad;
    EXPECT_EQ(error, "--shard wants K/N with 1 <= K <= N (e.g. 2/4), not '" + std::string(bad) + "'");
  }
  // FNV-1a 64's published test vectors: the key is the same on every machine.
  EXPECT_EQ(fnv1a_64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a_64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a_64("foobar"), 0x85944171f73967e8ull);
}

TEST_F(plan_spec, shards_are_disjoint_complete_and_stable_when_the_document_changes) {
  selection all;
  all.allow_destructive = true;
  const auto everything = ids(select_operations(c(), all).selected);
  for (unsigned n : {1u, 2u, 3u, 4u, 7u}) {
    std::multiset<std::string> seen;
    for (unsigned k = 1; k <= n; ++k) {
      selection s = all;
      s.shard = shard_spec{k, n};
      for (const auto& id : ids(select_operations(c(), s).selected)) seen.insert(id);
    }
    EXPECT_EQ(seen, std::multiset<std::string>(everything.begin(), everything.end())) << n;
  }
  // An operation added in front of the others moves none of them to another shard.
  std::string edited = plan_yaml;
  edited.replace(edited.find("paths:\n") + 7, 0,
                 "  /api/new:\n    get:\n      operationId: newOne\n      responses: {'200': {description: ok}}\n");
  auto other = load_contract_text(edited, "plan2.yaml");
  ASSERT_TRUE(other.value);
  ASSERT_EQ(other.value->operations().size(), c().operations().size() + 1);
  for (unsigned k = 1; k <= 3; ++k) {
    selection s = all;
    s.shard = shard_spec{k, 3};
    auto before = ids(select_operations(c(), s).selected);
    auto after = ids(select_operations(*other.value, s).selected);
    std::erase(after, "newOne");
    EXPECT_EQ(before, after) << k;
  }
}

TEST_F(plan_spec, the_plan_holds_the_builders_requests_then_negatives_and_skips_spec_defects) {
  selection s;
  s.tags = {"timeline", "cases"};
  request_build_options options = with_key();
  const request_builder builder(c(), options);
  const test_plan plan = make_test_plan(c(), select_operations(c(), s), builder, {{"Authorization"}});
  EXPECT_EQ(plan.operations, 2u);
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0].op->operation_id, "CopyTimeline");
  EXPECT_TRUE(plan.skipped[0].spec_defect);
  EXPECT_EQ(plan.skipped[0].reason,
            "GET declares a required body, which Kibana never reads (its GET routes parse no payload): a spec defect");
  std::vector<std::string> got;
  for (const auto& r : plan.requests) got.push_back(r.op->operation_id + " " + r.label);
  EXPECT_THAT(got, ElementsAre("findCases generated", "createCase generated", "createCase negative: no credentials",
                               "createCase negative: missing kbn-xsrf header"));
  // The positives are exactly what the builder makes.
  const auto built = builder.build(op("createCase"));
  ASSERT_EQ(built.candidates.size(), 1u);
  EXPECT_EQ(plan.requests[1].request.render().body, built.candidates[0].render().body);
  EXPECT_EQ(plan.requests[1].request.render().headers, built.candidates[0].render().headers);
  EXPECT_FALSE(plan.requests[1].negative);
  EXPECT_TRUE(plan.requests[2].negative);
  EXPECT_EQ(plan.requests[2].expected_status, 401);
}

TEST_F(plan_spec, generated_requests_are_the_mocks_generator_data_for_the_same_seed) {
  for (std::uint64_t seed : {0ull, 7ull, 12345ull}) {
    request_build_options options = with_key();
    options.seed = seed;
    options.always_generate = true;
    const request_builder builder(c(), options);
    selection s;
    s.operations = {"createCase", "createRule"};
    const test_plan plan = make_test_plan(c(), select_operations(c(), s), builder, {});
    std::size_t generated = 0;
    for (const auto& r : plan.requests) {
      if (r.label != "generated") continue;
      ++generated;
      // The mock's generator (generate.h), seeded the same, for the request direction.
      const media_type& m = *r.request.media;
      generate_options g;
      g.seed = seed;
      g.dir = direction::request;
      const std::string at = m.pointer + "/schema";
      EXPECT_EQ(r.request.body, generate_value(c().docs(), *m.doc, *m.doc->find(at), at, g)) << r.op->operation_id;
      // And the same seed gives the same request in another run.
      const test_plan again = make_test_plan(c(), select_operations(c(), s), request_builder(c(), options), {});
      bool found = false;
      for (const auto& a : again.requests)
        found = found || (a.op == r.op && a.label == r.label && a.request.render().body == r.request.render().body &&
                          a.request.render().target == r.request.render().target);
      EXPECT_TRUE(found);
    }
    EXPECT_EQ(generated, 2u);
  }
}

// Kibana's published document: every negative of every operation is refused by the request check
// (as built), and only its one defect is skipped.
TEST(test_plan, kibanas_document_plans_every_operation_but_its_defect) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  auto built = load_contract_file(specgate::testing::kibana_spec_path());
  ASSERT_TRUE(built.value);
  const contract& c = *built.value;
  request_build_options options;
  options.headers = {{"Authorization", "ApiKey c29tZTprZXk="}};
  options.always_generate = true;
  selection s;
  s.allow_destructive = true;
  const test_plan plan = make_test_plan(c, select_operations(c, s), request_builder(c, options), {{"Authorization"}});
  EXPECT_EQ(plan.operations, 371u);
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0].op->operation_id, "CopyTimeline");
  const request_validator check(c);
  std::size_t negatives = 0;
  for (const auto& r : plan.requests) {
    const rendered_request wire = r.request.render();
    const request_outcome outcome = check.check({wire.method, wire.target, wire.headers, wire.body});
    EXPECT_EQ(outcome.op, r.op) << r.label;
    if (r.negative) {
      ++negatives;
      EXPECT_EQ(outcome.status(), r.expected_status) << r.op->operation_id << " " << r.label;
    } else {
      EXPECT_EQ(outcome.status(), 0) << r.op->operation_id << " " << r.label;
    }
  }
  std::printf("[test_plan] Kibana: %zu requests, %zu negatives\n", plan.requests.size(), negatives);
  EXPECT_GT(negatives, 371u * 2);
}

}  // namespace
}  // namespace specgate::validator
