// The proxy's exchange pipeline: request check, forward, response check, recorders.
#include "server/proxy/proxy_host.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include <nlohmann/json.hpp>

#include "server/mock/mock_service.h"
#include "server/http/profile_answers.h"
#include "server/proxy/recorder.h"
#include "validator/check/exchange_check.h"
#include "validator/contract/router.h"
#include "validator/text_util.h"
#include "validator/traffic/exchange.h"

namespace specgate::server {

namespace {

using clock_type = std::chrono::steady_clock;

// Hop-by-hop headers (RFC 9110 7.6.1) and the framing the session sets itself.
bool is_hop_by_hop(std::string_view name) {
  static constexpr std::string_view names[] = {"connection", "keep-alive", "te", "trailer", "transfer-encoding",
                                               "upgrade", "proxy-connection", "proxy-authenticate",
                                               "proxy-authorization"};
  for (auto n : names)
    if (iequals(n, name)) return true;
  return name.size() >= 6 && iequals(name.substr(0, 6), "proxy-");
}

// Header names a Connection header lists: hop-by-hop too.
bool listed_in_connection(const header_list& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (!iequals(n, "connection")) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      if (iequals(trim(rest.substr(0, comma)), name)) return true;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return false;
}

// "127.0.0.1:5555" -> "127.0.0.1", "[::1]:5555" -> "::1".
std::string client_address(std::string_view remote) {
  if (!remote.empty() && remote.front() == '[') {
    const auto end = remote.find(']');
    return std::string(remote.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1));
  }
  return std::string(remote.substr(0, remote.rfind(':')));
}

nlohmann::json violations_json(const validator::violations& list) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& v : list) out.push_back(violation_json(v));
  return out;
}

// The upstream's streamed body on its way to the client: a failure after the head went out
// cannot become a 502, so it is reported here (log line, upstream error metric).
class observed_stream final : public body_source {
 public:
  observed_stream(std::shared_ptr<body_source> inner, std::function<void(const std::string&)> on_error)
      : inner_(std::move(inner)), on_error_(std::move(on_error)) {}
  void read(callback got) override {
    inner_->read([got = std::move(got), on_error = on_error_](std::string piece, bool last, std::string error) {
      if (!error.empty() && on_error) on_error(error);
      got(std::move(piece), last, std::move(error));
    });
  }
  void cancel() override { inner_->cancel(); }

 private:
  std::shared_ptr<body_source> inner_;
  std::function<void(const std::string&)> on_error_;
};

// The upstream client streams what the checks would not read anyway.
upstream_options streaming_above(upstream_options o, std::size_t max_check_bytes) {
  if (o.stream_above == 0) o.stream_above = std::max<std::size_t>(max_check_bytes, 1);
  return o;
}

}  // namespace

// Everything one exchange carries from the request to the recorders.
struct proxy_host::exchange_state {
  const http_request* request = nullptr;
  http_response* response = nullptr;
  std::function<void()> done;
  clock_type::time_point started;
  std::chrono::system_clock::time_point started_wall;
  const validator::operation* op = nullptr;
  validator::request_outcome outcome;
  std::string request_note;
  std::string response_note;
  std::string error;
  int upstream_status = 0;
  std::chrono::microseconds upstream_latency{0};
};

proxy_host::proxy_host(std::shared_ptr<const mock_service> service, std::string spec_name, proxy_options options,
                       recorder* records)
    : spec_name_(std::move(spec_name)),
      options_(std::move(options)),
      service_(std::move(service)),
      check_(std::make_unique<validator::exchange_check>(service_->contract(), options_.max_check_bytes,
                                                         service_->limits())),
      upstream_(std::make_unique<upstream_client>(streaming_above(options_.upstream, options_.max_check_bytes))),
      records_(records),
      journal_(options_.journal_size, options_.redact),
      admin_(
          metrics_, journal_,
          [this] {
            served_contract c;
            c.contract = std::shared_ptr<const validator::contract>(service_, &service_->contract());
            c.spec_name = spec_name_;
            c.loaded_at = loaded_at_;
            return c;
          },
          records ? std::function<void(http_response&)>([this](http_response& res) {
            const std::string error = records_->write_report();
            res.set_header("content-type", "application/json; charset=utf-8");
            if (!error.empty()) {
              res.status = 500;
              res.body = nlohmann::json{{"error", error}}.dump();
              return;
            }
            res.status = 200;
            res.body = records_->report_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
          })
                  : std::function<void(http_response&)>(),
          options_.admin,
          [this](int status, std::string_view message, http_response& res) { answer_own_error(status, message, res); }),
      loaded_at_(std::chrono::system_clock::now()) {
  metrics_.enable_proxy();
}

proxy_host::~proxy_host() = default;

const std::string& proxy_host::setup_error() const { return upstream_->setup_error(); }

header_list proxy_host::upstream_headers(const http_request& req) const {
  header_list out;
  out.reserve(req.headers.size() + 4);
  std::string forwarded_for;
  std::string via;
  for (const auto& [name, value] : req.headers) {
    if (is_hop_by_hop(name) || listed_in_connection(req.headers, name) || iequals(name, "content-length") ||
        iequals(name, "expect"))
      continue;
    if (iequals(name, "host")) {
      if (options_.preserve_host) out.emplace_back(name, value);
      continue;
    }
    if (iequals(name, "x-forwarded-for")) {
      forwarded_for += (forwarded_for.empty() ? "" : ", ") + value;
      continue;
    }
    if (iequals(name, "via")) {
      via += (via.empty() ? "" : ", ") + value;
      continue;
    }
    if (iequals(name, "x-forwarded-proto") || iequals(name, "x-forwarded-host")) continue;  // ours replace them
    out.emplace_back(name, value);
  }
  if (!options_.preserve_host) out.emplace_back("Host", options_.upstream.url.host_header());
  const std::string address = client_address(req.remote);
  if (!address.empty()) forwarded_for += (forwarded_for.empty() ? "" : ", ") + address;
  if (!forwarded_for.empty()) out.emplace_back("X-Forwarded-For", std::move(forwarded_for));
  out.emplace_back("X-Forwarded-Proto", options_.tls ? "https" : "http");
  if (const auto host = req.header("host"); !host.empty()) out.emplace_back("X-Forwarded-Host", std::string(host));
  via += (via.empty() ? "" : ", ") + std::string(req.version == 10 ? "1.0" : "1.1") + " specgate";
  out.emplace_back("Via", std::move(via));
  return out;
}

header_list proxy_host::client_headers(const header_list& upstream, bool head) {
  header_list out;
  out.reserve(upstream.size());
  for (const auto& [name, value] : upstream) {
    if (is_hop_by_hop(name) || listed_in_connection(upstream, name)) continue;
    if (iequals(name, "content-length") && !head) continue;  // the session frames the body it sends
    out.emplace_back(name, value);
  }
  return out;
}

void proxy_host::handle(const http_request& req, http_response& res, std::function<void()> done) {
  if (admin_.serves(req.target)) {
    admin_.handle(req, res);
    return done();
  }
  auto state = std::make_shared<exchange_state>();
  state->request = &req;
  state->response = &res;
  state->done = std::move(done);
  state->started = clock_type::now();
  state->started_wall = std::chrono::system_clock::now();

  validator::request_input in{req.method, req.target, req.headers, req.body};
  if (req.stream) {  // still arriving: forwarded as it comes, all but its bytes checked
    in.body_withheld = true;
    in.withheld_size = req.stream_length;
  }
  state->outcome = check_->check_request(in, state->request_note);
  if (!state->request_note.empty()) metrics_.record_unchecked("request", validator::unchecked_kind(state->request_note));
  if (req.stream) state->request_note += "; streamed, body not recorded";
  state->op = state->outcome.op;

  if (options_.enforce_requests && state->op && !state->outcome.found.empty()) {
    service_->answer(req, state->outcome, res);  // the profile's refusal, exactly as the mock gives it
    return finish(state);
  }

  http_request upstream_request;
  upstream_request.method = req.method;
  upstream_request.target = options_.upstream.url.base_path + req.target;
  upstream_request.headers = upstream_headers(req);
  upstream_request.body = req.body;
  upstream_request.stream = req.stream;
  upstream_request.stream_length = req.stream_length;
  upstream_request.version = 11;
  upstream_request.remote = req.remote;
  upstream_->send(upstream_request, [this, state](upstream_response answer) { on_upstream(state, std::move(answer)); });
}

void proxy_host::on_upstream(const std::shared_ptr<exchange_state>& state, upstream_response answer) {
  const http_request& req = *state->request;
  http_response& res = *state->response;
  state->upstream_latency = answer.latency;
  if (!answer.ok()) {
    const bool slow = answer.error == upstream_response::failure::timeout ||
                      answer.error == upstream_response::failure::connect_timeout;
    const bool client = answer.error == upstream_response::failure::client_body;
    state->error = answer.message;
    if (client) {
      // The client's streamed body broke off: the client's fault, not the upstream's. The session
      // answers it (408, 413, 400) or, when the client left, nothing.
      const int status = req.stream ? req.stream->failure_status() : 0;
      res.status = status ? status : 400;
    } else {
      metrics_.record_upstream_error(failure_name(answer.error));
      res.status = slow ? 504 : 502;
    }
    res.headers.clear();
    res.body.clear();
    render_own_error(service_->profile(), {}, res.status, answer.message, {}, res);
    return finish(state);
  }
  metrics_.record_upstream_latency(answer.latency);
  state->upstream_status = answer.status;
  const bool head = req.method == "HEAD";
  res.status = answer.status;
  res.headers = client_headers(answer.headers, head);
  res.body = std::move(answer.body);
  if (answer.stream) {
    // Past the check limit: the head goes to the client now, the body as it arrives.
    state->response_note = validator::too_large_note(answer.stream_length, options_.max_check_bytes) +
                            "; streamed, body not recorded";
    metrics_.record_unchecked("response", "too_large");
    res.stream_length = answer.stream_length;
    std::string method = req.method;
    std::string path = req.target.substr(0, req.target.find('?'));
    std::string operation = state->op ? std::string(state->op->operation_id) : std::string();
    res.stream = std::make_shared<observed_stream>(
        std::move(answer.stream), [this, method = std::move(method), path = std::move(path),
                                   operation = std::move(operation)](const std::string& error) {
          metrics_.record_upstream_error("closed");
          if (!options_.log) return;
          nlohmann::json line = {{"time", format_utc(std::chrono::system_clock::now())},
                                 {"method", method},
                                 {"path", path},
                                 {"operationId", operation.empty() ? nlohmann::json(nullptr) : nlohmann::json(operation)},
                                 {"error", "streamed response cut short, client connection closed: " + error}};
          options_.log(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        });
    return finish(state);
  }

  validator::violations found;
  if (state->op) {
    found = check_->check_response(*state->op, req.method, {res.status, res.headers, res.body}, state->response_note);
    if (!state->response_note.empty())
      metrics_.record_unchecked("response", validator::unchecked_kind(state->response_note));
  }
  if (options_.enforce_responses && !found.empty()) {
    res.headers.clear();
    res.body.clear();
    const std::string message = "The upstream's response (" + std::to_string(answer.status) +
                                ") violates the contract of " + std::string(state->op->operation_id) + ": " +
                                found.front().message +
                                (found.size() > 1 ? " (and " + std::to_string(found.size() - 1) + " more)" : "");
    render_own_error(service_->profile(), {}, 502, message, found, res);
    if (service_->profile() == validator::profile::kibana) {
      // Kibana's error body with the list in `attributes`, as Kibana's own errors carry details.
      nlohmann::json body = nlohmann::json::parse(res.body, nullptr, false);
      if (body.is_object()) {
        body["attributes"] = {{"violations", violations_json(found)}};
        res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
    }
  }
  res.response_violations = std::move(found);
  finish(state);
}

void proxy_host::finish(const std::shared_ptr<exchange_state>& state) {
  const http_request& req = *state->request;
  http_response& res = *state->response;
  if (res.violations.empty()) res.violations = state->outcome.found;
  if (state->op) res.operation_id = state->op->operation_id;
  if (!res.violations.empty()) res.set_header("specgate-violations", violations_header(res.violations));
  if (!res.response_violations.empty())
    res.set_header("specgate-response-violations", violations_header(res.response_violations));

  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - state->started);
  metrics_.record_request(res.operation_id, res.status);
  for (const auto* list : {&res.violations, &res.response_violations})
    for (const auto& v : *list) metrics_.record_violations(validator::location_name(v.location), v.code);
  metrics_.record_operation_violations(res.operation_id, "request", res.violations.size());
  metrics_.record_operation_violations(res.operation_id, "response", res.response_violations.size());
  if (journal_.capacity() > 0) journal_.add(req, res, took, state->started_wall);

  if (options_.log) {
    const std::string_view path = std::string_view(req.target).substr(0, req.target.find('?'));
    nlohmann::json line = {
        {"time", format_utc(state->started_wall)},
        {"method", req.method},
        {"path", path},
        {"operationId", state->op ? nlohmann::json(state->op->operation_id) : nlohmann::json(nullptr)},
        {"status", res.status},
        {"upstreamStatus", state->upstream_status ? nlohmann::json(state->upstream_status) : nlohmann::json(nullptr)},
        {"upstream_ms", static_cast<double>(state->upstream_latency.count()) / 1000.0},
        {"duration_ms", static_cast<double>(took.count()) / 1000.0},
        {"violations", violations_json(res.violations)},
        {"responseViolations", violations_json(res.response_violations)}};
    if (!state->request_note.empty()) line["requestNote"] = state->request_note;
    if (!state->response_note.empty()) line["responseNote"] = state->response_note;
    if (!state->error.empty()) line["error"] = state->error;
    options_.log(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }

  if (records_ && records_->active()) {
    auto e = std::make_unique<validator::exchange>();
    e->started = state->started_wall;
    e->duration = took;
    e->upstream = state->upstream_latency;
    e->method = req.method;
    e->target = req.target;
    e->request_headers = req.headers;
    e->request_body = req.body;
    e->http_version = req.version;
    e->status = res.status;
    e->response_headers = res.headers;
    e->response_body = res.body;
    if (state->op) {
      e->operation_id = state->op->operation_id;
      e->operation_method = to_lower(validator::method_name(state->op->method));
      e->operation_path = state->op->path;
    }
    e->request_violations = res.violations;
    e->response_violations = res.response_violations;
    e->request_note = state->request_note;
    e->response_note = state->response_note;
    e->error = state->error;
    records_->offer(std::move(e));
    metrics_.set_recorder_dropped(records_->dropped());
  }
  auto done = std::move(state->done);
  done();
}

void proxy_host::answer_own_error(int status, std::string_view message, http_response& res) const {
  service_->answer_own_error(status, message, res);
}

void proxy_host::complete(const http_request& req, const http_response&, std::chrono::microseconds took) {
  if (admin_.serves(req.target)) return;
  metrics_.record_latency(took);
}

}  // namespace specgate::server
