// The rule registry against its documentation and the load rules against the code that reports
// them: every rule documented, every load rule triggered by a spec written for it, and every
// diagnostic of the loader, YAML reader, contract builder and schema compiler carrying a listed id.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include <gtest/gtest.h>

#include "test_support.h"
#include "validator/lint/lint.h"

namespace specgate::validator::lint {
namespace {

using ::specgate::testing::read_file;

std::string all(const diagnostics& d) {
  std::string out;
  for (const auto& x : d) out += x.to_string() + " {" + x.rule + "}\n";
  return out;
}

TEST(LintRules, IdsAreUniqueKebabCaseWithRationale) {
  std::set<std::string_view> seen;
  const std::regex kebab("[a-z0-9]+(-[a-z0-9]+)*");
  for (const auto& r : all_rules()) {
    EXPECT_TRUE(seen.insert(r.id).second) << "duplicate rule id " << r.id;
    EXPECT_TRUE(std::regex_match(std::string(r.id), kebab)) << r.id;
    EXPECT_FALSE(r.rationale.empty()) << r.id;
    EXPECT_EQ(find_rule(r.id), &r);
  }
  EXPECT_EQ(find_rule("no-such-rule"), nullptr);
  EXPECT_GE(load_rules().size(), 40u);
}

TEST(LintRules, EveryRuleHasAHeadingInDocsLintRules) {
  const std::string doc = read_file(specgate::testing::source_dir() + "/docs/lint-rules.md");
  ASSERT_FALSE(doc.empty());
  std::set<std::string> headings;
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("### ", 0) == 0) headings.insert(line.substr(4));
  for (const auto& r : all_rules()) EXPECT_TRUE(headings.count(std::string(r.id))) << "no '### " << r.id << "'";
  // And no heading for a rule that does not exist.
  for (const auto& h : headings) EXPECT_NE(find_rule(h), nullptr) << "docs/lint-rules.md documents unknown rule " << h;
}

// ---------------------------------------------------------------- load rules, one spec each

const std::string header = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

// A document whose only operation is GET /items/{id} with `op` as extra operation members.
std::string with_op(const std::string& op, const std::string& rest = "") {
  return header +
         "paths:\n"
         "  /items/{id}:\n"
         "    get:\n"
         "      operationId: getItem\n"
         "      parameters:\n"
         "        - {name: id, in: path, required: true, schema: {type: string}}\n" +
         op +
         "      responses:\n"
         "        '200':\n"
         "          description: ok\n" +
         rest;
}

// A document whose response body has `schema` (YAML flow style) as its schema.
std::string with_schema(const std::string& schema, const std::string& components = "") {
  return with_op("",
                 "          content:\n"
                 "            application/json:\n"
                 "              schema: " +
                     schema + "\n") +
         components;
}

std::string nested(const std::string& open, const std::string& close, int depth, const std::string& inner) {
  std::string out;
  for (int i = 0; i < depth; ++i) out += open;
  out += inner;
  for (int i = 0; i < depth; ++i) out += close;
  return out;
}

// rule id -> a spec that triggers it. Rules reported only in cases a small spec cannot provoke are
// listed in `untriggerable` with the reason.
std::map<std::string, std::string> trigger_specs() {
  std::map<std::string, std::string> s;
  s["yaml-syntax"] = header + "paths: {\n";
  s["yaml-multiple-documents"] = header + "paths: {}\n---\nopenapi: 3.0.3\n";
  s["yaml-duplicate-key"] = header + "paths: {}\npaths: {}\n";
  s["yaml-tag-invalid"] = header + "paths: {}\nx-n: !!int abc\n";
  s["yaml-tag-unsupported"] = header + "paths: {}\nx-n: !custom abc\n";
  s["yaml-alias-invalid"] = header + "paths: {}\nx-n: *nowhere\n";
  s["yaml-too-deep"] = header + "paths: {}\nx-n: " + nested("[", "]", 1001, "1") + "\n";
  s["yaml-complex-key"] = header + "paths: {}\nx-n:\n  ? [a, b]\n  : 1\n";
  s["document-not-openapi"] = "- 1\n- 2\n";
  s["openapi-version-invalid"] = "openapi: [3]\ninfo: {title: t, version: '1'}\npaths: {}\n";
  s["openapi-version-unsupported"] = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n";
  s["document-structure-invalid"] = "openapi: 3.0.3\ninfo: {title: t}\npaths: {}\n";
  s["ref-invalid"] = with_schema("{$ref: 5}");
  s["ref-unresolved"] = with_schema("{$ref: '#/components/schemas/Nowhere'}");
  s["ref-cycle"] = with_schema("{$ref: '#/components/schemas/A'}",
                               "components:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n"
                               "    B: {$ref: '#/components/schemas/A'}\n");
  s["paths-missing"] = header + "components: {}\n";
  s["operation-malformed"] = header + "paths:\n  /a:\n    get: 5\n";
  s["operation-no-responses"] = header + "paths:\n  /a:\n    get: {operationId: a}\n";
  s["operation-id-duplicate"] = header +
                                "paths:\n  /a:\n    get: {operationId: same, responses: {'200': {description: ok}}}\n"
                                "  /b:\n    get: {operationId: same, responses: {'200': {description: ok}}}\n";
  s["path-template-duplicate"] =
      header +
      "paths:\n"
      "  /a/{x}:\n    get: {parameters: [{name: x, in: path, required: true, schema: {type: string}}],"
      " responses: {'200': {description: ok}}}\n"
      "  /a/{y}:\n    get: {parameters: [{name: y, in: path, required: true, schema: {type: string}}],"
      " responses: {'200': {description: ok}}}\n";
  s["path-template-invalid"] = header + "paths:\n  /a/{x:\n    get: {responses: {'200': {description: ok}}}\n";
  s["path-parameter-undeclared"] =
      header + "paths:\n  /a/{x}:\n    get: {responses: {'200': {description: ok}}}\n";
  s["path-parameter-not-in-template"] =
      header + "paths:\n  /a/{x}:\n    get: {parameters: [{name: x, in: path, required: true, schema: {type: string}}, "
               "{name: other, in: path, required: true, schema: {type: string}}], responses: {'200': {description: ok}}}\n";
  s["path-parameter-not-required"] =
      header + "paths:\n  /a/{x}:\n    get: {parameters: [{name: x, in: path, schema: {type: string}}], "
               "responses: {'200': {description: ok}}}\n";
  s["parameter-malformed"] = header + "paths:\n  /a:\n    get: {parameters: [{in: query, schema: {type: string}}], "
                                      "responses: {'200': {description: ok}}}\n";
  s["parameter-duplicate"] =
      header + "paths:\n  /a:\n    get: {parameters: [{name: q, in: query, schema: {type: string}}, "
               "{name: q, in: query, schema: {type: string}}], responses: {'200': {description: ok}}}\n";
  s["parameter-style-invalid"] =
      header + "paths:\n  /a:\n    get: {parameters: [{name: q, in: query, style: matrix, schema: {type: string}}], "
               "responses: {'200': {description: ok}}}\n";
  s["parameter-no-schema"] =
      header + "paths:\n  /a:\n    get: {parameters: [{name: q, in: query}], responses: {'200': {description: ok}}}\n";
  s["request-body-malformed"] = header + "paths:\n  /a:\n    post: {requestBody: 5, responses: {'200': {description: ok}}}\n";
  s["response-status-invalid"] = header + "paths:\n  /a:\n    get: {responses: {'abc': {description: ok}}}\n";
  s["response-malformed"] = header + "paths:\n  /a:\n    get: {responses: {'200': 5}}\n";
  s["content-malformed"] = with_op("", "          content: 5\n");
  s["media-type-malformed"] = with_op("", "          content:\n            'application:json': {schema: {type: object}}\n");
  s["header-malformed"] = with_op("", "          headers: 5\n");
  s["example-malformed"] = with_op("", "          content:\n            application/json: {examples: 5}\n");
  s["example-external-value"] =
      with_op("", "          content:\n            application/json: {examples: {a: {externalValue: 'http://x/y'}}}\n");
  s["security-malformed"] = with_op("      security: 5\n");
  s["security-scheme-undefined"] = with_op("      security: [{nowhere: []}]\n");
  s["tag-malformed"] = with_op("      tags: [5]\n");
  s["schema-invalid"] = with_schema("{type: object, required: name}");
  s["schema-keyword-unknown"] = with_schema("{type: array, minitems: 1}");
  s["schema-keyword-not-openapi"] = with_schema("{type: string, const: a}");
  s["schema-too-deep"] = with_schema(nested("{type: array, items: ", "}", 205, "{type: string}"));
  s["discriminator-invalid"] = with_schema("{oneOf: [{type: object}, {type: string}], discriminator: 5}");
  s["one-of-branches-identical"] = with_schema("{oneOf: [{type: string}, {type: string}]}");
  s["pattern-unsupported"] = with_schema("{type: string, pattern: '(?=a)a'}");
  s["format-unknown"] = with_schema("{type: string, format: no-such-format}");
  s["specgate-ignore-invalid"] = "";  // collected by settings (lint_settings_test), not by the loader
  s["document-unreadable"] = "";      // a file that cannot be opened: LoadRuleUnreadableFile below
  return s;
}

const std::map<std::string, std::string> untriggerable = {
    {"schema-uncompilable", "valijson refusing a schema that the translation accepted: no known small spec"},
};

TEST(LintLoadRules, EachLoadRuleIsTriggeredByItsSpecAndEveryDiagnosticHasAListedRule) {
  const auto specs = trigger_specs();
  for (const auto& r : load_rules()) {
    const std::string id(r.id);
    if (untriggerable.count(id)) continue;
    auto it = specs.find(id);
    ASSERT_NE(it, specs.end()) << "load rule " << id << " has no spec that triggers it";
    if (it->second.empty()) continue;
    lint_result result = lint_text(it->second, "spec.yaml");
    bool fired = false;
    for (const auto& d : result.findings) {
      EXPECT_FALSE(d.rule.empty()) << "spec for " << id << ": a diagnostic without rule: " << d.to_string();
      EXPECT_NE(find_rule(d.rule), nullptr) << "spec for " << id << ": unlisted rule " << d.rule;
      fired = fired || d.rule == id;
    }
    EXPECT_TRUE(fired) << id << " not reported; got:\n" << all(result.findings);
  }
}

TEST(LintLoadRules, UnreadableFileIsDocumentUnreadable) {
  lint_result result = lint_file("/nonexistent/dir/spec.yaml");
  EXPECT_EQ(result.docs, nullptr);
  ASSERT_EQ(result.findings.size(), 1u) << all(result.findings);
  EXPECT_EQ(result.findings[0].rule, "document-unreadable");
  result = lint_file(specgate::testing::source_dir() + "/tests");  // a directory
  ASSERT_EQ(result.findings.size(), 1u) << all(result.findings);
  EXPECT_EQ(result.findings[0].rule, "document-unreadable");
}

TEST(LintLoadRules, CleanSpecsReportNoLoadRule) {
  // The shapes the trigger specs vary, written correctly: no load rule may fire.
  const std::string clean[] = {
      with_op(""),
      with_schema("{type: object, required: [name], properties: {name: {type: string, format: date-time, "
                  "pattern: '^a+$', minLength: 1}}}"),
      with_schema("{oneOf: [{type: string}, {type: integer}]}"),
      with_schema("{$ref: '#/components/schemas/A'}", "components:\n  schemas:\n    A: {type: string}\n"),
      with_op("      tags: [items]\n      security: [{key: []}]\n",
              "          headers: {X-Rate: {schema: {type: integer}}}\n"
              "          content:\n            application/json: {examples: {a: {value: {}}}}\n"
              "components:\n  securitySchemes:\n    key: {type: apiKey, in: header, name: X-Key}\n"),
  };
  std::set<std::string_view> load_ids;
  for (const auto& r : load_rules()) load_ids.insert(r.id);
  for (const auto& text : clean) {
    lint_result result = lint_text(text, "spec.yaml");
    ASSERT_NE(result.docs, nullptr);
    for (const auto& d : result.findings)
      EXPECT_FALSE(load_ids.count(d.rule)) << "clean spec:\n" << text << "\nfinding: " << d.to_string();
  }
}

TEST(LintLoadRules, KibanaDiagnosticsAllCarryListedRules) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  lint_result result = lint_file(specgate::testing::kibana_spec_path());
  ASSERT_NE(result.docs, nullptr);
  EXPECT_FALSE(result.findings.empty());
  for (const auto& d : result.findings) {
    EXPECT_NE(find_rule(d.rule), nullptr) << d.to_string() << " {" << d.rule << "}";
  }
  // The malformed media-type keys Spectral and Redocly miss (issue 11).
  EXPECT_TRUE(std::any_of(result.findings.begin(), result.findings.end(),
                          [](const diagnostic& d) { return d.rule == "media-type-malformed"; }));
}

TEST(LintDocument, FindingsAreSortedByFileLineColumnRule) {
  lint_result result = lint_text(with_schema("{type: array, minitems: 1, maxitem: 2, format: nope}"), "spec.yaml");
  ASSERT_GE(result.findings.size(), 3u) << all(result.findings);
  for (std::size_t i = 1; i < result.findings.size(); ++i) {
    const auto& a = result.findings[i - 1];
    const auto& b = result.findings[i];
    EXPECT_LE(std::tie(a.line, a.column, a.rule), std::tie(b.line, b.column, b.rule)) << all(result.findings);
  }
}

}  // namespace
}  // namespace specgate::validator::lint
