#pragma once
// The linter's surface: every rule (id, default severity, one-line rationale) and the rule
// families that find problems in a loaded document; lint_document() runs them all.
//
// A finding is a validator::diagnostic whose `rule` is a rule id listed here. Families:
//   load      - what the loader and the contract builder already report (ids given by lint.cpp)
//   structure - OpenAPI 3.0's structural rules, keyword typos, Kibana's conventions (lint_structure.cpp)
//   examples  - every example validated against its schema, in the direction it is used (lint_examples.cpp)
// Settings (off / re-ranked rules, x-specgate-ignore, baselines) are applied by the caller.
#include <span>
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
// the document could not be built), the profile in force.
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

}  // namespace specgate::validator::lint
