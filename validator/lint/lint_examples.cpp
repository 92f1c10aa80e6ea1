// Example rules: every example validated against its schema, in the direction it is used.
#include "validator/lint/lint_examples.h"

#include <array>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "validator/lint/lint.h"

namespace specgate::validator::lint {

namespace {

constexpr std::array<rule_info, 4> rules = {{
    {"example-invalid", severity::error,
     "an example that does not match its schema misleads readers and generated clients, and the mock never serves it"},
    {"example-read-write-only", severity::warning,
     "a request example carrying a readOnly property (or a response example a writeOnly one) shows clients what they should not send"},
    {"example-schema-missing", severity::warning,
     "an example under a media type without a schema is checked by nothing, and the body it shows is undocumented"},
    {"example-unchecked", severity::warning,
     "the example's schema cannot be compiled, so nothing checks the example (other linters skip it silently)"},
}};

constexpr std::array<const char*, 8> methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

// "#/a/b" in the entry document, "file#/a/b" in another one (as schema_error::schema_pointer has it).
std::string ref_text(const document_set& docs, const document* doc, std::string_view pointer) {
  std::string out = doc == &docs.root() ? std::string() : doc->file();
  out += '#';
  out += pointer;
  return out;
}

class surveyor {
 public:
  surveyor(const document_set& docs, example_survey& out) : docs_(docs), out_(out) {}

  void run() {
    for (const auto& d : docs_.documents()) {
      const document& doc = *d;
      const json& root = doc.root();
      if (!root.is_object()) continue;
      if (auto paths = root.find("paths"); paths != root.end() && paths->is_object())
        for (const auto& [path, item] : paths->items())
          path_item(doc, item, pointer_append(pointer_append("", "paths"), path));
      auto components = root.find("components");
      if (components == root.end() || !components->is_object()) continue;
      const std::string at = pointer_append("", "components");
      auto each = [&](const char* section, auto&& visit) {
        auto s = components->find(section);
        if (s == components->end() || !s->is_object()) return;
        const std::string sp = pointer_append(at, section);
        for (const auto& [name, node] : s->items()) visit(node, pointer_append(sp, name));
      };
      each("schemas", [&](const json& n, const std::string& p) { schema(doc, n, p); });
      each("parameters", [&](const json& n, const std::string& p) { parameter(doc, n, p, example_kind::parameter, direction::request); });
      each("headers", [&](const json& n, const std::string& p) { parameter(doc, n, p, example_kind::header, direction::response); });
      each("requestBodies", [&](const json& n, const std::string& p) { body(doc, n, p, direction::request); });
      each("responses", [&](const json& n, const std::string& p) { response(doc, n, p); });
      each("callbacks", [&](const json& n, const std::string& p) { callback(doc, n, p); });
    }
  }

 private:
  const document_set& docs_;
  example_survey& out_;
  std::set<std::tuple<const document*, std::string, char>> visited_;

  // Follows a $ref (into any file); false when the node was seen already in this role or dangles.
  bool enter(const document*& doc, const json*& node, std::string& pointer, char role) {
    resolved_node r = docs_.deref(*doc, node, pointer);
    if (!r.node || !r.node->is_object()) return false;
    doc = r.doc;
    node = r.node;
    pointer = std::move(r.pointer);
    return visited_.emplace(doc, pointer, role).second;
  }

  void path_item(const document& from, const json& raw, std::string pointer) {
    const document* doc = &from;
    const json* node = &raw;
    if (!enter(doc, node, pointer, 'P')) return;
    parameters(*doc, *node, pointer);
    for (const char* m : methods)
      if (auto op = node->find(m); op != node->end() && op->is_object()) operation(*doc, *op, pointer_append(pointer, m));
  }

  void parameters(const document& doc, const json& owner, const std::string& pointer) {
    auto list = owner.find("parameters");
    if (list == owner.end() || !list->is_array()) return;
    const std::string at = pointer_append(pointer, "parameters");
    for (std::size_t i = 0; i < list->size(); ++i)
      parameter(doc, (*list)[i], pointer_append(at, std::to_string(i)), example_kind::parameter, direction::request);
  }

  void operation(const document& doc, const json& op, const std::string& pointer) {
    parameters(doc, op, pointer);
    if (auto b = op.find("requestBody"); b != op.end()) body(doc, *b, pointer_append(pointer, "requestBody"), direction::request);
    if (auto rs = op.find("responses"); rs != op.end() && rs->is_object())
      for (const auto& [status, r] : rs->items()) response(doc, r, pointer_append(pointer_append(pointer, "responses"), status));
    if (auto cbs = op.find("callbacks"); cbs != op.end() && cbs->is_object())
      for (const auto& [name, cb] : cbs->items()) callback(doc, cb, pointer_append(pointer_append(pointer, "callbacks"), name));
  }

  void callback(const document& from, const json& raw, std::string pointer) {
    const document* doc = &from;
    const json* node = &raw;
    if (!enter(doc, node, pointer, 'C')) return;
    for (const auto& [expression, item] : node->items()) path_item(*doc, item, pointer_append(pointer, expression));
  }

  void body(const document& from, const json& raw, std::string pointer, direction dir) {
    const document* doc = &from;
    const json* node = &raw;
    if (!enter(doc, node, pointer, dir == direction::request ? 'B' : 'b')) return;
    content(*doc, *node, pointer, dir);
  }

  void response(const document& from, const json& raw, std::string pointer) {
    const document* doc = &from;
    const json* node = &raw;
    if (!enter(doc, node, pointer, 'R')) return;
    if (auto hs = node->find("headers"); hs != node->end() && hs->is_object())
      for (const auto& [name, h] : hs->items())
        parameter(*doc, h, pointer_append(pointer_append(pointer, "headers"), name), example_kind::header, direction::response);
    content(*doc, *node, pointer, direction::response);
  }

  void content(const document& doc, const json& owner, const std::string& pointer, direction dir) {
    auto c = owner.find("content");
    if (c == owner.end() || !c->is_object()) return;
    const std::string at = pointer_append(pointer, "content");
    for (const auto& [key, media] : c->items()) {
      if (!media.is_object()) continue;
      const std::string mp = pointer_append(at, key);
      if (auto s = media.find("schema"); s != media.end()) {
        schema(doc, *s, pointer_append(mp, "schema"));
        examples(doc, media, mp, example_kind::media_type, pointer_append(mp, "schema"), {dir});
      } else {
        examples(doc, media, mp, example_kind::media_type, {}, {});  // nothing to check them against
      }
    }
  }

  // A Parameter Object or a Header Object (the same shape): schema or content, and its examples.
  void parameter(const document& from, const json& raw, std::string pointer, example_kind kind, direction dir) {
    const document* doc = &from;
    const json* node = &raw;
    if (!enter(doc, node, pointer, kind == example_kind::parameter ? 'A' : 'H')) return;
    std::string schema_at;
    if (auto s = node->find("schema"); s != node->end()) {
      schema_at = pointer_append(pointer, "schema");
      schema(*doc, *s, schema_at);
    } else if (auto c = node->find("content"); c != node->end() && c->is_object() && c->size() == 1 &&
                                               c->begin()->is_object() && c->begin()->contains("schema")) {
      const std::string mp = pointer_append(pointer_append(pointer, "content"), c->begin().key());
      schema_at = pointer_append(mp, "schema");
      schema(*doc, c->begin()->at("schema"), schema_at);
      examples(*doc, *c->begin(), mp, kind, schema_at, {dir});
    }
    if (!schema_at.empty()) examples(*doc, *node, pointer, kind, schema_at, {dir});
  }

  // A Schema Object and every schema inside it; its own `example` is checked against it.
  void schema(const document& from, const json& raw, std::string pointer) {
    const document* doc = &from;
    const json* node = &raw;
    if (!raw.is_object()) return;
    if (raw.contains("$ref")) {
      // A sibling `example` of a $ref describes the referenced schema: checked against it.
      if (auto e = raw.find("example"); e != raw.end() && visited_.emplace(doc, pointer, 'e').second)
        add_site(*doc, example_kind::schema, "example", pointer_append(pointer, "example"), {}, &*e, pointer,
                 {direction::request, direction::response});
    }
    if (!enter(doc, node, pointer, 'S')) return;
    if (!node->contains("$ref"))
      if (auto e = node->find("example"); e != node->end())
        add_site(*doc, example_kind::schema, "example", pointer_append(pointer, "example"), {}, &*e, pointer,
                 {direction::request, direction::response});
    for (const char* key : {"properties"})
      if (auto m = node->find(key); m != node->end() && m->is_object())
        for (const auto& [name, sub] : m->items()) schema(*doc, sub, pointer_append(pointer_append(pointer, key), name));
    for (const char* key : {"items", "additionalProperties", "not"})
      if (auto sub = node->find(key); sub != node->end() && sub->is_object()) schema(*doc, *sub, pointer_append(pointer, key));
    for (const char* key : {"allOf", "oneOf", "anyOf"})
      if (auto list = node->find(key); list != node->end() && list->is_array())
        for (std::size_t i = 0; i < list->size(); ++i)
          schema(*doc, (*list)[i], pointer_append(pointer_append(pointer, key), std::to_string(i)));
  }

  // `example` and the `examples` map of a media type, parameter or header at `pointer`.
  void examples(const document& doc, const json& owner, const std::string& pointer, example_kind kind,
                const std::string& schema_at, std::vector<direction> dirs) {
    if (auto map = owner.find("examples"); map != owner.end() && map->is_object()) {
      const std::string at = pointer_append(pointer, "examples");
      for (const auto& [name, entry] : map->items()) {
        const std::string ep = pointer_append(at, name);
        resolved_node r = docs_.deref(doc, &entry, ep);
        if (!r.node || !r.node->is_object()) continue;  // dangling $ref or not an Example Object: the loader's
        auto v = r.node->find("value");
        if (v == r.node->end()) continue;  // externalValue or nothing: the contract builder reports it
        const bool referenced = entry.is_object() && entry.contains("$ref");
        add_site(doc, kind, name, referenced ? ep : pointer_append(ep, "value"),
                 referenced ? ref_text(docs_, r.doc, r.pointer) : std::string(), &*v, schema_at, dirs);
      }
    }
    if (auto e = owner.find("example"); e != owner.end())
      add_site(doc, kind, "example", pointer_append(pointer, "example"), {}, &*e, schema_at, dirs);
  }

  void add_site(const document& doc, example_kind kind, std::string name, std::string pointer, std::string target,
                const json* value, const std::string& schema_at, const std::vector<direction>& dirs) {
    example_site site;
    site.kind = kind;
    site.name = std::move(name);
    site.doc = &doc;
    site.pointer = std::move(pointer);
    site.target = std::move(target);
    site.value = value;
    if (!dirs.empty()) site.schema_pointer = ref_text(docs_, &doc, schema_at);
    site.schema_at = schema_at;
    if (dirs.size() == 1) site.used_in = dirs.front();
    for (direction d : dirs) site.schemas.push_back(out_.registry->add(doc, schema_at, d));
    out_.sites.push_back(std::move(site));
  }
};

// Walks an example value beside its raw schema (see misplaced_properties in the header).
class property_walker {
 public:
  property_walker(const document_set& docs, const char* flag, std::vector<misplaced_property>& out)
      : docs_(docs), flag_(flag), out_(out) {}

  void walk(const document* doc, const json* node, std::string pointer, const json& value, const std::string& at,
            int depth) {
    if (depth > 64) return;
    resolved_node r = docs_.deref(*doc, node, std::move(pointer));
    if (!r.node || !r.node->is_object()) return;
    if (value.is_array()) {
      if (auto items = r.node->find("items"); items != r.node->end())
        for (std::size_t i = 0; i < value.size(); ++i)
          walk(r.doc, &*items, pointer_append(r.pointer, "items"), value[i], pointer_append(at, std::to_string(i)),
               depth + 1);
      return;
    }
    if (!value.is_object()) return;
    // Every property declared by the schema and its allOf members (through $ref).
    std::map<std::string, resolved_node> declared;
    std::optional<resolved_node> additional;
    std::set<const json*> seen;
    std::vector<resolved_node> branches;  // oneOf/anyOf members met on the way
    collect(r, declared, additional, seen, branches, 0);
    // Each branch's own properties (and its allOf members'), for what the schema itself does not declare.
    std::vector<std::map<std::string, resolved_node>> branch_declared;
    for (const auto& b : branches) {
      std::map<std::string, resolved_node> props;
      std::optional<resolved_node> ignored;
      std::set<const json*> branch_seen;
      std::vector<resolved_node> nested;  // deeper unions are not followed
      collect(b, props, ignored, branch_seen, nested, depth + 1);
      branch_declared.push_back(std::move(props));
    }
    for (const auto& [name, member] : value.items()) {
      const std::string member_at = pointer_append(at, name);
      auto p = declared.find(name);
      if (p == declared.end()) {
        // Declared by union branches only: flagged when every branch declaring it flags it (the
        // example cannot be read as the branch without the flag), else followed into one that does not.
        std::vector<resolved_node> flagged, plain;
        for (const auto& props : branch_declared)
          if (auto q = props.find(name); q != props.end()) {
            resolved_node prop = docs_.deref(*q->second.doc, q->second.node, q->second.pointer);
            (is_flagged(prop) ? flagged : plain).push_back(q->second);
          }
        if (!flagged.empty() && plain.empty()) {
          resolved_node prop = docs_.deref(*flagged.front().doc, flagged.front().node, flagged.front().pointer);
          out_.push_back({member_at, ref_text(docs_, prop.doc, prop.pointer)});
        } else if (!plain.empty()) {
          walk(plain.front().doc, plain.front().node, plain.front().pointer, member, member_at, depth + 1);
        } else if (additional) {
          walk(additional->doc, additional->node, additional->pointer, member, member_at, depth + 1);
        }
        continue;
      }
      resolved_node prop = docs_.deref(*p->second.doc, p->second.node, p->second.pointer);
      if (is_flagged(prop)) {
        out_.push_back({member_at, ref_text(docs_, prop.doc, prop.pointer)});
        continue;
      }
      walk(p->second.doc, p->second.node, p->second.pointer, member, member_at, depth + 1);
    }
  }

 private:
  const document_set& docs_;
  const char* flag_;
  std::vector<misplaced_property>& out_;

  bool is_flagged(const resolved_node& prop) const {
    return prop.node && prop.node->is_object() && prop.node->value(flag_, false) == true;
  }

  void collect(const resolved_node& r, std::map<std::string, resolved_node>& declared,
               std::optional<resolved_node>& additional, std::set<const json*>& seen,
               std::vector<resolved_node>& branches, int depth) {
    if (depth > 64 || !r.node || !r.node->is_object() || !seen.insert(r.node).second) return;
    if (auto props = r.node->find("properties"); props != r.node->end() && props->is_object())
      for (const auto& [name, sub] : props->items())
        declared.try_emplace(name, resolved_node{r.doc, &sub, pointer_append(pointer_append(r.pointer, "properties"), name)});
    if (auto a = r.node->find("additionalProperties"); a != r.node->end() && a->is_object() && !additional)
      additional = resolved_node{r.doc, &*a, pointer_append(r.pointer, "additionalProperties")};
    if (auto all = r.node->find("allOf"); all != r.node->end() && all->is_array())
      for (std::size_t i = 0; i < all->size(); ++i)
        collect(docs_.deref(*r.doc, &(*all)[i], pointer_append(pointer_append(r.pointer, "allOf"), std::to_string(i))),
                declared, additional, seen, branches, depth + 1);
    for (const char* k : {"oneOf", "anyOf"})
      if (auto list = r.node->find(k); list != r.node->end() && list->is_array())
        for (std::size_t i = 0; i < list->size(); ++i)
          branches.push_back(
              docs_.deref(*r.doc, &(*list)[i], pointer_append(pointer_append(r.pointer, k), std::to_string(i))));
  }
};

// "/a/b" as it names a place inside the example; the example itself is "(the example)".
std::string instance_text(const std::string& pointer) { return pointer.empty() ? "the example itself" : pointer; }

std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n') c = ' ';
  return text;
}

}  // namespace

const char* to_string(example_kind kind) {
  switch (kind) {
    case example_kind::media_type: return "media type";
    case example_kind::parameter: return "parameter";
    case example_kind::header: return "header";
    case example_kind::schema: return "schema";
  }
  return "?";
}

example_survey survey_examples(const document_set& docs) {
  example_survey out;
  out.registry = std::make_unique<schema_registry>(docs);
  surveyor(docs, out).run();
  out.registry->compile();  // its problems are the load family's (the contract reports the same ones)
  return out;
}

example_verdict judge(const schema_registry& registry, const example_site& site) {
  example_verdict v;
  bool any_compiled = false;
  for (schema_id id : site.schemas) {
    if (!registry.compiled(id)) continue;
    any_compiled = true;
    if (registry.is_valid(id, *site.value)) return v;
  }
  if (!any_compiled) {
    v.checked = false;
    return v;
  }
  v.valid = false;
  for (schema_id id : site.schemas)
    if (registry.compiled(id)) {
      v.errors = registry.explain(id, *site.value);
      break;
    }
  return v;
}

std::vector<misplaced_property> misplaced_properties(const document_set& docs, const example_site& site) {
  std::vector<misplaced_property> out;
  if (!site.used_in) return out;
  const json* schema = site.doc->find(site.schema_at);
  if (!schema) return out;
  property_walker(docs, *site.used_in == direction::request ? "readOnly" : "writeOnly", out)
      .walk(site.doc, schema, site.schema_at, *site.value, "", 0);
  return out;
}

std::span<const rule_info> example_rules() { return rules; }

diagnostics check_examples(const lint_context& context) {
  diagnostics found;
  const example_survey survey = survey_examples(context.docs);
  for (const auto& site : survey.sites) {
    const example_verdict verdict = judge(*survey.registry, site);
    if (auto misplaced = misplaced_properties(context.docs, site); !misplaced.empty()) {
      const bool request = *site.used_in == direction::request;
      std::string message = std::string(request ? "request" : "response") + " " + to_string(site.kind) +
                            " example '" + site.name + "'" + (site.target.empty() ? "" : " (" + site.target + ")") +
                            " carries " + (request ? "readOnly" : "writeOnly") + " propert" +
                            (misplaced.size() == 1 ? "y" : "ies") + ", which " + (request ? "requests" : "responses") +
                            " should not:";
      for (std::size_t i = 0; i < misplaced.size(); ++i)
        message += (i ? ", " : " ") + misplaced[i].instance_pointer + " (" + misplaced[i].schema_pointer + ")";
      diagnostic d = site.doc->make_diagnostic(site.pointer, std::move(message), severity::warning);
      d.rule = "example-read-write-only";
      found.push_back(std::move(d));
    }
    if (verdict.valid && verdict.checked) continue;
    std::string what = std::string(to_string(site.kind)) + " example '" + site.name + "'";
    if (!site.target.empty()) what += " (" + site.target + ")";
    if (site.schemas.empty()) {
      diagnostic d = site.doc->make_diagnostic(
          site.pointer, what + " is not checked: its media type declares no schema", severity::warning);
      d.rule = "example-schema-missing";
      found.push_back(std::move(d));
      continue;
    }
    if (!verdict.checked) {
      diagnostic d = site.doc->make_diagnostic(
          site.pointer, what + " is not checked: its schema " + site.schema_pointer + " cannot be compiled",
          severity::warning);
      d.rule = "example-unchecked";
      found.push_back(std::move(d));
      continue;
    }
    std::string message = what + " does not match its schema " + site.schema_pointer + ":";
    constexpr std::size_t shown = 3;
    for (std::size_t i = 0; i < verdict.errors.size() && i < shown; ++i) {
      const schema_error& e = verdict.errors[i];
      message += (i ? "; " : " ") + std::string("at ") + instance_text(e.instance_pointer) + ": " + one_line(e.message) +
                 " (" + e.keyword + " at " + e.schema_pointer + ")";
    }
    if (verdict.errors.size() > shown) message += "; and " + std::to_string(verdict.errors.size() - shown) + " more";
    diagnostic d = site.doc->make_diagnostic(site.pointer, std::move(message), severity::error);
    d.rule = "example-invalid";
    found.push_back(std::move(d));
  }
  std::vector<std::string> file_order;
  for (const auto& d : context.docs.documents()) file_order.push_back(d->file());
  sort_diagnostics(found, file_order);  // document order (the walk follows each map's sorted keys)
  return found;
}

}  // namespace specgate::validator::lint
