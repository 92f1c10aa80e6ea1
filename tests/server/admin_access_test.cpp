// Protection of the admin endpoints (--admin-token, --admin-off) through the mock host, and the
// helpers behind it: the token comparison and the non-loopback warning.
#include "server/observe/admin_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "server/mock/mock_host.h"
#include "server/mock/mock_service.h"
#include "validator/contract/contract.h"

namespace specgate::server {
namespace {

using nlohmann::json;

// One operation; the title picks the profile: "Items" openapi (problem+json errors), "Kibana" kibana
// (Kibana's error body).
std::string spec_titled(const std::string& title) {
  return "openapi: 3.0.3\ninfo: {title: " + title + R"(, version: '1'}
paths:
  /api/items:
    get:
      operationId: listItems
      responses: {'200': {description: ok, content: {application/json: {schema: {type: object}, example: {n: 1}}}}}
)";
}
const std::string openapi_spec = spec_titled("Items");
const std::string kibana_spec = spec_titled("Kibana");

std::shared_ptr<const mock_service> make_service(const std::string& text) {
  auto built = validator::load_contract_text(text, "items.yaml");
  if (!built.value) {
    for (const auto& d : built.problems) ADD_FAILURE() << d.to_string();
    return nullptr;
  }
  return mock_service::create(built.value).first;
}

http_response call(mock_host& host, std::string method, std::string target, header_list headers = {}) {
  http_request req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.headers = std::move(headers);
  http_response res;
  host.handle(req, res);
  return res;
}

host_options with_access(admin_access access) {
  host_options o;
  o.admin = std::move(access);
  o.log = [](std::string_view) {};
  return o;
}

TEST(admin_access, a_token_is_wanted_as_bearer_on_every_admin_path_but_a_bare_health) {
  mock_host host(make_service(openapi_spec), "items.yaml", with_access({"s3cret-token", false}));
  for (const char* target : {"/__specgate/journal", "/__specgate/metrics", "/__specgate/spec", "/__specgate"}) {
    const auto res = call(host, "GET", target);
    EXPECT_EQ(res.status, 401) << target;
    EXPECT_EQ(res.header("www-authenticate"), "Bearer realm=\"specgate\"") << target;
    EXPECT_EQ(res.header("content-type"), "application/problem+json") << target;  // the profile's error shape
    EXPECT_EQ(res.body.find("s3cret"), std::string::npos);
  }
  EXPECT_EQ(call(host, "DELETE", "/__specgate/journal").status, 401);
  // Wrong token, wrong scheme, a prefix of the token, the token with a byte more: all refused.
  for (const char* value : {"Bearer wrong", "Basic s3cret-token", "Bearer s3cret-toke", "Bearer s3cret-tokenX",
                            "s3cret-token", "Bearer"})
    EXPECT_EQ(call(host, "GET", "/__specgate/journal", {{"Authorization", value}}).status, 401) << value;

  const auto ok = call(host, "GET", "/__specgate/journal", {{"authorization", "bearer  s3cret-token "}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(json::parse(ok.body)["capacity"], journal::default_capacity);

  // Health without the token: alive, and nothing else (no spec path, no reload errors).
  const auto bare = call(host, "GET", "/__specgate/health");
  EXPECT_EQ(bare.status, 200);
  EXPECT_EQ(json::parse(bare.body), json({{"status", "ok"}}));
  const auto full = call(host, "GET", "/__specgate/health", {{"Authorization", "Bearer s3cret-token"}});
  EXPECT_EQ(json::parse(full.body)["spec"], "items.yaml");
  // The contract itself is not guarded by the admin token.
  EXPECT_EQ(call(host, "GET", "/api/items").status, 200);
}

TEST(admin_access, the_refusal_has_kibanas_error_shape_under_the_kibana_profile) {
  mock_host host(make_service(kibana_spec), "items.yaml", with_access({"t", false}));
  const auto res = call(host, "GET", "/__specgate/journal");
  EXPECT_EQ(res.status, 401);
  const auto body = json::parse(res.body);
  EXPECT_EQ(body["statusCode"], 401);
  EXPECT_EQ(body["error"], "Unauthorized");
  EXPECT_EQ(res.header("www-authenticate"), "Bearer realm=\"specgate\"");
}

TEST(admin_access, admin_off_routes_the_admin_paths_like_any_other) {
  mock_host host(make_service(openapi_spec), "items.yaml", with_access({"", true}));
  const auto health = call(host, "GET", "/__specgate/health");
  EXPECT_EQ(health.status, 404);  // no such operation in the contract
  EXPECT_EQ(health.header("content-type"), "application/problem+json");
  EXPECT_EQ(call(host, "GET", "/__specgate/journal").status, 404);
  // ...and counted and journaled as ordinary requests (there is no admin API to read it with).
  EXPECT_EQ(host.requests().size(), 2u);
}

TEST(admin_access, without_protection_everything_is_open_as_before) {
  mock_host host(make_service(openapi_spec), "items.yaml", with_access({}));
  EXPECT_EQ(call(host, "GET", "/__specgate/journal").status, 200);
  EXPECT_TRUE(json::parse(call(host, "GET", "/__specgate/health").body).contains("spec"));
}

TEST(admin_access, constant_time_equals_compares_whole_texts) {
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "ab"));
  EXPECT_FALSE(constant_time_equals("ab", "abc"));
  EXPECT_FALSE(constant_time_equals(std::string_view("a\0", 2), "a"));
}

TEST(admin_access, warns_only_when_reachable_from_elsewhere_without_a_token) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("[::1]"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("::"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(is_loopback_host("127example.com"));

  EXPECT_EQ(admin_exposure_warning("127.0.0.1", {}), "");
  EXPECT_NE(admin_exposure_warning("0.0.0.0", {}).find("SPECGATE_ADMIN_TOKEN"), std::string::npos);
  EXPECT_EQ(admin_exposure_warning("0.0.0.0", {"token", false}), "");
  EXPECT_EQ(admin_exposure_warning("0.0.0.0", {"", true}), "");
}

}  // namespace
}  // namespace specgate::server
