#pragma once
// What the user's settings do to lint findings: rule levels from .specgate.yaml, inline
// x-specgate-ignore in the spec, baselines of earlier findings, and the fingerprints they match on.
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "validator/document/diagnostic.h"
#include "validator/document/loader.h"

namespace specgate::validator::lint {

enum class rule_level { off, warning, error };

// `.specgate.yaml`:  rules: { rule-id: off|warning|error, ... }
struct settings {
  std::string file;                                        // where they were read from ("" = defaults)
  std::map<std::string, rule_level, std::less<>> rules;    // rules not listed keep their default level
};

// Problems are errors naming file:line:col (an unknown rule id, a level that is not off, warning or
// error, a key other than `rules`, not YAML): the caller refuses such a configuration.
struct settings_result {
  settings value;
  diagnostics problems;
};
settings_result parse_settings(std::string_view text, std::string file);
settings_result read_settings(const std::string& path);

// A finding as reported: the diagnostic (rule, level after the settings, where, message), its
// fingerprint, and whether the baseline already holds it (then it does not count toward the exit status).
struct finding {
  diagnostic where;
  std::string fingerprint;
  bool baselined = false;
};

// The message with positions ("spec.yaml:12:5", "line 12") and runs of white space normalised, so
// that edits elsewhere in the file that shift lines leave it alone.
std::string normalise_message(std::string_view message);
// 16 hex digits: FNV-1a 64 of rule id, JSON pointer and normalised message. No file, no line.
std::string fingerprint(const diagnostic& d);

// An `x-specgate-ignore: [rule-id, ...]` on an object: findings in `file` whose pointer is `pointer`
// or below it are dropped for those rules.
struct ignore_site {
  std::string file;
  std::string pointer;
  std::vector<std::string> rules;
};
// Every x-specgate-ignore of every document of the set. A malformed one (not an array of known rule
// ids) is reported in `problems` with rule specgate-ignore-invalid; its known ids still apply.
std::vector<ignore_site> collect_ignores(const document_set& docs, diagnostics& problems);

// The settings applied: rules turned off and findings under an x-specgate-ignore of their rule are
// dropped, re-ranked rules get their level; every finding gets its fingerprint. Order is kept.
std::vector<finding> apply_settings(diagnostics found, const settings& rules, const std::vector<ignore_site>& ignores);

// A baseline: the findings of an earlier run, by (file, fingerprint), with how many of each.
struct baseline {
  std::string file;
  std::map<std::pair<std::string, std::string>, std::size_t> entries;
};
// {"specgate-baseline": 1, "findings": [{"rule","file","pointer","fingerprint","message"}...]}
nlohmann::json baseline_json(const std::vector<finding>& findings);
struct baseline_result {
  baseline value;
  diagnostics problems;  // errors naming the file (and line when the JSON is malformed)
};
baseline_result parse_baseline(std::string_view text, std::string file);
baseline_result read_baseline(const std::string& path);
// Marks findings the baseline holds (each entry matches as many findings as it was recorded for);
// returns how many were marked.
std::size_t apply_baseline(std::vector<finding>& findings, const baseline& known);

}  // namespace specgate::validator::lint
