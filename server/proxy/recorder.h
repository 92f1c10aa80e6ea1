#pragma once
// Takes finished exchanges off the traffic path and hands them, on its own
// thread, to the HAR recording (--record) and the traffic report (--report).
// offer() never blocks and never allocates beyond the exchange it is given:
// a queue bounded in exchanges and in bytes held; when it is full the exchange
// is counted as dropped, and the count is reported (metrics, the report, the
// log at exit), never silent.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "validator/contract/contract.h"
#include "validator/traffic/exchange.h"
#include "validator/traffic/har.h"

namespace specgate::server {

struct recorder_options {
  std::string har_path;        // --record FILE; empty: no recording
  validator::redaction redact;  // --redact-header NAME adds to redact.headers
  std::string report_path;     // --report FILE: FILE (JSON) and FILE with .xml (JUnit); empty: none
  std::size_t queue_capacity = 4096;
  // Bytes the queued exchanges may hold (bodies, headers, target): bodies up to --max-check-bytes
  // are kept for the HAR, so the count alone would not bound memory. An exchange bigger than this
  // is still taken when the queue is empty.
  std::size_t queue_bytes = std::size_t{256} << 20;
  std::string suite = "specgate proxy";
  std::string version;         // creator version in the HAR
  // Test hook: runs on the recorder's thread before each exchange is taken up (a test blocks
  // it to fill the queue). Empty in production.
  std::function<void()> before_each;
};

class recorder {
 public:
  // `c` must outlive the recorder.
  recorder(const validator::contract& c, recorder_options options);
  ~recorder();  // drains the queue, writes the report, closes the HAR
  recorder(const recorder&) = delete;
  recorder& operator=(const recorder&) = delete;

  // Opens the HAR file, starts the thread; "" or an error naming the file. Does nothing when
  // not active(). Call once.
  std::string start();
  // Thread-safe, lock-free, never blocks: false (and counted) when the queue is full, or when
  // the recorder is not running (before start(), after stop()). When not active() it returns
  // false and counts nothing: there is nothing to record.
  // On its thread each exchange is redacted (the HAR and the report see the same copy), its
  // response decoded for the HAR when it names a Content-Encoding, written, and counted.
  bool offer(std::unique_ptr<validator::exchange> e);
  // Waits until everything offered so far is written, then writes the report files
  // (SIGTERM/SIGINT, POST /__specgate/report): report_path (JSON, indented) and report_path
  // with its extension replaced by .xml (JUnit). Returns "" or the error naming the file;
  // "" without --report. Thread-safe.
  std::string write_report();
  // The report as JSON now (after draining), for POST /__specgate/report's answer; its
  // summary carries "dropped". Thread-safe.
  nlohmann::ordered_json report_json();
  // Drains, writes the report, closes the HAR; idempotent (later calls return ""). Logs
  // nothing: returns "" or the errors (HAR writing, report, closing), for the caller to log
  // with dropped().
  std::string stop();

  bool active() const;  // recording or reporting
  std::uint64_t dropped() const;
  std::uint64_t recorded() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace specgate::server
