#include "server/mock/mock_service.h"
#include "validator/text_util.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <deque>

#include <nlohmann/json.hpp>

#include "validator/generate/generate.h"

namespace specgate::server {

using validator::json;

namespace {

// The statuses the mock answers on its own (invalid requests, Prefer, Accept,
// unservable responses); their bodies follow the declared error schema.
constexpr std::array<int, 8> own_error_statuses = {400, 401, 404, 405, 406, 413, 415, 500};

std::string_view unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

// A status that find_response() maps to `r` (the declared code itself, the
// first free code of a range, 200 or the first free code for `default`).
int representative_status(const validator::operation& op, const validator::response& r) {
  const int preferred = declared_status(r.status);
  if (validator::find_response(op, preferred) == &r) return preferred;
  for (int s = 100; s < 600; ++s)
    if (validator::find_response(op, s) == &r) return s;
  return preferred;
}

std::optional<int> parse_status(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.size() != 3 || value < 100 || value > 599)
    return std::nullopt;
  return value;
}

// Kibana's error key order first (statusCode, error, message), then the rest.
// Request bytes quoted in messages may not be UTF-8: they are replaced (U+FFFD), never thrown.
std::string dump_error_order(const json& value) {
  constexpr auto replace = json::error_handler_t::replace;
  if (!value.is_object()) return value.dump(-1, ' ', false, replace);
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const char* key : {"statusCode", "error", "message"})
    if (auto it = value.find(key); it != value.end())
      out[key] = nlohmann::ordered_json::parse(it->dump(-1, ' ', false, replace));
  for (const auto& [key, v] : value.items())
    if (!out.contains(key)) out[key] = nlohmann::ordered_json::parse(v.dump(-1, ' ', false, replace));
  return out.dump();
}

std::string explain_briefly(const validator::violations& found) {
  std::string why;
  for (const auto& v : found) {
    why += why.empty() ? "" : "; ";
    why += v.message;
    if (why.size() > 300) break;
  }
  return why;
}

validator::violation mock_violation(std::string code, std::string name, std::string expected, std::string found,
                                    std::string message, int status) {
  validator::violation v;
  v.code = std::move(code);
  v.location = validator::violation_location::header;
  v.name = std::move(name);
  v.expected = std::move(expected);
  v.found = std::move(found);
  v.message = std::move(message);
  v.status = status;
  return v;
}

// Generated data for `schema` that matches exactly one branch of every oneOf
// it passes through (schema.h, the strict reading), or nullopt. The static
// value first; where it matches several branches of a oneOf, that oneOf's
// branches in turn, then the same with optional properties included (an
// optional property often tells branches apart); at most max_attempts values.
std::optional<json> strictly_valid_data(const validator::contract& c, validator::schema_id schema,
                                        const validator::document& doc, const json& node, const std::string& pointer) {
  constexpr std::size_t max_attempts = 16;
  const auto& schemas = c.schemas();
  std::deque<validator::generate_options> todo(1);
  std::vector<std::pair<bool, std::vector<std::pair<const json*, std::size_t>>>> tried;
  auto push = [&](validator::generate_options o) {
    std::sort(o.branch_choices.begin(), o.branch_choices.end());
    std::pair<bool, std::vector<std::pair<const json*, std::size_t>>> key{o.required_only, o.branch_choices};
    if (std::find(tried.begin(), tried.end(), key) != tried.end()) return;
    tried.push_back(std::move(key));
    todo.push_back(std::move(o));
  };
  tried.push_back({true, {}});
  for (std::size_t attempt = 0; attempt < max_attempts && !todo.empty(); ++attempt) {
    validator::generate_options o = std::move(todo.front());
    todo.pop_front();
    json value = validator::generate_value(c.docs(), doc, node, pointer, o);
    if (!schemas.is_valid(schema, value)) continue;
    const auto overlaps = schemas.one_of_overlaps(schema, value);
    if (overlaps.empty()) {
      if (schemas.is_strictly_valid(schema, value)) return value;
      continue;
    }
    const auto& first = overlaps.front();
    const json* list = first.doc ? first.doc->find(first.pointer) : nullptr;
    if (list && list->is_array()) {
      for (std::size_t k = 0; k < list->size(); ++k) {
        validator::generate_options next = o;
        auto chosen = std::find_if(next.branch_choices.begin(), next.branch_choices.end(),
                                   [&](const auto& choice) { return choice.first == list; });
        if (chosen != next.branch_choices.end()) chosen->second = k;
        else next.branch_choices.emplace_back(list, k);
        push(std::move(next));
      }
    }
    if (o.required_only) {
      o.required_only = false;
      push(std::move(o));
    }
  }
  return std::nullopt;
}

// The warning for an answer valid only as anyOf: where, and which branches overlap.
void report_loose(validator::diagnostics& problems, const validator::operation& op, const validator::response& r,
                  const validator::media_type& m, const std::vector<validator::one_of_overlap>& overlaps,
                  const std::string& source) {
  std::string what = "the answer of " + op.operation_id + " " + r.status + " (" + m.key + ") is valid only as anyOf: " +
                     "no example and no generated data matches exactly one branch of every oneOf; serving " + source;
  if (overlaps.empty()) {
    problems.push_back(m.doc->make_diagnostic(m.pointer, std::move(what), validator::severity::warning));
    return;
  }
  const auto& o = overlaps.front();
  std::string branches;
  for (std::size_t b : o.branches) branches += (branches.empty() ? "#" : ", #") + std::to_string(b);
  what += ", which matches branches " + branches + " of the oneOf at " + o.schema_pointer + " (at " +
          (o.instance_pointer.empty() ? std::string("the body itself") : "body " + o.instance_pointer) + ")";
  const validator::document& where = o.doc && o.doc->find(o.pointer) ? *o.doc : *m.doc;
  problems.push_back(where.make_diagnostic(&where == o.doc ? o.pointer : m.pointer, std::move(what),
                                           validator::severity::warning));
}

}  // namespace

// ---------------------------------------------------------------- Prefer, Accept

preferences parse_prefer(validator::header_span headers) {
  preferences out;
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "prefer")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t cut = rest.find_first_of(",;");
      const std::string_view token = trim(rest.substr(0, cut));
      rest = cut == std::string_view::npos ? std::string_view() : rest.substr(cut + 1);
      const std::size_t eq = token.find('=');
      if (eq == std::string_view::npos) continue;
      const std::string key = to_lower(trim(token.substr(0, eq)));
      const std::string_view v = unquote(trim(token.substr(eq + 1)));
      if (key == "code") out.code = std::string(v);
      else if (key == "example") out.example = std::string(v);
      else if (key == "dynamic") out.dynamic = iequals(v, "true");
    }
  }
  return out;
}

std::optional<std::vector<accept_range>> parse_accept(validator::header_span headers) {
  std::vector<accept_range> ranges;
  bool seen = false;
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "accept")) continue;
    seen = true;
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      std::string_view item = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (item.empty()) continue;
      const std::size_t semi = item.find(';');
      const std::string range = to_lower(trim(item.substr(0, semi)));
      accept_range r;
      if (range != "*") {
        const std::size_t slash = range.find('/');
        if (slash == std::string::npos || slash == 0 || slash + 1 == range.size()) continue;
        r.type = range.substr(0, slash);
        r.subtype = range.substr(slash + 1);
        if (r.type == "*" && r.subtype != "*") continue;
      }
      std::string_view params = semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1);
      while (!params.empty()) {
        const std::size_t next = params.find(';');
        const std::string_view p = trim(params.substr(0, next));
        params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
        const std::size_t eq = p.find('=');
        if (eq == std::string_view::npos) continue;
        const std::string pname = to_lower(trim(p.substr(0, eq)));
        const std::string_view pvalue = unquote(trim(p.substr(eq + 1)));
        if (pname == "q") {
          try {
            r.q = std::clamp(std::stod(std::string(pvalue)), 0.0, 1.0);
          } catch (const std::exception&) {
            r.q = 1.0;
          }
        } else {
          r.parameters.emplace_back(pname, std::string(pvalue));
        }
      }
      ranges.push_back(std::move(r));
    }
  }
  if (!seen || ranges.empty()) return std::nullopt;
  return ranges;
}

namespace {

double acceptance_of(const std::vector<accept_range>& ranges, const std::string& essence,
                     const std::vector<std::string>& alternatives,
                     const std::vector<std::pair<std::string, std::string>>& parameters) {
  int best = -1;
  double q = 0;
  auto essence_matches = [&](const accept_range& r, const std::string& e) -> int {
    const std::size_t slash = e.find('/');
    const std::string_view type = std::string_view(e).substr(0, slash);
    const std::string_view subtype = slash == std::string::npos ? std::string_view() : std::string_view(e).substr(slash + 1);
    if (r.type == "*") return 0;
    if (r.type != type) return -1;
    if (r.subtype == "*") return 1;
    return r.subtype == subtype ? 2 : -1;
  };
  for (const auto& r : ranges) {
    int specificity = essence_matches(r, essence);
    for (const auto& alt : alternatives) specificity = std::max(specificity, essence_matches(r, alt));
    if (specificity < 0) continue;
    bool contradicts = false;
    for (const auto& [name, value] : r.parameters) {
      if (name == "charset") continue;
      for (const auto& [dname, dvalue] : parameters)
        if (dname == name) {
          if (iequals(dvalue, value)) ++specificity;
          else contradicts = true;
        }
    }
    if (contradicts) continue;
    if (specificity > best || (specificity == best && r.q > q)) {
      best = specificity;
      q = r.q;
    }
  }
  return best < 0 ? 0.0 : q;
}

}  // namespace

double acceptance(const std::vector<accept_range>& ranges, const validator::media_type& media) {
  return acceptance_of(ranges, media.essence, media.alternatives, media.parameters);
}

double acceptance(const std::vector<accept_range>& ranges, std::string_view content_type) {
  auto parsed = validator::parse_media_type(content_type);
  if (!parsed) return 0;
  return acceptance_of(ranges, parsed->first, {}, parsed->second);
}

std::uint64_t request_seed(std::string_view method, std::string_view target, std::string_view body) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  auto feed = [&](std::string_view s) {
    for (unsigned char c : s) {
      hash ^= c;
      hash *= 0x100000001b3ULL;
    }
  };
  feed(method);
  feed("\n");
  feed(target);
  feed("\n");
  feed(body);
  return hash;
}

// ---------------------------------------------------------------- start-up

std::pair<std::shared_ptr<const mock_service>, validator::diagnostics> mock_service::create(
    std::shared_ptr<const validator::contract> contract, mock_options options) {
  auto service = std::make_shared<mock_service>();
  validator::diagnostics problems;
  service->contract_ = std::move(contract);
  service->validator_ = std::make_unique<validator::request_validator>(*service->contract_, options.limits);
  service->max_payload_ = options.limits.max_payload;
  service->limits_ = options.limits;
  if (service->contract_->profile() == validator::profile::kibana)
    service->profile_headers_ =
        kibana_headers(options.server_name.empty() ? default_server_name() : options.server_name);
  service->response_validator_ = std::make_unique<validator::response_validator>(*service->contract_);
  service->strict_ = options.strict;
  service->log_ = std::move(options.log);
  const auto& ops = service->contract_->operations();
  service->operations_.resize(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) service->prepare(i, problems);
  auto loaded = load_fixtures(*service->contract_, options.fixtures);
  service->fixtures_ = std::move(loaded.fixtures);
  problems.insert(problems.end(), loaded.problems.begin(), loaded.problems.end());
  return {std::move(service), std::move(problems)};
}

void mock_service::prepare(std::size_t index, validator::diagnostics& problems) {
  const auto& c = *contract_;
  const auto& op = c.operations()[index];
  const auto& schemas = c.schemas();
  prepared_operation& prep = operations_[index];

  auto collect_version = [&](const std::vector<validator::media_type>& content) {
    for (const auto& m : content)
      if (prep.api_version.empty()) prep.api_version = api_version_of(m);
  };
  const bool kibana = c.profile() == validator::profile::kibana;
  if (kibana) {
    for (const auto& r : op.responses) collect_version(r.content);
    if (op.body) collect_version(op.body->content);
  }

  // Does `body` hold up to the response check? Content-type findings (a
  // malformed media-type key cannot be matched by anything) fall back to a
  // schema check of the JSON text.
  auto servable = [&](int status, const header_list& headers, const validator::media_type* media,
                      const std::string& content_type, const std::string& body, validator::violations* why) {
    header_list all = headers;
    if (!content_type.empty()) all.emplace_back("content-type", content_type);
    if (kibana && media)  // Kibana's pair: the plain JSON content type and the version header
      if (const std::string version = api_version_of(*media); !version.empty())
        all.emplace_back("elastic-api-version", version);
    auto found = response_validator_->check(op, {status, all, body});
    const bool content_type_only = !found.empty() && std::all_of(found.begin(), found.end(), [](const auto& v) {
      return v.location == validator::violation_location::content_type;
    });
    if (content_type_only && media) {
      if (media->schema == validator::no_schema) return true;
      json value = json::parse(body, nullptr, false);
      if (!value.is_discarded() && schemas.is_valid(media->schema, value)) return true;
    }
    const bool ok = found.empty();
    if (why) *why = std::move(found);
    return ok;
  };

  for (const auto& r : op.responses) {
    prepared_response pr;
    pr.declared = &r;
    pr.status = representative_status(op, r);
    for (const auto& h : r.headers) {
      if (!h.required || iequals(h.name, "content-type")) continue;
      json value = "x";
      const std::string schema_ptr = h.pointer + "/schema";
      // Header Objects may live in another file: the operation's first, then the one holding the pointer.
      const validator::document* doc = op.doc && op.doc->find(schema_ptr) ? op.doc : nullptr;
      for (const auto& d : c.docs().documents())
        if (!doc && d->find(schema_ptr)) doc = d.get();
      if (const json* schema_node = doc ? doc->find(schema_ptr) : nullptr)
        value = validator::generate_value(c.docs(), *doc, *schema_node, schema_ptr);
      pr.headers.emplace_back(h.name, value.is_string() ? value.get<std::string>() : value.dump());
    }
    for (const validator::media_type* m : preferred_media(r)) {
      prepared_media pm;
      pm.media = m;
      pm.content_type = content_type_for(*m, c.profile());
      // Answers hold under the strictest reading where they can (schema.h):
      // exactly one branch of every oneOf they pass through.
      const bool strict_matters =
          m->schema != validator::no_schema && is_json_media(m->essence) && schemas.reaches_one_of(m->schema);
      std::optional<prepared_body> loose;  // the first valid example, when none holds strictly
      const json* loose_value = nullptr;
      for (const auto& ex : m->examples) {
        std::string body = serialize_body(*m, *ex.value);
        validator::violations why;
        if (servable(pr.status, pr.headers, m, pm.content_type, body, &why)) {
          pm.examples.push_back({ex.name, std::move(body), "example '" + ex.name + "'"});
          if (!pm.fallback && (!strict_matters || schemas.is_strictly_valid(m->schema, *ex.value))) {
            pm.fallback = pm.examples.back();
          } else if (!pm.fallback && !loose) {
            loose = pm.examples.back();
            loose_value = ex.value;
          }
        } else {
          pm.invalid_examples.push_back(ex.name);
          problems.push_back(m->doc->make_diagnostic(
              ex.pointer, "example '" + ex.name + "' of " + op.operation_id + " " + r.status +
                              " does not match its schema and is never served: " + explain_briefly(why),
              validator::severity::warning));
        }
      }
      // An example valid only as anyOf: generated data that holds strictly beats it.
      std::optional<json> strict_generated;
      if (!pm.fallback && loose) {
        const std::string schema_ptr = m->pointer + "/schema";
        if (const json* schema_node = m->doc->find(schema_ptr))
          strict_generated = strictly_valid_data(c, m->schema, *m->doc, *schema_node, schema_ptr);
        if (strict_generated) {
          std::string body = serialize_body(*m, *strict_generated);
          if (servable(pr.status, pr.headers, m, pm.content_type, body, nullptr))
            pm.fallback = prepared_body{"", std::move(body), "generated"};
        }
        if (!pm.fallback) {
          pm.fallback = loose;
          report_loose(problems, op, r, *m, schemas.one_of_overlaps(m->schema, *loose_value), loose->source);
        }
      }
      if (pm.fallback) {
        // chosen above
      } else if (m->schema == validator::no_schema) {
        pm.fallback = prepared_body{"", is_json_media(m->essence) ? "{}" : "", "no schema"};
      } else {
        const std::string schema_ptr = m->pointer + "/schema";
        json generated;
        if (const json* schema_node = m->doc->find(schema_ptr)) {
          generated = validator::generate_value(c.docs(), *m->doc, *schema_node, schema_ptr);
          if (strict_matters && schemas.is_valid(m->schema, generated) && !schemas.is_strictly_valid(m->schema, generated)) {
            if (auto strict = strictly_valid_data(c, m->schema, *m->doc, *schema_node, schema_ptr))
              generated = std::move(*strict);
            else
              report_loose(problems, op, r, *m, schemas.one_of_overlaps(m->schema, generated), "generated data");
          }
        }
        std::string body = serialize_body(*m, generated);
        validator::violations why;
        if (servable(pr.status, pr.headers, m, pm.content_type, body, &why)) {
          pm.fallback = prepared_body{"", std::move(body), "generated"};
        } else if (is_ndjson_media(m->essence) && servable(pr.status, pr.headers, m, pm.content_type, "", nullptr)) {
          // Kibana describes some exports as one binary string: an empty stream is a valid export.
          pm.fallback = prepared_body{"", "", "empty ndjson stream"};
        } else {
          problems.push_back(m->doc->make_diagnostic(
              m->pointer,
              "no valid body for " + op.operation_id + " " + r.status + " (" + m->key +
                  "): no valid example, and generated data does not match the schema (" + explain_briefly(why) +
                  "); the mock answers 500 instead of serving it",
              validator::severity::warning));
        }
      }
      pr.media.push_back(std::move(pm));
    }
    prep.responses.push_back(std::move(pr));
  }
  if (const auto* success = op.success_response())
    prep.success = static_cast<int>(success - op.responses.data());

  // Error bodies for the statuses the mock answers itself: Kibana's shape,
  // adapted to the declared schema when that rejects it.
  for (int status : own_error_statuses) {
    const validator::response* r = validator::find_response(op, status);
    if (!r || r->content.empty()) continue;
    const prepared_response& pr = prep.responses[static_cast<std::size_t>(r - op.responses.data())];
    const prepared_media& pm = pr.media.front();
    const validator::media_type& m = *pm.media;
    error_template t;
    t.status = status;
    t.schema = m.schema;
    t.content_type = m.essence == "application/json" ? "application/json; charset=utf-8" : pm.content_type;
    // The profile's own error fields: Kibana's, or RFC 9457's.
    const std::string message_key = kibana ? "message" : "detail";
    const json own = kibana ? json{{"statusCode", status},
                                   {"error", std::string(kibana_error_phrase(status))},
                                   {"message", std::string(reason_phrase(status))}}
                            : json{{"type", "about:blank"},
                                   {"title", std::string(reason_phrase(status))},
                                   {"status", status},
                                   {"detail", std::string(reason_phrase(status))}};
    auto valid = [&](const json& v) { return m.schema == validator::no_schema || schemas.is_valid(m.schema, v); };
    // The profile's fields laid over a valid base, as many as the schema allows.
    auto overlay = [&](json base) -> std::optional<json> {
      if (!base.is_object()) return valid(base) ? std::optional<json>(std::move(base)) : std::nullopt;
      json merged = base;
      merged.update(own);
      if (valid(merged)) return merged;
      if (!valid(base)) return std::nullopt;
      for (const auto& [key, value] : own.items()) {
        json trial = base;
        trial[key] = value;
        if (valid(trial)) base = std::move(trial);
      }
      return base;
    };
    std::optional<json> chosen;
    if (valid(own)) chosen = own;
    if (!chosen && m.schema != validator::no_schema) {
      const std::string schema_ptr = m.pointer + "/schema";
      if (const json* schema_node = m.doc->find(schema_ptr))
        chosen = overlay(validator::generate_value(c.docs(), *m.doc, *schema_node, schema_ptr));
    }
    if (!chosen)
      for (const auto& ex : m.examples)
        if (!chosen && std::find(pm.invalid_examples.begin(), pm.invalid_examples.end(), ex.name) ==
                           pm.invalid_examples.end())
          chosen = overlay(*ex.value);
    if (!chosen) {
      problems.push_back(m.doc->make_diagnostic(
          m.pointer,
          "the " + r->status + " schema of " + op.operation_id + " rejects " +
              (kibana ? "Kibana's error body" : "a problem+json body") + " and no valid body could be made for it; " +
              "the mock answers " + std::to_string(status) + " with " +
              (kibana ? "Kibana's plain body" : "application/problem+json"),
          validator::severity::warning));
      continue;
    }
    // A declared error schema's own fields say what happened where the schema lets them: its
    // integer `code`/`status`/`statusCode` the status, its string `message` the live message
    // (instead of generated placeholders).
    if (chosen->is_object())
      for (const char* key : {"code", "status", "statusCode", "message"}) {
        auto it = chosen->find(key);
        if (it == chosen->end() || it->is_string() != (std::string_view(key) == "message")) continue;
        json trial = *chosen;
        trial[key] = std::string_view(key) == "message" ? json(std::string(reason_phrase(status))) : json(status);
        if (valid(trial)) *chosen = std::move(trial);
      }
    t.value = std::move(*chosen);
    for (const char* key : {message_key.c_str(), "message"})
      if (t.value.is_object() && t.value.contains(key) && t.value[key] == json(std::string(reason_phrase(status))) &&
          std::find(t.message_keys.begin(), t.message_keys.end(), key) == t.message_keys.end())
        t.message_keys.emplace_back(key);
    t.body = is_json_media(m.essence) || !t.value.is_string() ? dump_error_order(t.value) : t.value.get<std::string>();
    prep.errors.push_back(std::move(t));
  }

  // The plain answer, fully built: what a request without Prefer, Accept or fixture gets.
  canned_response& answer = prep.fallback;
  if (prep.success < 0) {
    if (op.responses.empty() && op.not_implemented) {
      // Responses declared, none usable (reported at load): nothing the document allows to answer.
      answer.status = 501;
      answer.content_type = "application/json; charset=utf-8";
      answer.body = kibana_error_body(501, "specgate: " + op.operation_id +
                                               " declares no usable response (see the start-up errors)");
      answer.source = "no usable response";
      return;
    }
    if (op.responses.empty()) {
      // Kibana declares `responses: {}` on a few operations: the mock answers 200 {}.
      answer.content_type = "application/json; charset=utf-8";
      answer.body = "{}";
      answer.source = "empty responses";
      return;
    }
    prep.success = 0;  // no success response: the first declared one
  }
  const prepared_response& pr = prep.responses[static_cast<std::size_t>(prep.success)];
  answer.status = pr.status;
  if (pr.media.empty()) {
    if (!prep.api_version.empty()) answer.headers.emplace_back("elastic-api-version", prep.api_version);
    answer.headers.insert(answer.headers.end(), pr.headers.begin(), pr.headers.end());
    answer.source = "no content";
    return;
  }
  const prepared_media& pm = pr.media.front();
  prep.fallback_media = pm.media;
  const std::string version = api_version_of(*pm.media).empty() ? prep.api_version : api_version_of(*pm.media);
  if (!version.empty()) answer.headers.emplace_back("elastic-api-version", version);
  answer.headers.insert(answer.headers.end(), pr.headers.begin(), pr.headers.end());
  if (!pm.fallback) {
    const std::string why =
        "specgate: no valid body for " + op.operation_id + " " + pr.declared->status + " (see the start-up warnings)";
    answer.status = 500;
    answer.content_type = kibana ? "application/json; charset=utf-8" : std::string(problem_content_type);
    answer.body = kibana ? kibana_error_body(500, why) : problem_body(500, why, {});
    answer.source = "unservable";
    return;
  }
  answer.content_type = pm.content_type;
  answer.body = pm.fallback->body;
  answer.source = pm.fallback->source;
}

// ---------------------------------------------------------------- requests

void mock_service::answer_error(const validator::operation* op, int status, std::string_view message,
                                const validator::violations& found, http_response& response) const {
  response.status = status;
  if (op) {
    const prepared_operation& prep = operations_[static_cast<std::size_t>(op - contract_->operations().data())];
    for (const auto& t : prep.errors) {
      if (t.status != status) continue;
      response.set_header("content-type", t.content_type);
      response.body = t.body;
      if (!t.message_keys.empty() && message != reason_phrase(status)) {
        json live = t.value;
        for (const auto& key : t.message_keys) live[key] = message;
        if (t.schema == validator::no_schema || contract_->schemas().is_valid(t.schema, live))
          response.body = dump_error_order(live);
      }
      return;
    }
  }
  render_own_error(profile(), {}, status, message, found, response);  // profile headers: added by handle()
}

void mock_service::answer_own_error(int status, std::string_view message, http_response& response) const {
  std::string text(message);
  if (profile() == validator::profile::kibana && status == 413)
    text = "Payload content length greater than maximum allowed: " + std::to_string(max_payload_);
  render_own_error(profile(), profile_headers_, status, text, {}, response);
}

void mock_service::check_own_answer(const validator::operation& op, bool request_valid,
                                    http_response& response) const {
  auto found = response_validator_->check(op, {response.status, response.headers, response.body});
  if (!request_valid) {
    // Kibana answers invalid requests with statuses and bodies many specs do
    // not declare (401, a body on a content-less 400): `lint` covers those.
    std::erase_if(found, [](const validator::violation& v) {
      return v.code == "undeclared_status" || v.code == "undeclared_body";
    });
  }
  if (found.empty()) return;
  response.set_header("specgate-response-violations", violations_header(found));
  if (log_)
    for (const auto& v : found)
      log_("specgate: strict: " + op.operation_id + " answered " + std::to_string(response.status) + ": " +
           v.message);
  response.response_violations = std::move(found);
}

void mock_service::answer_invalid(const validator::request_outcome& outcome, http_response& response) const {
  response.violations = outcome.found;
  const bool kibana = profile() == validator::profile::kibana;
  if (!outcome.redirect_location.empty()) {  // kibana: a GET with a trailing slash
    response.status = 302;
    response.set_header("location", outcome.redirect_location);
    return;
  }
  const auto& first = outcome.found.front();
  // Kibana says no more than the phrase for 401 and 404; problem+json says what was wrong.
  std::string_view message = first.message;
  if (kibana ? first.status == 404 || first.status == 401 : message.empty()) message = reason_phrase(first.status);
  answer_error(outcome.op, first.status, message, outcome.found, response);
  if (kibana) {
    // Kibana's versioned router answers its own validation errors with the version header, not its version errors.
    if (outcome.op && first.status == 400 && first.code != "xsrf" && first.code != "api_version") {
      std::string version = outcome.api_version;
      if (version.empty()) version = operations_[outcome.route->operation].api_version;
      if (!version.empty()) response.set_header("elastic-api-version", version);
    }
    return;
  }
  if (first.status == 405 && !outcome.allowed.empty()) {
    std::string allow;
    for (auto m : outcome.allowed) allow += (allow.empty() ? "" : ", ") + std::string(validator::method_name(m));
    response.set_header("allow", std::move(allow));
  }
  if (first.status == 401)
    for (const auto& challenge : outcome.challenges) response.headers.emplace_back("www-authenticate", challenge);
}

void mock_service::handle(const http_request& request, http_response& response) const {
  validator::request_input input{request.method, request.target, request.headers, request.body};
  answer(request, validator_->check(input), response);
}

void mock_service::answer(const http_request& request, const validator::request_outcome& outcome,
                          http_response& response) const {
  if (outcome.op) response.operation_id = outcome.op->operation_id;
  const bool valid = outcome.found.empty() && outcome.redirect_location.empty();
  if (!valid) {
    answer_invalid(outcome, response);
  } else {
    answer_valid(request, outcome, response);
    // kibana: the version the request is served with (stated, or the route's oldest).
    if (!outcome.api_version.empty() && response.violations.empty())
      response.set_header("elastic-api-version", outcome.api_version);
  }
  if (!response.violations.empty()) response.set_header("specgate-violations", violations_header(response.violations));
  if (strict_ && outcome.op && outcome.redirect_location.empty())
    check_own_answer(*outcome.op, valid && response.violations.empty(), response);
  add_missing_headers(profile_headers_, response);
}

void mock_service::answer_valid(const http_request& request, const validator::request_outcome& outcome,
                                http_response& response) const {
  const std::size_t index = outcome.route->operation;
  const validator::operation& op = *outcome.op;
  const prepared_operation& prep = operations_[index];
  const auto fixtures = fixtures_.for_operation(index);
  const auto accept = parse_accept(request.headers);
  const bool has_prefer = request.has_header("prefer");

  auto serve_canned = [&](const canned_response& a) {
    response.status = a.status;
    for (const auto& [name, value] : a.headers) response.headers.emplace_back(name, value);
    if (!a.content_type.empty()) response.headers.emplace_back("content-type", a.content_type);
    response.body = a.body;
  };
  // Fast path: nothing to choose.
  if (!has_prefer && fixtures.empty() &&
      (!accept || !prep.fallback_media || acceptance(*accept, *prep.fallback_media) > 0))
    return serve_canned(prep.fallback);

  const preferences prefs = has_prefer ? parse_prefer(request.headers) : preferences{};
  auto refuse = [&](int status, validator::violation v) {
    response.violations.push_back(std::move(v));
    answer_error(&op, status, response.violations.back().message, response.violations, response);
  };

  // 1. The status: Prefer code=, else the success response.
  const prepared_response* pr = nullptr;
  int status = prep.fallback.status;
  if (prefs.code) {
    const auto code = parse_status(*prefs.code);
    const validator::response* declared = code ? validator::find_response(op, *code) : nullptr;
    if (declared) {
      pr = &prep.responses[static_cast<std::size_t>(declared - op.responses.data())];
    } else if (!(op.responses.empty() && code == 200)) {
      std::string list;
      for (const auto& r : op.responses) list += (list.empty() ? "" : ", ") + r.status;
      return refuse(404, mock_violation("prefer_code", "prefer", list.empty() ? "none declared" : list, *prefs.code,
                                        "Requested status code " + *prefs.code + " is not defined in the document for " +
                                            op.operation_id + " (declared: " + (list.empty() ? "none" : list) + ")",
                                        404));
    }
    status = code ? *code : 200;
  } else if (prep.success >= 0) {
    pr = &prep.responses[static_cast<std::size_t>(prep.success)];
    status = pr->status;
  }

  // 2. Fixtures, in file order: the first whose conditions hold. An explicit
  //    `example=` takes only the fixture of that name; `dynamic=true` skips them.
  if (!fixtures.empty()) {
    const fixture_request facts(*outcome.route, request.target, request.headers, request.body);
    for (const fixture& f : fixtures) {
      if (prefs.code && f.status != status) continue;
      if (prefs.example ? f.name != *prefs.example : prefs.dynamic.value_or(false)) continue;
      if (!facts.matches(f)) continue;
      if (accept && !f.content_type.empty() && acceptance(*accept, f.content_type) <= 0) continue;
      response.status = f.status;
      for (const auto& [name, value] : f.headers) response.headers.emplace_back(name, value);
      if (!prep.api_version.empty() && response.header("elastic-api-version").empty())
        response.headers.emplace_back("elastic-api-version", prep.api_version);
      if (!f.content_type.empty()) response.headers.emplace_back("content-type", f.content_type);
      response.body = f.body;
      return;
    }
  }

  // `responses: {}`: nothing declared, 200 {}.
  if (!pr) {
    if (op.responses.empty()) return serve_canned(prep.fallback);
    return refuse(500, mock_violation("no_response", "", "a declared response", "none",
                                      op.operation_id + " declares no response the mock can serve", 500));
  }

  auto add_headers = [&](const validator::media_type* media) {
    response.status = status;
    std::string version = media ? api_version_of(*media) : std::string();
    if (version.empty()) version = prep.api_version;
    if (!version.empty()) response.headers.emplace_back("elastic-api-version", version);
    for (const auto& [name, value] : pr->headers) response.headers.emplace_back(name, value);
  };
  if (pr->media.empty()) return add_headers(nullptr);  // no content: Accept and examples do not apply

  // 3. The media type: Accept decides (highest q, then the mock's preference order).
  const prepared_media* pm = nullptr;
  if (!accept) {
    pm = &pr->media.front();
  } else {
    double best = 0;
    for (const auto& m : pr->media)
      if (const double q = acceptance(*accept, *m.media); q > best) {
        best = q;
        pm = &m;
      }
  }
  if (!pm) {
    std::string declared;
    for (const auto& m : pr->media) declared += (declared.empty() ? "" : ", ") + m.media->key;
    const std::string asked(request.header("accept"));
    return refuse(406, mock_violation("not_acceptable", "accept", declared, asked,
                                      "None of the media types of " + op.operation_id + " " + pr->declared->status +
                                          " [" + declared + "] is acceptable to [" + asked + "]",
                                      406));
  }

  // 4. The body: Prefer example=, dynamic=true, else the prepared one.
  const prepared_body* chosen = nullptr;
  if (prefs.example) {
    auto find_example = [&](const prepared_media& m) -> const prepared_body* {
      for (const auto& ex : m.examples)
        if (ex.name == *prefs.example) return &ex;
      return nullptr;
    };
    chosen = find_example(*pm);
    for (const auto& m : pr->media)  // another acceptable media type may hold it
      if (!chosen && &m != pm && (!accept || acceptance(*accept, *m.media) > 0) && (chosen = find_example(m))) pm = &m;
    if (!chosen) {
      bool invalid = false;
      std::string names;
      for (const auto& m : pr->media) {
        for (const auto& ex : m.examples) names += (names.empty() ? "" : ", ") + ex.name;
        invalid = invalid || std::find(m.invalid_examples.begin(), m.invalid_examples.end(), *prefs.example) !=
                                 m.invalid_examples.end();
      }
      for (const auto& f : fixtures)
        if (!f.name.empty()) names += (names.empty() ? "" : ", ") + f.name;
      return refuse(404, mock_violation("prefer_example", "prefer", names.empty() ? "no examples" : names,
                                        *prefs.example,
                                        "Response for " + op.operation_id + " " + pr->declared->status +
                                            " and example '" + *prefs.example + "' does not exist" +
                                            (invalid ? " (the spec's example of that name does not match its "
                                                       "schema and is never served)"
                                                     : "") +
                                            "; available: " + (names.empty() ? "none" : names),
                                        404));
    }
  } else if (prefs.dynamic.value_or(false) && pm->media->schema != validator::no_schema) {
    const validator::media_type& m = *pm->media;
    const std::string schema_ptr = m.pointer + "/schema";
    if (const json* schema_node = m.doc->find(schema_ptr)) {
      validator::generate_options options;
      options.seed = request_seed(request.method, request.target, request.body);
      options.dynamic = true;
      options.required_only = false;
      std::string body = serialize_body(m, validator::generate_value(contract_->docs(), *m.doc, *schema_node,
                                                                     schema_ptr, options));
      header_list check_headers = pr->headers;
      check_headers.emplace_back("content-type", pm->content_type);
      if (response_validator_->check(op, {status, check_headers, body}).empty()) {
        add_headers(pm->media);
        response.headers.emplace_back("content-type", pm->content_type);
        response.body = std::move(body);
        return;
      }
    }
  }
  if (!chosen && pm->fallback) chosen = &*pm->fallback;
  if (!chosen)
    return refuse(500, mock_violation("unservable", "", "a valid body", "none",
                                      "specgate: no valid body for " + op.operation_id + " " + pr->declared->status +
                                          " (" + pm->media->key + "); see the start-up warnings",
                                      500));
  add_headers(pm->media);
  response.headers.emplace_back("content-type", pm->content_type);
  response.body = chosen->body;
}

}  // namespace specgate::server
