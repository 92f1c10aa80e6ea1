// `specgate lint` as a user runs it: exit codes 0/1/2, --fail-on, several --format/--output in one
// run, SARIF 2.1.0 (validated against OASIS's schema, tests/integration/data), JUnit, two specs,
// .specgate.yaml and --config, baselines, a file that is not YAML, and Kibana's document.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/cli_run.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::testing::HasSubstr;

using specgate::testing::run_result;
const auto& slurp = specgate::testing::read_file;

const std::string header = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

// No load problem at all.
const std::string clean_spec = header +
                               "paths:\n"
                               "  /items:\n"
                               "    get:\n"
                               "      operationId: listItems\n"
                               "      responses:\n"
                               "        '200':\n"
                               "          description: ok\n"
                               "          content:\n"
                               "            application/json:\n"
                               "              schema: {type: array, items: {type: string}}\n";

// Warnings only: a misspelt keyword (schema-keyword-unknown) on line 12.
const std::string warning_spec = header +
                                 "paths:\n"
                                 "  /items:\n"
                                 "    get:\n"
                                 "      operationId: listItems\n"
                                 "      responses:\n"
                                 "        '200':\n"
                                 "          description: ok\n"
                                 "          content:\n"
                                 "            application/json:\n"
                                 "              schema: {type: array, minitems: 1, items: {type: string}}\n";

// An error: a $ref to nothing (ref-unresolved).
const std::string error_spec = header +
                               "paths:\n"
                               "  /items:\n"
                               "    get:\n"
                               "      operationId: listItems\n"
                               "      responses:\n"
                               "        '200': {$ref: '#/components/responses/Nowhere'}\n";

class lint_cli : public specgate::testing::cli_fixture {
 protected:
  lint_cli() : cli_fixture("specgate-lint") {}
  // Runs `specgate lint ARGS` in the test's directory.
  run_result lint(std::vector<std::string> args) {
    args.insert(args.begin(), "lint");
    return specgate(args);
  }
};

TEST_F(lint_cli, ExitCodesZeroOneTwo) {
  write("clean.yaml", clean_spec);
  write("warning.yaml", warning_spec);
  write("error.yaml", error_spec);

  auto clean = lint({"clean.yaml"});
  EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
  EXPECT_THAT(clean.err, HasSubstr("0 error(s), 0 warning(s) in 1 file(s)"));

  auto warning = lint({"warning.yaml"});
  EXPECT_EQ(warning.code, 0) << warning.out << warning.err;
  EXPECT_THAT(warning.out, HasSubstr("warning.yaml:12:"));
  EXPECT_THAT(warning.out, HasSubstr("[schema-keyword-unknown]"));
  EXPECT_THAT(warning.err, HasSubstr("0 error(s), 1 warning(s) in 1 file(s)"));

  auto fail_on_warning = lint({"--fail-on", "warning", "warning.yaml"});
  EXPECT_EQ(fail_on_warning.code, 1) << fail_on_warning.err;
  auto clean_on_warning = lint({"--fail-on", "warning", "clean.yaml"});
  EXPECT_EQ(clean_on_warning.code, 0) << clean_on_warning.out << clean_on_warning.err;

  auto error = lint({"--spec", "error.yaml"});
  EXPECT_EQ(error.code, 1) << error.out << error.err;
  EXPECT_THAT(error.out, HasSubstr("error.yaml:8:"));
  EXPECT_THAT(error.out, HasSubstr("[ref-unresolved]"));

  auto usage = lint({"--fail-on", "never", "clean.yaml"});
  EXPECT_EQ(usage.code, 2);
  auto missing = lint({"no-such-file.yaml"});
  EXPECT_EQ(missing.code, 2) << missing.err;
  EXPECT_THAT(missing.out, HasSubstr("no-such-file.yaml: error: cannot open file"));
}

TEST_F(lint_cli, FileThatIsNotYamlIsAUsageErrorWithFileAndLine) {
  write("broken.yaml", header + "paths:\n  /a: {get: [\n    }\n");
  auto r = lint({"broken.yaml"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("broken.yaml:5:"));
  EXPECT_THAT(r.out, HasSubstr("[yaml-syntax]"));
  EXPECT_THAT(r.err, HasSubstr("1 error(s)"));
}

TEST_F(lint_cli, TwoPositionalSpecsOneReport) {
  write("warning.yaml", warning_spec);
  write("error.yaml", error_spec);
  auto r = lint({"--format", "json", "warning.yaml", "error.yaml"});
  EXPECT_EQ(r.code, 1) << r.err;
  const json report = json::parse(r.out);
  EXPECT_EQ(report["files"], json::array({"warning.yaml", "error.yaml"}));
  std::set<std::string> seen;
  for (const auto& f : report["findings"]) seen.insert(f["file"].get<std::string>() + " " + f["rule"].get<std::string>());
  EXPECT_TRUE(seen.count("warning.yaml schema-keyword-unknown")) << r.out;
  EXPECT_TRUE(seen.count("error.yaml ref-unresolved")) << r.out;
  EXPECT_THAT(r.err, HasSubstr("in 2 file(s)"));
}

TEST_F(lint_cli, SeveralFormatsAndOutputsInOneRun) {
  write("warning.yaml", warning_spec);
  auto r = lint({"warning.yaml", "--format", "json", "--output", "r.json", "--format", "sarif", "-o", "r.sarif",
                 "--format", "junit", "-o", "r.xml", "--format", "text", "-o", "-"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("[schema-keyword-unknown]"));  // text on stdout
  const json j = json::parse(slurp(dir_ / "r.json"));
  ASSERT_EQ(j["findings"].size(), 1u);
  EXPECT_EQ(j["findings"][0]["rule"], "schema-keyword-unknown");
  EXPECT_EQ(j["findings"][0]["line"], 12);
  EXPECT_EQ(j["findings"][0]["pointer"], "/paths/~1items/get/responses/200/content/application~1json/schema/minitems");
  EXPECT_EQ(j["findings"][0]["fingerprint"].get<std::string>().size(), 16u);
  const json s = json::parse(slurp(dir_ / "r.sarif"));
  EXPECT_EQ(s["version"], "2.1.0");
  const std::string xml = slurp(dir_ / "r.xml");
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"warning.yaml\" tests=\"1\" failures=\"1\""));
  EXPECT_THAT(xml, HasSubstr("<testcase name=\"schema-keyword-unknown\" classname=\"warning.yaml\">"));
  EXPECT_THAT(xml, HasSubstr("<failure message=\"1 finding(s) of schema-keyword-unknown\" type=\"warning\">"));
  // The JUnit shape CI systems read (tests/validator/data/junit.xsd, as the other verbs' reports).
  if (std::system("command -v xmllint >/dev/null 2>&1") == 0) {
    const std::string xsd = specgate::testing::source_dir() + "/tests/validator/data/junit.xsd";
    EXPECT_EQ(std::system(("xmllint --noout --schema '" + xsd + "' '" + (dir_ / "r.xml").string() + "' 2>'" +
                           (dir_ / "xmllint.txt").string() + "'")
                              .c_str()),
              0)
        << slurp(dir_ / "xmllint.txt") << xml;
  } else if (specgate::testing::running_in_ci()) {
    FAIL() << "xmllint is needed (Debian: libxml2-utils)";
  }

  // Two reports on stdout: a usage error.
  auto twice = lint({"warning.yaml", "--format", "json", "--format", "sarif"});
  EXPECT_EQ(twice.code, 2);
  EXPECT_THAT(twice.err, HasSubstr("cannot both go to stdout"));
}

TEST_F(lint_cli, SarifStructureFieldByFieldAndAgainstTheSchema) {
  write("error.yaml", error_spec);
  auto r = lint({"--format", "sarif", "error.yaml"});
  ASSERT_EQ(r.code, 1) << r.err;
  const json s = json::parse(r.out);
  EXPECT_TRUE(s.contains("$schema"));
  EXPECT_EQ(s["version"], "2.1.0");
  ASSERT_EQ(s["runs"].size(), 1u);
  const json& run = s["runs"][0];
  const json& driver = run["tool"]["driver"];
  EXPECT_EQ(driver["name"], "specgate");
  EXPECT_TRUE(driver["version"].is_string());
  ASSERT_TRUE(driver["rules"].is_array());
  std::size_t ref_index = driver["rules"].size();
  for (std::size_t i = 0; i < driver["rules"].size(); ++i) {
    const json& rule = driver["rules"][i];
    EXPECT_TRUE(rule["shortDescription"]["text"].is_string());
    EXPECT_THAT(rule["help"]["text"].get<std::string>(), HasSubstr("docs/lint-rules.md#" + rule["id"].get<std::string>()));
    EXPECT_THAT(rule["defaultConfiguration"]["level"].get<std::string>(), ::testing::AnyOf("error", "warning"));
    if (rule["id"] == "ref-unresolved") ref_index = i;
  }
  ASSERT_LT(ref_index, driver["rules"].size());
  ASSERT_GE(run["results"].size(), 1u);
  const json* result = nullptr;
  for (const auto& x : run["results"])
    if (x["ruleId"] == "ref-unresolved") result = &x;
  ASSERT_NE(result, nullptr) << r.out;
  EXPECT_EQ((*result)["ruleIndex"], ref_index);
  EXPECT_EQ((*result)["level"], "error");
  EXPECT_THAT((*result)["message"]["text"].get<std::string>(), HasSubstr("Nowhere"));
  const json& physical = (*result)["locations"][0]["physicalLocation"];
  EXPECT_EQ(physical["artifactLocation"]["uri"], "error.yaml");
  EXPECT_EQ(physical["region"]["startLine"], 8);
  EXPECT_GE(physical["region"]["startColumn"], 1);
  EXPECT_EQ((*result)["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            (*result)["properties"]["pointer"]);
  EXPECT_THAT((*result)["properties"]["pointer"].get<std::string>(), HasSubstr("/responses/200"));
  EXPECT_EQ((*result)["partialFingerprints"]["specgate/v1"].get<std::string>().size(), 16u);

  // Against a JSON Schema of the SARIF 2.1.0 members specgate emits, written for this test from the
  // standard (tests/integration/data/sarif-2.1.0-subset.schema.json), with Debian's python3-jsonschema.
  const char* python = "/usr/bin/python3";
  if (std::system((std::string(python) + " -c 'import jsonschema' >/dev/null 2>&1").c_str()) != 0) {
    if (specgate::testing::running_in_ci()) FAIL() << python << " cannot import jsonschema (python3-jsonschema)";
    GTEST_SKIP() << python << " cannot import jsonschema: the SARIF schema check is skipped";
  }
  write("out.sarif", r.out);
  const std::string schema = specgate::testing::source_dir() + "/tests/integration/data/sarif-2.1.0-subset.schema.json";
  const std::string check = std::string(python) +
                            " -c 'import json,sys,jsonschema\n"
                            "s=json.load(open(sys.argv[1])); d=json.load(open(sys.argv[2]))\n"
                            "jsonschema.validators.validator_for(s)(s).validate(d)' '" +
                            schema + "' '" + (dir_ / "out.sarif").string() + "' 2>'" + (dir_ / "py.txt").string() + "'";
  EXPECT_EQ(std::system(check.c_str()), 0) << slurp(dir_ / "py.txt");
  // The check can fail: a result without its message breaks the schema.
  json broken = json::parse(r.out);
  broken["runs"][0]["results"][0].erase("message");
  write("out.sarif", broken.dump());
  EXPECT_NE(std::system(check.c_str()), 0) << "the schema check accepts a result without a message";
}

TEST_F(lint_cli, ConfigFileInTheWorkingDirectoryAndConfigOption) {
  write("warning.yaml", warning_spec);
  write(".specgate.yaml", "rules:\n  schema-keyword-unknown: error\n");
  auto ranked = lint({"warning.yaml"});
  EXPECT_EQ(ranked.code, 1) << ranked.out << ranked.err;
  EXPECT_THAT(ranked.out, HasSubstr("error: unknown schema keyword 'minitems'"));

  write("off.yaml", "rules:\n  schema-keyword-unknown: off\n");
  auto off = lint({"--config", "off.yaml", "--fail-on", "warning", "warning.yaml"});
  EXPECT_EQ(off.code, 0) << off.out << off.err;
  EXPECT_EQ(off.out, "");

  write("bad.yaml", "rules:\n  schema-keyword-unknown: off\n  no-such-rule: error\n");
  auto bad = lint({"--config", "bad.yaml", "warning.yaml"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("bad.yaml:3:")); EXPECT_THAT(bad.err, HasSubstr("error: unknown rule 'no-such-rule'"));
  auto missing = lint({"--config", "missing.yaml", "warning.yaml"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_THAT(missing.err, HasSubstr("missing.yaml"));
}

TEST_F(lint_cli, BaselineRecordsFindingsSoOnlyNewOnesFail) {
  write("spec.yaml", error_spec);
  auto recorded = lint({"spec.yaml", "--write-baseline", "baseline.json"});
  EXPECT_EQ(recorded.code, 0) << recorded.err;
  const json b = json::parse(slurp(dir_ / "baseline.json"));
  ASSERT_EQ(b["findings"].size(), 1u);
  EXPECT_EQ(b["findings"][0]["file"], "spec.yaml");
  EXPECT_EQ(b["findings"][0]["rule"], "ref-unresolved");

  auto known = lint({"spec.yaml", "--baseline", "baseline.json"});
  EXPECT_EQ(known.code, 0) << known.out << known.err;
  EXPECT_EQ(known.out, "");  // text leaves baselined findings out
  EXPECT_THAT(known.err, HasSubstr("0 error(s), 0 warning(s) in 1 file(s), 1 baselined"));
  auto sarif = lint({"spec.yaml", "--baseline", "baseline.json", "--format", "sarif"});
  EXPECT_EQ(json::parse(sarif.out)["runs"][0]["results"][0]["baselineState"], "unchanged");

  // Lines shift and a new error appears: only the new one counts.
  write("spec.yaml", "# moved\n" + error_spec + "    post:\n      operationId: addItem\n");
  auto fresh = lint({"spec.yaml", "--baseline", "baseline.json", "--format", "json"});
  EXPECT_EQ(fresh.code, 1) << fresh.out << fresh.err;
  std::size_t baselined = 0, counting = 0;
  const json fresh_report = json::parse(fresh.out);
  for (const auto& f : fresh_report["findings"]) (f["baselined"].get<bool>() ? baselined : counting)++;
  EXPECT_EQ(baselined, 1u);
  EXPECT_GE(counting, 1u);

  write("garbage.json", "[1, 2]");
  auto bad = lint({"spec.yaml", "--baseline", "garbage.json"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("garbage.json"));
}

TEST_F(lint_cli, InlineIgnoreInTheSpec) {
  std::string text = warning_spec;
  text.replace(text.find("      operationId"), 0, "      x-specgate-ignore: [schema-keyword-unknown]\n");
  write("ignored.yaml", text);
  auto r = lint({"--fail-on", "warning", "ignored.yaml"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

TEST_F(lint_cli, KibanaDocumentLintsWithRuleIds) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  auto r = lint({"--format", "json", specgate::testing::kibana_spec_path()});
  ASSERT_TRUE(r.code == 0 || r.code == 1) << r.code << " " << r.err;
  const json report = json::parse(r.out);
  ASSERT_GT(report["findings"].size(), 0u);
  for (const auto& f : report["findings"]) {
    EXPECT_FALSE(f["rule"].get<std::string>().empty()) << f.dump();
    EXPECT_GT(f["line"].get<int>(), 0) << f.dump();
  }
  EXPECT_THAT(r.err, HasSubstr("in 1 file(s)"));
}

}  // namespace
