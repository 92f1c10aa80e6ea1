// The rule registry (every family's rules in one list, looked up by id) and lint_document(),
// which runs every family over one loaded document.
#include "validator/lint/lint.h"

#include <algorithm>
#include <future>
#include <iterator>
#include <set>
#include <tuple>

#include "validator/document/loader.h"
#include "validator/schema/schema.h"

namespace specgate::validator::lint {

// Load rules: ids given where the loader, the YAML reader, the contract builder and the schema
// compiler make their diagnostics (validator/document, contract, schema). Severity: the default one.
std::span<const rule_info> load_rules() {
  static const rule_info rules[] = {
      {"yaml-syntax", severity::error, "The file is not well-formed YAML/JSON; nothing after the error is read."},
      {"yaml-multiple-documents", severity::error, "Only the first YAML document of a stream is used; the rest is silently lost."},
      {"yaml-duplicate-key", severity::error, "A duplicated mapping key means one of the two values is silently dropped."},
      {"yaml-tag-invalid", severity::error, "A scalar tagged !!int/!!float/!!bool/!!null whose text is not of that type is kept as a string."},
      {"yaml-tag-unsupported", severity::warning, "Custom YAML tags are ignored; the value may not mean what the author intended."},
      {"yaml-alias-invalid", severity::error, "An alias to no anchor, or aliases expanding without bound, cannot be read safely."},
      {"yaml-too-deep", severity::error, "Nesting beyond the reader's limit is cut off."},
      {"yaml-complex-key", severity::error, "A mapping or sequence used as a key has no JSON equivalent; the entry is ignored."},
      {"document-unreadable", severity::error, "The file cannot be opened, read or parsed at all."},
      {"document-not-openapi", severity::error, "The file is not an OpenAPI document (no top-level mapping or no 'openapi' field)."},
      {"openapi-version-invalid", severity::error, "'openapi' must be a version string such as \"3.0.3\"."},
      {"openapi-version-unsupported", severity::error, "Only OpenAPI 3.0.x is supported (Swagger 2.0 and OpenAPI 3.1 are refused)."},
      {"document-structure-invalid", severity::error, "A required top-level member (info, title, version, paths, ...) is missing or has the wrong type."},
      {"ref-invalid", severity::error, "A $ref that is not a string cannot be followed."},
      {"ref-unresolved", severity::error, "A $ref names a file or node that does not exist; what it stands for accepts anything."},
      {"ref-cycle", severity::error, "A $ref chain loops without ever reaching a definition."},
      {"paths-missing", severity::error, "Without a paths object nothing can be served or checked."},
      {"operation-malformed", severity::error, "An operation that is not an object declares nothing: any request is accepted."},
      {"operation-no-responses", severity::error, "An operation without usable responses cannot be mocked or checked."},
      {"operation-id-duplicate", severity::warning, "operationIds must be unique: tools that look operations up by id pick one arbitrarily."},
      {"path-template-duplicate", severity::error, "Two paths that route exactly alike make one of the operations unreachable."},
      {"path-template-invalid", severity::error, "A path template that cannot be parsed is not routable."},
      {"path-parameter-undeclared", severity::warning, "A {name} in the path with no parameter declared accepts any value."},
      {"path-parameter-not-in-template", severity::warning, "A path parameter whose name is not in the template can never be sent."},
      {"path-parameter-not-required", severity::warning, "Path parameters must be required: true (OpenAPI 3.0)."},
      {"parameter-malformed", severity::error, "A Parameter Object without a name, with a bad 'in', or not an object is ignored."},
      {"parameter-duplicate", severity::warning, "Two parameters with the same name and location: only one of them applies."},
      {"parameter-style-invalid", severity::warning, "The style/explode combination is not allowed for the parameter's location or shape."},
      {"parameter-no-schema", severity::warning, "A parameter with neither schema nor content accepts any value."},
      {"request-body-malformed", severity::error, "A Request Body Object that is not an object is ignored: any body is accepted."},
      {"response-status-invalid", severity::error, "A response key that is not a status code, a range like 2XX, or default is ignored."},
      {"response-malformed", severity::error, "A Response Object that is not an object is ignored: any response is accepted."},
      {"content-malformed", severity::error, "content must be a map of Media Type Objects; otherwise it is ignored."},
      {"media-type-malformed", severity::warning, "A media-type key must be one type/subtype; a malformed one is read loosely."},
      {"header-malformed", severity::error, "headers must be a map of Header Objects."},
      {"example-malformed", severity::warning, "examples must be a map of Example Objects; malformed ones are ignored."},
      {"example-external-value", severity::warning, "externalValue examples are not fetched, so they are neither served nor checked."},
      {"security-malformed", severity::error, "security must be an array of Security Requirement Objects naming object schemes."},
      {"security-scheme-undefined", severity::error, "A security requirement names a scheme missing from components.securitySchemes."},
      {"tag-malformed", severity::warning, "tags must be an array of strings."},
      {"schema-invalid", severity::warning, "A schema keyword with a value of the wrong type is ignored: the schema accepts more than intended."},
      {"schema-keyword-unknown", severity::warning, "An unknown schema keyword (often a typo) constrains nothing."},
      {"schema-keyword-not-openapi", severity::warning, "A JSON Schema keyword that OpenAPI 3.0 does not allow is ignored."},
      {"schema-too-deep", severity::warning, "A schema nested beyond the compiler's limit accepts any value below that depth."},
      {"schema-uncompilable", severity::error, "A schema that cannot be compiled accepts any value."},
      {"discriminator-invalid", severity::warning, "A malformed discriminator or mapping is ignored; oneOf is then checked without it."},
      {"one-of-branches-identical", severity::warning, "Identical oneOf branches make every matching value ambiguous."},
      {"pattern-unsupported", severity::warning, "A pattern the ECMA regex translator cannot handle is not enforced."},
      {"format-unknown", severity::warning, "Formats specgate does not know are not checked."},
      {"specgate-ignore-invalid", severity::warning, "An x-specgate-ignore that is not an array of known rule ids suppresses nothing."},
  };
  return rules;
}

const std::vector<rule_info>& all_rules() {
  static const std::vector<rule_info> all = [] {
    std::vector<rule_info> out;
    for (auto family : {load_rules(), structure_rules(), example_rules()}) out.insert(out.end(), family.begin(), family.end());
    return out;
  }();
  return all;
}

const rule_info* find_rule(std::string_view id) {
  for (const auto& r : all_rules())
    if (r.id == id) return &r;
  return nullptr;
}

namespace {
// The entry document first, then the others by name (as the loader orders its diagnostics); within a
// file by line, column, rule.
void sort_findings(diagnostics& all, const std::string& entry) {
  auto key = [](const diagnostic& d) { return std::tie(d.file, d.line, d.column, d.rule); };
  std::stable_sort(all.begin(), all.end(), [&](const diagnostic& a, const diagnostic& b) {
    const bool a_entry = a.file == entry, b_entry = b.file == entry;
    if (a_entry != b_entry) return a_entry;
    return key(a) < key(b);
  });
}

void append(diagnostics& to, diagnostics from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}
}  // namespace

diagnostics lint_document(const lint_context& context, diagnostics load_problems) {
  diagnostics all = std::move(load_problems);
  // The two families only read the documents, and each compiles its own schemas: the examples run
  // on a second thread while the structure rules run on this one.
  auto examples = std::async(std::launch::async, [&context] { return check_examples(context); });
  append(all, check_structure(context));
  append(all, examples.get());
  sort_findings(all, context.docs.root().file());
  return all;
}

namespace {
constexpr std::string_view schemas_prefix = "/components/schemas/";

// "/components/schemas/Name" of a pointer at or below a component schema; "" otherwise.
std::string component_of(const std::string& pointer) {
  if (pointer.rfind(schemas_prefix, 0) != 0) return {};
  const auto end = pointer.find('/', schemas_prefix.size());
  return pointer.substr(0, end);
}

// Component schemas that nothing outside components/schemas reaches through $refs (directly or
// through other component schemas): the contract never compiles them, so lint does, with the same
// compiler, and reports what it finds there (schema-invalid, schema-keyword-unknown, ...) unless
// the contract already reported it.
diagnostics unreached_component_problems(const document_set& docs, const diagnostics& known) {
  std::set<std::pair<const document*, std::string>> reached;
  std::vector<resolved_node> work;
  auto scan = [&](auto& self, const document& doc, const json& node, const std::string& pointer) -> void {
    if (pointer == "/components/schemas") return;  // entered only through $refs
    if (node.is_object()) {
      if (auto ref = node.find("$ref"); ref != node.end() && ref->is_string()) {
        if (auto target = docs.resolve(doc, ref->get_ref<const std::string&>())) {
          const std::string component = component_of(target->pointer);
          if (!component.empty() && reached.emplace(target->doc, component).second)
            if (const json* n = target->doc->find(component)) work.push_back({target->doc, n, component});
        }
      }
      for (const auto& [key, value] : node.items()) self(self, doc, value, pointer_append(pointer, key));
    } else if (node.is_array()) {
      for (std::size_t i = 0; i < node.size(); ++i) self(self, doc, node[i], pointer + "/" + std::to_string(i));
    }
  };
  scan(scan, docs.root(), docs.root().root(), "");
  while (!work.empty()) {
    const resolved_node next = work.back();
    work.pop_back();
    // Inside a reached component the scan goes everywhere (its pointer is below /components/schemas/).
    scan(scan, *next.doc, *next.node, next.pointer);
  }
  schema_registry registry(docs);
  std::size_t added = 0;
  for (const auto& doc : docs.documents()) {
    const json* schemas = doc->find("/components/schemas");
    if (schemas == nullptr || !schemas->is_object()) continue;
    for (const auto& [name, value] : schemas->items()) {
      const std::string pointer = pointer_append("/components/schemas", name);
      if (reached.count({doc.get(), pointer}) != 0) continue;
      registry.add(*doc, pointer, direction::response);
      ++added;
    }
  }
  if (added == 0) return {};
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  bool formats_reported = false;
  for (const auto& d : known) {
    seen.emplace(d.rule, d.file, d.pointer);
    formats_reported = formats_reported || d.rule == "format-unknown";
  }
  diagnostics out;
  for (auto& d : registry.compile()) {
    if (d.rule == "format-unknown" && formats_reported) continue;  // one summary of unknown formats
    if (seen.emplace(d.rule, d.file, d.pointer).second) out.push_back(std::move(d));
  }
  return out;
}

lint_result lint_loaded(load_result loaded, profile_choice profile) {
  lint_result out;
  out.docs = loaded.docs;
  if (!loaded.docs) {
    out.findings = std::move(loaded.problems);
    return out;
  }
  // The families read only the documents (never the contract), so they run while the contract is
  // built (its load problems: operations, parameters, schemas compiled); the profile is the one
  // the contract resolves.
  const lint_context context{*loaded.docs, nullptr, resolve_profile(profile, *loaded.docs)};
  auto families = std::async(std::launch::async, [&context] { return lint_document(context, {}); });
  build_options options;
  options.profile = profile;
  auto built = contract::build(loaded.docs, options);
  diagnostics all = std::move(loaded.problems);
  append(all, unreached_component_problems(*loaded.docs, built.problems));
  append(all, std::move(built.problems));
  append(all, families.get());
  sort_findings(all, loaded.docs->root().file());
  out.findings = std::move(all);
  return out;
}
}  // namespace

lint_result lint_file(const std::string& path, profile_choice profile) {
  return lint_loaded(load_openapi_file(path), profile);
}

lint_result lint_text(std::string_view text, std::string name, profile_choice profile) {
  return lint_loaded(load_openapi_text(text, std::move(name)), profile);
}

}  // namespace specgate::validator::lint
