// The request check under the kibana profile: each of Kibana's behaviours (order, payload,
// versions, missing bodies, routing quirks, union messages) with its exact status and message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.h"
#include "validator/check_fixture.h"

namespace specgate::validator {
namespace {

using testing::headers_t;
using testing::request_check_fixture;

// Written for the test: one versioned route with path, query and body rules, a route with two
// versions, an array body, Kibana's security schemes.
constexpr const char* kibana_spec = R"(openapi: 3.0.3
info: {title: Kibana profile test, version: '1'}
security: [{basicAuth: []}, {apiKeyAuth: []}]
components:
  securitySchemes:
    basicAuth: {type: http, scheme: basic}
    apiKeyAuth: {type: apiKey, in: header, name: Authorization}
  parameters:
    version: {in: header, name: elastic-api-version, required: true, schema: {type: string, enum: ['2023-10-31']}}
paths:
  /api/route/{pattern}:
    get:
      parameters:
        - $ref: '#/components/parameters/version'
        - {in: path, name: pattern, required: true, schema: {type: string, minLength: 3}}
      responses:
        '200': {description: ok, content: {'application/json; Elastic-Api-Version=2023-10-31': {schema: {type: object}}}}
    post:
      parameters:
        - {in: query, name: page, schema: {type: integer, minimum: 1}}
        - {in: path, name: pattern, required: true, schema: {type: string, minLength: 3}}
      requestBody:
        content:
          'application/json; Elastic-Api-Version=2023-10-31':
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string}
                owner:
                  oneOf: [{type: string}, {type: object, required: [id], properties: {id: {type: integer}}}]
                nested:
                  oneOf:
                    - {type: string}
                    - {type: object, properties: {x: {oneOf: [{type: integer}, {type: boolean}]}}}
      responses:
        '200': {description: ok, content: {'application/json; Elastic-Api-Version=2023-10-31': {schema: {type: object}}}}
  /api/two_versions:
    get:
      responses:
        '200':
          description: ok
          content:
            'application/json; Elastic-Api-Version=2024-05-01': {schema: {type: object}}
            'application/json; Elastic-Api-Version=2023-10-31': {schema: {type: object}}
  /api/list:
    put:
      requestBody:
        content: {application/json: {schema: {type: array, items: {type: string}}}}
      responses: {'200': {description: ok}}
)";

const std::pair<std::string, std::string> creds{"Authorization", "Basic dXNlcjpwYXNz"};
const std::pair<std::string, std::string> xsrf{"kbn-xsrf", "true"};
const std::pair<std::string, std::string> json_type{"Content-Type", "application/json"};

class kibana_profile : public request_check_fixture<kibana_profile> {
 public:
  static contract::build_result load() {
    build_options options;
    options.profile = profile_choice::kibana;
    return load_contract_text(kibana_spec, "kibana_profile.yaml", options);
  }
};

TEST_F(kibana_profile, the_contract_carries_the_profile_and_spaces) {
  EXPECT_EQ((*contract_)->profile(), profile::kibana);
  EXPECT_TRUE((*contract_)->routes().spaces());
}

TEST_F(kibana_profile, order_is_credentials_payload_xsrf_version_params_query_body) {
  auto r = check("POST", "/api/route/ab?page=0", {{"elastic-api-version", "2099-01-01"}}, "{");
  EXPECT_THAT(codes(r), ::testing::ElementsAre("missing_credentials", "malformed_json", "xsrf", "api_version",
                                               "minLength", "minimum"));
  EXPECT_EQ(r.status(), 401);
  EXPECT_EQ(r.found[0].message, "Unauthorized");
  EXPECT_EQ(r.found[1].message, "Invalid request payload JSON format");
  EXPECT_EQ(r.found[2].message, "Request must contain a kbn-xsrf header.");

  // Path params answer before the query, the query before the body, whatever the declaration order.
  auto p = check("POST", "/api/route/ab?page=0", {creds, xsrf, json_type}, "{}");
  EXPECT_THAT(codes(p), ::testing::ElementsAre("minLength", "minimum", "required"));
  EXPECT_EQ(p.status(), 400);
  EXPECT_EQ(p.found[0].message, "[request params.pattern]: value has length [2] but it must have a minimum length of [3].");
  EXPECT_EQ(p.found[1].message, "[request query.page]: Value must be equal to or greater than [1].");
  EXPECT_EQ(p.found[2].message, "[request body.name]: expected value of type [string] but got [undefined]");
}

TEST_F(kibana_profile, payload_over_max_payload_is_413_before_xsrf) {
  const std::string body = R"({"name":"abcdefg"})";  // 18 bytes
  body_limits limits;
  limits.max_payload = body.size() - 1;
  auto r = check("POST", "/api/route/abc", {creds, json_type}, body, limits);
  ASSERT_THAT(codes(r), ::testing::ElementsAre("payload_too_large", "xsrf"));
  EXPECT_EQ(r.status(), 413);
  EXPECT_EQ(r.found[0].message, "Payload content length greater than maximum allowed: 17");
  limits.max_payload = body.size();
  EXPECT_TRUE(check("POST", "/api/route/abc", {creds, json_type, xsrf}, body, limits).found.empty());

  // The default is Kibana's server.maxPayload.
  const std::string big = R"({"name":")" + std::string(1048576, 'a') + "\"}";
  auto d = check("POST", "/api/route/abc", {creds, json_type, xsrf}, big);
  ASSERT_FALSE(d.found.empty());
  EXPECT_EQ(d.status(), 413);
  EXPECT_EQ(d.found[0].message, "Payload content length greater than maximum allowed: 1048576");
}

TEST_F(kibana_profile, unsupported_media_type_is_415_before_xsrf) {
  auto r = check("POST", "/api/route/abc", {creds, {"Content-Type", "text/plain"}}, "name");
  ASSERT_THAT(codes(r), ::testing::ElementsAre("unsupported_media_type", "xsrf"));
  EXPECT_EQ(r.status(), 415);
  EXPECT_EQ(r.found[0].message, "Unsupported Media Type");
}

TEST_F(kibana_profile, a_route_without_a_version_header_is_served_with_its_oldest_version) {
  // The document marks elastic-api-version required; Kibana serves public routes without it.
  auto r = check("GET", "/api/route/abc", {creds});
  EXPECT_TRUE(r.found.empty()) << r.found[0].message;
  EXPECT_EQ(r.api_version, "2023-10-31");
  auto two = check("GET", "/api/two_versions", {creds});
  EXPECT_TRUE(two.found.empty());
  EXPECT_EQ(two.api_version, "2023-10-31");
  auto stated = check("GET", "/api/two_versions", {creds, {"Elastic-Api-Version", "2024-05-01"}});
  EXPECT_TRUE(stated.found.empty());
  EXPECT_EQ(stated.api_version, "2024-05-01");
  // Unversioned routes carry none.
  auto list = check("PUT", "/api/list", {creds, xsrf, json_type}, R"(["a"])");
  EXPECT_TRUE(list.found.empty());
  EXPECT_EQ(list.api_version, "");
}

TEST_F(kibana_profile, version_messages_are_kibanas) {
  struct version_case {
    const char* stated;
    const char* message;
  };
  const version_case cases[] = {
      {"2023-1-1", "Invalid version. Received \"2023-1-1\", expected a valid date string formatted as YYYY-MM-DD."},
      {"2023-02-30", "Invalid version. Received \"2023-02-30\", expected a valid date string formatted as YYYY-MM-DD."},
      {"1", "Invalid version. Received \"1\", expected a valid date string formatted as YYYY-MM-DD."},
      {"2099-01-01",
       "No version \"2099-01-01\" available for [get] [/api/route/{pattern}]. Available versions are: [2023-10-31]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.stated);
    auto r = check("GET", "/api/route/abc", {creds, {"elastic-api-version", c.stated}});
    ASSERT_EQ(r.found.size(), 1u);
    EXPECT_EQ(r.found[0].code, "api_version");
    EXPECT_EQ(r.found[0].status, 400);
    EXPECT_EQ(r.found[0].message, c.message);
    EXPECT_EQ(r.api_version, "") << "Kibana's version 400s carry no version";
  }
  auto leap = check("GET", "/api/two_versions", {creds, {"elastic-api-version", "2024-02-29"}});
  ASSERT_EQ(leap.found.size(), 1u);
  EXPECT_THAT(leap.found[0].message, ::testing::StartsWith("No version \"2024-02-29\" available for [get] [/api/two_versions]"));
  EXPECT_THAT(leap.found[0].message, ::testing::EndsWith("Available versions are: [2023-10-31, 2024-05-01]"));
}

TEST_F(kibana_profile, the_api_version_query_parameter_is_refused_where_not_declared) {
  auto r = check("GET", "/api/route/abc?apiVersion=2023-10-31", {creds});
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].code, "api_version");
  EXPECT_EQ(r.found[0].location, violation_location::query);
  EXPECT_EQ(r.found[0].message,
            "Use of query parameter \"apiVersion\" is not allowed. Please specify the API version using the "
            "\"elastic-api-version\" header.");
  EXPECT_EQ(r.api_version, "");
}

TEST_F(kibana_profile, a_missing_body_is_validated_as_null_even_when_not_required) {
  auto r = check("POST", "/api/route/abc", {creds, xsrf});
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].code, "missing_body");
  EXPECT_EQ(r.found[0].status, 400);
  EXPECT_EQ(r.found[0].message, "[request body]: expected a plain object value, but found [null] instead.");
  // Same with a JSON content type and no bytes.
  auto typed = check("POST", "/api/route/abc", {creds, xsrf, json_type});
  ASSERT_EQ(typed.found.size(), 1u);
  EXPECT_EQ(typed.found[0].message, "[request body]: expected a plain object value, but found [null] instead.");
  // A body schema that is not an object says its own type.
  auto list = check("PUT", "/api/list", {creds, xsrf});
  ASSERT_EQ(list.found.size(), 1u);
  EXPECT_EQ(list.found[0].message, "[request body]: expected value of type [array] but got [null]");
}

TEST_F(kibana_profile, one_of_fails_with_one_line_per_branch) {
  auto r = check("POST", "/api/route/abc", {creds, xsrf, json_type}, R"({"name":"n","owner":true})");
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].keyword, "oneOf");
  EXPECT_EQ(r.found[0].instance_pointer, "/owner");
  EXPECT_THAT(r.found[0].schema_pointer, ::testing::EndsWith("/properties/owner/oneOf"));
  EXPECT_EQ(r.found[0].message,
            "[request body.owner]: types that failed validation:\n"
            "- [request body.owner.0]: expected value of type [string] but got [boolean]\n"
            "- [request body.owner.1]: expected value of type [object] but got [boolean]");

  // A branch's failure deeper inside names its own path after the branch index.
  auto deep = check("POST", "/api/route/abc", {creds, xsrf, json_type}, R"({"name":"n","owner":{"id":"x"}})");
  ASSERT_EQ(deep.found.size(), 1u);
  EXPECT_EQ(deep.found[0].message,
            "[request body.owner]: types that failed validation:\n"
            "- [request body.owner.0]: expected value of type [string] but got [object]\n"
            "- [request body.owner.1.id]: expected value of type [integer] but got [string]");

  // A union inside a branch: its lines one level deeper, with their own paths (as @kbn/config-schema).
  auto nested = check("POST", "/api/route/abc", {creds, xsrf, json_type}, R"({"name":"n","nested":{"x":"s"}})");
  ASSERT_EQ(nested.found.size(), 1u);
  EXPECT_EQ(nested.found[0].message,
            "[request body.nested]: types that failed validation:\n"
            "- [request body.nested.0]: expected value of type [string] but got [object]\n"
            "- [request body.nested.1.x]: types that failed validation:\n"
            " - [request body.nested.x.0]: expected value of type [integer] but got [string]\n"
            " - [request body.nested.x.1]: expected value of type [boolean] but got [string]");
}

TEST(kibana_redirect, location_is_the_path_encoded_as_one_component) {
  EXPECT_EQ(kibana_trailing_slash_location("", true, "/api/cases/tags/"), "/api%2Fcases%2Ftags");
  EXPECT_EQ(kibana_trailing_slash_location("/kibana", true, "/kibana/api/cases/tags/"), "/kibana/api%2Fcases%2Ftags");
  EXPECT_EQ(kibana_trailing_slash_location("", true, "/s/my-space/api/x/"), "/s/my-space/api%2Fx");
  EXPECT_EQ(kibana_trailing_slash_location("", false, "/s/my-space/api/x/"), "/s%2Fmy-space%2Fapi%2Fx");
  EXPECT_EQ(kibana_trailing_slash_location("", true, "/api/a%20b/?owner=x&tags=a%20b&owner=y"),
            "/api%2Fa%20b?owner=x&owner=y&tags=a%20b");
  // Kibana's catch-all answers 404 for these.
  EXPECT_EQ(kibana_trailing_slash_location("", true, "/api/cases/tags"), "");
  EXPECT_EQ(kibana_trailing_slash_location("", true, "/"), "");
  EXPECT_EQ(kibana_trailing_slash_location("", true, "//api/"), "");
  EXPECT_EQ(kibana_trailing_slash_location("/kibana", true, "/other/api/"), "");
}

// Routing against the embedded Kibana contract (spec/kibana.yaml).
class kibana_routing : public request_check_fixture<kibana_routing> {
 public:
  static contract::build_result load() {
    return load_contract_file(specgate::testing::source_dir() + "/spec/kibana.yaml");
  }
};

const std::pair<std::string, std::string> api_key{"Authorization", "ApiKey c29tZTprZXk="};

TEST_F(kibana_routing, the_embedded_contract_is_kibana) { EXPECT_EQ((*contract_)->profile(), profile::kibana); }

TEST_F(kibana_routing, a_wrong_non_get_method_is_404_before_credentials) {
  auto r = check("DELETE", "/api/cases/tags", {});
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].code, "unknown_route");
  EXPECT_EQ(r.status(), 404);
  EXPECT_TRUE(r.allowed.empty()) << "Kibana has no 405";
  EXPECT_EQ(check("POST", "/api/nothing/here", {}).status(), 404);
}

TEST_F(kibana_routing, an_unknown_get_authenticates_first) {
  auto anonymous = check("GET", "/api/nothing/here", {});
  ASSERT_EQ(anonymous.found.size(), 1u);
  EXPECT_EQ(anonymous.found[0].code, "missing_credentials");
  EXPECT_EQ(anonymous.found[0].location, violation_location::security);
  EXPECT_EQ(anonymous.found[0].message, "Unauthorized");
  EXPECT_EQ(anonymous.status(), 401);
  EXPECT_TRUE(anonymous.challenges.empty()) << "Kibana sends no WWW-Authenticate";
  EXPECT_EQ(check("GET", "/api/nothing/here", {{"Authorization", "Negotiate abc"}}).status(), 401);
  auto known = check("GET", "/api/nothing/here", {api_key});
  EXPECT_EQ(known.status(), 404);
  EXPECT_EQ(known.found[0].code, "unknown_route");
  EXPECT_EQ(check("HEAD", "/api/nothing/here", {}).status(), 401);
}

TEST_F(kibana_routing, a_trailing_slash_is_not_stripped) {
  auto get = check("GET", "/api/cases/tags/", {api_key});
  ASSERT_EQ(get.found.size(), 1u);
  EXPECT_EQ(get.found[0].code, "trailing_slash");
  EXPECT_EQ(get.status(), 302);
  EXPECT_EQ(get.redirect_location, "/api%2Fcases%2Ftags");
  EXPECT_EQ(get.op, nullptr);
  EXPECT_EQ(check("GET", "/api/cases/tags/", {}).status(), 401);
  auto space = check("GET", "/s/marketing/api/cases/tags/?owner=cases", {api_key});
  EXPECT_EQ(space.redirect_location, "/s/marketing/api%2Fcases%2Ftags?owner=cases");
  auto post = check("POST", "/api/cases/configure/", {api_key, {"kbn-xsrf", "1"}});
  EXPECT_EQ(post.status(), 404);
  EXPECT_EQ(post.redirect_location, "");
}

TEST_F(kibana_routing, the_space_prefix_is_lower_case_ids_only) {
  auto r = check("GET", "/s/my_space-1/api/cases/tags", {api_key});
  ASSERT_TRUE(r.route);
  EXPECT_EQ(r.route->space_id, "my_space-1");
  EXPECT_TRUE(r.found.empty());
  EXPECT_EQ(check("GET", "/s/My-Space/api/cases/tags", {api_key}).status(), 404);
  EXPECT_EQ(check("GET", "/s/a.b/api/cases/tags", {api_key}).status(), 404);
}

}  // namespace
}  // namespace specgate::validator
