#pragma once
// Request metrics for GET /__specgate/metrics, in Prometheus' text format
// (version 0.0.4): requests by operationId and status, violations by
// location and code, and a latency histogram.
//
// The request path takes no shared lock: counters are sharded, each thread
// writes to its own shard (threads are spread over `shard_count` shards
// round-robin, so a shard's mutex is contended only when there are more
// server threads than shards, or while a scrape reads it).
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace specgate::server {

class metrics {
 public:
  // Upper bounds of the latency histogram's buckets, in seconds (+Inf is implied).
  static constexpr std::array<double, 16> latency_buckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                             0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                             1.0,    2.5,     5.0,    10.0};
  static constexpr std::size_t default_shards = 64;

  explicit metrics(std::size_t shard_count = default_shards);
  ~metrics();
  metrics(const metrics&) = delete;
  metrics& operator=(const metrics&) = delete;

  // One answered request. `operation_id` is empty when no operation matched.
  void record_request(std::string_view operation_id, int status);
  // The time one response took, from its request's first byte to the end of the write.
  void record_latency(std::chrono::microseconds duration);
  // `count` violations of one kind ("body", "type"), from the violations an exchange carries.
  void record_violations(std::string_view location, std::string_view code, std::uint64_t count = 1);
  // A reload attempt (watch or SIGHUP) and its outcome.
  void record_reload(bool succeeded);

  // The proxy's series (rendered once enable_proxy() was called):
  void enable_proxy();
  // `count` violations found in one direction ("request", "response") of an exchange of `operation_id`.
  void record_operation_violations(std::string_view operation_id, std::string_view direction, std::uint64_t count);
  // The wait for one upstream response (request written -> response read).
  void record_upstream_latency(std::chrono::microseconds duration);
  // An upstream call that failed ("refused", "timeout", ...: upstream_client's failure names).
  void record_upstream_error(std::string_view kind);
  // An exchange direction left unchecked ("request"/"response") for `reason` ("too_large", "undecodable").
  void record_unchecked(std::string_view direction, std::string_view reason);
  // Exchanges the recorder (--record, --report) could not take: its queue was full.
  void set_recorder_dropped(std::uint64_t dropped);

  // Totals, merged over all shards (a consistent-enough view: each shard is read under its lock).
  struct snapshot {
    std::map<std::pair<std::string, int>, std::uint64_t> requests;                 // (operationId, status)
    std::map<std::pair<std::string, std::string>, std::uint64_t> violations;       // (location, code)
    std::array<std::uint64_t, latency_buckets.size() + 1> buckets{};  // non-cumulative; last = above all bounds
    std::uint64_t count = 0;
    std::uint64_t sum_us = 0;
    std::uint64_t reloads_ok = 0;
    std::uint64_t reloads_failed = 0;
    // Proxy: (operationId, direction) -> violations; failure kind -> count; (direction, reason) -> count.
    std::map<std::pair<std::string, std::string>, std::uint64_t> operation_violations;
    std::map<std::string, std::uint64_t> upstream_errors;
    std::map<std::pair<std::string, std::string>, std::uint64_t> unchecked;
    std::array<std::uint64_t, latency_buckets.size() + 1> upstream_buckets{};
    std::uint64_t upstream_count = 0;
    std::uint64_t upstream_sum_us = 0;
    std::uint64_t recorder_dropped = 0;
  };
  snapshot collect() const;

  // The counters and the histogram as Prometheus text (HELP/TYPE lines, one sample per line).
  void render(std::string& out) const;

  // Helpers for further samples rendered next to these (gauges of the admin API).
  static void append_gauge(std::string& out, std::string_view name, std::string_view help, double value);
  // Escapes a label value: backslash, double quote and newline.
  static std::string escape_label(std::string_view value);

 private:
  struct shard;
  shard& local_shard();

  std::size_t shard_count_;
  std::unique_ptr<shard[]> shards_;
  std::atomic<std::uint64_t> reloads_ok_{0};
  std::atomic<std::uint64_t> reloads_failed_{0};
  std::atomic<bool> proxy_{false};
  std::atomic<std::uint64_t> recorder_dropped_{0};
};

}  // namespace specgate::server
