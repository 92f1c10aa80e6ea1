// The real binary, real sockets: /__specgate/ admin endpoints, --cors,
// reload on --watch and SIGHUP, the access log.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "integration/harness.h"
#include "test_support.h"

namespace specgate::testing {
namespace {

using nlohmann::json;

const std::vector<std::string> auth = {"Authorization: ApiKey c29tZTprZXk="};

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::milliseconds(10'000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return pred();
}

json get_json(std::uint16_t port, const std::string& target) {
  auto r = http_request(port, "GET", target);
  if (!r || r->status != 200) return nullptr;
  return json::parse(r->body, nullptr, false);
}

// Value of one sample of Prometheus text, -1 when absent.
double sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  return -1;
}

class admin_endpoints : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    process_ = new specgate_process({"mock", "--port", "0", "--threads", "2", "--cors", "--journal-size", "50"});
  }
  static void TearDownTestSuite() {
    delete process_;
    process_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(process_->running()) << process_->output();
    auto cleared = http_request(port(), "DELETE", "/__specgate/journal");
    ASSERT_TRUE(cleared);
    ASSERT_EQ(cleared->status, 204);
  }
  static std::uint16_t port() { return process_->port(); }
  static specgate_process* process_;
};
specgate_process* admin_endpoints::process_ = nullptr;

TEST_F(admin_endpoints, health_names_the_spec_and_counts_operations) {
  auto r = http_request(port(), "GET", "/__specgate/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto body = json::parse(r->body);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_GT(body["operations"].get<int>(), 10);
  EXPECT_NE(body["spec"].get<std::string>().find("kibana.yaml"), std::string::npos);
  EXPECT_TRUE(std::regex_match(body["loadedAt"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  EXPECT_EQ(body["journal"]["capacity"], 50);
}

TEST_F(admin_endpoints, metrics_count_requests_violations_and_latency) {
  const std::string before_text = http_request(port(), "GET", "/__specgate/metrics")->body;
  const std::string ok_series = R"(specgate_requests_total{operationId="getCaseTagsDefaultSpace",status="200"})";
  const std::string xsrf_series = R"(specgate_violations_total{location="header",code="xsrf"})";
  const double ok_before = std::max(0.0, sample(before_text, ok_series));
  const double xsrf_before = std::max(0.0, sample(before_text, xsrf_series));
  const double count_before = sample(before_text, "specgate_request_duration_seconds_count");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(http_request(port(), "GET", "/api/cases/tags", auth)->status, 200);
  ASSERT_EQ(http_request(port(), "POST", "/api/cases/configure", auth, "{}")->status, 400);  // no kbn-xsrf

  auto r = http_request(port(), "GET", "/__specgate/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type").rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_EQ(sample(r->body, ok_series), ok_before + 3) << r->body;
  EXPECT_EQ(sample(r->body, xsrf_series), xsrf_before + 1) << r->body;
  EXPECT_NE(r->body.find("# TYPE specgate_request_duration_seconds histogram"), std::string::npos);
  // Latency is recorded once each response is written: give the last one a moment.
  EXPECT_TRUE(eventually([&] {
    auto now = http_request(port(), "GET", "/__specgate/metrics");
    return now && sample(now->body, "specgate_request_duration_seconds_count") >= count_before + 4;
  }));
  EXPECT_GT(sample(r->body, "specgate_operations"), 10);
}

TEST_F(admin_endpoints, journal_shows_what_the_client_sent_and_delete_clears_it) {
  ASSERT_EQ(http_request(port(), "GET", "/api/cases/tags?owner=cases", auth)->status, 200);
  auto bad = http_request(port(), "POST", "/api/cases/configure", auth, R"({"title":"t"})");
  ASSERT_TRUE(bad);
  ASSERT_EQ(bad->status, 400);
  ASSERT_FALSE(bad->header("specgate-violations").empty());

  // Recorded before the answer is written: no waiting needed.
  auto journal = get_json(port(), "/__specgate/journal");
  ASSERT_TRUE(journal.is_object());
  ASSERT_EQ(journal["requests"].size(), 2u) << journal.dump(2);
  const auto& post = journal["requests"][0];
  EXPECT_EQ(post["method"], "POST");
  EXPECT_EQ(post["path"], "/api/cases/configure");
  EXPECT_EQ(post["status"], 400);
  EXPECT_EQ(post["body"], R"({"title":"t"})");
  EXPECT_EQ(post["headers"]["authorization"], "ApiKey [redacted]");
  ASSERT_TRUE(post["violations"].is_array());
  EXPECT_EQ(post["violations"], json::parse(bad->header("specgate-violations")));
  bool xsrf = false;
  for (const auto& v : post["violations"]) xsrf = xsrf || v["code"] == "xsrf";
  EXPECT_TRUE(xsrf) << post.dump(2);
  const auto& get = journal["requests"][1];
  EXPECT_EQ(get["operationId"], "getCaseTagsDefaultSpace");
  EXPECT_EQ(get["query"], "owner=cases");
  EXPECT_TRUE(get["violations"].empty());
  EXPECT_GE(get["durationMs"].get<double>(), 0.0);

  auto only = get_json(port(), "/__specgate/journal?operationId=getCaseTagsDefaultSpace");
  ASSERT_EQ(only["requests"].size(), 1u);
  auto one = get_json(port(), "/__specgate/journal?limit=1");
  ASSERT_EQ(one["requests"].size(), 1u);
  EXPECT_EQ(one["requests"][0]["method"], "POST");

  auto cleared = http_request(port(), "DELETE", "/__specgate/journal");  // no kbn-xsrf, no credentials
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->status, 204);
  EXPECT_TRUE(get_json(port(), "/__specgate/journal")["requests"].empty());
}

TEST_F(admin_endpoints, journal_is_bounded_by_journal_size) {
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(http_request(port(), "GET", "/api/cases/tags", auth));
  auto journal = get_json(port(), "/__specgate/journal");
  EXPECT_EQ(journal["requests"].size(), 50u);
  EXPECT_EQ(journal["capacity"], 50);
}

TEST_F(admin_endpoints, spec_is_the_loaded_document_as_json) {
  auto spec = get_json(port(), "/__specgate/spec");
  ASSERT_TRUE(spec.is_object());
  EXPECT_TRUE(spec["openapi"].get<std::string>().starts_with("3.0"));
  EXPECT_TRUE(spec["paths"].contains("/api/cases"));
}

TEST_F(admin_endpoints, cors_preflight_and_headers) {
  auto pre = http_request(port(), "OPTIONS", "/api/cases",
                          {"Origin: http://localhost:3000", "Access-Control-Request-Method: POST",
                           "Access-Control-Request-Headers: kbn-xsrf, content-type, authorization"});
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 204) << "no credentials, no kbn-xsrf: no contract checks on a preflight";
  EXPECT_EQ(pre->header("access-control-allow-origin"), "http://localhost:3000");
  const std::string allowed = pre->header("access-control-allow-headers");
  for (const char* h : {"kbn-xsrf", "authorization", "content-type", "elastic-api-version"})
    EXPECT_NE(allowed.find(h), std::string::npos) << allowed;
  EXPECT_NE(pre->header("access-control-allow-methods").find("DELETE"), std::string::npos);
  EXPECT_FALSE(pre->header("access-control-max-age").empty());

  auto r = http_request(port(), "GET", "/api/cases/tags", {auth[0], "Origin: http://localhost:3000"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("access-control-allow-origin"), "http://localhost:3000");
  EXPECT_NE(r->header("access-control-expose-headers").find("specgate-violations"), std::string::npos);
  EXPECT_NE(r->header("access-control-expose-headers").find("elastic-api-version"), std::string::npos);
  auto no_origin = http_request(port(), "GET", "/api/cases/tags", auth);
  EXPECT_EQ(no_origin->header("access-control-allow-origin"), "*");
}

TEST(admin_cli, access_log_lines_are_whole_json_lines_under_concurrency) {
  specgate_process p({"mock", "--port", "0", "--threads", "4"});
  ASSERT_TRUE(p.running()) << p.output();
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&p] {
      for (int i = 0; i < 25; ++i) http_request(p.port(), "GET", "/api/cases/tags?i=" + std::to_string(i), auth);
    });
  for (auto& c : clients) c.join();
  int lines = 0;
  ASSERT_TRUE(eventually([&] {
    lines = 0;
    std::istringstream in(p.output());
    std::string line;
    while (std::getline(in, line))
      if (line.starts_with("{") && line.find("\"/api/cases/tags\"") != std::string::npos) ++lines;
    return lines == 200;
  })) << lines;
  std::istringstream in(p.output());
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("{")) continue;
    auto j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "interleaved or partial line: " << line;
    for (const char* key : {"time", "method", "path", "operationId", "status", "duration_ms", "violations"})
      EXPECT_TRUE(j.contains(key)) << key << " missing in " << line;
  }
  p.stop();
}

TEST(admin_cli, quiet_logs_nothing_per_request_but_still_journals) {
  specgate_process p({"mock", "--port", "0", "--quiet"});
  ASSERT_TRUE(p.running()) << p.output();
  ASSERT_EQ(http_request(p.port(), "GET", "/api/cases/tags", auth)->status, 200);
  EXPECT_EQ(get_json(p.port(), "/__specgate/journal")["requests"].size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(p.output().find("\"/api/cases/tags\""), std::string::npos) << p.output();
  p.stop();
}

// ------------------------------------------------------------------ reload

const char* const spec_one = R"(openapi: 3.0.3
info: {title: Reload, version: '1'}
paths:
  /api/items:
    get:
      operationId: listItems
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}, example: {version: 1}}}}
)";

const char* const spec_two = R"(openapi: 3.0.3
info: {title: Reload, version: '2'}
paths:
  /api/items:
    get:
      operationId: listItems
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}, example: {version: 2}}}}
  /api/widgets:
    get:
      operationId: listWidgets
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}, example: {widgets: []}}}}
)";

// Line 6 opens a flow sequence that never closes.
const char* const spec_broken = R"(openapi: 3.0.3
info: {title: Reload, version: '3'}
paths:
  /api/items:
    get:
      operationId: [listItems
      responses: {}
)";

std::filesystem::path temp_spec(const std::string& name, const char* text) {
  const auto dir = std::filesystem::temp_directory_path() / ("specgate_admin_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto file = dir / "spec.yaml";
  std::ofstream(file) << text;
  return file;
}

// Replaces the file's content the way an editor saving in place does.
void rewrite(const std::filesystem::path& file, const char* text) {
  std::ofstream out(file, std::ios::trunc);
  out << text;
}

int status_of(std::uint16_t port, const std::string& target) {
  auto r = http_request(port, "GET", target);
  return r ? r->status : 0;
}

TEST(admin_reload, watch_serves_an_edited_spec_and_survives_a_broken_edit) {
  const auto file = temp_spec("watch", spec_one);
  specgate_process p({"mock", "--port", "0", "--spec", file.string(), "--watch", "--watch-interval", "50"});
  ASSERT_TRUE(p.running()) << p.output();
  EXPECT_EQ(status_of(p.port(), "/api/items"), 200);
  EXPECT_EQ(status_of(p.port(), "/api/widgets"), 404);

  rewrite(file, spec_two);
  ASSERT_TRUE(eventually([&] { return status_of(p.port(), "/api/widgets") == 200; })) << p.output();
  EXPECT_EQ(json::parse(http_request(p.port(), "GET", "/api/items")->body)["version"], 2);
  EXPECT_TRUE(eventually([&] { return p.output().find("specgate: reloaded " + file.string()) != std::string::npos; }))
      << p.output();
  EXPECT_EQ(get_json(p.port(), "/__specgate/health")["reloads"], 1);
  const auto journaled = get_json(p.port(), "/__specgate/journal")["requests"].size();
  EXPECT_GE(journaled, 3u) << "the journal survives the reload";

  rewrite(file, spec_broken);
  ASSERT_TRUE(eventually([&] { return p.output().find("still serving the previous contract") != std::string::npos; }))
      << p.output();
  const std::regex located(std::regex_replace(file.string(), std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                           R"(:\d+:\d+: error)");
  EXPECT_TRUE(eventually([&] { return std::regex_search(p.output(), located); }))
      << "the log names file:line:col\n" << p.output();
  EXPECT_EQ(status_of(p.port(), "/api/widgets"), 200) << "the previous contract keeps serving";
  auto health = get_json(p.port(), "/__specgate/health");
  EXPECT_EQ(health["failedReloads"], 1);
  EXPECT_FALSE(health["lastReloadError"].is_null());

  rewrite(file, spec_one);  // fixed again
  ASSERT_TRUE(eventually([&] { return status_of(p.port(), "/api/widgets") == 404; })) << p.output();
  EXPECT_TRUE(get_json(p.port(), "/__specgate/health")["lastReloadError"].is_null());

  auto code = p.stop(SIGTERM);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
  std::filesystem::remove_all(file.parent_path());
}

TEST(admin_reload, sighup_reloads_without_watch) {
  const auto file = temp_spec("sighup", spec_one);
  specgate_process p({"mock", "--port", "0", "--spec", file.string()});
  ASSERT_TRUE(p.running()) << p.output();
  rewrite(file, spec_two);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(status_of(p.port(), "/api/widgets"), 404) << "no --watch: nothing happens on its own";

  // The harness's stop() sends any signal; with no wait it returns at once (nullopt: still running).
  EXPECT_FALSE(p.stop(SIGHUP, std::chrono::seconds(0)));
  ASSERT_TRUE(eventually([&] { return status_of(p.port(), "/api/widgets") == 200; })) << p.output();
  EXPECT_TRUE(eventually([&] { return p.output().find("(SIGHUP)") != std::string::npos; })) << p.output();
  EXPECT_FALSE(p.exited());

  rewrite(file, spec_broken);
  EXPECT_FALSE(p.stop(SIGHUP, std::chrono::seconds(0)));
  ASSERT_TRUE(eventually([&] { return p.output().find("still serving the previous contract") != std::string::npos; }))
      << p.output();
  EXPECT_EQ(status_of(p.port(), "/api/widgets"), 200);

  auto code = p.stop(SIGTERM);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
  std::filesystem::remove_all(file.parent_path());
}

}  // namespace
}  // namespace specgate::testing
