// The real binary over a socket with the embedded contract (kibana profile): Kibana's headers on
// every kind of answer, JSON as Kibana sends it, the version header rules, the 302 redirect.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <climits>

#include "integration/harness.h"

namespace specgate::testing {
namespace {


using nlohmann::json;

const std::string auth = "Authorization: ApiKey c29tZTprZXk=";

// Every header Kibana sends on every response, with its default value ("" = any non-empty value).
const std::vector<std::pair<std::string, std::string>> kibana_headers = {
    {"kbn-name", "specgate-test-kibana"},
    {"kbn-license-sig", ""},
    {"x-content-type-options", "nosniff"},
    {"referrer-policy", "strict-origin-when-cross-origin"},
    {"permissions-policy", "camera=(), display-capture=(), fullscreen=*, geolocation=(), microphone=(), web-share=()"},
    {"cross-origin-opener-policy", "same-origin"},
    {"content-security-policy",
     "script-src 'report-sample' 'self'; worker-src 'report-sample' 'self' blob:; style-src 'report-sample' 'self' "
     "'unsafe-inline'"},
    {"cache-control", "private, no-cache, no-store, must-revalidate"},
};

void expect_kibana_headers(const http_reply& r, const std::string& what) {
  for (const auto& [name, value] : kibana_headers) {
    if (value.empty())
      EXPECT_NE(r.header(name), "") << what << " lacks " << name;
    else
      EXPECT_EQ(r.header(name), value) << what << ": " << name;
  }
}

class kibana_mock : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    process_ = new specgate_process(
        {"mock", "--port", "0", "--threads", "2", "--quiet", "--server-name", "specgate-test-kibana"});
  }
  static void TearDownTestSuite() {
    delete process_;
    process_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(process_->running()) << process_->output(); }
  std::uint16_t port() const { return process_->port(); }
  static specgate_process* process_;
};
specgate_process* kibana_mock::process_ = nullptr;

TEST_F(kibana_mock, every_kind_of_answer_carries_kibanas_headers) {
  auto ok = http_request(port(), "GET", "/api/fleet/agents/setup", {auth});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  expect_kibana_headers(*ok, "a handler answer");

  auto fixture = http_request(port(), "GET", "/api/cases/tags?owner=observability", {auth});
  ASSERT_TRUE(fixture);
  EXPECT_EQ(fixture->status, 200);
  EXPECT_EQ(json::parse(fixture->body)[0], "observability") << "the embedded fixture";
  expect_kibana_headers(*fixture, "a fixture answer");

  auto xsrf = http_request(port(), "POST", "/api/cases/configure", {auth, "Content-Type: application/json"}, "{}");
  ASSERT_TRUE(xsrf);
  EXPECT_EQ(xsrf->status, 400);
  expect_kibana_headers(*xsrf, "the kbn-xsrf 400");

  auto unauthorized = http_request(port(), "GET", "/api/cases/tags");
  ASSERT_TRUE(unauthorized);
  EXPECT_EQ(unauthorized->status, 401);
  expect_kibana_headers(*unauthorized, "the 401");

  auto unknown = http_request(port(), "GET", "/api/does/not/exist", {auth});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  expect_kibana_headers(*unknown, "the unknown-route 404");

  auto wrong_method = http_request(port(), "PUT", "/api/fleet/agents/setup", {auth, "kbn-xsrf: x"});
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 404);
  expect_kibana_headers(*wrong_method, "the wrong-method 404");

  auto not_acceptable = http_request(port(), "GET", "/api/fleet/agents/setup", {auth, "Accept: image/png"});
  ASSERT_TRUE(not_acceptable);
  EXPECT_EQ(not_acceptable->status, 406);
  expect_kibana_headers(*not_acceptable, "the 406");

  // The server's own limit: answered from the header alone, before the body.
  auto too_big = http_exchange(port(),
                               "POST /api/cases HTTP/1.1\r\nHost: t\r\nContent-Length: 900000000\r\n"
                               "Expect: 100-continue\r\n" + auth + "\r\nkbn-xsrf: x\r\n\r\n");
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 413);
  EXPECT_EQ(json::parse(too_big->body),
            json::parse(R"({"statusCode":413,"error":"Request Entity Too Large",)"
                        R"("message":"Payload content length greater than maximum allowed: 1048576"})"))
      << "Kibana's 413 body, naming --max-payload";
  expect_kibana_headers(*too_big, "the server's own 413");

  auto admin = http_request(port(), "GET", "/__specgate/health");
  ASSERT_TRUE(admin);
  EXPECT_EQ(admin->status, 200);
  EXPECT_EQ(admin->header("kbn-name"), "") << "the admin endpoints are specgate's, not Kibana's";
}

TEST_F(kibana_mock, json_goes_as_kibana_sends_it_with_the_version_in_its_header) {
  auto ok = http_request(port(), "GET", "/api/fleet/agents/setup", {auth});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(ok->header("elastic-api-version"), "2023-10-31");
  EXPECT_EQ(ok->header("specgate-violations"), "");
}

TEST_F(kibana_mock, the_version_header_is_on_handler_answers_and_validation_400s_not_on_xsrf_or_version_400s) {
  auto validation = http_request(port(), "POST", "/api/cases/configure",
                                 {auth, "kbn-xsrf: x", "Content-Type: application/json"}, R"({"owner":1})");
  ASSERT_TRUE(validation);
  EXPECT_EQ(validation->status, 400) << validation->body;
  EXPECT_EQ(validation->header("elastic-api-version"), "2023-10-31") << "a validation 400";

  auto xsrf = http_request(port(), "POST", "/api/cases/configure", {auth, "Content-Type: application/json"}, "{}");
  ASSERT_TRUE(xsrf);
  EXPECT_EQ(xsrf->status, 400);
  EXPECT_EQ(xsrf->header("elastic-api-version"), "") << "the kbn-xsrf 400 comes before the versioned router";

  auto malformed = http_request(port(), "GET", "/api/fleet/agents/setup", {auth, "elastic-api-version: yesterday"});
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400) << malformed->body;
  EXPECT_EQ(malformed->header("elastic-api-version"), "") << "the version 400s carry no version header";
  expect_kibana_headers(*malformed, "the version 400");
}

TEST_F(kibana_mock, a_get_with_a_trailing_slash_is_redirected_with_kibanas_location) {
  auto r = http_request(port(), "GET", "/api/cases/tags/", {auth});
  ASSERT_TRUE(r);
  ASSERT_FALSE(r->status == 404) << "the request check must make this outcome: " << "the trailing-slash redirect";
  EXPECT_EQ(r->status, 302) << r->body;
  EXPECT_EQ(r->header("location"), "/api%2Fcases%2Ftags");
  expect_kibana_headers(*r, "the 302");
}

TEST(kibana_server_name, defaults_to_the_host_name) {
  specgate_process p({"mock", "--port", "0", "--quiet"});
  ASSERT_TRUE(p.running()) << p.output();
  char host[HOST_NAME_MAX + 1] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  auto r = http_request(p.port(), "GET", "/api/does/not/exist", {auth});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("kbn-name"), host);
}

}  // namespace
}  // namespace specgate::testing
