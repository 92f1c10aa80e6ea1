// Valid requests for an operation: parameter values, headers and body candidates, and their rendering.
#include "validator/generate/request_builder.h"

#include <algorithm>
#include <array>
#include <span>

#include "validator/contract/param_decode.h"
#include "validator/contract/param_encode.h"
#include "validator/document/loader.h"
#include "validator/generate/generate.h"
#include "validator/text_util.h"

namespace specgate::validator {

namespace {

constexpr std::size_t max_form_depth = 128;  // the request check's default JSON depth
constexpr std::size_t path_alternatives = 6;  // values per path parameter tried to route to the operation

bool is_ndjson(std::string_view essence) { return essence == "application/x-ndjson" || essence == "application/ndjson"; }
bool is_form(std::string_view essence) {
  return essence == "application/x-www-form-urlencoded" || essence == "multipart/form-data";
}

// Kibana's XSRF rule applies to every method but these.
bool is_safe(http_method m) { return m == http_method::get || m == http_method::head || m == http_method::options; }

// The generator's settings to try in turn: the mock's static value (required properties only), the
// same with optional properties (they often tell oneOf branches apart), then seeded dynamic choices.
std::vector<generate_options> attempts(std::uint64_t seed) {
  std::vector<generate_options> out;
  generate_options o;
  o.seed = seed;
  o.dir = direction::request;
  out.push_back(o);
  o.required_only = false;
  out.push_back(o);
  o.dynamic = true;
  for (std::uint64_t k = 1; k <= 6; ++k) {
    o.seed = seed * 0x9E3779B97F4A7C15ull + k;
    o.required_only = k % 2 == 0;
    out.push_back(o);
  }
  return out;
}

// An empty array as the value or one of its properties: in a query ("?ids=") Kibana reads an empty
// string, and in a body it often means "nothing to do"; values without one are preferred.
bool has_empty_array(const json& v) {
  if (v.is_array()) return v.empty();
  if (v.is_object())
    for (const auto& [k, item] : v.items())
      if (item.is_array() && item.empty()) return true;
  return false;
}

// Header values must survive the wire unchanged: visible ASCII and inner spaces only.
bool header_safe(std::string_view text) {
  if (!text.empty() && (text.front() == ' ' || text.back() == ' ')) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

std::string version_of(const media_type& m) {
  for (const auto& [name, value] : m.parameters)
    if (name == "elastic-api-version") return value;
  return {};
}

std::vector<form_field> form_fields(const json& body) {
  std::vector<form_field> fields;
  if (body.is_object())
    for (const auto& [k, v] : body.items()) fields.push_back({k, scalar_text(v), false});
  return fields;
}

std::string example_name(const example& ex) {
  return ex.pointer.ends_with("/example") && ex.name == "example" ? std::string("example") : "example '" + ex.name + "'";
}

bool contains_header(const header_pairs& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
}

}  // namespace

// ---------------------------------------------------------------- built_request

std::string built_request::target() const {
  std::string path = op ? op->path : std::string();
  for (const auto& p : params) {
    if (p.declared->in != param_location::path) continue;
    const std::string placeholder = "{" + p.declared->name + "}";
    if (auto at = path.find(placeholder); at != std::string::npos)
      path.replace(at, placeholder.size(), encode_parameter(*p.declared, p.value));
  }
  // Template variables no parameter fills (undeclared, or removed): "x1", a value the router matches.
  for (std::size_t open = path.find('{'); open != std::string::npos; open = path.find('{', open)) {
    const std::size_t close = path.find('}', open);
    if (close == std::string::npos) break;
    path.replace(open, close - open + 1, "x1");
  }
  std::string query;
  for (const auto& p : params) {
    if (p.declared->in != param_location::query) continue;
    std::string item = encode_parameter(*p.declared, p.value);
    if (item.empty()) continue;
    query += (query.empty() ? "" : "&") + item;
  }
  return prefix + path + (query.empty() ? "" : "?" + query);
}

std::string built_request::render_body() const {
  if (!media) return {};
  const std::string& essence = media->essence;
  if (is_json_essence(essence)) return body.dump();
  if (is_ndjson(essence)) return body.is_string() ? body.get<std::string>() : body.dump() + "\n";
  if (essence == "application/x-www-form-urlencoded") {
    std::string out;
    for (const auto& f : form_fields(body))
      out += (out.empty() ? "" : "&") + percent_encode(f.name) + "=" + percent_encode(f.value);
    return out;
  }
  if (essence == "multipart/form-data") {
    // As a client (curl -F) sends it: a file part for a binary property, a plain part for the rest.
    std::string out;
    for (const auto& f : form_fields(body)) {
      out += "--" + std::string(multipart_boundary) + "\r\nContent-Disposition: form-data; name=\"" + f.name + "\"";
      if (std::find(file_fields.begin(), file_fields.end(), f.name) != file_fields.end())
        out += "; filename=\"" + f.name + ".bin\"\r\nContent-Type: application/octet-stream";
      out += "\r\n\r\n" + f.value + "\r\n";
    }
    return out + "--" + std::string(multipart_boundary) + "--\r\n";
  }
  return scalar_text(body);
}

rendered_request built_request::render() const {
  rendered_request r;
  r.method = method;
  r.target = target();
  r.headers = headers;
  std::string cookie;
  for (const auto& p : params) {
    if (p.declared->in == param_location::header) {
      r.headers.emplace_back(p.declared->name, encode_parameter(*p.declared, p.value));
    } else if (p.declared->in == param_location::cookie) {
      std::string text = encode_parameter(*p.declared, p.value);
      if (!text.empty()) cookie += (cookie.empty() ? "" : "; ") + text;
    }
  }
  if (!cookie.empty()) r.headers.emplace_back("Cookie", std::move(cookie));
  r.body = render_body();
  return r;
}

param_value* built_request::param(std::string_view name, param_location in) {
  for (auto& p : params)
    if (p.declared->in == in && p.declared->name == name) return &p;
  return nullptr;
}

bool built_request::remove_param(std::string_view name, param_location in) {
  const auto it = std::find_if(params.begin(), params.end(),
                               [&](const param_value& p) { return p.declared->in == in && p.declared->name == name; });
  if (it == params.end()) return false;
  params.erase(it);
  return true;
}

void built_request::set_header(std::string name, std::string value) {
  for (auto& h : headers)
    if (iequals(h.first, name)) {
      h.second = std::move(value);
      return;
    }
  headers.emplace_back(std::move(name), std::move(value));
}

bool built_request::remove_header(std::string_view name) {
  const auto before = headers.size();
  std::erase_if(headers, [&](const auto& h) { return iequals(h.first, name); });
  return headers.size() != before;
}

// ---------------------------------------------------------------- request_builder

request_builder::request_builder(const contract& c, request_build_options options)
    : contract_(c), options_(std::move(options)), kibana_(c.profile() == profile::kibana) {}

bool request_builder::reads_back_valid(const parameter& p, const json& value) const {
  const std::string text = encode_parameter(p, value);
  raw_param_input input;
  input.other_names = p.siblings;
  parsed_pairs pairs;
  std::string path_value;
  std::array<std::string_view, 1> header_value{text};
  switch (p.in) {
    case param_location::path:
      // The router hands the check the percent-decoded segment; an empty one routes nowhere.
      if (text.empty() || !percent_decode(text, path_value)) return false;
      input.path_value = path_value;
      break;
    case param_location::query:
      pairs = parse_query(text);
      input.pairs = pairs.pairs;
      break;
    case param_location::header:
      if (!header_safe(text)) return false;
      input.header_values = header_value;
      break;
    case param_location::cookie:
      pairs = parse_cookies(text);
      input.pairs = pairs.pairs;
      break;
  }
  const decode_result decoded = decode_parameter(p, p.shape, input);
  if (!decoded.ok() || !decoded.value) return false;
  return p.schema == no_schema || contract_.schemas().is_valid(p.schema, *decoded.value);
}

std::vector<json> request_builder::parameter_values(const parameter& p, std::size_t limit) const {
  std::vector<json> tries;
  // The Parameter Object's own examples first: realistic values (an agent id, a date).
  const json* object = p.doc ? p.doc->find(p.pointer) : nullptr;
  const json* schema = nullptr;
  std::string schema_pointer;
  if (object && object->is_object()) {
    if (auto ex = object->find("example"); ex != object->end()) tries.push_back(*ex);
    if (auto exs = object->find("examples"); exs != object->end() && exs->is_object())
      for (const auto& [name, entry] : exs->items()) {
        const resolved_node r =
            contract_.docs().deref(*p.doc, &entry, pointer_append(pointer_append(p.pointer, "examples"), name));
        if (r.node && r.node->is_object())
          if (auto v = r.node->find("value"); v != r.node->end()) tries.push_back(*v);
      }
    if (auto s = object->find("schema"); s != object->end()) {
      schema = &*s;
      schema_pointer = pointer_append(p.pointer, "schema");
    } else if (auto content = object->find("content"); content != object->end() && content->is_object() &&
                                                       content->size() == 1 && content->begin()->is_object()) {
      if (auto s2 = content->begin()->find("schema"); s2 != content->begin()->end()) {
        schema = &*s2;
        schema_pointer = pointer_append(pointer_append(pointer_append(p.pointer, "content"), content->begin().key()),
                                        "schema");
      }
    }
  }
  if (schema)
    for (const auto& o : attempts(options_.seed))
      tries.push_back(generate_value(contract_.docs(), *p.doc, *schema, schema_pointer, o));
  else
    tries.push_back("x1");  // no schema: any value

  std::vector<json> good, fallback;  // fallback: valid, but with an empty array
  for (auto& v : tries) {
    if (good.size() >= limit) break;
    if (std::find(good.begin(), good.end(), v) != good.end() ||
        std::find(fallback.begin(), fallback.end(), v) != fallback.end())
      continue;
    if (!reads_back_valid(p, v)) continue;
    (has_empty_array(v) ? fallback : good).push_back(std::move(v));
  }
  for (auto& v : fallback)
    if (good.size() < limit) good.push_back(std::move(v));
  return good;
}

std::vector<std::string> request_builder::binary_properties(const media_type& m) const {
  std::vector<std::string> out;
  const std::string at = pointer_append(m.pointer, "schema");
  const json* schema = m.doc ? m.doc->find(at) : nullptr;
  const resolved_node s = schema ? contract_.docs().deref(*m.doc, schema, at) : resolved_node{};
  if (!s.node || !s.node->is_object()) return out;
  auto props = s.node->find("properties");
  if (props == s.node->end() || !props->is_object()) return out;
  for (const auto& [name, node] : props->items()) {
    const resolved_node p =
        contract_.docs().deref(*s.doc, &node, pointer_append(pointer_append(s.pointer, "properties"), name));
    if (p.node && p.node->is_object() && p.node->value("format", "") == "binary") out.push_back(name);
  }
  return out;
}

bool request_builder::body_valid(const media_type& m, const json& value) const {
  if (m.schema == no_schema) return true;
  const auto& schemas = contract_.schemas();
  const std::string& essence = m.essence;
  if (is_json_essence(essence)) return schemas.is_valid(m.schema, value);
  if (is_ndjson(essence)) {
    if (!value.is_string()) return schemas.is_valid(m.schema, value);
    std::string_view rest = value.get_ref<const std::string&>();
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      if (trim(line).empty()) continue;
      const json parsed = json::parse(line, nullptr, false);
      if (parsed.is_discarded() || !schemas.is_valid(m.schema, parsed)) return false;
    }
    return true;
  }
  if (essence == "text/plain") return value.is_string() && schemas.is_valid(m.schema, value);
  if (is_form(essence)) {
    // As the request check reads the rendered fields back.
    const auto fields = form_fields(value);
    const form_decode_result decoded = decode_form_fields(m.form_shape, fields, m.form_encodings, max_form_depth);
    return !decoded.error && schemas.is_valid(m.schema, decoded.value);
  }
  return true;  // octet streams and other binary types: any bytes
}

operation_requests request_builder::build(const operation& op) const {
  operation_requests out;
  out.op = &op;
  const std::string method(method_name(op.method));

  // A spec defect first: Kibana's GET routes read no body, so a required one can never be sent.
  const bool reads_no_body = kibana_ && (op.method == http_method::get || op.method == http_method::head);
  if (reads_no_body && op.body && op.body->required) {
    out.problem = method + " declares a required body, which Kibana never reads (its " + method +
                  " routes parse no payload): a spec defect";
    return out;
  }

  // The body's media type: JSON first.
  const media_type* media = nullptr;
  if (op.body && !reads_no_body) {
    for (const auto& m : op.body->content)
      if (is_json_essence(m.essence)) {
        media = &m;
        break;
      }
    if (!media && !op.body->content.empty()) media = &op.body->content.front();
  } else if (op.body && !op.body->content.empty()) {
    out.notes.push_back("the optional body is not sent: Kibana's " + method + " routes parse no payload");
  }

  // Protocol headers, then the caller's.
  header_pairs headers;
  if (media) {
    if (media->essence == "multipart/form-data")
      headers.emplace_back("Content-Type", "multipart/form-data; boundary=" + std::string(multipart_boundary));
    else
      headers.emplace_back("Content-Type", parse_media_type(media->key) ? media->key : media->essence);
  }
  if (kibana_ && !is_safe(op.method)) headers.emplace_back("kbn-xsrf", "true");
  if (kibana_) {
    const std::vector<std::string> known = op.api_versions();
    if (!known.empty()) {
      std::string version = media ? version_of(*media) : std::string();
      if (version.empty() || std::find(known.begin(), known.end(), version) == known.end())
        version = *std::min_element(known.begin(), known.end());
      headers.emplace_back("elastic-api-version", version);
    }
  }
  for (const auto& h : options_.headers) headers.push_back(h);

  // Parameters.
  std::vector<param_value> params;
  std::vector<std::pair<std::size_t, std::vector<json>>> path_values;  // index into params, alternatives
  for (const auto& p : op.parameters) {
    if (p.in == param_location::header) {
      const bool own = kibana_ && (iequals(p.name, "kbn-xsrf") || iequals(p.name, "elastic-api-version"));
      if (own || contains_header(headers, p.name)) continue;
    }
    if (p.in != param_location::path && !p.required && !options_.optional_parameters) continue;
    const std::vector<json> values = parameter_values(p, p.in == param_location::path ? path_alternatives : 1);
    if (values.empty()) {
      const std::string what = "the " + std::string(p.required ? "required " : "optional ") +
                               std::string(location_name(p.in)) + " parameter '" + p.name + "'";
      if (p.required) {
        out.problem = "no value of " + what + " reads back valid against its schema";
        return out;
      }
      out.notes.push_back(what + " is not sent: no value reads back valid against its schema");
      continue;
    }
    if (p.in == param_location::path) path_values.emplace_back(params.size(), values);
    params.push_back({&p, values.front()});
  }

  // Path parameter values that route to this operation (a literal route may take a value).
  std::string prefix = options_.base_path;
  if (kibana_ && !options_.space.empty()) prefix += "/s/" + options_.space;
  if (!path_values.empty()) {
    const auto& ops = contract_.operations();
    std::size_t most = 0;
    for (const auto& [at, values] : path_values) most = std::max(most, values.size());
    bool routed = false;
    for (std::size_t k = 0; k < most && !routed; ++k) {
      for (const auto& [at, values] : path_values) params[at].value = values[std::min(k, values.size() - 1)];
      built_request probe;
      probe.op = &op;
      probe.prefix = contract_.routes().base_path();
      probe.params = params;
      const std::string target = probe.target();
      const auto match = contract_.routes().match(method, target.substr(0, target.find('?')));
      routed = match && match->operation < ops.size() && &ops[match->operation] == &op;
    }
    if (!routed) {
      out.problem = "no path parameter values route to this operation (another route takes them)";
      return out;
    }
  }

  built_request base;
  base.op = &op;
  base.method = method;
  base.prefix = prefix;
  base.params = std::move(params);
  base.headers = std::move(headers);
  base.media = media;
  if (!media) {
    base.name = "generated";
    out.candidates.push_back(std::move(base));
    return out;
  }
  base.file_fields = media->essence == "multipart/form-data" ? binary_properties(*media) : std::vector<std::string>{};

  // Bodies: every example that validates, in order; generated data when none does.
  std::size_t invalid_examples = 0;
  for (const auto& ex : media->examples) {
    if (!ex.value) continue;
    if (!body_valid(*media, *ex.value)) {
      ++invalid_examples;
      out.notes.push_back(example_name(ex) + " is left out: it does not validate against the body schema (" +
                          contract_.schemas().pointer(media->schema) + ")");
      continue;
    }
    built_request r = base;
    r.name = example_name(ex);
    r.body = *ex.value;
    out.candidates.push_back(std::move(r));
  }
  if (out.candidates.empty() || options_.always_generate) {
    std::optional<json> generated;
    const std::string at = pointer_append(media->pointer, "schema");
    const json* schema = media->doc ? media->doc->find(at) : nullptr;
    if (media->schema == no_schema || !schema) {
      // Any body is valid: an empty object for JSON and forms, text otherwise.
      generated = is_json_essence(media->essence) || is_ndjson(media->essence) || is_form(media->essence)
                      ? json::object()
                      : json("specgate");
    } else {
      // The first valid value, preferring one without an empty array (as for parameters).
      for (const auto& o : attempts(options_.seed)) {
        json v = generate_value(contract_.docs(), *media->doc, *schema, at, o);
        if (!body_valid(*media, v)) continue;
        const bool empty_array = has_empty_array(v);
        if (!generated || !empty_array) generated = std::move(v);
        if (!empty_array) break;
      }
    }
    if (generated) {
      built_request r = base;
      r.name = "generated";
      r.body = std::move(*generated);
      out.candidates.push_back(std::move(r));
    } else if (out.candidates.empty()) {
      out.problem = "no valid body: " +
                    (invalid_examples ? std::to_string(invalid_examples) + " example(s) do not validate and "
                                      : std::string("no example, and ")) +
                    "no generated value validates against " + contract_.schemas().pointer(media->schema);
    }
  }
  return out;
}

}  // namespace specgate::validator
