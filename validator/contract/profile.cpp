// Profile names and the automatic choice between `kibana` and `openapi`.
#include "validator/contract/profile.h"

#include "validator/document/loader.h"
#include "validator/text_util.h"

namespace specgate::validator {

namespace {

constexpr const char* operation_keys[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

// The Kibana header a parameter declares ("kbn-xsrf", "elastic-api-version"), else empty.
std::string kibana_header(const json& parameter) {
  if (!parameter.is_object()) return {};
  auto in = parameter.find("in");
  auto name = parameter.find("name");
  if (in == parameter.end() || name == parameter.end() || !in->is_string() || !name->is_string()) return {};
  if (*in != "header") return {};
  const auto& n = name->get_ref<const std::string&>();
  if (iequals(n, "kbn-xsrf") || iequals(n, "elastic-api-version")) return to_lower(n);
  return {};
}
bool is_kibana_header(const json& parameter) { return !kibana_header(parameter).empty(); }

bool has_versioned_media(const json& owner) {
  if (!owner.is_object()) return false;
  auto content = owner.find("content");
  if (content == owner.end() || !content->is_object()) return false;
  for (const auto& [key, value] : content->items())
    if (to_lower(key).find("elastic-api-version") != std::string::npos) return true;
  return false;
}

struct scanner {
  const document_set& docs;

  const json* deref(const document& doc, const json& node, std::string pointer, const document** where) const {
    resolved_node r = docs.deref(doc, &node, std::move(pointer));
    if (where) *where = r.doc;
    return r.node;
  }

  mutable std::string evidence;  // what made the document Kibana's

  bool parameters_say_kibana(const document& doc, const json& owner, const std::string& pointer) const {
    auto list = owner.find("parameters");
    if (list == owner.end() || !list->is_array()) return false;
    for (std::size_t i = 0; i < list->size(); ++i)
      if (const json* p = deref(doc, (*list)[i], pointer + "/parameters/" + std::to_string(i), nullptr);
          p && is_kibana_header(*p)) {
        evidence = "header parameter " + kibana_header(*p);
        return true;
      }
    return false;
  }

  bool operation_says_kibana(const document& doc, const json& op, const std::string& pointer) const {
    if (!op.is_object()) return false;
    if (parameters_say_kibana(doc, op, pointer)) return true;
    evidence = "media type parameter Elastic-Api-Version";
    if (auto body = op.find("requestBody"); body != op.end())
      if (const json* b = deref(doc, *body, pointer + "/requestBody", nullptr); b && has_versioned_media(*b)) return true;
    if (auto responses = op.find("responses"); responses != op.end() && responses->is_object())
      for (const auto& [status, raw] : responses->items())
        if (const json* r = deref(doc, raw, pointer + "/responses/" + escape_pointer_token(status), nullptr);
            r && has_versioned_media(*r))
          return true;
    evidence.clear();
    return false;
  }

  bool says_kibana() const {
    const document& doc = docs.root();
    const json& root = doc.root();
    if (!root.is_object()) return false;
    if (auto info = root.find("info"); info != root.end() && info->is_object())
      if (auto title = info->find("title"); title != info->end() && title->is_string() &&
                                            to_lower(title->get_ref<const std::string&>()).find("kibana") != std::string::npos) {
        evidence = "info.title";
        return true;
      }
    if (auto components = root.find("components"); components != root.end() && components->is_object())
      if (auto params = components->find("parameters"); params != components->end() && params->is_object())
        for (const auto& [name, p] : params->items())
          if (is_kibana_header(p)) {
            evidence = "header parameter " + kibana_header(p);
            return true;
          }
    auto paths = root.find("paths");
    if (paths == root.end() || !paths->is_object()) return false;
    for (const auto& [path, raw_item] : paths->items()) {
      const document* item_doc = nullptr;
      const std::string item_ptr = "/paths/" + escape_pointer_token(path);
      const json* item = deref(doc, raw_item, item_ptr, &item_doc);
      if (!item || !item->is_object() || !item_doc) continue;
      if (parameters_say_kibana(*item_doc, *item, item_ptr)) return true;
      for (const char* key : operation_keys)
        if (auto op = item->find(key); op != item->end() && operation_says_kibana(*item_doc, *op, item_ptr + "/" + key))
          return true;
    }
    return false;
  }
};

}  // namespace

std::string_view profile_name(profile p) { return p == profile::kibana ? "kibana" : "openapi"; }

std::optional<profile_choice> parse_profile_choice(std::string_view text) {
  if (text == "auto") return profile_choice::automatic;
  if (text == "kibana") return profile_choice::kibana;
  if (text == "openapi") return profile_choice::openapi;
  return std::nullopt;
}

profile detect_profile(const document_set& docs) {
  return scanner{docs, {}}.says_kibana() ? profile::kibana : profile::openapi;
}

std::string profile_reason(profile_choice choice, const document_set& docs) {
  switch (choice) {
    case profile_choice::kibana: return "--profile kibana";
    case profile_choice::openapi: return "--profile openapi";
    case profile_choice::automatic: break;
  }
  scanner s{docs, {}};
  return s.says_kibana() ? "auto: " + s.evidence : "auto: no Kibana marks";
}

profile resolve_profile(profile_choice choice, const document_set& docs) {
  switch (choice) {
    case profile_choice::kibana: return profile::kibana;
    case profile_choice::openapi: return profile::openapi;
    case profile_choice::automatic: break;
  }
  return detect_profile(docs);
}

}  // namespace specgate::validator
