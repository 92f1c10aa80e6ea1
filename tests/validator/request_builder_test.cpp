// The request builder: every request it builds passes the request check of its
// operation (the embedded contract and Kibana's full document, every operation,
// every candidate), the operations where none can be built are exactly the
// document's defects, and the parts of a request (parameters by style, headers,
// bodies by media type, examples and generated data) on specs written for the test.
#include "validator/generate/request_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "test_support.h"
#include "validator/check/request_validator.h"
#include "validator/generate/generate.h"
#include "validator/shared_contract.h"

namespace specgate::validator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

const std::pair<std::string, std::string> api_key{"Authorization", "ApiKey c29tZTprZXk="};

std::string describe(const rendered_request& r) {
  std::string out = r.method + " " + r.target;
  for (const auto& [k, v] : r.headers) out += "\n    " + k + ": " + v;
  return out + "\n    body: " + r.body.substr(0, 400);
}

struct check_summary {
  std::size_t operations = 0, candidates = 0, examples = 0;
  std::map<std::string, std::string> unbuildable;  // operationId -> problem
  std::vector<std::string> failures;               // candidates the request check refuses
};

// Builds every operation's candidates and runs each through the request check.
check_summary check_every_candidate(const contract& c, request_build_options options) {
  check_summary s;
  const request_builder builder(c, std::move(options));
  const request_validator validator(c);
  for (const auto& op : c.operations()) {
    ++s.operations;
    const operation_requests built = builder.build(op);
    if (!built.problem.empty()) {
      s.unbuildable[op.operation_id] = built.problem;
      if (!built.candidates.empty()) s.failures.push_back(op.operation_id + ": a problem and candidates");
      continue;
    }
    if (built.candidates.empty()) s.failures.push_back(op.operation_id + ": no candidate and no problem");
    for (const auto& candidate : built.candidates) {
      ++s.candidates;
      if (candidate.name != "generated") ++s.examples;
      const rendered_request r = candidate.render();
      const request_outcome outcome = validator.check({r.method, r.target, r.headers, r.body});
      if (outcome.op == &op && outcome.found.empty()) continue;
      std::string why = outcome.op == &op ? "" : " routes to " + (outcome.op ? outcome.op->operation_id : "nothing");
      for (const auto& v : outcome.found) why += "\n    " + v.code + ": " + v.message;
      s.failures.push_back(op.operation_id + " (" + candidate.name + "):" + why + "\n  " + describe(r));
    }
  }
  return s;
}

std::shared_ptr<const contract> embedded() {
  static auto built = load_contract_file(specgate::testing::source_dir() + "/spec/kibana.yaml");
  return built.value;
}

TEST(request_builder, every_candidate_for_the_embedded_contract_passes_the_request_check) {
  auto c = embedded();
  ASSERT_TRUE(c);
  request_build_options options;
  options.headers = {api_key};
  const auto s = check_every_candidate(*c, options);
  for (const auto& f : s.failures) ADD_FAILURE() << f;
  EXPECT_TRUE(s.unbuildable.empty()) << s.unbuildable.begin()->first << ": " << s.unbuildable.begin()->second;
  EXPECT_EQ(s.operations, c->operations().size());
  EXPECT_GE(s.candidates, s.operations);
  EXPECT_GT(s.examples, 0u);
}

TEST(request_builder, every_variant_for_the_embedded_contract_passes_the_request_check) {
  // Optional parameters, generated bodies beside the examples, another seed, a space.
  auto c = embedded();
  ASSERT_TRUE(c);
  for (std::uint64_t seed : {1u, 7u, 12345u}) {
    SCOPED_TRACE(seed);
    request_build_options options;
    options.headers = {api_key};
    options.seed = seed;
    options.optional_parameters = true;
    options.always_generate = true;
    options.space = "marketing";
    const auto s = check_every_candidate(*c, options);
    for (const auto& f : s.failures) ADD_FAILURE() << f;
    EXPECT_TRUE(s.unbuildable.empty());
  }
}

// Kibana's published document: the operations where no valid request can be built, with the reason.
// Each is a defect of the document, not of the builder.
const std::map<std::string, std::string> kibana_defects = {
    // GET /api/timeline/_copy declares requestBody.required: true; Kibana's GET routes parse no payload.
    {"CopyTimeline",
     "GET declares a required body, which Kibana never reads (its GET routes parse no payload): a spec defect"},
};

TEST(request_builder, every_candidate_for_kibanas_document_passes_the_request_check) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  auto built = load_contract_file(specgate::testing::kibana_spec_path());
  ASSERT_TRUE(built.value);
  const contract& c = *built.value;
  request_build_options options;
  options.headers = {api_key};
  const auto s = check_every_candidate(c, options);
  for (std::size_t i = 0; i < s.failures.size() && i < 30; ++i) ADD_FAILURE() << s.failures[i];
  EXPECT_EQ(s.failures.size(), 0u);
  EXPECT_EQ(s.unbuildable, kibana_defects);
  EXPECT_EQ(s.operations, 372u);
  std::printf("[request_builder] Kibana: %zu operations, %zu candidates (%zu from examples), %zu unbuildable\n",
              s.operations, s.candidates, s.examples, s.unbuildable.size());

  options.optional_parameters = true;
  options.always_generate = true;
  options.seed = 99;
  const auto all = check_every_candidate(c, options);
  for (std::size_t i = 0; i < all.failures.size() && i < 30; ++i) ADD_FAILURE() << all.failures[i];
  EXPECT_EQ(all.failures.size(), 0u);
  EXPECT_EQ(all.unbuildable, kibana_defects);
  EXPECT_GT(all.candidates, s.candidates);
}


// ---------------------------------------------------------------- specs written for the test

constexpr const char* kibana_like_yaml = R"(
openapi: 3.0.3
info: {title: Kibana things, version: '1'}
paths:
  /api/things/{id}:
    get:
      operationId: getThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, enum: [special, other]}}
        - {name: page, in: query, required: true, schema: {type: integer, minimum: 2}}
        - {name: tags, in: query, schema: {type: array, items: {type: string, enum: [a, b]}}}
        - {name: elastic-api-version, in: header, required: true, schema: {type: string, enum: ['2023-10-31']}}
      responses:
        '200':
          description: ok
          content:
            application/json; Elastic-Api-Version=2023-10-31: {schema: {type: object}}
  /api/things/special:
    get:
      operationId: getSpecialThing
      responses: {'200': {description: ok}}
  /api/things:
    post:
      operationId: createThing
      parameters:
        - {name: kbn-xsrf, in: header, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json; Elastic-Api-Version=2023-10-31:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, minLength: 3}
                tags: {type: array, items: {type: string}}
                id: {type: string, readOnly: true}
            examples:
              first: {value: {name: first}}
              second: {value: {name: second, tags: [x]}}
              wrong: {value: {name: 1}}
      responses:
        '200':
          description: ok
          content:
            application/json; Elastic-Api-Version=2023-10-31: {schema: {type: object}}
  /api/copy:
    get:
      operationId: getWithBody
      requestBody: {required: true, content: {application/json: {schema: {type: object}}}}
      responses: {'200': {description: ok}}
  /api/impossible:
    get:
      operationId: impossible
      parameters:
        - {name: n, in: query, required: true, schema: {type: integer, minimum: 5, maximum: 1}}
      responses: {'200': {description: ok}}
  /api/taken/{id}:
    get:
      operationId: taken
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, enum: [fixed]}}
      responses: {'200': {description: ok}}
  /api/taken/fixed:
    get:
      operationId: fixed
      responses: {'200': {description: ok}}
)";

class kibana_like : public shared_contract_suite<kibana_like> {
 public:
  static contract::build_result load() {
    auto built = load_contract_text(kibana_like_yaml, "kibana_like.yaml");
    if (built.value) {
      EXPECT_EQ(built.value->profile(), profile::kibana);
    }
    return built;
  }
};

std::vector<std::string> names(const operation_requests& r) {
  std::vector<std::string> out;
  for (const auto& c : r.candidates) out.push_back(c.name);
  return out;
}

TEST_F(kibana_like, every_valid_example_in_order_then_generated_only_when_asked) {
  const request_builder builder(c(), {});
  const auto built = builder.build(op("createThing"));
  EXPECT_EQ(built.problem, "");
  EXPECT_THAT(names(built), ElementsAre("example 'first'", "example 'second'"));
  EXPECT_EQ(built.candidates[1].body, json::parse(R"({"name":"second","tags":["x"]})"));
  ASSERT_EQ(built.notes.size(), 1u);
  EXPECT_THAT(built.notes[0], HasSubstr("example 'wrong' is left out: it does not validate against the body schema"));

  request_build_options options;
  options.always_generate = true;
  const auto all = request_builder(c(), options).build(op("createThing"));
  EXPECT_THAT(names(all), ElementsAre("example 'first'", "example 'second'", "generated"));
}

TEST_F(kibana_like, generated_bodies_are_the_mocks_generator_data_for_the_request_direction) {
  // The builder and the mock agree: the generated body is generate_value()'s static value (readOnly
  // `id` left out), unless it has an empty array, when a later, seeded attempt without one is taken.
  request_build_options options;
  options.always_generate = true;
  const auto built = request_builder(c(), options).build(op("createThing"));
  const media_type& m = op("createThing").body->content.at(0);
  const json* schema = m.doc->find(m.pointer + "/schema");
  ASSERT_NE(schema, nullptr);
  generate_options mock;
  mock.dir = direction::request;
  const json expected = generate_value(c().docs(), *m.doc, *schema, m.pointer + "/schema", mock);
  EXPECT_EQ(expected, json::parse(R"({"name":"string"})"));
  EXPECT_EQ(built.candidates.back().name, "generated");
  EXPECT_EQ(built.candidates.back().body, expected);
}

TEST_F(kibana_like, kibana_headers_version_and_xsrf) {
  request_build_options options;
  options.headers = {{"Authorization", "Basic dTpw"}};
  const request_builder builder(c(), options);
  const auto post = builder.build(op("createThing")).candidates.at(0).render();
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.target, "/api/things");
  // The declared kbn-xsrf parameter is not generated: the builder's own header stands.
  EXPECT_THAT(post.headers, ElementsAre(Pair("Content-Type", "application/json; Elastic-Api-Version=2023-10-31"),
                                        Pair("kbn-xsrf", "true"), Pair("elastic-api-version", "2023-10-31"),
                                        Pair("Authorization", "Basic dTpw")));
  EXPECT_EQ(post.body, R"({"name":"first"})");

  const auto get = builder.build(op("getThing")).candidates.at(0).render();
  EXPECT_THAT(get.headers, ElementsAre(Pair("elastic-api-version", "2023-10-31"), Pair("Authorization", "Basic dTpw")));
  EXPECT_EQ(get.body, "");
}

TEST_F(kibana_like, path_values_that_another_route_takes_are_passed_over) {
  // id's first value, "special", would reach GET /api/things/special.
  const auto built = request_builder(c(), {}).build(op("getThing"));
  ASSERT_EQ(built.candidates.size(), 1u);
  EXPECT_EQ(built.candidates[0].target(), "/api/things/other?page=2");
  // Optional parameters on request (non-empty arrays preferred).
  request_build_options options;
  options.optional_parameters = true;
  const auto all = request_builder(c(), options).build(op("getThing"));
  const std::string target = all.candidates.at(0).target();
  EXPECT_TRUE(target.starts_with("/api/things/other?page=2&tags=")) << target;
  EXPECT_EQ(target.find("tags=&"), std::string::npos) << target;
}

TEST_F(kibana_like, operations_no_request_can_satisfy_say_why) {
  const request_builder builder(c(), {});
  const auto body = builder.build(op("getWithBody"));
  EXPECT_TRUE(body.candidates.empty());
  EXPECT_EQ(body.problem,
            "GET declares a required body, which Kibana never reads (its GET routes parse no payload): a spec defect");
  const auto impossible = builder.build(op("impossible"));
  EXPECT_TRUE(impossible.candidates.empty());
  EXPECT_EQ(impossible.problem, "no value of the required query parameter 'n' reads back valid against its schema");
  const auto taken = builder.build(op("taken"));
  EXPECT_TRUE(taken.candidates.empty());
  EXPECT_EQ(taken.problem, "no path parameter values route to this operation (another route takes them)");
}

TEST_F(kibana_like, base_path_and_space_prefix_the_target) {
  build_options bo;
  bo.base_path = "/kibana";
  auto built = load_contract_text(kibana_like_yaml, "kibana_like.yaml", bo);
  ASSERT_TRUE(built.value);
  request_build_options options;
  options.base_path = built.value->routes().base_path();
  options.space = "marketing";
  const auto s = check_every_candidate(*built.value, options);
  for (const auto& f : s.failures) ADD_FAILURE() << f;
  const auto r = request_builder(*built.value, options).build(*built.value->find("createThing"));
  EXPECT_EQ(r.candidates.at(0).target(), "/kibana/s/marketing/api/things");
}

TEST_F(kibana_like, mutating_one_thing_is_an_edit_before_rendering) {
  const request_validator validator(c());
  auto check = [&](const built_request& b) {
    const rendered_request r = b.render();
    return validator.check({r.method, r.target, r.headers, r.body});
  };
  const auto built = request_builder(c(), {}).build(op("getThing"));
  built_request valid = built.candidates.at(0);
  EXPECT_TRUE(check(valid).found.empty());

  built_request no_page = valid;
  ASSERT_TRUE(no_page.remove_param("page", param_location::query));
  EXPECT_FALSE(no_page.remove_param("page", param_location::query));
  auto missing = check(no_page);
  ASSERT_EQ(missing.found.size(), 1u);
  EXPECT_EQ(missing.found[0].code, "required");
  EXPECT_EQ(missing.found[0].name, "page");

  built_request low = valid;
  low.param("page", param_location::query)->value = 1;
  EXPECT_EQ(low.target(), "/api/things/other?page=1");
  auto below = check(low);
  ASSERT_EQ(below.found.size(), 1u);
  EXPECT_EQ(below.found[0].keyword, "minimum");

  built_request bad_version = valid;
  bad_version.set_header("Elastic-Api-Version", "1999-01-01");
  EXPECT_EQ(bad_version.render().headers.size(), 1u);  // replaced, not added
  EXPECT_EQ(check(bad_version).found.at(0).code, "api_version");

  const auto post = request_builder(c(), {}).build(op("createThing"));
  built_request no_xsrf = post.candidates.at(0);
  EXPECT_TRUE(no_xsrf.remove_header("KBN-XSRF"));
  EXPECT_EQ(check(no_xsrf).found.at(0).code, "xsrf");
  built_request wrong_type = post.candidates.at(0);
  wrong_type.body["name"] = 7;
  EXPECT_EQ(check(wrong_type).found.at(0).instance_pointer, "/name");
}

TEST_F(kibana_like, the_same_seed_builds_the_same_requests) {
  request_build_options options;
  options.seed = 42;
  options.optional_parameters = true;
  options.always_generate = true;
  for (const auto& o : c().operations()) {
    const auto a = request_builder(c(), options).build(o);
    const auto b = request_builder(c(), options).build(o);
    ASSERT_EQ(a.candidates.size(), b.candidates.size());
    for (std::size_t i = 0; i < a.candidates.size(); ++i) {
      const auto ra = a.candidates[i].render(), rb = b.candidates[i].render();
      EXPECT_EQ(ra.target, rb.target);
      EXPECT_EQ(ra.headers, rb.headers);
      EXPECT_EQ(ra.body, rb.body);
    }
  }
}

constexpr const char* openapi_yaml = R"(
openapi: 3.0.3
info: {title: Pets, version: '1'}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
security: [{key: []}]
paths:
  /pets/{id}/{tags}:
    get:
      operationId: getPet
      parameters:
        - {name: id, in: path, required: true, style: matrix, schema: {type: integer, minimum: 3}}
        - {name: tags, in: path, required: true, style: label, explode: true, schema: {type: array, minItems: 1, items: {type: string}}}
        - {name: filter, in: query, required: true, style: deepObject, explode: true,
           schema: {type: object, required: [kind], properties: {kind: {type: string, enum: [cat, dog]}, age: {type: integer}}}}
        - {name: X-Trace, in: header, required: true, schema: {type: integer, minimum: 1}}
        - {name: session, in: cookie, required: true, schema: {type: string, pattern: '^s-[0-9]{3}$'}}
      requestBody:
        required: true
        content:
          application/json: {schema: {type: object}}
      responses: {'200': {description: ok}}
  /owners/{owner}:
    get:
      operationId: getOwner
      responses: {'200': {description: ok}}
  /pets:
    post:
      operationId: uploadPet
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file, meta]
              properties:
                file: {type: string, format: binary}
                meta: {type: object, required: [n], properties: {n: {type: integer}}}
      responses: {'200': {description: ok}}
    put:
      operationId: formPet
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, required: [name, age], properties: {name: {type: string}, age: {type: integer}}}
      responses: {'200': {description: ok}}
)";

TEST(request_builder_openapi, styles_bodies_and_no_kibana_headers) {
  auto built = load_contract_text(openapi_yaml, "pets.yaml");
  ASSERT_TRUE(built.value);
  const contract& c = *built.value;
  ASSERT_EQ(c.profile(), profile::openapi);
  request_build_options options;
  options.headers = {{"X-Key", "k"}};
  const auto s = check_every_candidate(c, options);
  for (const auto& f : s.failures) ADD_FAILURE() << f;
  EXPECT_TRUE(s.unbuildable.empty());
  EXPECT_EQ(s.candidates, 4u);

  const request_builder builder(c, options);
  // A GET with a required body is legal HTTP under openapi: sent.
  const auto get = builder.build(*c.find("getPet")).candidates.at(0).render();
  EXPECT_EQ(get.target, "/pets/;id=3/.string?filter%5Bkind%5D=cat");
  EXPECT_THAT(get.headers, ElementsAre(Pair("Content-Type", "application/json"), Pair("X-Key", "k"),
                                       Pair("X-Trace", "1"), Pair("Cookie", "session=s-000")));
  EXPECT_EQ(get.body, "{}");

  const auto upload = builder.build(*c.find("uploadPet")).candidates.at(0);
  EXPECT_THAT(upload.file_fields, ElementsAre("file"));
  const auto rendered = upload.render();
  EXPECT_EQ(rendered.headers.at(0).second, "multipart/form-data; boundary=" + std::string(multipart_boundary));
  EXPECT_THAT(rendered.body, HasSubstr("name=\"file\"; filename=\"file.bin\"\r\nContent-Type: application/octet-stream"));
  EXPECT_THAT(rendered.body, HasSubstr("name=\"meta\"\r\n\r\n{\"n\":0}\r\n"));
  // No kbn-xsrf under openapi.
  for (const auto& [name, value] : rendered.headers) EXPECT_NE(name, "kbn-xsrf");

  const auto form = builder.build(*c.find("formPet")).candidates.at(0).render();
  EXPECT_EQ(form.body, "age=0&name=string");

  // A template variable no parameter declares (a defect the contract reports) gets a routable value.
  EXPECT_EQ(builder.build(*c.find("getOwner")).candidates.at(0).target(), "/owners/x1");
}

}  // namespace
}  // namespace specgate::validator
