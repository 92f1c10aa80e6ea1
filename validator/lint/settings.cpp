// Lint settings: .specgate.yaml rule levels, x-specgate-ignore, fingerprints and baselines.
#include "validator/lint/settings.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>

#include "validator/document/document.h"
#include "validator/lint/lint.h"

namespace specgate::validator::lint {

namespace {

// An error in a settings or baseline file at `pointer` (file:line:col from the document's positions).
diagnostic problem_at(const document& doc, std::string_view pointer, std::string message) {
  return doc.make_diagnostic(pointer, std::move(message), severity::error, "");
}

// The parse errors of a settings or baseline file. The YAML reader's rule ids are about specs;
// here they are plain errors of this file.
diagnostics parse_errors(parse_result& parsed) {
  diagnostics out;
  for (auto& d : parsed.problems)
    if (d.level == severity::error) {
      d.rule.clear();
      out.push_back(std::move(d));
    }
  return out;
}

settings_result settings_from(parse_result parsed, std::string file) {
  settings_result out;
  out.value.file = std::move(file);
  out.problems = parse_errors(parsed);
  if (!parsed.doc) return out;
  const document& doc = *parsed.doc;
  const json& root = doc.root();
  if (root.is_null()) return out;  // an empty file: the defaults
  if (!root.is_object()) {
    out.problems.push_back(problem_at(doc, "", "lint settings must be a mapping with a 'rules' key"));
    return out;
  }
  for (const auto& [key, value] : root.items()) {
    const std::string at = pointer_append("", key);
    if (key != "rules") {
      // At the mapping (the key's own line is not kept; its value may start on the next one).
      out.problems.push_back(problem_at(doc, "", "unknown key '" + key + "' in lint settings (known: rules)"));
      continue;
    }
    if (value.is_null()) continue;
    if (!value.is_object()) {
      out.problems.push_back(problem_at(doc, at, "'rules' must map rule ids to off, warning or error"));
      continue;
    }
    for (const auto& [id, level] : value.items()) {
      const std::string rule_at = pointer_append(at, id);
      if (!find_rule(id)) {
        out.problems.push_back(problem_at(doc, rule_at, "unknown rule '" + id + "' (the rules: docs/lint-rules.md)"));
        continue;
      }
      const std::string word = level.is_string() ? level.get<std::string>() : level.dump();
      if (word == "off") out.value.rules[id] = rule_level::off;
      else if (word == "warning") out.value.rules[id] = rule_level::warning;
      else if (word == "error") out.value.rules[id] = rule_level::error;
      else
        out.problems.push_back(
            problem_at(doc, rule_at, "rule '" + id + "': '" + word + "' is not one of off, warning, error"));
    }
  }
  return out;
}

baseline_result baseline_from(parse_result parsed, std::string file) {
  baseline_result out;
  out.value.file = file;
  out.problems = parse_errors(parsed);
  if (!parsed.doc) return out;
  const document& doc = *parsed.doc;
  const json& root = doc.root();
  auto list = root.is_object() ? root.find("findings") : root.end();
  if (!root.is_object() || !root.contains("specgate-baseline") || list == root.end() || !list->is_array()) {
    out.problems.push_back(problem_at(doc, "", "not a specgate lint baseline (written by --write-baseline): "
                                               "expected {\"specgate-baseline\": 1, \"findings\": [...]}"));
    return out;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& e = (*list)[i];
    auto text = [&](const char* key) -> const std::string* {
      if (!e.is_object()) return nullptr;
      auto it = e.find(key);
      return it != e.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
    };
    const std::string* f = text("file");
    const std::string* fp = text("fingerprint");
    if (!f || !fp) {
      out.problems.push_back(problem_at(doc, "/findings/" + std::to_string(i),
                                        "a baseline entry needs string 'file' and 'fingerprint' members"));
      continue;
    }
    ++out.value.entries[{*f, *fp}];
  }
  return out;
}

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

// ---------------------------------------------------------------- .specgate.yaml

settings_result parse_settings(std::string_view text, std::string file) {
  return settings_from(parse_document(text, file), file);
}

settings_result read_settings(const std::string& path) { return settings_from(parse_file(path), path); }

// ---------------------------------------------------------------- fingerprints

std::string normalise_message(std::string_view m) {
  std::string out;
  out.reserve(m.size());
  for (std::size_t i = 0; i < m.size();) {
    const char c = m[i];
    // ":12" or ":12:5" after a file name: a position.
    if (c == ':' && i + 1 < m.size() && is_digit(m[i + 1])) {
      std::size_t j = i + 1;
      while (j < m.size() && is_digit(m[j])) ++j;
      if (j + 1 < m.size() && m[j] == ':' && is_digit(m[j + 1])) {
        ++j;
        while (j < m.size() && is_digit(m[j])) ++j;
      }
      out += ":#";
      i = j;
      continue;
    }
    // "line 12": a position in words.
    if (m.substr(i).starts_with("line ") && i + 5 < m.size() && is_digit(m[i + 5])) {
      std::size_t j = i + 5;
      while (j < m.size() && is_digit(m[j])) ++j;
      out += "line #";
      i = j;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      while (i < m.size() && std::isspace(static_cast<unsigned char>(m[i]))) ++i;
      if (!out.empty() && i < m.size()) out += ' ';
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

std::string fingerprint(const diagnostic& d) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64
  auto feed = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
    h ^= 0xff;  // a separator no UTF-8 text contains
    h *= 0x100000001b3ull;
  };
  feed(d.rule);
  feed(d.pointer);
  feed(normalise_message(d.message));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

// ---------------------------------------------------------------- x-specgate-ignore

std::vector<ignore_site> collect_ignores(const document_set& docs, diagnostics& problems) {
  std::vector<ignore_site> out;
  for (const auto& d : docs.documents()) {
    const document& doc = *d;
    // Depth-first over every object and array; explicit stack (documents nest deeply).
    std::vector<std::pair<const json*, std::string>> stack{{&doc.root(), ""}};
    while (!stack.empty()) {
      auto [node, pointer] = std::move(stack.back());
      stack.pop_back();
      if (node->is_array()) {
        for (std::size_t i = 0; i < node->size(); ++i)
          if ((*node)[i].is_structured()) stack.emplace_back(&(*node)[i], pointer_append(pointer, std::to_string(i)));
        continue;
      }
      if (!node->is_object()) continue;
      for (const auto& [key, value] : node->items()) {
        if (key == "x-specgate-ignore") {
          const std::string at = pointer_append(pointer, key);
          ignore_site site{doc.file(), pointer, {}};
          const bool is_list = value.is_array();
          if (!is_list)
            problems.push_back(doc.make_diagnostic(at, "x-specgate-ignore must be an array of rule ids; ignored",
                                                   severity::warning, "specgate-ignore-invalid"));
          for (std::size_t i = 0; is_list && i < value.size(); ++i) {
            const json& id = value[i];
            if (id.is_string() && find_rule(id.get<std::string>())) {
              site.rules.push_back(id.get<std::string>());
            } else {
              problems.push_back(doc.make_diagnostic(
                  pointer_append(at, std::to_string(i)),
                  "x-specgate-ignore: " + (id.is_string() ? "unknown rule '" + id.get<std::string>() + "'"
                                                           : "a rule id must be a string, found " + id.dump()) +
                      " (the rules: docs/lint-rules.md); ignored",
                  severity::warning, "specgate-ignore-invalid"));
            }
          }
          if (!site.rules.empty()) out.push_back(std::move(site));
          continue;
        }
        if (value.is_structured()) stack.emplace_back(&value, pointer_append(pointer, key));
      }
    }
  }
  return out;
}

namespace {
// `pointer` is `base` or below it ("/a/b" is below "/a", "/ab" is not).
bool at_or_below(std::string_view pointer, std::string_view base) {
  return pointer.starts_with(base) && (pointer.size() == base.size() || pointer[base.size()] == '/');
}
}  // namespace

std::vector<finding> apply_settings(diagnostics found, const settings& rules, const std::vector<ignore_site>& ignores) {
  std::vector<finding> out;
  out.reserve(found.size());
  for (auto& d : found) {
    if (auto r = rules.rules.find(d.rule); r != rules.rules.end()) {
      if (r->second == rule_level::off) continue;
      d.level = r->second == rule_level::error ? severity::error : severity::warning;
    }
    const bool ignored = std::any_of(ignores.begin(), ignores.end(), [&](const ignore_site& s) {
      return s.file == d.file && at_or_below(d.pointer, s.pointer) &&
             std::find(s.rules.begin(), s.rules.end(), d.rule) != s.rules.end();
    });
    if (ignored) continue;
    finding f;
    f.fingerprint = fingerprint(d);
    f.where = std::move(d);
    out.push_back(std::move(f));
  }
  return out;
}

// ---------------------------------------------------------------- baselines

nlohmann::json baseline_json(const std::vector<finding>& findings) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : findings)
    list.push_back({{"rule", f.where.rule},
                    {"file", f.where.file},
                    {"pointer", f.where.pointer},
                    {"fingerprint", f.fingerprint},
                    {"message", f.where.message}});
  return {{"specgate-baseline", 1}, {"findings", std::move(list)}};
}

baseline_result parse_baseline(std::string_view text, std::string file) {
  return baseline_from(parse_document(text, file), file);
}

baseline_result read_baseline(const std::string& path) { return baseline_from(parse_file(path), path); }

std::size_t apply_baseline(std::vector<finding>& findings, const baseline& known) {
  auto left = known.entries;
  std::size_t marked = 0;
  for (auto& f : findings) {
    auto it = left.find({f.where.file, f.fingerprint});
    if (it == left.end() || it->second == 0) continue;
    --it->second;
    f.baselined = true;
    ++marked;
  }
  return marked;
}

}  // namespace specgate::validator::lint
