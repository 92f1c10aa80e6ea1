// The request check against our Kibana contract (spec/kibana.yaml): golden
// violation lists (location, code, pointer, status, message) in Kibana's order.
#include "validator/check/request_validator.h"

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

// hapi parses the payload before Kibana's kbn-xsrf check (onPostAuth).
TEST_F(request_check, kibanas_order_security_then_payload_then_xsrf) {
  auto r = check("POST", "/api/cases/configure", {json_type}, "{");
  ASSERT_EQ(r.found.size(), 3u);
  EXPECT_EQ(r.found[0].location, violation_location::security);
  EXPECT_EQ(r.found[1].code, "malformed_json");
  EXPECT_EQ(r.found[2].code, "xsrf");
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
  // Kibana's document (and ours) leaves requestBody.required at its default, false, but Kibana
  // validates the route's body schema against the null payload.
  auto none = check("POST", "/api/cases/configure", {api_key, xsrf});
  ASSERT_EQ(none.found.size(), 1u);
  EXPECT_EQ(none.found[0].code, "missing_body");
  EXPECT_EQ(none.found[0].message, "[request body]: expected a plain object value, but found [null] instead.");
  auto broken = check("POST", "/api/cases/configure", {api_key, xsrf, json_type}, "{\"owner\": ");
  ASSERT_EQ(broken.found.size(), 1u);
  EXPECT_EQ(broken.found[0].code, "malformed_json");
  EXPECT_THAT(broken.found[0].message, HasSubstr("Invalid request payload JSON format"));
  auto bad_utf8 = check("POST", "/api/cases/configure", {api_key, xsrf, json_type}, "{\"owner\": \"\xff\xfe\"}");
  ASSERT_EQ(bad_utf8.found.size(), 1u);
  EXPECT_EQ(bad_utf8.found[0].code, "malformed_json");
  // A number no double holds is a refusal naming where it is, never an exception.
  auto huge = check("POST", "/api/cases/configure", {api_key, xsrf, json_type}, R"({"owner": 1e999})");
  ASSERT_EQ(huge.found.size(), 1u);
  EXPECT_EQ(huge.found[0].code, "malformed_json");
  EXPECT_EQ(huge.found[0].message, "Invalid request payload JSON format");  // hapi's words exactly
  EXPECT_THAT(huge.found[0].found, HasSubstr("byte 11"));
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
  // A document with nothing of Kibana's is served under the openapi profile: OpenAPI's words.
  EXPECT_EQ(r.found[0].message, "the request body is required (requestBody.required: true) but the request has none");
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

// Form and multipart fields whose schema is an object, or an array of objects,
// travel as JSON text (curl -F 'retries=[{"type":"index-pattern","id":"a"}]').
namespace specgate::validator {
namespace {

constexpr std::string_view form_json_spec = R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /api/resolve:
    post:
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema: {$ref: '#/components/schemas/resolve'}
          application/x-www-form-urlencoded:
            schema: {$ref: '#/components/schemas/resolve'}
      responses: {'200': {description: ok}}
  /api/encoded:
    post:
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                count: {type: integer}
                ids: {type: array, items: {type: string}}
                note: {type: object, properties: {a: {type: integer}}}
                grid: {type: array, items: {type: array, items: {type: integer}}}
            encoding:
              count: {contentType: application/json}
              ids: {contentType: 'text/plain, application/json'}
              note: {contentType: text/plain}
      responses: {'200': {description: ok}}
components:
  schemas:
    resolve:
      type: object
      required: [retries]
      properties:
        file: {type: string, format: binary}
        retries:
          type: array
          items:
            type: object
            required: [type, id]
            properties:
              type: {type: string}
              id: {type: string}
              overwrite: {type: boolean}
              replaceReferences:
                type: array
                items:
                  type: object
                  properties: {type: {type: string}, from: {type: string}, to: {type: string}}
        options:
          type: object
          additionalProperties: false
          properties: {dryRun: {type: boolean}}
        tags: {type: array, items: {type: string}}
        counts: {type: array, items: {type: integer}}
        limit: {type: integer}
)";

struct part {
  part(std::string n, std::string v, std::string type = {}, std::string file = {})
      : name(std::move(n)), value(std::move(v)), content_type(std::move(type)), filename(std::move(file)) {}
  std::string name;
  std::string value;
  std::string content_type;  // empty: none
  std::string filename;      // empty: a plain field
};

std::string multipart(const std::vector<part>& parts) {
  std::string body;
  for (const auto& p : parts) {
    body += "--FormBoundary\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
    if (!p.filename.empty()) body += "; filename=\"" + p.filename + "\"";
    body += "\r\n";
    if (!p.content_type.empty()) body += "Content-Type: " + p.content_type + "\r\n";
    body += "\r\n" + p.value + "\r\n";
  }
  return body + "--FormBoundary--\r\n";
}

class form_json : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto built = load_contract_text(form_json_spec, "form.yaml");
    ASSERT_TRUE(built.value);
    contract_ = new std::shared_ptr<const contract>(built.value);
    checker_ = new request_validator(**contract_, body_limits{16});
  }
  static void TearDownTestSuite() {
    delete checker_;
    delete contract_;
  }
  request_outcome post(std::string target, const std::vector<part>& parts) {
    return send(std::move(target), "multipart/form-data; boundary=FormBoundary", multipart(parts));
  }
  request_outcome send(std::string target, std::string content_type, std::string body) {
    target_ = std::move(target);
    body_ = std::move(body);
    headers_ = {{"kbn-xsrf", "true"}, {"Content-Type", std::move(content_type)}};
    return checker_->check({"POST", target_, headers_, body_});
  }
  static std::string first_message(const request_outcome& r) { return r.found.empty() ? "" : r.found[0].message; }

  static inline std::shared_ptr<const contract>* contract_ = nullptr;
  static inline request_validator* checker_ = nullptr;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string target_, body_;
};

const part ndjson_file{"file", "{\"type\":\"index-pattern\",\"id\":\"my-pattern\"}\n", "application/ndjson", "file.ndjson"};

TEST_F(form_json, array_of_objects_sent_as_json_text_is_accepted) {
  auto r = post("/api/resolve", {ndjson_file,
                                 {"retries",
                                  R"([{"type":"index-pattern","id":"my-pattern","overwrite":true},)"
                                  R"({"type":"visualization","id":"v","replaceReferences":[{"type":"t","from":"a","to":"b"}]}])"}});
  EXPECT_TRUE(r.found.empty()) << first_message(r);
  auto spaced = post("/api/resolve", {{"retries", " \r\n [ {\"type\":\"a\",\"id\":\"b\"} ] "}});
  EXPECT_TRUE(spaced.found.empty()) << first_message(spaced);
  auto empty_list = post("/api/resolve", {{"retries", "[]"}});
  EXPECT_TRUE(empty_list.found.empty()) << first_message(empty_list);
}

TEST_F(form_json, parsed_items_are_validated_against_the_item_schema) {
  auto r = post("/api/resolve", {{"retries", R"([{"type":"a","id":"b","overwrite":"yes"}])"}});
  ASSERT_EQ(r.found.size(), 1u) << first_message(r);
  EXPECT_EQ(r.found[0].code, "type");
  EXPECT_EQ(r.found[0].instance_pointer, "/retries/0/overwrite");
  EXPECT_THAT(r.found[0].message, HasSubstr("[request body.retries.0.overwrite]"));
  auto missing = post("/api/resolve", {{"retries", R"([{"type":"a"}])"}});
  ASSERT_FALSE(missing.found.empty());
  EXPECT_EQ(missing.found[0].code, "required");
}

TEST_F(form_json, text_that_is_not_json_is_a_violation_naming_the_field) {
  for (const std::string& text : {std::string(R"([{"type":"a","id":)"), std::string("index-pattern:abc")}) {
    SCOPED_TRACE(text);
    auto r = post("/api/resolve", {{"retries", text}});
    ASSERT_EQ(r.found.size(), 1u) << first_message(r);
    EXPECT_EQ(r.found[0].code, "malformed_form");
    EXPECT_EQ(r.found[0].location, violation_location::body);
    EXPECT_EQ(r.found[0].name, "retries");
    EXPECT_EQ(r.found[0].instance_pointer, "/retries");
    EXPECT_EQ(r.found[0].message, "[request body.retries]: could not parse array value from json input");
    EXPECT_EQ(r.found[0].status, 400);
  }
  auto object = post("/api/resolve", {{"retries", "[]"}, {"options", "dryRun"}});
  ASSERT_EQ(object.found.size(), 1u) << first_message(object);
  EXPECT_EQ(object.found[0].name, "options");
  EXPECT_EQ(object.found[0].message, "[request body.options]: could not parse object value from json input");
}

TEST_F(form_json, repeated_parts_are_items_each_parsed_as_json) {
  auto r = post("/api/resolve", {{"retries", R"({"type":"a","id":"1"})"}, {"retries", R"({"type":"b","id":"2"})"}});
  EXPECT_TRUE(r.found.empty()) << first_message(r);
  auto single = post("/api/resolve", {{"retries", R"({"type":"a","id":"1"})"}});
  EXPECT_TRUE(single.found.empty()) << "one object where an array of objects is wanted is a one-item array: "
                                    << first_message(single);
  auto bad = post("/api/resolve", {{"retries", R"({"type":"a","id":"1"})"}, {"retries", "{oops"}});
  ASSERT_EQ(bad.found.size(), 1u) << first_message(bad);
  EXPECT_EQ(bad.found[0].code, "malformed_form");
  EXPECT_EQ(bad.found[0].instance_pointer, "/retries/1");
  EXPECT_EQ(bad.found[0].message, "[request body.retries.1]: could not parse object value from json input");
  auto invalid_item = post("/api/resolve", {{"retries", R"({"type":"a","id":"1"})"}, {"retries", R"({"type":"b"})"}});
  ASSERT_FALSE(invalid_item.found.empty());
  EXPECT_EQ(invalid_item.found[0].code, "required");
  EXPECT_THAT(invalid_item.found[0].instance_pointer, ::testing::StartsWith("/retries/1"));
}

TEST_F(form_json, object_fields_are_parsed_from_json_text) {
  auto r = post("/api/resolve", {{"retries", "[]"}, {"options", R"({"dryRun":true})"}});
  EXPECT_TRUE(r.found.empty()) << first_message(r);
  auto wrong = post("/api/resolve", {{"retries", "[]"}, {"options", R"({"dryRun":"soon"})"}});
  ASSERT_EQ(wrong.found.size(), 1u) << first_message(wrong);
  EXPECT_EQ(wrong.found[0].instance_pointer, "/options/dryRun");
  auto extra = post("/api/resolve", {{"retries", "[]"}, {"options", R"({"dryRun":true,"other":1})"}});
  ASSERT_FALSE(extra.found.empty());
  EXPECT_EQ(extra.found[0].code, "additionalProperties");
  auto number = post("/api/resolve", {{"retries", "[]"}, {"options", "5"}});
  ASSERT_EQ(number.found.size(), 1u) << first_message(number);
  EXPECT_EQ(number.found[0].code, "type") << "JSON that is not an object: the schema names the type";
}

TEST_F(form_json, a_part_declaring_json_content_type_is_parsed) {
  auto r = post("/api/resolve", {{"retries", R"([{"type":"a","id":"b"}])", "application/json; charset=utf-8"},
                                 {"limit", "7", "application/json"}});
  EXPECT_TRUE(r.found.empty()) << first_message(r);
  auto bad = post("/api/resolve", {{"retries", "[]"}, {"limit", "seven", "application/json"}});
  ASSERT_EQ(bad.found.size(), 1u) << first_message(bad);
  EXPECT_EQ(bad.found[0].code, "malformed_form");
  EXPECT_EQ(bad.found[0].message, "[request body.limit]: could not parse value from json input");
  // A file (a string schema) keeps its bytes whatever the part says it holds.
  auto file = post("/api/resolve", {{"retries", "[]"}, {"file", "{not json", "application/json", "a.json"}});
  EXPECT_TRUE(file.found.empty()) << first_message(file);
}

TEST_F(form_json, scalar_fields_and_scalar_arrays_keep_working) {
  auto r = post("/api/resolve", {{"retries", "[]"},
                                 {"tags", "a"},
                                 {"tags", "[b"},
                                 {"counts", "1"},
                                 {"counts", "2"},
                                 {"limit", "3"}});
  EXPECT_TRUE(r.found.empty()) << first_message(r);
  auto json_list = post("/api/resolve", {{"retries", "[]"}, {"tags", R"(["a","b"])"}, {"counts", "[1,2]"}});
  EXPECT_TRUE(json_list.found.empty()) << first_message(json_list);
  auto one_odd_tag = post("/api/resolve", {{"retries", "[]"}, {"tags", "[draft"}});
  EXPECT_TRUE(one_odd_tag.found.empty()) << "text that is not JSON is one string item: " << first_message(one_odd_tag);
  auto bad_count = post("/api/resolve", {{"retries", "[]"}, {"counts", "1"}, {"counts", "two"}});
  ASSERT_EQ(bad_count.found.size(), 1u) << first_message(bad_count);
  EXPECT_EQ(bad_count.found[0].code, "type");
  EXPECT_EQ(bad_count.found[0].instance_pointer, "/counts/1");
}

TEST_F(form_json, urlencoded_fields_are_parsed_the_same_way) {
  auto r = send("/api/resolve", "application/x-www-form-urlencoded",
                "retries=%5B%7B%22type%22%3A%22a%22%2C%22id%22%3A%22b%22%7D%5D&options=%7B%22dryRun%22%3Afalse%7D");
  EXPECT_TRUE(r.found.empty()) << first_message(r);
  auto bad = send("/api/resolve", "application/x-www-form-urlencoded", "retries=%5B%7B");
  ASSERT_EQ(bad.found.size(), 1u) << first_message(bad);
  EXPECT_EQ(bad.found[0].name, "retries");
}

TEST_F(form_json, json_deeper_than_the_limit_is_refused) {
  const std::string deep = "[" + std::string(20, '[') + std::string(20, ']') + "]";
  auto r = post("/api/resolve", {{"retries", deep}});
  ASSERT_EQ(r.found.size(), 1u) << first_message(r);
  EXPECT_EQ(r.found[0].code, "too_deep");
  EXPECT_EQ(r.found[0].name, "retries");
}

TEST_F(form_json, encoding_content_types_are_respected) {
  // count: contentType application/json -> must be JSON.
  auto count = post("/api/encoded", {{"count", "5"}});
  EXPECT_TRUE(count.found.empty()) << first_message(count);
  auto not_json = post("/api/encoded", {{"count", "five"}});
  ASSERT_EQ(not_json.found.size(), 1u);
  EXPECT_EQ(not_json.found[0].code, "malformed_form");
  EXPECT_EQ(not_json.found[0].name, "count");
  // ids: a list with JSON in it -> JSON; "[draft" is no longer a lenient one-item list.
  auto ids = post("/api/encoded", {{"ids", R"(["a","b"])"}});
  EXPECT_TRUE(ids.found.empty()) << first_message(ids);
  auto broken_ids = post("/api/encoded", {{"ids", "[draft"}});
  ASSERT_EQ(broken_ids.found.size(), 1u);
  EXPECT_EQ(broken_ids.found[0].message, "[request body.ids]: could not parse array value from json input");
  // note: contentType text/plain -> not read as JSON, so an object schema sees a string.
  auto note = post("/api/encoded", {{"note", R"({"a":1})"}});
  ASSERT_EQ(note.found.size(), 1u);
  EXPECT_EQ(note.found[0].code, "type");
  EXPECT_EQ(note.found[0].instance_pointer, "/note");
  // ...unless the part itself says it is JSON.
  auto declared = post("/api/encoded", {{"note", R"({"a":1})", "application/json"}});
  EXPECT_TRUE(declared.found.empty()) << first_message(declared);
  // grid: no encoding, items are arrays: "[[1,2],[3]]" is the whole value; repeated parts are rows.
  auto grid = post("/api/encoded", {{"grid", "[[1,2],[3]]"}});
  EXPECT_TRUE(grid.found.empty()) << first_message(grid);
  auto rows = post("/api/encoded", {{"grid", "[1,2]"}, {"grid", "[3]"}});
  EXPECT_TRUE(rows.found.empty()) << first_message(rows);
  auto bad_row = post("/api/encoded", {{"grid", "[1,2]"}, {"grid", "3"}});
  ASSERT_FALSE(bad_row.found.empty());
  EXPECT_THAT(bad_row.found[0].instance_pointer, ::testing::StartsWith("/grid/1"));
}

// The operation of Kibana's own document that needs all this.
TEST(form_json_kibana, resolve_import_errors_accepts_retries_as_json_text) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  auto built = load_contract_file(specgate::testing::kibana_spec_path());
  ASSERT_TRUE(built.value);
  request_validator checker(*built.value);
  const std::string body = multipart(
      {ndjson_file,
       {"retries", R"([{"type":"index-pattern","id":"my-pattern","overwrite":true},)"
                   R"({"type":"visualization","id":"my-vis","overwrite":true,"destinationId":"another-vis"}])"}});
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Authorization", "ApiKey c29tZTprZXk="},
      {"kbn-xsrf", "true"},
      {"Content-Type", "multipart/form-data; boundary=FormBoundary"}};
  auto r = checker.check({"POST", "/api/saved_objects/_resolve_import_errors", headers, body});
  ASSERT_NE(r.op, nullptr);
  EXPECT_EQ(r.op->operation_id, "resolveImportErrors");
  EXPECT_TRUE(r.found.empty()) << (r.found.empty() ? "" : r.found[0].message);
  const std::string bad = multipart({ndjson_file, {"retries", "[{\"type\":\"index-pattern\""}});
  auto refused = checker.check({"POST", "/api/saved_objects/_resolve_import_errors", headers, bad});
  ASSERT_EQ(refused.found.size(), 1u);
  EXPECT_EQ(refused.found[0].message, "[request body.retries]: could not parse array value from json input");
  EXPECT_EQ(refused.status(), 400);
}

}  // namespace
}  // namespace specgate::validator
