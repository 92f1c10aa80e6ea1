// The real binary over a socket with a petstore-style document (written for this test): the
// openapi profile answers only what the document says, with no Kibana header or rule anywhere.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "integration/harness.h"

namespace specgate::testing {
namespace {


using nlohmann::json;

constexpr const char* petstore = R"(openapi: 3.0.3
info:
  title: Petstore
  version: 1.0.0
components:
  securitySchemes:
    basicAuth: {type: http, scheme: basic}
    bearerAuth: {type: http, scheme: bearer}
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer}
        name: {type: string}
        tag: {type: string}
    NewPet:
      type: object
      required: [name]
      additionalProperties: false
      properties:
        name: {type: string, minLength: 1}
        tag: {type: string}
    Error:
      type: object
      required: [code, message]
      additionalProperties: false
      properties:
        code: {type: integer}
        message: {type: string}
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 100}}
      responses:
        '200':
          description: the pets
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
              example: [{id: 1, name: Rex}]
    post:
      operationId: createPet
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewPet'}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
              example: {id: 2, name: Tom}
        '400':
          description: refused
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Error'}
  /pets/{petId}:
    get:
      operationId: showPetById
      parameters:
        - {name: petId, in: path, required: true, schema: {type: integer}}
      responses:
        '200':
          description: one pet
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
              example: {id: 1, name: Rex}
  /owners:
    get:
      operationId: listOwners
      security: [{basicAuth: []}]
      responses:
        '200':
          description: owners
          content:
            application/json:
              schema: {type: array, items: {type: string}}
              example: [ann]
  /vets:
    get:
      operationId: listVets
      security: [{bearerAuth: []}]
      responses:
        '200':
          description: vets
          content:
            application/json:
              schema: {type: array, items: {type: string}}
              example: [bob]
)";

// Kibana's headers: none of them may appear on any answer under openapi.
const std::vector<std::string> kibana_header_names = {
    "kbn-name",        "kbn-license-sig",         "x-content-type-options", "referrer-policy",
    "permissions-policy", "cross-origin-opener-policy", "content-security-policy", "cache-control",
    "elastic-api-version"};

std::filesystem::path temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("specgate_openapi_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::filesystem::path write(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file) << text;
  return file;
}

void expect_no_kibana_header(const http_reply& r, const std::string& what) {
  for (const auto& name : kibana_header_names) EXPECT_EQ(r.header(name), "") << what << " carries " << name;
}

// A problem+json answer (RFC 9457) listing the violations.
void expect_problem(const http_reply& r, int status, const std::string& what) {
  EXPECT_EQ(r.status, status) << what << ": " << r.body;
  EXPECT_EQ(r.header("content-type"), "application/problem+json") << what;
  const json body = json::parse(r.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << what << ": " << r.body;
  EXPECT_EQ(body["type"], "about:blank") << what;
  EXPECT_EQ(body["status"], status) << what;
  EXPECT_TRUE(body["title"].is_string()) << what;
  EXPECT_TRUE(body["detail"].is_string()) << what;
  EXPECT_FALSE(body.contains("statusCode")) << "not Kibana's envelope: " << what;
}

class openapi_mock : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(temp_dir("petstore"));
    const auto spec = write(*dir_ / "petstore.yaml", petstore);
    std::filesystem::create_directories(*dir_ / "fixtures");
    write(*dir_ / "fixtures" / "showPetById.yaml",
          "- name: nine\n  when:\n    path:\n      petId: 9\n  body: {id: 9, name: Fixture}\n");
    process_ = new specgate_process({"mock", "--spec", spec.string(), "--port", "0", "--threads", "2", "--fixtures",
                                     (*dir_ / "fixtures").string(), "--max-payload", "200", "--quiet"});
  }
  static void TearDownTestSuite() {
    delete process_;
    process_ = nullptr;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(process_->running()) << process_->output(); }
  std::uint16_t port() const { return process_->port(); }
  static specgate_process* process_;
  static std::filesystem::path* dir_;
};
specgate_process* openapi_mock::process_ = nullptr;
std::filesystem::path* openapi_mock::dir_ = nullptr;

TEST_F(openapi_mock, the_ready_line_names_the_profile_and_why) {
  EXPECT_NE(process_->output().find("profile openapi (auto: no Kibana marks)"), std::string::npos)
      << process_->output();
}

TEST_F(openapi_mock, answers_as_documented_without_any_kibana_header) {
  auto list = http_request(port(), "GET", "/pets");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 200);
  EXPECT_EQ(json::parse(list->body), json::parse(R"([{"id":1,"name":"Rex"}])"));
  EXPECT_EQ(list->header("content-type"), "application/json") << "the key as the document writes it";
  expect_no_kibana_header(*list, "GET /pets");

  auto fixture = http_request(port(), "GET", "/pets/9");
  ASSERT_TRUE(fixture);
  EXPECT_EQ(fixture->status, 200);
  EXPECT_EQ(json::parse(fixture->body)["name"], "Fixture");
  expect_no_kibana_header(*fixture, "a fixture answer");
}

TEST_F(openapi_mock, a_write_without_kbn_xsrf_is_served) {
  auto created = http_request(port(), "POST", "/pets", {"Content-Type: application/json"}, R"({"name":"Tom"})");
  ASSERT_TRUE(created);
  ASSERT_FALSE(created->header("specgate-violations").find("\"xsrf\"") != std::string::npos) << "the request check must make this outcome: " << "kbn-xsrf asked for under openapi";
  EXPECT_EQ(created->status, 201) << created->body << " " << created->header("specgate-violations");
  EXPECT_EQ(created->header("specgate-violations"), "");
  EXPECT_EQ(json::parse(created->body)["name"], "Tom");
  expect_no_kibana_header(*created, "POST /pets");
}

TEST_F(openapi_mock, invalid_requests_get_problem_json_with_the_violations) {
  auto bad_path = http_request(port(), "GET", "/pets/abc");
  ASSERT_TRUE(bad_path);
  expect_problem(*bad_path, 400, "a path parameter that is not an integer");
  const json body = json::parse(bad_path->body);
  ASSERT_TRUE(body["violations"].is_array());
  ASSERT_FALSE(body["violations"].empty());
  EXPECT_EQ(body["violations"][0]["location"], "path");
  EXPECT_EQ(body["violations"][0]["name"], "petId");
  EXPECT_EQ(body["violations"], json::parse(bad_path->header("specgate-violations")))
      << "the body's member and the header render the same data";
  expect_no_kibana_header(*bad_path, "the 400");

  auto bad_query = http_request(port(), "GET", "/pets?limit=1000");
  ASSERT_TRUE(bad_query);
  expect_problem(*bad_query, 400, "a query parameter over its maximum");
  EXPECT_EQ(json::parse(bad_query->body)["violations"][0]["name"], "limit");

  auto unknown = http_request(port(), "GET", "/nothing/here");
  ASSERT_TRUE(unknown);
  expect_problem(*unknown, 404, "an unknown route");
  expect_no_kibana_header(*unknown, "the unknown-route 404");
}

TEST_F(openapi_mock, the_operations_declared_error_schema_is_honoured) {
  auto refused = http_request(port(), "POST", "/pets", {"Content-Type: application/json"}, R"({"name":""})");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400) << refused->body;
  const json body = json::parse(refused->body);
  ASSERT_TRUE(body.is_object()) << refused->body;
  EXPECT_EQ(body["code"], 400) << "the schema's own code says the status: " << refused->body;
  ASSERT_TRUE(body["message"].is_string()) << refused->body;
  EXPECT_NE(body["message"].get<std::string>().find("request body.name"), std::string::npos)
      << "the schema's own message says what was wrong, not a placeholder: " << refused->body;
  EXPECT_EQ(body.size(), 2u) << "Error forbids other members: " << refused->body;
  EXPECT_NE(refused->header("specgate-violations"), "") << "the violations still travel in the header";
  expect_no_kibana_header(*refused, "the declared 400");
}

TEST_F(openapi_mock, a_body_over_max_payload_gets_problem_json_413) {
  auto big = http_request(port(), "POST", "/pets", {"Content-Type: application/json"},
                          R"({"name":")" + std::string(300, 'x') + R"("})");
  ASSERT_TRUE(big);
  expect_problem(*big, 413, "a body over --max-payload");
  expect_no_kibana_header(*big, "the server's own 413");
}

TEST_F(openapi_mock, an_undeclared_method_gets_405_with_allow) {
  auto wrong = http_request(port(), "DELETE", "/pets");
  ASSERT_TRUE(wrong);
  ASSERT_FALSE(wrong->status == 404) << "the request check must make this outcome: " << "405 for an undeclared method";
  expect_problem(*wrong, 405, "DELETE on a path with GET and POST");
  const std::string allow = wrong->header("allow");  // GET, POST (and HEAD, which GET implies)
  EXPECT_EQ(allow.rfind("GET, POST", 0), 0u) << allow;
  EXPECT_EQ(allow.find("DELETE"), std::string::npos) << allow;
  expect_no_kibana_header(*wrong, "the 405");
}

TEST_F(openapi_mock, http_basic_and_bearer_get_their_challenge_on_401) {
  auto basic = http_request(port(), "GET", "/owners");
  ASSERT_TRUE(basic);
  ASSERT_FALSE(basic->status == 401 && basic->header("www-authenticate").empty()) << "the request check must make this outcome: " << "WWW-Authenticate challenges";
  expect_problem(*basic, 401, "basic without credentials");
  EXPECT_EQ(basic->header("www-authenticate").rfind("Basic", 0), 0u) << basic->header("www-authenticate");
  expect_no_kibana_header(*basic, "the basic 401");

  auto bearer = http_request(port(), "GET", "/vets");
  ASSERT_TRUE(bearer);
  expect_problem(*bearer, 401, "bearer without credentials");
  EXPECT_EQ(bearer->header("www-authenticate").rfind("Bearer", 0), 0u) << bearer->header("www-authenticate");

  auto allowed = http_request(port(), "GET", "/vets", {"Authorization: Bearer abc"});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
  EXPECT_EQ(allowed->header("www-authenticate"), "");
}

// ------------------------------------------------------------ auto detection

std::string ready_line(const std::vector<std::string>& args) {
  specgate_process p(args);
  return p.running() ? p.output() : "not running: " + p.output();
}

TEST(profile_auto, embedded_contract_is_kibana_petstore_is_openapi_a_kbn_xsrf_parameter_is_kibana) {
  EXPECT_NE(ready_line({"mock", "--port", "0", "--quiet"}).find("profile kibana (auto: info.title)"), std::string::npos);

  const auto dir = temp_dir("auto");
  const auto spec = write(dir / "petstore.yaml", petstore);
  EXPECT_NE(ready_line({"mock", "--spec", spec.string(), "--port", "0", "--quiet"}).find("profile openapi (auto: no Kibana marks)"),
            std::string::npos);
  EXPECT_NE(ready_line({"mock", "--spec", spec.string(), "--port", "0", "--quiet", "--profile", "kibana"})
                .find("profile kibana (--profile kibana)"),
            std::string::npos);

  const auto xsrf_only = write(dir / "xsrf.yaml", R"(openapi: 3.0.3
info: {title: Cases, version: '1'}
paths:
  /api/things:
    post:
      operationId: createThing
      parameters:
        - {name: kbn-xsrf, in: header, required: true, schema: {type: string}}
      responses:
        '200': {description: ok}
)");
  EXPECT_NE(ready_line({"mock", "--spec", xsrf_only.string(), "--port", "0", "--quiet"})
                .find("profile kibana (auto: header parameter kbn-xsrf)"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(profile_choice, openapi_forced_on_the_embedded_contract_drops_kibanas_headers) {
  specgate_process p({"mock", "--port", "0", "--quiet", "--profile", "openapi"});
  ASSERT_TRUE(p.running()) << p.output();
  EXPECT_NE(p.output().find("profile openapi (--profile openapi)"), std::string::npos) << p.output();
  auto r = http_request(p.port(), "GET", "/api/does/not/exist", {"Authorization: ApiKey c29tZTprZXk="});
  ASSERT_TRUE(r);
  expect_problem(*r, 404, "unknown route under --profile openapi");
  expect_no_kibana_header(*r, "unknown route under --profile openapi");
}

TEST(profile_choice, an_unknown_profile_is_a_usage_error) {
  specgate_process p({"mock", "--port", "0", "--profile", "prism"});
  EXPECT_FALSE(p.running());
  EXPECT_NE(p.output().find("--profile"), std::string::npos) << p.output();
}

}  // namespace
}  // namespace specgate::testing
