// The recorder: exchanges to the HAR in order, off the traffic path; drops counted; report files.
#include "server/proxy/recorder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "test_support.h"
#include "validator/traffic/content_coding.h"

namespace specgate::server {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view spec = R"(openapi: 3.0.3
info: {title: items, version: '1'}
paths:
  /items:
    get:
      operationId: listItems
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: string}}
)";

using ::specgate::testing::read_file;

// Holds the recorder's thread before it takes anything up until release(): the queue fills.
class worker_gate {
 public:
  std::function<void()> hook() {
    return [this] {
      std::unique_lock lock(m_);
      cv_.wait(lock, [this] { return open_; });
    };
  }
  void release() {
    {
      std::lock_guard lock(m_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
};

class recorder_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto built = validator::load_contract_text(spec, "items.yaml");
    ASSERT_TRUE(built.value);
    contract_ = built.value;
    dir_ = std::filesystem::temp_directory_path() /
           ("specgate_recorder_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  static std::unique_ptr<validator::exchange> make(int i) {
    auto e = std::make_unique<validator::exchange>();
    e->method = "GET";
    e->target = "/items?n=" + std::to_string(i) + "&api_key=secret" + std::to_string(i);
    e->request_headers = {{"Host", "localhost"}, {"Authorization", "Bearer tok" + std::to_string(i)}};
    e->status = 200;
    e->response_headers = {{"content-type", "application/json"}};
    e->response_body = R"(["a"])";
    e->operation_id = "listItems";
    e->operation_method = "get";
    e->operation_path = "/items";
    return e;
  }

  std::shared_ptr<const validator::contract> contract_;
  std::filesystem::path dir_;
};

TEST_F(recorder_test, offered_exchanges_appear_in_the_har_in_order_and_redacted) {
  recorder_options options;
  options.har_path = path("traffic.har");
  options.version = "9.9.9";
  recorder r(*contract_, options);
  EXPECT_TRUE(r.active());
  ASSERT_EQ(r.start(), "");
  constexpr int n = 200;
  for (int i = 0; i < n; ++i) ASSERT_TRUE(r.offer(make(i)));
  EXPECT_EQ(r.write_report(), "");  // no --report: nothing to write, but it drains
  EXPECT_EQ(r.recorded(), static_cast<std::uint64_t>(n));
  EXPECT_EQ(r.dropped(), 0u);

  const std::string text = read_file(options.har_path);
  const auto har = nlohmann::json::parse(text);  // valid while the recorder still runs
  EXPECT_EQ(har["log"]["creator"]["version"], "9.9.9");
  const auto& entries = har["log"]["entries"];
  ASSERT_EQ(entries.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(entries[i]["request"]["url"],
              "http://localhost/items?n=" + std::to_string(i) + "&api_key=[redacted]");
    EXPECT_EQ(entries[i]["request"]["headers"][1]["value"], "Bearer [redacted]");
  }
  EXPECT_THAT(text, ::testing::Not(HasSubstr("secret")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("tok1")));
  EXPECT_EQ(r.stop(), "");
}

TEST_F(recorder_test, offers_from_many_threads_are_all_recorded) {
  recorder_options options;
  options.har_path = path("threads.har");
  recorder r(*contract_, options);
  ASSERT_EQ(r.start(), "");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&r, t] {
      for (int i = 0; i < 250; ++i) EXPECT_TRUE(r.offer(make(t * 1000 + i)));
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(r.stop(), "");
  EXPECT_EQ(r.recorded(), 1000u);
  const auto read = validator::read_har(read_file(options.har_path), options.har_path);
  EXPECT_TRUE(read.problems.empty());
  EXPECT_EQ(read.exchanges.size(), 1000u);
}

TEST_F(recorder_test, a_full_queue_counts_drops_and_never_blocks) {
  worker_gate gate;
  recorder_options options;
  options.har_path = path("full.har");
  options.report_path = path("full.json");
  options.queue_capacity = 1;
  options.before_each = gate.hook();
  recorder r(*contract_, options);
  ASSERT_EQ(r.start(), "");
  EXPECT_TRUE(r.offer(make(1)));   // fills the queue
  EXPECT_FALSE(r.offer(make(2)));  // full
  EXPECT_FALSE(r.offer(make(3)));
  EXPECT_EQ(r.dropped(), 2u);
  EXPECT_EQ(r.recorded(), 0u);
  gate.release();
  EXPECT_EQ(r.write_report(), "");
  EXPECT_EQ(r.recorded(), 1u);
  const auto report = nlohmann::json::parse(read_file(options.report_path));
  EXPECT_EQ(report["summary"]["dropped"], 2);
  EXPECT_EQ(r.report_json()["summary"]["dropped"], 2);
  const auto har = nlohmann::json::parse(read_file(options.har_path));
  ASSERT_EQ(har["log"]["entries"].size(), 1u);
  EXPECT_THAT(har["log"]["entries"][0]["request"]["url"].get<std::string>(), HasSubstr("n=1&"));
}

TEST_F(recorder_test, a_queue_full_in_bytes_drops_and_its_budget_comes_back_as_exchanges_are_written) {
  worker_gate gate;
  recorder_options options;
  options.har_path = path("bytes.har");
  options.queue_bytes = (5u << 20) / 2;  // 2.5 MiB: two exchanges with a 1 MiB body fit, a third does not
  options.before_each = gate.hook();
  auto big = [](int i, std::size_t body) {
    auto e = make(i);
    e->response_body = "[\"" + std::string(body, 'x') + "\"]";
    return e;
  };
  recorder r(*contract_, options);
  ASSERT_EQ(r.start(), "");
  EXPECT_TRUE(r.offer(big(1, 1u << 20)));
  EXPECT_TRUE(r.offer(big(2, 1u << 20)));
  EXPECT_FALSE(r.offer(big(3, 1u << 20)));  // over the byte budget, though the queue has room for 4096
  EXPECT_TRUE(r.offer(make(4)));            // a small one still fits
  EXPECT_EQ(r.dropped(), 1u);
  gate.release();
  EXPECT_EQ(r.write_report(), "");  // drains: the budget is free again
  EXPECT_TRUE(r.offer(big(5, 4u << 20)));  // bigger than the whole budget, taken into an empty queue
  EXPECT_EQ(r.write_report(), "");
  EXPECT_EQ(r.recorded(), 4u);
  EXPECT_EQ(r.dropped(), 1u);
  EXPECT_EQ(r.stop(), "");
  const auto har = nlohmann::json::parse(read_file(options.har_path));
  ASSERT_EQ(har["log"]["entries"].size(), 4u);
  EXPECT_THAT(har["log"]["entries"][2]["request"]["url"].get<std::string>(), HasSubstr("n=4&"));
}

TEST_F(recorder_test, write_report_writes_json_and_junit) {
  recorder_options options;
  options.report_path = path("report.json");
  options.suite = "nightly proxy";
  recorder r(*contract_, options);
  EXPECT_TRUE(r.active());
  ASSERT_EQ(r.start(), "");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(r.offer(make(i)));
  EXPECT_EQ(r.write_report(), "");
  const std::string json_text = read_file(options.report_path);
  EXPECT_THAT(json_text, HasSubstr("\n  \"summary\""));  // indented
  const auto report = nlohmann::json::parse(json_text);
  EXPECT_EQ(report["summary"]["exchanges"], 3);
  EXPECT_EQ(report["summary"]["dropped"], 0);
  const std::string xml = read_file(path("report.xml"));
  EXPECT_THAT(xml, HasSubstr("<testsuites"));
  EXPECT_THAT(xml, HasSubstr("nightly proxy"));
  EXPECT_FALSE(std::filesystem::exists(path("report.har")));

  // Errors name the file.
  recorder_options bad;
  bad.report_path = path("missing-dir/report.json");
  recorder broken(*contract_, bad);
  ASSERT_EQ(broken.start(), "");
  EXPECT_THAT(broken.write_report(), HasSubstr(bad.report_path));
  EXPECT_THAT(broken.stop(), HasSubstr(bad.report_path));
}

TEST_F(recorder_test, a_har_that_cannot_be_created_is_an_error_naming_it) {
  recorder_options options;
  options.har_path = path("missing-dir/traffic.har");
  recorder r(*contract_, options);
  EXPECT_THAT(r.start(), HasSubstr(options.har_path));
  EXPECT_FALSE(r.offer(make(1)));
}

TEST_F(recorder_test, compressed_responses_are_recorded_decoded) {
  recorder_options options;
  options.har_path = path("gzip.har");
  recorder r(*contract_, options);
  ASSERT_EQ(r.start(), "");
  auto e = make(1);
  e->response_headers.emplace_back("Content-Encoding", "gzip");
  e->response_body = validator::gzip_encode(R"(["zipped"])");
  ASSERT_TRUE(r.offer(std::move(e)));
  EXPECT_EQ(r.stop(), "");
  const auto har = nlohmann::json::parse(read_file(options.har_path));
  const auto& content = har["log"]["entries"][0]["response"]["content"];
  EXPECT_EQ(content["text"], R"(["zipped"])");
  EXPECT_FALSE(content.contains("_contentEncoding"));
}

TEST_F(recorder_test, stop_is_idempotent_and_later_offers_are_dropped) {
  recorder_options options;
  options.har_path = path("stop.har");
  options.report_path = path("stop.json");
  recorder r(*contract_, options);
  ASSERT_EQ(r.start(), "");
  ASSERT_TRUE(r.offer(make(1)));
  EXPECT_EQ(r.stop(), "");
  EXPECT_EQ(r.stop(), "");
  EXPECT_EQ(r.recorded(), 1u);
  EXPECT_FALSE(r.offer(make(2)));
  EXPECT_EQ(r.dropped(), 1u);
  EXPECT_EQ(nlohmann::json::parse(read_file(options.har_path))["log"]["entries"].size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(read_file(options.report_path))["summary"]["exchanges"], 1);
}

TEST_F(recorder_test, the_destructor_drains_and_writes_everything) {
  recorder_options options;
  options.har_path = path("dtor.har");
  options.report_path = path("dtor.json");
  {
    recorder r(*contract_, options);
    ASSERT_EQ(r.start(), "");
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(r.offer(make(i)));
  }
  const auto read = validator::read_har(read_file(options.har_path), options.har_path);
  EXPECT_TRUE(read.problems.empty());
  ASSERT_EQ(read.exchanges.size(), 50u);
  EXPECT_EQ(read.exchanges[49].target, "/items?n=49&api_key=[redacted]");
  EXPECT_EQ(nlohmann::json::parse(read_file(options.report_path))["summary"]["exchanges"], 50);
  EXPECT_TRUE(std::filesystem::exists(path("dtor.xml")));
}

TEST_F(recorder_test, without_record_or_report_it_is_inactive) {
  recorder r(*contract_, {});
  EXPECT_FALSE(r.active());
  EXPECT_EQ(r.start(), "");
  EXPECT_FALSE(r.offer(make(1)));
  EXPECT_EQ(r.dropped(), 0u);
  EXPECT_EQ(r.write_report(), "");
  EXPECT_EQ(r.stop(), "");
}

}  // namespace
}  // namespace specgate::server
