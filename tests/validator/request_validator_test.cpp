// The request check against our Kibana contract (spec/kibana.yaml): golden
// violation lists (location, code, pointer, status, message) in Kibana's order.
#include "validator/request_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace specgate::validator {
namespace {

using ::testing::HasSubstr;

class request_check : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto built = load_contract_file(specgate::testing::source_dir() + "/spec/kibana.yaml");
    ASSERT_TRUE(built.value);
    contract_ = new std::shared_ptr<const contract>(built.value);
    checker_ = new request_validator(**contract_);
  }
  static void TearDownTestSuite() {
    delete checker_;
    delete contract_;
  }

  request_outcome check(std::string method, std::string target, std::vector<std::pair<std::string, std::string>> headers,
                        std::string body = {}) {
    headers_ = std::move(headers);
    method_ = std::move(method);
    target_ = std::move(target);
    body_ = std::move(body);
    return checker_->check({method_, target_, headers_, body_});
  }
  static std::string example_body() {
    const auto* op = (*contract_)->find("setCaseConfigurationDefaultSpace");
    return op->body->content.at(0).examples.at(0).value->dump();
  }
  static json example_json() { return json::parse(example_body()); }

  static inline std::shared_ptr<const contract>* contract_ = nullptr;
  static inline request_validator* checker_ = nullptr;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string method_, target_, body_;
};

const std::pair<std::string, std::string> api_key{"Authorization", "ApiKey c29tZTprZXk="};
const std::pair<std::string, std::string> xsrf{"kbn-xsrf", "true"};
const std::pair<std::string, std::string> json_type{"Content-Type", "application/json"};

TEST_F(request_check, unknown_route_is_404_and_nothing_else) {
  auto r = check("GET", "/api/nothing/here", {api_key});
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].location, violation_location::route);
  EXPECT_EQ(r.found[0].status, 404);
  EXPECT_EQ(r.status(), 404);
  EXPECT_EQ(r.op, nullptr);
}

TEST_F(request_check, valid_get_has_no_violation) {
  auto r = check("GET", "/api/fleet/agents/setup", {api_key});
  ASSERT_NE(r.op, nullptr);
  EXPECT_EQ(r.op->operation_id, "get-fleet-agents-setup");
  EXPECT_TRUE(r.found.empty()) << r.found[0].message;
}

struct credential_case {
  const char* name;
  const char* authorization;  // nullptr = no header
  bool accepted;
};

TEST_F(request_check, credentials_table) {
  const credential_case cases[] = {
      {"none", nullptr, false},
      {"api key", "ApiKey c29tZTprZXk=", true},
      {"api key, scheme case-insensitive", "apikey c29tZTprZXk=", true},
      {"api key, not base64", "ApiKey not*base64!", false},
      {"api key, empty", "ApiKey ", false},
      {"basic user:pass", "Basic dXNlcjpwYXNz", true},
      {"basic, no colon", "Basic dXNlcnBhc3M=", false},
      {"basic, not base64", "Basic %%%%", false},
      {"bearer is not declared", "Bearer abc", false},
      {"unknown scheme", "Negotiate abc", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::pair<std::string, std::string>> headers;
    if (c.authorization) headers.emplace_back("authorization", c.authorization);
    auto r = check("GET", "/api/cases/tags", headers);
    if (c.accepted) {
      EXPECT_TRUE(r.found.empty());
    } else {
      ASSERT_FALSE(r.found.empty());
      EXPECT_EQ(r.found[0].location, violation_location::security);
      EXPECT_EQ(r.found[0].code, c.authorization ? "invalid_credentials" : "missing_credentials");
      EXPECT_EQ(r.status(), 401);
      EXPECT_EQ(r.found[0].found.find("dXNlcjpwYXNz"), std::string::npos) << "never echo credentials";
    }
  }
}

TEST_F(request_check, writes_need_kbn_xsrf_even_when_not_declared) {
  auto r = check("POST", "/api/cases/configure", {api_key, json_type}, example_body());
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].code, "xsrf");
  EXPECT_EQ(r.found[0].message, "Request must contain a kbn-xsrf header.");
  EXPECT_EQ(r.status(), 400);
  EXPECT_TRUE(check("POST", "/api/cases/configure", {api_key, json_type, {"kbn-version", "8.17.0"}}, example_body()).found.empty());
  EXPECT_TRUE(check("POST", "/api/cases/configure", {api_key, json_type, xsrf}, example_body()).found.empty());
}

TEST_F(request_check, kibanas_order_security_then_xsrf_then_body) {
  auto r = check("POST", "/api/cases/configure", {json_type}, "{");
  ASSERT_EQ(r.found.size(), 3u);
  EXPECT_EQ(r.found[0].location, violation_location::security);
  EXPECT_EQ(r.found[1].code, "xsrf");
  EXPECT_EQ(r.found[2].code, "malformed_json");
  EXPECT_EQ(r.status(), 401);
}

TEST_F(request_check, api_version_must_be_known) {
  auto ok = check("POST", "/api/cases/configure", {api_key, xsrf, json_type, {"elastic-api-version", "2023-10-31"}},
                  example_body());
  EXPECT_TRUE(ok.found.empty());
  auto r = check("POST", "/api/cases/configure", {api_key, xsrf, json_type, {"Elastic-Api-Version", "2099-01-01"}},
                 example_body());
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].code, "api_version");
  EXPECT_EQ(r.found[0].message,
            "No version \"2099-01-01\" available for [post] [/api/cases/configure]. Available versions are: [2023-10-31]");
}

TEST_F(request_check, media_types_match_essence_and_parameters_case_insensitively) {
  for (const char* type : {"application/json", "Application/JSON; charset=UTF-8",
                           "application/json; Elastic-Api-Version=2023-10-31", "application/json;elastic-api-version=2023-10-31"}) {
    SCOPED_TRACE(type);
    EXPECT_TRUE(check("POST", "/api/cases/configure", {api_key, xsrf, {"content-type", type}}, example_body()).found.empty());
  }
  auto r = check("POST", "/api/cases/configure", {api_key, xsrf, {"content-type", "text/xml"}}, example_body());
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].code, "unsupported_media_type");
  EXPECT_EQ(r.found[0].location, violation_location::content_type);
  EXPECT_EQ(r.status(), 415);
  auto contradicting = check("POST", "/api/cases/configure",
                             {api_key, xsrf, {"content-type", "application/json; elastic-api-version=2099-01-01"}}, example_body());
  EXPECT_EQ(contradicting.status(), 415);
}

TEST_F(request_check, body_violations_name_the_field_like_kibana) {
  json body = example_json();
  body["connector"]["id"] = 5;
  auto r = check("POST", "/api/cases/configure", {api_key, xsrf, json_type}, body.dump());
  ASSERT_FALSE(r.found.empty());
  EXPECT_EQ(r.found[0].location, violation_location::body);
  EXPECT_EQ(r.found[0].instance_pointer, "/connector/id");
  EXPECT_EQ(r.found[0].message, "[request body.connector.id]: expected value of type [string] but got [number]");
  EXPECT_THAT(r.found[0].schema_pointer, HasSubstr("#/"));
}

TEST_F(request_check, missing_required_property) {
  json body = example_json();
  body.erase("owner");
  auto r = check("POST", "/api/cases/configure", {api_key, xsrf, json_type}, body.dump());
  ASSERT_FALSE(r.found.empty());
  EXPECT_EQ(r.found[0].instance_pointer, "/owner");
  EXPECT_THAT(r.found[0].message, HasSubstr("[request body.owner]: expected value"));
  EXPECT_THAT(r.found[0].message, HasSubstr("[undefined]"));
}

TEST_F(request_check, every_body_violation_is_collected_in_a_stable_order) {
  json body = example_json();
  body["connector"]["id"] = 5;
  body["connector"]["name"] = true;
  body.erase("owner");
  auto a = check("POST", "/api/cases/configure", {api_key, xsrf, json_type}, body.dump());
  auto b = check("POST", "/api/cases/configure", {api_key, xsrf, json_type}, body.dump());
  ASSERT_GE(a.found.size(), 3u);
  ASSERT_EQ(a.found.size(), b.found.size());
  for (std::size_t i = 0; i < a.found.size(); ++i) EXPECT_EQ(a.found[i].message, b.found[i].message);
}

TEST_F(request_check, missing_and_malformed_bodies) {
  // Kibana's document (and ours) leaves requestBody.required at its default, false: no body is allowed.
  EXPECT_TRUE(check("POST", "/api/cases/configure", {api_key, xsrf}).found.empty());
  auto broken = check("POST", "/api/cases/configure", {api_key, xsrf, json_type}, "{\"owner\": ");
  ASSERT_EQ(broken.found.size(), 1u);
  EXPECT_EQ(broken.found[0].code, "malformed_json");
  EXPECT_THAT(broken.found[0].message, HasSubstr("Invalid request payload JSON format"));
  auto bad_utf8 = check("POST", "/api/cases/configure", {api_key, xsrf, json_type}, "{\"owner\": \"\xff\xfe\"}");
  ASSERT_EQ(bad_utf8.found.size(), 1u);
  EXPECT_EQ(bad_utf8.found[0].code, "malformed_json");
}

TEST_F(request_check, deeply_nested_json_is_refused_without_recursion) {
  std::string deep(200000, '[');
  deep += std::string(200000, ']');
  auto r = check("POST", "/api/cases/configure", {api_key, xsrf, json_type}, deep);
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].code, "too_deep");
  EXPECT_EQ(r.status(), 400);
}

TEST_F(request_check, space_prefix_is_checked_like_the_plain_route) {
  auto r = check("POST", "/s/dev/api/cases/configure", {api_key, json_type}, example_body());
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].code, "xsrf");
}

TEST(request_body, a_required_body_must_be_there) {
  auto built = load_contract_text(R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /api/x:
    post:
      requestBody:
        required: true
        content:
          application/json: {schema: {type: object}}
      responses: {'200': {description: ok}}
)", "required-body.yaml");
  ASSERT_TRUE(built.value);
  request_validator checker(*built.value);
  std::vector<std::pair<std::string, std::string>> headers = {{"kbn-xsrf", "1"}};
  auto r = checker.check({"POST", "/api/x", headers, ""});
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].code, "missing_body");
  EXPECT_EQ(r.found[0].message, "[request body]: expected a plain object value, but found [null] instead.");
  EXPECT_EQ(r.status(), 400);
  EXPECT_TRUE(checker.check({"POST", "/api/x", headers, "{}"}).found.empty()) << "no Content-Type: parsed as JSON";
}

TEST(request_helpers, base64_and_kibana_fields) {
  EXPECT_TRUE(is_base64("dXNlcjpwYXNz"));
  EXPECT_TRUE(is_base64("YQ=="));
  EXPECT_TRUE(is_base64("YQ"));
  EXPECT_FALSE(is_base64("YQ="));
  EXPECT_FALSE(is_base64("Y"));
  EXPECT_FALSE(is_base64("a*b="));
  EXPECT_EQ(decode_base64("dXNlcjpwYXNz").value(), "user:pass");
  EXPECT_EQ(kibana_field("request body", ""), "request body");
  EXPECT_EQ(kibana_field("request body", "/connector/type"), "request body.connector.type");
  EXPECT_EQ(kibana_field("request query", "/ids/0"), "request query.ids.0");
}

}  // namespace
}  // namespace specgate::validator

namespace specgate::validator {
namespace {

class parameter_check : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto built = load_contract_file(specgate::testing::source_dir() + "/spec/kibana.yaml");
    ASSERT_TRUE(built.value);
    contract_ = new std::shared_ptr<const contract>(built.value);
    checker_ = new request_validator(**contract_);
  }
  static void TearDownTestSuite() {
    delete checker_;
    delete contract_;
  }
  request_outcome check(std::string method, std::string target, std::vector<std::pair<std::string, std::string>> headers) {
    headers_ = std::move(headers);
    method_ = std::move(method);
    target_ = std::move(target);
    return checker_->check({method_, target_, headers_, {}});
  }
  static inline std::shared_ptr<const contract>* contract_ = nullptr;
  static inline request_validator* checker_ = nullptr;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string method_, target_;
};

const std::pair<std::string, std::string> key{"Authorization", "ApiKey c29tZTprZXk="};
const std::pair<std::string, std::string> xsrf_header{"kbn-xsrf", "true"};

TEST_F(parameter_check, required_query_array_missing_reads_like_kibana) {
  auto r = check("DELETE", "/api/cases", {key, xsrf_header});
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].location, violation_location::query);
  EXPECT_EQ(r.found[0].name, "ids");
  EXPECT_EQ(r.found[0].message, "[request query.ids]: expected value of type [array] but got [undefined]");
  EXPECT_EQ(r.status(), 400);
}

TEST_F(parameter_check, repeated_keys_and_single_values_become_arrays) {
  EXPECT_TRUE(check("DELETE", "/api/cases?ids=a", {key, xsrf_header}).found.empty());
  EXPECT_TRUE(check("DELETE", "/api/cases?ids=a&ids=b", {key, xsrf_header}).found.empty());
  EXPECT_TRUE(check("DELETE", "/s/dev/api/cases?ids=a%20b", {key, xsrf_header}).found.empty());
}

TEST_F(parameter_check, array_bounds_are_enforced_on_decoded_values) {
  std::string target = "/api/cases?";
  for (int i = 0; i < 101; ++i) target += "ids=" + std::to_string(i) + "&";
  auto r = check("DELETE", target, {key, xsrf_header});
  ASSERT_EQ(r.found.size(), 1u);
  EXPECT_EQ(r.found[0].location, violation_location::query);
  EXPECT_EQ(r.found[0].keyword, "maxItems");
}

TEST_F(parameter_check, declared_kbn_xsrf_is_satisfied_by_kbn_version_like_kibana) {
  auto r = check("DELETE", "/api/cases?ids=a", {key, {"kbn-version", "8.17.0"}});
  EXPECT_TRUE(r.found.empty()) << r.found[0].message;
  auto missing = check("DELETE", "/api/cases?ids=a", {key});
  ASSERT_EQ(missing.found.size(), 1u) << "one xsrf violation, not a second one for the declared header";
  EXPECT_EQ(missing.found[0].code, "xsrf");
}

}  // namespace
}  // namespace specgate::validator

namespace specgate::validator {
namespace {

constexpr std::string_view media_spec = R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /api/upload:
    post:
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file, count]
              properties:
                file: {type: string, format: binary}
                count: {type: integer, minimum: 1}
                overwrite: {type: boolean}
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [count]
              properties:
                count: {type: integer, minimum: 1}
                tags: {type: array, items: {type: string}}
          application/x-ndjson:
            schema:
              type: object
              required: [id]
              properties: {id: {type: string}}
          text/plain:
            schema: {type: string, maxLength: 5}
          application/octet-stream:
            schema: {type: string, format: binary}
      responses: {'200': {description: ok}}
)";

struct media_case {
  const char* name;
  const char* content_type;
  std::string body;
  std::vector<std::string> codes;  // expected violation codes, in order
};

TEST(request_media_types, each_media_type_is_read_and_validated) {
  auto built = load_contract_text(media_spec, "media.yaml");
  ASSERT_TRUE(built.value);
  request_validator checker(*built.value);
  const std::string part_file = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
                                "Content-Type: application/octet-stream\r\n\r\n\x01\x02\r\n";
  const std::string part_count = "--XyZ\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\n3\r\n";
  const std::string part_zero = "--XyZ\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\n0\r\n";
  const media_case cases[] = {
      {"multipart ok", "multipart/form-data; boundary=XyZ", part_file + part_count + "--XyZ--\r\n", {}},
      {"multipart quoted boundary", "multipart/form-data; boundary=\"XyZ\"", part_file + part_count + "--XyZ--\r\n", {}},
      {"multipart missing part", "multipart/form-data; boundary=XyZ", part_count + "--XyZ--\r\n", {"required"}},
      {"multipart bad value", "multipart/form-data; boundary=XyZ", part_file + part_zero + "--XyZ--\r\n", {"minimum"}},
      {"multipart no boundary", "multipart/form-data", part_count, {"malformed_form"}},
      {"multipart unterminated", "multipart/form-data; boundary=XyZ", "--XyZ\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\n3", {"malformed_form"}},
      {"urlencoded ok", "application/x-www-form-urlencoded", "count=2&tags=a&tags=b", {}},
      {"urlencoded type", "application/x-www-form-urlencoded", "count=two", {"type"}},
      {"ndjson ok", "application/x-ndjson", "{\"id\":\"a\"}\n{\"id\":\"b\"}\n", {}},
      {"ndjson second line bad", "application/x-ndjson", "{\"id\":\"a\"}\n{\"id\":1}\n", {"type"}},
      {"ndjson malformed line", "application/x-ndjson", "{\"id\":\"a\"}\n{oops\n", {"malformed_json"}},
      {"text ok", "text/plain; charset=utf-8", "abc", {}},
      {"text too long", "text/plain", "abcdef", {"maxLength"}},
      {"octet stream", "application/octet-stream", std::string("\x00\xff", 2), {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::pair<std::string, std::string>> headers = {{"kbn-xsrf", "1"}, {"Content-Type", c.content_type}};
    auto r = checker.check({"POST", "/api/upload", headers, c.body});
    std::vector<std::string> codes;
    for (const auto& v : r.found) codes.push_back(v.code);
    if (c.codes.empty()) EXPECT_TRUE(codes.empty()) << (r.found.empty() ? "" : r.found[0].message);
    else {
      ASSERT_FALSE(codes.empty());
      EXPECT_EQ(codes.front(), c.codes.front()) << r.found[0].message;
    }
  }
  auto ndjson = checker.check({"POST", "/api/upload", std::vector<std::pair<std::string, std::string>>{{"kbn-xsrf", "1"}, {"Content-Type", "application/x-ndjson"}},
                               "{\"id\":\"a\"}\n{\"id\":1}\n"});
  ASSERT_FALSE(ndjson.found.empty());
  EXPECT_EQ(ndjson.found[0].instance_pointer, "/1/id") << "the line number leads the pointer";
}

}  // namespace
}  // namespace specgate::validator
