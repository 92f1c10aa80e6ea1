#pragma once
// What a run of traffic showed about a contract: per operation, the exchanges
// seen and their violations, and coverage (operations and declared status
// codes exercised out of those declared), rendered as JSON and as JUnit XML
// (one test case per operation seen). Fed by the proxy (--report) and by the
// CI verbs (validate, test).
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

namespace specgate::validator {

// What is listed is bounded, whatever the traffic: past these, entries are counted, not listed
// (the JSON's "...Unlisted" counts, a line in the JUnit text).
inline constexpr std::size_t report_max_undocumented = 1000;  // distinct method + path
inline constexpr std::size_t report_max_violations = 1000;    // distinct violations per operation
inline constexpr std::size_t report_max_notes = 100;          // distinct notes, and errors, per operation

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
  // Exchanges the recorder could not take (full queue): shown in the summary and the JUnit properties.
  void set_dropped(std::uint64_t n) { dropped_ = n; }

  std::size_t exchanges() const { return exchanges_; }
  std::size_t exchanges_with_violations() const { return failed_; }

  // {"summary":{"exchanges","failed" (exchanges with violations),"violations","undocumented",
  //             "undocumentedUnlisted","unchecked" (exchanges with a note),"upstreamErrors","dropped"},
  //  "coverage":{"operations":{"declared":N,"exercised":M,"percent":66.6},
  //              "statuses":{"declared":N,"exercised":M,"percent":..},
  //              "missing":[{"operationId","method","path","exercised":bool,"statuses":["404","default"]}]},
  //  "operations":[{"operationId","method":"GET","path","exchanges","failed","statuses":{"200":3},
  //                 "violations":[{"direction":"request",..violation_json..,"count":N,
  //                                "example":"GET /api/..."}],"violationsUnlisted":N,
  //                 "unchecked":N,"notes":[{"direction","note","count","example"}],
  //                 "upstreamErrors":N,"errors":[{"error","count","example"}]}],
  //  "undocumented":[{"method","path","count","statuses":{"404":2}}]}
  // Operations in document order (then those the contract does not hold, in order of first
  // sight); violations sorted by direction, location, code, name, pointer, message; undocumented
  // by path then method. Status "0": no response reached the client. Percentages have one
  // decimal, rounded down (100.0 only when nothing is missing; 100.0 when nothing is declared).
  // A declared "2XX" or "default" response is exercised when a status it covers was answered
  // (find_response); statuses the proxy answered itself (upstream errors) exercise nothing.
  nlohmann::ordered_json to_json() const;
  // <testsuites><testsuite name=suite tests failures errors time timestamp> with <properties>
  // (coverage and summary figures), then one <testcase classname="METHOD path" name="operationId"
  // time> per operation seen: <error> when the upstream failed, <failure> listing each distinct
  // violation with its count and an example, <system-out> with the statuses and unchecked
  // exchanges; last, the testcase "undocumented requests", failing when any were seen.
  // Times: the sum of the exchanges' durations. Text is escaped and stripped of what XML 1.0
  // forbids; bytes that are not UTF-8 become U+FFFD.
  std::string to_junit() const;
  // The text format: the summary, coverage, then one line per operation seen or skipped with its
  // verdict and, indented, its distinct violations.
  std::string to_text() const;
  // One line for stderr: "specgate: 12 operations, 340 exchanges, 2 failed (5 violations), 1 skipped; coverage 80.0% of operations".
  std::string summary_line() const;
  // A self-contained HTML page (inline CSS/JS, no network resources) a person reads.
  std::string to_html() const;

 private:
  struct per_operation;  // one operation's tally (traffic_report.cpp)
  struct undocumented_route {
    std::size_t count = 0;
    std::chrono::microseconds time{0};
    std::map<int, std::size_t> statuses;
  };
  struct coverage;
  coverage compute_coverage() const;
  per_operation& slot(const exchange& e);

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
  std::chrono::system_clock::time_point first_{};  // earliest exchange start (exchanges_ > 0)
};

}  // namespace specgate::validator
