// Structure rules: OpenAPI 3.0's rules the loader does not enforce, keyword typos, Kibana's conventions.
#include "validator/lint/lint.h"

namespace specgate::validator::lint {

std::span<const rule_info> structure_rules() { return {}; }
diagnostics check_structure(const lint_context&) { return {}; }

}  // namespace specgate::validator::lint
