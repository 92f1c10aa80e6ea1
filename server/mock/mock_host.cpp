#include "server/mock/mock_host.h"
#include "validator/text_util.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <exception>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/mock/mock_service.h"
#include "server/http/profile_answers.h"

namespace specgate::server {

namespace {

constexpr std::size_t max_reload_warnings = 20;

std::atomic<std::uint64_t> next_generation_id{1};  // unique across hosts: keys the per-thread cache

constexpr std::string_view cors_methods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
constexpr std::string_view cors_headers[] = {"kbn-xsrf", "kbn-version", "authorization", "content-type",
                                             "elastic-api-version", "x-elastic-internal-origin", "prefer"};
constexpr std::string_view cors_expose = "specgate-violations, elastic-api-version, kbn-name";
constexpr std::string_view cors_max_age = "600";

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void set_origin(const http_request& req, http_response& res) {
  const std::string_view origin = req.header("origin");
  if (origin.empty()) {
    res.set_header("access-control-allow-origin", "*");
    return;
  }
  res.set_header("access-control-allow-origin", std::string(origin));
  res.set_header("access-control-allow-credentials", "true");
  const std::string_view vary = res.header("vary");
  if (vary.empty())
    res.set_header("vary", "Origin");
  else if (vary.find("Origin") == std::string_view::npos && vary.find("origin") == std::string_view::npos)
    res.set_header("vary", std::string(vary) + ", Origin");
}

}  // namespace

struct mock_host::generation {
  std::uint64_t id = 0;
  std::shared_ptr<const mock_service> service;
  // operationId as the service hands it out (address of the contract's
  // string) -> the interned copy.
  std::unordered_map<const char*, std::string_view> ids;
  std::chrono::system_clock::time_point loaded_at;
  // How the host's own answers look: the service's profile, or without a
  // service the last one served (kibana before any).
  validator::profile profile = validator::profile::kibana;
  header_list profile_headers;
};

mock_host::mock_host(std::shared_ptr<const mock_service> service, std::string spec_name, host_options options)
    : options_(std::move(options)),
      spec_name_(std::move(spec_name)),
      journal_(options_.journal_size, options_.redact),
      admin_(
          metrics_, journal_, [this] { return current(); }, {}, options_.admin,
          [this](int status, std::string_view message, http_response& res) { answer_own_error(status, message, res); }) {
  swap(std::move(service));
}

mock_host::~mock_host() = default;

std::string_view mock_host::intern(std::string_view operation_id) const {
  std::lock_guard lock(intern_mutex_);
  return *interned_.emplace(operation_id).first;  // node-based: the string never moves
}

std::shared_ptr<const mock_host::generation> mock_host::make_generation(std::shared_ptr<const mock_service> service) {
  auto g = std::make_shared<generation>();
  g->id = next_generation_id.fetch_add(1, std::memory_order_relaxed);
  g->loaded_at = std::chrono::system_clock::now();
  if (service) {
    g->profile = service->profile();
    g->profile_headers = service->profile_headers();
  } else {
    std::shared_ptr<const generation> previous;
    {
      std::lock_guard lock(swap_mutex_);
      previous = current_;
    }
    g->profile = previous ? previous->profile : validator::profile::kibana;
    g->profile_headers = previous ? previous->profile_headers : kibana_headers(default_server_name());
  }
  if (service) {
    const auto& ops = service->contract().operations();
    g->ids.reserve(ops.size());
    for (const auto& op : ops) g->ids.emplace(op.operation_id.data(), intern(op.operation_id));
  }
  g->service = std::move(service);
  return g;
}

void mock_host::swap(std::shared_ptr<const mock_service> next) {
  if (next)
    for (const auto& op : next->contract().operations())
      if (admin_.serves(op.path))
        log("specgate: warning: " + op.operation_id + " (" + op.path +
            ") is hidden by the admin endpoints under /__specgate/");
  auto g = make_generation(std::move(next));
  const std::uint64_t id = g->id;
  std::shared_ptr<const generation> old;
  {
    std::lock_guard lock(swap_mutex_);
    old = std::exchange(current_, std::move(g));
    current_id_.store(id, std::memory_order_release);
  }
  // `old` is freed here unless a request thread still holds it (its cache).
}

const mock_host::generation& mock_host::current_generation() const {
  // Per-thread cache: a request costs one atomic load of a rarely written
  // word and no reference-count traffic. A thread picks up a new generation
  // on its first request after a swap (and only then lets go of the old one).
  struct cache_entry {
    std::uint64_t id = 0;
    std::shared_ptr<const generation> value;
  };
  thread_local cache_entry cache;
  const std::uint64_t id = current_id_.load(std::memory_order_acquire);
  if (cache.id != id || !cache.value) {
    std::shared_ptr<const generation> g;
    {
      std::lock_guard lock(swap_mutex_);
      g = current_;
    }
    cache.id = g->id;
    cache.value = std::move(g);  // the previous one may be freed here, on this thread
  }
  return *cache.value;
}

std::shared_ptr<const mock_service> mock_host::service() const {
  std::lock_guard lock(swap_mutex_);
  return current_->service;
}

served_contract mock_host::current() const {
  served_contract out;
  {
    std::lock_guard lock(swap_mutex_);
    if (current_->service)
      out.contract = std::shared_ptr<const validator::contract>(current_->service, &current_->service->contract());
    out.loaded_at = current_->loaded_at;
  }
  out.spec_name = spec_name_;
  std::lock_guard lock(status_mutex_);
  out.reloads = reloads_;
  out.failed_reloads = failed_reloads_;
  out.last_reload_error = last_reload_error_;
  return out;
}

bool mock_host::is_preflight(const http_request& req) {
  return req.method == "OPTIONS" && req.has_header("origin") && req.has_header("access-control-request-method");
}

void mock_host::answer_preflight(const http_request& req, http_response& res) {
  res.status = 204;
  res.body.clear();
  set_origin(req, res);
  res.set_header("access-control-allow-methods", std::string(cors_methods));
  std::string allowed;
  std::vector<std::string> names;
  for (auto h : cors_headers) names.emplace_back(h);
  // Whatever else the browser asks for (valid header names only) is allowed too.
  std::string_view requested = req.header("access-control-request-headers");
  while (!requested.empty()) {
    const auto comma = requested.find(',');
    std::string name = to_lower(trim(requested.substr(0, comma)));
    requested = comma == std::string_view::npos ? std::string_view() : requested.substr(comma + 1);
    if (name.empty() || name.size() > 128 || !std::all_of(name.begin(), name.end(), is_token_char)) continue;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
    if (names.size() > 64) break;
  }
  for (const auto& n : names) allowed += (allowed.empty() ? "" : ", ") + n;
  res.set_header("access-control-allow-headers", std::move(allowed));
  res.set_header("access-control-max-age", std::string(cors_max_age));
}

void mock_host::add_cors_headers(const http_request& req, http_response& res) {
  set_origin(req, res);
  res.set_header("access-control-expose-headers", std::string(cors_expose));
}

void mock_host::handle(const http_request& req, http_response& res) {
  if (admin_.serves(req.target)) {
    admin_.handle(req, res);
    if (options_.cors) add_cors_headers(req, res);
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  if (options_.cors && is_preflight(req)) {
    answer_preflight(req, res);  // no contract checks: a browser sends no credentials with it
  } else {
    const generation& g = current_generation();
    if (!g.service) {
      render_own_error(g.profile, g.profile_headers, 503, "no contract loaded", {}, res);
    } else {
      g.service->handle(req, res);
      if (!res.operation_id.empty()) {
        const auto it = g.ids.find(res.operation_id.data());
        res.operation_id = it != g.ids.end() ? it->second : intern(res.operation_id);
      }
    }
    if (options_.cors) add_cors_headers(req, res);
  }
  record(req, res,
         std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started));
}

void mock_host::answer_own_error(int status, std::string_view message, http_response& res) const {
  const generation& g = current_generation();
  if (g.service)
    g.service->answer_own_error(status, message, res);
  else
    render_own_error(g.profile, g.profile_headers, status, message, {}, res);
}

void mock_host::complete(const http_request& req, const http_response&, std::chrono::microseconds took) {
  if (admin_.serves(req.target)) return;
  metrics_.record_latency(took);
}

void mock_host::record(const http_request& req, const http_response& res, std::chrono::microseconds took) {
  metrics_.record_request(res.operation_id, res.status);

  // Violations by kind, from the exchange's data.
  for (const auto* list : {&res.violations, &res.response_violations})
    for (const auto& v : *list) metrics_.record_violations(validator::location_name(v.location), v.code);

  if (journal_.capacity() > 0)
    journal_.add(req, res, took,
                 std::chrono::system_clock::now() - std::chrono::duration_cast<std::chrono::system_clock::duration>(took));
}

void mock_host::log(std::string_view line) const {
  if (options_.log) return options_.log(line);
  std::string text(line);
  text += '\n';
  std::fwrite(text.data(), 1, text.size(), stderr);
}

bool mock_host::reload(const std::function<build_result()>& build, std::string_view reason) {
  std::lock_guard serial(reload_mutex_);
  const auto started = std::chrono::steady_clock::now();
  build_result built;
  try {
    built = build();
  } catch (const std::exception& e) {
    built.service.reset();
    built.problems.push_back(validator::file_diagnostic(spec_name_, 0, 0, "", std::string("reload failed: ") + e.what()));
  }
  const bool ok = built.service != nullptr;
  std::size_t warnings = 0, errors = 0;
  std::string first_error;
  for (const auto& d : built.problems) {
    if (d.level == validator::severity::error) {
      if (first_error.empty()) first_error = d.to_string();
      ++errors;
      log(d.to_string());
    } else if (++warnings <= max_reload_warnings) {
      log(d.to_string());
    }
  }
  if (warnings > max_reload_warnings)
    log("specgate: " + std::to_string(warnings - max_reload_warnings) + " more warning(s); run `specgate lint` for all of them");
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  metrics_.record_reload(ok);
  if (!ok) {
    {
      std::lock_guard lock(status_mutex_);
      ++failed_reloads_;
      last_reload_error_ = first_error.empty() ? "the spec cannot be served" : first_error;
    }
    log("specgate: reload (" + std::string(reason) + ") failed with " + std::to_string(errors) +
        " error(s) (listed above); still serving the previous contract of " + spec_name_);
    return false;
  }
  const std::size_t operations = built.service->contract().operations().size();
  swap(std::move(built.service));
  {
    std::lock_guard lock(status_mutex_);
    ++reloads_;
    last_reload_error_.clear();
  }
  log("specgate: reloaded " + spec_name_ + " (" + std::string(reason) + "): " + std::to_string(operations) +
      " operations in " + std::to_string(ms) + " ms");
  return true;
}

}  // namespace specgate::server
