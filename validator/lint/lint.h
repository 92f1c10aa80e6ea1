#pragma once
// The linter's surface: every rule (id, default severity, one-line rationale) and the rule
// families that find problems in a loaded document; lint_document() runs them all.
//
// A finding is a validator::diagnostic whose `rule` is a rule id listed here. Families:
//   load      - what the loader and the contract builder already report (ids given by lint.cpp)
//   structure - OpenAPI 3.0's structural rules, keyword typos, Kibana's conventions (lint_structure.cpp)
//   examples  - every example validated against its schema, in the direction it is used (lint_examples.cpp)
// Settings (off / re-ranked rules, x-specgate-ignore, baselines, fingerprints) are applied by the
// caller with validator/lint/settings.h; the reports are rendered by validator/lint/lint_report.h.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "validator/contract/contract.h"
#include "validator/document/diagnostic.h"

namespace specgate::validator::lint {

struct rule_info {
  std::string_view id;         // "example-invalid", kebab-case, stable (baselines and SARIF use it)
  severity level;              // default severity
  std::string_view rationale;  // one line: why it matters
  bool kibana_only = false;    // applies under the kibana profile only
};

// What a family looks at: the loaded documents (always), the contract built from them (null when
// the document could not be built, and in lint_file(), which runs the families while it builds the
// contract: no family may rely on it), the profile in force.
struct lint_context {
  const document_set& docs;
  const contract* built = nullptr;
  profile active_profile = profile::openapi;
};

// Each family: its rules, and its findings (every finding's `rule` is one of its ids).
std::span<const rule_info> load_rules();
std::span<const rule_info> structure_rules();
std::span<const rule_info> example_rules();
diagnostics check_structure(const lint_context& context);
diagnostics check_examples(const lint_context& context);

// Every rule of every family, in the order above; find_rule: null for an unknown id.
const std::vector<rule_info>& all_rules();
const rule_info* find_rule(std::string_view id);

// Every finding of every family for one document: `load_problems` (what the loader and the contract
// builder reported, each with its rule id) + check_structure + check_examples, sorted by file (the
// entry document first, then the others by name), line, column, rule.
diagnostics lint_document(const lint_context& context, diagnostics load_problems);

// One file linted from scratch: loaded, its contract built (degraded per operation, never strict),
// every family run. `docs` is null when the file could not be read as an OpenAPI document at all
// (not YAML/JSON, not OpenAPI 3.0, unreadable): then `findings` holds only the load problems.
struct lint_result {
  diagnostics findings;
  std::shared_ptr<const document_set> docs;
};
lint_result lint_file(const std::string& path, profile_choice profile = profile_choice::automatic);
lint_result lint_text(std::string_view text, std::string name, profile_choice profile = profile_choice::automatic);

}  // namespace specgate::validator::lint
