#include "server/observe/journal.h"
#include "server/http/profile_answers.h"
#include "validator/text_util.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <utility>

namespace specgate::server {

std::string format_utc(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() % 1000;
  if (ms < 0) ms += 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];  // room for any int the format could print
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

namespace {
// Headers as one object, lower-case names, repeated ones joined with ", ".
nlohmann::ordered_json headers_json(const header_list& headers) {
  nlohmann::ordered_json h = nlohmann::ordered_json::object();
  for (const auto& [name, value] : headers) {
    std::string key = to_lower(name);
    if (h.contains(key))
      h[key] = h[key].get<std::string>() + ", " + value;
    else
      h[key] = value;
  }
  return h;
}
}  // namespace

nlohmann::ordered_json journal_entry::response_json() const {
  return {{"status", status},
          {"headers", headers_json(response_headers)},
          {"body", response_body},
          {"bodySize", response_body_size},
          {"bodyTruncated", response_body_size > response_body.size()}};
}

nlohmann::ordered_json journal_entry::to_json() const {
  nlohmann::ordered_json h = headers_json(headers);
  nlohmann::ordered_json out = {
      {"id", id},
      {"time", format_utc(time)},
      {"durationMs", static_cast<double>(duration.count()) / 1000.0},
      {"method", method},
      {"path", path},
      {"query", query},
      {"operationId", operation_id.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(operation_id)},
      {"status", status},
      {"headers", std::move(h)},
      {"body", body},
      {"bodySize", body_size},
      {"bodyTruncated", body_size > body.size()},
      {"response", response_json()},
      {"violationCount", violation_count},
      {"violations", nlohmann::ordered_json(violations)},
  };
  if (!response_violations.empty()) out["responseViolations"] = nlohmann::ordered_json(response_violations);
  return out;
}

struct journal::slot {
  mutable std::mutex mutex;
  std::uint64_t id = 0;  // 0 = empty
  std::chrono::system_clock::time_point time;
  std::chrono::microseconds duration{0};
  int status = 0;
  std::size_t body_size = 0;
  std::size_t violation_count = 0;
  // Reused from lap to lap: assign() keeps the capacity.
  std::string method, path, query, operation_id;
  std::string headers;     // (u32 length, name, u32 length, value)...
  std::string body;        // excerpt
  std::string response_headers;  // same encoding
  std::string response_body;     // excerpt
  std::size_t response_body_size = 0;
  // The first violations_limit of each list and how many more there were.
  validator::violations violations, response_violations;
  std::size_t violations_omitted = 0, response_violations_omitted = 0;

  void decode_into(journal_entry& e) const {
    e.id = id;
    e.time = time;
    e.duration = duration;
    e.status = status;
    e.body_size = body_size;
    e.violation_count = violation_count;
    e.method = method;
    e.path = path;
    e.query = query;
    e.operation_id = operation_id;
    e.body = body;
    e.response_body = response_body;
    e.response_body_size = response_body_size;
    decode_headers(headers, e.headers);
    decode_headers(response_headers, e.response_headers);
    auto render = [](const validator::violations& list, std::size_t omitted) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& v : list) out.push_back(violation_json(v));
      if (omitted) out.push_back({{"omitted", omitted}});
      return out;
    };
    e.violations = render(violations, violations_omitted);
    e.response_violations = render(response_violations, response_violations_omitted);
  }

  static void decode_headers(const std::string& encoded, header_list& out) {
    out.clear();
    std::size_t pos = 0;
    auto field = [&]() {
      std::uint32_t n = 0;
      std::memcpy(&n, encoded.data() + pos, sizeof n);
      pos += sizeof n;
      std::string text = encoded.substr(pos, n);
      pos += n;
      return text;
    };
    while (pos < encoded.size()) {
      std::string name = field();
      std::string value = field();
      out.emplace_back(std::move(name), std::move(value));
    }
  }
};

journal::journal(std::size_t capacity, validator::redaction redact)
    : capacity_(capacity),
      redact_(std::move(redact)),
      slots_(capacity ? std::make_unique<slot[]>(capacity) : nullptr) {}

journal::~journal() = default;

namespace {

void append_field(std::string& out, std::string_view value) {
  const auto n = static_cast<std::uint32_t>(value.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  out.append(value);
}

}  // namespace

void journal::add(const http_request& request, const http_response& response, std::chrono::microseconds duration,
                  std::chrono::system_clock::time_point started) {
  if (capacity_ == 0) return;
  const std::uint64_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
  slot& s = slots_[id % capacity_];
  const std::string_view target = request.target;
  const auto q = target.find('?');
  std::lock_guard lock(s.mutex);
  // A writer a full lap ahead already took the slot: this entry is already too old.
  if (s.id > id) return;
  s.id = id;
  s.time = started;
  s.duration = duration;
  s.status = response.status;
  s.body_size = request.body.size();
  s.violation_count = response.violation_count();
  s.method.assign(std::string_view(request.method).substr(0, 32));
  s.path.assign(target.substr(0, std::min(q, target_part_limit)));
  if (q != std::string_view::npos)  // api_key=[redacted]: the recording's rules (validator/traffic/har.h)
    s.query.assign(std::string_view(validator::redacted_target(redact_, target.substr(q + 1), true))
                       .substr(0, target_part_limit));
  else
    s.query.clear();
  s.operation_id.assign(response.operation_id);
  s.headers.clear();
  const std::size_t n = std::min(request.headers.size(), header_count_limit);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& [name, value] = request.headers[i];
    append_field(s.headers, std::string_view(name).substr(0, 256));
    if (validator::redacts_header(redact_, name))
      append_field(s.headers, validator::redacted_header_value(redact_, name, std::string_view(value).substr(0, header_value_limit)));
    else
      append_field(s.headers, std::string_view(value).substr(0, header_value_limit));
  }
  s.body.assign(std::string_view(request.body).substr(0, body_excerpt_limit));
  s.response_headers.clear();
  const std::size_t m = std::min(response.headers.size(), header_count_limit);
  for (std::size_t i = 0; i < m; ++i) {
    const auto& [name, value] = response.headers[i];
    if (iequals(name, "specgate-violations") || iequals(name, "specgate-response-violations")) continue;  // listed below
    append_field(s.response_headers, std::string_view(name).substr(0, 256));
    if (validator::redacts_header(redact_, name))
      append_field(s.response_headers, validator::redacted_header_value(redact_, name, std::string_view(value).substr(0, header_value_limit)));
    else
      append_field(s.response_headers, std::string_view(value).substr(0, header_value_limit));
  }
  s.response_body.assign(std::string_view(response.body).substr(0, body_excerpt_limit));
  s.response_body_size = response.body.size();
  auto keep = [](const validator::violations& from, validator::violations& to, std::size_t& omitted) {
    const std::size_t n = std::min(from.size(), violations_limit);
    to.assign(from.begin(), from.begin() + static_cast<std::ptrdiff_t>(n));
    omitted = from.size() - n;
  };
  keep(response.violations, s.violations, s.violations_omitted);
  keep(response.response_violations, s.response_violations, s.response_violations_omitted);
}

std::vector<journal_entry> journal::entries(const std::string* operation_id, std::size_t limit) const {
  std::vector<journal_entry> out;
  if (capacity_ == 0 || limit == 0) return out;
  const std::uint64_t newest = next_id_.load(std::memory_order_acquire) - 1;
  const std::uint64_t cleared = cleared_below_.load(std::memory_order_acquire);
  const std::uint64_t lap = newest >= capacity_ ? newest - capacity_ + 1 : 1;
  const std::uint64_t oldest = std::max(cleared, lap);
  for (std::uint64_t id = newest; id >= oldest && id > 0 && out.size() < limit; --id) {
    const slot& s = slots_[id % capacity_];
    std::lock_guard lock(s.mutex);
    if (s.id != id) continue;  // reserved but not yet written, or already overwritten
    if (operation_id && s.operation_id != *operation_id) continue;
    s.decode_into(out.emplace_back());
  }
  return out;
}

void journal::clear() {
  if (capacity_ == 0) return;
  const std::uint64_t below = next_id_.load(std::memory_order_acquire);
  std::uint64_t current = cleared_below_.load(std::memory_order_relaxed);
  while (current < below && !cleared_below_.compare_exchange_weak(current, below, std::memory_order_acq_rel)) {
  }
  // Free the memory of what was cleared (a late writer's entry goes on the next lap).
  for (std::size_t i = 0; i < capacity_; ++i) {
    slot& s = slots_[i];
    std::lock_guard lock(s.mutex);
    if (s.id == 0 || s.id >= below) continue;
    s.id = 0;
    for (std::string* field : {&s.method, &s.path, &s.query, &s.operation_id, &s.headers, &s.body,
                               &s.response_headers, &s.response_body})
      std::string().swap(*field);
    validator::violations().swap(s.violations);
    validator::violations().swap(s.response_violations);
  }
}

std::size_t journal::size() const {
  if (capacity_ == 0) return 0;
  const std::uint64_t next = next_id_.load(std::memory_order_acquire);
  const std::uint64_t cleared = cleared_below_.load(std::memory_order_acquire);
  return static_cast<std::size_t>(std::min<std::uint64_t>(next > cleared ? next - cleared : 0, capacity_));
}

std::uint64_t journal::recorded() const { return next_id_.load(std::memory_order_acquire) - 1; }

}  // namespace specgate::server
