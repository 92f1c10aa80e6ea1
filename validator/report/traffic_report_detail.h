#pragma once
// The traffic report's insides, shared by its renderings (traffic_report.cpp: tally, JSON, merge,
// JUnit, text; traffic_report_html.cpp: HTML): one operation's tally, its samples, text helpers.
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "validator/report/traffic_report.h"

namespace specgate::validator {

namespace report_detail {

// Valid UTF-8 (bytes that are not become U+FFFD).
std::string utf8(std::string_view s);
// Text for XML/HTML character data or a double-quoted attribute value (see traffic_report.cpp).
std::string xml_text(std::string_view in, bool attribute);
std::string plural(std::size_t n, std::string_view word);
std::string percent_text(std::uint64_t tenths);
std::uint64_t tenths_percent(std::size_t part, std::size_t whole);
std::string statuses_text(const std::map<int, std::size_t>& statuses);
std::string_view direction_name(bool response);
// "response body /id" : where a violation is, for people.
std::string violation_where(bool response, const violation& v);

// One distinct thing seen, how often, and the first request that showed it.
struct tally {
  std::size_t count = 0;
  std::string example;
};

}  // namespace report_detail

// One exchange kept whole for people to read (redacted, bodies cut).
struct traffic_report::sample {
  std::string label;
  bool failed = false;  // violations or an upstream error
  std::string method;
  std::string target;
  header_fields request_headers;
  std::string request_body;
  std::string request_body_note;  // "cut at 65536 of 100000 bytes", "left out: ..."
  int status = 0;
  header_fields response_headers;
  std::string response_body;  // decoded when it had a Content-Encoding
  std::string response_body_note;
  std::string error;
  std::vector<std::string> violations;  // "response body /id: [id]: required [required]"
};

struct traffic_report::per_operation {
  const operation* op = nullptr;  // null: the contract does not hold it
  std::string operation_id;
  std::string method;  // upper case
  std::string path;
  std::string tag;  // first tag, "untagged" when none

  std::size_t exchanges = 0;
  std::size_t failed = 0;  // exchanges with violations
  std::size_t violation_total = 0;
  std::size_t unchecked = 0;  // exchanges with a note
  std::size_t errors = 0;     // exchanges the upstream failed
  std::chrono::microseconds time{0};
  std::map<int, std::size_t> statuses;  // as the client got them (0: nothing)
  std::set<int> answered;               // statuses the upstream answered (coverage)

  // Grouped by (response?, location, code, name, instance pointer, message).
  using group_key = std::tuple<bool, violation_location, std::string, std::string, std::string, std::string>;
  struct group : report_detail::tally {
    violation first;  // the rest of the fields (schema pointer, keyword, expected, found)
  };
  std::map<group_key, group> groups;
  std::size_t groups_unlisted = 0;  // violations past report_max_violations distinct ones
  std::map<std::pair<bool, std::string>, report_detail::tally> notes;  // (response?, note)
  std::size_t notes_unlisted = 0;
  std::map<std::string, report_detail::tally> upstream_errors;
  std::size_t errors_unlisted = 0;
  std::vector<std::pair<std::string, bool>> skipped;  // (reason, spec defect), in order, each once
  std::vector<sample> failing_samples;  // the first report_max_failing_samples failing exchanges
  std::vector<sample> passing_samples;  // the first passing exchange (at most one)

  // Counts `count` occurrences of `v`; `example()` gives the request line that showed it first
  // (called only when the group is new).
  template <typename Example>
  void add_violation(const violation& v, bool response, std::size_t count, const Example& example) {
    group_key key{response, v.location, v.code, v.name, v.instance_pointer, v.message};
    auto it = groups.find(key);
    if (it == groups.end()) {
      if (groups.size() >= report_max_violations) {
        groups_unlisted += count;
        return;
      }
      it = groups.emplace(std::move(key), group{}).first;
      it->second.example = example();
      it->second.first = v;
    }
    it->second.count += count;
  }

  bool has_failures() const { return !groups.empty() || groups_unlisted > 0; }
  // "SKIP" (skipped, never exercised), "FAIL" (violations), "ERROR" (upstream failed), "PASS".
  std::string_view verdict() const {
    if (exchanges == 0) return "SKIP";
    if (has_failures()) return "FAIL";
    if (errors > 0) return "ERROR";
    return "PASS";
  }
  std::string classname() const { return method + " " + path; }
};

struct traffic_report::coverage {
  std::size_t operations_declared = 0;
  std::size_t operations_exercised = 0;
  std::size_t statuses_declared = 0;
  std::size_t statuses_exercised = 0;
  struct gap {
    const operation* op = nullptr;
    bool exercised = false;
    std::vector<std::string> statuses;  // declared, none of whose statuses was answered
  };
  std::vector<gap> missing;  // document order
  struct figures {
    bool exercised = false;
    std::size_t statuses_declared = 0;
    std::size_t statuses_exercised = 0;
  };
  std::vector<figures> per_operation;  // by the contract's operation index
};

}  // namespace specgate::validator
