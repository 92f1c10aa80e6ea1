// Renders a traffic report as one self-contained HTML page a person reads: inline CSS and a little
// inline JS (filters; the page reads fine without it), no network resources.
#include <nlohmann/json.hpp>

#include "validator/check/response_validator.h"
#include "validator/report/traffic_report_detail.h"
#include "validator/text_util.h"

namespace specgate::validator {

namespace {

using namespace report_detail;

// Escaped text; "://" becomes "&#58;//" so no URL appears in the page's source (a request line or
// an upstream error may hold one: shown the same, never a resource or a link).
std::string h(std::string_view s) {
  std::string escaped = xml_text(s, false);
  std::string out;
  out.reserve(escaped.size());
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    if (escaped.compare(i, 3, "://") == 0) {
      out += "&#58;//";
      i += 2;
    } else {
      out += escaped[i];
    }
  }
  return out;
}


std::string css_class(std::string_view verdict) { return "v-" + to_lower(verdict); }

// A body as shown: JSON pretty-printed, anything else as it is.
std::string body_text(const std::string& body) {
  if (body.empty()) return "";
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_discarded() && (parsed.is_object() || parsed.is_array()))
    return parsed.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  return body;
}

std::string headers_text(const header_fields& headers) {
  std::string out;
  for (const auto& [name, value] : headers) out += name + ": " + value + "\n";
  return out;
}

constexpr std::string_view style = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;color:#1d1d1f}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.5em 0 .5em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0;width:100%}th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f6}table#summary{width:auto;min-width:20em}td code{word-break:break-all}td.n{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}pre{background:#f7f7f9;border:1px solid #e4e4e8;padding:6px;overflow:auto;max-height:30em;white-space:pre-wrap;word-break:break-all}
.verdict{display:inline-block;min-width:4em;text-align:center;font-weight:600;border-radius:3px;padding:0 4px;color:#fff}
.v-pass{background:#1a7f37}.v-fail{background:#cf222e}.v-error{background:#bc4c00}.v-skip{background:#6e7781}
details.op{border:1px solid #ddd;border-radius:4px;margin:.4em 0;padding:.3em .6em}details.op>summary{cursor:pointer}
details.sample{margin:.4em 0 .4em 1em}.note{color:#6e7781;font-style:italic}.muted{color:#6e7781}
#filters button{margin-right:.4em}.hidden{display:none}
)";

constexpr std::string_view script = R"(
(function(){var f=document.getElementById('filters');if(!f)return;f.classList.remove('hidden');
f.addEventListener('click',function(e){var v=e.target.getAttribute('data-show');if(v===null)return;
document.querySelectorAll('details.op').forEach(function(d){d.classList.toggle('hidden',v!=='ALL'&&d.getAttribute('data-verdict')!==v);});});
document.getElementById('expand').addEventListener('click',function(){document.querySelectorAll('details.op').forEach(function(d){d.open=true;});});
})();
)";

}  // namespace

std::string traffic_report::to_html() const {
  const nlohmann::ordered_json j = to_json();
  const coverage cov = compute_coverage();
  std::string x = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  x += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  x += "<title>" + h(suite_) + " report</title>\n<style>" + std::string(style) + "</style>\n</head>\n<body>\n";
  x += "<h1>" + h(suite_) + "</h1>\n";
  x += "<p id=\"summary-line\">" + h(summary_line()) + "</p>\n";
  x += "<p class=\"muted\">Contract: " + h(j["spec"]["title"].get<std::string>()) + " " +
       h(j["spec"]["version"].get<std::string>()) + " (" + std::to_string(contract_.operations().size()) +
       " operations, " + h(j["spec"]["digest"].get<std::string>()) + "); generated " +
       h(j["generatedAt"].get<std::string>()) + "</p>\n";

  // Summary.
  x += "<h2>Summary</h2>\n<table id=\"summary\">\n";
  for (const auto& [name, value] : j["summary"].items())
    x += "<tr><th>" + h(name) + "</th><td class=\"n\">" + value.dump() + "</td></tr>\n";
  x += "</table>\n";

  // Coverage: every operation of the contract.
  x += "<h2>Coverage</h2>\n<p>Operations: " + std::to_string(cov.operations_exercised) + " of " +
       std::to_string(cov.operations_declared) + " (" +
       percent_text(tenths_percent(cov.operations_exercised, cov.operations_declared)) +
       "%); declared statuses: " + std::to_string(cov.statuses_exercised) + " of " +
       std::to_string(cov.statuses_declared) + " (" +
       percent_text(tenths_percent(cov.statuses_exercised, cov.statuses_declared)) + "%)</p>\n";
  x += "<table id=\"coverage\">\n<tr><th>Operation</th><th>Method and path</th><th>Verdict</th><th>Exercised</th>"
       "<th>Statuses exercised</th><th>Statuses missing</th></tr>\n";
  std::size_t gap_index = 0;
  for (std::size_t i = 0; i < contract_.operations().size(); ++i) {
    const operation& op = contract_.operations()[i];
    const per_operation* p = operations_[i].get();
    const auto& figures = cov.per_operation[i];
    std::string missing;
    if (gap_index < cov.missing.size() && cov.missing[gap_index].op == &op) {
      for (const auto& s : cov.missing[gap_index].statuses) missing += (missing.empty() ? "" : ", ") + s;
      ++gap_index;
    }
    const std::string verdict = p ? std::string(p->verdict()) : "";
    x += "<tr><td>" + (p ? "<a href=\"#op-" + std::to_string(i) + "\">" + h(op.operation_id) + "</a>" : h(op.operation_id)) +
         "</td><td><code>" + h(std::string(method_name(op.method)) + " " + op.path) + "</code></td><td>" +
         (p ? "<span class=\"verdict " + css_class(verdict) + "\">" + verdict + "</span>" : "") + "</td><td>" +
         (figures.exercised ? "yes" : "no") + "</td><td class=\"n\">" + std::to_string(figures.statuses_exercised) +
         " / " + std::to_string(figures.statuses_declared) + "</td><td>" + h(missing) + "</td></tr>\n";
  }
  x += "</table>\n";

  // Operations seen or skipped.
  x += "<h2>Operations</h2>\n<p id=\"filters\" class=\"hidden\">Show: <button data-show=\"ALL\">all</button>"
       "<button data-show=\"FAIL\">failed</button><button data-show=\"ERROR\">errors</button>"
       "<button data-show=\"PASS\">passed</button><button data-show=\"SKIP\">skipped</button>"
       "<button id=\"expand\">expand all</button></p>\n";
  for (std::size_t i = 0; i < operations_.size(); ++i) {
    if (!operations_[i]) continue;
    const per_operation& p = *operations_[i];
    const std::string verdict(p.verdict());
    const bool open = verdict == "FAIL" || verdict == "ERROR";
    x += "<details class=\"op\" id=\"op-" + std::to_string(i) + "\" data-verdict=\"" + verdict + "\"" +
         (open ? " open" : "") + ">\n<summary><span class=\"verdict " + css_class(verdict) + "\">" + verdict +
         "</span> <code>" + h(p.classname()) + "</code> " + h(p.operation_id) + " <span class=\"muted\">(" +
         h(plural(p.exchanges, "exchange")) + (p.failed ? ", " + std::to_string(p.failed) + " with violations" : "") +
         (p.statuses.empty() ? "" : "; " + h(statuses_text(p.statuses))) + ")</span></summary>\n";
    if (!p.op) x += "<p class=\"note\">Not in this contract (the traffic named an operation it does not hold).</p>\n";
    for (const auto& [reason, defect] : p.skipped)
      x += "<p class=\"note\">" + std::string(defect ? "Spec defect, skipped: " : "Skipped: ") + h(reason) + "</p>\n";
    if (p.has_failures()) {
      x += "<table class=\"violations\">\n<tr><th>Where</th><th>Instance pointer</th><th>Schema pointer</th>"
           "<th>Message</th><th>Code</th><th>Count</th><th>First seen in</th></tr>\n";
      for (const auto& [key, g] : p.groups) {
        const violation& v = g.first;
        std::string where = std::string(direction_name(std::get<0>(key))) + " " + std::string(location_name(v.location));
        if (!v.name.empty()) where += " " + v.name;
        x += "<tr><td>" + h(where) + "</td><td><code>" + h(v.instance_pointer) + "</code></td><td><code>" +
             h(v.schema_pointer) + "</code></td><td class=\"message\">" + h(v.message) +
             (v.expected.empty() && v.found.empty() ? ""
                                                    : "<br><span class=\"muted\">expected " + h(v.expected) +
                                                          ", found " + h(v.found) + "</span>") +
             "</td><td><code>" + h(v.code) + "</code></td><td class=\"n\">" + std::to_string(g.count) +
             "</td><td><code>" + h(g.example) + "</code></td></tr>\n";
      }
      x += "</table>\n";
      if (p.groups_unlisted > 0)
        x += "<p class=\"note\">and " + h(plural(p.groups_unlisted, "more violation")) + " of further kinds, not listed</p>\n";
    }
    for (const auto& [error, t] : p.upstream_errors)
      x += "<p>Upstream error: " + h(error) + " (x" + std::to_string(t.count) + "; e.g. <code>" + h(t.example) +
           "</code>)</p>\n";
    for (const auto& [key, t] : p.notes)
      x += "<p class=\"note\">" + h(std::string(direction_name(key.first)) + " " + key.second) + " (x" +
           std::to_string(t.count) + ")</p>\n";
    for (const auto* list : {&p.failing_samples, &p.passing_samples})
      for (const sample& s : *list) {
        x += "<details class=\"sample\"" + std::string(s.failed ? " open" : "") + "><summary>" +
             (s.failed ? "Failing" : "Passing") + " exchange" + (s.label.empty() ? "" : " (" + h(s.label) + ")") +
             ": <code>" + h(s.method + " " + s.target) + "</code> &#8594; " +
             (s.status == 0 ? std::string("no response") : std::to_string(s.status)) + "</summary>\n";
        if (!s.violations.empty()) {
          x += "<ul>";
          for (const auto& v : s.violations) x += "<li>" + h(v) + "</li>";
          x += "</ul>\n";
        }
        if (!s.error.empty()) x += "<p>Error: " + h(s.error) + "</p>\n";
        x += "<h4>Request</h4>\n<pre>" + h(s.method + " " + s.target + "\n" + headers_text(s.request_headers)) + "</pre>\n";
        if (!s.request_body.empty()) x += "<pre class=\"body\">" + h(body_text(s.request_body)) + "</pre>\n";
        if (!s.request_body_note.empty()) x += "<p class=\"note\">body " + h(s.request_body_note) + "</p>\n";
        x += "<h4>Response</h4>\n<pre>" +
             h((s.status == 0 ? std::string("no response") : std::to_string(s.status)) + "\n" +
               headers_text(s.response_headers)) +
             "</pre>\n";
        if (!s.response_body.empty()) x += "<pre class=\"body\">" + h(body_text(s.response_body)) + "</pre>\n";
        if (!s.response_body_note.empty()) x += "<p class=\"note\">body " + h(s.response_body_note) + "</p>\n";
        x += "</details>\n";
      }
    x += "</details>\n";
  }

  x += "<h2>Undocumented requests</h2>\n";
  if (undocumented_.empty()) {
    x += "<p>None.</p>\n";
  } else {
    x += "<table id=\"undocumented\">\n<tr><th>Method</th><th>Path</th><th>Count</th><th>Statuses</th></tr>\n";
    for (const auto& [key, route] : undocumented_)
      x += "<tr><td>" + h(key.second) + "</td><td><code>" + h(key.first) + "</code></td><td class=\"n\">" +
           std::to_string(route.count) + "</td><td>" + h(statuses_text(route.statuses)) + "</td></tr>\n";
    x += "</table>\n";
    if (undocumented_unlisted_ > 0)
      x += "<p class=\"note\">and " + h(plural(undocumented_unlisted_, "more request")) + " to further paths, not listed</p>\n";
  }
  x += "<script>" + std::string(script) + "</script>\n</body>\n</html>\n";
  return x;
}

}  // namespace specgate::validator
