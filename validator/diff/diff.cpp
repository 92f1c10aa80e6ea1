// Compares two contracts operation by operation: parameters, bodies, responses, security, API versions
// and schemas (structurally, through $ref and allOf, cycle-safe), emitting each change as data.
#include "validator/diff/diff.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

namespace specgate::validator::diff {
namespace {

// Which part of an operation a schema describes: names the kind ids and decides direction.
struct schema_context {
  std::string prefix;  // "parameter", "request-body", "response-body"
  direction dir = direction::request;
  std::string label;   // "query parameter limit", "request body application/json", "response 200 application/json"
  bool api_version_header = false;  // the elastic-api-version header: an enum value removed is a version removed
};

// One side of a change before its position is looked up (only changes that are emitted pay for that).
struct where {
  const document* doc = nullptr;
  std::string pointer;
};

std::string normalised_template(std::string_view path) {
  std::string out;
  bool in_name = false;
  for (char c : path) {
    if (c == '{') { in_name = true; out += "{}"; continue; }
    if (c == '}') { in_name = false; continue; }
    if (!in_name) out += c;
  }
  return out;
}

// Names of a template's parameters in order: "/a/{x}/b/{y}" -> {x, y}.
std::vector<std::string> template_names(std::string_view path) {
  std::vector<std::string> out;
  std::size_t open = std::string_view::npos;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') open = i;
    else if (path[i] == '}' && open != std::string_view::npos) {
      out.emplace_back(path.substr(open + 1, i - open - 1));
      open = std::string_view::npos;
    }
  }
  return out;
}

bool text_equal_ci(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

change_site site_of(const where& w) {
  if (w.doc == nullptr) return {};
  auto pos = w.doc->position_at(w.pointer);
  return {w.doc->file(), pos.line, pos.column, w.pointer};
}

bool flag(const resolved_node& r, const char* key) {
  if (r.node == nullptr || !r.node->is_object()) return false;
  auto it = r.node->find(key);
  return it != r.node->end() && it->is_boolean() && it->get<bool>();
}

// A schema seen through $ref and allOf: what the comparison needs of it.
struct schema_view {
  std::set<std::string> types;  // empty: any type
  bool nullable = false;
  const json* enum_values = nullptr;
  std::string format;
  std::map<std::string, double> limits;  // minLength, maxLength, minimum, maximum, minItems, maxItems
  std::set<std::string> exclusive;       // exclusiveMinimum/exclusiveMaximum: true
  std::string pattern;
  std::map<std::string, resolved_node> properties;
  std::set<std::string> required;
  bool closed = false;                         // additionalProperties: false
  std::optional<resolved_node> additional;     // additionalProperties: {schema}
  std::optional<resolved_node> items;
  std::vector<resolved_node> branches;         // oneOf and anyOf
  const json* default_value = nullptr;         // `default`, the first met (allOf members included)
};

// `key` of the object at `pointer` in `doc` is `true`.
bool declared_true(const document* doc, const std::string& pointer, const char* key) {
  const json* node = doc ? doc->find(pointer) : nullptr;
  if (node == nullptr || !node->is_object()) return false;
  auto it = node->find(key);
  return it != node->end() && it->is_boolean() && it->get<bool>();
}

// integer is a kind of number.
bool covers(const std::set<std::string>& wide, const std::set<std::string>& narrow) {
  if (wide.empty()) return true;
  if (narrow.empty()) return false;
  for (const auto& t : narrow)
    if (wide.count(t) == 0 && !(t == "integer" && wide.count("number") != 0)) return false;
  return true;
}

std::string format_number(double v) {
  if (v == static_cast<double>(static_cast<long long>(v))) return std::to_string(static_cast<long long>(v));
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

class differ {
 public:
  differ(const contract& o, const contract& n) : old_(o), new_(n) {}

  diff_result run() {
    std::map<std::string, const operation*> new_ops;
    std::set<std::string> new_paths;
    for (const auto& op : new_.operations()) {
      new_ops.emplace(key(op), &op);
      new_paths.insert(normalised_template(op.path));
    }
    std::set<std::string> seen, old_paths;
    for (const auto& op : old_.operations()) {
      old_paths.insert(normalised_template(op.path));
      auto k = key(op);
      auto it = new_ops.find(k);
      if (it == new_ops.end()) {
        const bool path_gone = new_paths.count(normalised_template(op.path)) == 0;
        emit(op, change_class::breaking, path_gone ? "path-removed" : "operation-removed", {op.doc, op.pointer}, {},
             std::string(method_name(op.method)) + " " + op.path + " was removed" +
                 (path_gone ? " (the path is gone)" : ""));
        continue;
      }
      if (!seen.insert(k).second) continue;  // a duplicate template: compared once
      compare_operation(op, *it->second);
    }
    for (const auto& op : new_.operations()) {
      if (seen.count(key(op)) != 0) continue;
      emit(op, change_class::compatible, "operation-added", {}, {op.doc, op.pointer},
           std::string(method_name(op.method)) + " " + op.path + " was added");
    }
    return std::move(result_);
  }

 private:
  static std::string key(const operation& op) {
    return std::string(method_name(op.method)) + " " + normalised_template(op.path);
  }

  void emit(const operation& op, change_class cls, std::string kind, const where& old_site, const where& new_site,
            std::string message) {
    if (muted_ > 0) { ++muted_hits_; return; }
    change c;
    c.cls = cls;
    c.kind = std::move(kind);
    c.method = std::string(method_name(op.method));
    c.path = op.path;
    c.operation_id = op.operation_id;
    c.old_site = site_of(old_site);
    c.new_site = site_of(new_site);
    c.message = std::move(message);
    result_.changes.push_back(std::move(c));
  }

  static bool declares_operation_id(const operation& op) {
    if (op.doc == nullptr) return false;
    const json* node = op.doc->find(op.pointer);
    return node != nullptr && node->is_object() && node->contains("operationId");
  }

  void compare_operation(const operation& o, const operation& n) {
    cur_ = &n;
    const where os{o.doc, o.pointer}, ns{n.doc, n.pointer};
    if (o.operation_id != n.operation_id && declares_operation_id(o) && declares_operation_id(n))
      emit(n, change_class::compatible, "operation-id-changed", os, ns,
           "operationId " + o.operation_id + " became " + n.operation_id);
    if (!declared_true(o.doc, o.pointer, "deprecated") && declared_true(n.doc, n.pointer, "deprecated"))
      emit(n, change_class::compatible, "operation-deprecated", os, ns, "the operation was deprecated");
    compare_parameters(o, n);
    compare_body(o, n);
    compare_responses(o, n);
    compare_security(o, n);
    compare_versions(o, n);
  }

  // Where an operation declares API version `v` (its first media type carrying it), else the operation.
  static where version_site(const operation& op, const std::string& v) {
    auto in = [&](const std::vector<media_type>& content) -> const media_type* {
      for (const auto& m : content)
        for (const auto& [name, value] : m.parameters)
          if (name == "elastic-api-version" && value == v) return &m;
      return nullptr;
    };
    const media_type* m = op.body ? in(op.body->content) : nullptr;
    for (const auto& r : op.responses)
      if (m == nullptr) m = in(r.content);
    if (m != nullptr) return {m->doc, m->pointer};
    return {op.doc, op.pointer};
  }

  void compare_versions(const operation& o, const operation& n) {
    const auto ov = o.api_versions(), nv = n.api_versions();
    for (const auto& v : ov)
      if (std::find(nv.begin(), nv.end(), v) == nv.end())
        emit(n, change_class::breaking, "api-version-removed", version_site(o, v), {n.doc, n.pointer},
             "API version " + v + " is no longer offered");
    for (const auto& v : nv)
      if (std::find(ov.begin(), ov.end(), v) == ov.end())
        emit(n, change_class::compatible, "api-version-added", {o.doc, o.pointer}, version_site(n, v),
             "API version " + v + " was added");
  }

  void compare_parameters(const operation& o, const operation& n) {
    // Path parameters are matched by their place in the template, whatever their names.
    const auto on = template_names(o.path), nn = template_names(n.path);
    auto new_name = [&](const parameter& p) {
      if (p.in != param_location::path) return p.name;
      for (std::size_t i = 0; i < on.size() && i < nn.size(); ++i)
        if (on[i] == p.name) return nn[i];
      return p.name;
    };
    auto find_param = [](const operation& op, const std::string& name, std::optional<param_location> in) {
      for (const auto& p : op.parameters) {
        bool same_name = p.in == param_location::header ? text_equal_ci(p.name, name) : p.name == name;
        if (same_name && (!in || p.in == *in)) return &p;
      }
      return static_cast<const parameter*>(nullptr);
    };
    std::set<const parameter*> matched;
    for (const auto& p : o.parameters) {
      const std::string name = new_name(p);
      const std::string label = std::string(location_name(p.in)) + " parameter " + p.name;
      const parameter* q = find_param(n, name, p.in);
      if (q == nullptr) {
        if (const parameter* moved = find_param(n, name, std::nullopt)) {
          matched.insert(moved);
          emit(n, change_class::breaking, "parameter-moved", {p.doc, p.pointer}, {moved->doc, moved->pointer},
               "parameter " + p.name + " moved from " + std::string(location_name(p.in)) + " to " +
                   std::string(location_name(moved->in)));
        } else {
          emit(n, change_class::breaking, "parameter-removed", {p.doc, p.pointer}, {}, label + " was removed");
        }
        continue;
      }
      matched.insert(q);
      if (!p.required && q->required)
        emit(n, change_class::breaking, "parameter-made-required", {p.doc, p.pointer}, {q->doc, q->pointer},
             label + " became required");
      else if (p.required && !q->required)
        emit(n, change_class::compatible, "parameter-made-optional", {p.doc, p.pointer}, {q->doc, q->pointer},
             label + " became optional");
      if (p.style != q->style || p.explode != q->explode)
        // How the value is written changed: a client writing it the old way is misread.
        emit(n, change_class::breaking, "parameter-style-changed", {p.doc, p.pointer}, {q->doc, q->pointer},
             label + " is serialised as style " + q->style + (q->explode ? ", explode" : ", no explode") +
                 " instead of " + p.style + (p.explode ? ", explode" : ", no explode"));
      if (!declared_true(p.doc, p.pointer, "deprecated") && declared_true(q->doc, q->pointer, "deprecated"))
        emit(n, change_class::compatible, "parameter-deprecated", {p.doc, p.pointer}, {q->doc, q->pointer},
             label + " was deprecated");
      schema_context ctx{"parameter", direction::request, label,
                         p.in == param_location::header && text_equal_ci(p.name, "elastic-api-version")};
      compare_schema_at(ctx, p.doc, p.pointer + "/schema", q->doc, q->pointer + "/schema");
    }
    for (const auto& q : n.parameters) {
      if (matched.count(&q) != 0) continue;
      const std::string label = std::string(location_name(q.in)) + " parameter " + q.name;
      if (q.required)
        emit(n, change_class::breaking, "parameter-required-added", {}, {q.doc, q.pointer},
             "required " + label + " was added");
      else
        emit(n, change_class::compatible, "parameter-optional-added", {}, {q.doc, q.pointer},
             "optional " + label + " was added");
    }
  }

  // The new media type that stands for `m`: same key, else the only one with the same essence.
  static const media_type* match_media(const media_type& m, const std::vector<media_type>& in) {
    for (const auto& x : in)
      if (text_equal_ci(x.key, m.key)) return &x;
    const media_type* found = nullptr;
    for (const auto& x : in)
      if (x.essence == m.essence) {
        if (found != nullptr) return nullptr;
        found = &x;
      }
    return found;
  }

  void compare_content(const operation& n, const std::vector<media_type>& o, const std::vector<media_type>& nw,
                       const std::string& prefix, direction dir, const std::string& label) {
    const bool request = dir == direction::request;
    std::set<const media_type*> matched;
    for (const auto& m : o) {
      const media_type* x = match_media(m, nw);
      if (x == nullptr) {
        // A request the server no longer accepts breaks its senders; a response type that disappears
        // breaks clients that asked only for it, unless another one is still offered.
        const change_class cls = request || nw.empty() ? change_class::breaking : change_class::potentially_breaking;
        emit(n, cls, request ? "request-media-type-removed" : "response-media-type-removed", {m.doc, m.pointer}, {},
             label + " media type " + m.key + " was removed");
        continue;
      }
      matched.insert(x);
      schema_context ctx{prefix, dir, label + " " + x->key, false};
      compare_schema_at(ctx, m.doc, m.pointer + "/schema", x->doc, x->pointer + "/schema");
    }
    for (const auto& x : nw)
      if (matched.count(&x) == 0 && match_media(x, o) == nullptr)
        emit(n, change_class::compatible, request ? "request-media-type-added" : "response-media-type-added", {},
             {x.doc, x.pointer}, label + " media type " + x.key + " was added");
  }

  void compare_body(const operation& o, const operation& n) {
    if (!o.body && !n.body) return;
    if (!o.body) {
      if (n.body->required)
        emit(n, change_class::breaking, "request-body-required-added", {}, {n.doc, n.body->pointer},
             "a required request body was added");
      else
        emit(n, change_class::compatible, "request-body-optional-added", {}, {n.doc, n.body->pointer},
             "an optional request body was added");
      return;
    }
    if (!n.body) {
      emit(n, change_class::potentially_breaking, "request-body-removed", {o.doc, o.body->pointer}, {},
           "the request body was removed");
      return;
    }
    if (!o.body->required && n.body->required)
      emit(n, change_class::breaking, "request-body-made-required", {o.doc, o.body->pointer}, {n.doc, n.body->pointer},
           "the request body became required");
    else if (o.body->required && !n.body->required)
      emit(n, change_class::compatible, "request-body-made-optional", {o.doc, o.body->pointer},
           {n.doc, n.body->pointer}, "the request body became optional");
    compare_content(n, o.body->content, n.body->content, "request-body", direction::request, "request body");
  }

  void compare_responses(const operation& o, const operation& n) {
    for (const auto& r : o.responses) {
      auto it = std::find_if(n.responses.begin(), n.responses.end(), [&](const response& x) { return x.status == r.status; });
      if (it == n.responses.end()) {
        emit(n, change_class::breaking, "response-status-removed", {o.doc, r.pointer}, {},
             "response " + r.status + " was removed");
        continue;
      }
      compare_content(n, r.content, it->content, "response-body", direction::response, "response " + r.status);
      compare_headers(o, n, r, *it);
    }
    for (const auto& r : n.responses) {
      bool known = std::any_of(o.responses.begin(), o.responses.end(), [&](const response& x) { return x.status == r.status; });
      if (!known)
        emit(n, change_class::compatible, "response-status-added", {}, {n.doc, r.pointer}, "response " + r.status + " was added");
    }
  }

  // Response headers, matched by name (case-insensitively): what clients read.
  void compare_headers(const operation& o, const operation& n, const response& r, const response& x) {
    auto find = [](const response& in, const std::string& name) -> const response_header* {
      for (const auto& h : in.headers)
        if (text_equal_ci(h.name, name)) return &h;
      return nullptr;
    };
    for (const auto& h : r.headers) {
      const std::string label = "response " + r.status + " header " + h.name;
      const response_header* y = find(x, h.name);
      if (y == nullptr) {
        // A client reading a header it was promised breaks; one that was optional it had to do without.
        emit(n, h.required ? change_class::breaking : change_class::potentially_breaking, "response-header-removed",
             {o.doc, h.pointer}, {}, label + " was removed");
        continue;
      }
      if (h.required && !y->required)
        emit(n, change_class::breaking, "response-header-made-optional", {o.doc, h.pointer}, {n.doc, y->pointer},
             label + " is no longer required (clients relying on it break)");
      else if (!h.required && y->required)
        emit(n, change_class::compatible, "response-header-made-required", {o.doc, h.pointer}, {n.doc, y->pointer},
             label + " became required");
      schema_context ctx{"response-header", direction::response, label, false};
      compare_schema_at(ctx, o.doc, h.pointer + "/schema", n.doc, y->pointer + "/schema");
    }
    for (const auto& y : x.headers)
      if (find(r, y.name) == nullptr)
        emit(n, change_class::compatible, "response-header-added", {}, {n.doc, y.pointer},
             "response " + x.status + " header " + y.name + " was added");
  }

  void compare_security(const operation& o, const operation& n) {
    auto as_set = [](const operation& op) {
      std::set<std::set<std::string>> s;
      for (const auto& alt : op.security) s.insert(std::set<std::string>(alt.begin(), alt.end()));
      return s;
    };
    auto describe = [](const std::set<std::set<std::string>>& s) {
      if (s.empty()) return std::string("none");
      std::string out;
      for (const auto& alt : s) {
        std::string one;
        for (const auto& name : alt) one += (one.empty() ? "" : "+") + name;
        out += (out.empty() ? "" : " or ") + (one.empty() ? std::string("anonymous") : one);
      }
      return out;
    };
    const auto a = as_set(o), b = as_set(n);
    if (a == b) return;
    const where os{o.doc, o.pointer}, ns{n.doc, n.pointer};
    const std::string msg = "security " + describe(a) + " became " + describe(b);
    const bool a_open = a.empty() || a.count({}) != 0, b_open = b.empty() || b.count({}) != 0;
    if (b_open) {
      emit(n, change_class::compatible, "security-removed", os, ns, msg);
    } else if (a_open) {
      emit(n, change_class::breaking, "security-added", os, ns, msg);
    } else if (std::includes(b.begin(), b.end(), a.begin(), a.end())) {
      emit(n, change_class::compatible, "security-alternative-added", os, ns, msg);
    } else {
      emit(n, change_class::breaking, "security-changed", os, ns, msg);
    }
  }

  // ---- schemas ----

  void compare_schema_at(const schema_context& ctx, const document* od, const std::string& op, const document* nd,
                         const std::string& np) {
    if (od == nullptr || nd == nullptr) return;
    const json* on = od->find(op);
    const json* nn = nd->find(np);
    if (on == nullptr || nn == nullptr) return;
    done_.clear();  // each top-level schema is compared in full: a shared component is reported where it is used
    compare_schema(ctx, "", old_.docs().deref(*od, on, op), new_.docs().deref(*nd, nn, np));
  }

  void collect(const document_set& docs, const resolved_node& r, schema_view& v, int depth) {
    if (r.node == nullptr || !r.node->is_object() || depth > 32) return;
    const json& s = *r.node;
    if (auto it = s.find("allOf"); it != s.end() && it->is_array())
      for (std::size_t i = 0; i < it->size(); ++i) {
        std::string p = r.pointer + "/allOf/" + std::to_string(i);
        collect(docs, docs.deref(*r.doc, &(*it)[i], p), v, depth + 1);
      }
    if (auto it = s.find("type"); it != s.end() && it->is_string()) v.types.insert(it->get<std::string>());
    if (auto it = s.find("nullable"); it != s.end() && it->is_boolean() && it->get<bool>()) v.nullable = true;
    if (auto it = s.find("enum"); it != s.end() && it->is_array()) v.enum_values = &*it;
    if (auto it = s.find("format"); it != s.end() && it->is_string()) v.format = it->get<std::string>();
    if (auto it = s.find("pattern"); it != s.end() && it->is_string()) v.pattern = it->get<std::string>();
    if (auto it = s.find("default"); it != s.end() && v.default_value == nullptr) v.default_value = &*it;
    for (const char* k : {"minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "minProperties",
                          "maxProperties"})
      if (auto it = s.find(k); it != s.end() && it->is_number()) v.limits[k] = it->get<double>();
    for (const char* k : {"exclusiveMinimum", "exclusiveMaximum"})
      if (auto it = s.find(k); it != s.end() && it->is_boolean() && it->get<bool>()) v.exclusive.insert(k);
    if (auto it = s.find("properties"); it != s.end() && it->is_object())
      for (auto p = it->begin(); p != it->end(); ++p) {
        if (v.properties.count(p.key()) != 0) continue;
        std::string ptr = r.pointer + "/properties/" + escape_pointer_token(p.key());
        v.properties.emplace(p.key(), docs.deref(*r.doc, &p.value(), ptr));
      }
    if (auto it = s.find("required"); it != s.end() && it->is_array())
      for (const auto& x : *it)
        if (x.is_string()) v.required.insert(x.get<std::string>());
    if (auto it = s.find("additionalProperties"); it != s.end()) {
      if (it->is_boolean() && !it->get<bool>()) v.closed = true;
      else if (it->is_object() && !v.additional) v.additional = docs.deref(*r.doc, &*it, r.pointer + "/additionalProperties");
    }
    if (auto it = s.find("items"); it != s.end() && !v.items) v.items = docs.deref(*r.doc, &*it, r.pointer + "/items");
    for (const char* k : {"oneOf", "anyOf"})
      if (auto it = s.find(k); it != s.end() && it->is_array())
        for (std::size_t i = 0; i < it->size(); ++i)
          v.branches.push_back(docs.deref(*r.doc, &(*it)[i], r.pointer + "/" + k + "/" + std::to_string(i)));
  }

  // Narrowing breaks requests, widening breaks responses.
  static change_class narrowed(const schema_context& ctx) {
    return ctx.dir == direction::request ? change_class::breaking : change_class::compatible;
  }
  static change_class widened(const schema_context& ctx) {
    return ctx.dir == direction::request ? change_class::compatible : change_class::breaking;
  }

  static std::string subject(const schema_context& ctx, const std::string& at) {
    return at.empty() ? ctx.label : ctx.label + " property " + at;
  }
  static std::string child(const std::string& at, const std::string& name) { return at.empty() ? name : at + "." + name; }

  void compare_schema(const schema_context& ctx, const std::string& at, const resolved_node& o, const resolved_node& n) {
    if (o.node == nullptr || n.node == nullptr) return;
    const std::pair<const json*, const json*> pair{o.node, n.node};
    if (on_stack_.count(pair) != 0 || !done_.insert(pair).second) return;  // a cycle, or compared already
    on_stack_.insert(pair);
    compare_schema_body(ctx, at, o, n);
    on_stack_.erase(pair);
  }

  void compare_schema_body(const schema_context& ctx, const std::string& at, const resolved_node& o,
                           const resolved_node& n) {
    schema_view a, b;
    collect(old_.docs(), o, a, 0);
    collect(new_.docs(), n, b, 0);
    const operation& op = *cur_;
    const where os{o.doc, o.pointer}, ns{n.doc, n.pointer};
    const std::string who = subject(ctx, at);
    auto say = [&](change_class c, const std::string& what, const std::string& msg) {
      emit(op, c, ctx.prefix + "-" + what, os, ns, who + ": " + msg);
    };
    auto join = [](const std::set<std::string>& s) {
      std::string out;
      for (const auto& x : s) out += (out.empty() ? "" : "|") + x;
      return out.empty() ? std::string("any") : out;
    };
    if (a.types != b.types) {
      const std::string msg = "type " + join(a.types) + " became " + join(b.types);
      if (covers(a.types, b.types)) say(narrowed(ctx), "type-narrowed", msg);
      else if (covers(b.types, a.types)) say(widened(ctx), "type-widened", msg);
      else say(change_class::breaking, "type-changed", msg);
    }
    if (!a.nullable && b.nullable) say(widened(ctx), "nullable-added", "became nullable");
    if (a.nullable && !b.nullable) say(narrowed(ctx), "nullable-removed", "is no longer nullable");
    if (a.format != b.format) {
      const std::string msg =
          "format " + (a.format.empty() ? "none" : a.format) + " became " + (b.format.empty() ? "none" : b.format);
      if (a.format.empty()) say(narrowed(ctx), "format-narrowed", msg);
      else if (b.format.empty()) say(widened(ctx), "format-widened", msg);
      else say(change_class::breaking, "format-changed", msg);
    }
    compare_enum(ctx, a, b, say, os, ns, who);
    compare_limits(ctx, a, b, say);
    if (ctx.dir == direction::request) {
      // What the server assumes when a client leaves the value out: such clients get other behaviour.
      auto text = [](const json* v) { return v ? v->dump() : std::string("none"); };
      const bool differs = (a.default_value == nullptr) != (b.default_value == nullptr) ||
                           (a.default_value != nullptr && *a.default_value != *b.default_value);
      if (differs)
        say(change_class::potentially_breaking, "default-changed",
            "default " + text(a.default_value) + " became " + text(b.default_value));
    }
    if (!a.closed && b.closed)
      say(narrowed(ctx), "additional-properties-closed", "additionalProperties: false was added");
    if (a.closed && !b.closed)
      say(ctx.dir == direction::request ? change_class::compatible : change_class::potentially_breaking,
          "additional-properties-opened", "additionalProperties: false was removed");
    compare_properties(ctx, at, a, b);
    if (a.additional && b.additional) compare_schema(ctx, child(at, "*"), *a.additional, *b.additional);
    if (a.items && b.items) compare_schema(ctx, at + "[]", *a.items, *b.items);
    compare_branches(ctx, at, a, b, say);
  }

  template <typename Say>
  void compare_enum(const schema_context& ctx, const schema_view& a, const schema_view& b, Say& say, const where& os,
                    const where& ns, const std::string& who) {
    if (a.enum_values == nullptr && b.enum_values == nullptr) return;
    if (a.enum_values == nullptr) { say(narrowed(ctx), "enum-added", "an enum was added"); return; }
    if (b.enum_values == nullptr) { say(widened(ctx), "enum-removed", "the enum was removed"); return; }
    auto has = [](const json& list, const json& v) { return std::find(list.begin(), list.end(), v) != list.end(); };
    for (const auto& v : *a.enum_values)
      if (!has(*b.enum_values, v)) {
        if (ctx.api_version_header && v.is_string())
          emit(*cur_, change_class::breaking, "api-version-removed", os, ns,
               who + ": API version " + v.get<std::string>() + " is no longer offered");
        else
          say(narrowed(ctx), "enum-value-removed", "enum value " + v.dump() + " was removed");
      }
    for (const auto& v : *b.enum_values)
      if (!has(*a.enum_values, v))
        say(ctx.dir == direction::request ? change_class::compatible : change_class::potentially_breaking,
            "enum-value-added", "enum value " + v.dump() + " was added");
  }

  template <typename Say>
  void compare_limits(const schema_context& ctx, const schema_view& a, const schema_view& b, Say& say) {
    for (const auto& [k, ov] : a.limits) {
      const bool is_min = k.rfind("min", 0) == 0;
      auto it = b.limits.find(k);
      if (it == b.limits.end()) { say(widened(ctx), "limit-widened", k + " " + format_number(ov) + " was removed"); continue; }
      if (it->second == ov) continue;
      const bool tighter = is_min ? it->second > ov : it->second < ov;
      say(tighter ? narrowed(ctx) : widened(ctx), tighter ? "limit-narrowed" : "limit-widened",
          k + " " + format_number(ov) + " became " + format_number(it->second));
    }
    for (const auto& [k, nv] : b.limits)
      if (a.limits.count(k) == 0) say(narrowed(ctx), "limit-narrowed", k + " " + format_number(nv) + " was added");
    for (const auto& k : b.exclusive)
      if (a.exclusive.count(k) == 0) say(narrowed(ctx), "limit-narrowed", k + " was added");
    for (const auto& k : a.exclusive)
      if (b.exclusive.count(k) == 0) say(widened(ctx), "limit-widened", k + " was removed");
    if (a.pattern != b.pattern) {
      if (a.pattern.empty()) say(narrowed(ctx), "limit-narrowed", "pattern " + b.pattern + " was added");
      else if (b.pattern.empty()) say(widened(ctx), "limit-widened", "pattern " + a.pattern + " was removed");
      else say(change_class::breaking, "pattern-changed", "pattern " + a.pattern + " became " + b.pattern);
    }
  }

  void compare_properties(const schema_context& ctx, const std::string& at, const schema_view& a, const schema_view& b) {
    const operation& op = *cur_;
    const bool req = ctx.dir == direction::request;
    // readOnly properties are never sent, writeOnly ones never received: whether they are required
    // does not matter on that side.
    const char* unseen = req ? "readOnly" : "writeOnly";
    for (const auto& [name, on] : a.properties) {
      const std::string who = subject(ctx, child(at, name));
      auto it = b.properties.find(name);
      if (it == b.properties.end()) {
        emit(op, req ? change_class::potentially_breaking : change_class::breaking, ctx.prefix + "-property-removed",
             {on.doc, on.pointer}, {}, who + " was removed");
        continue;
      }
      const auto& nn = it->second;
      const bool was = a.required.count(name) != 0 && !flag(on, unseen);
      const bool is = b.required.count(name) != 0 && !flag(nn, unseen);
      if (!was && is)
        emit(op, req ? change_class::breaking : change_class::compatible, ctx.prefix + "-property-made-required",
             {on.doc, on.pointer}, {nn.doc, nn.pointer}, who + " became required");
      if (was && !is)
        emit(op, req ? change_class::compatible : change_class::breaking, ctx.prefix + "-property-made-optional",
             {on.doc, on.pointer}, {nn.doc, nn.pointer}, who + " became optional");
      compare_schema(ctx, child(at, name), on, nn);
    }
    for (const auto& [name, nn] : b.properties) {
      if (a.properties.count(name) != 0) continue;
      const bool required = b.required.count(name) != 0 && !flag(nn, unseen);
      emit(op, req && required ? change_class::breaking : change_class::compatible,
           ctx.prefix + (required ? "-property-required-added" : "-property-optional-added"), {},
           {nn.doc, nn.pointer}, (required ? "required " : "optional ") + subject(ctx, child(at, name)) + " was added");
    }
  }

  // Whether two branches compare without any change (nothing is emitted while trying).
  // The schemas being compared further up stay on the stack (a cycle back to them counts as the
  // same); each pair is tried once per direction.
  bool same_branch(const schema_context& ctx, const std::string& at, const resolved_node& ob, const resolved_node& nb) {
    if (ob.node == nullptr || nb.node == nullptr) return ob.node == nb.node;
    const auto key = std::make_tuple(ob.node, nb.node, ctx.dir == direction::request, ctx.api_version_header);
    if (auto it = trials_.find(key); it != trials_.end()) return it->second;
    std::set<std::pair<const json*, const json*>> trial;
    done_.swap(trial);
    ++muted_;
    const std::size_t before = muted_hits_;
    compare_schema(ctx, at, ob, nb);
    const bool same = muted_hits_ == before;
    --muted_;
    done_.swap(trial);
    trials_.emplace(key, same);
    return same;
  }

  // oneOf/anyOf: each old branch is matched to a new branch that compares without change (the same
  // position first). Branches added widen the union, branches removed narrow it; a branch that
  // changed is compared with the one at its position when both unions have the same size,
  // otherwise the union changed in a way that cannot be classified further: potentially breaking.
  template <typename Say>
  void compare_branches(const schema_context& ctx, const std::string& at, const schema_view& a, const schema_view& b,
                        Say& say) {
    if (a.branches.empty() && b.branches.empty()) return;
    std::vector<int> old_to_new(a.branches.size(), -1);
    std::vector<bool> new_used(b.branches.size(), false);
    for (std::size_t i = 0; i < a.branches.size(); ++i) {
      auto try_one = [&](std::size_t j) {
        if (new_used[j] || !same_branch(ctx, at, a.branches[i], b.branches[j])) return false;
        old_to_new[i] = static_cast<int>(j);
        new_used[j] = true;
        return true;
      };
      if (i < b.branches.size() && try_one(i)) continue;
      for (std::size_t j = 0; j < b.branches.size(); ++j)
        if (j != i && try_one(j)) break;
    }
    std::size_t old_unmatched = 0, new_unmatched = 0;
    for (int x : old_to_new) old_unmatched += x < 0 ? 1 : 0;
    for (bool u : new_used) new_unmatched += u ? 0 : 1;
    if (old_unmatched == 0 && new_unmatched == 0) return;
    if (old_unmatched == 0) {
      say(ctx.dir == direction::request ? change_class::compatible : change_class::potentially_breaking,
          "union-branch-added", std::to_string(new_unmatched) + " oneOf/anyOf branch(es) added");
      return;
    }
    if (new_unmatched == 0) {
      say(narrowed(ctx), "union-branch-removed", std::to_string(old_unmatched) + " oneOf/anyOf branch(es) removed");
      return;
    }
    if (a.branches.size() == b.branches.size()) {
      bool positional = true;
      for (std::size_t i = 0; i < a.branches.size(); ++i)
        if (old_to_new[i] < 0 && new_used[i]) positional = false;
      if (positional) {
        for (std::size_t i = 0; i < a.branches.size(); ++i)
          if (old_to_new[i] < 0) compare_schema(ctx, at, a.branches[i], b.branches[i]);
        return;
      }
    }
    say(change_class::potentially_breaking, "union-changed",
        "oneOf/anyOf of " + std::to_string(a.branches.size()) + " branch(es) became " +
            std::to_string(b.branches.size()) + ", " + std::to_string(old_unmatched) + " of them changed");
  }

  const contract& old_;
  const contract& new_;
  const operation* cur_ = nullptr;
  std::set<std::pair<const json*, const json*>> on_stack_;  // pairs being compared (cycle guard)
  std::set<std::pair<const json*, const json*>> done_;      // pairs compared in this top-level schema
  std::map<std::tuple<const json*, const json*, bool, bool>, bool> trials_;  // union branches tried
  int muted_ = 0;
  std::size_t muted_hits_ = 0;
  diff_result result_;
};

}  // namespace

std::string_view class_name(change_class c) {
  switch (c) {
    case change_class::breaking: return "breaking";
    case change_class::potentially_breaking: return "potentially-breaking";
    case change_class::compatible: return "compatible";
  }
  return "compatible";
}

std::size_t diff_result::count(change_class c) const {
  return static_cast<std::size_t>(std::count_if(changes.begin(), changes.end(), [&](const change& x) { return x.cls == c; }));
}

std::size_t diff_result::operations() const {
  std::set<std::pair<std::string, std::string>> ops;
  for (const auto& c : changes) ops.insert({c.method, c.path});
  return ops.size();
}

bool diff_result::any_at_least(change_class at_least) const {
  return std::any_of(changes.begin(), changes.end(), [&](const change& c) { return c.cls >= at_least; });
}

diff_result compare(const contract& old_contract, const contract& new_contract) {
  return differ(old_contract, new_contract).run();
}

}  // namespace specgate::validator::diff
