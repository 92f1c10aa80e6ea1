#include "server/observe/admin_api.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "validator/text_util.h"

namespace specgate::server {

namespace {

using ojson = nlohmann::ordered_json;

constexpr std::string_view json_type = "application/json; charset=utf-8";

std::string dump(const ojson& value) { return value.dump(-1, ' ', false, ojson::error_handler_t::replace); }

// Kibana's error shape, like every other answer of the mock.
void error(http_response& res, int status, std::string_view message) {
  res.status = status;
  res.set_header("content-type", std::string(json_type));
  res.body = dump(ojson{{"statusCode", status}, {"error", reason_phrase(status)}, {"message", message}});
}

void json_answer(http_response& res, const ojson& body) {
  res.status = 200;
  res.set_header("content-type", std::string(json_type));
  res.set_header("cache-control", "no-store");
  res.body = dump(body);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    const auto eq = part.find('=');
    out.emplace_back(decode_query_component(part.substr(0, eq)),
                     eq == std::string_view::npos ? std::string() : decode_query_component(part.substr(eq + 1)));
  }
  return out;
}

bool get_like(std::string_view method) { return method == "GET" || method == "HEAD"; }

void method_not_allowed(http_response& res, std::string_view allow) {
  error(res, 405, "Method Not Allowed");
  res.set_header("allow", std::string(allow));
}

}  // namespace

std::string decode_query_component(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

bool is_loopback_host(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host.starts_with("127.") || host == "::1" || host == "localhost" || host == "0:0:0:0:0:0:0:1";
}

std::string admin_exposure_warning(std::string_view host, const admin_access& access) {
  if (access.off || !access.token.empty() || is_loopback_host(host)) return {};
  return "specgate: warning: listening on " + std::string(host) +
         " (not a loopback address) with the admin endpoints /__specgate/* open to anyone who can reach it: set "
         "SPECGATE_ADMIN_TOKEN (or --admin-token), or --admin-off (docs/SECURITY.md)";
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  // Every byte of the longer text is visited; a length difference is folded into the result.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

bool admin_api::matches(std::string_view target) {
  if (!target.starts_with(prefix)) return false;
  const std::string_view rest = target.substr(prefix.size());
  return rest.empty() || rest.front() == '/' || rest.front() == '?';
}

admin_api::admin_api(metrics& stats, journal& requests, std::function<served_contract()> current,
                     std::function<void(http_response&)> report, admin_access access, error_renderer refuse)
    : stats_(stats),
      journal_(requests),
      current_(std::move(current)),
      report_(std::move(report)),
      access_(std::move(access)),
      refuse_(std::move(refuse)) {}

namespace {

// True when `req` carries `Authorization: Bearer TOKEN` with this token.
bool bearer_matches(const http_request& req, std::string_view token) {
  for (const auto& [name, value] : req.headers) {
    if (!iequals(name, "authorization")) continue;
    std::string_view v = value;
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    constexpr std::string_view scheme = "bearer";
    if (v.size() <= scheme.size() || !iequals(v.substr(0, scheme.size()), scheme) ||
        (v[scheme.size()] != ' ' && v[scheme.size()] != '\t'))
      return false;
    v.remove_prefix(scheme.size());
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    return constant_time_equals(v, token);
  }
  return false;
}

}  // namespace

void admin_api::handle(const http_request& req, http_response& res) const {
  const std::string_view target = req.target;
  const auto q = target.find('?');
  std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  path.remove_prefix(prefix.size());
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);

  if (!access_.token.empty() && !bearer_matches(req, access_.token)) {
    if (path == "/health" && get_like(req.method)) {
      // Container health checks carry no token: they learn that it runs, nothing about what.
      return json_answer(res, ojson{{"status", "ok"}});
    }
    const std::string message = "the admin endpoints want Authorization: Bearer <the --admin-token>";
    if (refuse_)
      refuse_(401, message, res);
    else
      error(res, 401, message);
    res.set_header("www-authenticate", "Bearer realm=\"specgate\"");
    res.set_header("cache-control", "no-store");
    return;
  }

  if (path.empty() || path == "/") {
    if (!get_like(req.method)) return method_not_allowed(res, "GET, HEAD");
    return json_answer(res, ojson{{"endpoints",
                                   {"GET /__specgate/health", "GET /__specgate/metrics",
                                    "GET /__specgate/journal?operationId=&limit=", "DELETE /__specgate/journal",
                                    "GET /__specgate/spec", "POST /__specgate/report (proxy --report)"}}});
  }

  if (path == "/health") {
    if (!get_like(req.method)) return method_not_allowed(res, "GET, HEAD");
    const served_contract c = current_();
    ojson body = {{"status", "ok"},
                  {"operations", c.contract ? c.contract->operations().size() : 0},
                  {"spec", c.spec_name},
                  {"loadedAt", format_utc(c.loaded_at)},
                  {"reloads", c.reloads},
                  {"failedReloads", c.failed_reloads},
                  {"lastReloadError", c.last_reload_error.empty() ? ojson(nullptr) : ojson(c.last_reload_error)},
                  {"journal", {{"capacity", journal_.capacity()}, {"size", journal_.size()}}}};
    return json_answer(res, body);
  }

  if (path == "/metrics") {
    if (!get_like(req.method)) return method_not_allowed(res, "GET, HEAD");
    const served_contract c = current_();
    std::string text;
    text.reserve(4096);
    stats_.render(text);
    metrics::append_gauge(text, "specgate_operations", "Operations in the contract being served.",
                          c.contract ? static_cast<double>(c.contract->operations().size()) : 0.0);
    metrics::append_gauge(text, "specgate_spec_loaded_timestamp_seconds",
                          "Unix time the contract being served was loaded.",
                          static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  c.loaded_at.time_since_epoch())
                                                  .count()) /
                              1000.0);
    metrics::append_gauge(text, "specgate_journal_entries", "Requests held in the journal.",
                          static_cast<double>(journal_.size()));
    metrics::append_gauge(text, "specgate_journal_capacity", "Requests the journal holds at most (--journal-size).",
                          static_cast<double>(journal_.capacity()));
    res.status = 200;
    res.set_header("content-type", "text/plain; version=0.0.4; charset=utf-8");
    res.set_header("cache-control", "no-store");
    res.body = std::move(text);
    return;
  }

  if (path == "/journal") {
    if (req.method == "DELETE") {
      journal_.clear();
      res.status = 204;
      res.body.clear();
      return;
    }
    if (!get_like(req.method)) return method_not_allowed(res, "GET, HEAD, DELETE");
    std::optional<std::string> operation_id;
    std::size_t limit = journal_.capacity();
    for (const auto& [name, value] : parse_query(query)) {
      if (name == "operationId") {
        operation_id = value;
      } else if (name == "limit") {
        std::size_t n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || end != value.data() + value.size())
          return error(res, 400, "[request query.limit]: expected a non-negative integer but got [" + value + "]");
        limit = n;
      } else {
        return error(res, 400, "[request query." + name + "]: definition for this key is missing");
      }
    }
    ojson list = ojson::array();
    for (const auto& e : journal_.entries(operation_id ? &*operation_id : nullptr, limit)) list.push_back(e.to_json());
    return json_answer(res, ojson{{"capacity", journal_.capacity()},
                                  {"size", journal_.size()},
                                  {"recorded", journal_.recorded()},
                                  {"requests", std::move(list)}});
  }

  if (path == "/spec") {
    if (!get_like(req.method)) return method_not_allowed(res, "GET, HEAD");
    const served_contract c = current_();
    if (!c.contract) return error(res, 503, "no contract loaded");
    res.status = 200;
    res.set_header("content-type", std::string(json_type));
    res.set_header("cache-control", "no-store");
    res.body = c.contract->docs().root().root().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }

  if (path == "/report" && report_) {
    if (req.method != "POST") return method_not_allowed(res, "POST");
    return report_(res);
  }

  error(res, 404, "Not Found");
}

}  // namespace specgate::server
