// Tallies exchanges per operation, keeps samples, merges shards' JSON, and renders the tally, with
// coverage, as JSON, JUnit XML and text.
#include "validator/report/traffic_report.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>

#include "validator/check/response_validator.h"
#include "validator/check/violation_json.h"
#include "validator/report/traffic_report_detail.h"
#include "validator/text_util.h"
#include "validator/traffic/content_coding.h"
#include "validator/traffic/har.h"
#include "validator/utf8.h"

namespace specgate::validator {

namespace report_detail {

std::string utf8(std::string_view s) {
  std::string out(s);
  repair_utf8(out);
  return out;
}

std::string_view direction_name(bool response) { return response ? "response" : "request"; }

std::string violation_where(bool response, const violation& v) {
  std::string out = std::string(direction_name(response)) + " " + std::string(location_name(v.location));
  if (!v.name.empty()) out += " " + v.name;
  if (!v.instance_pointer.empty()) out += " " + v.instance_pointer;
  return out;
}

}  // namespace report_detail

namespace {

using ojson = nlohmann::ordered_json;
using namespace report_detail;

constexpr std::size_t max_example_bytes = 2048;  // a request line quoted as an example

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// "GET /api/fleet/agents?page=0", cut short when the target is very long, then the exchange's label
// when it has one: "POST /api/x (negative: missing required property /name)".
std::string request_line(const exchange& e) {
  std::string line = e.method + " " + e.target;
  if (line.size() > max_example_bytes) line = line.substr(0, max_example_bytes) + "...";
  if (!e.label.empty()) line += " (" + e.label + ")";  // which request of `test` it was
  return line;
}

// The request-target without query and fragment.
std::string_view target_path(std::string_view target) {
  return target.substr(0, std::min(target.find('?'), target.find('#')));
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

}  // namespace

// Tenths of a percent, rounded down; nothing declared counts as complete.
std::uint64_t report_detail::tenths_percent(std::size_t part, std::size_t whole) {
  return whole == 0 ? 1000 : static_cast<std::uint64_t>(part) * 1000 / whole;
}
std::string report_detail::percent_text(std::uint64_t tenths) {
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

// Text for XML 1.0 character data or a double-quoted attribute value: made valid UTF-8, markup
// characters escaped, the characters XML 1.0 forbids (C0 controls other than tab, LF, CR;
// U+FFFE, U+FFFF) left out. In attributes tab and line breaks are character references, which a
// parser keeps (it folds literal ones to spaces); CR is one everywhere (else it becomes LF).
std::string report_detail::xml_text(std::string_view in, bool attribute) {
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

namespace {

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + xml_text(value, true) + "\"";
}


ojson statuses_json(const std::map<int, std::size_t>& statuses) {
  ojson out = ojson::object();
  for (const auto& [status, count] : statuses) out[std::to_string(status)] = count;
  return out;
}


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

std::string report_detail::statuses_text(const std::map<int, std::size_t>& statuses) {
  std::string out;
  for (const auto& [status, count] : statuses) {
    if (!out.empty()) out += ", ";
    out += (status == 0 ? std::string("no response") : std::to_string(status)) + " x" + std::to_string(count);
  }
  return out;
}

std::string report_detail::plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

namespace {

// ISO 8601 in UTC with microseconds and a Z ("2026-12-04T00:10:00.123456Z").
std::string iso_time(std::chrono::system_clock::time_point t) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(us / 1'000'000 - (us % 1'000'000 < 0 ? 1 : 0));
  const long long frac = ((us % 1'000'000) + 1'000'000) % 1'000'000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buffer[48];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%06lldZ", frac);
  return std::string(buffer, n) + fraction;
}

// The inverse of iso_time; nullopt when `text` is not in that form.
std::optional<std::chrono::system_clock::time_point> parse_iso_time(const std::string& text) {
  std::tm tm{};
  long long frac = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%6lldZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &frac, &used) != 7 ||
      static_cast<std::size_t>(used) != text.size())
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t secs = timegm(&tm);
  return std::chrono::system_clock::time_point(std::chrono::seconds(secs)) + std::chrono::microseconds(frac);
}

std::string spec_info(const contract& c, const char* field) {
  const auto& root = c.docs().root().root();
  if (!root.is_object()) return "";
  const auto info = root.find("info");
  if (info == root.end() || !info->is_object()) return "";
  const auto value = info->find(field);
  return value != info->end() && value->is_string() ? utf8(value->get<std::string>()) : std::string();
}

std::string_view header_value(const header_fields& headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return {};
}

ojson headers_json(const header_fields& headers) {
  ojson out = ojson::array();
  for (const auto& [name, value] : headers) out.push_back(ojson::array({utf8(name), utf8(value)}));
  return out;
}

header_fields headers_from_json(const nlohmann::json& j) {
  header_fields out;
  if (!j.is_array()) return out;
  for (const auto& pair : j)
    if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string())
      out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  return out;
}

std::string string_at(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::size_t count_at(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<std::size_t>() : 0;
}

}  // namespace

traffic_report::traffic_report(const contract& c, std::string suite) : contract_(c), suite_(std::move(suite)) {
  const auto& ops = contract_.operations();
  operations_.resize(ops.size());
  by_route_.reserve(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i)
    by_route_.emplace(to_lower(method_name(ops[i].method)) + " " + ops[i].path, i);
}

traffic_report::~traffic_report() = default;

std::string traffic_report::spec_digest(const contract& c) {
  std::vector<std::string> lines;
  lines.reserve(c.operations().size());
  for (const auto& op : c.operations()) lines.push_back(std::string(method_name(op.method)) + " " + op.path + "\n");
  std::sort(lines.begin(), lines.end());
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64
  for (const auto& line : lines)
    for (unsigned char ch : line) {
      h ^= ch;
      h *= 1099511628211ull;
    }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string("fnv1a64:") + hex;
}

traffic_report::per_operation& traffic_report::slot(const exchange& e) {
  return slot_of(e.operation_id, e.operation_method, e.operation_path);
}

traffic_report::per_operation& traffic_report::slot_of(const std::string& operation_id, const std::string& method,
                                                       const std::string& path) {
  const std::string route = to_lower(method) + " " + path;
  std::size_t index = operations_.size();
  if (auto it = by_route_.find(route); it != by_route_.end()) {
    index = it->second;
  } else if (const operation* op = method.empty() ? contract_.find(operation_id) : nullptr) {
    index = static_cast<std::size_t>(op - contract_.operations().data());  // known by its operationId only
  } else {
    // Not in the contract (a recording made against another document): listed after the contract's.
    const std::string key = "? " + operation_id + " " + route;
    auto [it, added] = by_route_.emplace(key, operations_.size());
    if (added) {
      operations_.push_back(std::make_unique<per_operation>());
      auto& p = *operations_.back();
      p.operation_id = operation_id;
      p.method = upper(method);
      p.path = path;
      p.tag = "untagged";
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
    p->tag = op.tags.empty() || op.tags.front().empty() ? "untagged" : op.tags.front();
  }
  return *p;
}

std::string traffic_report::keep_body(std::string_view body, std::string& out) {
  out.clear();
  if (body.empty()) return "";
  if (sample_bytes_ >= report_max_sample_bytes)
    return "left out: the report's samples already hold " + std::to_string(report_max_sample_bytes) + " bytes of bodies";
  std::size_t n = std::min({body.size(), report_max_sample_body, report_max_sample_bytes - sample_bytes_});
  // Cut on a character boundary (not inside a UTF-8 sequence).
  if (n < body.size())
    while (n > 0 && (static_cast<unsigned char>(body[n]) & 0xC0) == 0x80) --n;
  out.assign(body.substr(0, n));
  sample_bytes_ += out.size();
  std::string note;
  if (n < body.size()) note = "cut at " + std::to_string(n) + " of " + std::to_string(body.size()) + " bytes";
  if (repair_utf8(out)) note += std::string(note.empty() ? "" : "; ") + "not UTF-8: shown with U+FFFD";
  return note;
}

void traffic_report::take_sample(per_operation& p, const exchange& raw, bool failed) {
  const exchange e = redacted(raw, redaction_);
  sample s;
  s.label = utf8(e.label);
  s.failed = failed;
  s.method = utf8(e.method);
  s.target = utf8(e.target);
  s.request_headers = e.request_headers;
  s.status = e.status;
  s.response_headers = e.response_headers;
  s.error = utf8(e.error);
  for (auto* headers : {&s.request_headers, &s.response_headers})
    for (auto& [name, value] : *headers) {
      repair_utf8(name);
      repair_utf8(value);
    }
  s.request_body_note = keep_body(e.request_body, s.request_body);
  const std::string_view coding = trim(header_value(e.response_headers, "content-encoding"));
  if (!coding.empty() && !iequals(coding, "identity") && !e.response_body.empty()) {
    const decoded_body decoded = decode_content(coding, e.response_body, 8 * report_max_sample_body);
    if (decoded.ok) {
      s.response_body_note = keep_body(decoded.body, s.response_body);
      s.response_body_note = "decoded from " + std::string(coding) +
                             (s.response_body_note.empty() ? "" : "; " + s.response_body_note);
    } else {
      s.response_body_note = "left out: " + decoded.error;
    }
  } else {
    s.response_body_note = keep_body(e.response_body, s.response_body);
  }
  for (bool response : {false, true})
    for (const auto& v : response ? e.response_violations : e.request_violations)
      s.violations.push_back(utf8(violation_where(response, v) + ": " + v.message + " [" + v.code + "]"));
  (failed ? p.failing_samples : p.passing_samples).push_back(std::move(s));
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
  const auto example = [&e] { return request_line(e); };
  for (const auto& v : e.request_violations) p.add_violation(v, false, 1, example);
  for (const auto& v : e.response_violations) p.add_violation(v, true, 1, example);
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
  const bool failed = found > 0 || !e.error.empty();
  if (failed ? p.failing_samples.size() < report_max_failing_samples : p.passing_samples.empty())
    take_sample(p, e, failed);
}

void traffic_report::skip(const operation& op, std::string reason, bool spec_defect) {
  const std::size_t index = static_cast<std::size_t>(&op - contract_.operations().data());
  if (index >= contract_.operations().size()) return;  // not this contract's
  per_operation& p = slot_of(op.operation_id, to_lower(method_name(op.method)), op.path);
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
  out.per_operation.resize(ops.size());
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
    auto& figures = out.per_operation[i];
    figures.exercised = p != nullptr;
    for (const auto& r : op.responses) {
      ++out.statuses_declared;
      ++figures.statuses_declared;
      if (hit.count(&r)) {
        ++out.statuses_exercised;
        ++figures.statuses_exercised;
      } else {
        gap.statuses.push_back(r.status);
      }
    }
    if (!gap.exercised || !gap.statuses.empty()) out.missing.push_back(std::move(gap));
  }
  return out;
}

std::vector<std::vector<const traffic_report::per_operation*>> traffic_report::by_tag() const {
  std::vector<std::vector<const per_operation*>> out;
  std::map<std::string, std::size_t> index;
  for (const auto& slot : operations_) {
    if (!slot) continue;
    auto [it, added] = index.emplace(slot->tag, out.size());
    if (added) out.emplace_back();
    out[it->second].push_back(slot.get());
  }
  return out;
}

nlohmann::ordered_json traffic_report::to_json() const {
  ojson out;
  out["tool"] = "specgate";
  out["reportVersion"] = report_format_version;
  out["suite"] = utf8(suite_);
  out["generatedAt"] = iso_time(std::chrono::system_clock::now());
  out["spec"] = {{"title", spec_info(contract_, "title")},
                 {"version", spec_info(contract_, "version")},
                 {"openapi", utf8(contract_.docs().openapi_version())},
                 {"operations", contract_.operations().size()},
                 {"digest", spec_digest(contract_)}};
  out["timing"] = {{"startedAt", exchanges_ > 0 ? ojson(iso_time(first_)) : ojson()},
                   {"undocumentedMicros", undocumented_time_.count()}};
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
    entry["verdict"] = std::string(p.verdict());
    entry["tag"] = utf8(p.tag);
    ojson answered = ojson::array();
    for (int status : p.answered) answered.push_back(status);
    entry["answered"] = std::move(answered);
    entry["violationsTotal"] = p.violation_total;
    entry["notesUnlisted"] = p.notes_unlisted;
    entry["errorsUnlisted"] = p.errors_unlisted;
    entry["timeMicros"] = p.time.count();
    ojson samples = ojson::array();
    for (const auto* list : {&p.failing_samples, &p.passing_samples})
      for (const sample& s : *list) {
        ojson request = {{"method", s.method}, {"target", s.target}, {"headers", headers_json(s.request_headers)},
                         {"body", s.request_body}};
        if (!s.request_body_note.empty()) request["bodyNote"] = s.request_body_note;
        ojson response = {{"status", s.status}, {"headers", headers_json(s.response_headers)}, {"body", s.response_body}};
        if (!s.response_body_note.empty()) response["bodyNote"] = s.response_body_note;
        ojson one = {{"label", s.label}, {"failed", s.failed}, {"request", std::move(request)},
                     {"response", std::move(response)}};
        if (!s.error.empty()) one["error"] = s.error;
        one["violations"] = s.violations;
        samples.push_back(std::move(one));
      }
    entry["samples"] = std::move(samples);
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

std::string traffic_report::merge_json(const nlohmann::json& j) {
  if (!j.is_object() || string_at(j, "tool") != "specgate")
    return "not a specgate JSON report (no \"tool\": \"specgate\")";
  const auto version = j.find("reportVersion");
  if (version == j.end() || !version->is_number_integer() || version->get<int>() != report_format_version)
    return "report version " + (version == j.end() ? std::string("missing") : version->dump()) +
           ", this specgate reads version " + std::to_string(report_format_version);
  const auto spec = j.find("spec");
  if (spec == j.end() || !spec->is_object()) return "no \"spec\": cannot tell which document it was made against";
  const std::string digest = spec_digest(contract_);
  const std::size_t count = count_at(*spec, "operations");
  if (string_at(*spec, "digest") != digest || count != contract_.operations().size())
    return "made against another document: \"" + string_at(*spec, "title") + "\" " + string_at(*spec, "version") +
           " with " + std::to_string(count) + " operations (" + string_at(*spec, "digest") + "), --spec is \"" +
           spec_info(contract_, "title") + "\" " + spec_info(contract_, "version") + " with " +
           std::to_string(contract_.operations().size()) + " operations (" + digest + ")";
  // A dry run first, so that a malformed report leaves this one untouched.
  try {
    traffic_report scratch(contract_, suite_);
    scratch.absorb(j);
  } catch (const nlohmann::json::exception& e) {
    return std::string("malformed report: ") + e.what();
  }
  absorb(j);
  return "";
}

void traffic_report::absorb(const nlohmann::json& j) {
  const auto& summary = j.at("summary");
  const std::size_t exchanges = summary.at("exchanges").get<std::size_t>();
  if (exchanges > 0) {
    const auto& started = j.at("timing").at("startedAt");
    if (started.is_string())
      if (auto t = parse_iso_time(started.get<std::string>()); t && (exchanges_ == 0 || *t < first_)) first_ = *t;
  }
  exchanges_ += exchanges;
  failed_ += summary.at("failed").get<std::size_t>();
  violations_ += summary.at("violations").get<std::size_t>();
  undocumented_requests_ += summary.at("undocumented").get<std::size_t>();
  undocumented_unlisted_ += summary.at("undocumentedUnlisted").get<std::size_t>();
  unchecked_ += summary.at("unchecked").get<std::size_t>();
  upstream_errors_ += summary.at("upstreamErrors").get<std::size_t>();
  dropped_ += summary.at("dropped").get<std::uint64_t>();
  undocumented_time_ += std::chrono::microseconds(j.at("timing").at("undocumentedMicros").get<std::int64_t>());

  for (const auto& o : j.at("operations")) {
    const std::string operation_id = o.at("operationId").get<std::string>();
    per_operation& p = slot_of(operation_id, to_lower(o.at("method").get<std::string>()), o.at("path").get<std::string>());
    p.exchanges += o.at("exchanges").get<std::size_t>();
    p.failed += o.at("failed").get<std::size_t>();
    p.violation_total += o.at("violationsTotal").get<std::size_t>();
    p.unchecked += o.at("unchecked").get<std::size_t>();
    p.errors += o.at("upstreamErrors").get<std::size_t>();
    p.time += std::chrono::microseconds(o.at("timeMicros").get<std::int64_t>());
    for (const auto& [status, n] : o.at("statuses").items()) p.statuses[std::stoi(status)] += n.get<std::size_t>();
    for (const auto& status : o.at("answered")) p.answered.insert(status.get<int>());
    for (const auto& v : o.at("violations")) {
      violation parsed;
      if (!violation_from_json(v, parsed)) throw nlohmann::json::other_error::create(501, "a violation without code or location", &v);
      p.add_violation(parsed, v.at("direction").get<std::string>() == "response", v.at("count").get<std::size_t>(),
                      [&v] { return v.at("example").get<std::string>(); });
    }
    p.groups_unlisted += o.at("violationsUnlisted").get<std::size_t>();
    auto merge_tally = [](auto& into, auto key, const nlohmann::json& entry, std::size_t& unlisted) {
      const std::size_t n = entry.at("count").get<std::size_t>();
      auto it = into.find(key);
      if (it == into.end()) {
        if (into.size() >= report_max_notes) {
          unlisted += n;
          return;
        }
        it = into.emplace(std::move(key), tally{}).first;
        it->second.example = entry.at("example").get<std::string>();
      }
      it->second.count += n;
    };
    for (const auto& n : o.at("notes"))
      merge_tally(p.notes, std::pair<bool, std::string>{n.at("direction").get<std::string>() == "response",
                                                        n.at("note").get<std::string>()},
                  n, p.notes_unlisted);
    p.notes_unlisted += o.at("notesUnlisted").get<std::size_t>();
    for (const auto& e : o.at("errors")) merge_tally(p.upstream_errors, e.at("error").get<std::string>(), e, p.errors_unlisted);
    p.errors_unlisted += o.at("errorsUnlisted").get<std::size_t>();
    if (const auto skipped = o.find("skipped"); skipped != o.end() && p.op)
      for (const auto& s : *skipped) skip(*p.op, s.at("reason").get<std::string>(), s.at("specDefect").get<bool>());
    for (const auto& one : o.at("samples")) {
      sample s;
      s.label = string_at(one, "label");
      s.failed = one.at("failed").get<bool>();
      const auto& request = one.at("request");
      s.method = string_at(request, "method");
      s.target = string_at(request, "target");
      s.request_headers = headers_from_json(request.at("headers"));
      const auto& response = one.at("response");
      s.status = response.at("status").get<int>();
      s.response_headers = headers_from_json(response.at("headers"));
      s.error = string_at(one, "error");
      for (const auto& v : one.at("violations")) s.violations.push_back(v.get<std::string>());
      auto& list = s.failed ? p.failing_samples : p.passing_samples;
      if (list.size() >= (s.failed ? report_max_failing_samples : 1)) continue;
      // Bodies count against this report's budget as they would have when first taken.
      const std::string request_note = string_at(request, "bodyNote");
      const std::string response_note = string_at(response, "bodyNote");
      std::string budget_note = keep_body(string_at(request, "body"), s.request_body);
      s.request_body_note = request_note.empty() ? budget_note : request_note;
      budget_note = keep_body(string_at(response, "body"), s.response_body);
      s.response_body_note = response_note.empty() ? budget_note : response_note;
      list.push_back(std::move(s));
    }
  }

  for (const auto& u : j.at("undocumented")) {
    std::pair<std::string, std::string> key{u.at("path").get<std::string>(), u.at("method").get<std::string>()};
    const std::size_t n = u.at("count").get<std::size_t>();
    auto it = undocumented_.find(key);
    if (it == undocumented_.end()) {
      if (undocumented_.size() >= report_max_undocumented) {
        undocumented_unlisted_ += n;
        continue;
      }
      it = undocumented_.emplace(std::move(key), undocumented_route{}).first;
    }
    it->second.count += n;
    for (const auto& [status, c] : u.at("statuses").items()) it->second.statuses[std::stoi(status)] += c.get<std::size_t>();
  }
}

std::string traffic_report::to_junit() const {
  const coverage cov = compute_coverage();
  const auto groups = by_tag();
  auto counts_of = [](const std::vector<const per_operation*>& ops, std::size_t& tests, std::size_t& failures,
                      std::size_t& errors, std::size_t& skipped, std::chrono::microseconds& time) {
    for (const per_operation* p : ops) {
      ++tests;
      time += p->time;
      const std::string_view verdict = p->verdict();
      if (verdict == "FAIL") ++failures;
      else if (verdict == "ERROR") ++errors;
      else if (verdict == "SKIP") ++skipped;
    }
  };
  std::size_t tests = 1, failures = undocumented_requests_ > 0 ? 1 : 0, errors = 0, skipped = 0;  // 1: undocumented
  std::chrono::microseconds time = undocumented_time_;
  for (const auto& ops : groups) counts_of(ops, tests, failures, errors, skipped, time);

  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<testsuites" + attr("name", suite_) + attr("tests", std::to_string(tests)) +
       attr("failures", std::to_string(failures)) + attr("errors", std::to_string(errors)) +
       attr("time", seconds_text(time)) + ">\n";
  const std::string timestamp =
      exchanges_ > 0 && first_ != std::chrono::system_clock::time_point{} ? attr("timestamp", timestamp_text(first_)) : "";

  auto property = [&](std::string_view name, const std::string& value) {
    x += "      <property" + attr("name", name) + attr("value", value) + "/>\n";
  };
  auto run_properties = [&] {
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
  };
  auto open_suite = [&](const std::string& name, std::size_t t, std::size_t f, std::size_t e, std::size_t s,
                        std::chrono::microseconds d) {
    x += "  <testsuite" + attr("name", name) + attr("tests", std::to_string(t)) + attr("failures", std::to_string(f)) +
         attr("errors", std::to_string(e)) + attr("skipped", std::to_string(s)) + attr("time", seconds_text(d)) +
         timestamp + ">\n    <properties>\n";
  };

  auto example = [](const tally& t) { return " (x" + std::to_string(t.count) + "; e.g. " + t.example + ")"; };
  for (const auto& ops : groups) {
    std::size_t t = 0, f = 0, e = 0, s = 0;
    std::chrono::microseconds d{0};
    counts_of(ops, t, f, e, s, d);
    const std::string& tag = ops.front()->tag;
    open_suite(tag, t, f, e, s, d);
    run_properties();
    // The tag's own coverage: the contract's operations whose first tag it is.
    std::size_t declared = 0, exercised = 0, statuses = 0, statuses_hit = 0;
    for (std::size_t i = 0; i < contract_.operations().size(); ++i) {
      const auto& op = contract_.operations()[i];
      if ((op.tags.empty() || op.tags.front().empty() ? std::string("untagged") : op.tags.front()) != tag) continue;
      ++declared;
      if (cov.per_operation[i].exercised) ++exercised;
      statuses += cov.per_operation[i].statuses_declared;
      statuses_hit += cov.per_operation[i].statuses_exercised;
    }
    property("tag.coverage.operations.declared", std::to_string(declared));
    property("tag.coverage.operations.exercised", std::to_string(exercised));
    property("tag.coverage.operations.percent", percent_text(tenths_percent(exercised, declared)));
    property("tag.coverage.statuses.declared", std::to_string(statuses));
    property("tag.coverage.statuses.exercised", std::to_string(statuses_hit));
    property("tag.coverage.statuses.percent", percent_text(tenths_percent(statuses_hit, statuses)));
    x += "    </properties>\n";

    for (const per_operation* slot : ops) {
      const per_operation& p = *slot;
      x += "    <testcase" + attr("classname", p.classname()) + attr("name", p.operation_id) +
           attr("time", seconds_text(p.time)) + ">\n";
      if (p.exchanges == 0 && !p.skipped.empty()) {
        x += "      <skipped" + attr("message", p.skipped.front().first) + "/>\n    </testcase>\n";
        continue;
      }
      // JUnit's schema: a test case holds skipped, or errors, or failures; then system-out, system-err.
      std::string error_text;
      if (p.errors > 0) {
        for (const auto& [error, t] : p.upstream_errors) error_text += error + example(t) + "\n";
        if (p.errors_unlisted > 0) error_text += "and " + plural(p.errors_unlisted, "more error") + ", not listed\n";
      }
      const std::string error_message =
          "upstream failed in " + std::to_string(p.errors) + " of " + plural(p.exchanges, "exchange");
      if (p.has_failures()) {
        for (const auto& [key, g] : p.groups) {
          const violation& v = g.first;
          std::string text = "seen " + plural(g.count, "time") + "\n";
          if (!v.keyword.empty()) text += "keyword: " + v.keyword + "\n";
          if (!v.expected.empty()) text += "expected: " + v.expected + "\n";
          if (!v.found.empty()) text += "found: " + v.found + "\n";
          if (!v.schema_pointer.empty()) text += "schema: " + v.schema_pointer + "\n";
          text += "example request: " + g.example + "\n";
          x += "      <failure" + attr("message", violation_where(std::get<0>(key), v) + ": " + v.message) +
               attr("type", v.code) + ">" + xml_text(text, false) + "</failure>\n";
        }
        if (p.groups_unlisted > 0)
          x += "      <failure" +
               attr("message", "and " + plural(p.groups_unlisted, "more violation") + " of further kinds, not listed") +
               attr("type", "unlisted") + "/>\n";
      } else if (p.errors > 0) {
        x += "      <error" + attr("message", error_message) + attr("type", "upstream") + ">" +
             xml_text(error_text, false) + "</error>\n";
      }
      std::string out = "exchanges: " + std::to_string(p.exchanges) + "\nstatuses: " + statuses_text(p.statuses) + "\n";
      if (p.has_failures())
        out += plural(p.violation_total, "violation") + " (" + std::to_string(p.groups.size()) + " distinct) in " +
               std::to_string(p.failed) + " of " + plural(p.exchanges, "exchange") + "\n";
      if (p.unchecked > 0) {
        out += "not checked: " + plural(p.unchecked, "exchange") + "\n";
        for (const auto& [key, t] : p.notes)
          out += "  " + std::string(direction_name(key.first)) + ": " + key.second + example(t) + "\n";
        if (p.notes_unlisted > 0) out += "  and " + plural(p.notes_unlisted, "more note") + ", not listed\n";
      }
      if (!p.skipped.empty()) {
        out += "skipped:\n";
        for (const auto& [reason, defect] : p.skipped)
          out += std::string(defect ? "  spec defect: " : "  ") + reason + "\n";
      }
      x += "      <system-out>" + xml_text(out, false) + "</system-out>\n";
      if (p.has_failures() && p.errors > 0)  // errors beside failures: the schema allows one kind per case
        x += "      <system-err>" + xml_text(error_message + "\n" + error_text, false) + "</system-err>\n";
      x += "    </testcase>\n";
    }
    x += "  </testsuite>\n";
  }

  open_suite("undocumented", 1, undocumented_requests_ > 0 ? 1 : 0, 0, 0, undocumented_time_);
  run_properties();
  x += "    </properties>\n";
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
  const coverage cov = compute_coverage();
  std::map<std::string_view, std::size_t> verdicts;
  for (const auto& slot : operations_)
    if (slot) ++verdicts[slot->verdict()];
  std::string t = summary_line() + "\n";
  t += "verdicts: " + std::to_string(verdicts["PASS"]) + " passed, " + std::to_string(verdicts["FAIL"]) + " failed, " +
       std::to_string(verdicts["ERROR"]) + " errors, " + std::to_string(verdicts["SKIP"]) + " skipped\n";
  t += "coverage: operations " + std::to_string(cov.operations_exercised) + " of " +
       std::to_string(cov.operations_declared) + " (" +
       percent_text(tenths_percent(cov.operations_exercised, cov.operations_declared)) + "%), declared statuses " +
       std::to_string(cov.statuses_exercised) + " of " + std::to_string(cov.statuses_declared) + " (" +
       percent_text(tenths_percent(cov.statuses_exercised, cov.statuses_declared)) + "%)\n";
  if (dropped_ > 0) t += "dropped: " + plural(dropped_, "exchange") + " the recorder could not take\n";
  t += "\n";
  for (const auto& slot : operations_) {
    if (!slot) continue;
    const per_operation& p = *slot;
    std::string verdict(p.verdict());
    verdict.resize(5, ' ');
    t += verdict + " " + p.operation_id + "  " + p.classname() + "  (" + plural(p.exchanges, "exchange");
    if (p.failed > 0) t += ", " + std::to_string(p.failed) + " failed";
    if (!p.statuses.empty()) t += "; " + statuses_text(p.statuses);
    t += ")\n";
    for (const auto& [key, g] : p.groups) {
      const violation& v = g.first;
      t += "      " + violation_where(std::get<0>(key), v) + ": " + v.message + " [" + v.code + "] x" +
           std::to_string(g.count) + "\n        e.g. " + g.example + "\n";
    }
    if (p.groups_unlisted > 0)
      t += "      and " + plural(p.groups_unlisted, "more violation") + " of further kinds, not listed\n";
    for (const auto& [error, e] : p.upstream_errors)
      t += "      error: " + error + " x" + std::to_string(e.count) + "\n        e.g. " + e.example + "\n";
    for (const auto& [key, n] : p.notes)
      t += "      " + std::string(direction_name(key.first)) + " " + key.second + " x" + std::to_string(n.count) + "\n";
    for (const auto& [reason, defect] : p.skipped)
      t += std::string(defect ? "      spec defect: " : "      skipped: ") + reason + "\n";
  }
  if (!undocumented_.empty()) t += "\n";
  for (const auto& [key, route] : undocumented_)
    t += "UNDOC " + key.second + " " + key.first + "  (" + plural(route.count, "request") + "; " +
         statuses_text(route.statuses) + ")\n";
  if (undocumented_unlisted_ > 0)
    t += "UNDOC and " + plural(undocumented_unlisted_, "more request") + " to further paths, not listed\n";
  return utf8(t);
}

}  // namespace specgate::validator
