#include "validator/schema.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <limits>
#include <unordered_map>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "validator/loader.h"

namespace specgate::validator {
namespace {

constexpr int max_inline_depth = 200;

// OpenAPI 3.0 Schema Object keywords that carry no validation here.
constexpr std::array annotation_keywords = {
    "title",      "description", "default", "example",    "externalDocs",
    "xml",        "deprecated",  "readOnly", "writeOnly", "discriminator",
};
// JSON Schema keywords that OpenAPI 3.0 does not have.
constexpr std::array foreign_keywords = {
    "const",   "examples", "$schema",    "$id",     "if",       "then",
    "else",    "contains", "$defs",      "definitions", "dependencies",
    "dependentRequired", "dependentSchemas", "patternProperties", "propertyNames",
    "prefixItems", "unevaluatedProperties", "unevaluatedItems", "contentMediaType",
    "contentEncoding", "$comment", "$anchor",
};
constexpr std::array validation_keywords = {
    "type",      "properties", "additionalProperties", "items",     "allOf",
    "oneOf",     "anyOf",      "not",                  "required",  "enum",
    "multipleOf", "maximum",   "exclusiveMaximum",     "minimum",   "exclusiveMinimum",
    "maxLength", "minLength",  "pattern",              "maxItems",  "minItems",
    "uniqueItems", "maxProperties", "minProperties",   "format",    "nullable",
    "$ref",
};

template <std::size_t N>
bool contains(const std::array<const char*, N>& list, std::string_view key) {
  return std::any_of(list.begin(), list.end(), [&](const char* k) { return key == k; });
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_schema_type(std::string_view t) {
  return t == "string" || t == "number" || t == "integer" || t == "boolean" || t == "array" ||
         t == "object";
}

bool is_non_negative_integer(const json& v) {
  return v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
}

std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    default: return v.is_number_integer() || v.is_number_unsigned() ? "integer" : "number";
  }
}

// A translated schema location: one OpenAPI node seen from one direction.
struct location {
  const document* doc;
  std::string pointer;
  direction dir;
};

}  // namespace

struct schema_registry::impl {
  const document_set& docs;
  // readOnly/writeOnly only matter when some schema uses them; until one is
  // seen, one translation serves both directions.
  bool direction_sensitive = false;
  bool saw_read_write_only = false;

  std::vector<location> locations;                      // index = definition number
  std::unordered_map<std::string, std::uint32_t> by_key;  // "doc|dir|pointer" -> location index
  std::deque<std::uint32_t> pending;                    // locations still to translate

  struct entry {
    std::uint32_t location;
    direction dir;
    const valijson::Subschema* subschema = nullptr;
    std::unique_ptr<valijson::Schema> own;  // only when compiled alone after a shared failure
  };
  std::vector<entry> entries;
  std::unordered_map<std::uint32_t, schema_id> entry_by_location;

  json root = json::object();
  valijson::Schema compiled_root;
  diagnostics problems;

  explicit impl(const document_set& d) : docs(d) {}

  std::size_t doc_index(const document* doc) const {
    const auto& all = docs.documents();
    for (std::size_t i = 0; i < all.size(); ++i)
      if (all[i].get() == doc) return i;
    return all.size();
  }

  std::uint32_t location_of(const document& doc, std::string pointer, direction dir) {
    if (!direction_sensitive) dir = direction::request;
    std::string key = std::to_string(doc_index(&doc));
    key += dir == direction::request ? "|q|" : "|s|";
    key += pointer;
    auto [it, inserted] = by_key.try_emplace(std::move(key), static_cast<std::uint32_t>(locations.size()));
    if (inserted) {
      locations.push_back({&doc, std::move(pointer), dir});
      pending.push_back(it->second);
    }
    return it->second;
  }

  static std::string definition_ref(std::uint32_t loc) { return "#/definitions/t" + std::to_string(loc); }

  void warn(const document& doc, const std::string& pointer, std::string message) {
    problems.push_back(doc.make_diagnostic(pointer, std::move(message), severity::warning));
  }

  json translate(const document& doc, const json& node, const std::string& ptr, direction dir, int depth);
  json translate_ref(const document& doc, const json& node, const std::string& ptr, direction dir);
  void apply_nullable(json& out);
  void translate_all();
  void restart() {
    std::vector<location> registered;
    for (const auto& e : entries) registered.push_back({locations[e.location].doc, locations[e.location].pointer, e.dir});
    locations.clear();
    by_key.clear();
    pending.clear();
    entry_by_location.clear();
    root = json::object();
    problems.clear();
    for (std::size_t i = 0; i < entries.size(); ++i) {
      entries[i].location = location_of(*registered[i].doc, registered[i].pointer, registered[i].dir);
      entry_by_location[entries[i].location] = static_cast<schema_id>(i);
    }
  }
  void compile_shared();
  void compile_alone(entry& e, std::uint32_t index);
};

json schema_registry::impl::translate_ref(const document& doc, const json& node, const std::string& ptr,
                                          direction dir) {
  const json& ref = node["$ref"];
  if (!ref.is_string()) {
    warn(doc, pointer_append(ptr, "$ref"), "$ref must be a string; the schema accepts any value");
    return json::object();
  }
  auto target = docs.resolve(doc, ref.get<std::string>());
  if (!target) return json::object();  // the loader already reported the dangling $ref
  json out = {{"$ref", definition_ref(location_of(*target->doc, target->pointer, dir))}};
  auto nullable = node.find("nullable");
  if (nullable != node.end() && nullable->is_boolean() && nullable->get<bool>())
    out = {{"anyOf", json::array({json{{"type", "null"}}, std::move(out)})}};
  return out;
}

void schema_registry::impl::apply_nullable(json& out) {
  const bool composite = out.contains("allOf") || out.contains("oneOf") || out.contains("anyOf") ||
                         out.contains("not") || out.contains("$ref");
  if (!composite) {
    auto type = out.find("type");
    if (type != out.end() && type->is_string()) *type = json::array({*type, "null"});
    auto values = out.find("enum");
    if (values != out.end() && std::find(values->begin(), values->end(), nullptr) == values->end())
      values->push_back(nullptr);
    return;
  }
  out = {{"anyOf", json::array({json{{"type", "null"}}, std::move(out)})}};
}

json schema_registry::impl::translate(const document& doc, const json& node, const std::string& ptr,
                                      direction dir, int depth) {
  if (depth > max_inline_depth) {
    warn(doc, ptr, "schema nested deeper than " + std::to_string(max_inline_depth) +
                       " levels; the rest accepts any value");
    return json::object();
  }
  if (node.is_boolean()) {
    warn(doc, ptr, "boolean schemas are not OpenAPI 3.0");
    return node.get<bool>() ? json::object() : json{{"not", json::object()}};
  }
  if (!node.is_object()) {
    warn(doc, ptr, "a schema must be an object, found " + type_name(node) + "; it accepts any value");
    return json::object();
  }
  if (node.contains("$ref")) return translate_ref(doc, node, ptr, dir);

  json out = json::object();
  bool nullable = false;
  const json* exclusive_max = nullptr;
  const json* exclusive_min = nullptr;
  const json* properties = nullptr;

  auto sub = [&](const json& child, const std::string& child_ptr) {
    return translate(doc, child, child_ptr, dir, depth + 1);
  };
  auto schema_list = [&](const std::string& key, const json& value, const std::string& at) {
    if (!value.is_array() || value.empty()) {
      warn(doc, at, key + " must be a non-empty array of schemas; ignored");
      return;
    }
    json list = json::array();
    for (std::size_t i = 0; i < value.size(); ++i) list.push_back(sub(value[i], pointer_append(at, std::to_string(i))));
    out[key] = std::move(list);
  };

  for (const auto& [key, value] : node.items()) {
    const std::string at = pointer_append(ptr, key);
    if ((key == "readOnly" || key == "writeOnly") && value == true) saw_read_write_only = true;
    if (key.starts_with("x-") || contains(annotation_keywords, key)) continue;
    if (key == "type") {
      if (value.is_string() && is_schema_type(value.get_ref<const std::string&>())) {
        out["type"] = value;
      } else {
        warn(doc, at, "type " + value.dump() + " is not one of string, number, integer, boolean, array, object; "
                      "it constrains nothing");
      }
    } else if (key == "properties") {
      if (!value.is_object()) {
        warn(doc, at, "properties must be an object; ignored");
        continue;
      }
      properties = &value;
      json props = json::object();
      for (const auto& [name, schema] : value.items()) props[name] = sub(schema, pointer_append(at, name));
      out["properties"] = std::move(props);
    } else if (key == "additionalProperties") {
      if (value.is_boolean()) out[key] = value;
      else if (value.is_object()) out[key] = sub(value, at);
      else warn(doc, at, "additionalProperties must be a boolean or a schema; ignored");
    } else if (key == "items") {
      if (value.is_object()) out[key] = sub(value, at);
      else warn(doc, at, "items must be a schema; ignored");
    } else if (key == "allOf" || key == "oneOf" || key == "anyOf") {
      schema_list(key, value, at);
    } else if (key == "not") {
      out[key] = sub(value, at);
    } else if (key == "required") {
      if (!value.is_array() || !std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); })) {
        warn(doc, at, "required must be an array of property names, found " +
                          (value.is_array() ? std::string("an array holding non-strings") : type_name(value)) +
                          "; it requires nothing");
        continue;
      }
      if (!value.empty()) out[key] = value;
    } else if (key == "enum") {
      if (value.is_array() && !value.empty()) out[key] = value;
      else warn(doc, at, "enum must be a non-empty array; ignored");
    } else if (key == "multipleOf") {
      if (value.is_number() && value.get<double>() > 0) out[key] = value;
      else warn(doc, at, "multipleOf must be a number greater than 0; ignored");
    } else if (key == "maximum" || key == "minimum") {
      if (value.is_number()) out[key] = value;
      else warn(doc, at, key + " must be a number; ignored");
    } else if (key == "exclusiveMaximum" || key == "exclusiveMinimum") {
      if (value.is_boolean()) (key == "exclusiveMaximum" ? exclusive_max : exclusive_min) = &value;
      else warn(doc, at, key + " must be a boolean in OpenAPI 3.0; ignored");
    } else if (key == "maxLength" || key == "minLength" || key == "maxItems" || key == "minItems" ||
               key == "maxProperties" || key == "minProperties") {
      if (is_non_negative_integer(value)) out[key] = value;
      else warn(doc, at, key + " must be a non-negative integer; ignored");
    } else if (key == "uniqueItems") {
      if (value.is_boolean()) out[key] = value;
      else warn(doc, at, "uniqueItems must be a boolean; ignored");
    } else if (key == "pattern") {
      if (!value.is_string()) warn(doc, at, "pattern must be a string; ignored");
      // Patterns are enforced by the validation engine's own linear-time matcher, not by valijson.
    } else if (key == "format") {
      if (!value.is_string()) {
        warn(doc, at, "format must be a string; ignored");
      } else if (value == "int32" || value == "int64") {
        const bool is32 = value == "int32";
        const double lo = is32 ? std::numeric_limits<std::int32_t>::min() : -9223372036854775808.0;
        const double hi = is32 ? std::numeric_limits<std::int32_t>::max() : 9223372036854775807.0;
        if (!node.contains("minimum")) out["minimum"] = is32 ? json(static_cast<std::int64_t>(lo)) : json(lo);
        if (!node.contains("maximum")) out["maximum"] = is32 ? json(static_cast<std::int64_t>(hi)) : json(hi);
      }
    } else if (key == "nullable") {
      if (value.is_boolean()) nullable = value.get<bool>();
      else warn(doc, at, "nullable must be a boolean; ignored");
    } else if (contains(foreign_keywords, key)) {
      warn(doc, at, "'" + key + "' is not an OpenAPI 3.0 schema keyword; ignored");
    } else {
      std::string message = "unknown schema keyword '" + key + "'; it constrains nothing";
      for (const char* known : validation_keywords)
        if (iequal(key, known)) message += " (did you mean '" + std::string(known) + "'?)";
      warn(doc, at, std::move(message));
    }
  }

  // OpenAPI 3.0's boolean exclusive bounds are draft 7's numeric ones.
  if (exclusive_max && exclusive_max->get<bool>() && out.contains("maximum")) {
    out["exclusiveMaximum"] = out["maximum"];
    out.erase("maximum");
  }
  if (exclusive_min && exclusive_min->get<bool>() && out.contains("minimum")) {
    out["exclusiveMinimum"] = out["minimum"];
    out.erase("minimum");
  }
  // readOnly properties are not required in requests, writeOnly ones not in responses.
  if (direction_sensitive && properties && out.contains("required")) {
    const char* skip = dir == direction::request ? "readOnly" : "writeOnly";
    json kept = json::array();
    for (const auto& name : out["required"]) {
      auto prop = properties->find(name.get<std::string>());
      bool flagged = prop != properties->end() && prop->is_object() && prop->value(skip, false) == true;
      if (!flagged) kept.push_back(name);
    }
    if (kept.empty()) out.erase("required");
    else out["required"] = std::move(kept);
  }
  if (nullable) apply_nullable(out);
  return out;
}

void schema_registry::impl::translate_all() {
  json& definitions = root["definitions"];
  if (definitions.is_null()) definitions = json::object();
  while (!pending.empty()) {
    const std::uint32_t index = pending.front();
    pending.pop_front();
    const location loc = locations[index];  // copy: translate() may grow `locations`
    const json* node = loc.doc->find(loc.pointer);
    json translated = node ? translate(*loc.doc, *node, loc.pointer, loc.dir, 0) : json::object();
    definitions["t" + std::to_string(index)] = std::move(translated);
  }
}

void schema_registry::impl::compile_shared() {
  json& props = root["properties"];
  props = json::object();
  for (std::size_t i = 0; i < entries.size(); ++i)
    props["e" + std::to_string(i)] = {{"$ref", definition_ref(entries[i].location)}};

  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter adapter(root);
  try {
    parser.populateSchema(adapter, compiled_root);
  } catch (const std::exception& e) {
    // One bad schema must not cost every other one: compile each alone.
    for (std::size_t i = 0; i < entries.size(); ++i) compile_alone(entries[i], static_cast<std::uint32_t>(i));
    return;
  }
  valijson::Subschema::ApplyFunction visit = [&](const valijson::constraints::Constraint& c) {
    if (auto* p = dynamic_cast<const valijson::constraints::PropertiesConstraint*>(&c)) {
      p->applyToProperties([&](const auto& name, const valijson::Subschema* s) {
        entries[std::stoul(std::string(name.begin() + 1, name.end()))].subschema = s;
        return true;
      });
    }
    return true;
  };
  compiled_root.apply(visit);
}

void schema_registry::impl::compile_alone(entry& e, std::uint32_t index) {
  json alone = {{"definitions", root["definitions"]}, {"$ref", definition_ref(e.location)}};
  auto schema = std::make_unique<valijson::Schema>();
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  try {
    valijson::adapters::NlohmannJsonAdapter adapter(alone);
    parser.populateSchema(adapter, *schema);
    e.own = std::move(schema);
    e.subschema = e.own.get();
  } catch (const std::exception& ex) {
    const location& loc = locations[e.location];
    problems.push_back(loc.doc->make_diagnostic(
        loc.pointer, "schema cannot be compiled (" + std::string(ex.what()) + "); it accepts any value"));
    (void)index;
  }
}

schema_registry::schema_registry(const document_set& docs) : impl_(std::make_unique<impl>(docs)) {}

schema_registry::~schema_registry() = default;

schema_id schema_registry::add(const document& doc, std::string_view pointer, direction dir) {
  const std::uint32_t loc = impl_->location_of(doc, std::string(pointer), dir);
  auto [it, inserted] = impl_->entry_by_location.try_emplace(loc, static_cast<schema_id>(impl_->entries.size()));
  if (inserted) impl_->entries.push_back({loc, dir, nullptr, nullptr});
  return it->second;
}

diagnostics schema_registry::compile() {
  impl_->translate_all();
  if (impl_->saw_read_write_only && !impl_->direction_sensitive) {
    // readOnly/writeOnly change `required` per direction: translate again, per direction.
    impl_->direction_sensitive = true;
    impl_->restart();
    impl_->translate_all();
  }
  impl_->compile_shared();
  return std::move(impl_->problems);
}

std::size_t schema_registry::size() const { return impl_->entries.size(); }
bool schema_registry::compiled(schema_id id) const { return impl_->entries.at(id).subschema != nullptr; }
const std::string& schema_registry::pointer(schema_id id) const {
  return impl_->locations[impl_->entries.at(id).location].pointer;
}
const json& schema_registry::translated_root() const { return impl_->root; }

namespace {
valijson::Validator& thread_validator() {
  thread_local valijson::Validator validator;
  return validator;
}
}  // namespace

bool schema_registry::is_valid(schema_id id, const json& value) const {
  const valijson::Subschema* s = impl_->entries.at(id).subschema;
  if (!s) return true;
  valijson::adapters::NlohmannJsonAdapter adapter(value);
  return thread_validator().validate(*s, adapter, nullptr);
}

std::vector<schema_error> schema_registry::explain(schema_id id, const json& value) const {
  std::vector<schema_error> errors;
  const valijson::Subschema* s = impl_->entries.at(id).subschema;
  if (!s) return errors;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(value);
  if (thread_validator().validate(*s, adapter, &results)) return errors;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    std::string pointer;
    for (std::size_t i = 1; i < error.context.size(); ++i) {  // [0] is "<root>"
      std::string_view token = error.context[i];
      if (token.size() >= 2 && token.front() == '[' && token.back() == ']') token = token.substr(1, token.size() - 2);
      pointer = pointer_append(pointer, token);
    }
    errors.push_back({std::move(pointer), std::move(error.description)});
  }
  return errors;
}

}  // namespace specgate::validator
