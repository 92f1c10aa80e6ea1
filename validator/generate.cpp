#include "validator/generate.h"

#include <algorithm>

#include "validator/loader.h"

namespace specgate::validator {

namespace {

struct generator {
  const document_set& docs;
  const generate_options& options;

  json string_for(const json& s) const {
    const std::string format = s.value("format", "");
    std::string value = "string";
    if (format == "date-time") value = "2024-01-01T00:00:00.000Z";
    else if (format == "date") value = "2024-01-01";
    else if (format == "time") value = "00:00:00";
    else if (format == "uuid") value = "00000000-0000-4000-8000-000000000000";
    else if (format == "email") value = "user@example.com";
    else if (format == "uri" || format == "url") value = "https://example.com";
    else if (format == "ipv4") value = "127.0.0.1";
    else if (format == "ipv6") value = "::1";
    else if (format == "byte") value = "c3RyaW5n";
    else if (format == "hostname") value = "example.com";
    if (auto min = s.find("minLength"); min != s.end() && min->is_number_unsigned())
      while (value.size() < min->get<std::size_t>()) value += 'x';
    if (auto max = s.find("maxLength"); max != s.end() && max->is_number_unsigned() && value.size() > max->get<std::size_t>())
      value.resize(max->get<std::size_t>());
    return value;
  }

  json number_for(const json& s, bool integer) const {
    double value = 0;
    if (auto min = s.find("minimum"); min != s.end() && min->is_number()) {
      value = min->get<double>();
      if (s.value("exclusiveMinimum", false) == true) value += 1;
    } else if (auto max = s.find("maximum"); max != s.end() && max->is_number() && max->get<double>() < 0) {
      value = max->get<double>();
      if (s.value("exclusiveMaximum", false) == true) value -= 1;
    }
    if (integer) return static_cast<std::int64_t>(value);
    return value;
  }

  json make(const document& doc, const json& node, const std::string& ptr, int depth) const {
    resolved_node r = docs.deref(doc, &node, ptr);
    if (!r.node || !r.node->is_object()) return nullptr;
    const json& s = *r.node;
    if (depth > options.max_depth) return s.value("nullable", false) == true ? json(nullptr) : json::object();
    if (auto e = s.find("enum"); e != s.end() && e->is_array() && !e->empty()) return e->front();
    if (auto all = s.find("allOf"); all != s.end() && all->is_array()) {
      json merged;
      for (std::size_t i = 0; i < all->size(); ++i) {
        json part = make(*r.doc, (*all)[i], pointer_append(pointer_append(r.pointer, "allOf"), std::to_string(i)), depth + 1);
        if (merged.is_object() && part.is_object()) merged.update(part);
        else if (merged.is_null()) merged = std::move(part);
      }
      if (!merged.is_null() || !s.contains("properties")) return merged;
    }
    for (const char* key : {"oneOf", "anyOf"})
      if (auto alt = s.find(key); alt != s.end() && alt->is_array() && !alt->empty())
        return make(*r.doc, alt->front(), pointer_append(pointer_append(r.pointer, key), "0"), depth + 1);

    std::string type = s.value("type", "");
    if (type.empty()) type = s.contains("properties") ? "object" : s.contains("items") ? "array" : "";
    if (type == "string") return string_for(s);
    if (type == "integer") return number_for(s, true);
    if (type == "number") return number_for(s, false);
    if (type == "boolean") return false;
    if (type == "array") {
      json out = json::array();
      std::size_t count = 0;
      if (auto min = s.find("minItems"); min != s.end() && min->is_number_unsigned()) count = min->get<std::size_t>();
      if (auto items = s.find("items"); items != s.end())
        for (std::size_t i = 0; i < count; ++i) out.push_back(make(*r.doc, *items, pointer_append(r.pointer, "items"), depth + 1));
      return out;
    }
    if (type == "object") {
      json out = json::object();
      auto props = s.find("properties");
      auto required = s.find("required");
      if (props != s.end() && props->is_object()) {
        for (const auto& [name, prop] : props->items()) {
          const bool needed = required != s.end() && required->is_array() &&
                              std::find(required->begin(), required->end(), name) != required->end();
          if (needed || !options.required_only)
            out[name] = make(*r.doc, prop, pointer_append(pointer_append(r.pointer, "properties"), name), depth + 1);
        }
      }
      return out;
    }
    return s.value("nullable", false) == true ? json(nullptr) : json::object();
  }
};

}  // namespace

json generate_value(const document_set& docs, const document& doc, const json& schema, const std::string& pointer,
                    const generate_options& options) {
  return generator{docs, options}.make(doc, schema, pointer, 0);
}

}  // namespace specgate::validator
