#pragma once
// What a run of traffic showed about a contract: per operation, the exchanges
// seen, their violations and a few sample exchanges, and coverage (operations
// and declared status codes exercised out of those declared), rendered as
// JSON, JUnit XML, text and HTML, and rebuilt from JSON to merge shards. Fed
// by the proxy (--report) and by the CI verbs (validate, test); the formats
// are documented in docs/reports.md.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "validator/contract/contract.h"
#include "validator/traffic/exchange.h"
#include "validator/traffic/har.h"

namespace specgate::validator {

// What is listed is bounded, whatever the traffic: past these, entries are counted, not listed
// (the JSON's "...Unlisted" counts, a line in the JUnit text).
inline constexpr std::size_t report_max_undocumented = 1000;  // distinct method + path
inline constexpr std::size_t report_max_violations = 1000;    // distinct violations per operation
inline constexpr std::size_t report_max_notes = 100;          // distinct notes, and errors, per operation
// Samples a person reads (HTML, JSON): per operation the first failing exchanges and the first
// passing one, redacted (redacted(), har.h); each body cut at report_max_sample_body with a note,
// and bodies left out (with a note) once the report's samples hold report_max_sample_bytes.
inline constexpr std::size_t report_max_failing_samples = 3;
inline constexpr std::size_t report_max_sample_body = 64 * 1024;
inline constexpr std::size_t report_max_sample_bytes = 16 * 1024 * 1024;
// The version of the JSON report's shape ("reportVersion"); merge refuses others.
inline constexpr int report_format_version = 1;

class traffic_report {
 public:
  // `c` must outlive the report; `suite` names the JUnit test suite ("specgate proxy").
  traffic_report(const contract& c, std::string suite);
  ~traffic_report();
  traffic_report(const traffic_report&) = delete;
  traffic_report& operator=(const traffic_report&) = delete;

  // Counts one exchange. Not thread-safe: one thread feeds it (the recorder's).
  // Its operation is found by method + path template, else by operationId; one the contract
  // does not hold is reported after the contract's, without coverage.
  // Examples quote the request-target as given: feed redacted exchanges (redacted(), har.h)
  // when a query may carry secrets.
  void add(const exchange& e);
  // An operation left out on purpose, with why: `test` skipping a destructive operation without
  // --allow-destructive, or one the document makes impossible to satisfy (spec_defect: a GET that
  // declares a required body). Listed in every report, never a failure; reasons kept in order,
  // each once.
  void skip(const operation& op, std::string reason, bool spec_defect = false);
  // What samples redact besides the defaults of redaction (har.h): the verbs' --redact-header.
  void set_redaction(redaction r) { redaction_ = std::move(r); }
  // Exchanges the recorder could not take (full queue): shown in the summary and the JUnit properties.
  void set_dropped(std::uint64_t n) { dropped_ = n; }

  // Joins a JSON report (to_json() of a report of the same contract: a shard) into this one:
  // counts summed, violations, notes and errors grouped, statuses unioned, samples kept while
  // there is room, skips kept; coverage follows (it is computed from the operations' answered
  // statuses). Returns "" or why it refused, leaving this report untouched: not a specgate
  // report, another reportVersion, or made against another document (its "spec" digest or
  // operation count differs from this contract's).
  std::string merge_json(const nlohmann::json& j);

  // The identity of a contract as the JSON report states it: "fnv1a64:<16 hex digits>" over
  // each operation's "METHOD path\n", sorted.
  static std::string spec_digest(const contract& c);

  // The verdict the verbs exit with (1 when false): no exchange with violations, no upstream
  // failure, no undocumented request. Skips and unchecked exchanges do not fail a run.
  bool clean() const { return failed_ == 0 && upstream_errors_ == 0 && undocumented_requests_ == 0; }

  std::size_t exchanges() const { return exchanges_; }
  std::size_t exchanges_with_violations() const { return failed_; }

  // {"tool":"specgate","reportVersion":1,"suite","generatedAt":"2026-12-04T00:10:00Z",
  //  "spec":{"title","version","openapi","operations":N,"digest"},
  //  "timing":{"startedAt":ISO|null,"undocumentedMicros":N},
  //  "summary":{"exchanges","failed" (exchanges with violations),"violations","undocumented",
  //             "undocumentedUnlisted","unchecked" (exchanges with a note),"upstreamErrors","dropped"},
  //  "coverage":{"operations":{"declared":N,"exercised":M,"percent":66.6},
  //              "statuses":{"declared":N,"exercised":M,"percent":..},
  //              "missing":[{"operationId","method","path","exercised":bool,"statuses":["404","default"]}]},
  //  "operations":[{"operationId","method":"GET","path","exchanges","failed","statuses":{"200":3},
  //                 "violations":[{"direction":"request",..violation_json..,"count":N,
  //                                "example":"GET /api/..."}],"violationsUnlisted":N,
  //                 "unchecked":N,"notes":[{"direction","note","count","example"}],
  //                 "upstreamErrors":N,"errors":[{"error","count","example"}],"tag","answered":[200],
  //                 "violationsTotal":N,"notesUnlisted":N,"errorsUnlisted":N,"timeMicros":N,
  //                 "samples":[{"label","failed","request":{"method","target","headers":[[n,v]],"body",
  //                             "bodyNote"},"response":{"status","headers","body","bodyNote"},"error",
  //                             "violations":["response body /id: ..."]}]}],
  //  "undocumented":[{"method","path","count","statuses":{"404":2}}]}
  // (docs/reports.md describes every field.)
  // Operations in document order (then those the contract does not hold, in order of first
  // sight); violations sorted by direction, location, code, name, pointer, message; undocumented
  // by path then method. Status "0": no response reached the client. Percentages have one
  // decimal, rounded down (100.0 only when nothing is missing; 100.0 when nothing is declared).
  // A declared "2XX" or "default" response is exercised when a status it covers was answered
  // (find_response); statuses the proxy answered itself (upstream errors) exercise nothing.
  nlohmann::ordered_json to_json() const;
  // <testsuites name=suite tests failures errors skipped time>, one <testsuite name=TAG> per tag
  // (an operation's first tag; "untagged"), in document order, with <properties> (coverage and
  // summary figures: the run's, and "tag.coverage.*" for the tag's operations), then one
  // <testcase classname="METHOD path" name="operationId" time> per operation seen: <skipped>, or
  // <error> when the upstream failed and one <failure message="where: what" type=code> per distinct
  // violation (text: count, details, an example request), <system-out> with the statuses and
  // unchecked exchanges; last, the testsuite "undocumented" with the testcase "undocumented
  // requests", failing when any were seen. (tests/validator/data/junit.xsd holds the shape.)
  // Times: the sum of the exchanges' durations. Text is escaped and stripped of what XML 1.0
  // forbids; bytes that are not UTF-8 become U+FFFD.
  std::string to_junit() const;
  // The text format: the summary, coverage, then one line per operation seen or skipped with its
  // verdict and, indented, its distinct violations.
  std::string to_text() const;
  // One line for stderr: "specgate: 12 operations, 340 exchanges, 2 failed (5 violations), 1 skipped; coverage 80.0% of operations".
  std::string summary_line() const;
  // A self-contained HTML page (inline CSS/JS, no network resources) a person reads: summary,
  // coverage table, per operation (collapsible, <details>) its verdict, violations with instance
  // and schema pointers, and the samples (JSON bodies pretty-printed, everything escaped).
  std::string to_html() const;

 private:
  struct per_operation;  // one operation's tally (traffic_report_detail.h)
  struct sample;
  struct undocumented_route {
    std::size_t count = 0;
    std::chrono::microseconds time{0};
    std::map<int, std::size_t> statuses;
  };
  struct coverage;
  coverage compute_coverage() const;
  per_operation& slot(const exchange& e);
  per_operation& slot_of(const std::string& operation_id, const std::string& method, const std::string& path);
  void take_sample(per_operation& p, const exchange& e, bool failed);
  std::string keep_body(std::string_view body, std::string& out);  // returns the note
  void absorb(const nlohmann::json& j);  // merge_json's work; throws nlohmann::json::exception when malformed
  std::vector<std::vector<const per_operation*>> by_tag() const;  // operations seen, grouped by tag

  const contract& contract_;
  std::string suite_;
  // The contract's operations (by index, made on first sight), then operations it does not hold.
  std::vector<std::unique_ptr<per_operation>> operations_;
  std::unordered_map<std::string, std::size_t> by_route_;  // "get /api/x/{id}" -> index in operations_
  std::map<std::pair<std::string, std::string>, undocumented_route> undocumented_;  // (path, METHOD)
  std::size_t undocumented_requests_ = 0;
  std::size_t undocumented_unlisted_ = 0;  // requests to routes past report_max_undocumented
  std::chrono::microseconds undocumented_time_{0};
  std::size_t skipped_ = 0;       // operations with a skip reason
  std::size_t spec_defects_ = 0;  // of them, spec defects
  std::size_t exchanges_ = 0;
  std::size_t failed_ = 0;
  std::size_t violations_ = 0;
  std::size_t unchecked_ = 0;
  std::size_t upstream_errors_ = 0;
  std::uint64_t dropped_ = 0;
  std::size_t sample_bytes_ = 0;  // bodies held by samples
  redaction redaction_;
  std::chrono::system_clock::time_point first_{};  // earliest exchange start (exchanges_ > 0)
};

}  // namespace specgate::validator
