#include "server/mock_service.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace specgate::server {
namespace {

using nlohmann::json;

TEST(violations_header, lists_every_violation_as_json) {
  validator::violations found(2);
  found[0].code = "xsrf";
  found[0].location = validator::violation_location::header;
  found[0].name = "kbn-xsrf";
  found[0].message = "Request must contain a kbn-xsrf header.";
  found[1].code = "type";
  found[1].instance_pointer = "/owner";
  found[1].message = "[request body.owner]: expected value of type [string] but got [number] \xc3\xa9";
  auto parsed = json::parse(violations_header(found));
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0]["location"], "header");
  EXPECT_EQ(parsed[0]["name"], "kbn-xsrf");
  EXPECT_EQ(parsed[1]["pointer"], "/owner");
  EXPECT_EQ(parsed[1]["location"], "body");
  for (unsigned char c : violations_header(found)) EXPECT_LT(c, 0x80) << "header values stay ASCII";
}

TEST(violations_header, is_bounded_and_says_how_many_were_left_out) {
  validator::violations found(1000);
  for (std::size_t i = 0; i < found.size(); ++i) {
    found[i].code = "type";
    found[i].instance_pointer = "/items/" + std::to_string(i);
    found[i].message = "[request body.items." + std::to_string(i) + "]: expected value of type [string] but got [number]";
  }
  const std::string header = violations_header(found, 4096);
  EXPECT_LE(header.size(), 4096u);
  auto parsed = json::parse(header);
  ASSERT_GE(parsed.size(), 2u);
  ASSERT_TRUE(parsed.back().contains("omitted"));
  EXPECT_EQ(parsed.size() - 1 + parsed.back()["omitted"].get<std::size_t>(), 1000u);
  EXPECT_EQ(parsed[0]["pointer"], "/items/0") << "the first violations are kept, in order";
}

TEST(kibana_error_body, has_kibanas_shape_and_key_order) {
  EXPECT_EQ(kibana_error_body(404, "Not Found"), R"({"statusCode":404,"error":"Not Found","message":"Not Found"})");
  EXPECT_EQ(kibana_error_body(400, "a \"quoted\" thing"),
            R"({"statusCode":400,"error":"Bad Request","message":"a \"quoted\" thing"})");
}

class mock_of_embedded_contract : public ::testing::Test {
 protected:
  void SetUp() override {
    auto built = validator::load_contract_file(specgate::testing::source_dir() + "/spec/kibana.yaml");
    ASSERT_TRUE(built.value);
    auto created = mock_service::create(built.value);
    service_ = created.first;
    for (const auto& d : created.second) ADD_FAILURE() << "start-up problem: " << d.to_string();
  }
  http_response call(std::string method, std::string target, header_list headers, std::string body = {}) {
    http_request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.headers = std::move(headers);
    req.body = std::move(body);
    http_response res;
    service_->handle(req, res);
    return res;
  }
  std::shared_ptr<const mock_service> service_;
};

TEST_F(mock_of_embedded_contract, every_operation_has_an_answer_that_matches_its_schema) {
  const auto& c = service_->contract();
  for (std::size_t i = 0; i < c.operations().size(); ++i) {
    const auto& op = c.operations()[i];
    const auto& answer = service_->answer_for(i);
    SCOPED_TRACE(op.operation_id + " -> " + answer.source);
    const auto* resp = op.success_response();
    ASSERT_NE(resp, nullptr);
    if (resp->content.empty()) {
      EXPECT_TRUE(answer.body.empty());
      continue;
    }
    const validator::media_type* media = nullptr;
    for (const auto& m : resp->content)
      if (m.key == answer.content_type) media = &m;
    ASSERT_NE(media, nullptr) << answer.content_type;
    if (media->schema != validator::no_schema)
      EXPECT_TRUE(c.schemas().is_valid(media->schema, json::parse(answer.body))) << answer.body;
    EXPECT_EQ(answer.source.rfind("example", 0), 0u) << "our contract has a valid example for every success response";
  }
}

TEST_F(mock_of_embedded_contract, invalid_requests_get_kibanas_answer_and_the_violation_list) {
  auto res = call("POST", "/api/cases/configure", {{"Authorization", "ApiKey c29tZTprZXk="}, {"Content-Type", "application/json"}},
                  "{}");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(json::parse(res.body)["message"], "Request must contain a kbn-xsrf header.");
  auto list = json::parse(std::string(res.header("specgate-violations")));
  ASSERT_GE(list.size(), 2u) << "xsrf and the missing required properties";
  EXPECT_EQ(list[0]["code"], "xsrf");
  EXPECT_EQ(res.violation_count, list.size());

  auto unauthorized = call("GET", "/api/cases/tags", {});
  EXPECT_EQ(unauthorized.status, 401);
  EXPECT_EQ(json::parse(unauthorized.body),
            json::parse(R"({"statusCode":401,"error":"Unauthorized","message":"Unauthorized"})"));
}

TEST_F(mock_of_embedded_contract, valid_requests_get_the_documented_answer_with_kibanas_headers) {
  auto res = call("GET", "/api/fleet/agents/setup", {{"Authorization", "Basic dXNlcjpwYXNz"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("content-type"), "application/json; Elastic-Api-Version=2023-10-31");
  EXPECT_EQ(res.header("elastic-api-version"), "2023-10-31");
  EXPECT_EQ(res.header("kbn-name"), "kibana");
  EXPECT_EQ(res.operation_id, "get-fleet-agents-setup");
  EXPECT_TRUE(res.header("specgate-violations").empty());
}

}  // namespace
}  // namespace specgate::server
