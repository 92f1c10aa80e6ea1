#include "server/observe/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <mutex>
#include <type_traits>
#include <unordered_map>

namespace specgate::server {

namespace {

// Heterogeneous keys: the request path looks up with views, no allocation
// unless the key is new.
struct request_key {
  std::string operation_id;
  int status = 0;
};
struct request_key_view {
  std::string_view operation_id;
  int status = 0;
};
struct violation_key {
  std::string location;
  std::string code;
};
struct violation_key_view {
  std::string_view location;
  std::string_view code;
};

struct key_hash {
  using is_transparent = void;
  static std::size_t mix(std::size_t a, std::size_t b) { return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2)); }
  std::size_t operator()(const request_key_view& k) const {
    return mix(std::hash<std::string_view>{}(k.operation_id), static_cast<std::size_t>(k.status));
  }
  std::size_t operator()(const request_key& k) const { return (*this)(request_key_view{k.operation_id, k.status}); }
  std::size_t operator()(const violation_key_view& k) const {
    return mix(std::hash<std::string_view>{}(k.location), std::hash<std::string_view>{}(k.code));
  }
  std::size_t operator()(const violation_key& k) const { return (*this)(violation_key_view{k.location, k.code}); }
};

struct key_equal {
  using is_transparent = void;
  static request_key_view view(const request_key& k) { return {k.operation_id, k.status}; }
  static request_key_view view(const request_key_view& k) { return k; }
  static violation_key_view view(const violation_key& k) { return {k.location, k.code}; }
  static violation_key_view view(const violation_key_view& k) { return k; }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    const auto x = view(a);
    const auto y = view(b);
    if constexpr (std::is_same_v<std::remove_cv_t<decltype(x)>, request_key_view>)
      return x.status == y.status && x.operation_id == y.operation_id;
    else
      return x.location == y.location && x.code == y.code;
  }
};

std::string format_number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  char buf[512];
  // Shortest round-trip form; plain decimals ("0.0001", not "1e-04") where that is short.
  const double magnitude = std::fabs(value);
  const bool fixed = magnitude == 0 || (magnitude >= 1e-9 && magnitude < 1e15);
  auto [end, ec] = fixed ? std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed)
                         : std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return "0";
  return std::string(buf, end);
}

std::size_t next_thread_slot() {
  static std::atomic<std::size_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

struct alignas(64) metrics::shard {
  std::mutex mutex;
  std::unordered_map<request_key, std::uint64_t, key_hash, key_equal> requests;
  std::unordered_map<violation_key, std::uint64_t, key_hash, key_equal> violations;
  std::array<std::uint64_t, latency_buckets.size() + 1> buckets{};
  std::uint64_t count = 0;
  std::uint64_t sum_us = 0;
  // Proxy series; the two-string keys reuse violation_key: (operationId, direction),
  // (kind, ""), (direction, reason).
  std::unordered_map<violation_key, std::uint64_t, key_hash, key_equal> operation_violations;
  std::unordered_map<violation_key, std::uint64_t, key_hash, key_equal> upstream_errors;
  std::unordered_map<violation_key, std::uint64_t, key_hash, key_equal> unchecked;
  std::array<std::uint64_t, latency_buckets.size() + 1> upstream_buckets{};
  std::uint64_t upstream_count = 0;
  std::uint64_t upstream_sum_us = 0;
};

metrics::metrics(std::size_t shard_count)
    : shard_count_(std::max<std::size_t>(1, shard_count)), shards_(std::make_unique<shard[]>(shard_count_)) {}

metrics::~metrics() = default;

metrics::shard& metrics::local_shard() {
  // A thread keeps its slot for life; every metrics object maps it the same way.
  thread_local const std::size_t slot = next_thread_slot();
  return shards_[slot % shard_count_];
}

void metrics::record_request(std::string_view operation_id, int status) {
  shard& s = local_shard();
  std::lock_guard lock(s.mutex);
  auto it = s.requests.find(request_key_view{operation_id, status});
  if (it == s.requests.end()) it = s.requests.emplace(request_key{std::string(operation_id), status}, 0).first;
  ++it->second;
}

namespace {
// Prometheus buckets are "less than or equal": lower_bound finds the first bound >= value.
std::size_t latency_bucket(std::uint64_t us) {
  const double seconds = static_cast<double>(us) / 1e6;
  return static_cast<std::size_t>(std::lower_bound(metrics::latency_buckets.begin(), metrics::latency_buckets.end(),
                                                   seconds) -
                                  metrics::latency_buckets.begin());
}
std::uint64_t micros(std::chrono::microseconds d) { return static_cast<std::uint64_t>(std::max<std::int64_t>(0, d.count())); }

template <class Map>
void bump(Map& map, std::string_view a, std::string_view b, std::uint64_t count) {
  auto it = map.find(violation_key_view{a, b});
  if (it == map.end()) it = map.emplace(violation_key{std::string(a), std::string(b)}, 0).first;
  it->second += count;
}
// A latency histogram's TYPE line and samples (cumulative buckets, +Inf, sum in seconds, count).
void append_histogram(std::string& out, std::string_view name,
                      const std::array<std::uint64_t, metrics::latency_buckets.size() + 1>& buckets,
                      std::uint64_t sum_us, std::uint64_t count) {
  const std::string n(name);
  out += "# TYPE " + n + " histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < metrics::latency_buckets.size(); ++b) {
    cumulative += buckets[b];
    out += n + "_bucket{le=\"" + format_number(metrics::latency_buckets[b]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  cumulative += buckets.back();
  out += n + "_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  out += n + "_sum " + format_number(static_cast<double>(sum_us) / 1e6) + "\n";
  out += n + "_count " + std::to_string(count) + "\n";
}

}  // namespace

void metrics::record_latency(std::chrono::microseconds duration) {
  const auto us = micros(duration);
  const std::size_t bucket = latency_bucket(us);
  shard& s = local_shard();
  std::lock_guard lock(s.mutex);
  ++s.buckets[bucket];
  ++s.count;
  s.sum_us += us;
}

void metrics::enable_proxy() { proxy_.store(true, std::memory_order_relaxed); }

void metrics::record_operation_violations(std::string_view operation_id, std::string_view direction,
                                          std::uint64_t count) {
  if (count == 0) return;
  shard& s = local_shard();
  std::lock_guard lock(s.mutex);
  bump(s.operation_violations, operation_id, direction, count);
}

void metrics::record_upstream_latency(std::chrono::microseconds duration) {
  const auto us = micros(duration);
  const std::size_t bucket = latency_bucket(us);
  shard& s = local_shard();
  std::lock_guard lock(s.mutex);
  ++s.upstream_buckets[bucket];
  ++s.upstream_count;
  s.upstream_sum_us += us;
}

void metrics::record_upstream_error(std::string_view kind) {
  shard& s = local_shard();
  std::lock_guard lock(s.mutex);
  bump(s.upstream_errors, kind, "", 1);
}

void metrics::record_unchecked(std::string_view direction, std::string_view reason) {
  shard& s = local_shard();
  std::lock_guard lock(s.mutex);
  bump(s.unchecked, direction, reason, 1);
}

void metrics::set_recorder_dropped(std::uint64_t dropped) { recorder_dropped_.store(dropped, std::memory_order_relaxed); }

void metrics::record_violations(std::string_view location, std::string_view code, std::uint64_t count) {
  if (count == 0) return;
  shard& s = local_shard();
  std::lock_guard lock(s.mutex);
  auto it = s.violations.find(violation_key_view{location, code});
  if (it == s.violations.end())
    it = s.violations.emplace(violation_key{std::string(location), std::string(code)}, 0).first;
  it->second += count;
}

void metrics::record_reload(bool succeeded) {
  (succeeded ? reloads_ok_ : reloads_failed_).fetch_add(1, std::memory_order_relaxed);
}

metrics::snapshot metrics::collect() const {
  snapshot out;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    shard& s = shards_[i];
    std::lock_guard lock(s.mutex);
    for (const auto& [k, n] : s.requests) out.requests[{k.operation_id, k.status}] += n;
    for (const auto& [k, n] : s.violations) out.violations[{k.location, k.code}] += n;
    for (std::size_t b = 0; b < s.buckets.size(); ++b) out.buckets[b] += s.buckets[b];
    out.count += s.count;
    out.sum_us += s.sum_us;
    for (const auto& [k, n] : s.operation_violations) out.operation_violations[{k.location, k.code}] += n;
    for (const auto& [k, n] : s.upstream_errors) out.upstream_errors[k.location] += n;
    for (const auto& [k, n] : s.unchecked) out.unchecked[{k.location, k.code}] += n;
    for (std::size_t b = 0; b < s.upstream_buckets.size(); ++b) out.upstream_buckets[b] += s.upstream_buckets[b];
    out.upstream_count += s.upstream_count;
    out.upstream_sum_us += s.upstream_sum_us;
  }
  out.recorder_dropped = recorder_dropped_.load(std::memory_order_relaxed);
  out.reloads_ok = reloads_ok_.load(std::memory_order_relaxed);
  out.reloads_failed = reloads_failed_.load(std::memory_order_relaxed);
  return out;
}

std::string metrics::escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void metrics::append_gauge(std::string& out, std::string_view name, std::string_view help, double value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" gauge\n");
  out.append(name).append(" ").append(format_number(value)).append("\n");
}

void metrics::render(std::string& out) const {
  const snapshot s = collect();

  out += "# HELP specgate_requests_total Requests answered by the mock, by operationId (empty: no operation matched) "
         "and status.\n";
  out += "# TYPE specgate_requests_total counter\n";
  for (const auto& [key, n] : s.requests) {
    out += "specgate_requests_total{operationId=\"" + escape_label(key.first) + "\",status=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }

  out += "# HELP specgate_violations_total Contract violations found in requests (and with --strict in the mock's answers), by location and code.\n";
  out += "# TYPE specgate_violations_total counter\n";
  for (const auto& [key, n] : s.violations) {
    out += "specgate_violations_total{location=\"" + escape_label(key.first) + "\",code=\"" +
           escape_label(key.second) + "\"} " + std::to_string(n) + "\n";
  }

  out += "# HELP specgate_request_duration_seconds Time from a request's first byte to the end of its response "
         "(every response written, also the server's own 408/413/431).\n";
  append_histogram(out, "specgate_request_duration_seconds", s.buckets, s.sum_us, s.count);

  if (proxy_.load(std::memory_order_relaxed)) {
    out += "# HELP specgate_operation_violations_total Violations found by the proxy, by operationId (empty: "
           "undocumented) and direction.\n";
    out += "# TYPE specgate_operation_violations_total counter\n";
    for (const auto& [key, n] : s.operation_violations)
      out += "specgate_operation_violations_total{operationId=\"" + escape_label(key.first) + "\",direction=\"" +
             escape_label(key.second) + "\"} " + std::to_string(n) + "\n";
    out += "# HELP specgate_upstream_duration_seconds Time the upstream took to answer (request written to "
           "response read).\n";
    append_histogram(out, "specgate_upstream_duration_seconds", s.upstream_buckets, s.upstream_sum_us, s.upstream_count);
    out += "# HELP specgate_upstream_errors_total Upstream calls that failed, by kind (the proxy answered 502/504).\n";
    out += "# TYPE specgate_upstream_errors_total counter\n";
    for (const auto& [kind, n] : s.upstream_errors)
      out += "specgate_upstream_errors_total{kind=\"" + escape_label(kind) + "\"} " + std::to_string(n) + "\n";
    out += "# HELP specgate_unchecked_total Exchange directions forwarded without a check, by reason.\n";
    out += "# TYPE specgate_unchecked_total counter\n";
    for (const auto& [key, n] : s.unchecked)
      out += "specgate_unchecked_total{direction=\"" + escape_label(key.first) + "\",reason=\"" +
             escape_label(key.second) + "\"} " + std::to_string(n) + "\n";
    out += "# HELP specgate_recorder_dropped_total Exchanges the recording and the report could not take (queue "
           "full).\n";
    out += "# TYPE specgate_recorder_dropped_total counter\n";
    out += "specgate_recorder_dropped_total " + std::to_string(s.recorder_dropped) + "\n";
  }

  out += "# HELP specgate_reloads_total Reloads of the spec (--watch, SIGHUP), by result.\n";
  out += "# TYPE specgate_reloads_total counter\n";
  out += "specgate_reloads_total{result=\"success\"} " + std::to_string(s.reloads_ok) + "\n";
  out += "specgate_reloads_total{result=\"failure\"} " + std::to_string(s.reloads_failed) + "\n";
}

}  // namespace specgate::server
