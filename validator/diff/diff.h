#pragma once
// Compares two compiled contracts operation by operation and lists every change as data, classified
// breaking, potentially breaking or compatible (issue 11, `specgate diff`; kinds in docs/diff.md).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "validator/contract/contract.h"

namespace specgate::validator::diff {

enum class change_class : std::uint8_t { compatible, potentially_breaking, breaking };
// "breaking", "potentially-breaking", "compatible".
std::string_view class_name(change_class c);

// Where one side of a change is: file:line:col and the JSON Pointer in that file ("" file: absent).
struct change_site {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string pointer;
  bool empty() const { return file.empty(); }
};

struct change {
  change_class cls = change_class::compatible;
  std::string kind;          // stable kebab-case id: "parameter-required-added"
  std::string method;        // "GET"
  std::string path;          // the new template when the operation exists in both, else its own
  std::string operation_id;  // the new one when it exists in both
  change_site old_site;      // empty file when the thing is new
  change_site new_site;      // empty file when the thing is gone
  std::string message;       // one line
};

struct diff_result {
  std::vector<change> changes;  // grouped by operation (old document's order, then added ones)
  std::size_t count(change_class c) const;
  std::size_t operations() const;  // distinct operations with at least one change
  // True when some change is of class `at_least` or above.
  bool any_at_least(change_class at_least) const;
};

// Operations are matched by method and path template with parameter names normalised
// (/a/{id} == /a/{name}), never by operationId.
diff_result compare(const contract& old_contract, const contract& new_contract);

// Renderings (docs/diff.md). `old_name`/`new_name` name the two documents.
// "N breaking, M potentially breaking, K compatible change(s) in P operation(s)".
std::string summary_line(const diff_result& result);
// Grouped by operation, breaking first within each; for a person reading a pull request.
std::string to_text(const diff_result& result);
// {"old","new","summary":{...},"changes":[...]} with both sites of every change.
nlohmann::json to_json(const diff_result& result, const std::string& old_name, const std::string& new_name);
// A pull-request comment: summary table, then per operation (those with breaking changes first) a list.
std::string to_markdown(const diff_result& result, const std::string& old_name, const std::string& new_name);
// JUnit XML: one testsuite, one testcase per operation of either document that changed (failing
// when it has a change at or above `fail_at`, the rest listed in system-out), so a CI dashboard
// shows which operations a change breaks.
std::string to_junit(const diff_result& result, change_class fail_at);
// SARIF 2.1.0: one result per change, ruleId = its kind, level error (breaking), warning
// (potentially breaking) or note (compatible), located in the new document (the old one for
// what was removed), with a fingerprint of kind, operation, pointer and message.
nlohmann::json to_sarif(const diff_result& result, std::string_view version);

}  // namespace specgate::validator::diff
