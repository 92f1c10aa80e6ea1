#pragma once
// The request journal behind GET/DELETE /__specgate/journal: the last N
// exchanges (request, response, violations), so a test can check what a
// client sent and what it got.
//
// Memory is bounded: a ring of `capacity` slots, each entry bounded too
// (body excerpt, header count and value lengths; credentials and secret query
// parameters redacted as in a recording; bodies are kept as sent).
// No global lock on the request path: add() reserves a sequence number with
// one atomic increment and locks only the slot it writes (contended only by a
// reader copying that very slot, or by a writer one full lap behind). A slot
// keeps its buffers: once the ring has gone round, add() copies into memory
// it already owns and allocates nothing. Entries are decoded (and the
// violations rendered as JSON) only when read.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/http/http_types.h"
#include "validator/traffic/har.h"

namespace specgate::server {

struct journal_entry {
  std::uint64_t id = 0;  // 1, 2, 3... in order of add()
  std::chrono::system_clock::time_point time;  // when specgate started answering it
  std::chrono::microseconds duration{0};       // time spent answering (the network aside)
  std::string method;
  std::string path;          // without the query
  std::string query;         // without '?', as received but for secret parameters ("api_key=[redacted]")
  std::string operation_id;  // empty: no operation matched
  int status = 0;
  header_list headers;        // bounded; credential values redacted ("ApiKey [redacted]")
  std::string body;           // the first body_excerpt_limit bytes
  std::size_t body_size = 0;  // the whole body's size
  header_list response_headers;        // what the client got back: bounded, Set-Cookie redacted
  std::string response_body;           // the first body_excerpt_limit bytes (as sent: maybe compressed)
  std::size_t response_body_size = 0;
  std::size_t violation_count = 0;  // request and response violations
  // The request's violations (the specgate-violations list): each as violation_json(), then
  // {"omitted":N} when more than violations_limit were found. An empty array when none.
  nlohmann::json violations = nlohmann::json::array();
  nlohmann::json response_violations = nlohmann::json::array();  // --strict: the response check's, alike

  // Keys in a stable, readable order. Body, path and headers are what the
  // client sent: serialise with error_handler_t::replace (invalid UTF-8).
  nlohmann::ordered_json to_json() const;
  // {"status","headers","body","bodySize","bodyTruncated"}: the "response" member of to_json().
  nlohmann::ordered_json response_json() const;
};

// "2024-05-01T12:34:56.789Z"
std::string format_utc(std::chrono::system_clock::time_point time);

class journal {
 public:
  static constexpr std::size_t default_capacity = 1000;
  static constexpr std::size_t body_excerpt_limit = 4096;
  static constexpr std::size_t header_count_limit = 64;
  static constexpr std::size_t header_value_limit = 1024;
  static constexpr std::size_t target_part_limit = 2048;  // path, query
  static constexpr std::size_t violations_limit = 64;  // per list; beyond: counted as omitted

  // 0 = keep nothing. `redact`: what to redact besides the defaults (--redact-header); the same
  // rules as a recording's (validator/traffic/har.h): headers and query parameters.
  explicit journal(std::size_t capacity = default_capacity, validator::redaction redact = {});
  ~journal();
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  std::size_t capacity() const { return capacity_; }

  // Records a finished exchange: bounded copies, credentials redacted; the
  // response's violations (data, not its headers) are kept.
  // `started` is when answering began. Thread-safe. Beyond capacity, the
  // oldest entry goes.
  void add(const http_request& request, const http_response& response, std::chrono::microseconds duration,
           std::chrono::system_clock::time_point started = std::chrono::system_clock::now());

  // Newest first; only those with this operationId when `operation_id` is set;
  // at most `limit`. Thread-safe.
  std::vector<journal_entry> entries(const std::string* operation_id = nullptr,
                                     std::size_t limit = std::numeric_limits<std::size_t>::max()) const;

  // Forgets every entry added so far. Thread-safe.
  void clear();

  std::size_t size() const;         // entries held now
  std::uint64_t recorded() const;   // entries ever added (also those dropped or cleared)

 private:
  struct slot;
  std::size_t capacity_;
  validator::redaction redact_;
  std::unique_ptr<slot[]> slots_;
  std::atomic<std::uint64_t> next_id_{1};
  std::atomic<std::uint64_t> cleared_below_{1};  // ids below this were cleared
};

}  // namespace specgate::server
