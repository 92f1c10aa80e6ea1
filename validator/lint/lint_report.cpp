// Text, JSON, SARIF 2.1.0 and JUnit renderings of a lint run (lint_report.h).
#include "validator/lint/lint_report.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "validator/lint/lint.h"
#include "validator/report/traffic_report_detail.h"

namespace specgate::validator::lint {

using nlohmann::json;
using report_detail::xml_text;

lint_counts count(const lint_report& report) {
  lint_counts c;
  for (const auto& f : report.findings) {
    if (f.baselined) ++c.baselined;
    else if (f.where.level == severity::error) ++c.errors;
    else ++c.warnings;
  }
  return c;
}

std::string summary_line(const lint_report& report) {
  const lint_counts c = count(report);
  std::string out = std::to_string(c.errors) + " error(s), " + std::to_string(c.warnings) + " warning(s) in " +
                    std::to_string(report.files.size()) + " file(s)";
  if (c.baselined > 0) out += ", " + std::to_string(c.baselined) + " baselined";
  return out;
}

std::string help_ref(std::string_view rule_id) { return "docs/lint-rules.md#" + std::string(rule_id); }

namespace {

std::string position_text(const diagnostic& d) {
  std::string out = d.file;
  if (d.line != 0) out += ":" + std::to_string(d.line) + ":" + std::to_string(d.column);
  return out;
}

std::string finding_text(const diagnostic& d) {
  std::string out = position_text(d) + ": " + to_string(d.level) + ": " + d.message + " [" + d.rule + "]";
  if (!d.pointer.empty()) out += " [at " + d.pointer + "]";
  return out;
}

// A file name as a SARIF artifact URI: relative names stay relative, absolute ones become file://
// URIs; bytes other than RFC 3986's unreserved characters and '/' are percent-encoded.
std::string artifact_uri_of(std::string_view file) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out = file.starts_with('/') ? "file://" : "";
  for (unsigned char c : file) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + xml_text(value, true) + "\"";
}

}  // namespace

std::string to_text(const lint_report& report) {
  std::string out;
  for (const auto& f : report.findings)
    if (!f.baselined) out += finding_text(f.where) + "\n";
  return out;
}

json to_json(const lint_report& report) {
  const lint_counts c = count(report);
  json findings = json::array();
  for (const auto& f : report.findings)
    findings.push_back({{"rule", f.where.rule},
                        {"severity", to_string(f.where.level)},
                        {"file", f.where.file},
                        {"line", f.where.line},
                        {"column", f.where.column},
                        {"pointer", f.where.pointer},
                        {"message", f.where.message},
                        {"fingerprint", f.fingerprint},
                        {"baselined", f.baselined}});
  return {{"files", report.files},
          {"summary", {{"errors", c.errors}, {"warnings", c.warnings}, {"baselined", c.baselined}}},
          {"findings", std::move(findings)}};
}

json to_sarif(const lint_report& report, std::string_view version) {
  const auto& rules = all_rules();
  std::map<std::string_view, std::size_t> index;
  json rule_list = json::array();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const rule_info& r = rules[i];
    index[r.id] = i;
    rule_list.push_back({{"id", r.id},
                         {"shortDescription", {{"text", r.rationale}}},
                         {"help", {{"text", "specgate " + help_ref(r.id)}}},
                         {"defaultConfiguration", {{"level", to_string(r.level)}}},
                         {"properties", {{"family", i < load_rules().size() ? "load"
                                                    : i < load_rules().size() + structure_rules().size() ? "structure"
                                                                                                         : "examples"},
                                         {"kibanaOnly", r.kibana_only}}}});
  }
  json results = json::array();
  for (const auto& f : report.findings) {
    const diagnostic& d = f.where;
    json region = json::object();
    if (d.line != 0) {
      region["startLine"] = d.line;
      if (d.column != 0) region["startColumn"] = d.column;
    }
    json physical = {{"artifactLocation", {{"uri", artifact_uri_of(d.file)}}}};
    if (!region.empty()) physical["region"] = std::move(region);
    json location = {{"physicalLocation", std::move(physical)}};
    // The JSON pointer as a logical location ("" is the document root).
    location["logicalLocations"] = json::array({{{"fullyQualifiedName", d.pointer.empty() ? "/" : d.pointer},
                                                 {"kind", "object"}}});
    json result = {{"ruleId", d.rule},
                   {"level", to_string(d.level)},
                   {"message", {{"text", d.message}}},
                   {"locations", json::array({std::move(location)})},
                   {"partialFingerprints", {{"specgate/v1", f.fingerprint}}},
                   {"properties", {{"pointer", d.pointer}}}};
    if (auto it = index.find(d.rule); it != index.end()) result["ruleIndex"] = it->second;
    if (report.with_baseline) result["baselineState"] = f.baselined ? "unchanged" : "new";
    results.push_back(std::move(result));
  }
  json artifacts = json::array();
  for (const auto& file : report.files) artifacts.push_back({{"location", {{"uri", artifact_uri_of(file)}}}});
  json driver = {{"name", "specgate"},
                 {"version", version},
                 {"rules", std::move(rule_list)}};
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs", json::array({{{"tool", {{"driver", std::move(driver)}}},
                                 {"artifacts", std::move(artifacts)},
                                 {"columnKind", "unicodeCodePoints"},
                                 {"results", std::move(results)}}})}};
}

std::string to_junit(const lint_report& report) {
  std::size_t tests = 0, failures = 0;
  std::string suites;
  // The files linted, then any other file a finding names (a $ref'd document).
  std::vector<std::string> files = report.files;
  for (const auto& f : report.findings)
    if (!f.baselined && std::find(files.begin(), files.end(), f.where.file) == files.end()) files.push_back(f.where.file);
  for (const auto& file : files) {
    // Rules that fired in this file, in the order of their first finding.
    std::vector<std::string> order;
    std::map<std::string, std::vector<const diagnostic*>> by_rule;
    for (const auto& f : report.findings) {
      if (f.baselined || f.where.file != file) continue;
      auto& list = by_rule[f.where.rule];
      if (list.empty()) order.push_back(f.where.rule);
      list.push_back(&f.where);
    }
    std::string cases;
    if (order.empty()) cases += "    <testcase" + attr("name", "lint") + attr("classname", file) + "/>\n";
    for (const auto& rule : order) {
      const auto& list = by_rule[rule];
      std::string text;
      for (const auto* d : list) text += finding_text(*d) + "\n";
      const bool any_error = std::any_of(list.begin(), list.end(), [](const diagnostic* d) {
        return d->level == severity::error;
      });
      cases += "    <testcase" + attr("name", rule) + attr("classname", file) + ">\n      <failure" +
               attr("message", std::to_string(list.size()) + " finding(s) of " + rule) +
               attr("type", any_error ? "error" : "warning") + ">" + xml_text(text, false) + "</failure>\n" +
               "    </testcase>\n";
    }
    const std::size_t n = order.empty() ? 1 : order.size();
    tests += n;
    failures += order.size();
    suites += "  <testsuite" + attr("name", file) + attr("tests", std::to_string(n)) +
              attr("failures", std::to_string(order.size())) + attr("errors", "0") + ">\n" + cases +
              "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites" + attr("name", "specgate lint") +
         attr("tests", std::to_string(tests)) + attr("failures", std::to_string(failures)) + attr("errors", "0") +
         ">\n" + suites + "</testsuites>\n";
}

std::string sarif_artifact_uri(std::string_view file) { return artifact_uri_of(file); }

}  // namespace specgate::validator::lint
