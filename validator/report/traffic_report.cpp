// Tallies exchanges per operation and renders the tally, with coverage, as JSON and JUnit XML.
#include "validator/report/traffic_report.h"

#include <algorithm>
#include <ctime>
#include <set>
#include <string_view>
#include <tuple>

#include "validator/check/response_validator.h"
#include "validator/check/violation_json.h"
#include "validator/text_util.h"
#include "validator/utf8.h"

namespace specgate::validator {

namespace {

using ojson = nlohmann::ordered_json;

constexpr std::size_t max_example_bytes = 2048;  // a request line quoted as an example

std::string_view direction_name(bool response) { return response ? "response" : "request"; }

// Valid UTF-8 for JSON (bytes that are not become U+FFFD).
std::string utf8(std::string_view s) {
  std::string out(s);
  repair_utf8(out);
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// "GET /api/fleet/agents?page=0", cut short when the target is very long.
std::string request_line(const exchange& e) {
  std::string line = e.method + " " + e.target;
  if (line.size() > max_example_bytes) line = line.substr(0, max_example_bytes) + "...";
  return line;
}

// The request-target without query and fragment.
std::string_view target_path(std::string_view target) {
  return target.substr(0, std::min(target.find('?'), target.find('#')));
}

// Tenths of a percent, rounded down; nothing declared counts as complete.
std::uint64_t tenths_percent(std::size_t part, std::size_t whole) {
  return whole == 0 ? 1000 : static_cast<std::uint64_t>(part) * 1000 / whole;
}
std::string percent_text(std::uint64_t tenths) {
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}
ojson percent_json(std::size_t declared, std::size_t exercised) {
  return {{"declared", declared},
          {"exercised", exercised},
          {"percent", static_cast<double>(tenths_percent(exercised, declared)) / 10.0}};
}

// Seconds with three decimals ("0.012"), as JUnit's time attributes have them.
std::string seconds_text(std::chrono::microseconds d) {
  const auto ms = (d.count() < 0 ? 0 : d.count() + 500) / 1000;
  std::string frac = std::to_string(ms % 1000);
  return std::to_string(ms / 1000) + "." + std::string(3 - frac.size(), '0') + frac;
}

// ISO 8601 in UTC without a zone, as JUnit's timestamp attribute has it.
std::string timestamp_text(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buffer[32];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  return std::string(buffer, n);
}

// Text for XML 1.0 character data or a double-quoted attribute value: made valid UTF-8, markup
// characters escaped, the characters XML 1.0 forbids (C0 controls other than tab, LF, CR;
// U+FFFE, U+FFFF) left out. In attributes tab and line breaks are character references, which a
// parser keeps (it folds literal ones to spaces); CR is one everywhere (else it becomes LF).
std::string xml_text(std::string_view in, bool attribute) {
  std::string s(in);
  repair_utf8(s);  // after this no surrogate or overlong form is left: U+FFFE/U+FFFF are EF BF BE/BF
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\r': out += "&#13;"; break;
      default:
        if (c < 0x20) break;
        if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
            (static_cast<unsigned char>(s[i + 2]) == 0xBE || static_cast<unsigned char>(s[i + 2]) == 0xBF)) {
          i += 2;
          break;
        }
        out += static_cast<char>(c);
    }
  }
  return out;
}

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + xml_text(value, true) + "\"";
}

std::string statuses_text(const std::map<int, std::size_t>& statuses) {
  std::string out;
  for (const auto& [status, count] : statuses) {
    if (!out.empty()) out += ", ";
    out += (status == 0 ? std::string("no response") : std::to_string(status)) + " x" + std::to_string(count);
  }
  return out;
}

ojson statuses_json(const std::map<int, std::size_t>& statuses) {
  ojson out = ojson::object();
  for (const auto& [status, count] : statuses) out[std::to_string(status)] = count;
  return out;
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

// One distinct thing seen, how often, and the first request that showed it.
struct tally {
  std::size_t count = 0;
  std::string example;
};

// Counts `key` in `into`, listing at most `cap` distinct keys; false when it was not listed.
template <typename Map, typename Key>
bool count_in(Map& into, Key&& key, const exchange& e, std::size_t cap) {
  auto it = into.find(key);
  if (it == into.end()) {
    if (into.size() >= cap) return false;
    it = into.emplace(std::forward<Key>(key), typename Map::mapped_type{}).first;
    it->second.example = request_line(e);
  }
  ++it->second.count;
  return true;
}

}  // namespace

struct traffic_report::per_operation {
  const operation* op = nullptr;  // null: the contract does not hold it
  std::string operation_id;
  std::string method;  // upper case
  std::string path;

  std::size_t exchanges = 0;
  std::size_t failed = 0;  // exchanges with violations
  std::size_t violation_total = 0;
  std::size_t unchecked = 0;  // exchanges with a note
  std::size_t errors = 0;     // exchanges the upstream failed
  std::chrono::microseconds time{0};
  std::map<int, std::size_t> statuses;  // as the client got them (0: nothing)
  std::set<int> answered;               // statuses the upstream answered (coverage)

  // Grouped by (response?, location, code, name, instance pointer, message).
  using group_key = std::tuple<bool, violation_location, std::string, std::string, std::string, std::string>;
  struct group : tally {
    violation first;  // the rest of the fields (schema pointer, keyword, expected, found)
  };
  std::map<group_key, group> groups;
  std::size_t groups_unlisted = 0;  // violations past report_max_violations distinct ones
  std::map<std::pair<bool, std::string>, tally> notes;  // (response?, note)
  std::size_t notes_unlisted = 0;
  std::map<std::string, tally> upstream_errors;
  std::size_t errors_unlisted = 0;
  std::vector<std::pair<std::string, bool>> skipped;  // (reason, spec defect), in order, each once

  void add_violations(const violations& list, bool response, const exchange& e) {
    for (const auto& v : list) {
      group_key key{response, v.location, v.code, v.name, v.instance_pointer, v.message};
      auto it = groups.find(key);
      if (it == groups.end()) {
        if (groups.size() >= report_max_violations) {
          ++groups_unlisted;
          continue;
        }
        it = groups.emplace(std::move(key), group{}).first;
        it->second.example = request_line(e);
        it->second.first = v;
      }
      ++it->second.count;
    }
  }

  std::string classname() const { return method + " " + path; }
};

struct traffic_report::coverage {
  std::size_t operations_declared = 0;
  std::size_t operations_exercised = 0;
  std::size_t statuses_declared = 0;
  std::size_t statuses_exercised = 0;
  struct gap {
    const operation* op = nullptr;
    bool exercised = false;
    std::vector<std::string> statuses;  // declared, none of whose statuses was answered
  };
  std::vector<gap> missing;  // document order
};

traffic_report::traffic_report(const contract& c, std::string suite) : contract_(c), suite_(std::move(suite)) {
  const auto& ops = contract_.operations();
  operations_.resize(ops.size());
  by_route_.reserve(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i)
    by_route_.emplace(to_lower(method_name(ops[i].method)) + " " + ops[i].path, i);
}

traffic_report::~traffic_report() = default;

traffic_report::per_operation& traffic_report::slot(const exchange& e) {
  const std::string route = to_lower(e.operation_method) + " " + e.operation_path;
  std::size_t index = operations_.size();
  if (auto it = by_route_.find(route); it != by_route_.end()) {
    index = it->second;
  } else if (const operation* op = e.operation_method.empty() ? contract_.find(e.operation_id) : nullptr) {
    index = static_cast<std::size_t>(op - contract_.operations().data());  // known by its operationId only
  } else {
    // Not in the contract (a recording made against another document): listed after the contract's.
    const std::string key = "? " + e.operation_id + " " + route;
    auto [it, added] = by_route_.emplace(key, operations_.size());
    if (added) {
      operations_.push_back(std::make_unique<per_operation>());
      auto& p = *operations_.back();
      p.operation_id = e.operation_id;
      p.method = upper(e.operation_method);
      p.path = e.operation_path;
    }
    return *operations_[it->second];
  }
  auto& p = operations_[index];
  if (!p) {
    p = std::make_unique<per_operation>();
    const operation& op = contract_.operations()[index];
    p->op = &op;
    p->operation_id = op.operation_id;
    p->method = std::string(method_name(op.method));
    p->path = op.path;
  }
  return *p;
}

void traffic_report::add(const exchange& e) {
  if (exchanges_ == 0 || e.started < first_) first_ = e.started;
  ++exchanges_;
  const std::size_t found = e.violation_count();
  violations_ += found;
  if (found > 0) ++failed_;
  const bool unchecked = !e.request_note.empty() || !e.response_note.empty();
  if (unchecked) ++unchecked_;
  if (!e.error.empty()) ++upstream_errors_;

  if (e.operation_id.empty()) {
    ++undocumented_requests_;
    undocumented_time_ += e.duration;
    std::pair<std::string, std::string> key{std::string(target_path(e.target)), e.method};
    auto it = undocumented_.find(key);
    if (it == undocumented_.end()) {
      if (undocumented_.size() >= report_max_undocumented) {
        ++undocumented_unlisted_;
        return;
      }
      it = undocumented_.emplace(std::move(key), undocumented_route{}).first;
    }
    ++it->second.count;
    it->second.time += e.duration;
    ++it->second.statuses[e.status];
    return;
  }

  per_operation& p = slot(e);
  ++p.exchanges;
  p.time += e.duration;
  p.violation_total += found;
  if (found > 0) ++p.failed;
  ++p.statuses[e.status];
  if (e.error.empty() && e.status != 0) p.answered.insert(e.status);
  p.add_violations(e.request_violations, false, e);
  p.add_violations(e.response_violations, true, e);
  if (unchecked) ++p.unchecked;
  for (bool response : {false, true}) {
    const std::string& note = response ? e.response_note : e.request_note;
    if (!note.empty() && !count_in(p.notes, std::pair<bool, std::string>{response, note}, e, report_max_notes))
      ++p.notes_unlisted;
  }
  if (!e.error.empty()) {
    ++p.errors;
    if (!count_in(p.upstream_errors, e.error, e, report_max_notes)) ++p.errors_unlisted;
  }
}

void traffic_report::skip(const operation& op, std::string reason, bool spec_defect) {
  const std::size_t index = static_cast<std::size_t>(&op - contract_.operations().data());
  if (index >= contract_.operations().size()) return;  // not this contract's
  exchange e;
  e.operation_id = op.operation_id;
  e.operation_method = to_lower(method_name(op.method));
  e.operation_path = op.path;
  per_operation& p = slot(e);
  for (const auto& [text, defect] : p.skipped)
    if (text == reason) return;
  if (p.skipped.empty()) ++skipped_;
  if (spec_defect && std::none_of(p.skipped.begin(), p.skipped.end(), [](const auto& s) { return s.second; }))
    ++spec_defects_;
  p.skipped.emplace_back(std::move(reason), spec_defect);
}

traffic_report::coverage traffic_report::compute_coverage() const {
  coverage out;
  const auto& ops = contract_.operations();
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const operation& op = ops[i];
    const per_operation* p = operations_[i].get();
    if (p && p->exchanges == 0) p = nullptr;  // skipped, never exercised
    ++out.operations_declared;
    if (p) ++out.operations_exercised;
    std::set<const response*> hit;
    if (p)
      for (int status : p->answered)
        if (const response* r = find_response(op, status)) hit.insert(r);
    coverage::gap gap{&op, p != nullptr, {}};
    for (const auto& r : op.responses) {
      ++out.statuses_declared;
      if (hit.count(&r)) ++out.statuses_exercised;
      else gap.statuses.push_back(r.status);
    }
    if (!gap.exercised || !gap.statuses.empty()) out.missing.push_back(std::move(gap));
  }
  return out;
}

nlohmann::ordered_json traffic_report::to_json() const {
  ojson out;
  out["summary"] = {{"exchanges", exchanges_},
                    {"failed", failed_},
                    {"violations", violations_},
                    {"undocumented", undocumented_requests_},
                    {"undocumentedUnlisted", undocumented_unlisted_},
                    {"unchecked", unchecked_},
                    {"upstreamErrors", upstream_errors_},
                    {"dropped", dropped_},
                    {"skipped", skipped_},
                    {"specDefects", spec_defects_}};

  const coverage cov = compute_coverage();
  ojson missing = ojson::array();
  for (const auto& gap : cov.missing) {
    ojson statuses = ojson::array();
    for (const auto& s : gap.statuses) statuses.push_back(s);
    missing.push_back({{"operationId", gap.op->operation_id},
                       {"method", std::string(method_name(gap.op->method))},
                       {"path", gap.op->path},
                       {"exercised", gap.exercised},
                       {"statuses", std::move(statuses)}});
  }
  out["coverage"] = {{"operations", percent_json(cov.operations_declared, cov.operations_exercised)},
                     {"statuses", percent_json(cov.statuses_declared, cov.statuses_exercised)},
                     {"missing", std::move(missing)}};

  // The violation's own JSON form, in a reading order: where, what, then the details.
  static constexpr std::string_view order[] = {"location", "code",     "name",  "pointer",      "message",
                                               "keyword",  "expected", "found", "schemaPointer"};
  ojson operations = ojson::array();
  for (const auto& slot : operations_) {
    if (!slot) continue;
    const per_operation& p = *slot;
    ojson violations = ojson::array();
    for (const auto& [key, g] : p.groups) {
      ojson entry = {{"direction", std::string(direction_name(std::get<0>(key)))}};
      const nlohmann::json fields = violation_json(g.first);
      for (std::string_view name : order)
        if (auto it = fields.find(name); it != fields.end()) entry[std::string(name)] = utf8(it->get<std::string>());
      for (const auto& [name, value] : fields.items())  // any field added to violation_json later
        if (!entry.contains(name)) entry[name] = value.is_string() ? ojson(utf8(value.get<std::string>())) : ojson();
      entry["count"] = g.count;
      entry["example"] = utf8(g.example);
      violations.push_back(std::move(entry));
    }
    ojson notes = ojson::array();
    for (const auto& [key, t] : p.notes)
      notes.push_back({{"direction", std::string(direction_name(key.first))},
                       {"note", utf8(key.second)},
                       {"count", t.count},
                       {"example", utf8(t.example)}});
    ojson errors = ojson::array();
    for (const auto& [text, t] : p.upstream_errors)
      errors.push_back({{"error", utf8(text)}, {"count", t.count}, {"example", utf8(t.example)}});
    ojson entry = {{"operationId", utf8(p.operation_id)},
                   {"method", utf8(p.method)},
                   {"path", utf8(p.path)},
                   {"exchanges", p.exchanges},
                   {"failed", p.failed},
                   {"statuses", statuses_json(p.statuses)},
                   {"violations", std::move(violations)},
                   {"violationsUnlisted", p.groups_unlisted},
                   {"unchecked", p.unchecked},
                   {"notes", std::move(notes)},
                   {"upstreamErrors", p.errors},
                   {"errors", std::move(errors)}};
    if (!p.skipped.empty()) {
      ojson skipped = ojson::array();
      for (const auto& [reason, defect] : p.skipped) skipped.push_back({{"reason", utf8(reason)}, {"specDefect", defect}});
      entry["skipped"] = std::move(skipped);
    }
    if (!p.op) entry["inContract"] = false;
    operations.push_back(std::move(entry));
  }
  out["operations"] = std::move(operations);

  ojson undocumented = ojson::array();
  for (const auto& [key, route] : undocumented_)
    undocumented.push_back({{"method", utf8(key.second)},
                            {"path", utf8(key.first)},
                            {"count", route.count},
                            {"statuses", statuses_json(route.statuses)}});
  out["undocumented"] = std::move(undocumented);
  return out;
}

std::string traffic_report::to_junit() const {
  const coverage cov = compute_coverage();
  std::size_t tests = 1, failures = 0, errors = 0;  // 1: "undocumented requests"
  std::chrono::microseconds time = undocumented_time_;
  for (const auto& slot : operations_) {
    if (!slot) continue;
    ++tests;
    if (!slot->groups.empty() || slot->groups_unlisted > 0) ++failures;
    if (slot->errors > 0) ++errors;
    time += slot->time;
  }
  if (undocumented_requests_ > 0) ++failures;

  std::string counts = attr("tests", std::to_string(tests)) + attr("failures", std::to_string(failures)) +
                       attr("errors", std::to_string(errors));
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<testsuites" + attr("name", suite_) + counts + attr("time", seconds_text(time)) + ">\n";
  std::size_t skipped_cases = 0;
  for (const auto& slot : operations_)
    if (slot && slot->exchanges == 0 && !slot->skipped.empty()) ++skipped_cases;
  x += "  <testsuite" + attr("name", suite_) + counts + attr("skipped", std::to_string(skipped_cases)) + attr("time", seconds_text(time));
  if (exchanges_ > 0 && first_ != std::chrono::system_clock::time_point{}) x += attr("timestamp", timestamp_text(first_));
  x += ">\n    <properties>\n";
  auto property = [&](std::string_view name, const std::string& value) {
    x += "      <property" + attr("name", name) + attr("value", value) + "/>\n";
  };
  property("coverage.operations.declared", std::to_string(cov.operations_declared));
  property("coverage.operations.exercised", std::to_string(cov.operations_exercised));
  property("coverage.operations.percent",
           percent_text(tenths_percent(cov.operations_exercised, cov.operations_declared)));
  property("coverage.statuses.declared", std::to_string(cov.statuses_declared));
  property("coverage.statuses.exercised", std::to_string(cov.statuses_exercised));
  property("coverage.statuses.percent", percent_text(tenths_percent(cov.statuses_exercised, cov.statuses_declared)));
  property("exchanges", std::to_string(exchanges_));
  property("exchanges.failed", std::to_string(failed_));
  property("violations", std::to_string(violations_));
  property("undocumented", std::to_string(undocumented_requests_));
  property("unchecked", std::to_string(unchecked_));
  property("upstream.errors", std::to_string(upstream_errors_));
  property("dropped", std::to_string(dropped_));
  x += "    </properties>\n";

  auto example = [](const tally& t) { return " (x" + std::to_string(t.count) + "; e.g. " + t.example + ")"; };
  for (const auto& slot : operations_) {
    if (!slot) continue;
    const per_operation& p = *slot;
    x += "    <testcase" + attr("classname", p.classname()) + attr("name", p.operation_id) +
         attr("time", seconds_text(p.time)) + ">\n";
    if (p.exchanges == 0 && !p.skipped.empty()) {
      x += "      <skipped" + attr("message", p.skipped.front().first) + "/>\n    </testcase>\n";
      continue;
    }
    // JUnit's schema orders a test case's children: error, failure, system-out.
    if (p.errors > 0) {
      std::string text;
      for (const auto& [error, t] : p.upstream_errors) text += error + example(t) + "\n";
      if (p.errors_unlisted > 0) text += "and " + plural(p.errors_unlisted, "more error") + ", not listed\n";
      x += "      <error" +
           attr("message", "upstream failed in " + std::to_string(p.errors) + " of " +
                               plural(p.exchanges, "exchange")) +
           attr("type", "upstream") + ">" + xml_text(text, false) + "</error>\n";
    }
    if (!p.groups.empty() || p.groups_unlisted > 0) {
      std::string text;
      for (const auto& [key, g] : p.groups) {
        const violation& v = g.first;
        text += std::string(direction_name(std::get<0>(key))) + " " + std::string(location_name(v.location));
        if (!v.name.empty()) text += " " + v.name;
        if (!v.instance_pointer.empty()) text += " " + v.instance_pointer;
        text += ": " + v.message + " [" + v.code + "]" + example(g) + "\n";
      }
      if (p.groups_unlisted > 0)
        text += "and " + plural(p.groups_unlisted, "more violation") + " of further kinds, not listed\n";
      x += "      <failure" +
           attr("message", plural(p.violation_total, "violation") + " (" + std::to_string(p.groups.size()) +
                               " distinct) in " + std::to_string(p.failed) + " of " +
                               plural(p.exchanges, "exchange")) +
           attr("type", "contract") + ">" + xml_text(text, false) + "</failure>\n";
    }
    std::string out = "exchanges: " + std::to_string(p.exchanges) + "\nstatuses: " + statuses_text(p.statuses) + "\n";
    if (p.unchecked > 0) {
      out += "not checked: " + plural(p.unchecked, "exchange") + "\n";
      for (const auto& [key, t] : p.notes)
        out += "  " + std::string(direction_name(key.first)) + ": " + key.second + example(t) + "\n";
      if (p.notes_unlisted > 0) out += "  and " + plural(p.notes_unlisted, "more note") + ", not listed\n";
    }
    if (!p.skipped.empty()) {
      out += "skipped:\n";
      for (const auto& [reason, defect] : p.skipped) out += std::string(defect ? "  spec defect: " : "  ") + reason + "\n";
    }
    x += "      <system-out>" + xml_text(out, false) + "</system-out>\n    </testcase>\n";
  }

  x += "    <testcase" + attr("classname", "undocumented") + attr("name", "undocumented requests") +
       attr("time", seconds_text(undocumented_time_)) + ">\n";
  if (undocumented_requests_ > 0) {
    std::string text;
    for (const auto& [key, route] : undocumented_)
      text += key.second + " " + key.first + " (x" + std::to_string(route.count) + "; " +
              statuses_text(route.statuses) + ")\n";
    if (undocumented_unlisted_ > 0)
      text += "and " + plural(undocumented_unlisted_, "more request") + " to further paths, not listed\n";
    x += "      <failure" +
         attr("message", plural(undocumented_requests_, "request") + " the contract does not document") +
         attr("type", "undocumented") + ">" + xml_text(text, false) + "</failure>\n";
  }
  x += "    </testcase>\n  </testsuite>\n</testsuites>\n";
  return x;
}

std::string traffic_report::summary_line() const {
  const coverage cov = compute_coverage();
  std::size_t seen = 0;
  for (const auto& slot : operations_)
    if (slot && slot->exchanges > 0) ++seen;
  std::string line = "specgate: " + plural(seen, "operation") + ", " + plural(exchanges_, "exchange") + ", " +
                     std::to_string(failed_) + " failed (" + plural(violations_, "violation") + ")";
  if (undocumented_requests_ > 0) line += ", " + std::to_string(undocumented_requests_) + " undocumented";
  if (skipped_ > 0) line += ", " + std::to_string(skipped_) + " skipped";
  if (spec_defects_ > 0) line += " (" + plural(spec_defects_, "spec defect") + ")";
  line += "; coverage " + percent_text(tenths_percent(cov.operations_exercised, cov.operations_declared)) +
          "% of operations, " + percent_text(tenths_percent(cov.statuses_exercised, cov.statuses_declared)) +
          "% of declared statuses";
  return line;
}

std::string traffic_report::to_text() const {
  std::string t = summary_line() + "\n";
  for (const auto& slot : operations_) {
    if (!slot) continue;
    const per_operation& p = *slot;
    const char* verdict = p.exchanges == 0 ? "SKIP" : (!p.groups.empty() || p.groups_unlisted > 0) ? "FAIL"
                                                     : p.errors > 0                                ? "ERROR"
                                                                                                   : "PASS";
    t += std::string(verdict) + "  " + p.operation_id + "  " + p.classname() + "  (" +
         plural(p.exchanges, "exchange") + ")\n";
    for (const auto& [key, g] : p.groups) {
      const violation& v = g.first;
      t += "      " + std::string(direction_name(std::get<0>(key))) + " " + std::string(location_name(v.location));
      if (!v.name.empty()) t += " " + v.name;
      if (!v.instance_pointer.empty()) t += " " + v.instance_pointer;
      t += ": " + v.message + " [" + v.code + "] (x" + std::to_string(g.count) + "; e.g. " + g.example + ")\n";
    }
    for (const auto& [error, e] : p.upstream_errors) t += "      error: " + error + "\n";
    for (const auto& [reason, defect] : p.skipped) t += std::string(defect ? "      spec defect: " : "      skipped: ") + reason + "\n";
  }
  for (const auto& [key, route] : undocumented_)
    t += "UNDOC " + key.second + " " + key.first + " (x" + std::to_string(route.count) + ")\n";
  return t;
}

std::string traffic_report::to_html() const {
  // Placeholder until the HTML report lands (issue 10): the text report, escaped, in a page.
  return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + xml_text(suite_, false) +
         "</title></head><body><pre>" + xml_text(to_text(), false) + "</pre></body></html>\n";
}

}  // namespace specgate::validator
