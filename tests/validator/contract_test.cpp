#include "validator/contract/contract.h"

#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "test_support.h"

namespace specgate::validator {
namespace {

contract::build_result build_text(std::string_view yaml) {
  return load_contract_text(yaml, "test.yaml");
}

constexpr std::string_view small_spec = R"(openapi: 3.0.3
info: {title: t, version: '1'}
security: [{apiKeyAuth: []}, {basicAuth: []}]
paths:
  /api/things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      - {name: verbose, in: query, schema: {type: boolean}}
    get:
      operationId: get-thing
      parameters:
        - {name: verbose, in: query, required: true, schema: {type: boolean}}
      responses:
        '200':
          description: ok
          content:
            application/json; Elastic-Api-Version=2023-10-31:
              schema: {$ref: '#/components/schemas/thing'}
              examples:
                bad: {value: {id: 5}}
                good: {value: {id: 'x', tags: []}}
        '404': {description: missing}
    post:
      operationId: post-thing
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, minLength: 1, nullable: true}
                size: {type: integer, format: int32, maximum: 10, exclusiveMaximum: true}
                kind: {type: objects}
                child: {$ref: '#/components/schemas/thing'}
              additionalproperties: false
      responses:
        '2XX': {description: ok}
components:
  securitySchemes:
    apiKeyAuth: {type: apiKey, in: header, name: Authorization}
    basicAuth: {type: http, scheme: basic}
  schemas:
    thing:
      type: object
      required: [id]
      properties:
        id: {type: string}
        tags: {type: array, items: {type: string}}
        parent: {$ref: '#/components/schemas/thing'}
)";

TEST(contract, builds_operations_with_merged_parameters_and_security) {
  auto built = build_text(small_spec);
  ASSERT_TRUE(built.value) << (built.problems.empty() ? "" : built.problems[0].to_string());
  const auto& ops = built.value->operations();
  ASSERT_EQ(ops.size(), 2u);
  const operation* get = built.value->find("get-thing");
  ASSERT_NE(get, nullptr);
  ASSERT_EQ(get->parameters.size(), 2u);
  EXPECT_EQ(get->parameters[0].name, "id");
  EXPECT_EQ(get->parameters[0].in, param_location::path);
  EXPECT_EQ(get->parameters[1].name, "verbose");
  EXPECT_TRUE(get->parameters[1].required) << "operation-level parameter overrides the path-level one";
  EXPECT_EQ(get->parameters[1].style, "form");
  EXPECT_TRUE(get->parameters[1].explode);
  ASSERT_EQ(get->security.size(), 2u);
  EXPECT_EQ(get->security[0], std::vector<std::string>{"apiKeyAuth"});
  const operation* post = built.value->find("post-thing");
  ASSERT_NE(post, nullptr);
  EXPECT_TRUE(post->security.empty()) << "security: [] switches it off";
  ASSERT_TRUE(post->body);
  EXPECT_TRUE(post->body->required);
  ASSERT_NE(post->success_response(), nullptr);
  EXPECT_EQ(post->success_response()->status, "2XX");
}

TEST(contract, media_types_keep_key_essence_and_parameters) {
  auto built = build_text(small_spec);
  ASSERT_TRUE(built.value);
  const auto& media = built.value->find("get-thing")->success_response()->content.at(0);
  EXPECT_EQ(media.key, "application/json; Elastic-Api-Version=2023-10-31");
  EXPECT_EQ(media.essence, "application/json");
  ASSERT_EQ(media.parameters.size(), 1u);
  EXPECT_EQ(media.parameters[0].first, "elastic-api-version");
  EXPECT_EQ(media.parameters[0].second, "2023-10-31");
  ASSERT_EQ(media.examples.size(), 2u);
  EXPECT_EQ(media.examples[0].name, "bad");
}

TEST(contract, schemas_validate_with_openapi_semantics) {
  auto built = build_text(small_spec);
  ASSERT_TRUE(built.value);
  const auto& c = *built.value;
  const auto& schemas = c.schemas();
  const auto& media = c.find("get-thing")->success_response()->content.at(0);
  EXPECT_FALSE(schemas.is_valid(media.schema, *media.examples[0].value));
  EXPECT_TRUE(schemas.is_valid(media.schema, *media.examples[1].value));
  EXPECT_TRUE(schemas.is_valid(media.schema, json::parse(R"({"id":"a","parent":{"id":"b","parent":{"id":"c"}}})")))
      << "recursive schema";
  EXPECT_FALSE(schemas.is_valid(media.schema, json::parse(R"({"id":"a","parent":{"parent":{"id":"c"}}})")));
  auto errors = schemas.explain(media.schema, json::parse(R"({"id":"a","parent":{"id":7}})"));
  ASSERT_FALSE(errors.empty());
  EXPECT_TRUE(std::any_of(errors.begin(), errors.end(),
                          [](const schema_error& e) { return e.instance_pointer == "/parent/id"; }));

  const schema_id body = c.find("post-thing")->body->content.at(0).schema;
  EXPECT_TRUE(schemas.is_valid(body, json::parse(R"({"name":null})"))) << "nullable";
  EXPECT_FALSE(schemas.is_valid(body, json::parse(R"({"name":""})"))) << "minLength";
  EXPECT_FALSE(schemas.is_valid(body, json::parse(R"({})"))) << "required";
  EXPECT_TRUE(schemas.is_valid(body, json::parse(R"({"name":"a","size":9})")));
  EXPECT_FALSE(schemas.is_valid(body, json::parse(R"({"name":"a","size":10})"))) << "exclusiveMaximum: true";
  EXPECT_TRUE(schemas.is_valid(body, json::parse(R"({"name":"a","kind":[1]})"))) << "type: objects constrains nothing";
  EXPECT_TRUE(schemas.is_valid(body, json::parse(R"({"name":"a","extra":1})")))
      << "misspelt additionalproperties constrains nothing";
}

TEST(contract, schema_defects_are_reported_with_their_pointer) {
  auto built = build_text(small_spec);
  ASSERT_TRUE(built.value);
  auto has = [&](std::string_view pointer_suffix, std::string_view text) {
    return std::any_of(built.problems.begin(), built.problems.end(), [&](const diagnostic& d) {
      return d.level == severity::warning && d.pointer.ends_with(pointer_suffix) &&
             d.message.find(text) != std::string::npos && d.line > 0;
    });
  };
  EXPECT_TRUE(has("/properties/kind/type", "\"objects\""));
  EXPECT_TRUE(has("/additionalproperties", "did you mean 'additionalProperties'"));
}

TEST(contract, read_only_and_write_only_depend_on_the_direction) {
  auto built = build_text(R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /users:
    post:
      requestBody:
        content:
          application/json: {schema: {$ref: '#/components/schemas/user'}}
      responses:
        '200':
          description: ok
          content:
            application/json: {schema: {$ref: '#/components/schemas/user'}}
components:
  schemas:
    user:
      type: object
      required: [id, password, name]
      properties:
        id: {type: string, readOnly: true}
        password: {type: string, writeOnly: true}
        name: {type: string}
)");
  ASSERT_TRUE(built.value);
  const auto& op = built.value->operations().at(0);
  const auto& s = built.value->schemas();
  const schema_id request = op.body->content.at(0).schema;
  const schema_id response = op.responses.at(0).content.at(0).schema;
  EXPECT_NE(request, response);
  EXPECT_TRUE(s.is_valid(request, json::parse(R"({"password":"p","name":"n"})")));
  EXPECT_FALSE(s.is_valid(request, json::parse(R"({"id":"1","name":"n"})")));
  EXPECT_TRUE(s.is_valid(response, json::parse(R"({"id":"1","name":"n"})")));
  EXPECT_FALSE(s.is_valid(response, json::parse(R"({"password":"p","name":"n"})")));
}

// Defects confined to operations are reported, all of them, and the rest is served
// (before issue 8 the whole document was refused); --strict-load refuses it.
TEST(contract, reports_structural_errors_with_all_of_them_and_serves_the_rest) {
  const std::string_view text = R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      parameters: [{name: x, in: body}]
      responses: {'200': {description: ok}}
  b:
    get: {responses: {}}
  /c:
    get:
      security: [{nope: []}]
      responses: {'600': {description: bad}}
)";
  auto built = build_text(text);
  ASSERT_TRUE(built.value);
  std::set<std::string> pointers;
  for (const auto& d : built.problems)
    if (d.level == severity::error) pointers.insert(d.pointer);
  EXPECT_TRUE(pointers.count("/paths/~1a/get/parameters/0/in"));
  EXPECT_TRUE(pointers.count("/paths/b"));
  EXPECT_TRUE(pointers.count("/paths/~1c/get/security/0"));
  EXPECT_TRUE(pointers.count("/paths/~1c/get/responses/600"));
  EXPECT_TRUE(pointers.count("/paths/~1c/get/responses")) << "no usable response: the mock answers 501";
  ASSERT_EQ(built.value->operations().size(), 2u) << "/a and /c; b is not a path";
  const operation& a = built.value->operations()[0];
  EXPECT_TRUE(a.parameters.empty()) << "the parameter with a bad `in` is left out";
  const operation& c = built.value->operations()[1];
  EXPECT_TRUE(c.responses.empty());
  EXPECT_TRUE(c.not_implemented);
  ASSERT_EQ(c.security.size(), 1u);
  EXPECT_TRUE(c.security[0].empty()) << "an undefined scheme requires nothing";

  build_options strict;
  strict.strict_load = true;
  auto refused = load_contract_text(text, "test.yaml", strict);
  EXPECT_FALSE(refused.value);
  EXPECT_EQ(refused.problems.size(), built.problems.size()) << "the same diagnostics, the document refused";
}

TEST(contract, kibana_full_document_builds_and_every_schema_compiles) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  auto built = load_contract_file(specgate::testing::kibana_spec_path());
  for (const auto& d : built.problems)
    if (d.level == severity::error) ADD_FAILURE() << d.to_string();
  ASSERT_TRUE(built.value);
  EXPECT_EQ(built.value->operations().size(), 372u);
  const auto& schemas = built.value->schemas();
  EXPECT_GT(schemas.size(), 1000u);
  for (std::size_t i = 0; i < schemas.size(); ++i)
    EXPECT_TRUE(schemas.compiled(static_cast<schema_id>(i))) << schemas.pointer(static_cast<schema_id>(i));
  // Spaces are declared explicitly for some SLO routes; both forms route.
  EXPECT_TRUE(built.value->routes().match("GET", "/s/default/api/observability/slos"));
  EXPECT_TRUE(built.value->routes().match("GET", "/s/default/api/fleet/agents/setup"));
  auto setup = built.value->routes().match("GET", "/api/fleet/agents/setup");
  ASSERT_TRUE(setup);
  EXPECT_EQ(built.value->operations()[setup->operation].path, "/api/fleet/agents/setup");
}

}  // namespace
}  // namespace specgate::validator
