// Lint settings: .specgate.yaml levels, x-specgate-ignore, baselines and fingerprints.
#include "validator/lint/settings.h"

#include <algorithm>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "validator/lint/lint.h"
#include "validator/lint/lint_report.h"

namespace specgate::validator::lint {
namespace {

using ::testing::HasSubstr;

// Two sibling schemas, each with a misspelt keyword (schema-keyword-unknown) and an unknown
// format (format-unknown, reported once at its first use).
const std::string spec_text =
    "openapi: 3.0.3\n"
    "info: {title: t, version: '1'}\n"
    "paths:\n"
    "  /a:\n"
    "    get:\n"
    "      responses:\n"
    "        '200':\n"
    "          description: ok\n"
    "          content:\n"
    "            application/json:\n"
    "              schema: {$ref: '#/components/schemas/Both'}\n"
    "components:\n"
    "  schemas:\n"
    "    Both:\n"
    "      type: object\n"
    "      properties:\n"
    "        one: {$ref: '#/components/schemas/One'}\n"
    "        two: {$ref: '#/components/schemas/Two'}\n"
    "    One:\n"
    "      type: array\n"
    "      minitems: 1\n"
    "      items: {type: string, format: no-such-format}\n"
    "    Two:\n"
    "      type: array\n"
    "      maxitem: 2\n";

std::vector<finding> lint_with(const std::string& text, const settings& rules = {}) {
  lint_result result = lint_text(text, "spec.yaml");
  EXPECT_NE(result.docs, nullptr);
  diagnostics found = std::move(result.findings);
  std::vector<ignore_site> ignores;
  if (result.docs) ignores = collect_ignores(*result.docs, found);
  return apply_settings(std::move(found), rules, ignores);
}

std::vector<const finding*> of_rule(const std::vector<finding>& all, std::string_view rule) {
  std::vector<const finding*> out;
  for (const auto& f : all)
    if (f.where.rule == rule) out.push_back(&f);
  return out;
}

std::string all(const std::vector<finding>& f) {
  std::string out;
  for (const auto& x : f) out += x.where.to_string() + " {" + x.where.rule + "}\n";
  return out;
}

TEST(LintSettings, DefaultsKeepEveryFindingAtItsDefaultLevel) {
  auto found = lint_with(spec_text);
  ASSERT_EQ(of_rule(found, "schema-keyword-unknown").size(), 2u) << all(found);
  ASSERT_EQ(of_rule(found, "format-unknown").size(), 1u) << all(found);
  for (const auto* f : of_rule(found, "schema-keyword-unknown")) EXPECT_EQ(f->where.level, severity::warning);
}

TEST(LintSettings, ConfigTurnsRulesOffAndReRanksThem) {
  auto read = parse_settings("rules:\n  format-unknown: off\n  schema-keyword-unknown: error\n", ".specgate.yaml");
  ASSERT_TRUE(read.problems.empty()) << read.problems[0].to_string();
  auto found = lint_with(spec_text, read.value);
  EXPECT_TRUE(of_rule(found, "format-unknown").empty()) << all(found);
  auto unknown = of_rule(found, "schema-keyword-unknown");
  ASSERT_EQ(unknown.size(), 2u) << all(found);
  for (const auto* f : unknown) EXPECT_EQ(f->where.level, severity::error);

  auto lower = parse_settings("rules:\n  ref-unresolved: warning\n", "c.yaml");
  ASSERT_TRUE(lower.problems.empty());
  auto broken = lint_with("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
                          "        '200': {$ref: '#/components/responses/Nowhere'}\n",
                          lower.value);
  auto refs = of_rule(broken, "ref-unresolved");
  ASSERT_FALSE(refs.empty()) << all(broken);
  for (const auto* f : refs) EXPECT_EQ(f->where.level, severity::warning);
}

TEST(LintSettings, UnknownRuleInConfigIsAnErrorWithItsLocation) {
  auto read = parse_settings("rules:\n  format-unknown: off\n  no-such-rule: warning\n", ".specgate.yaml");
  ASSERT_EQ(read.problems.size(), 1u);
  const diagnostic& d = read.problems[0];
  EXPECT_EQ(d.level, severity::error);
  EXPECT_EQ(d.file, ".specgate.yaml");
  EXPECT_EQ(d.line, 3u);
  EXPECT_GT(d.column, 0u);
  EXPECT_THAT(d.message, HasSubstr("unknown rule 'no-such-rule'"));
  EXPECT_THAT(d.to_string(), HasSubstr(".specgate.yaml:3:"));
}

TEST(LintSettings, BadLevelsKeysAndSyntaxAreErrors) {
  auto level = parse_settings("rules:\n  format-unknown: loud\n", "c.yaml");
  ASSERT_EQ(level.problems.size(), 1u);
  EXPECT_EQ(level.problems[0].line, 2u);
  EXPECT_THAT(level.problems[0].message, HasSubstr("not one of off, warning, error"));
  auto key = parse_settings("rule:\n  format-unknown: off\n", "c.yaml");
  ASSERT_EQ(key.problems.size(), 1u);
  EXPECT_EQ(key.problems[0].line, 1u);
  EXPECT_THAT(key.problems[0].message, HasSubstr("unknown key 'rule'"));
  auto syntax = parse_settings("rules: {\n", "c.yaml");
  ASSERT_FALSE(syntax.problems.empty());
  EXPECT_EQ(syntax.problems[0].file, "c.yaml");
  EXPECT_GT(syntax.problems[0].line, 0u);
  auto empty = parse_settings("", "c.yaml");
  EXPECT_TRUE(empty.problems.empty());
  EXPECT_TRUE(empty.value.rules.empty());
  auto missing = read_settings("/nonexistent/.specgate.yaml");
  ASSERT_EQ(missing.problems.size(), 1u);
  EXPECT_THAT(missing.problems[0].to_string(), HasSubstr("/nonexistent/.specgate.yaml"));
}

TEST(LintSettings, InlineIgnoreSuppressesThatObjectAndBelowButNotASibling) {
  std::string text = spec_text;
  text.replace(text.find("    One:\n"), 9, "    One:\n      x-specgate-ignore: [schema-keyword-unknown]\n");
  auto found = lint_with(text);
  auto unknown = of_rule(found, "schema-keyword-unknown");
  ASSERT_EQ(unknown.size(), 1u) << all(found);
  EXPECT_EQ(unknown[0]->where.pointer, "/components/schemas/Two/maxitem");  // the sibling stays
  // format-unknown below One is another rule: not suppressed.
  EXPECT_EQ(of_rule(found, "format-unknown").size(), 1u) << all(found);

  // On an ancestor (/components) it covers both siblings.
  std::string above = spec_text;
  above.replace(above.find("components:\n"), 12, "components:\n  x-specgate-ignore: [schema-keyword-unknown, format-unknown]\n");
  auto none = lint_with(above);
  EXPECT_TRUE(of_rule(none, "schema-keyword-unknown").empty()) << all(none);
  EXPECT_TRUE(of_rule(none, "format-unknown").empty()) << all(none);
}

TEST(LintSettings, IgnoreMatchesWholePointerSegmentsInItsOwnFile) {
  auto make = [](std::string file, std::string pointer) {
    diagnostic d = file_diagnostic(std::move(file), 1, 1, std::move(pointer), "m", severity::warning);
    d.rule = "format-unknown";
    return d;
  };
  const std::vector<ignore_site> ignores{{"spec.yaml", "/a/On", {"format-unknown"}}};
  auto kept = apply_settings({make("spec.yaml", "/a/On"), make("spec.yaml", "/a/On/x"), make("spec.yaml", "/a/One"),
                              make("other.yaml", "/a/On")},
                             {}, ignores);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].where.pointer, "/a/One");
  EXPECT_EQ(kept[1].where.file, "other.yaml");
}

TEST(LintSettings, MalformedInlineIgnoreIsReported) {
  std::string text = spec_text;
  text.replace(text.find("    One:\n"), 9, "    One:\n      x-specgate-ignore: [no-such-rule, schema-keyword-unknown]\n");
  auto found = lint_with(text);
  auto bad = of_rule(found, "specgate-ignore-invalid");
  ASSERT_EQ(bad.size(), 1u) << all(found);
  EXPECT_THAT(bad[0]->where.message, HasSubstr("no-such-rule"));
  EXPECT_EQ(bad[0]->where.pointer, "/components/schemas/One/x-specgate-ignore/0");
  EXPECT_EQ(of_rule(found, "schema-keyword-unknown").size(), 1u) << "the known id still applies\n" << all(found);

  std::string scalar = spec_text;
  scalar.replace(scalar.find("    One:\n"), 9, "    One:\n      x-specgate-ignore: schema-keyword-unknown\n");
  auto found2 = lint_with(scalar);
  EXPECT_EQ(of_rule(found2, "specgate-ignore-invalid").size(), 1u) << all(found2);
  EXPECT_EQ(of_rule(found2, "schema-keyword-unknown").size(), 2u) << all(found2);
}

TEST(LintSettings, FingerprintIsStableWhenLinesShift) {
  auto before = lint_with(spec_text);
  std::string shifted = spec_text;
  shifted.replace(shifted.find("paths:\n"), 7, "# a comment\n\nx-owner: someone\npaths:\n");
  shifted.replace(shifted.find("    Two:\n"), 9, "    Extra: {type: string}\n    Two:\n");
  auto after = lint_with(shifted);
  ASSERT_EQ(before.size(), after.size()) << all(before) << "--\n" << all(after);
  ASSERT_FALSE(before.empty());
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_NE(before[i].where.line, after[i].where.line) << "the edit was meant to shift every finding";
    EXPECT_EQ(before[i].fingerprint, after[i].fingerprint) << before[i].where.to_string();
    EXPECT_EQ(before[i].fingerprint.size(), 16u);
  }
  // Different findings, different fingerprints.
  EXPECT_NE(of_rule(before, "schema-keyword-unknown")[0]->fingerprint,
            of_rule(before, "schema-keyword-unknown")[1]->fingerprint);
}

TEST(LintSettings, NormalisedMessageDropsPositionsOnly) {
  EXPECT_EQ(normalise_message("declared twice, first at spec.yaml:12:5; the last one wins"),
            normalise_message("declared twice, first at spec.yaml:40:1;  the last one wins"));
  EXPECT_EQ(normalise_message("at line 12 here"), "at line # here");
  EXPECT_NE(normalise_message("minimum 5"), normalise_message("minimum 6"));
  diagnostic a = file_diagnostic("f", 1, 1, "/a", "m");
  a.rule = "r";
  diagnostic b = a;
  b.line = 99;
  b.file = "other";
  EXPECT_EQ(fingerprint(a), fingerprint(b));
  b.pointer = "/b";
  EXPECT_NE(fingerprint(a), fingerprint(b));
}

TEST(LintSettings, BaselineRoundTripCountsOnlyNewFindings) {
  auto first = lint_with(spec_text);
  ASSERT_FALSE(first.empty());
  const std::string written = baseline_json(first).dump(2);
  auto read = parse_baseline(written, "baseline.json");
  ASSERT_TRUE(read.problems.empty()) << read.problems[0].to_string();

  // The same document with lines shifted and one new problem.
  std::string changed = spec_text;
  changed.replace(changed.find("paths:\n"), 7, "# moved\npaths:\n");
  changed += "    Three: {type: string, maxlength: 3}\n";
  changed.replace(changed.find("        two:"), 12, "        three: {$ref: '#/components/schemas/Three'}\n        two:");
  auto second = lint_with(changed);
  ASSERT_EQ(second.size(), first.size() + 1) << all(second);
  EXPECT_EQ(apply_baseline(second, read.value), first.size());
  std::vector<const finding*> fresh;
  for (const auto& f : second)
    if (!f.baselined) fresh.push_back(&f);
  ASSERT_EQ(fresh.size(), 1u) << all(second);
  EXPECT_EQ(fresh[0]->where.pointer, "/components/schemas/Three/maxlength");

  // The counts a report gives: the baselined ones apart.
  lint_report report{{"spec.yaml"}, second, true};
  const lint_counts c = count(report);
  EXPECT_EQ(c.baselined, first.size());
  EXPECT_EQ(c.errors + c.warnings, 1u);
  EXPECT_THAT(summary_line(report), HasSubstr(std::to_string(first.size()) + " baselined"));
  EXPECT_EQ(to_text(report).find("minitems"), std::string::npos) << "text leaves baselined findings out";
  EXPECT_THAT(to_text(report), HasSubstr("maxlength"));
}

TEST(LintSettings, BaselineEntryMatchesAsOftenAsRecorded) {
  auto found = lint_with(spec_text);
  ASSERT_GE(found.size(), 1u);
  std::vector<finding> once{found[0]};
  auto read = parse_baseline(baseline_json(once).dump(), "b.json");
  ASSERT_TRUE(read.problems.empty());
  std::vector<finding> twice{found[0], found[0]};
  EXPECT_EQ(apply_baseline(twice, read.value), 1u);
  EXPECT_TRUE(twice[0].baselined);
  EXPECT_FALSE(twice[1].baselined);
}

TEST(LintSettings, MalformedBaselineIsAnError) {
  auto wrong = parse_baseline("{\"findings\": 5}", "b.json");
  ASSERT_EQ(wrong.problems.size(), 1u);
  EXPECT_THAT(wrong.problems[0].message, HasSubstr("not a specgate lint baseline"));
  auto entry = parse_baseline("{\"specgate-baseline\": 1, \"findings\": [{\"file\": 1}]}", "b.json");
  ASSERT_EQ(entry.problems.size(), 1u);
  EXPECT_EQ(entry.problems[0].pointer, "/findings/0");
  auto broken = parse_baseline("{\"specgate-baseline\": 1,", "b.json");
  ASSERT_FALSE(broken.problems.empty());
  EXPECT_GT(broken.problems[0].line, 0u);
}

}  // namespace
}  // namespace specgate::validator::lint

namespace specgate::validator::lint {
namespace {

// The renderings of one report with a baselined finding (the binary's tests: tests/integration/lint_test.cpp).
TEST(LintReport, SarifJunitAndJsonOfBaselinedAndNewFindings) {
  auto found = lint_with(spec_text);
  ASSERT_EQ(found.size(), 3u) << all(found);
  found[0].baselined = true;
  for (auto& f : found) f.where.file = "dir with space/spec.yaml";
  lint_report report{{"dir with space/spec.yaml"}, found, true};

  const nlohmann::json sarif = to_sarif(report, "1.2.3");
  const auto& run = sarif["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["version"], "1.2.3");
  EXPECT_EQ(run["tool"]["driver"]["rules"].size(), all_rules().size());
  ASSERT_EQ(run["results"].size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& r = run["results"][i];
    EXPECT_EQ(all_rules()[r["ruleIndex"].get<std::size_t>()].id, r["ruleId"].get<std::string>());
    EXPECT_EQ(r["baselineState"], i == 0 ? "unchanged" : "new");
    EXPECT_EQ(r["partialFingerprints"]["specgate/v1"], found[i].fingerprint);
    EXPECT_EQ(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "dir%20with%20space/spec.yaml");
    EXPECT_EQ(r["locations"][0]["physicalLocation"]["region"]["startLine"], found[i].where.line);
  }
  EXPECT_FALSE(to_sarif(lint_report{{"a.yaml"}, found, false}, "1")["runs"][0]["results"][0].contains("baselineState"));

  const nlohmann::json j = to_json(report);
  EXPECT_EQ(j["summary"]["baselined"], 1);
  EXPECT_EQ(j["summary"]["errors"].get<int>() + j["summary"]["warnings"].get<int>(), 2);
  EXPECT_EQ(j["findings"][0]["baselined"], true);

  const std::string xml = to_junit(report);
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"dir with space/spec.yaml\" tests=\"2\" failures=\"2\""));
  const std::string clean = to_junit(lint_report{{"clean.yaml"}, {}, false});
  EXPECT_THAT(clean, HasSubstr("<testcase name=\"lint\" classname=\"clean.yaml\"/>"));
  EXPECT_THAT(clean, HasSubstr("failures=\"0\""));
}

}  // namespace
}  // namespace specgate::validator::lint
