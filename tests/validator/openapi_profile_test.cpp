// The request check under the openapi profile: only what the document says (no kbn-xsrf, versions,
// spaces or Kibana routing quirks), 405 with the allowed methods, challenges on 401.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "validator/check_fixture.h"

namespace specgate::validator {
namespace {

using testing::headers_t;
using testing::request_check_fixture;
using ::testing::ElementsAre;

// A petstore-style document written for the test (nothing Kibana's in it: auto-detects openapi).
constexpr const char* petstore = R"(openapi: 3.0.3
info: {title: Petstore, version: '1'}
components:
  securitySchemes:
    basic: {type: http, scheme: basic}
    bearer: {type: http, scheme: bearer}
    key: {type: apiKey, in: header, name: X-API-Key}
    oauth: {type: oauth2, flows: {clientCredentials: {tokenUrl: 'https://example.com/token', scopes: {}}}}
  schemas:
    pet: {type: object, required: [name], properties: {name: {type: string}}}
paths:
  /pets:
    get:
      security: [{basic: []}, {bearer: []}, {key: []}]
      parameters: [{in: query, name: limit, schema: {type: integer, maximum: 100}}]
      responses: {'200': {description: ok}}
    post:
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/pet'}}}}
      responses: {'201': {description: created}}
  /pets/{id}:
    parameters: [{in: path, name: id, required: true, schema: {type: integer}}]
    get:
      security: [{key: []}]
      responses: {'200': {description: ok}}
    put:
      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/pet'}}}}
      responses: {'200': {description: ok}}
    delete:
      security: [{oauth: []}]
      responses: {'204': {description: gone}}
  /api/items:
    get:
      responses: {'200': {description: ok}}
)";

class openapi_profile : public request_check_fixture<openapi_profile> {
 public:
  static contract::build_result load() { return load_contract_text(petstore, "petstore.yaml"); }
};

const std::pair<std::string, std::string> json_type{"Content-Type", "application/json"};
const std::pair<std::string, std::string> key{"X-API-Key", "secret"};

TEST_F(openapi_profile, a_petstore_is_openapi_without_spaces) {
  EXPECT_EQ((*contract_)->profile(), profile::openapi);
  EXPECT_FALSE((*contract_)->routes().spaces());
}

TEST_F(openapi_profile, writes_need_no_kbn_xsrf) {
  auto r = check("POST", "/pets", {json_type}, R"({"name":"rex"})");
  EXPECT_TRUE(r.found.empty()) << r.found[0].message;
  EXPECT_EQ(r.api_version, "");
}

TEST_F(openapi_profile, an_unknown_path_is_404_whatever_the_method_or_credentials) {
  for (const char* method : {"GET", "POST"}) {
    SCOPED_TRACE(method);
    auto r = check(method, "/nothing", {});
    ASSERT_EQ(r.found.size(), 1u);
    EXPECT_EQ(r.found[0].code, "unknown_route");
    EXPECT_EQ(r.status(), 404);
    EXPECT_THAT(r.found[0].message, ::testing::HasSubstr("/nothing"));
    EXPECT_TRUE(r.allowed.empty());
  }
}

TEST_F(openapi_profile, an_undeclared_method_is_405_with_the_allowed_ones) {
  auto r = check("PATCH", "/pets", {});
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].code, "method_not_allowed");
  EXPECT_EQ(r.status(), 405);
  EXPECT_THAT(r.allowed, ElementsAre(http_method::get, http_method::post, http_method::head));
  EXPECT_EQ(r.found[0].message, "PATCH is not declared for /pets; the document declares GET, POST, HEAD");
  auto item = check("POST", "/pets/7", {});
  EXPECT_EQ(item.status(), 405);
  EXPECT_THAT(item.allowed, ElementsAre(http_method::get, http_method::put, http_method::delete_, http_method::head));
}

TEST_F(openapi_profile, no_kibana_routing_quirks) {
  auto slash = check("GET", "/pets/", {});
  EXPECT_EQ(slash.status(), 404);
  EXPECT_EQ(slash.redirect_location, "");
  EXPECT_EQ(check("GET", "/s/marketing/api/items", {}).status(), 404) << "no spaces";
  EXPECT_TRUE(check("GET", "/api/items", {}).found.empty());
}

TEST_F(openapi_profile, a_body_is_missing_only_when_required) {
  EXPECT_TRUE(check("POST", "/pets", {}).found.empty());
  auto r = check("PUT", "/pets/7", {});
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].code, "missing_body");
  EXPECT_EQ(r.status(), 400);
  EXPECT_THAT(r.found[0].message, ::testing::HasSubstr("required"));
}

TEST_F(openapi_profile, a_401_names_the_challenges_of_the_operations_schemes) {
  auto r = check("GET", "/pets", {});
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.status(), 401);
  EXPECT_THAT(r.challenges, ElementsAre("Basic realm=\"specgate\"", "Bearer"));
  EXPECT_THAT(r.found[0].message, ::testing::HasSubstr("basic or bearer or key"));
  EXPECT_TRUE(check("GET", "/pets", {{"Authorization", "Bearer t0ken"}}).found.empty());

  auto api_key_only = check("GET", "/pets/7", {});
  EXPECT_EQ(api_key_only.status(), 401);
  EXPECT_TRUE(api_key_only.challenges.empty()) << "apiKey has no challenge";
  EXPECT_TRUE(check("GET", "/pets/7", {key}).found.empty());

  auto oauth = check("DELETE", "/pets/7", {});
  EXPECT_EQ(oauth.status(), 401);
  EXPECT_THAT(oauth.challenges, ElementsAre("Bearer"));
}

TEST_F(openapi_profile, no_max_payload_413) {
  body_limits limits;
  limits.max_payload = 4;
  EXPECT_TRUE(check("POST", "/pets", {json_type}, R"({"name":"a long enough name"})", limits).found.empty());
}

TEST_F(openapi_profile, malformed_json_says_where) {
  auto r = check("POST", "/pets", {json_type}, R"({"name":)");
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].code, "malformed_json");
  EXPECT_THAT(r.found[0].message, ::testing::HasSubstr("byte"));
}

TEST_F(openapi_profile, order_is_credentials_payload_params_body) {
  auto r = check("GET", "/pets?limit=500", {});
  EXPECT_THAT(codes(r), ElementsAre("missing_credentials", "maximum"));
  auto w = check("PUT", "/pets/x", {json_type}, "{}");
  EXPECT_THAT(codes(w), ElementsAre("type", "required"));
  EXPECT_EQ(w.found[0].location, violation_location::path);
  EXPECT_EQ(w.found[1].location, violation_location::body);
}

// A document that declares Kibana's headers but is served as plain OpenAPI: they are ordinary
// parameters, and media-type versions are not enforced.
TEST(openapi_profile_versions, elastic_api_version_is_just_a_declared_header) {
  build_options options;
  options.profile = profile_choice::openapi;
  auto built = load_contract_text(R"(openapi: 3.0.3
info: {title: Versioned, version: '1'}
paths:
  /api/thing:
    post:
      parameters: [{in: header, name: elastic-api-version, required: true, schema: {type: string}}]
      requestBody:
        content: {'application/json; Elastic-Api-Version=2023-10-31': {schema: {type: object}}}
      responses: {'200': {description: ok}}
)",
                                  "versioned.yaml", options);
  ASSERT_TRUE(built.value);
  request_validator checker(*built.value);
  const headers_t none = {{"Content-Type", "application/json"}};
  auto r = checker.check({"POST", "/api/thing", none, "{}"});
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].code, "required");
  EXPECT_EQ(r.found[0].name, "elastic-api-version");
  EXPECT_EQ(r.api_version, "");
  const headers_t unknown = {{"Content-Type", "application/json"}, {"elastic-api-version", "2099-01-01"}};
  auto u = checker.check({"POST", "/api/thing", unknown, "{}"});
  EXPECT_TRUE(u.found.empty()) << u.found[0].message;
  EXPECT_EQ(u.api_version, "");
}

}  // namespace
}  // namespace specgate::validator
