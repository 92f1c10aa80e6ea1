#include "server/observe/metrics.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace specgate::server {
namespace {

// A small parser for Prometheus' text format 0.0.4: enough to read back what
// we write and to reject what a scraper would reject.
struct sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};
struct exposition {
  std::map<std::string, std::string> types;  // family -> counter/gauge/histogram
  std::map<std::string, std::string> help;
  std::vector<sample> samples;
  std::vector<std::string> errors;

  double value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels) return s.value;
    return -1;
  }
};

bool valid_name(const std::string& n) {
  if (n.empty() || std::isdigit(static_cast<unsigned char>(n[0]))) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':') return false;
  return true;
}

exposition parse(const std::string& text) {
  exposition out;
  std::istringstream in(text);
  std::string line;
  std::string family_with_samples;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const std::string rest = line.substr(7);
      const auto sp = rest.find(' ');
      const std::string name = rest.substr(0, sp);
      const std::string arg = sp == std::string::npos ? "" : rest.substr(sp + 1);
      if (!valid_name(name)) out.errors.push_back("bad family name: " + line);
      if (line[2] == 'H') {
        out.help[name] = arg;
      } else {
        if (out.types.count(name)) out.errors.push_back("TYPE twice: " + name);
        out.types[name] = arg;
      }
      continue;
    }
    if (line[0] == '#') continue;
    sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (!valid_name(s.name)) out.errors.push_back("bad sample name: " + line);
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const auto eq = line.find('=', i);
        const std::string label = line.substr(i, eq - i);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
          out.errors.push_back("bad label: " + line);
          break;
        }
        std::string value;
        std::size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) {
            ++j;
            value += line[j] == 'n' ? '\n' : line[j];
          } else {
            value += line[j];
          }
        }
        s.labels[label] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;  // '}'
    }
    if (i >= line.size() || line[i] != ' ') {
      out.errors.push_back("no value: " + line);
      continue;
    }
    const std::string value = line.substr(i + 1);
    if (value == "+Inf") s.value = std::numeric_limits<double>::infinity();
    else {
      char* end = nullptr;
      s.value = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0') out.errors.push_back("bad value: " + line);
    }
    // Samples of one family are contiguous and come after its TYPE line.
    std::string family = s.name;
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      if (family.ends_with(suffix) && out.types.count(family.substr(0, family.size() - std::strlen(suffix))))
        family = family.substr(0, family.size() - std::strlen(suffix));
    if (!out.types.count(family)) out.errors.push_back("sample before its TYPE: " + line);
    out.samples.push_back(std::move(s));
  }
  if (!text.empty() && text.back() != '\n') out.errors.push_back("no final newline");
  return out;
}

TEST(metrics, text_format_parses_back_with_the_recorded_counts) {
  metrics m;
  m.record_request("getCaseTagsDefaultSpace", 200);
  m.record_request("getCaseTagsDefaultSpace", 200);
  m.record_request("getCaseTagsDefaultSpace", 401);
  m.record_request("", 404);
  m.record_violations("header", "xsrf");
  m.record_violations("body", "type", 3);
  m.record_reload(true);
  m.record_reload(false);
  m.record_reload(false);

  std::string text;
  m.render(text);
  const auto e = parse(text);
  ASSERT_TRUE(e.errors.empty()) << e.errors.front() << "\n" << text;
  EXPECT_EQ(e.types.at("specgate_requests_total"), "counter");
  EXPECT_EQ(e.types.at("specgate_violations_total"), "counter");
  EXPECT_EQ(e.types.at("specgate_request_duration_seconds"), "histogram");
  EXPECT_FALSE(e.help.at("specgate_requests_total").empty());
  EXPECT_EQ(e.value("specgate_requests_total", {{"operationId", "getCaseTagsDefaultSpace"}, {"status", "200"}}), 2);
  EXPECT_EQ(e.value("specgate_requests_total", {{"operationId", "getCaseTagsDefaultSpace"}, {"status", "401"}}), 1);
  EXPECT_EQ(e.value("specgate_requests_total", {{"operationId", ""}, {"status", "404"}}), 1);
  EXPECT_EQ(e.value("specgate_violations_total", {{"location", "header"}, {"code", "xsrf"}}), 1);
  EXPECT_EQ(e.value("specgate_violations_total", {{"location", "body"}, {"code", "type"}}), 3);
  EXPECT_EQ(e.value("specgate_reloads_total", {{"result", "success"}}), 1);
  EXPECT_EQ(e.value("specgate_reloads_total", {{"result", "failure"}}), 2);
}

TEST(metrics, latency_histogram_is_cumulative_and_ends_with_inf) {
  metrics m;
  using std::chrono::microseconds;
  m.record_latency(microseconds(50));       // <= 0.0001
  m.record_latency(microseconds(100));      // == 0.0001: "le" includes the bound
  m.record_latency(microseconds(3000));     // <= 0.005
  m.record_latency(microseconds(60'000'000));  // above every bound
  std::string text;
  m.render(text);
  const auto e = parse(text);
  ASSERT_TRUE(e.errors.empty()) << e.errors.front() << "\n" << text;
  double previous = 0;
  double last_bound = 0;
  std::size_t buckets = 0;
  for (const auto& s : e.samples) {
    if (s.name != "specgate_request_duration_seconds_bucket") continue;
    ++buckets;
    EXPECT_GE(s.value, previous) << "cumulative";
    previous = s.value;
    const std::string le = s.labels.at("le");
    if (le != "+Inf") {
      const double bound = std::stod(le);
      EXPECT_GT(bound, last_bound) << "increasing bounds";
      last_bound = bound;
    }
  }
  EXPECT_EQ(buckets, metrics::latency_buckets.size() + 1);
  EXPECT_EQ(e.value("specgate_request_duration_seconds_bucket", {{"le", "0.0001"}}), 2);
  EXPECT_EQ(e.value("specgate_request_duration_seconds_bucket", {{"le", "0.005"}}), 3);
  EXPECT_EQ(e.value("specgate_request_duration_seconds_bucket", {{"le", "10"}}), 3);
  EXPECT_EQ(e.value("specgate_request_duration_seconds_bucket", {{"le", "+Inf"}}), 4);
  EXPECT_EQ(e.value("specgate_request_duration_seconds_count"), 4);
  EXPECT_NEAR(e.value("specgate_request_duration_seconds_sum"), 60.00315, 1e-9);
}

TEST(metrics, label_values_are_escaped) {
  metrics m;
  m.record_request("we\"ird\\op\nid", 200);
  std::string text;
  m.render(text);
  EXPECT_NE(text.find(R"(operationId="we\"ird\\op\nid")"), std::string::npos) << text;
  const auto e = parse(text);
  ASSERT_TRUE(e.errors.empty()) << e.errors.front();
  EXPECT_EQ(e.value("specgate_requests_total", {{"operationId", "we\"ird\\op\nid"}, {"status", "200"}}), 1);
}

TEST(metrics, empty_metrics_still_render_every_family) {
  metrics m;
  std::string text;
  m.render(text);
  const auto e = parse(text);
  ASSERT_TRUE(e.errors.empty()) << e.errors.front();
  EXPECT_EQ(e.value("specgate_request_duration_seconds_count"), 0);
  EXPECT_EQ(e.value("specgate_request_duration_seconds_bucket", {{"le", "+Inf"}}), 0);
  metrics::append_gauge(text, "specgate_operations", "Operations.", 24);
  EXPECT_EQ(parse(text).value("specgate_operations"), 24);
}

TEST(metrics, concurrent_recording_loses_nothing) {
  metrics m(4);  // fewer shards than threads: shards are shared too
  constexpr int threads = 8, per_thread = 20'000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&m, t] {
      for (int i = 0; i < per_thread; ++i) {
        m.record_request(t % 2 ? "a" : "b", i % 3 ? 200 : 400);
        m.record_latency(std::chrono::microseconds(i % 1000));
        if (i % 10 == 0) m.record_violations("body", "type");
      }
    });
  // A scraper reading all along.
  std::thread scraper([&m] {
    for (int i = 0; i < 50; ++i) {
      std::string text;
      m.render(text);
    }
  });
  for (auto& t : pool) t.join();
  scraper.join();
  const auto s = m.collect();
  std::uint64_t requests = 0;
  for (const auto& [k, n] : s.requests) requests += n;
  EXPECT_EQ(requests, static_cast<std::uint64_t>(threads) * per_thread);
  EXPECT_EQ(s.count, static_cast<std::uint64_t>(threads) * per_thread);
  EXPECT_EQ(s.violations.at({"body", "type"}), static_cast<std::uint64_t>(threads) * per_thread / 10);
  std::uint64_t in_buckets = 0;
  for (auto b : s.buckets) in_buckets += b;
  EXPECT_EQ(in_buckets, s.count);
}

}  // namespace
}  // namespace specgate::server
