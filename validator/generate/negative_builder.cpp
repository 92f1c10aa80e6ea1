// Negative requests: one edit of a valid request each, kept only when the request check refuses it.
#include "validator/generate/negative_builder.h"

#include <algorithm>
#include <optional>
#include <set>

#include "validator/check/request_validator.h"
#include "validator/text_util.h"

namespace specgate::validator {

namespace {

// A property of an object schema, after $ref.
struct property_schema {
  std::string name;
  const json* node = nullptr;
};

// What an object body schema says: its properties and required names, through $ref and allOf.
struct object_schema {
  std::vector<property_schema> properties;
  std::vector<std::string> required;
};

void collect_object(const document_set& docs, const document& doc, const json* raw, const std::string& pointer,
                    std::set<const json*>& seen, object_schema& out) {
  const resolved_node s = docs.deref(doc, raw, pointer);
  if (!s.node || !s.node->is_object() || !seen.insert(s.node).second) return;
  if (auto r = s.node->find("required"); r != s.node->end() && r->is_array())
    for (const auto& name : *r)
      if (name.is_string()) out.required.push_back(name.get<std::string>());
  if (auto props = s.node->find("properties"); props != s.node->end() && props->is_object())
    for (const auto& [name, node] : props->items()) {
      const resolved_node p = docs.deref(*s.doc, &node, pointer_append(pointer_append(s.pointer, "properties"), name));
      out.properties.push_back({name, p.node});
    }
  if (auto all = s.node->find("allOf"); all != s.node->end() && all->is_array())
    for (std::size_t i = 0; i < all->size(); ++i)
      collect_object(docs, *s.doc, &(*all)[i], pointer_append(pointer_append(s.pointer, "allOf"), std::to_string(i)),
                     seen, out);
}

const json* find_property(const object_schema& s, const std::string& name) {
  for (const auto& p : s.properties)
    if (p.name == name) return p.node;
  return nullptr;
}

// Values of another JSON type than the schema declares (or than `current` has), most telling first.
std::vector<json> wrong_types(const json* schema, const json& current) {
  std::string type;
  if (schema && schema->is_object())
    if (auto t = schema->find("type"); t != schema->end() && t->is_string()) type = t->get<std::string>();
  if (type.empty()) type = current.is_string() ? "string" : current.is_number() ? "number" : current.is_boolean() ? "boolean" : current.is_array() ? "array" : current.is_object() ? "object" : "";
  std::vector<json> out;
  if (type == "string") out = {json(12345), json(true), json::array({1})};
  else if (type == "number" || type == "integer") out = {json("specgate"), json(true), json::array({1})};
  else if (type == "boolean") out = {json("specgate"), json(12345), json::array({1})};
  else if (type == "array") out = {json("specgate"), json(12345), json::object({{"specgate", 1}})};
  else out = {json("specgate"), json(12345), json::array({json::array({json::array()})})};
  return out;
}

// A string enum's value that is not among its members.
std::optional<json> outside_enum(const json* schema) {
  if (!schema || !schema->is_object()) return std::nullopt;
  auto e = schema->find("enum");
  if (e == schema->end() || !e->is_array() || e->empty()) return std::nullopt;
  for (const auto& v : *e)
    if (!v.is_string() && !v.is_null()) return std::nullopt;
  std::string value = "specgate-not-in-enum";
  while (std::find(e->begin(), e->end(), json(value)) != e->end()) value += "-x";
  return json(value);
}

class negative_maker {
 public:
  negative_maker(const contract& c, const built_request& positive) : check_(c), positive_(positive) {}

  // Keeps `r` when the request check refuses it on the same operation with a 4xx.
  bool keep(built_request r, std::string label) {
    const rendered_request wire = r.render();
    const request_outcome outcome = check_.check({wire.method, wire.target, wire.headers, wire.body});
    if (outcome.op != positive_.op || outcome.found.empty()) return false;
    const int status = outcome.status();
    if (status < 400 || status >= 500) return false;
    r.name = label;
    negative_request n;
    n.request = std::move(r);
    n.label = std::move(label);
    n.expected_status = status;
    n.expected = "a 4xx refusal (the contract's answer: " + std::to_string(status) + " " + outcome.found.front().code + ")";
    out_.push_back(std::move(n));
    return true;
  }
  std::vector<negative_request> take() { return std::move(out_); }

 private:
  request_validator check_;
  const built_request& positive_;
  std::vector<negative_request> out_;
};

}  // namespace

std::vector<negative_request> build_negatives(const contract& c, const built_request& positive,
                                              const negative_options& options) {
  negative_maker make(c, positive);
  if (!positive.op) return {};
  const operation& op = *positive.op;
  const bool kibana = c.profile() == profile::kibana;

  if (!op.security.empty() && !options.credential_headers.empty()) {
    built_request r = positive;
    bool removed = false;
    for (const auto& name : options.credential_headers) removed = r.remove_header(name) || removed;
    if (removed) make.keep(std::move(r), "negative: no credentials");
  }
  if (kibana && op.method != http_method::get && op.method != http_method::head && op.method != http_method::options) {
    built_request r = positive;
    if (r.remove_header("kbn-xsrf")) make.keep(std::move(r), "negative: missing kbn-xsrf header");
  }
  for (param_location in : {param_location::query, param_location::header, param_location::cookie}) {
    bool done = false;
    for (const auto& p : positive.params) {
      if (p.declared->in != in || !p.declared->required) continue;
      built_request r = positive;
      r.remove_param(p.declared->name, in);
      done = make.keep(std::move(r), "negative: missing required " + std::string(location_name(in)) + " parameter '" +
                                         p.declared->name + "'");
      if (done) break;
    }
    if (done) break;
  }

  // The body: a JSON object's properties.
  const media_type* media = positive.media;
  object_schema schema;
  if (media && is_json_essence(media->essence) && positive.body.is_object() && media->doc) {
    const std::string at = pointer_append(media->pointer, "schema");
    std::set<const json*> seen;
    if (const json* raw = media->doc->find(at)) collect_object(c.docs(), *media->doc, raw, at, seen, schema);
  }
  if (!schema.properties.empty() || !schema.required.empty()) {
    std::string target;  // the property the body edits aim at: the first required one present
    for (const auto& name : schema.required)
      if (positive.body.contains(name)) {
        built_request r = positive;
        r.body.erase(name);
        if (make.keep(std::move(r), "negative: missing required property /" + name)) {
          target = name;
          break;
        }
      }
    if (target.empty() && !positive.body.empty()) target = positive.body.begin().key();
    if (!target.empty()) {
      for (const json& wrong : wrong_types(find_property(schema, target), positive.body[target])) {
        built_request r = positive;
        r.body[target] = wrong;
        if (make.keep(std::move(r), "negative: wrong type at /" + target)) break;
      }
    }
    bool enum_done = false;
    for (const auto& p : schema.properties) {
      const auto value = outside_enum(p.node);
      if (!value || !positive.body.contains(p.name)) continue;
      built_request r = positive;
      r.body[p.name] = *value;
      if ((enum_done = make.keep(std::move(r), "negative: value outside the enum at /" + p.name))) break;
    }
    if (enum_done) return make.take();
  }
  for (const auto& p : positive.params) {
    if (p.declared->in != param_location::query || !p.declared->doc) continue;
    const json* object = p.declared->doc->find(p.declared->pointer);
    if (!object || !object->is_object() || !object->contains("schema")) continue;
    const resolved_node s = c.docs().deref(*p.declared->doc, &(*object)["schema"], pointer_append(p.declared->pointer, "schema"));
    const auto value = outside_enum(s.node);
    if (!value) continue;
    built_request r = positive;
    r.param(p.declared->name, param_location::query)->value = *value;
    if (make.keep(std::move(r), "negative: value outside the enum of query parameter '" + p.declared->name + "'")) break;
  }
  return make.take();
}

}  // namespace specgate::validator
