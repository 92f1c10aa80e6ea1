// `specgate diff` end to end: Kibana's document against a copy this test edits (one planted change of every
// class, each found with its kind and class, nothing else), the document against itself (nothing, exit 0),
// exit codes 0/1/2 by --fail-on, the JSON and Markdown renderings written via --output, bad inputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "integration/cli_run.h"
#include "test_support.h"
#include "validator/document/document.h"

namespace specgate::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;


// (METHOD /path, kind, class) of every change in a JSON rendering.
using found = std::tuple<std::string, std::string, std::string>;
std::multiset<found> changes_of(const json& report) {
  std::multiset<found> out;
  for (const auto& c : report["changes"])
    out.insert({c["method"].get<std::string>() + " " + c["path"].get<std::string>(), c["kind"], c["class"]});
  return out;
}

const char* const methods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The Elastic-Api-Version values of a content map's keys.
std::set<std::string> versions_of(const json& content) {
  std::set<std::string> out;
  if (!content.is_object()) return out;
  for (const auto& [key, _] : content.items())
    if (auto at = key.find("Elastic-Api-Version="); at != std::string::npos) out.insert(key.substr(at + 20));
  return out;
}

std::set<std::string> response_versions(const json& op) {
  std::set<std::string> out;
  if (auto r = op.find("responses"); r != op.end() && r->is_object())
    for (const auto& [_, resp] : r->items())
      if (resp.is_object() && resp.contains("content")) {
        auto v = versions_of(resp["content"]);
        out.insert(v.begin(), v.end());
      }
  return out;
}

// Plants one change per step in a copy of Kibana's document, each in an operation of its own path, and
// records what `diff` must report for it.
struct planter {
  json doc;
  std::set<std::string> used_paths;
  std::multiset<found> expected;

  // The first operation (path, method) not yet used that satisfies `want`.
  template <class Want>
  std::pair<std::string, std::string> pick(Want want) {
    for (auto& [path, item] : doc["paths"].items()) {
      if (used_paths.count(path) != 0 || !item.is_object() || item.contains("$ref")) continue;
      for (const char* m : methods)
        if (auto op = item.find(m); op != item.end() && op->is_object() && want(path, item, *op)) {
          used_paths.insert(path);
          return {path, m};
        }
    }
    return {};
  }
};

TEST(diff_verb, kibana_against_a_copy_with_planted_changes_finds_each_and_nothing_else) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  scratch s("specgate_diff");
  auto parsed = validator::parse_file(kibana_spec_path());
  ASSERT_TRUE(parsed.doc) << "cannot parse " << kibana_spec_path();
  planter p{parsed.doc->root(), {}, {}};
  auto count_methods = [](const json& item) {
    int n = 0;
    for (const char* m : methods) n += item.contains(m) ? 1 : 0;
    return n;
  };

  // breaking: an operation removed from a path that keeps another one.
  auto [rm_path, rm_method] = p.pick([&](const std::string&, const json& item, const json&) { return count_methods(item) >= 2; });
  ASSERT_FALSE(rm_path.empty());
  p.doc["paths"][rm_path].erase(rm_method);
  p.expected.insert({upper(rm_method) + " " + rm_path, "operation-removed", "breaking"});

  // breaking: a whole path removed (it had one operation).
  auto [gone_path, gone_method] = p.pick([&](const std::string&, const json& item, const json&) { return count_methods(item) == 1; });
  ASSERT_FALSE(gone_path.empty());
  p.doc["paths"].erase(gone_path);
  p.expected.insert({upper(gone_method) + " " + gone_path, "path-removed", "breaking"});

  // breaking: an optional query parameter (declared inline) made required.
  std::size_t param_index = 0;
  auto [req_path, req_method] = p.pick([&](const std::string&, const json&, const json& op) {
    if (!op.contains("parameters") || !op["parameters"].is_array()) return false;
    for (std::size_t i = 0; i < op["parameters"].size(); ++i) {
      const json& q = op["parameters"][i];
      if (q.is_object() && !q.contains("$ref") && q.value("in", "") == "query" && !q.value("required", false)) {
        param_index = i;
        return true;
      }
    }
    return false;
  });
  ASSERT_FALSE(req_path.empty());
  p.doc["paths"][req_path][req_method]["parameters"][param_index]["required"] = true;
  p.expected.insert({upper(req_method) + " " + req_path, "parameter-made-required", "breaking"});

  // breaking + compatible: an operation's only API version replaced by another (every content map has one key).
  auto [ver_path, ver_method] = p.pick([&](const std::string&, const json&, const json& op) {
    if (op.contains("requestBody")) return false;
    if (response_versions(op) != std::set<std::string>{"2023-10-31"}) return false;
    for (const auto& [_, resp] : op["responses"].items())
    {
      if (!resp.is_object() || resp.contains("$ref")) return false;
      if (!resp.contains("content")) continue;
      if (!resp["content"].is_object() || resp["content"].size() != 1) return false;
      if (resp["content"].begin().key().find("Elastic-Api-Version=2023-10-31") == std::string::npos) return false;
    }
    return true;
  });
  ASSERT_FALSE(ver_path.empty());
  for (auto& [_, resp] : p.doc["paths"][ver_path][ver_method]["responses"].items())
    if (resp.contains("content")) {
      json renamed = json::object();
      for (auto& [key, media] : resp["content"].items()) {
        std::string k = key;
        k.replace(k.find("2023-10-31"), 10, "2099-01-01");
        renamed[k] = media;
      }
      resp["content"] = renamed;
    }
  p.expected.insert({upper(ver_method) + " " + ver_path, "api-version-removed", "breaking"});
  p.expected.insert({upper(ver_method) + " " + ver_path, "api-version-added", "compatible"});

  // potentially breaking: a request body removed (its versions are still offered by the responses).
  auto [body_path, body_method] = p.pick([&](const std::string&, const json&, const json& op) {
    if (!op.contains("requestBody") || !op["requestBody"].is_object() || op["requestBody"].contains("$ref")) return false;
    const auto body_versions = versions_of(op["requestBody"].value("content", json::object()));
    const auto offered = response_versions(op);
    for (const auto& v : body_versions)
      if (offered.count(v) == 0) return false;
    return true;
  });
  ASSERT_FALSE(body_path.empty());
  p.doc["paths"][body_path][body_method].erase("requestBody");
  p.expected.insert({upper(body_method) + " " + body_path, "request-body-removed", "potentially-breaking"});

  // compatible: an optional query parameter added; an operation added.
  auto [opt_path, opt_method] = p.pick([&](const std::string&, const json&, const json&) { return true; });
  ASSERT_FALSE(opt_path.empty());
  auto& op = p.doc["paths"][opt_path][opt_method];
  if (!op.contains("parameters")) op["parameters"] = json::array();
  op["parameters"].push_back({{"name", "specgate_planted"}, {"in", "query"}, {"schema", {{"type", "string"}}}});
  p.expected.insert({upper(opt_method) + " " + opt_path, "parameter-optional-added", "compatible"});
  p.doc["paths"]["/api/specgate_planted/{id}"] = {
      {"get",
       {{"operationId", "specgate-planted"},
        {"parameters", json::array({{{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}}})},
        {"responses", {{"200", {{"description", "ok"}}}}}}}};
  p.expected.insert({"GET /api/specgate_planted/{id}", "operation-added", "compatible"});

  write_file(s / "edited.json", p.doc.dump());
  const auto r = run_specgate({"diff", kibana_spec_path(), s / "edited.json", "--format", "json", "--output",
                               s / "diff.json", "--format", "markdown", "--output", s / "diff.md"},
                              s);
  ASSERT_EQ(r.code, 1) << r.err;
  const json report = json::parse(read_file(s / "diff.json"));
  EXPECT_EQ(changes_of(report), p.expected) << report.dump(1);
  EXPECT_EQ(report["summary"]["breaking"], 4);
  EXPECT_EQ(report["summary"]["potentially-breaking"], 1);
  EXPECT_EQ(report["summary"]["compatible"], 3);
  EXPECT_THAT(r.err, ::testing::HasSubstr("4 breaking, 1 potentially breaking, 3 compatible change(s) in 7 operation(s)"));
  for (const auto& c : report["changes"]) {
    // Every change names where it is on the side(s) it exists on.
    if (c["kind"] != "operation-added" && c["kind"] != "parameter-optional-added") {
      ASSERT_TRUE(c["old"].is_object()) << c.dump();
      EXPECT_EQ(c["old"]["file"], kibana_spec_path());
      EXPECT_GT(c["old"]["line"].get<int>(), 0) << c.dump();
      EXPECT_TRUE(parsed.doc->find(c["old"]["pointer"].get<std::string>())) << c.dump();
    }
    if (!c["new"].is_null()) {
      EXPECT_EQ(c["new"]["file"], s / "edited.json");
    }
  }
  const std::string md = read_file(s / "diff.md");
  EXPECT_THAT(md, ::testing::HasSubstr("| breaking | 4 |"));
  EXPECT_THAT(md, ::testing::HasSubstr("`path-removed`"));
  EXPECT_LT(md.find("**breaking**"), md.find("*potentially breaking*")) << md;
}

TEST(diff_verb, kibana_against_itself_is_empty_and_exits_0) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  scratch s("specgate_diff");
  const auto r = run_specgate({"diff", kibana_spec_path(), kibana_spec_path(), "--fail-on", "potentially-breaking"}, s);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, ::testing::HasSubstr("0 breaking, 0 potentially breaking, 0 compatible change(s) in 0 operation(s)"));
  EXPECT_EQ(r.out, "0 breaking, 0 potentially breaking, 0 compatible change(s) in 0 operation(s)\n");
}

const std::string small_old = R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      operationId: getA
      parameters:
        - {name: q, in: query, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: string, enum: [x]}
)";

TEST(diff_verb, exit_codes_follow_fail_on) {
  scratch s("specgate_diff");
  write_file(s / "old.yaml", small_old);
  std::string potentially = small_old;
  potentially.replace(potentially.find("enum: [x]"), 9, "enum: [x, y]");
  write_file(s / "potentially.yaml", potentially);
  std::string breaking = small_old;
  breaking.replace(breaking.find("in: query,"), 10, "in: query, required: true,");
  write_file(s / "breaking.yaml", breaking);

  auto r = run_specgate({"diff", s / "old.yaml", s / "potentially.yaml"}, s);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::HasSubstr("GET /a (getA)\n  potentially-breaking  response-body-enum-value-added"));
  EXPECT_THAT(r.err, ::testing::HasSubstr("0 breaking, 1 potentially breaking, 0 compatible change(s) in 1 operation(s)"));
  r = run_specgate({"diff", s / "old.yaml", s / "potentially.yaml", "--fail-on", "potentially-breaking"}, s);
  EXPECT_EQ(r.code, 1) << r.err;
  r = run_specgate({"diff", s / "old.yaml", s / "breaking.yaml"}, s);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_THAT(r.out, ::testing::HasSubstr("breaking  parameter-made-required  query parameter q became required"));
  r = run_specgate({"diff", s / "breaking.yaml", s / "old.yaml"}, s);
  EXPECT_EQ(r.code, 0) << "the other direction is compatible: " << r.out;
  // Markdown on stdout, JSON to a file.
  r = run_specgate({"diff", s / "old.yaml", s / "breaking.yaml", "--format", "markdown", "--format", "json", "--output",
                    "-", "--output", s / "d.json"},
                   s);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_THAT(r.out, ::testing::HasSubstr("### `GET /a` (getA)"));
  EXPECT_EQ(json::parse(read_file(s / "d.json"))["changes"][0]["kind"], "parameter-made-required");
}

// The CI renderings: JUnit (one testcase per changed operation, failing at --fail-on, checked
// against the JUnit schema the other verbs' reports use) and SARIF (one result per change, level
// by class, located in the new document; checked against the SARIF subset schema lint's test uses).
TEST(diff_verb, junit_and_sarif_renderings_for_ci) {
  scratch s("specgate_diff");
  write_file(s / "old.yaml", small_old);
  std::string changed = small_old;
  changed.replace(changed.find("in: query,"), 10, "in: query, required: true,");
  changed.replace(changed.find("enum: [x]"), 9, "enum: [x, y]");
  write_file(s / "new.yaml", changed);
  auto r = run_specgate({"diff", s / "old.yaml", s / "new.yaml", "--output", s / "d.xml", "--output", s / "d.sarif"}, s);
  EXPECT_EQ(r.code, 1) << r.err;
  const std::string xml = read_file(s / "d.xml");
  EXPECT_THAT(xml, ::testing::HasSubstr("<testcase name=\"GET /a (getA)\" classname=\"specgate diff\">"));
  EXPECT_THAT(xml, ::testing::HasSubstr("<failure message=\"1 change(s) at or above breaking\" type=\"breaking\">breaking  parameter-made-required"));
  EXPECT_THAT(xml, ::testing::HasSubstr("<system-out>potentially-breaking  response-body-enum-value-added"));
  const std::string xsd = specgate::testing::source_dir() + "/tests/validator/data/junit.xsd";
  EXPECT_EQ(std::system(("xmllint --noout --schema '" + xsd + "' '" + (s / "d.xml") + "' 2>/dev/null").c_str()), 0) << xml;

  const json sarif = json::parse(read_file(s / "d.sarif"));
  EXPECT_EQ(sarif["version"], "2.1.0");
  const json& results = sarif["runs"][0]["results"];
  ASSERT_EQ(results.size(), 2u) << sarif.dump(2);
  std::set<std::pair<std::string, std::string>> got;
  for (const auto& x : results) {
    got.emplace(x["ruleId"].get<std::string>(), x["level"].get<std::string>());
    EXPECT_EQ(x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].get<std::string>().find("new.yaml") !=
                  std::string::npos,
              true)
        << x.dump();
    EXPECT_GT(x["locations"][0]["physicalLocation"]["region"]["startLine"].get<int>(), 0);
    EXPECT_EQ(x["partialFingerprints"]["specgate/v1"].get<std::string>().size(), 16u);
  }
  EXPECT_EQ(got, (std::set<std::pair<std::string, std::string>>{{"parameter-made-required", "error"},
                                                                 {"response-body-enum-value-added", "warning"}}));
  const std::string schema = specgate::testing::source_dir() + "/tests/integration/data/sarif-2.1.0-subset.schema.json";
  const std::string check = "/usr/bin/python3 -c 'import json,sys,jsonschema\n"
                            "jsonschema.Draft7Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))' '" +
                            schema + "' '" + (s / "d.sarif") + "' 2>/dev/null";
  if (std::system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") == 0)
    EXPECT_EQ(std::system(check.c_str()), 0) << sarif.dump(2);
  else if (specgate::testing::running_in_ci())
    ADD_FAILURE() << "python3-jsonschema missing in CI";

  // No change: one passing testcase, an empty SARIF run.
  r = run_specgate({"diff", s / "old.yaml", s / "old.yaml", "--format", "junit", "--output", s / "same.xml",
                    "--format", "sarif", "--output", s / "same.sarif"},
                   s);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(read_file(s / "same.xml"), ::testing::HasSubstr("tests=\"1\" failures=\"0\""));
  EXPECT_TRUE(json::parse(read_file(s / "same.sarif"))["runs"][0]["results"].empty());
}

TEST(diff_verb, unreadable_specs_and_bad_usage_exit_2_with_a_clear_message) {
  scratch s("specgate_diff");
  write_file(s / "old.yaml", small_old);
  write_file(s / "broken.yaml", "openapi: 3.0.3\ninfo: [\n");
  auto r = run_specgate({"diff", s / "old.yaml", s / "missing.yaml"}, s);
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, ::testing::HasSubstr(s / "missing.yaml"));
  EXPECT_THAT(r.err, ::testing::HasSubstr("(the new spec) cannot be loaded"));
  r = run_specgate({"diff", s / "broken.yaml", s / "old.yaml"}, s);
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, ::testing::HasSubstr("(the old spec) cannot be loaded"));
  EXPECT_THAT(r.err, ::testing::HasSubstr("broken.yaml:"));
  r = run_specgate({"diff", s / "old.yaml"}, s);
  EXPECT_EQ(r.code, 2) << "NEW is required";
  r = run_specgate({"diff", s / "old.yaml", s / "old.yaml", "--fail-on", "everything"}, s);
  EXPECT_EQ(r.code, 2);
  r = run_specgate({"diff", s / "old.yaml", s / "old.yaml", "--format", "json", "--format", "markdown"}, s);
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, ::testing::HasSubstr("cannot both go to stdout"));
}

}  // namespace
}  // namespace specgate::testing
