// The rule registry: every family's rules in one list, looked up by id.
#include "validator/lint/lint.h"

namespace specgate::validator::lint {

std::span<const rule_info> load_rules() { return {}; }

const std::vector<rule_info>& all_rules() {
  static const std::vector<rule_info> all = [] {
    std::vector<rule_info> out;
    for (auto family : {load_rules(), structure_rules(), example_rules()}) out.insert(out.end(), family.begin(), family.end());
    return out;
  }();
  return all;
}

const rule_info* find_rule(std::string_view id) {
  for (const auto& r : all_rules())
    if (r.id == id) return &r;
  return nullptr;
}

}  // namespace specgate::validator::lint
