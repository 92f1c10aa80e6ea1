#pragma once
// Look-ahead over raw OpenAPI Schema Objects (before translation), shared by
// the translator (schema.cpp) and the generator (generate.cpp). Each takes
// `follow(const document*& doc, const json* node) -> const json*`, which
// resolves a $ref (moving `doc` to the target's document) or returns null,
// and a `seen` set: schemas may refer to themselves.
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "validator/document/document.h"

namespace specgate::validator::schema_walk {

using json = nlohmann::json;

// Property names declared anywhere in `raw` (through $ref, allOf, oneOf,
// anyOf), and whether any part of it is closed (additionalProperties: false).
template <class Follow>
void collect_property_names(const Follow& follow, const document* doc, const json& raw,
                            std::set<const json*>& seen, std::set<std::string>& names, bool& closed) {
  const json* node = follow(doc, &raw);
  if (!node || !node->is_object() || !seen.insert(node).second) return;
  if (auto p = node->find("properties"); p != node->end() && p->is_object())
    for (const auto& [name, _] : p->items()) names.insert(name);
  if (auto a = node->find("additionalProperties"); a != node->end() && a->is_boolean() && !a->get<bool>())
    closed = true;
  for (const char* key : {"allOf", "oneOf", "anyOf"})
    if (auto list = node->find(key); list != node->end() && list->is_array())
      for (const auto& member : *list) collect_property_names(follow, doc, member, seen, names, closed);
}

// The string values a discriminated branch declares for `property` (enum or
// const of properties[property], also through $ref and allOf members).
template <class Follow>
bool discriminator_values(const Follow& follow, const document* doc, const json& raw, const std::string& property,
                          std::set<const json*>& seen, std::vector<std::string>& out) {
  const json* node = follow(doc, &raw);
  if (!node || !node->is_object() || !seen.insert(node).second) return false;
  if (auto props = node->find("properties"); props != node->end() && props->is_object()) {
    if (auto p = props->find(property); p != props->end()) {
      const document* pdoc = doc;
      const json* prop = follow(pdoc, &*p);
      if (prop && prop->is_object()) {
        if (auto e = prop->find("enum"); e != prop->end() && e->is_array())
          for (const auto& v : *e)
            if (v.is_string()) out.push_back(v.get<std::string>());
        if (auto c = prop->find("const"); c != prop->end() && c->is_string()) out.push_back(c->get<std::string>());
        if (!out.empty()) return true;
      }
    }
  }
  if (auto all = node->find("allOf"); all != node->end() && all->is_array())
    for (const auto& member : *all)
      if (discriminator_values(follow, doc, member, property, seen, out)) return true;
  return false;
}

}  // namespace specgate::validator::schema_walk
