// Lint compiles component schemas that no operation reaches (the contract does not), reporting their
// defects with the load rules, once, and nothing for components an operation uses.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "validator/lint/lint.h"

namespace specgate::validator::lint {
namespace {

constexpr const char* spec = R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Used'}
components:
  schemas:
    Used:
      type: object
      maxLenght: 3
      properties:
        child: {$ref: '#/components/schemas/UsedChild'}
    UsedChild: {type: string}
    Unused:
      type: strin
      minitems: 2
      properties:
        x: {$ref: '#/components/schemas/OnlyFromUnused'}
    OnlyFromUnused:
      type: object
      required: true
    UnusedClean: {type: object, properties: {a: {type: string}}}
)";

std::vector<std::string> found(const diagnostics& all, std::string_view rule) {
  std::vector<std::string> out;
  for (const auto& d : all)
    if (d.rule == rule) out.push_back(d.pointer);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(lint_components, unreached_component_schemas_are_compiled_and_their_defects_reported_once) {
  const auto result = lint_text(spec, "components.yaml");
  ASSERT_TRUE(result.docs);
  EXPECT_EQ(found(result.findings, "schema-invalid"),
            (std::vector<std::string>{"/components/schemas/OnlyFromUnused/required", "/components/schemas/Unused/type"}));
  // The used component's typo comes from the contract's own compile, the unused one's from lint's: once each.
  EXPECT_EQ(found(result.findings, "schema-keyword-unknown"),
            (std::vector<std::string>{"/components/schemas/Unused/minitems", "/components/schemas/Used/maxLenght"}));
  for (const auto& d : result.findings) {
    EXPECT_EQ(d.pointer.find("/components/schemas/UnusedClean"), std::string::npos) << d.to_string();
    EXPECT_EQ(d.pointer.find("/components/schemas/UsedChild"), std::string::npos) << d.to_string();
    EXPECT_GT(d.line, 0u) << d.to_string();
  }
}

TEST(lint_components, a_document_whose_components_are_all_used_gets_nothing_extra) {
  std::string all_used = spec;
  all_used.erase(all_used.find("    Unused:\n"));  // drop Unused, OnlyFromUnused and UnusedClean
  const auto result = lint_text(all_used, "used.yaml");
  EXPECT_EQ(found(result.findings, "schema-invalid"), std::vector<std::string>{});
  EXPECT_EQ(found(result.findings, "schema-keyword-unknown"), (std::vector<std::string>{"/components/schemas/Used/maxLenght"}));
  // A misspelling beyond case is named by edit distance (text_util.h nearest_name).
  for (const auto& d : result.findings)
    if (d.rule == "schema-keyword-unknown") {
      EXPECT_NE(d.message.find("(did you mean 'maxLength'?)"), std::string::npos) << d.message;
    }
}

}  // namespace
}  // namespace specgate::validator::lint
