#pragma once
// The renderings of one lint run's findings: text, JSON, SARIF 2.1.0 and JUnit XML.
//
// Baselined findings (lint --baseline) appear in JSON ("baselined": true) and SARIF
// (baselineState "unchanged"; the others "new") and are left out of text and JUnit, which list
// only what counts toward the exit status.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "validator/lint/settings.h"

namespace specgate::validator::lint {

struct lint_report {
  std::vector<std::string> files;  // every file linted, in order, as shown (relative when possible)
  std::vector<finding> findings;   // sorted by file, line, column, rule
  bool with_baseline = false;      // a baseline was applied (SARIF baselineState is set)
};

struct lint_counts {
  std::size_t errors = 0;     // not baselined
  std::size_t warnings = 0;   // not baselined
  std::size_t baselined = 0;
};
lint_counts count(const lint_report& report);

// "N error(s), M warning(s) in F file(s)" and ", K baselined" when K > 0.
std::string summary_line(const lint_report& report);

// "file:line:col: error: message [rule-id] [at /pointer]" per finding that counts, one a line.
std::string to_text(const lint_report& report);
// {"files": [...], "summary": {...}, "findings": [{rule, severity, file, line, column, pointer,
//  message, fingerprint, baselined}]}
nlohmann::json to_json(const lint_report& report);
// SARIF 2.1.0: one run; tool.driver with every rule (all_rules()); results with ruleId, ruleIndex,
// level, message, physical location (uri, startLine, startColumn), the JSON pointer as a logical
// location and a property, partialFingerprints {"specgate/v1": fingerprint}.
nlohmann::json to_sarif(const lint_report& report, std::string_view version);
// One <testsuite> per file, one <testcase> per rule that fired there (a <failure> listing its
// findings); a file without findings gets one passing testcase "lint".
std::string to_junit(const lint_report& report);

// The rule's entry in specgate's documentation ("docs/lint-rules.md#rule-id"): SARIF's `help.text`.
// (No helpUri or informationUri: the project has no public address to point at yet.)
std::string help_ref(std::string_view rule_id);
// A file as a SARIF artifactLocation.uri: relative paths percent-encoded, absolute ones file:// URIs.
std::string sarif_artifact_uri(std::string_view file);

}  // namespace specgate::validator::lint
