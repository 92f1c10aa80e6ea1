#include "validator/contract/contract.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>

#include "validator/text_util.h"

namespace specgate::validator {

namespace {

// `required: true` and the like: true only for a boolean true member (json::value() throws when the
// member is there with another type: `required: "yes"` ended the load with an exception).
bool is_true_member(const json& object, const char* name) {
  if (!object.is_object()) return false;
  const auto it = object.find(name);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

constexpr std::array<std::pair<const char*, http_method>, 8> path_item_methods = {{
    {"get", http_method::get},
    {"put", http_method::put},
    {"post", http_method::post},
    {"delete", http_method::delete_},
    {"options", http_method::options},
    {"head", http_method::head},
    {"patch", http_method::patch},
    {"trace", http_method::trace},
}};

std::optional<param_location> parse_location(std::string_view s) {
  if (s == "path") return param_location::path;
  if (s == "query") return param_location::query;
  if (s == "header") return param_location::header;
  if (s == "cookie") return param_location::cookie;
  return std::nullopt;
}

}  // namespace

std::string_view location_name(param_location l) {
  switch (l) {
    case param_location::path: return "path";
    case param_location::query: return "query";
    case param_location::header: return "header";
    case param_location::cookie: return "cookie";
  }
  return "query";
}

std::optional<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> parse_media_type(
    std::string_view text) {
  std::vector<std::pair<std::string, std::string>> params;
  const std::size_t semi = text.find(';');
  std::string essence = to_lower(trim(text.substr(0, semi)));
  const std::size_t slash = essence.find('/');
  if (essence.empty() || slash == std::string::npos || slash == 0 || slash + 1 == essence.size() ||
      essence.find('/', slash + 1) != std::string::npos || essence.find(' ') != std::string::npos)
    return std::nullopt;
  std::string_view rest = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
  while (!rest.empty()) {
    const std::size_t next = rest.find(';');
    std::string_view part = trim(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) return std::nullopt;  // "application/gzip; application/zip" and the like
    std::string_view value = trim(part.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    params.emplace_back(to_lower(trim(part.substr(0, eq))), std::string(value));
  }
  return std::make_pair(std::move(essence), std::move(params));
}

const response* operation::success_response() const {
  for (const auto& r : responses)
    if (r.status.size() == 3 && r.status[0] == '2' && std::isdigit(static_cast<unsigned char>(r.status[1])))
      return &r;
  for (const auto& r : responses)
    if (r.status == "2XX" || r.status == "2xx") return &r;
  for (const auto& r : responses)
    if (r.status == "default") return &r;
  return nullptr;
}

std::vector<std::string> operation::api_versions() const {
  std::vector<std::string> known;
  auto collect = [&](const std::vector<media_type>& content) {
    for (const auto& m : content)
      for (const auto& [name, value] : m.parameters)
        if (name == "elastic-api-version" && std::find(known.begin(), known.end(), value) == known.end())
          known.push_back(value);
  };
  if (body) collect(body->content);
  for (const auto& r : responses) collect(r.content);
  return known;
}

const operation* contract::find(std::string_view operation_id) const {
  for (const auto& op : operations_)
    if (op.operation_id == operation_id) return &op;
  return nullptr;
}

struct contract_builder {
  const document_set& docs;
  contract& out;
  diagnostics problems;
  bool unreadable = false;  // nothing can be served (no paths object)

  void error(std::string_view rule, const document& doc, const std::string& pointer, std::string message) {
    problems.push_back(doc.make_diagnostic(pointer, std::move(message), severity::error, rule));
  }
  void warn(std::string_view rule, const document& doc, const std::string& pointer, std::string message) {
    problems.push_back(doc.make_diagnostic(pointer, std::move(message), severity::warning, rule));
  }
  // "file:line:col, at /pointer": the other location a diagnostic names.
  static std::string where(const document& doc, const std::string& pointer) {
    const source_position pos = doc.position_at(pointer);
    std::string text = doc.file();
    if (pos.line != 0) text += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
    return text + ", at " + (pointer.empty() ? std::string("/") : pointer);
  }

  // Follows $ref; nullopt (already reported by the loader) when it dangles.
  std::optional<resolved_node> deref(const document& doc, const json& node, const std::string& pointer) {
    resolved_node r = docs.deref(doc, &node, pointer);
    if (!r.node) return std::nullopt;
    return r;
  }

  std::vector<example> collect_examples(const document& doc, const json& media, const std::string& pointer) {
    std::vector<example> result;
    if (auto ex = media.find("examples"); ex != media.end()) {
      const std::string at = pointer_append(pointer, "examples");
      if (!ex->is_object()) {
        warn("example-malformed", doc, at, "examples must be a map of Example Objects; ignored");
      } else {
        for (const auto& [name, value] : ex->items()) {
          auto r = deref(doc, value, pointer_append(at, name));
          if (!r) continue;
          if (!r->node->is_object()) {
            warn("example-malformed", *r->doc, r->pointer, "an Example Object must be an object; ignored");
            continue;
          }
          auto v = r->node->find("value");
          if (v == r->node->end()) {
            if (r->node->contains("externalValue"))
              warn("example-external-value", *r->doc, r->pointer, "externalValue examples are not fetched; example '" + name + "' ignored");
            continue;
          }
          result.push_back({name, &*v, pointer_append(r->pointer, "value")});
        }
      }
    }
    if (auto ex = media.find("example"); ex != media.end())
      result.push_back({"example", &*ex, pointer_append(pointer, "example")});
    return result;
  }

  // The media types of a Request Body or Response Object; nullopt when `content` is not a map
  // (reported, with what the caller does about it in `consequence`).
  std::optional<std::vector<media_type>> collect_content(const document& doc, const json& owner,
                                                         const std::string& pointer, direction dir,
                                                         std::string_view consequence) {
    std::vector<media_type> result;
    auto content = owner.find("content");
    if (content == owner.end()) return result;
    const std::string at = pointer_append(pointer, "content");
    if (!content->is_object()) {
      error("content-malformed", doc, at, "content must be a map of media types; ignored: " + std::string(consequence));
      return std::nullopt;
    }
    for (const auto& [key, value] : content->items()) {
      media_type m;
      m.key = key;
      m.doc = &doc;
      m.pointer = pointer_append(at, key);
      if (auto parsed = parse_media_type(key)) {
        m.essence = std::move(parsed->first);
        m.parameters = std::move(parsed->second);
      } else {
        // Keep it servable: the part before the first ';' is the essence.
        // Keep it servable: every part that looks like type/subtype is an accepted essence.
        std::string_view rest = key;
        while (!rest.empty()) {
          const std::size_t semi = rest.find(';');
          const std::string_view raw = trim(rest.substr(0, semi));
          rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
          if (const std::size_t eq = raw.find('='); eq != std::string_view::npos) {
            m.parameters.emplace_back(to_lower(trim(raw.substr(0, eq))), std::string(trim(raw.substr(eq + 1))));
            continue;
          }
          std::string part = to_lower(raw);
          if (part.find('/') == std::string::npos) continue;
          if (m.essence.empty()) m.essence = std::move(part);
          else m.alternatives.push_back(std::move(part));
        }
        if (m.essence.empty()) m.essence = to_lower(trim(std::string_view(key).substr(0, key.find(';'))));
        std::string accepted = m.essence;
        for (const auto& a : m.alternatives) accepted += ", " + a;
        warn("media-type-malformed", doc, m.pointer, "media type '" + key + "' is malformed (one type/subtype per key); accepted as " + accepted);
      }
      if (!value.is_object()) {
        error("content-malformed", doc, m.pointer, "a Media Type Object must be an object; any " + m.essence + " value accepted");
        result.push_back(std::move(m));
        continue;
      }
      if (auto schema = value.find("schema"); schema != value.end()) {
        m.schema = out.schemas_->add(doc, pointer_append(m.pointer, "schema"), dir);
        if (m.essence == "application/x-www-form-urlencoded" || m.essence == "multipart/form-data")
          m.form_shape = make_param_shape(
              [this](const document& d, const json* n, std::string p) { return docs.deref(d, n, std::move(p)); }, doc,
              &*schema, pointer_append(m.pointer, "schema"));
      }
      if (m.essence == "application/x-www-form-urlencoded" || m.essence == "multipart/form-data")
        m.form_encodings = collect_form_encodings(value);
      m.examples = collect_examples(doc, value, m.pointer);
      result.push_back(std::move(m));
    }
    return result;
  }

  // The Encoding Object's contentType per property: "application/json", or a list
  // ("image/png, image/jpeg"), JSON when any listed type is.
  static std::vector<form_property_encoding> collect_form_encodings(const json& media_object) {
    std::vector<form_property_encoding> result;
    auto encoding = media_object.find("encoding");
    if (encoding == media_object.end() || !encoding->is_object()) return result;
    for (const auto& [name, e] : encoding->items()) {
      if (!e.is_object()) continue;
      auto content_type = e.find("contentType");
      if (content_type == e.end() || !content_type->is_string()) continue;
      std::string_view rest = content_type->get_ref<const std::string&>();
      form_encoding kind = form_encoding::unspecified;
      while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string_view one = trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (one.empty()) continue;
        auto parsed = parse_media_type(one);
        if (parsed && is_json_essence(parsed->first)) {
          kind = form_encoding::json;
          break;
        }
        kind = form_encoding::other;
      }
      if (kind != form_encoding::unspecified) result.push_back({name, kind});
    }
    return result;
  }

  std::vector<response_header> collect_headers(const document& doc, const json& response_node, const std::string& pointer) {
    std::vector<response_header> result;
    auto headers = response_node.find("headers");
    if (headers == response_node.end()) return result;
    const std::string at = pointer_append(pointer, "headers");
    if (!headers->is_object()) {
      error("header-malformed", doc, at, "headers must be a map of Header Objects");
      return result;
    }
    for (const auto& [name, raw] : headers->items()) {
      auto r = deref(doc, raw, pointer_append(at, name));
      if (!r) continue;
      if (!r->node->is_object()) {
        error("header-malformed", *r->doc, r->pointer, "a Header Object must be an object");
        continue;
      }
      response_header h;
      h.name = name;
      h.pointer = r->pointer;
      h.required = is_true_member(*r->node, "required");
      if (r->node->contains("schema"))
        h.schema = out.schemas_->add(*r->doc, pointer_append(r->pointer, "schema"), direction::response);
      result.push_back(std::move(h));
    }
    return result;
  }

  std::optional<parameter> make_parameter(const document& doc, const json& raw, const std::string& raw_pointer) {
    auto r = deref(doc, raw, raw_pointer);
    if (!r) return std::nullopt;
    const json& p = *r->node;
    if (!p.is_object()) {
      error("parameter-malformed", *r->doc, r->pointer, "a Parameter Object must be an object; ignored");
      return std::nullopt;
    }
    parameter param;
    param.doc = r->doc;
    param.pointer = r->pointer;
    auto name = p.find("name");
    auto in = p.find("in");
    if (name == p.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
      error("parameter-malformed", *r->doc, r->pointer, "parameter has no name; ignored");
      return std::nullopt;
    }
    param.name = *name;
    std::optional<param_location> where =
        in != p.end() && in->is_string() ? parse_location(in->get_ref<const std::string&>()) : std::nullopt;
    if (!where) {
      error("parameter-malformed", *r->doc, pointer_append(r->pointer, "in"),
            "parameter '" + param.name + "' must say where it is: in: path, query, header or cookie; ignored");
      return std::nullopt;
    }
    param.in = *where;
    param.required = is_true_member(p, "required");
    if (param.in == param_location::path && !param.required)
      warn("path-parameter-not-required", *r->doc, r->pointer, "path parameter '" + param.name + "' must be required: true; treated as required");
    if (param.in == param_location::path) param.required = true;
    const std::string default_style =
        param.in == param_location::query || param.in == param_location::cookie ? "form" : "simple";
    auto style = p.find("style");
    param.style = style != p.end() && style->is_string() ? style->get<std::string>() : default_style;
    auto explode = p.find("explode");
    param.explode = explode != p.end() && explode->is_boolean() ? explode->get<bool>() : param.style == "form";
    param.shape = make_parameter_shape(
        [this](const document& d, const json* n, std::string ptr) { return docs.deref(d, n, std::move(ptr)); },
        *r->doc, p, r->pointer);
    if (auto problem = check_param_style(param.shape, param.in, param.style, param.explode))
      warn("parameter-style-invalid", *r->doc, r->pointer, "parameter '" + param.name + "': " + *problem);
    if (p.contains("schema")) {
      param.schema = out.schemas_->add(*r->doc, pointer_append(r->pointer, "schema"), direction::request);
    } else if (auto content = p.find("content"); content != p.end() && content->is_object() && content->size() == 1) {
      auto media = content->begin();
      if (media->is_object() && media->contains("schema"))
        param.schema = out.schemas_->add(
            *r->doc, pointer_append(pointer_append(pointer_append(r->pointer, "content"), media.key()), "schema"),
            direction::request);
    } else {
      warn("parameter-no-schema", *r->doc, r->pointer, "parameter '" + param.name + "' has neither schema nor content; any value accepted");
    }
    return param;
  }

  void add_parameters(const document& doc, const json& owner, const std::string& pointer,
                      std::vector<parameter>& params) {
    auto list = owner.find("parameters");
    if (list == owner.end()) return;
    const std::string at = pointer_append(pointer, "parameters");
    if (!list->is_array()) {
      error("parameter-malformed", doc, at, "parameters must be an array");
      return;
    }
    // This list's parameters so far: index in `params` and the list entry's pointer.
    std::vector<std::pair<std::size_t, std::string>> seen;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string entry = pointer_append(at, std::to_string(i));
      auto p = make_parameter(doc, (*list)[i], entry);
      if (!p) continue;
      auto same = std::find_if(params.begin(), params.end(),
                               [&](const parameter& q) { return q.name == p->name && q.in == p->in; });
      const auto index = static_cast<std::size_t>(same - params.begin());
      if (auto twice = std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == index; });
          twice != seen.end()) {
        warn("parameter-duplicate", doc, entry, "parameter '" + p->name + "' (in: " + std::string(location_name(p->in)) +
                             ") is declared twice in this list, first at " + where(doc, twice->second) +
                             "; the last one wins");
        twice->second = entry;
      } else {
        seen.emplace_back(index, entry);
      }
      if (same != params.end()) *same = std::move(*p);  // operation level overrides path level
      else params.push_back(std::move(*p));
    }
  }

  // nullopt when `list` is not an array (reported: `fallback` says what applies instead).
  // An entry that is not an object, and a scheme that is not defined, are reported and
  // left out: they require nothing.
  std::optional<std::vector<std::vector<std::string>>> parse_security(const document& doc, const json& list,
                                                                      const std::string& pointer,
                                                                      std::string_view fallback) {
    if (!list.is_array()) {
      error("security-malformed", doc, pointer,
            "security must be an array of Security Requirement Objects; ignored: " + std::string(fallback));
      return std::nullopt;
    }
    const json* schemes = nullptr;
    const document& root = docs.root();
    if (auto c = root.root().find("components"); c != root.root().end() && c->is_object())
      if (auto s = c->find("securitySchemes"); s != c->end() && s->is_object()) schemes = &*s;
    std::vector<std::vector<std::string>> result;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string at = pointer_append(pointer, std::to_string(i));
      if (!list[i].is_object()) {
        error("security-malformed", doc, at, "a Security Requirement Object must be an object; ignored");
        continue;
      }
      std::vector<std::string> names;
      for (const auto& [name, scopes] : list[i].items()) {
        const json* defined = nullptr;
        if (schemes)
          if (auto d = schemes->find(name); d != schemes->end()) defined = &*d;
        if (!defined) {
          error("security-scheme-undefined", doc, at, "security scheme '" + name + "' is not defined in components.securitySchemes; not required");
          continue;
        }
        const resolved_node scheme = docs.deref(root, defined, pointer_append("/components/securitySchemes", name));
        if (scheme.node && !scheme.node->is_object()) {
          error("security-malformed", *scheme.doc, scheme.pointer, "security scheme '" + name + "' must be an object; not required");
          continue;
        }
        if (!scheme.node) continue;  // a $ref that resolves nowhere: reported by the loader; not required
        names.push_back(name);
      }
      result.push_back(std::move(names));
    }
    return result;
  }

  void add_operation(const document& doc, const std::string& path, const json& item, const std::string& item_ptr,
                     const std::vector<parameter>& path_params, const std::vector<std::vector<std::string>>& sec,
                     const char* key, http_method method) {
    auto found = item.find(key);
    if (found == item.end()) return;
    const std::string op_ptr = pointer_append(item_ptr, key);
    static const json nothing = json::object();
    if (!found->is_object())
      error("operation-malformed", doc, op_ptr, "an operation must be an object; served as one that declares nothing: any request, "
                         "and the mock answers 200 {}");
    const json& o = found->is_object() ? *found : nothing;
    operation op;
    op.method = method;
    op.path = path;
    op.doc = &doc;
    op.pointer = op_ptr;
    if (auto id = o.find("operationId"); id != o.end() && id->is_string()) op.operation_id = *id;
    else op.operation_id = std::string(method_name(method)) + " " + path;
    if (auto tags = o.find("tags"); tags != o.end()) {
      if (tags->is_array()) {
        for (const auto& t : *tags)
          if (t.is_string()) op.tags.push_back(t.get<std::string>());
          else warn("tag-malformed", doc, pointer_append(op_ptr, "tags"), "a tag must be a string; ignored");
      } else {
        warn("tag-malformed", doc, pointer_append(op_ptr, "tags"), "tags must be an array of strings; ignored");
      }
    }
    op.parameters = path_params;
    add_parameters(doc, o, op_ptr, op.parameters);

    // Every template variable needs a path parameter, and the other way round.
    std::set<std::string> template_names;
    for (std::size_t open = path.find('{'); open != std::string::npos; open = path.find('{', open + 1)) {
      const std::size_t close = path.find('}', open);
      if (close == std::string::npos) break;
      template_names.insert(path.substr(open + 1, close - open - 1));
    }
    for (const auto& name : template_names)
      if (std::none_of(op.parameters.begin(), op.parameters.end(),
                       [&](const parameter& p) { return p.in == param_location::path && p.name == name; }))
        warn("path-parameter-undeclared", doc, op_ptr, "path parameter '" + name + "' of " + path + " is not declared; any value accepted");
    std::erase_if(op.parameters, [&](const parameter& p) {
      if (p.in != param_location::path || template_names.count(p.name)) return false;
      warn("path-parameter-not-in-template", doc, p.pointer, "path parameter '" + p.name + "' does not appear in the path " + path +
                               "; it can never be sent and is ignored");
      return true;
    });
    for (auto& p : op.parameters)
      for (const auto& q : op.parameters)
        if (&p != &q && p.in == q.in) p.siblings.push_back(q.name);

    // A body whose definition is broken is left out: any body is accepted.
    if (auto body = o.find("requestBody"); body != o.end()) {
      if (auto r = deref(doc, *body, pointer_append(op_ptr, "requestBody"))) {
        if (!r->node->is_object()) {
          error("request-body-malformed", *r->doc, r->pointer, "a Request Body Object must be an object; ignored: any body accepted");
        } else if (auto content = collect_content(*r->doc, *r->node, r->pointer, direction::request,
                                                  "any body accepted")) {
          request_body b;
          b.pointer = r->pointer;
          b.required = is_true_member(*r->node, "required");
          b.content = std::move(*content);
          op.body = std::move(b);
        }
      }
    }

    const std::string resp_ptr = pointer_append(op_ptr, "responses");
    auto responses = o.find("responses");
    if (found->is_object() && responses == o.end()) {
      error("operation-no-responses", doc, op_ptr, "operation has no 'responses'; served as responses: {}: the mock answers 200 {}");
    } else if (responses != o.end() && !responses->is_object()) {
      error("operation-no-responses", doc, resp_ptr, "'responses' must be an object; served as responses: {}: the mock answers 200 {}");
    } else if (responses != o.end()) {
      if (responses->empty())
        warn("operation-no-responses", doc, resp_ptr, op.operation_id + " declares no responses (responses: {}); the mock answers 200 {}");
      bool declared = false;  // an entry other than an x- extension
      for (const auto& [status, value] : responses->items()) {
        const std::string at = pointer_append(resp_ptr, status);
        const bool valid_status = status == "default" ||
                                  (status.size() == 3 && status[0] >= '1' && status[0] <= '5' &&
                                   ((std::isdigit(static_cast<unsigned char>(status[1])) &&
                                     std::isdigit(static_cast<unsigned char>(status[2]))) ||
                                    (status[1] == 'X' && status[2] == 'X') || (status[1] == 'x' && status[2] == 'x')));
        if (!status.starts_with("x-")) declared = true;
        if (!valid_status) {
          if (!status.starts_with("x-"))
            error("response-status-invalid", doc, at, "'" + status + "' is not an HTTP status code, a range like 2XX, or default; ignored");
          continue;
        }
        response resp;
        resp.status = status;
        resp.pointer = at;
        auto r = deref(doc, value, at);
        if (!r) {
          resp.unchecked = true;  // the $ref resolves nowhere (reported by the loader)
          op.responses.push_back(std::move(resp));
          continue;
        }
        resp.pointer = r->pointer;
        if (!r->node->is_object()) {
          error("response-malformed", *r->doc, r->pointer, "a Response Object must be an object; ignored: any " + status + " response accepted");
          resp.unchecked = true;
        } else if (auto content = collect_content(*r->doc, *r->node, r->pointer, direction::response,
                                                  "any " + status + " response body accepted")) {
          resp.content = std::move(*content);
          resp.headers = collect_headers(*r->doc, *r->node, r->pointer);
        } else {
          resp.unchecked = true;
        }
        op.responses.push_back(std::move(resp));
      }
      if (declared && op.responses.empty()) {
        op.not_implemented = true;
        error("operation-no-responses", doc, resp_ptr, op.operation_id + " declares no usable response; the mock answers 501 Not Implemented");
      }
    }

    op.security = sec;
    if (auto s = o.find("security"); s != o.end())
      if (auto own = parse_security(doc, *s, pointer_append(op_ptr, "security"), "the document's security applies"))
        op.security = std::move(*own);

    const auto index = static_cast<std::uint32_t>(out.operations_.size());
    std::uint32_t taken_by = index;
    if (auto err = out.router_.add(method, path, index, &taken_by)) {
      if (taken_by < out.operations_.size()) {
        const operation& first = out.operations_[taken_by];
        error("path-template-duplicate", doc, op_ptr, std::string(method_name(method)) + " " + path + " routes exactly like " +
                               std::string(method_name(first.method)) + " " + first.path + " at " +
                               where(*first.doc, first.pointer) + "; not routable (only the first is served)");
      } else {
        error("path-template-invalid", doc, op_ptr, *err + "; not routable");
      }
      return;
    }
    out.operations_.push_back(std::move(op));
  }

  void build() {
    const document& doc = docs.root();
    const json& root = doc.root();
    std::vector<std::vector<std::string>> global_security;
    if (auto s = root.find("security"); s != root.end())
      if (auto global = parse_security(doc, *s, "/security", "no security"))
        global_security = std::move(*global);

    auto paths = root.find("paths");
    if (paths == root.end() || !paths->is_object()) {
      error("paths-missing", doc, paths == root.end() ? "" : "/paths", "cannot serve the document: it has no paths object");
      unreadable = true;
      return;
    }
    // In document order (nlohmann keeps members sorted by key), so that "first" and
    // "second" (identical routes, duplicate operationIds) mean what the reader sees.
    std::vector<std::pair<const std::string*, const json*>> ordered;
    ordered.reserve(paths->size());
    for (const auto& [path, raw_item] : paths->items()) ordered.emplace_back(&path, &raw_item);
    std::stable_sort(ordered.begin(), ordered.end(), [&](const auto& a, const auto& b) {
      const source_position pa = doc.position_of(a.second), pb = doc.position_of(b.second);
      return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
    });
    for (const auto& [path_key, raw_item_node] : ordered) {
      const std::string& path = *path_key;
      const json& raw_item = *raw_item_node;
      const std::string raw_ptr = pointer_append("/paths", path);
      if (path.starts_with("x-")) continue;
      if (path.empty() || path.front() != '/') continue;  // reported by the loader
      auto item = deref(doc, raw_item, raw_ptr);
      if (!item) continue;
      if (!item->node->is_object()) continue;  // reported by the loader
      std::vector<parameter> path_params;
      add_parameters(*item->doc, *item->node, item->pointer, path_params);
      for (const auto& [key, method] : path_item_methods)
        add_operation(*item->doc, path, *item->node, item->pointer, path_params, global_security, key, method);
    }
    std::map<std::string, std::size_t> first_with_id;
    for (std::size_t i = 0; i < out.operations_.size(); ++i) {
      const operation& op = out.operations_[i];
      auto [it, fresh] = first_with_id.emplace(op.operation_id, i);
      if (fresh) continue;
      const operation& first = out.operations_[it->second];
      warn("operation-id-duplicate", *op.doc, op.pointer, "operationId '" + op.operation_id + "' is also used by " +
                                    std::string(method_name(first.method)) + " " + first.path + " at " +
                                    where(*first.doc, first.pointer) +
                                    "; both are served, and lookups by operationId (fixtures, `specgate example`) "
                                    "take the first");
    }
  }
};

contract::build_result contract::build(std::shared_ptr<const document_set> docs, build_options options) {
  std::shared_ptr<contract> c(new contract());
  c->docs_ = std::move(docs);
  c->schemas_ = std::make_unique<schema_registry>(*c->docs_);
  c->profile_ = resolve_profile(options.profile, *c->docs_);
  c->router_.set_base_path(std::move(options.base_path));
  c->router_.set_spaces(c->profile_ == profile::kibana);
  contract_builder builder{*c->docs_, *c, {}};
  builder.build();
  diagnostics problems = std::move(builder.problems);
  diagnostics schema_problems = c->schemas_->compile();
  problems.insert(problems.end(), std::make_move_iterator(schema_problems.begin()),
                  std::make_move_iterator(schema_problems.end()));
  build_result result;
  result.problems = std::move(problems);
  if (!builder.unreadable && !(options.strict_load && has_errors(result.problems))) result.value = std::move(c);
  return result;
}

namespace {
// Builds even when the loader found errors, so that every problem is reported
// at once. The contract is handed out unless the document cannot be read at
// all, or strict_load is set and anything is an error.
contract::build_result finish(load_result loaded, build_options options) {
  if (!loaded.docs) return {nullptr, std::move(loaded.problems)};
  const bool refuse = options.strict_load && !loaded.ok();
  auto built = contract::build(std::move(loaded.docs), std::move(options));
  loaded.problems.insert(loaded.problems.end(), std::make_move_iterator(built.problems.begin()),
                         std::make_move_iterator(built.problems.end()));
  built.problems = std::move(loaded.problems);
  if (refuse) built.value.reset();
  return built;
}
}  // namespace

contract::build_result load_contract_file(const std::string& path, build_options options) {
  return finish(load_openapi_file(path), std::move(options));
}

contract::build_result load_contract_text(std::string_view text, std::string name, build_options options) {
  return finish(load_openapi_text(text, std::move(name)), std::move(options));
}

}  // namespace specgate::validator
