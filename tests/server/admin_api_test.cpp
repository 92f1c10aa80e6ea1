// The admin API, the mock host around the mock service (dispatch, journal,
// metrics, CORS, reload) and the reloader (file polling, SIGHUP).
#include "server/observe/admin_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <unistd.h>

#include "server/mock/mock_host.h"
#include "server/mock/mock_service.h"
#include "server/mock/reloader.h"
#include "validator/contract/contract.h"

namespace specgate::server {
namespace {

using nlohmann::json;

const char* const spec_v1 = R"(openapi: 3.0.3
info: {title: Items, version: '1'}
paths:
  /api/items:
    get:
      operationId: listItems
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: {type: string}}}}
              example: {items: [a]}
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string}}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object}
)";

const char* const spec_v2 = R"(openapi: 3.0.3
info: {title: Items, version: '2'}
paths:
  /api/items:
    get:
      operationId: listItems
      responses: {'200': {description: ok, content: {application/json: {schema: {type: object}, example: {v: 2}}}}}
  /api/widgets:
    get:
      operationId: listWidgets
      responses: {'200': {description: ok, content: {application/json: {schema: {type: object}, example: {w: 1}}}}}
)";

std::shared_ptr<const mock_service> make_service(const char* text, const std::string& name = "items.yaml") {
  auto built = validator::load_contract_text(text, name);
  if (!built.value) {
    for (const auto& d : built.problems) ADD_FAILURE() << d.to_string();
    return nullptr;
  }
  return mock_service::create(built.value).first;
}

http_request request(std::string method, std::string target, header_list headers = {}, std::string body = {}) {
  http_request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

struct exchange {
  http_response response;
  json body;  // parsed when JSON
};

exchange call(mock_host& host, const http_request& req) {
  exchange x;
  host.handle(req, x.response);
  if (x.response.header("content-type").find("json") != std::string_view::npos)
    x.body = json::parse(x.response.body, nullptr, false);
  return x;
}

class host_test : public ::testing::Test {
 protected:
  host_options options() {
    host_options o;
    o.log = [this](std::string_view line) {
      std::lock_guard lock(log_mutex_);
      log_ += std::string(line) + "\n";
    };
    return o;
  }
  std::string log() {
    std::lock_guard lock(log_mutex_);
    return log_;
  }
  std::mutex log_mutex_;
  std::string log_;
};

TEST(admin_api, matches_only_its_own_prefix) {
  EXPECT_TRUE(admin_api::matches("/__specgate"));
  EXPECT_TRUE(admin_api::matches("/__specgate/"));
  EXPECT_TRUE(admin_api::matches("/__specgate/journal?limit=1"));
  EXPECT_TRUE(admin_api::matches("/__specgate?x"));
  EXPECT_FALSE(admin_api::matches("/__specgatex"));
  EXPECT_FALSE(admin_api::matches("/api/__specgate/health"));
  EXPECT_FALSE(admin_api::matches("/"));
}

TEST(admin_api, decodes_query_components) {
  EXPECT_EQ(decode_query_component("a%20b+c"), "a b c");
  EXPECT_EQ(decode_query_component("%zz%4"), "%zz%4");
  EXPECT_EQ(decode_query_component("%C3%A9"), "\xc3\xa9");
}

TEST_F(host_test, metrics_count_violations_from_the_exchange_not_from_its_bounded_header) {
  mock_host host(make_service(R"(openapi: 3.0.3
info: {title: Tags, version: '1'}
paths:
  /api/tags:
    get:
      operationId: listTags
      parameters:
        - {name: tag, in: query, explode: true, schema: {type: array, items: {type: integer}}}
      responses: {'200': {description: ok, content: {application/json: {schema: {type: object}, example: {}}}}}
)"),
                 "tags.yaml", options());
  std::string target = "/api/tags?";
  for (int i = 0; i < 600; ++i) target += "tag=x" + std::to_string(i) + "&";
  auto x = call(host, request("GET", target));
  EXPECT_EQ(x.response.status, 400);
  ASSERT_EQ(x.response.violations.size(), 600u);
  const auto header = json::parse(std::string(x.response.header("specgate-violations")));
  ASSERT_TRUE(header.back().contains("omitted")) << "the header is bounded: " << header.size();
  const auto totals = host.stats().collect();
  EXPECT_EQ(totals.violations.at({"query", "type"}), 600u) << "every violation counted by its kind";
  EXPECT_EQ(totals.violations.count({"unknown", "omitted"}), 0u);
  const auto journaled = host.requests().entries();
  ASSERT_EQ(journaled.size(), 1u);
  EXPECT_EQ(journaled[0].violation_count, 600u);
  EXPECT_EQ(journaled[0].violations[0]["code"], "type");
}

TEST_F(host_test, without_a_contract_the_503_is_kibanas_with_kibanas_headers) {
  mock_host host(nullptr, "none.yaml", options());
  auto x = call(host, request("GET", "/api/anything"));
  EXPECT_EQ(x.response.status, 503);
  EXPECT_EQ(x.body, json::parse(R"({"statusCode":503,"error":"Service Unavailable","message":"no contract loaded"})"));
  EXPECT_EQ(x.response.header("kbn-name"), default_server_name());
  EXPECT_EQ(x.response.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(x.response.header("cache-control"), "private, no-cache, no-store, must-revalidate");
}

TEST_F(host_test, the_servers_own_errors_follow_the_served_profile) {
  mock_host openapi(make_service(spec_v1), "items.yaml", options());
  http_response own;
  openapi.answer_own_error(413, "Payload content length greater than maximum allowed: 100", own);
  EXPECT_EQ(own.status, 413);
  EXPECT_EQ(own.header("content-type"), "application/problem+json");
  EXPECT_EQ(json::parse(own.body)["detail"], "Payload content length greater than maximum allowed: 100");
  EXPECT_EQ(own.header("kbn-name"), "");

  auto kibana_built = validator::load_contract_text(spec_v1, "items.yaml", {"", validator::profile_choice::kibana});
  ASSERT_TRUE(kibana_built.value);
  mock_options named;
  named.server_name = "kb-1";
  named.limits.max_payload = 4096;
  mock_host kibana(mock_service::create(kibana_built.value, named).first, "items.yaml", options());
  http_response k;
  kibana.answer_own_error(413, "Payload content length greater than maximum allowed: 8388608", k);
  EXPECT_EQ(json::parse(k.body),
            json::parse(R"({"statusCode":413,"error":"Request Entity Too Large",)"
                        R"("message":"Payload content length greater than maximum allowed: 4096"})"))
      << "Kibana's words name --max-payload";
  EXPECT_EQ(k.header("kbn-name"), "kb-1");
}

TEST_F(host_test, health_reports_the_contract_being_served) {
  mock_host host(make_service(spec_v1), "items.yaml", options());
  auto x = call(host, request("GET", "/__specgate/health"));
  EXPECT_EQ(x.response.status, 200);
  EXPECT_EQ(x.body["status"], "ok");
  EXPECT_EQ(x.body["operations"], 2);
  EXPECT_EQ(x.body["spec"], "items.yaml");
  EXPECT_TRUE(x.body["loadedAt"].get<std::string>().ends_with("Z"));
  EXPECT_EQ(x.body["reloads"], 0);
  EXPECT_TRUE(x.body["lastReloadError"].is_null());
  EXPECT_EQ(call(host, request("HEAD", "/__specgate/health")).response.status, 200);
}

TEST_F(host_test, admin_endpoints_skip_the_contract_checks_and_are_not_recorded) {
  mock_host host(make_service(spec_v1), "items.yaml", options());
  // A write without kbn-xsrf or credentials: the mock would refuse it, the admin API does not.
  auto cleared = call(host, request("DELETE", "/__specgate/journal"));
  EXPECT_EQ(cleared.response.status, 204);
  call(host, request("GET", "/__specgate/metrics"));
  EXPECT_EQ(host.requests().recorded(), 0u);
  EXPECT_TRUE(host.stats().collect().requests.empty());
}

TEST_F(host_test, unknown_admin_paths_and_methods_get_kibana_shaped_errors) {
  mock_host host(make_service(spec_v1), "items.yaml", options());
  auto missing = call(host, request("GET", "/__specgate/nope"));
  EXPECT_EQ(missing.response.status, 404);
  EXPECT_EQ(missing.body["statusCode"], 404);
  auto wrong = call(host, request("POST", "/__specgate/health", {{"kbn-xsrf", "1"}}));
  EXPECT_EQ(wrong.response.status, 405);
  EXPECT_EQ(wrong.response.header("allow"), "GET, HEAD");
  auto index = call(host, request("GET", "/__specgate/"));
  EXPECT_EQ(index.response.status, 200);
  EXPECT_TRUE(index.body["endpoints"].is_array());
}

TEST_F(host_test, requests_are_journaled_with_their_violations) {
  mock_host host(make_service(spec_v1), "items.yaml", options());
  auto ok = call(host, request("GET", "/api/items?x=1"));
  EXPECT_EQ(ok.response.status, 200);
  EXPECT_EQ(ok.response.operation_id, "listItems");
  auto bad = call(host, request("POST", "/api/items", {{"content-type", "application/json"}}, R"({"name":1})"));
  EXPECT_EQ(bad.response.status, 400);
  auto unknown = call(host, request("GET", "/api/nothing"));
  EXPECT_EQ(unknown.response.status, 404);

  auto j = call(host, request("GET", "/__specgate/journal"));
  ASSERT_EQ(j.response.status, 200) << j.response.body;
  ASSERT_EQ(j.body["requests"].size(), 3u) << j.body.dump(2);
  EXPECT_EQ(j.body["capacity"], journal::default_capacity);
  const auto& newest = j.body["requests"][0];
  EXPECT_EQ(newest["path"], "/api/nothing");
  EXPECT_TRUE(newest["operationId"].is_null());
  const auto& post = j.body["requests"][1];
  EXPECT_EQ(post["method"], "POST");
  EXPECT_EQ(post["operationId"], "createItem");
  EXPECT_EQ(post["status"], 400);
  EXPECT_EQ(post["body"], R"({"name":1})");
  ASSERT_TRUE(post["violations"].is_array());
  ASSERT_FALSE(post["violations"].empty());
  // items.yaml has nothing of Kibana's: the openapi profile, so no kbn-xsrf rule; the body's type answers.
  EXPECT_EQ(post["violations"][0]["code"], "type") << post.dump(2);
  EXPECT_EQ(post["violationCount"], post["violations"].size());
  EXPECT_EQ(j.body["requests"][2]["query"], "x=1");

  auto filtered = call(host, request("GET", "/__specgate/journal?operationId=listItems"));
  ASSERT_EQ(filtered.body["requests"].size(), 1u);
  EXPECT_EQ(filtered.body["requests"][0]["operationId"], "listItems");
  auto limited = call(host, request("GET", "/__specgate/journal?limit=1"));
  ASSERT_EQ(limited.body["requests"].size(), 1u);
  EXPECT_EQ(limited.body["requests"][0]["path"], "/api/nothing");
  EXPECT_EQ(call(host, request("GET", "/__specgate/journal?limit=x")).response.status, 400);
  EXPECT_EQ(call(host, request("GET", "/__specgate/journal?bogus=1")).response.status, 400);

  EXPECT_EQ(call(host, request("DELETE", "/__specgate/journal")).response.status, 204);
  EXPECT_TRUE(call(host, request("GET", "/__specgate/journal")).body["requests"].empty());
}

TEST_F(host_test, metrics_count_requests_and_violations_by_kind) {
  mock_host host(make_service(spec_v1), "items.yaml", options());
  call(host, request("GET", "/api/items"));
  call(host, request("GET", "/api/items"));
  call(host, request("POST", "/api/items", {{"content-type", "application/json"}}, R"({"name":1})"));
  host.complete(request("GET", "/api/items"), {}, std::chrono::microseconds(300));
  host.complete(request("GET", "/__specgate/metrics"), {}, std::chrono::microseconds(300));  // not counted
  const auto s = host.stats().collect();
  EXPECT_EQ((s.requests.at({"listItems", 200})), 2u);
  EXPECT_EQ((s.requests.at({"createItem", 400})), 1u);
  EXPECT_EQ((s.violations.at({"body", "type"})), 1u);  // openapi profile: no kbn-xsrf rule
  EXPECT_EQ(s.count, 1u);

  auto m = call(host, request("GET", "/__specgate/metrics"));
  EXPECT_EQ(m.response.status, 200);
  EXPECT_EQ(m.response.header("content-type").substr(0, 10), "text/plain");
  EXPECT_NE(m.response.body.find("specgate_requests_total{operationId=\"listItems\",status=\"200\"} 2\n"),
            std::string::npos)
      << m.response.body;
  EXPECT_NE(m.response.body.find("specgate_operations 2\n"), std::string::npos) << m.response.body;
}

TEST_F(host_test, spec_endpoint_serves_the_loaded_document_as_json) {
  mock_host host(make_service(spec_v1), "items.yaml", options());
  auto x = call(host, request("GET", "/__specgate/spec"));
  EXPECT_EQ(x.response.status, 200);
  EXPECT_EQ(x.body["info"]["title"], "Items");
  EXPECT_TRUE(x.body["paths"].contains("/api/items"));
}

TEST_F(host_test, cors_preflight_is_answered_without_contract_checks) {
  auto o = options();
  o.cors = true;
  mock_host host(make_service(spec_v1), "items.yaml", o);
  auto pre = call(host, request("OPTIONS", "/api/items",
                                {{"Origin", "http://localhost:5601"},
                                 {"Access-Control-Request-Method", "POST"},
                                 {"Access-Control-Request-Headers", "kbn-xsrf, X-Custom, bad header"}}));
  EXPECT_EQ(pre.response.status, 204);
  EXPECT_EQ(pre.response.header("access-control-allow-origin"), "http://localhost:5601");
  EXPECT_EQ(pre.response.header("vary"), "Origin");
  EXPECT_NE(pre.response.header("access-control-allow-methods").find("POST"), std::string_view::npos);
  const std::string allowed(pre.response.header("access-control-allow-headers"));
  for (const char* h : {"kbn-xsrf", "authorization", "content-type", "elastic-api-version", "x-custom"})
    EXPECT_NE(allowed.find(h), std::string::npos) << h << " in " << allowed;
  EXPECT_EQ(allowed.find("bad header"), std::string::npos);
  EXPECT_FALSE(pre.response.header("access-control-max-age").empty());
  EXPECT_TRUE(pre.response.body.empty());

  auto get = call(host, request("GET", "/api/items"));
  EXPECT_EQ(get.response.header("access-control-allow-origin"), "*");
  EXPECT_NE(get.response.header("access-control-expose-headers").find("specgate-violations"), std::string_view::npos);
  auto bad = call(host, request("POST", "/api/items", {{"Origin", "http://app"}}, "{}"));
  EXPECT_EQ(bad.response.status, 400);
  EXPECT_EQ(bad.response.header("access-control-allow-origin"), "http://app");
  auto admin = call(host, request("GET", "/__specgate/health", {{"Origin", "http://app"}}));
  EXPECT_EQ(admin.response.header("access-control-allow-origin"), "http://app");
}

TEST_F(host_test, without_cors_options_go_to_the_contract) {
  mock_host host(make_service(spec_v1), "items.yaml", options());
  auto pre = call(host, request("OPTIONS", "/api/items",
                                {{"Origin", "http://localhost"}, {"Access-Control-Request-Method", "POST"}}));
  EXPECT_NE(pre.response.status, 204);
  EXPECT_TRUE(pre.response.header("access-control-allow-origin").empty());
}

TEST_F(host_test, a_spec_path_under_the_admin_prefix_is_reported_as_hidden) {
  const char* const clash = R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /__specgate/health:
    get:
      operationId: specHealth
      responses: {'200': {description: ok}}
)";
  mock_host host(make_service(clash), "clash.yaml", options());
  EXPECT_NE(log().find("specHealth (/__specgate/health) is hidden"), std::string::npos) << log();
  EXPECT_EQ(call(host, request("GET", "/__specgate/health")).body["status"], "ok");
}

TEST_F(host_test, reload_swaps_the_service_and_keeps_journal_and_metrics) {
  mock_host host(make_service(spec_v1), "items.yaml", options());
  call(host, request("GET", "/api/items"));
  EXPECT_EQ(call(host, request("GET", "/api/widgets")).response.status, 404);

  const bool ok = host.reload([] { return mock_host::build_result{make_service(spec_v2), {}}; }, "test");
  EXPECT_TRUE(ok);
  auto w = call(host, request("GET", "/api/widgets"));
  EXPECT_EQ(w.response.status, 200);
  EXPECT_EQ(w.body["w"], 1);
  EXPECT_EQ(host.requests().recorded(), 3u) << "the journal survives";
  EXPECT_EQ((host.stats().collect().requests.at({"listItems", 200})), 1u);
  auto health = call(host, request("GET", "/__specgate/health"));
  EXPECT_EQ(health.body["reloads"], 1);
  EXPECT_EQ(health.body["operations"], 2);
  EXPECT_NE(log().find("reloaded items.yaml (test)"), std::string::npos) << log();
}

TEST_F(host_test, broken_reload_keeps_the_old_contract_and_names_the_error) {
  mock_host host(make_service(spec_v1), "items.yaml", options());
  const bool ok = host.reload(
      [] {
        auto built = validator::load_contract_text("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a: [",
                                                   "items.yaml");
        return mock_host::build_result{nullptr, built.problems};
      },
      "file changed: items.yaml");
  EXPECT_FALSE(ok);
  EXPECT_EQ(call(host, request("GET", "/api/items")).response.status, 200) << "still serving v1";
  EXPECT_NE(log().find("items.yaml:"), std::string::npos) << log();
  EXPECT_NE(log().find("still serving the previous contract"), std::string::npos) << log();
  auto health = call(host, request("GET", "/__specgate/health"));
  EXPECT_EQ(health.body["failedReloads"], 1);
  EXPECT_TRUE(health.body["lastReloadError"].get<std::string>().starts_with("items.yaml:")) << health.body.dump();
  EXPECT_EQ(host.stats().collect().reloads_failed, 1u);

  // A builder that throws is a failed reload too, not a crash.
  EXPECT_FALSE(host.reload([]() -> mock_host::build_result { throw std::runtime_error("boom"); }, "test"));
}

TEST_F(host_test, operation_id_outlives_the_service_that_produced_it) {
  mock_host host(make_service(spec_v1), "items.yaml", options());
  http_response res;
  host.handle(request("GET", "/api/items"), res);
  host.swap(make_service(spec_v2));
  // This thread's cache still holds v1 until its next request; force it out.
  http_response other;
  host.handle(request("GET", "/api/widgets"), other);
  EXPECT_EQ(other.operation_id, "listWidgets");
  EXPECT_EQ(res.operation_id, "listItems");
}

TEST_F(host_test, swaps_while_requests_run_never_break_a_request) {
  mock_host host(make_service(spec_v1), "items.yaml", options());
  auto v1 = make_service(spec_v1);
  auto v2 = make_service(spec_v2);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, served{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&] {
      while (!stop.load()) {
        http_response res;
        host.handle(request("GET", "/api/items"), res);
        if (res.status != 200 || res.operation_id != "listItems") ++failures;
        ++served;
      }
    });
  for (int i = 0; i < 200; ++i) host.swap(i % 2 ? v1 : v2);
  while (served.load() < 1000) std::this_thread::yield();
  stop = true;
  for (auto& t : pool) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// ------------------------------------------------------------------ reloader

std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("specgate_reloader_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

TEST(reloader, stamps_change_with_content_and_directory_entries) {
  const auto dir = temp_dir("stamps");
  const auto file = dir / "spec.yaml";
  std::ofstream(file) << "a";
  const auto before = stamp_files({file.string(), (dir / "missing.yaml").string()});
  ASSERT_EQ(before.size(), 2u);
  EXPECT_FALSE(before[0].exists);  // "missing.yaml" sorts first
  std::ofstream(file) << "abc";
  EXPECT_NE(stamp_files({file.string(), (dir / "missing.yaml").string()}), before);

  const auto fixtures = dir / "fixtures";
  std::filesystem::create_directories(fixtures / "nested");
  const auto d1 = stamp_files({fixtures.string()});
  std::ofstream(fixtures / "nested" / "x.json") << "{}";
  const auto d2 = stamp_files({fixtures.string()});
  EXPECT_EQ(d2.size(), d1.size() + 1);
  std::filesystem::remove_all(dir);
}

TEST(reloader, reloads_once_a_watched_file_changes) {
  const auto dir = temp_dir("poll");
  const auto file = dir / "spec.yaml";
  std::ofstream(file) << "v1";
  std::atomic<int> reloads{0};
  std::mutex m;
  std::string reason;
  reloader_options o;
  o.poll_interval = std::chrono::milliseconds(20);
  o.sighup = false;
  reloader r(o, [&] { return std::vector<std::string>{file.string()}; },
             [&](std::string_view why) {
               std::lock_guard lock(m);
               reason = why;
               ++reloads;
             });
  ASSERT_EQ(r.start(), "");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(reloads.load(), 0) << "nothing changed";
  std::ofstream(file) << "version 2";
  ASSERT_TRUE(wait_for([&] { return reloads.load() == 1; }));
  {
    std::lock_guard lock(m);
    EXPECT_EQ(reason, "file changed: " + file.string());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(reloads.load(), 1) << "one change, one reload";
  r.stop();
  std::filesystem::remove_all(dir);
}

TEST(reloader, sighup_triggers_a_reload) {
  std::atomic<int> reloads{0};
  reloader r({}, {}, [&](std::string_view why) {
    if (why == "SIGHUP") ++reloads;
  });
  ASSERT_EQ(r.start(), "");
  ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
  EXPECT_TRUE(wait_for([&] { return reloads.load() == 1; }));
  ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
  EXPECT_TRUE(wait_for([&] { return reloads.load() == 2; }));
  r.stop();
}

}  // namespace
}  // namespace specgate::server
