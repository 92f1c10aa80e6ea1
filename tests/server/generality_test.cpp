// The generality suite (issue 8): specs written for the test, each carrying one
// defect class seen in real Kibana documents. Each loads, serves its healthy
// operation, serves the broken one as well as its defect allows, and reports
// the defect with file, line, column and pointer. Then Kibana's full document
// with a defect of each class inserted: every healthy operation still serves.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "server/mock/mock_service.h"
#include "test_support.h"
#include "validator/check/response_validator.h"

namespace specgate::server {
namespace {

using nlohmann::json;
using validator::severity;

// 13 lines: the first line of a defect appended to it is line 14.
constexpr std::string_view healthy = R"(openapi: 3.0.3
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
)";

struct served {
  validator::contract::build_result built;
  std::shared_ptr<const mock_service> mock;

  http_response call(std::string method, std::string target, header_list headers = {}, std::string body = {}) const {
    http_request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.headers = std::move(headers);
    req.headers.emplace_back("kbn-xsrf", "true");  // whatever the profile, writes are not refused for it
    req.body = std::move(body);
    http_response res;
    mock->handle(req, res);
    return res;
  }

  std::string problems() const {
    std::string text;
    for (const auto& d : built.problems) text += d.to_string() + "\n";
    return text;
  }

  // The diagnostic at `pointer` whose message holds `words`; null when there is none.
  const validator::diagnostic* find(std::string_view pointer, std::string_view words) const {
    for (const auto& d : built.problems)
      if (d.pointer == pointer && d.message.find(words) != std::string::npos) return &d;
    return nullptr;
  }

  // Reported at `pointer`, with its file, line and column.
  void expect_reported(severity level, std::string_view pointer, std::uint32_t line, std::uint32_t column,
                       std::string_view words) const {
    const validator::diagnostic* d = find(pointer, words);
    ASSERT_TRUE(d) << "no diagnostic at " << pointer << " saying '" << words << "' among:\n" << problems();
    EXPECT_EQ(d->level, level) << d->to_string();
    EXPECT_EQ(d->file, "gen.yaml") << d->to_string();
    EXPECT_EQ(d->line, line) << d->to_string();
    EXPECT_EQ(d->column, column) << d->to_string();
  }

  void expect_healthy_served() const {
    auto res = call("GET", "/ok");
    EXPECT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(json::parse(res.body, nullptr, false), json({{"ok", true}})) << res.body;
  }
};

served serve(std::string_view defect) {
  served s;
  s.built = validator::load_contract_text(std::string(healthy) + std::string(defect), "gen.yaml");
  if (s.built.value) s.mock = mock_service::create(s.built.value).first;
  return s;
}

#define SERVE(var, defect)                                                \
  const served var = serve(defect);                                       \
  ASSERT_TRUE(var.built.value) << "refused:\n" << var.problems();         \
  ASSERT_TRUE(var.mock);                                                  \
  var.expect_healthy_served()

// ------------------------------------------------------------ responses

TEST(generality, an_operation_without_responses_answers_200_empty_object) {
  SERVE(s, R"(  /no-responses:
    get:
      operationId: noResponses
      summary: nothing declared
)");
  s.expect_reported(severity::error, "/paths/~1no-responses/get", 16, 7, "the mock answers 200 {}");
  auto res = s.call("GET", "/no-responses");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "{}");
}

TEST(generality, responses_that_are_not_an_object_answer_200_empty_object) {
  SERVE(s, R"(  /bad-responses:
    get:
      operationId: badResponses
      responses: [200]
)");
  s.expect_reported(severity::error, "/paths/~1bad-responses/get/responses", 17, 18, "the mock answers 200 {}");
  auto res = s.call("GET", "/bad-responses");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "{}");
}

TEST(generality, responses_of_which_none_is_usable_answer_501) {
  SERVE(s, R"(  /unusable:
    get:
      operationId: unusable
      responses:
        'OK': {description: not a status code}
)");
  s.expect_reported(severity::error, "/paths/~1unusable/get/responses/OK", 18, 15, "is not an HTTP status code");
  s.expect_reported(severity::error, "/paths/~1unusable/get/responses", 18, 9, "the mock answers 501 Not Implemented");
  auto res = s.call("GET", "/unusable");
  EXPECT_EQ(res.status, 501);
  EXPECT_NE(res.body.find("declares no usable response"), std::string::npos) << res.body;
}

TEST(generality, a_response_that_is_not_an_object_is_answered_without_a_body_and_holds_nothing) {
  SERVE(s, R"(  /response-string:
    get:
      operationId: responseString
      responses:
        '200': see the docs
)");
  s.expect_reported(severity::error, "/paths/~1response-string/get/responses/200", 18, 16,
                    "a Response Object must be an object");
  auto res = s.call("GET", "/response-string");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "");
  const auto* op = s.built.value->find("responseString");
  ASSERT_TRUE(op);
  validator::response_validator check(*s.built.value);
  const header_list headers = {{"content-type", "application/json"}};
  EXPECT_TRUE(check.check(*op, {200, headers, R"({"any":"thing"})"}).empty()) << "the broken response accepts anything";
}

// ------------------------------------------------------------ $ref that resolves nowhere

TEST(generality, a_dangling_schema_ref_accepts_any_value) {
  SERVE(s, R"(  /dangling-schema:
    post:
      operationId: danglingSchema
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Missing'}
      responses:
        '200': {description: ok}
)");
  s.expect_reported(severity::error, "/paths/~1dangling-schema/post/requestBody/content/application~1json/schema", 20,
                    28, "unresolvable $ref '#/components/schemas/Missing'");
  auto res = s.call("POST", "/dangling-schema", {{"content-type", "application/json"}}, R"({"anything": [1, "two"]})");
  EXPECT_EQ(res.status, 200) << res.body;
}

TEST(generality, a_dangling_parameter_ref_is_left_out_and_its_siblings_still_hold) {
  SERVE(s, R"(  /dangling-param:
    get:
      operationId: danglingParam
      parameters:
        - $ref: '#/components/parameters/Missing'
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        '200': {description: ok}
)");
  s.expect_reported(severity::error, "/paths/~1dangling-param/get/parameters/0", 18, 17,
                    "unresolvable $ref '#/components/parameters/Missing'");
  EXPECT_EQ(s.call("GET", "/dangling-param?whatever=1&limit=2").status, 200);
  EXPECT_EQ(s.call("GET", "/dangling-param?limit=many").status, 400);
}

TEST(generality, a_dangling_response_ref_keeps_its_status_and_holds_nothing) {
  SERVE(s, R"(  /dangling-response:
    get:
      operationId: danglingResponse
      responses:
        '200': {$ref: '#/components/responses/Missing'}
)");
  s.expect_reported(severity::error, "/paths/~1dangling-response/get/responses/200", 18, 23,
                    "unresolvable $ref '#/components/responses/Missing'");
  auto res = s.call("GET", "/dangling-response");
  EXPECT_EQ(res.status, 200);
  const auto* op = s.built.value->find("danglingResponse");
  ASSERT_TRUE(op);
  validator::response_validator check(*s.built.value);
  const header_list headers = {{"content-type", "text/plain"}};
  EXPECT_TRUE(check.check(*op, {200, headers, "whatever"}).empty());
  EXPECT_FALSE(check.check(*op, {404, headers, ""}).empty()) << "an undeclared status is still one";
}

// ------------------------------------------------------------ paths

TEST(generality, mixed_segments_route_and_decode_their_parameters) {
  SERVE(s, R"(  /api/agent_builder/a2a/{agentId}.json:
    get:
      operationId: agentCard
      parameters:
        - {name: agentId, in: path, required: true, schema: {type: string, pattern: '^[a-z-]+$'}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object}
              example: {name: card}
  /files/{name}.{ext}:
    get:
      operationId: file
      parameters:
        - {name: name, in: path, required: true, schema: {type: string}}
        - {name: ext, in: path, required: true, schema: {type: string, enum: [c, txt]}}
      responses:
        '200': {description: ok}
)");
  EXPECT_FALSE(validator::has_errors(s.built.problems)) << s.problems();
  auto res = s.call("GET", "/api/agent_builder/a2a/my-agent.json");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(json::parse(res.body, nullptr, false), json({{"name", "card"}}));
  EXPECT_EQ(s.call("GET", "/api/agent_builder/a2a/My_Agent.json").status, 400) << "agentId is decoded and checked";
  EXPECT_EQ(s.call("GET", "/files/a.b.c").status, 200) << "name a.b, ext c";
  EXPECT_EQ(s.call("GET", "/files/a.b").status, 400) << "ext b is not in the enum";
  EXPECT_EQ(s.call("GET", "/files/abc").status, 404);
}

TEST(generality, templates_that_route_identically_leave_the_second_unroutable) {
  SERVE(s, R"(  /a/{x}:
    get:
      operationId: ax
      responses:
        '200': {description: ok}
  /a/{y}:
    get:
      operationId: ay
      responses:
        '200': {description: ok}
    post:
      operationId: ayPost
      responses:
        '201': {description: created}
)");
  s.expect_reported(severity::error, "/paths/~1a~1{y}/get", 21, 7, "routes exactly like GET /a/{x} at gen.yaml:16:7");
  EXPECT_TRUE(s.built.value->find("ax"));
  EXPECT_FALSE(s.built.value->find("ay")) << "not routable, not served";
  EXPECT_EQ(s.call("GET", "/a/1").status, 200);
  EXPECT_EQ(s.call("POST", "/a/1").status, 201) << "the other method of that path item serves";
}

TEST(generality, path_parameters_missing_from_the_template_or_undeclared_route_and_decode) {
  SERVE(s, R"(  /things/{thingId}:
    get:
      operationId: thing
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        '200': {description: ok}
)");
  s.expect_reported(severity::warning, "/paths/~1things~1{thingId}/get", 16, 7, "'thingId' of /things/{thingId} is not declared");
  s.expect_reported(severity::warning, "/paths/~1things~1{thingId}/get/parameters/0", 18, 11,
                    "'id' does not appear in the path");
  EXPECT_EQ(s.call("GET", "/things/abc").status, 200) << "id can never be sent, so it is not required";
  auto route = s.built.value->routes().match("GET", "/things/a%20b");
  ASSERT_TRUE(route);
  ASSERT_EQ(route->path_params.size(), 1u);
  EXPECT_EQ(route->path_params[0].first, "thingId");
  EXPECT_EQ(route->path_params[0].second, "a b");
}

// ------------------------------------------------------------ operations and parameters

TEST(generality, duplicate_operation_ids_are_both_served) {
  SERVE(s, R"(  /dup:
    get:
      operationId: ok
      responses:
        '204': {description: none}
)");
  s.expect_reported(severity::warning, "/paths/~1dup/get", 16, 7, "is also used by GET /ok at gen.yaml:6:7");
  EXPECT_EQ(s.call("GET", "/dup").status, 204);
  EXPECT_EQ(s.built.value->operations().size(), 2u);
}

TEST(generality, a_parameter_declared_twice_in_one_list_last_one_wins) {
  SERVE(s, R"(  /twice:
    get:
      operationId: twice
      parameters:
        - {name: size, in: query, schema: {type: string}}
        - {name: size, in: query, schema: {type: integer}}
      responses:
        '200': {description: ok}
)");
  s.expect_reported(severity::warning, "/paths/~1twice/get/parameters/1", 19, 11,
                    "declared twice in this list, first at gen.yaml:18:11");
  EXPECT_EQ(s.call("GET", "/twice?size=3").status, 200);
  EXPECT_EQ(s.call("GET", "/twice?size=large").status, 400) << "the integer one wins";
}

TEST(generality, broken_parameter_objects_are_left_out) {
  SERVE(s, R"(  /broken-params:
    get:
      operationId: brokenParams
      parameters:
        - just a string
        - {name: where, in: body, schema: {type: string}}
        - {name: n, in: query, schema: {type: integer}}
      responses:
        '200': {description: ok}
)");
  s.expect_reported(severity::error, "/paths/~1broken-params/get/parameters/0", 18, 11, "must be an object; ignored");
  s.expect_reported(severity::error, "/paths/~1broken-params/get/parameters/1/in", 19, 29, "must say where it is");
  EXPECT_EQ(s.call("GET", "/broken-params?n=1&where=x").status, 200);
  EXPECT_EQ(s.call("GET", "/broken-params?n=x").status, 400) << "the healthy parameter still holds";
}

TEST(generality, an_operation_that_is_not_an_object_answers_200_empty_object) {
  SERVE(s, R"(  /not-an-operation:
    get: 42
)");
  s.expect_reported(severity::error, "/paths/~1not-an-operation/get", 15, 10, "an operation must be an object");
  auto res = s.call("GET", "/not-an-operation");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "{}");
}

TEST(generality, a_broken_request_body_accepts_any_body) {
  SERVE(s, R"(  /bad-body:
    post:
      operationId: badBody
      requestBody: [1]
      responses:
        '200': {description: ok}
  /bad-content:
    post:
      operationId: badContent
      requestBody: {content: application/json}
      responses:
        '200': {description: ok}
)");
  s.expect_reported(severity::error, "/paths/~1bad-body/post/requestBody", 17, 20, "any body accepted");
  s.expect_reported(severity::error, "/paths/~1bad-content/post/requestBody/content", 23, 30, "any body accepted");
  EXPECT_EQ(s.call("POST", "/bad-body", {{"content-type", "text/csv"}}, "a,b").status, 200);
  EXPECT_EQ(s.call("POST", "/bad-content", {{"content-type", "application/json"}}, "[]").status, 200);
}

TEST(generality, a_schema_valijson_cannot_compile_accepts_any_value) {
  SERVE(s, R"(  /uncompilable:
    post:
      operationId: uncompilable
      requestBody:
        content:
          application/json:
            schema: {type: string, minLength: 9223372036854775808}
      responses:
        '200': {description: ok}
)");
  s.expect_reported(severity::error, "/paths/~1uncompilable/post/requestBody/content/application~1json/schema", 20, 21,
                    "cannot be compiled");
  EXPECT_EQ(s.call("POST", "/uncompilable", {{"content-type", "application/json"}}, "5").status, 200);
}

TEST(generality, broken_security_entries_require_nothing) {
  SERVE(s, R"(  /secured:
    get:
      operationId: secured
      security: [{nope: []}, 7]
      responses:
        '200': {description: ok}
)");
  s.expect_reported(severity::error, "/paths/~1secured/get/security/0", 17, 18, "'nope' is not defined");
  s.expect_reported(severity::error, "/paths/~1secured/get/security/1", 17, 30, "must be an object; ignored");
  EXPECT_EQ(s.call("GET", "/secured").status, 200);
}

// ------------------------------------------------------------ what is refused

TEST(generality, only_a_document_that_cannot_be_read_is_refused) {
  EXPECT_FALSE(validator::load_contract_text("openapi: 3.0.3\ninfo: {title: t, version: '1'}\n", "gen.yaml").value)
      << "no paths object";
  EXPECT_FALSE(validator::load_contract_text("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: [1]\n", "gen.yaml")
                   .value);
  EXPECT_FALSE(validator::load_contract_text("swagger: '2.0'\npaths: {}\n", "gen.yaml").value) << "not OpenAPI 3.0";
  EXPECT_FALSE(validator::load_contract_text("{ not: [yaml", "gen.yaml").value) << "not YAML";
  auto empty = validator::load_contract_text("openapi: 3.0.3\npaths: {}\n", "gen.yaml");
  EXPECT_TRUE(empty.value) << "no info is an error, but the document can be read";
  EXPECT_TRUE(validator::has_errors(empty.problems));
}

TEST(generality, strict_load_refuses_on_any_error) {
  const std::string text = std::string(healthy) + R"(  /no-responses:
    get: {operationId: noResponses}
)";
  validator::build_options strict;
  strict.strict_load = true;
  auto refused = validator::load_contract_text(text, "gen.yaml", strict);
  EXPECT_FALSE(refused.value);
  EXPECT_TRUE(validator::has_errors(refused.problems));
  auto warnings_only = validator::load_contract_text(std::string(healthy) + R"(  /dup:
    get:
      operationId: ok
      responses: {'200': {description: ok}}
)",
                                                     "gen.yaml", strict);
  EXPECT_TRUE(warnings_only.value) << "warnings are no reason to refuse";
  EXPECT_FALSE(warnings_only.problems.empty());
}

// ------------------------------------------------------------ Kibana's document, edited

using ::specgate::testing::read_file;

// A concrete request path for a template: every parameter "x1" (patterns included).
std::string concrete(const std::string& path) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '{') {
      out += path[i];
      continue;
    }
    const std::size_t close = path.find('}', i);
    out += "x1";
    i = close;
  }
  return out;
}

TEST(generality, kibanas_document_with_a_defect_of_each_class_serves_every_healthy_operation) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  const std::string original = read_file(testing::kibana_spec_path());
  auto before = validator::load_contract_text(original, "kibana.yaml");
  ASSERT_TRUE(before.value);
  const auto& healthy_ops = before.value->operations();
  ASSERT_GT(healthy_ops.size(), 300u);
  const std::string existing_id = healthy_ops.front().operation_id;
  // A template of Kibana's with one parameter renamed: it routes exactly like Kibana's own.
  const auto templated = std::find_if(healthy_ops.begin(), healthy_ops.end(),
                                      [](const auto& op) { return op.path.find('{') != std::string::npos; });
  ASSERT_NE(templated, healthy_ops.end());
  std::string renamed = templated->path;
  const std::size_t open = renamed.find('{');
  renamed.replace(open + 1, renamed.find('}', open) - open - 1, "genRenamed");
  std::string method(validator::method_name(templated->method));
  for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  // The defects go at the end of `paths`, so Kibana's own operations come first.
  const std::size_t at = original.find("\ncomponents:\n");
  ASSERT_NE(at, std::string::npos);
  const std::uint32_t first_line = static_cast<std::uint32_t>(std::count(original.begin(), original.begin() + at, '\n')) + 2;
  const std::string defects = R"(  /gen/no-responses:
    get:
      operationId: genNoResponses
  /gen/dangling:
    post:
      operationId: genDangling
      parameters:
        - $ref: '#/components/parameters/GenMissing'
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/GenMissing'}
      responses:
        '200': {$ref: '#/components/responses/GenMissing'}
  /gen/a2a/{agentId}.json:
    get:
      operationId: genMixed
      parameters:
        - {name: agentId, in: path, required: true, schema: {type: string}}
      responses: {'200': {description: ok}}
  /gen/dup:
    get:
      operationId: )" + existing_id + R"(
      parameters:
        - {name: q, in: query, schema: {type: string}}
        - {name: q, in: query, schema: {type: integer}}
        - {name: other, in: path, required: true, schema: {type: string}}
      responses: {'200': {description: ok}}
  /gen/undeclared/{thing}:
    get:
      operationId: genUndeclared
      security: [{genNope: []}]
      responses: {'200': {description: ok}}
)" + "  " + renamed + ":\n    " + method + R"(:
      operationId: genSameRoute
      responses: {'200': {description: ok}}
)";
  std::string edited = original;
  edited.insert(at + 1, defects);

  auto after = validator::load_contract_text(edited, "kibana.yaml");
  ASSERT_TRUE(after.value) << "one broken operation never refuses the document";
  auto [before_mock, before_problems] = mock_service::create(before.value);
  auto [after_mock, after_problems] = mock_service::create(after.value);

  // Every healthy operation: still there, routed to, answered exactly as before.
  for (std::size_t i = 0; i < healthy_ops.size(); ++i) {
    const auto& op = healthy_ops[i];
    const std::string target = concrete(op.path);
    auto route = after.value->routes().match(validator::method_name(op.method), target);
    ASSERT_TRUE(route) << op.operation_id << " " << target;
    const auto& now = after.value->operations()[route->operation];
    EXPECT_EQ(now.pointer, op.pointer) << op.operation_id;
    const auto& was_answer = before_mock->answer_for(i);
    const auto& now_answer = after_mock->answer_for(route->operation);
    EXPECT_EQ(now_answer.status, was_answer.status) << op.operation_id;
    EXPECT_EQ(now_answer.body, was_answer.body) << op.operation_id;
  }

  // The defects: served as well as they allow, each reported at its line.
  auto reported = [&](std::string_view pointer, std::string_view words) -> std::uint32_t {
    for (const auto& d : after.problems)
      if (d.pointer == pointer && d.message.find(words) != std::string::npos && d.file == "kibana.yaml") return d.line;
    ADD_FAILURE() << "not reported: " << pointer << " " << words;
    return 0;
  };
  EXPECT_EQ(reported("/paths/~1gen~1no-responses/get", "the mock answers 200 {}"), first_line + 2);
  EXPECT_EQ(reported("/paths/~1gen~1dangling/post/parameters/0", "unresolvable $ref"), first_line + 7);
  EXPECT_EQ(reported("/paths/~1gen~1dangling/post/requestBody/content/application~1json/schema", "unresolvable $ref"),
            first_line + 11);
  EXPECT_EQ(reported("/paths/~1gen~1dangling/post/responses/200", "unresolvable $ref"), first_line + 13);
  EXPECT_EQ(reported("/paths/~1gen~1dup/get", "is also used by"), first_line + 22);
  EXPECT_EQ(reported("/paths/~1gen~1dup/get/parameters/1", "declared twice"), first_line + 25);
  EXPECT_EQ(reported("/paths/~1gen~1dup/get/parameters/2", "does not appear in the path"), first_line + 26);
  EXPECT_EQ(reported("/paths/~1gen~1undeclared~1{thing}/get", "is not declared"), first_line + 30);
  EXPECT_EQ(reported("/paths/~1gen~1undeclared~1{thing}/get/security/0", "'genNope' is not defined"), first_line + 31);
  EXPECT_EQ(reported(validator::pointer_append("/paths", renamed) + "/" + method, "routes exactly like " +
                                                                                     std::string(validator::method_name(templated->method)) +
                                                                                     " " + templated->path + " at kibana.yaml:"),
            first_line + 35);

  EXPECT_EQ(after.value->operations().size(), healthy_ops.size() + 5) << "five served, the same-route one is not";
  for (const char* id : {"genNoResponses", "genDangling", "genMixed", "genUndeclared"}) {
    const auto* op = after.value->find(id);
    ASSERT_TRUE(op) << id;
    auto route = after.value->routes().match(validator::method_name(op->method), concrete(op->path));
    ASSERT_TRUE(route) << id;
    EXPECT_EQ(&after.value->operations()[route->operation], op) << id;
  }
  auto mixed = after.value->routes().match("GET", "/gen/a2a/agent-1.json");
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->path_params[0].second, "agent-1");
  const auto* no_responses = after.value->find("genNoResponses");
  const auto& answer = after_mock->answer_for(static_cast<std::size_t>(no_responses - after.value->operations().data()));
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, "{}");
}

}  // namespace
}  // namespace specgate::server
