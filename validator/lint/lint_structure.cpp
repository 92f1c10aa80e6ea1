// Structure rules: OpenAPI 3.0's rules the loader does not enforce, misspelt fields, misleading constructs, Kibana's conventions.
//
// One pass over every loaded file: the entry document's fixed objects (info, servers, tags, paths
// and their operations, parameters, request bodies, responses, media types), the components of
// every file, and every Schema Object wherever it sits. Each node reached through several $refs is
// checked once, at its definition.
//
// What the loader, the contract builder and the schema compiler already report has a load rule and
// is not repeated here (one implementation of each check): missing info.title/version, parameter
// name/in and style, path template vs path parameters, routes that match alike, duplicate
// operationIds, undefined security schemes, malformed media-type keys, unknown or misspelt schema
// keywords, `type` and `required` of the wrong shape, unknown formats, discriminator mappings that
// name no schema, identical oneOf branches (docs/lint-rules.md, "Load rules").
#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "validator/document/loader.h"
#include "validator/generate/generate.h"
#include "validator/lint/lint.h"
#include "validator/schema/schema.h"
#include "validator/schema/schema_walk.h"
#include "validator/text_util.h"

namespace specgate::validator::lint {

namespace {

constexpr std::array<rule_info, 10> rules{{
    {"response-description-missing", severity::error,
     "OpenAPI 3.0 requires a description on every Response Object; documentation and generators rely on it"},
    {"field-required-missing", severity::error,
     "a required field of an OpenAPI 3.0 object is missing (request body content, security scheme type and "
     "its fields, server url, tag name, license name, external docs url, server variable default)"},
    {"component-name-invalid", severity::error,
     "component names must match ^[a-zA-Z0-9.\\-_]+$ so that $refs and generated code can name them"},
    {"field-typo", severity::warning,
     "a misspelt fixed field of an OpenAPI object (requried, requestbody, descripton) is silently ignored"},
    {"discriminator-property-missing", severity::error,
     "the discriminator's propertyName must be declared by every branch, or values of that branch cannot carry it"},
    {"oneof-overlap", severity::warning,
     "a value that matches two oneOf branches is rejected by strict oneOf validators (specgate and Kibana accept it)"},
    {"nullable-with-ref", severity::warning,
     "OpenAPI 3.0 ignores every sibling of $ref, so most tools drop `nullable` beside it (specgate honours it)"},
    {"kibana-xsrf-header-missing", severity::warning,
     "Kibana rejects POST/PUT/PATCH/DELETE without kbn-xsrf (400); the document should declare the header", true},
    {"kibana-version-header-missing", severity::warning,
     "a versioned media type (; Elastic-Api-Version=) is chosen by the elastic-api-version header, which should be "
     "declared",
     true},
    {"kibana-required-header-default", severity::warning,
     "a required header with a default is contradictory: clients must send it, so the default never applies", true},
}};

const rule_info& rule(std::string_view id) {
  for (const auto& r : rules)
    if (r.id == id) return r;
  return rules[0];  // unreachable: every id used below is in the table (the tests check each)
}

// ---- fixed fields of the OpenAPI 3.0 objects (for field-typo) -------------------------------------

using field_list = std::span<const std::string_view>;
constexpr std::string_view root_fields[]{"openapi", "info", "servers", "paths", "components", "security", "tags", "externalDocs"};
constexpr std::string_view info_fields[]{"title", "description", "termsOfService", "contact", "license", "version"};
constexpr std::string_view path_item_fields[]{"$ref",    "summary", "description", "get",   "put",     "post",   "delete",
                                      "options", "head",    "patch",       "trace", "servers", "parameters"};
constexpr std::string_view operation_fields[]{"tags",        "summary",   "description", "externalDocs", "operationId",
                                      "parameters",  "requestBody", "responses", "callbacks",    "deprecated",
                                      "security",    "servers"};
constexpr std::string_view parameter_fields[]{"name",    "in",     "description",   "required", "deprecated", "allowEmptyValue",
                                      "style",   "explode", "allowReserved", "schema",   "example",    "examples",
                                      "content"};
constexpr std::string_view header_fields[]{"description", "required", "deprecated", "allowEmptyValue", "style", "explode",
                                   "allowReserved", "schema", "example", "examples", "content"};
constexpr std::string_view request_body_fields[]{"description", "content", "required"};
constexpr std::string_view response_fields[]{"description", "headers", "content", "links"};
constexpr std::string_view media_type_fields[]{"schema", "example", "examples", "encoding"};
constexpr std::string_view components_fields[]{"schemas",      "responses", "parameters",      "examples", "requestBodies",
                                       "headers",      "securitySchemes", "links",      "callbacks"};

constexpr std::array<std::string_view, 8> http_methods{"get", "put", "post", "delete", "options", "head", "patch", "trace"};

bool is_method(std::string_view key) {
  return std::find(http_methods.begin(), http_methods.end(), key) != http_methods.end();
}

// The fixed field `key` probably meant, or "" when `key` is a field, an extension, or no near miss.
std::string_view typo_of(std::string_view key, field_list fields) {
  if (key.starts_with("x-")) return {};
  return nearest_name(key, fields);
}

bool valid_component_name(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '_';
  });
}

std::string to_upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

// object[key] when it is a string, else "" (a malformed field is the loader's finding, not a crash here).
std::string string_field(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A oneOf (without discriminator) whose branches are tested for overlap after the walk.
struct one_of_site {
  const document* doc;
  std::string schema_pointer;  // the schema holding the oneOf
  const json* list;
  std::string list_pointer;
};

class checker {
 public:
  explicit checker(const lint_context& context) : context_(context), docs_(context.docs) {}

  diagnostics run() {
    const auto& all = docs_.documents();
    for (std::size_t i = 0; i < all.size(); ++i) {
      const document& doc = *all[i];
      const json& root = doc.root();
      if (i == 0) {
        check_root(doc);
        check_paths(doc);
      }
      if (i == 0 || root.contains("openapi")) {
        check_components(doc);
      } else if (root.is_object()) {
        // Another file: a schema itself, or a map of definitions ($refs reach into it by pointer).
        if (looks_like_schema(root)) check_schema(doc, root, "");
        else
          for (const auto& [key, value] : root.items())
            if (looks_like_schema(value)) check_schema(doc, value, pointer_append("", key));
      }
    }
    check_overlaps();
    return std::move(out_);
  }

 private:
  void report(const document& doc, const std::string& pointer, std::string_view id, std::string message) {
    const rule_info& r = rule(id);
    auto d = doc.make_diagnostic(pointer, std::move(message), r.level);
    d.rule = std::string(r.id);
    out_.push_back(std::move(d));
  }

  bool first_visit(const json* node) { return visited_.insert(node).second; }

  static bool looks_like_schema(const json& node) {
    if (!node.is_object()) return false;
    for (const char* k : {"type", "properties", "allOf", "oneOf", "anyOf", "items", "enum"})
      if (node.contains(k)) return true;
    return false;
  }

  void check_fields(const document& doc, const json& node, const std::string& pointer, field_list fields,
                    std::string_view what) {
    if (!node.is_object()) return;
    for (const auto& [key, _] : node.items())
      if (auto meant = typo_of(key, fields); !meant.empty())
        report(doc, pointer_append(pointer, key), "field-typo",
               "'" + key + "' is not a field of " + std::string(what) + "; did you mean '" + std::string(meant) +
                   "'? (it is ignored as written)");
  }

  void require(const document& doc, const json& node, const std::string& pointer, std::string_view field,
               std::string_view what) {
    if (node.is_object() && !node.contains(field))
      report(doc, pointer, "field-required-missing",
             std::string(what) + " has no '" + std::string(field) + "' (required by OpenAPI 3.0)");
  }

  // ---- the document's top level --------------------------------------------------------------------

  void check_root(const document& doc) {
    const json& root = doc.root();
    check_fields(doc, root, "", root_fields, "the OpenAPI Object");
    if (auto info = root.find("info"); info != root.end() && info->is_object()) {
      check_fields(doc, *info, "/info", info_fields, "the Info Object");
      if (auto license = info->find("license"); license != info->end() && license->is_object())
        require(doc, *license, "/info/license", "name", "the License Object");
    }
    check_servers(doc, root, "");
    if (auto tags = root.find("tags"); tags != root.end() && tags->is_array())
      for (std::size_t i = 0; i < tags->size(); ++i) {
        const std::string at = pointer_append("/tags", std::to_string(i));
        require(doc, (*tags)[i], at, "name", "the Tag Object");
        check_external_docs(doc, (*tags)[i], at);
      }
    check_external_docs(doc, root, "");
  }

  void check_servers(const document& doc, const json& holder, const std::string& pointer) {
    auto servers = holder.find("servers");
    if (servers == holder.end() || !servers->is_array()) return;
    const std::string list_ptr = pointer_append(pointer, "servers");
    for (std::size_t i = 0; i < servers->size(); ++i) {
      const json& server = (*servers)[i];
      const std::string at = pointer_append(list_ptr, std::to_string(i));
      require(doc, server, at, "url", "the Server Object");
      if (!server.is_object()) continue;
      if (auto vars = server.find("variables"); vars != server.end() && vars->is_object())
        for (const auto& [name, var] : vars->items())
          require(doc, var, pointer_append(pointer_append(at, "variables"), name), "default",
                  "server variable '" + name + "'");
    }
  }

  void check_external_docs(const document& doc, const json& holder, const std::string& pointer) {
    if (!holder.is_object()) return;
    if (auto ed = holder.find("externalDocs"); ed != holder.end() && ed->is_object())
      require(doc, *ed, pointer_append(pointer, "externalDocs"), "url", "the External Documentation Object");
  }

  // ---- components ----------------------------------------------------------------------------------

  void check_components(const document& doc) {
    auto components = doc.root().find("components");
    if (components == doc.root().end() || !components->is_object()) return;
    check_fields(doc, *components, "/components", components_fields, "the Components Object");
    for (const auto& [kind, map] : components->items()) {
      if (kind.starts_with("x-") || !map.is_object()) continue;
      const std::string kind_ptr = pointer_append("/components", kind);
      for (const auto& [name, value] : map.items()) {
        const std::string at = pointer_append(kind_ptr, name);
        if (!valid_component_name(name))
          report(doc, at, "component-name-invalid",
                 "component name '" + name + "' does not match ^[a-zA-Z0-9.\\-_]+$");
        if (kind == "schemas") check_schema(doc, value, at);
        else if (kind == "responses") check_response(doc, &value, at);
        else if (kind == "parameters") check_parameter(doc, &value, at, parameter_fields, "a Parameter Object");
        else if (kind == "headers") check_parameter(doc, &value, at, header_fields, "a Header Object");
        else if (kind == "requestBodies") check_request_body(doc, &value, at);
        else if (kind == "securitySchemes") check_security_scheme(doc, &value, at);
      }
    }
  }

  void check_security_scheme(const document& from, const json* node, const std::string& pointer) {
    const resolved_node r = docs_.deref(from, node, pointer);
    if (!r.node || !r.node->is_object() || !first_visit(r.node)) return;
    const json& s = *r.node;
    auto type = s.find("type");
    if (type == s.end()) {
      require(*r.doc, s, r.pointer, "type", "the Security Scheme Object");
      return;
    }
    if (!type->is_string()) return;
    const std::string t = type->get<std::string>();
    const std::string what = "the " + t + " Security Scheme Object";
    if (t == "apiKey") {
      require(*r.doc, s, r.pointer, "name", what);
      require(*r.doc, s, r.pointer, "in", what);
    } else if (t == "http") {
      require(*r.doc, s, r.pointer, "scheme", what);
    } else if (t == "oauth2") {
      require(*r.doc, s, r.pointer, "flows", what);
    } else if (t == "openIdConnect") {
      require(*r.doc, s, r.pointer, "openIdConnectUrl", what);
    }
  }

  // ---- paths and operations ------------------------------------------------------------------------

  void check_paths(const document& doc) {
    auto paths = doc.root().find("paths");
    if (paths == doc.root().end() || !paths->is_object()) return;
    for (const auto& [path, raw_item] : paths->items()) {
      if (path.starts_with("x-")) continue;
      const resolved_node item = docs_.deref(doc, &raw_item, pointer_append("/paths", path));
      if (!item.node || !item.node->is_object()) continue;
      const bool first = first_visit(item.node);
      if (first) {
        check_fields(*item.doc, *item.node, item.pointer, path_item_fields, "a Path Item Object");
        check_servers(*item.doc, *item.node, item.pointer);
      }
      const std::vector<resolved_node> shared = parameters_of(*item.doc, *item.node, item.pointer);
      for (const auto& [method, op] : item.node->items()) {
        if (!is_method(method) || !op.is_object()) continue;
        check_operation(*item.doc, method, op, pointer_append(item.pointer, method), shared, first);
      }
    }
  }

  void check_operation(const document& doc, const std::string& method, const json& op, const std::string& op_ptr,
                       const std::vector<resolved_node>& shared, bool first) {
    if (first) {
      check_fields(doc, op, op_ptr, operation_fields, "an Operation Object");
      check_servers(doc, op, op_ptr);
      check_external_docs(doc, op, op_ptr);
    }
    std::vector<resolved_node> params = parameters_of(doc, op, op_ptr);
    for (const auto& p : shared) {
      // Operation-level parameters override path-level ones of the same name and location.
      const bool overridden = std::any_of(params.begin(), params.end(), [&](const resolved_node& q) {
        return string_field(*q.node, "name") == string_field(*p.node, "name") &&
               string_field(*q.node, "in") == string_field(*p.node, "in");
      });
      if (!overridden) params.push_back(p);
    }
    for (const auto& p : params) check_parameter(*p.doc, p.node, p.pointer, parameter_fields, "a Parameter Object");
    std::vector<std::string> media_types;
    if (auto body = op.find("requestBody"); body != op.end())
      if (const json* b = check_request_body(doc, &*body, pointer_append(op_ptr, "requestBody")))
        collect_media_types(*b, media_types);
    if (auto responses = op.find("responses"); responses != op.end() && responses->is_object()) {
      const std::string resp_ptr = pointer_append(op_ptr, "responses");
      for (const auto& [status, response] : responses->items()) {
        if (status.starts_with("x-")) continue;
        if (const json* r = check_response(doc, &response, pointer_append(resp_ptr, status)))
          collect_media_types(*r, media_types);
      }
    }
    if (context_.active_profile == profile::kibana) check_kibana(doc, method, op_ptr, params, media_types);
  }

  std::vector<resolved_node> parameters_of(const document& doc, const json& holder, const std::string& pointer) {
    std::vector<resolved_node> out;
    auto list = holder.find("parameters");
    if (list == holder.end() || !list->is_array()) return out;
    const std::string list_ptr = pointer_append(pointer, "parameters");
    for (std::size_t i = 0; i < list->size(); ++i) {
      resolved_node r = docs_.deref(doc, &(*list)[i], pointer_append(list_ptr, std::to_string(i)));
      if (r.node && r.node->is_object()) out.push_back(std::move(r));
    }
    return out;
  }

  static void collect_media_types(const json& holder, std::vector<std::string>& out) {
    if (auto content = holder.find("content"); content != holder.end() && content->is_object())
      for (const auto& [media, _] : content->items()) out.push_back(media);
  }

  // Parameter and Header Objects: fields, schema, content.
  void check_parameter(const document& from, const json* node, const std::string& pointer, field_list fields,
                       std::string_view what) {
    const resolved_node r = docs_.deref(from, node, pointer);
    if (!r.node || !r.node->is_object() || !first_visit(r.node)) return;
    check_fields(*r.doc, *r.node, r.pointer, fields, what);
    if (auto s = r.node->find("schema"); s != r.node->end()) check_schema(*r.doc, *s, pointer_append(r.pointer, "schema"));
    check_content(*r.doc, *r.node, r.pointer);
  }

  // The Request Body Object (dereferenced), or null.
  const json* check_request_body(const document& from, const json* node, const std::string& pointer) {
    const resolved_node r = docs_.deref(from, node, pointer);
    if (!r.node || !r.node->is_object()) return nullptr;
    if (first_visit(r.node)) {
      check_fields(*r.doc, *r.node, r.pointer, request_body_fields, "a Request Body Object");
      require(*r.doc, *r.node, r.pointer, "content", "the Request Body Object");
      check_content(*r.doc, *r.node, r.pointer);
    }
    return r.node;
  }

  // The Response Object (dereferenced), or null.
  const json* check_response(const document& from, const json* node, const std::string& pointer) {
    const resolved_node r = docs_.deref(from, node, pointer);
    if (!r.node || !r.node->is_object()) return nullptr;
    if (first_visit(r.node)) {
      check_fields(*r.doc, *r.node, r.pointer, response_fields, "a Response Object");
      if (!r.node->contains("description"))
        report(*r.doc, r.pointer, "response-description-missing",
               "the Response Object has no description (required by OpenAPI 3.0)");
      if (auto headers = r.node->find("headers"); headers != r.node->end() && headers->is_object())
        for (const auto& [name, header] : headers->items())
          check_parameter(*r.doc, &header, pointer_append(pointer_append(r.pointer, "headers"), name), header_fields,
                          "a Header Object");
      check_content(*r.doc, *r.node, r.pointer);
    }
    return r.node;
  }

  void check_content(const document& doc, const json& holder, const std::string& pointer) {
    auto content = holder.find("content");
    if (content == holder.end() || !content->is_object()) return;
    const std::string at = pointer_append(pointer, "content");
    for (const auto& [media, object] : content->items()) {
      if (!object.is_object()) continue;
      const std::string media_ptr = pointer_append(at, media);
      check_fields(doc, object, media_ptr, media_type_fields, "a Media Type Object");
      if (auto s = object.find("schema"); s != object.end()) check_schema(doc, *s, pointer_append(media_ptr, "schema"));
    }
  }

  // ---- Kibana's conventions --------------------------------------------------------------------------

  void check_kibana(const document& doc, const std::string& method, const std::string& op_ptr,
                    const std::vector<resolved_node>& params, const std::vector<std::string>& media_types) {
    bool xsrf = false, version = false;
    for (const auto& p : params) {
      if (string_field(*p.node, "in") != "header") continue;
      const std::string name = string_field(*p.node, "name");
      if (iequals(name, "kbn-xsrf")) xsrf = true;
      if (iequals(name, "elastic-api-version")) version = true;
      const auto req = p.node->find("required");
      const bool required = req != p.node->end() && *req == true;
      auto s = p.node->find("schema");
      if (!required || s == p.node->end()) continue;
      const resolved_node schema = docs_.deref(*p.doc, &*s, pointer_append(p.pointer, "schema"));
      if (schema.node && schema.node->is_object() && schema.node->contains("default") &&
          reported_defaults_.insert(p.node).second)
        report(*schema.doc, pointer_append(schema.pointer, "default"), "kibana-required-header-default",
               "header '" + name + "' is required and has a default " + (*schema.node)["default"].dump() +
                   "; clients must send it, so the default never applies");
    }
    if (!xsrf && (method == "post" || method == "put" || method == "patch" || method == "delete"))
      report(doc, op_ptr, "kibana-xsrf-header-missing",
             to_upper(method) + " operation declares no kbn-xsrf header parameter; Kibana answers 400 without it");
    if (version) return;
    for (const auto& m : media_types)
      if (to_lower(m).find("elastic-api-version=") != std::string::npos) {
        report(doc, op_ptr, "kibana-version-header-missing",
               "media type '" + m + "' is versioned but the operation declares no elastic-api-version header parameter");
        break;
      }
  }

  // ---- Schema Objects ----------------------------------------------------------------------------------

  // A Schema Object (or a $ref to one) at `pointer` of `doc`, and its subschemas.
  void check_schema(const document& doc, const json& node, const std::string& pointer) {
    if (!node.is_object() || !first_visit(&node)) return;
    if (node.contains("$ref")) {
      if (node.contains("nullable"))
        report(doc, pointer_append(pointer, "nullable"), "nullable-with-ref",
               "nullable beside $ref is ignored by OpenAPI 3.0 tools (specgate honours it); write "
               "allOf: [{$ref: ...}] with nullable: true beside the allOf");
      return;  // the target is checked where it is defined
    }
    for (const auto& [key, value] : node.items()) {
      const std::string at = pointer_append(pointer, key);
      if (key == "properties" && value.is_object())
        for (const auto& [name, sub] : value.items()) check_schema(doc, sub, pointer_append(at, name));
      if ((key == "items" || key == "not" || key == "additionalProperties") && value.is_object())
        check_schema(doc, value, at);
      if ((key == "allOf" || key == "oneOf" || key == "anyOf") && value.is_array())
        for (std::size_t i = 0; i < value.size(); ++i) check_schema(doc, value[i], pointer_append(at, std::to_string(i)));
    }
    auto one = node.find("oneOf");
    auto disc = node.find("discriminator");
    if (disc != node.end() && disc->is_object()) {
      check_discriminator(doc, node, *disc, pointer);
    } else if (one != node.end() && one->is_array() && one->size() > 1) {
      // With a discriminator the branch is chosen by the property: overlaps do not matter.
      sites_.push_back({&doc, pointer, &*one, pointer_append(pointer, "oneOf")});
    }
  }

  // discriminator-property-missing: a branch that declares no property `propertyName` (through $ref,
  // allOf, nested oneOf/anyOf), unless the schema holding the discriminator declares it for all.
  // Branches the schema compiler already reports (not mapped, not a components.schemas $ref, no
  // enum for the property: "the discriminator is not used") are left to it.
  void check_discriminator(const document& doc, const json& schema, const json& disc, const std::string& pointer) {
    auto name_it = disc.find("propertyName");
    if (name_it == disc.end() || !name_it->is_string()) return;  // the compiler reports it
    const std::string name = name_it->get<std::string>();
    const char* key = schema.contains("oneOf") ? "oneOf" : schema.contains("anyOf") ? "anyOf" : nullptr;
    if (!key || !schema[key].is_array()) return;
    const auto follow = [&](const document*& d, const json* n) -> const json* {
      const resolved_node r = docs_.deref(*d, n, "");
      if (!r.node) return nullptr;
      d = r.doc;
      return r.node;
    };
    // Shared: the holder's own properties and allOf members.
    {
      std::set<const json*> seen;
      std::set<std::string> names;
      bool closed = false;
      if (auto props = schema.find("properties"); props != schema.end() && props->is_object() && props->contains(name))
        return;
      if (auto all = schema.find("allOf"); all != schema.end() && all->is_array())
        for (const auto& member : *all) schema_walk::collect_property_names(follow, &doc, member, seen, names, closed);
      if (names.count(name)) return;
    }
    // Targets named by the mapping.
    std::set<std::pair<const document*, std::string>> mapped;
    if (auto mapping = disc.find("mapping"); mapping != disc.end() && mapping->is_object())
      for (const auto& [tag, target] : mapping->items()) {
        if (!target.is_string()) continue;
        std::string ref = target.get<std::string>();
        if (ref.find('#') == std::string::npos && ref.find('/') == std::string::npos && ref.find('.') == std::string::npos)
          ref = "#/components/schemas/" + ref;
        if (auto t = docs_.resolve(doc, ref)) mapped.emplace(t->doc, t->pointer);
      }
    const json& list = schema[key];
    const std::string list_ptr = pointer_append(pointer, key);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string branch_ptr = pointer_append(list_ptr, std::to_string(i));
      const resolved_node target = docs_.deref(doc, &list[i], branch_ptr);
      if (!target.node) continue;
      const bool named = list[i].is_object() && list[i].contains("$ref") &&
                         target.pointer.starts_with("/components/schemas/") &&
                         target.pointer.find('/', std::string_view("/components/schemas/").size()) == std::string::npos;
      if (!named && !mapped.count({target.doc, target.pointer})) continue;
      std::set<const json*> seen;
      std::set<std::string> names;
      bool closed = false;
      schema_walk::collect_property_names(follow, &doc, list[i], seen, names, closed);
      if (!names.count(name))
        report(doc, branch_ptr, "discriminator-property-missing",
               std::string(key) + " branch #" + std::to_string(i) + " (" +
                   (named ? target.pointer.substr(std::string_view("/components/schemas/").size()) : target.pointer) +
                   ") declares no property '" + name + "', the discriminator's propertyName");
    }
  }

  // oneof-overlap, sound by construction: a witness value is generated from each branch (the
  // generator's minimal value: required properties only, no examples) and is reported only when
  // specgate's compiled validator accepts it for that branch, for another branch, and for the schema
  // holding the oneOf. A oneOf whose branches the schema compiler finds identical is its finding
  // (one-of-branches-identical) and is skipped whole.
  // One finding per oneOf list, at the list, naming the overlapping pairs and a value of each.
  void check_overlaps() {
    if (sites_.empty()) return;
    schema_registry registry(docs_);
    struct ids {
      schema_id holder;
      std::vector<schema_id> branches;
    };
    std::vector<ids> site_ids;
    for (const auto& s : sites_) {
      ids i{registry.add(*s.doc, s.schema_pointer, direction::response), {}};
      for (std::size_t b = 0; b < s.list->size(); ++b)
        i.branches.push_back(registry.add(*s.doc, pointer_append(s.list_pointer, std::to_string(b)), direction::response));
      site_ids.push_back(std::move(i));
    }
    // Its diagnostics are the load family's; only its identical-branches finding is read: such a
    // oneOf is the compiler's (one-of-branches-identical) and is not reported again here.
    std::set<std::pair<std::string, std::string>> identical;
    for (const auto& d : registry.compile())
      if (d.rule == "one-of-branches-identical" || d.message.find(" are identical;") != std::string::npos)
        identical.emplace(d.file, d.pointer);
    generate_options options;
    options.use_examples = false;
    options.required_only = true;
    options.dir = direction::response;
    for (std::size_t k = 0; k < sites_.size(); ++k) {
      const one_of_site& s = sites_[k];
      const ids& id = site_ids[k];
      if (!registry.compiled(id.holder) || identical.count({s.doc->file(), s.list_pointer})) continue;
      const std::size_t n = s.list->size();
      std::vector<resolved_node> targets;
      for (std::size_t b = 0; b < n; ++b)
        targets.push_back(docs_.deref(*s.doc, &(*s.list)[b], pointer_append(s.list_pointer, std::to_string(b))));
      std::set<std::pair<std::size_t, std::size_t>> pairs;
      std::vector<std::string> shown;  // "#0 and #2 ({})", in the order found
      for (std::size_t a = 0; a < n; ++a) {
        if (!targets[a].node || !registry.compiled(id.branches[a])) continue;
        const json witness = generate_value(docs_, *s.doc, (*s.list)[a], pointer_append(s.list_pointer, std::to_string(a)), options);
        if (!registry.is_valid(id.branches[a], witness) || !registry.is_valid(id.holder, witness)) continue;
        for (std::size_t b = 0; b < n; ++b) {
          if (b == a || !targets[b].node || !registry.compiled(id.branches[b])) continue;
          const std::pair<std::size_t, std::size_t> pair{std::min(a, b), std::max(a, b)};
          if (pairs.count(pair)) continue;
          if (targets[a].node == targets[b].node) continue;  // the same schema twice: identical
          if (!registry.is_valid(id.branches[b], witness)) continue;
          pairs.insert(pair);
          std::string value = witness.dump();
          if (value.size() > 60) {
            std::size_t cut = 57;
            while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
            value = value.substr(0, cut) + "...";
          }
          shown.push_back("#" + std::to_string(pair.first) + " and #" + std::to_string(pair.second) + " (" + value + ")");
        }
      }
      if (shown.empty()) continue;
      // One finding per oneOf: n branches may overlap pairwise (Kibana's connector configs: 15 branches).
      std::string message = "oneOf branches overlap, so oneOf (exactly one) rejects values matching several: ";
      for (std::size_t i = 0; i < shown.size() && i < max_pairs_shown; ++i) message += (i ? ", " : "") + shown[i];
      if (shown.size() > max_pairs_shown)
        message += " and " + std::to_string(shown.size() - max_pairs_shown) + " more pairs";
      message += " (" + std::to_string(shown.size()) + (shown.size() == 1 ? " pair)" : " pairs)");
      report(*s.doc, s.list_pointer, "oneof-overlap", std::move(message));
    }
  }

  static constexpr std::size_t max_pairs_shown = 3;

  const lint_context& context_;
  const document_set& docs_;
  std::set<const json*> visited_;
  std::set<const json*> reported_defaults_;
  std::vector<one_of_site> sites_;
  diagnostics out_;
};

}  // namespace

std::span<const rule_info> structure_rules() { return rules; }

diagnostics check_structure(const lint_context& context) { return checker(context).run(); }

}  // namespace specgate::validator::lint
