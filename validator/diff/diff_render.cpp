// Renderings of a diff_result: the summary line, text for a person, JSON for tools, Markdown for a pull request.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "validator/diff/diff.h"
#include "validator/lint/lint_report.h"
#include "validator/lint/settings.h"
#include "validator/report/traffic_report_detail.h"

namespace specgate::validator::diff {
namespace {

// The changes of one operation, breaking first (stable otherwise).
struct operation_group {
  std::string method, path, operation_id;
  std::vector<const change*> changes;
  bool has(change_class c) const {
    return std::any_of(changes.begin(), changes.end(), [&](const change* x) { return x->cls == c; });
  }
};

std::vector<operation_group> groups_of(const diff_result& result) {
  std::vector<operation_group> out;
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  for (const auto& c : result.changes) {
    auto [it, fresh] = index.emplace(std::make_pair(c.method, c.path), out.size());
    if (fresh) out.push_back({c.method, c.path, c.operation_id, {}});
    out[it->second].changes.push_back(&c);
  }
  for (auto& g : out)
    std::stable_sort(g.changes.begin(), g.changes.end(),
                     [](const change* a, const change* b) { return a->cls > b->cls; });
  return out;
}

std::string site_text(const change_site& s) {
  if (s.empty()) return "-";
  return s.file + ":" + std::to_string(s.line) + ":" + std::to_string(s.column);
}

nlohmann::json site_json(const change_site& s) {
  if (s.empty()) return nullptr;
  return {{"file", s.file}, {"line", s.line}, {"column", s.column}, {"pointer", s.pointer}};
}

std::string heading(const operation_group& g) {
  std::string h = g.method + " " + g.path;
  if (!g.operation_id.empty() && g.operation_id != h) h += " (" + g.operation_id + ")";
  return h;
}

// Markdown inline text: backslash-escape the characters that would start markup.
std::string md_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '`' || c == '*' || c == '_' || c == '|' || c == '<' || c == '>' || c == '[' || c == ']')
      out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string summary_line(const diff_result& result) {
  return std::to_string(result.count(change_class::breaking)) + " breaking, " +
         std::to_string(result.count(change_class::potentially_breaking)) + " potentially breaking, " +
         std::to_string(result.count(change_class::compatible)) + " compatible change(s) in " +
         std::to_string(result.operations()) + " operation(s)";
}

std::string to_text(const diff_result& result) {
  std::string out;
  for (const auto& g : groups_of(result)) {
    out += heading(g) + "\n";
    for (const change* c : g.changes)
      out += "  " + std::string(class_name(c->cls)) + "  " + c->kind + "  " + c->message + "  [old " +
             site_text(c->old_site) + " | new " + site_text(c->new_site) + "]\n";
  }
  out += summary_line(result) + "\n";
  return out;
}

nlohmann::json to_json(const diff_result& result, const std::string& old_name, const std::string& new_name) {
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : result.changes)
    changes.push_back({{"class", class_name(c.cls)},
                       {"kind", c.kind},
                       {"method", c.method},
                       {"path", c.path},
                       {"operationId", c.operation_id},
                       {"message", c.message},
                       {"old", site_json(c.old_site)},
                       {"new", site_json(c.new_site)}});
  return {{"old", old_name},
          {"new", new_name},
          {"summary",
           {{"breaking", result.count(change_class::breaking)},
            {"potentially-breaking", result.count(change_class::potentially_breaking)},
            {"compatible", result.count(change_class::compatible)},
            {"operations", result.operations()}}},
          {"changes", std::move(changes)}};
}

std::string to_markdown(const diff_result& result, const std::string& old_name, const std::string& new_name) {
  std::string out = "## API changes: `" + old_name + "` → `" + new_name + "`\n\n";
  out += "| class | changes |\n| --- | ---: |\n";
  out += "| breaking | " + std::to_string(result.count(change_class::breaking)) + " |\n";
  out += "| potentially breaking | " + std::to_string(result.count(change_class::potentially_breaking)) + " |\n";
  out += "| compatible | " + std::to_string(result.count(change_class::compatible)) + " |\n\n";
  out += summary_line(result) + ".\n";
  auto groups = groups_of(result);
  auto rank = [](const operation_group& g) {
    return g.has(change_class::breaking) ? 0 : g.has(change_class::potentially_breaking) ? 1 : 2;
  };
  std::stable_sort(groups.begin(), groups.end(),
                   [&](const operation_group& a, const operation_group& b) { return rank(a) < rank(b); });
  for (const auto& g : groups) {
    out += "\n### `" + g.method + " " + g.path + "`";
    if (!g.operation_id.empty() && g.operation_id != g.method + " " + g.path) out += " (" + md_escape(g.operation_id) + ")";
    out += "\n\n";
    for (const change* c : g.changes) {
      const char* mark = c->cls == change_class::breaking ? "**breaking**"
                         : c->cls == change_class::potentially_breaking ? "*potentially breaking*"
                                                                        : "compatible";
      out += std::string("- ") + mark + " `" + c->kind + "`: " + md_escape(c->message) + " (old `" +
             site_text(c->old_site) + "`, new `" + site_text(c->new_site) + "`)\n";
    }
  }
  return out;
}

namespace {
std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + report_detail::xml_text(value, true) + "\"";
}

std::string change_line(const change& c) {
  return std::string(class_name(c.cls)) + "  " + c.kind + "  " + c.message + "  [old " + site_text(c.old_site) +
         " | new " + site_text(c.new_site) + "]";
}
}  // namespace

std::string to_junit(const diff_result& result, change_class fail_at) {
  std::string cases;
  std::size_t failures = 0;
  const auto groups = groups_of(result);
  for (const auto& g : groups) {
    std::string failing, other;
    std::size_t failing_count = 0;
    for (const change* c : g.changes) {
      if (c->cls >= fail_at) {
        failing += change_line(*c) + "\n";
        ++failing_count;
      } else {
        other += change_line(*c) + "\n";
      }
    }
    cases += "    <testcase" + attr("name", heading(g)) + attr("classname", "specgate diff") + ">\n";
    if (failing_count > 0) {
      ++failures;
      cases += "      <failure" + attr("message", std::to_string(failing_count) + " change(s) at or above " +
                                                  std::string(class_name(fail_at))) +
               attr("type", class_name(fail_at)) + ">" + report_detail::xml_text(failing, false) + "</failure>\n";
    }
    if (!other.empty()) cases += "      <system-out>" + report_detail::xml_text(other, false) + "</system-out>\n";
    cases += "    </testcase>\n";
  }
  // No change at all: one passing testcase, so the report is never an empty suite.
  if (groups.empty()) cases = "    <testcase" + attr("name", "no change") + attr("classname", "specgate diff") + "/>\n";
  const std::string tests = std::to_string(groups.empty() ? 1 : groups.size());
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites" + attr("name", "specgate diff") +
         attr("tests", tests) + attr("failures", std::to_string(failures)) + attr("errors", "0") + ">\n" +
         "  <testsuite" + attr("name", "specgate diff") + attr("tests", tests) +
         attr("failures", std::to_string(failures)) + attr("errors", "0") + ">\n" + cases +
         "  </testsuite>\n</testsuites>\n";
}

nlohmann::json to_sarif(const diff_result& result, std::string_view version) {
  using nlohmann::json;
  std::map<std::string, std::size_t> index;
  json rules = json::array();
  json results = json::array();
  for (const auto& c : result.changes) {
    auto [it, fresh] = index.emplace(c.kind, rules.size());
    if (fresh)
      rules.push_back({{"id", c.kind},
                       {"shortDescription", {{"text", c.kind + " (" + std::string(class_name(c.cls)) + ")"}}},
                       {"help", {{"text", "specgate docs/diff.md"}}}});
    const change_site& at = c.new_site.empty() ? c.old_site : c.new_site;
    json physical = {{"artifactLocation", {{"uri", lint::sarif_artifact_uri(at.file)}}}};
    if (at.line > 0) physical["region"] = {{"startLine", at.line}, {"startColumn", std::max<std::uint32_t>(at.column, 1)}};
    diagnostic key;  // the fingerprint lint uses: rule, pointer, normalised message
    key.rule = c.kind;
    key.pointer = c.method + " " + c.path + " " + at.pointer;
    key.message = c.message;
    const char* level = c.cls == change_class::breaking ? "error"
                        : c.cls == change_class::potentially_breaking ? "warning"
                                                                      : "note";
    results.push_back({{"ruleId", c.kind},
                       {"ruleIndex", it->second},
                       {"level", level},
                       {"message", {{"text", c.method + " " + c.path + ": " + c.message}}},
                       {"locations", json::array({{{"physicalLocation", std::move(physical)},
                                                   {"logicalLocations", json::array({{{"fullyQualifiedName", at.pointer.empty() ? "/" : at.pointer},
                                                                                      {"kind", "object"}}})}}})},
                       {"partialFingerprints", {{"specgate/v1", lint::fingerprint(key)}}},
                       {"properties", {{"class", class_name(c.cls)},
                                       {"operation", c.method + " " + c.path},
                                       {"old", site_json(c.old_site)},
                                       {"new", site_json(c.new_site)}}}});
  }
  json driver = {{"name", "specgate"}, {"version", version}, {"rules", std::move(rules)}};
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs", json::array({{{"tool", {{"driver", std::move(driver)}}}, {"results", std::move(results)}}})}};
}

}  // namespace specgate::validator::diff
