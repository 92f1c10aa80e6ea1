#include "validator/schema/schema.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/constraint_builder.hpp>
#include <valijson/constraints/concrete_constraints.hpp>
#include <valijson/constraints/constraint_visitor.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>

#include "validator/schema/formats.h"
#include "validator/document/loader.h"
#include "validator/schema/pattern.h"
#include "validator/schema/schema_walk.h"
#include "validator/text_util.h"

namespace specgate::validator {
namespace {

namespace vc = valijson::constraints;

constexpr int max_inline_depth = 200;
constexpr int max_ref_hops = 64;  // for look-ahead through $ref (names, discriminator values, types)

// Custom keywords of the translated root.
constexpr const char* at_key = "x-specgate-at";            // OpenAPI location of a translated node
constexpr const char* format_key = "x-specgate-format";    // a string format checked by formats.h
constexpr const char* pattern_key = "x-specgate-pattern";  // an ECMA pattern run by RE2
constexpr const char* one_of_key = "x-specgate-oneOf";     // this anyOf was written as oneOf
constexpr const char* keyword_key = "x-specgate-keyword";  // report this node's errors under that keyword

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

// What a value is called in messages (Kibana's words: every number is a number).
std::string found_type(const json& v) { return v.is_number() ? "number" : type_name(v); }

// JSON Schema draft 7 integers include 1.0.
bool is_integral(const json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  const double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool type_accepts(std::string_view type, const json& v) {
  switch (v.type()) {
    case json::value_t::null: return type == "null";
    case json::value_t::boolean: return type == "boolean";
    case json::value_t::string: return type == "string";
    case json::value_t::array: return type == "array";
    case json::value_t::object: return type == "object";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return type == "number" || type == "integer";
    case json::value_t::number_float: return type == "number" || (type == "integer" && is_integral(v));
    default: return false;
  }
}

// Code points of UTF-8 text (what minLength/maxLength count).
std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string number_text(const json& n) {
  if (n.is_number_float()) {
    const double d = n.get<double>();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<std::int64_t>(d));
  }
  return n.dump();
}

// Instance values may hold request bytes that are not UTF-8 (decoded parameters): replaced, never thrown.
std::string value_text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// A translated schema location: one OpenAPI node seen from one direction;
// `relaxed` = without its own additionalProperties: false (an allOf member whose
// closed check moved to the allOf, see schema.h).
struct location {
  const document* doc;
  std::string pointer;
  direction dir;
  bool relaxed;
};

// ---------------------------------------------------------------- custom keywords

// Base of specgate's valijson constraints: the fast checker calls check()
// directly on the nlohmann value; validate() serves valijson's own visitor.
class specgate_constraint : public vc::PolyConstraint {
 public:
  bool check(const json& v) const { return !v.is_string() || check_string(v.get_ref<const std::string&>()); }

  bool validate(const valijson::adapters::Adapter& target, const std::vector<std::string>& context,
                valijson::ValidationResults* results) const override {
    if (!target.isString()) return true;
    const std::string s = target.asString();
    if (check_string(s)) return true;
    if (results) results->pushError(context, "string does not match " + describe());
    return false;
  }

  virtual bool check_string(std::string_view s) const = 0;
  virtual std::string describe() const = 0;
};

class format_constraint final : public specgate_constraint {
 public:
  explicit format_constraint(string_format f) : format_(f) {}
  bool check_string(std::string_view s) const override { return matches_format(format_, s); }
  std::string describe() const override { return "format " + std::string(format_name(format_)); }

 private:
  vc::Constraint* cloneInto(void* where) const override { return new (where) format_constraint(*this); }
  std::size_t sizeOf() const override { return sizeof(format_constraint); }
  string_format format_;
};

class pattern_constraint final : public specgate_constraint {
 public:
  explicit pattern_constraint(const ecma_regex* re) : re_(re) {}
  bool check_string(std::string_view s) const override { return re_->search(s); }
  std::string describe() const override { return "pattern " + re_->source(); }

 private:
  vc::Constraint* cloneInto(void* where) const override { return new (where) pattern_constraint(*this); }
  std::size_t sizeOf() const override { return sizeof(pattern_constraint); }
  const ecma_regex* re_;  // owned by the registry, which outlives every compiled schema
};

struct compiled_pattern {
  std::unique_ptr<const ecma_regex> regex;  // null: not enforceable
  std::string error;
};
using pattern_table = std::unordered_map<std::string, compiled_pattern>;

class format_builder final : public valijson::ConstraintBuilder {
 public:
  vc::Constraint* make(const valijson::adapters::Adapter& value) const override {
    if (!value.isString()) throw std::runtime_error(std::string(format_key) + " must be a string");
    auto f = checked_format(value.asString());
    if (!f) throw std::runtime_error(std::string(format_key) + ": unknown format " + value.asString());
    return new format_constraint(*f);
  }
};

class pattern_builder final : public valijson::ConstraintBuilder {
 public:
  explicit pattern_builder(const pattern_table& patterns) : patterns_(patterns) {}
  vc::Constraint* make(const valijson::adapters::Adapter& value) const override {
    if (!value.isString()) throw std::runtime_error(std::string(pattern_key) + " must be a string");
    auto it = patterns_.find(value.asString());
    if (it == patterns_.end() || !it->second.regex)
      throw std::runtime_error(std::string(pattern_key) + ": pattern was not compiled: " + value.asString());
    return new pattern_constraint(it->second.regex.get());
  }

 private:
  const pattern_table& patterns_;
};

void add_builders(valijson::SchemaParser& parser, const pattern_table& patterns) {
  parser.addConstraintBuilder(format_key, new format_builder());  // the parser owns and deletes them
  parser.addConstraintBuilder(pattern_key, new pattern_builder(patterns));
}

// ---------------------------------------------------------------- fast check

// Walks valijson's compiled constraints directly over the nlohmann value.
// valijson's own ValidationVisitor copies a vector of context strings for
// every property and array item, builds a std::set of matched property
// names per object and goes through a virtual adapter for every value, even
// when nobody wants error messages; this visitor does none of that: no
// allocation on the valid path. Semantics are draft 7's (1.0 is an integer);
// keywords the translation never emits (format, pattern, contains,
// dependencies, propertyNames, tuple items) are accepted here, since they
// cannot occur.
class fast_checker final : public vc::ConstraintVisitor {
 public:
  explicit fast_checker(const valijson::Subschema* empty)
      : empty_(empty), apply_([this](const vc::Constraint& c) { return c.accept(*this); }) {}

  bool check(const valijson::Subschema& s, const json& v) {
    if (s.getAlwaysInvalid()) return false;
    const json* saved = v_;
    v_ = &v;
    const bool ok = s.applyStrict(apply_);
    v_ = saved;
    return ok;
  }

  bool visit(const vc::AllOfConstraint& c) override {
    bool ok = true;
    c.applyToSubschemas([&](unsigned, const valijson::Subschema* s) { return ok = check(*s, *v_); });
    return ok;
  }
  bool visit(const vc::AnyOfConstraint& c) override {
    bool ok = false;
    c.applyToSubschemas([&](unsigned, const valijson::Subschema* s) { return !(ok = check(*s, *v_)); });
    return ok;
  }
  bool visit(const vc::OneOfConstraint& c) override {
    int matched = 0;
    c.applyToSubschemas([&](unsigned, const valijson::Subschema* s) {
      if (check(*s, *v_)) ++matched;
      return matched < 2;
    });
    return matched == 1;
  }
  bool visit(const vc::ConditionalConstraint& c) override {
    const valijson::Subschema* branch =
        !c.getIfSubschema() || check(*c.getIfSubschema(), *v_) ? c.getThenSubschema() : c.getElseSubschema();
    return !branch || check(*branch, *v_);
  }
  bool visit(const vc::ConstConstraint& c) override {
    return c.getValue()->equalTo(valijson::adapters::NlohmannJsonAdapter(*v_), true);
  }
  bool visit(const vc::ContainsConstraint&) override { return true; }
  bool visit(const vc::DependenciesConstraint&) override { return true; }
  bool visit(const vc::EnumConstraint& c) override {
    const valijson::adapters::NlohmannJsonAdapter target(*v_);
    bool found = false;
    c.applyToValues([&](const valijson::adapters::FrozenValue& value) { return !(found = value.equalTo(target, true)); });
    return found;
  }
  bool visit(const vc::FormatConstraint&) override { return true; }
  bool visit(const vc::LinearItemsConstraint&) override { return true; }
  bool visit(const vc::MaximumConstraint& c) override {
    if (!v_->is_number()) return true;
    const double d = v_->get<double>();
    return c.getExclusiveMaximum() ? d < c.getMaximum() : d <= c.getMaximum();
  }
  bool visit(const vc::MaxItemsConstraint& c) override { return !v_->is_array() || v_->size() <= c.getMaxItems(); }
  bool visit(const vc::MaxLengthConstraint& c) override {
    return !v_->is_string() || utf8_length(v_->get_ref<const std::string&>()) <= c.getMaxLength();
  }
  bool visit(const vc::MaxPropertiesConstraint& c) override {
    return !v_->is_object() || v_->size() <= c.getMaxProperties();
  }
  bool visit(const vc::MinimumConstraint& c) override {
    if (!v_->is_number()) return true;
    const double d = v_->get<double>();
    return c.getExclusiveMinimum() ? d > c.getMinimum() : d >= c.getMinimum();
  }
  bool visit(const vc::MinItemsConstraint& c) override { return !v_->is_array() || v_->size() >= c.getMinItems(); }
  bool visit(const vc::MinLengthConstraint& c) override {
    return !v_->is_string() || utf8_length(v_->get_ref<const std::string&>()) >= c.getMinLength();
  }
  bool visit(const vc::MinPropertiesConstraint& c) override {
    return !v_->is_object() || v_->size() >= c.getMinProperties();
  }
  bool visit(const vc::MultipleOfDoubleConstraint& c) override { return multiple_of(c.getDivisor()); }
  bool visit(const vc::MultipleOfIntConstraint& c) override {
    if (v_->is_number_integer() && !v_->is_number_unsigned()) return v_->get<std::int64_t>() % c.getDivisor() == 0;
    return multiple_of(static_cast<double>(c.getDivisor()));
  }
  bool visit(const vc::NotConstraint& c) override { return !c.getSubschema() ? false : !check(*c.getSubschema(), *v_); }
  bool visit(const vc::PatternConstraint&) override { return true; }
  bool visit(const vc::PolyConstraint& c) override { return static_cast<const specgate_constraint&>(c).check(*v_); }
  bool visit(const vc::PropertiesConstraint& c) override {
    if (!v_->is_object()) return true;
    const json& object = *v_;
    const auto& members = object.get_ref<const json::object_t&>();
    // Both sides are sorted by name: one merge pass, no lookups.
    auto it = members.begin();
    const auto end = members.end();
    std::size_t matched = 0;
    bool ok = true;
    c.applyToProperties([&](const auto& name, const valijson::Subschema* s) {
      const std::string_view n(name.c_str(), name.size());
      while (it != end && std::string_view(it->first) < n) ++it;
      if (it == end) return false;
      if (std::string_view(it->first) == n) {
        ++matched;
        if (!check(*s, it->second)) return ok = false;
        ++it;
      }
      return true;
    });
    if (!ok) return false;
    if (matched == members.size()) return true;
    const valijson::Subschema* extra = c.getAdditionalPropertiesSubschema();
    if (!extra) return false;
    if (extra == empty_) return true;
    // Check the members no property named.
    it = members.begin();
    c.applyToProperties([&](const auto& name, const valijson::Subschema*) {
      const std::string_view n(name.c_str(), name.size());
      for (; it != end && std::string_view(it->first) < n; ++it)
        if (!check(*extra, it->second)) return ok = false;
      if (it != end && std::string_view(it->first) == n) ++it;
      return true;
    });
    for (; ok && it != end; ++it) ok = check(*extra, it->second);
    return ok;
  }
  bool visit(const vc::PropertyNamesConstraint&) override { return true; }
  bool visit(const vc::RequiredConstraint& c) override {
    if (!v_->is_object()) return true;
    const auto& members = v_->get_ref<const json::object_t&>();
    bool ok = true;
    c.applyToRequiredProperties([&](const auto& name) {
      return ok = members.find(std::string_view(name.c_str(), name.size())) != members.end();
    });
    return ok;
  }
  bool visit(const vc::SingularItemsConstraint& c) override {
    if (!v_->is_array() || !c.getItemsSubschema()) return true;
    const valijson::Subschema& items = *c.getItemsSubschema();
    for (const json& item : *v_)
      if (!check(items, item)) return false;
    return true;
  }
  bool visit(const vc::TypeConstraint& c) override {
    using T = vc::TypeConstraint;
    bool ok = false;
    c.applyToNamedTypes([&](T::JsonType t) {
      switch (t) {
        case T::kAny: ok = true; break;
        case T::kArray: ok = v_->is_array(); break;
        case T::kBoolean: ok = v_->is_boolean(); break;
        case T::kInteger: ok = is_integral(*v_); break;
        case T::kNull: ok = v_->is_null(); break;
        case T::kNumber: ok = v_->is_number(); break;
        case T::kObject: ok = v_->is_object(); break;
        case T::kString: ok = v_->is_string(); break;
      }
      return !ok;
    });
    return ok;
  }
  bool visit(const vc::UniqueItemsConstraint&) override {
    if (!v_->is_array()) return true;
    for (std::size_t i = 0; i < v_->size(); ++i)
      for (std::size_t j = i + 1; j < v_->size(); ++j)
        if ((*v_)[i] == (*v_)[j]) return false;
    return true;
  }

 private:
  bool multiple_of(double divisor) const {
    if (!v_->is_number()) return true;
    const double d = v_->get<double>();
    if (d == 0) return true;
    const double q = d / divisor;
    return std::isfinite(q) && std::floor(q) == q;
  }

  const json* v_ = nullptr;
  const valijson::Subschema* empty_;
  valijson::Subschema::ApplyFunction apply_;
};

}  // namespace

// ---------------------------------------------------------------- registry

struct schema_registry::impl {
  const document_set& docs;
  // readOnly/writeOnly only matter when some schema uses them; until one is
  // seen, one translation serves both directions.
  bool direction_sensitive = false;
  bool saw_read_write_only = false;

  std::vector<location> locations;                        // index = definition number
  std::unordered_map<std::string, std::uint32_t> by_key;  // "doc|dir|relaxed|pointer" -> location index
  std::deque<std::uint32_t> pending;                      // locations still to translate

  struct entry {
    std::uint32_t location;
    direction dir;
    const valijson::Subschema* subschema = nullptr;
    const valijson::Subschema* empty = nullptr;  // the empty subschema of the Schema holding it
    std::unique_ptr<valijson::Schema> own;       // only when compiled alone after a shared failure
    bool one_of = false;                         // reaches a oneOf (the strict reading may differ)
  };
  std::vector<entry> entries;
  // (location << 1 | direction) -> entry: before the translation turns direction-sensitive both
  // directions share a location, yet stay two entries (restart() gives each its own).
  std::unordered_map<std::uint64_t, schema_id> entry_by_location;
  static std::uint64_t entry_key(std::uint32_t loc, direction dir) {
    return (std::uint64_t{loc} << 1) | (dir == direction::response ? 1u : 0u);
  }

  json root = json::object();
  valijson::Schema compiled_root;
  diagnostics problems;
  std::unordered_set<std::string> reported;  // de-duplicates diagnostics (a node translated twice)
  pattern_table patterns;
  struct unknown_format {
    std::set<std::pair<const document*, std::string>> uses;  // distinct nodes (a node may be translated twice)
    const document* doc = nullptr;
    std::string pointer;  // first use
  };
  std::map<std::string, unknown_format> unknown_formats;
  // For reaches_one_of(): the location being translated, the definitions each
  // one refers to, and those that hold a oneOf themselves.
  static constexpr std::uint32_t none = ~std::uint32_t{0};
  std::uint32_t translating = none;
  std::vector<std::vector<std::uint32_t>> refers_to;
  std::vector<bool> holds_one_of;

  explicit impl(const document_set& d) : docs(d) {}

  std::size_t doc_index(const document* doc) const {
    const auto& all = docs.documents();
    for (std::size_t i = 0; i < all.size(); ++i)
      if (all[i].get() == doc) return i;
    return all.size();
  }

  // "#/components/schemas/X" in the entry document, "file#/X" in another one.
  std::string schema_pointer(const document* doc, std::string_view pointer) const {
    std::string out = doc == &docs.root() ? std::string() : doc->file();
    out += '#';
    out += pointer;
    return out;
  }

  std::uint32_t location_of(const document& doc, std::string pointer, direction dir, bool relaxed = false) {
    if (!direction_sensitive) dir = direction::request;
    std::string key = std::to_string(doc_index(&doc));
    key += dir == direction::request ? "|q|" : "|s|";
    key += relaxed ? "r|" : "-|";
    key += pointer;
    auto [it, inserted] = by_key.try_emplace(std::move(key), static_cast<std::uint32_t>(locations.size()));
    if (inserted) {
      locations.push_back({&doc, std::move(pointer), dir, relaxed});
      pending.push_back(it->second);
    }
    if (translating != none) refers_to[translating].push_back(it->second);
    return it->second;
  }

  static std::string definition_ref(std::uint32_t loc) { return "#/definitions/t" + std::to_string(loc); }

  void warn(std::string_view rule, const document& doc, const std::string& pointer, std::string message) {
    std::string key = std::to_string(doc_index(&doc)) + "|" + pointer + "|" + message;
    if (!reported.insert(std::move(key)).second) return;
    problems.push_back(doc.make_diagnostic(pointer, std::move(message), severity::warning, rule));
  }

  const compiled_pattern& pattern(const std::string& source) {
    auto it = patterns.find(source);
    if (it == patterns.end()) {
      auto compiled = ecma_regex::compile(source);
      it = patterns.emplace(source, compiled_pattern{std::move(compiled.regex), std::move(compiled.error)}).first;
    }
    return it->second;
  }

  // Look-ahead helpers over the OpenAPI nodes (not the translation).
  const json* follow(const document*& doc, const json* node, std::string* pointer = nullptr) const;
  // follow() as the callable schema_walk's helpers take.
  auto follower() const {
    return [this](const document*& d, const json* n) { return follow(d, n); };
  }

  json translate(const document& doc, const json& node, const std::string& ptr, direction dir, int depth,
                 bool relaxed);
  json translate_ref(const document& doc, const json& node, const std::string& ptr, direction dir, bool relaxed);
  void apply_nullable(json& out, const std::string& at);
  bool translate_discriminator(const document& doc, const json& node, const std::string& ptr, direction dir,
                               int depth, bool relaxed, const char* list_key, json& out);
  void translate_all();
  void mark_one_of_entries();
  void report_unknown_formats();
  void restart() {
    std::vector<location> registered;
    for (const auto& e : entries)
      registered.push_back({locations[e.location].doc, locations[e.location].pointer, e.dir, false});
    locations.clear();
    by_key.clear();
    pending.clear();
    entry_by_location.clear();
    root = json::object();
    refers_to.clear();
    holds_one_of.clear();
    problems.clear();
    reported.clear();
    unknown_formats.clear();
    for (std::size_t i = 0; i < entries.size(); ++i) {
      entries[i].location = location_of(*registered[i].doc, registered[i].pointer, registered[i].dir);
      entry_by_location[entry_key(entries[i].location, entries[i].dir)] = static_cast<schema_id>(i);
    }
  }
  void find_entry_subschemas(const valijson::Schema& schema, std::size_t only = ~std::size_t{0});
  void compile_shared();
  void compile_alone(std::size_t index);
};

const json* schema_registry::impl::follow(const document*& doc, const json* node, std::string* pointer) const {
  for (int hop = 0; node && node->is_object() && node->contains("$ref") && hop < max_ref_hops; ++hop) {
    const json& ref = (*node)["$ref"];
    if (!ref.is_string()) return nullptr;
    auto target = docs.resolve(*doc, ref.get<std::string>());
    if (!target) return nullptr;
    doc = target->doc;
    node = target->node;
    if (pointer) *pointer = target->pointer;
  }
  return node;
}

json schema_registry::impl::translate_ref(const document& doc, const json& node, const std::string& ptr,
                                          direction dir, bool relaxed) {
  const json& ref = node["$ref"];
  if (!ref.is_string()) {
    warn("schema-invalid", doc, pointer_append(ptr, "$ref"), "$ref must be a string; the schema accepts any value");
    return json::object();
  }
  auto target = docs.resolve(doc, ref.get<std::string>());
  if (!target) return json::object();  // the loader already reported the dangling $ref
  json out = {{"$ref", definition_ref(location_of(*target->doc, target->pointer, dir, relaxed))}};
  // OpenAPI 3.0 ignores $ref's siblings; `nullable` beside a $ref is honoured
  // anyway (Kibana's document relies on it).
  auto nullable = node.find("nullable");
  if (nullable != node.end() && nullable->is_boolean() && nullable->get<bool>())
    out = {{"anyOf", json::array({json{{"type", "null"}, {at_key, schema_pointer(&doc, ptr + "/nullable")}}, std::move(out)})}};
  return out;
}

void schema_registry::impl::apply_nullable(json& out, const std::string& at) {
  const bool composite = out.contains("allOf") || out.contains("oneOf") || out.contains("anyOf") ||
                         out.contains("not") || out.contains("$ref") || out.contains("if");
  if (!composite) {
    auto type = out.find("type");
    if (type != out.end() && type->is_string()) *type = json::array({*type, "null"});
    auto values = out.find("enum");
    if (values != out.end() && std::find(values->begin(), values->end(), nullptr) == values->end())
      values->push_back(nullptr);
    return;
  }
  out[at_key] = at;
  out = {{"anyOf", json::array({json{{"type", "null"}, {at_key, at + "/nullable"}}, std::move(out)})}};
}

// oneOf/anyOf with a discriminator -> dispatch on the property's value:
//   {type: object, required: [p], properties: {p: {type: string, enum: [keys]}},
//    allOf: [{if: {properties: {p: {const: k}}, required: [p]}, then: branch(k)}, ...]}
// appended to out.allOf. False (nothing added) when some branch has no key.
bool schema_registry::impl::translate_discriminator(const document& doc, const json& node, const std::string& ptr,
                                                    direction dir, int depth, bool relaxed, const char* list_key,
                                                    json& out) {
  const json& disc = node["discriminator"];
  const std::string disc_ptr = pointer_append(ptr, "discriminator");
  auto name = disc.is_object() ? disc.find("propertyName") : disc.end();
  if (!disc.is_object() || name == disc.end() || !name->is_string()) {
    warn("discriminator-invalid", doc, disc_ptr, "discriminator needs a string propertyName; ignored");
    return false;
  }
  const std::string property = name->get<std::string>();
  const json& list = node[list_key];
  const std::string list_ptr = pointer_append(ptr, list_key);

  // key -> translated branches, in first-seen order
  std::vector<std::pair<std::string, json>> cases;
  auto add_case = [&](const std::string& key, const json& branch) {
    auto it = std::find_if(cases.begin(), cases.end(), [&](const auto& c) { return c.first == key; });
    if (it == cases.end()) {
      cases.emplace_back(key, json::array({branch}));
    } else if (std::find(it->second.begin(), it->second.end(), branch) == it->second.end()) {
      it->second.push_back(branch);
    }
  };

  // Branches by their $ref target, to match mapping entries.
  std::vector<std::pair<const document*, std::string>> targets(list.size());
  std::vector<json> translated(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = pointer_append(list_ptr, std::to_string(i));
    translated[i] = translate(doc, list[i], at, dir, depth + 1, relaxed);
    if (!translated[i].contains("$ref")) translated[i][at_key] = schema_pointer(&doc, at);
    if (list[i].is_object() && list[i].contains("$ref") && list[i]["$ref"].is_string())
      if (auto t = docs.resolve(doc, list[i]["$ref"].get<std::string>())) targets[i] = {t->doc, t->pointer};
  }
  std::vector<bool> mapped(list.size(), false);
  if (auto mapping = disc.find("mapping"); mapping != disc.end()) {
    if (!mapping->is_object()) {
      warn("discriminator-invalid", doc, pointer_append(disc_ptr, "mapping"), "discriminator mapping must map values to schemas; ignored");
    } else {
      for (const auto& [key, value] : mapping->items()) {
        const std::string at = pointer_append(pointer_append(disc_ptr, "mapping"), key);
        if (!value.is_string()) {
          warn("discriminator-invalid", doc, at, "a discriminator mapping value must be a schema name or reference; ignored");
          continue;
        }
        std::string ref = value.get<std::string>();
        if (ref.find('#') == std::string::npos && ref.find('/') == std::string::npos && ref.find('.') == std::string::npos)
          ref = "#/components/schemas/" + ref;
        auto target = docs.resolve(doc, ref);
        if (!target) {
          warn("discriminator-invalid", doc, at, "discriminator mapping '" + key + "' names no schema (" + ref + "); ignored");
          continue;
        }
        bool found = false;
        for (std::size_t i = 0; i < list.size(); ++i) {
          if (targets[i].first == target->doc && targets[i].second == target->pointer) {
            add_case(key, translated[i]);
            mapped[i] = found = true;
          }
        }
        if (!found)
          add_case(key, json{{"$ref", definition_ref(location_of(*target->doc, target->pointer, dir, relaxed))}});
      }
    }
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (mapped[i]) continue;
    std::vector<std::string> keys;
    std::set<const json*> seen;
    if (!schema_walk::discriminator_values(follower(), &doc, list[i], property, seen, keys) && targets[i].first &&
        targets[i].second.starts_with("/components/schemas/") &&
        targets[i].second.find('/', std::string_view("/components/schemas/").size()) == std::string::npos) {
      auto tokens = split_pointer(targets[i].second);
      if (tokens && !tokens->empty()) keys.push_back(tokens->back());
    }
    if (keys.empty()) {
      warn("discriminator-invalid", doc, disc_ptr, "discriminator '" + property + "': " + list_key + " branch #" + std::to_string(i) +
                              " has no mapping, no enum for '" + property +
                              "' and no schema name; the discriminator is not used, branches are tried in turn");
      return false;
    }
    for (const auto& key : keys) add_case(key, translated[i]);
  }
  if (cases.empty()) return false;

  json keys = json::array();
  json conditions = json::array();
  for (auto& [key, branches] : cases) {
    keys.push_back(key);
    json then = branches.size() == 1 ? std::move(branches[0]) : json{{"anyOf", std::move(branches)}};
    conditions.push_back({{"if", {{"properties", {{property, {{"const", key}}}}}, {"required", {property}}}},
                          {"then", std::move(then)}});
  }
  const std::string at = schema_pointer(&doc, disc_ptr);
  json dispatch = {
      {"type", "object"},
      {"required", {property}},
      {"properties", {{property, {{"type", "string"}, {"enum", std::move(keys)}, {at_key, at}, {keyword_key, "discriminator"}}}}},
      {"allOf", std::move(conditions)},
      {at_key, at},
  };
  out["allOf"].push_back(std::move(dispatch));
  return true;
}

json schema_registry::impl::translate(const document& doc, const json& node, const std::string& ptr,
                                      direction dir, int depth, bool relaxed) {
  if (depth > max_inline_depth) {
    warn("schema-too-deep", doc, ptr, "schema nested deeper than " + std::to_string(max_inline_depth) +
                       " levels; the rest accepts any value");
    return json::object();
  }
  if (node.is_boolean()) {
    warn("schema-invalid", doc, ptr, "boolean schemas are not OpenAPI 3.0");
    return node.get<bool>() ? json::object() : json{{"not", json::object()}};
  }
  if (!node.is_object()) {
    warn("schema-invalid", doc, ptr, "a schema must be an object, found " + type_name(node) + "; it accepts any value");
    return json::object();
  }
  if (node.contains("$ref")) return translate_ref(doc, node, ptr, dir, relaxed);

  json out = json::object();
  bool nullable = false;
  bool empty_enum = false;
  const json* exclusive_max = nullptr;
  const json* exclusive_min = nullptr;
  const json* properties = nullptr;

  // allOf of closed objects: the closed check moves here (see schema.h).
  std::set<std::string> allof_names;
  bool allof_closed = false;
  const bool has_allof = node.contains("allOf") && node["allOf"].is_array();
  if (has_allof) {
    std::set<const json*> seen;
    for (const auto& member : node["allOf"])
      schema_walk::collect_property_names(follower(), &doc, member, seen, allof_names, allof_closed);
    if (auto a = node.find("additionalProperties"); a != node.end() && *a == false) allof_closed = true;
  }
  const bool lift_closed = has_allof && allof_closed;

  auto sub = [&](const json& child, const std::string& child_ptr, bool child_relaxed = false) {
    return translate(doc, child, child_ptr, dir, depth + 1, child_relaxed);
  };
  auto schema_list = [&](const std::string& key, const json& value, const std::string& at,
                         bool members_relaxed) -> std::optional<json> {
    if (!value.is_array() || value.empty()) {
      warn("schema-invalid", doc, at, key + " must be a non-empty array of schemas; ignored");
      return std::nullopt;
    }
    json list = json::array();
    for (std::size_t i = 0; i < value.size(); ++i)
      list.push_back(sub(value[i], pointer_append(at, std::to_string(i)), members_relaxed));
    return list;
  };
  std::optional<json> one_of, any_of;

  for (const auto& [key, value] : node.items()) {
    const std::string at = pointer_append(ptr, key);
    if ((key == "readOnly" || key == "writeOnly") && value == true) saw_read_write_only = true;
    if (key.starts_with("x-") || contains(annotation_keywords, key)) continue;
    if (key == "type") {
      if (value.is_string() && is_schema_type(value.get_ref<const std::string&>())) {
        out["type"] = value;
      } else {
        warn("schema-invalid", doc, at, "type " + value.dump() + " is not one of string, number, integer, boolean, array, object; "
                      "it constrains nothing");
      }
    } else if (key == "properties") {
      if (!value.is_object()) {
        warn("schema-invalid", doc, at, "properties must be an object; ignored");
        continue;
      }
      properties = &value;
      json props = json::object();
      for (const auto& [name, schema] : value.items()) props[name] = sub(schema, pointer_append(at, name));
      out["properties"] = std::move(props);
    } else if (key == "additionalProperties") {
      if (value.is_boolean()) {
        // false moves to the allOf that holds this schema (relaxed) or to this allOf (lift_closed)
        if (!(value == false && (relaxed || lift_closed))) out[key] = value;
      } else if (value.is_object()) {
        out[key] = sub(value, at);
      } else {
        warn("schema-invalid", doc, at, "additionalProperties must be a boolean or a schema; ignored");
      }
    } else if (key == "items") {
      if (value.is_object()) out[key] = sub(value, at);
      else warn("schema-invalid", doc, at, "items must be a schema; ignored");
    } else if (key == "allOf") {
      if (auto list = schema_list(key, value, at, relaxed || lift_closed)) out[key] = std::move(*list);
    } else if (key == "oneOf" || key == "anyOf") {
      // Discriminated lists are translated by translate_discriminator.
      const bool dispatched = node.contains("discriminator") &&
                              (key == "oneOf" || !node.contains("oneOf"));
      if (!dispatched) (key == "oneOf" ? one_of : any_of) = schema_list(key, value, at, relaxed);
    } else if (key == "not") {
      out[key] = sub(value, at);
    } else if (key == "required") {
      if (!value.is_array()) {
        warn("schema-invalid", doc, at, "required must be an array of property names, found " + type_name(value) + "; it requires nothing");
        continue;
      }
      json names = json::array();
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i].is_string()) names.push_back(value[i]);
        else
          warn("schema-invalid", doc, pointer_append(at, std::to_string(i)),
               "required must be an array of property names, found " + type_name(value[i]) +
                   " at index " + std::to_string(i) + "; that entry requires nothing");
      }
      if (!names.empty()) out[key] = std::move(names);
    } else if (key == "enum") {
      if (value.is_array() && !value.empty()) out[key] = value;
      else if (value.is_array()) empty_enum = true;
      else warn("schema-invalid", doc, at, "enum must be a non-empty array; ignored");
    } else if (key == "multipleOf") {
      if (value.is_number() && value.get<double>() > 0) out[key] = value;
      else warn("schema-invalid", doc, at, "multipleOf must be a number greater than 0; ignored");
    } else if (key == "maximum" || key == "minimum") {
      if (value.is_number()) out[key] = value;
      else warn("schema-invalid", doc, at, key + " must be a number; ignored");
    } else if (key == "exclusiveMaximum" || key == "exclusiveMinimum") {
      if (value.is_boolean()) (key == "exclusiveMaximum" ? exclusive_max : exclusive_min) = &value;
      else warn("schema-invalid", doc, at, key + " must be a boolean in OpenAPI 3.0; ignored");
    } else if (key == "maxLength" || key == "minLength" || key == "maxItems" || key == "minItems" ||
               key == "maxProperties" || key == "minProperties") {
      if (!is_non_negative_integer(value)) {
        warn("schema-invalid", doc, at, key + " must be a non-negative integer; ignored");
      } else if (key.starts_with("max") && value.is_number_unsigned() &&
                 value.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        warn("schema-invalid", doc, at, key + " " + value.dump() + " is beyond any real size; no limit");
      } else {
        out[key] = value;
      }
    } else if (key == "uniqueItems") {
      if (value.is_boolean()) out[key] = value;
      else warn("schema-invalid", doc, at, "uniqueItems must be a boolean; ignored");
    } else if (key == "pattern") {
      if (!value.is_string()) {
        warn("schema-invalid", doc, at, "pattern must be a string; ignored");
        continue;
      }
      const compiled_pattern& p = pattern(value.get<std::string>());
      if (p.regex) out[pattern_key] = value;
      else warn("pattern-unsupported", doc, at, "pattern " + value.dump() + " is not enforced: " + p.error);
    } else if (key == "format") {
      if (!value.is_string()) {
        warn("schema-invalid", doc, at, "format must be a string; ignored");
        continue;
      }
      const auto& name = value.get_ref<const std::string&>();
      if (name == "int32" || name == "int64") {
        const bool is32 = name == "int32";
        const std::int64_t lo = is32 ? std::numeric_limits<std::int32_t>::min() : std::numeric_limits<std::int64_t>::min();
        const std::int64_t hi = is32 ? std::numeric_limits<std::int32_t>::max() : std::numeric_limits<std::int64_t>::max();
        if (!node.contains("minimum")) out["minimum"] = lo;
        if (!node.contains("maximum")) out["maximum"] = hi;
      } else if (checked_format(name)) {
        out[format_key] = value;
      } else if (!is_unchecked_known_format(name)) {
        auto& u = unknown_formats[name];
        if (u.uses.empty()) {
          u.doc = &doc;
          u.pointer = at;
        }
        u.uses.emplace(&doc, at);
      }
    } else if (key == "nullable") {
      if (value.is_boolean()) nullable = value.get<bool>();
      else warn("schema-invalid", doc, at, "nullable must be a boolean; ignored");
    } else if (contains(foreign_keywords, key)) {
      warn("schema-keyword-not-openapi", doc, at, "'" + key + "' is not an OpenAPI 3.0 schema keyword; ignored");
    } else {
      std::string message = "unknown schema keyword '" + key + "'; it constrains nothing";
      if (auto meant = nearest_name(key, validation_keywords); !meant.empty())
        message += " (did you mean '" + std::string(meant) + "'?)";
      warn("schema-keyword-unknown", doc, at, std::move(message));
    }
  }

  if (empty_enum) {
    if (nullable) {
      out["enum"] = json::array({nullptr});
      warn("schema-invalid", doc, pointer_append(ptr, "enum"), "enum must be a non-empty array; with nullable: true it is read as: null only");
    } else {
      warn("schema-invalid", doc, pointer_append(ptr, "enum"), "enum must be a non-empty array; ignored");
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
  // allOf of closed objects: every property declared in the allOf, nothing else.
  if (lift_closed && !relaxed) {
    json& props = out["properties"];
    if (props.is_null()) props = json::object();
    for (const auto& name : allof_names)
      if (!props.contains(name)) props[name] = json::object();
    if (!out.contains("additionalProperties")) out["additionalProperties"] = false;
  }
  // oneOf (validated as anyOf, see schema.h), anyOf, discriminator.
  if (node.contains("discriminator")) {
    const char* list_key = node.contains("oneOf") ? "oneOf" : node.contains("anyOf") ? "anyOf" : nullptr;
    if (!list_key) {
      warn("discriminator-invalid", doc, pointer_append(ptr, "discriminator"), "discriminator without oneOf or anyOf; ignored");
    } else if (!node[list_key].is_array() || node[list_key].empty()) {
      warn("schema-invalid", doc, pointer_append(ptr, list_key), std::string(list_key) + " must be a non-empty array of schemas; ignored");
    } else if (!translate_discriminator(doc, node, ptr, dir, depth, relaxed, list_key, out)) {
      auto list = schema_list(list_key, node[list_key], pointer_append(ptr, list_key), relaxed);
      (std::string_view(list_key) == "oneOf" ? one_of : any_of) = std::move(list);
    }
  }
  if (one_of) {
    if (translating != none) holds_one_of[translating] = true;
    // Identical branches are a defect of the document (reported; harmless here).
    for (std::size_t i = 0; i < one_of->size(); ++i)
      for (std::size_t j = i + 1; j < one_of->size(); ++j)
        if ((*one_of)[i] == (*one_of)[j]) {
          warn("one-of-branches-identical", doc, pointer_append(ptr, "oneOf"),
               "oneOf branches #" + std::to_string(i) + " and #" + std::to_string(j) +
                   " are identical; values matching both are accepted (oneOf is validated as anyOf, as Kibana does)");
          i = j = one_of->size();
        }
    json list = {{"anyOf", std::move(*one_of)}, {one_of_key, true}};
    if (any_of) {
      list[at_key] = schema_pointer(&doc, ptr);
      out["allOf"].push_back(std::move(list));
    } else {
      out["anyOf"] = std::move(list["anyOf"]);
      out[one_of_key] = true;
    }
  }
  if (any_of) out["anyOf"] = std::move(*any_of);
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
  if (nullable) apply_nullable(out, schema_pointer(&doc, ptr));
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
    translating = index;
    if (refers_to.size() <= index) {
      refers_to.resize(index + 1);
      holds_one_of.resize(index + 1, false);
    }
    json translated = node ? translate(*loc.doc, *node, loc.pointer, loc.dir, 0, loc.relaxed) : json::object();
    translating = none;
    translated[at_key] = schema_pointer(loc.doc, loc.pointer);
    definitions["t" + std::to_string(index)] = std::move(translated);
  }
}

// entries[i].one_of: the entry's definition reaches one that holds a oneOf.
void schema_registry::impl::mark_one_of_entries() {
  const std::size_t n = refers_to.size();
  std::vector<std::vector<std::uint32_t>> referred_by(n);
  for (std::uint32_t from = 0; from < n; ++from)
    for (std::uint32_t to : refers_to[from])
      if (to < n) referred_by[to].push_back(from);
  std::vector<bool> reaches(n, false);
  std::vector<std::uint32_t> todo;
  for (std::uint32_t i = 0; i < n; ++i)
    if (holds_one_of[i]) {
      reaches[i] = true;
      todo.push_back(i);
    }
  while (!todo.empty()) {
    const std::uint32_t at = todo.back();
    todo.pop_back();
    for (std::uint32_t from : referred_by[at])
      if (!reaches[from]) {
        reaches[from] = true;
        todo.push_back(from);
      }
  }
  for (auto& e : entries) e.one_of = e.location < n && reaches[e.location];
}

void schema_registry::impl::report_unknown_formats() {
  if (unknown_formats.empty()) return;
  std::vector<std::string> names;
  for (const auto& [name, u] : unknown_formats)
    names.push_back(name + " (" + std::to_string(u.uses.size()) + (u.uses.size() == 1 ? " use)" : " uses)"));
  const auto& first = *std::min_element(unknown_formats.begin(), unknown_formats.end(), [&](const auto& a, const auto& b) {
    return a.second.doc->position_at(a.second.pointer).line < b.second.doc->position_at(b.second.pointer).line;
  });
  warn("format-unknown", *first.second.doc, first.second.pointer,
       "unknown formats are not checked: " + join(names, ", ") + " (first use here)");
}

void schema_registry::impl::find_entry_subschemas(const valijson::Schema& schema, std::size_t only) {
  valijson::Subschema::ApplyFunction visit = [&](const vc::Constraint& c) {
    if (auto* p = dynamic_cast<const vc::PropertiesConstraint*>(&c)) {
      p->applyToProperties([&](const auto& name, const valijson::Subschema* s) {
        const std::size_t i = std::stoul(std::string(name.begin() + 1, name.end()));
        if (only == ~std::size_t{0} || only == i) {
          entries[i].subschema = s;
          entries[i].empty = schema.emptySubschema();
        }
        return true;
      });
    }
    return true;
  };
  schema.apply(visit);
}

void schema_registry::impl::compile_shared() {
  json& props = root["properties"];
  props = json::object();
  for (std::size_t i = 0; i < entries.size(); ++i)
    props["e" + std::to_string(i)] = {{"$ref", definition_ref(entries[i].location)}};

  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  add_builders(parser, patterns);
  try {
    valijson::adapters::NlohmannJsonAdapter adapter(root);
    parser.populateSchema(adapter, compiled_root);
  } catch (const std::exception&) {
    // One bad schema must not cost every other one: compile each alone.
    json all = std::move(props);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      root["properties"] = json{{"e" + std::to_string(i), all["e" + std::to_string(i)]}};
      compile_alone(i);
    }
    root["properties"] = std::move(all);
    return;
  }
  find_entry_subschemas(compiled_root);
}

// root["properties"] holds only entry `index`: valijson parses only what it reaches.
void schema_registry::impl::compile_alone(std::size_t index) {
  entry& e = entries[index];
  auto schema = std::make_unique<valijson::Schema>();
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  add_builders(parser, patterns);
  try {
    valijson::adapters::NlohmannJsonAdapter adapter(root);
    parser.populateSchema(adapter, *schema);
    e.own = std::move(schema);
    find_entry_subschemas(*e.own, index);
  } catch (const std::exception& ex) {
    const location& loc = locations[e.location];
    problems.push_back(loc.doc->make_diagnostic(
        loc.pointer, "schema cannot be compiled (" + std::string(ex.what()) + "); it accepts any value", severity::error,
        "schema-uncompilable"));
  }
}

// ---------------------------------------------------------------- explain

namespace {

// The detailed check: walks the translated JSON Schema (not valijson's
// compiled form, which keeps neither OpenAPI locations nor enum values) and
// reports every failure with Kibana's wording. Only runs on the error path.
class explainer {
 public:
  struct found {
    std::vector<std::uint32_t> order;  // position of the instance location (sort key)
    schema_error error;
    std::vector<std::size_t> overlap;  // strict reading: the oneOf branches the value matched (2+)
  };

  // `field`: Kibana's name of where the value sits (union messages name each branch with it).
  // `strict`: oneOf (an anyOf marked x-specgate-oneOf) means exactly one
  // branch, as JSON Schema has it (schema.h: the strict reading).
  explainer(const json& definitions, const pattern_table& patterns, std::string_view field = {}, bool strict = false)
      : definitions_(definitions), patterns_(patterns), field_(field), strict_(strict) {}

  // True when `v` is valid against `s`. With `out`, collects every error;
  // without, stops at the first.
  bool walk(const json& s, const json& v, std::string at, std::vector<found>* out, int depth = 0) {
    if (out) {
      if (budget_ > 0) --budget_;
      return walk_node(s, v, std::move(at), out, depth);
    }
    // Validity does not depend on where the value is: remember it, so that
    // nested alternatives cost each (schema, value) pair once.
    const auto key = std::make_pair(&s, &v);
    if (auto it = valid_.find(key); it != valid_.end()) return it->second;
    const bool result = walk_node(s, v, std::string(), nullptr, depth);
    valid_.emplace(key, result);
    return result;
  }

  std::vector<schema_error> finish(std::vector<found> all) {
    std::stable_sort(all.begin(), all.end(), [](const found& a, const found& b) { return a.order < b.order; });
    std::vector<schema_error> errors;
    std::set<std::tuple<std::string, std::string, std::string>> seen;
    for (auto& f : all)
      if (seen.emplace(f.error.instance_pointer, f.error.keyword, f.error.message).second)
        errors.push_back(std::move(f.error));
    return errors;
  }

 private:
  bool walk_node(const json& s, const json& v, std::string at, std::vector<found>* out, int depth) {
    if (s.is_boolean()) {
      if (s.get<bool>()) return true;
      fail(out, at, "false", "nothing", std::string(found_type(v)), "no value is allowed here");
      return false;
    }
    if (!s.is_object()) return true;
    if (depth > 1000) return true;  // the value's nesting limit is far below this
    if (auto m = s.find(at_key); m != s.end() && out) at = m->get<std::string>();
    if (auto ref = s.find("$ref"); ref != s.end()) {
      const json* target = resolve(*ref);
      return !target || walk(*target, v, at, out, depth + 1);
    }
    bool ok = true;
    std::string_view keyword_override;
    if (auto k = s.find(keyword_key); k != s.end() && k->is_string()) keyword_override = k->get_ref<const std::string&>();

    // type: when it fails, the other keywords say nothing useful.
    if (auto t = s.find("type"); t != s.end()) {
      bool accepted = false;
      std::vector<std::string> names;
      if (t->is_string()) {
        accepted = type_accepts(t->get_ref<const std::string&>(), v);
        names.push_back(*t);
      } else if (t->is_array()) {
        for (const auto& one : *t) {
          if (!one.is_string()) continue;
          accepted = accepted || type_accepts(one.get_ref<const std::string&>(), v);
          names.push_back(one);
        }
      }
      if (!accepted) {
        const std::string expected = join(names, " | ");
        fail(out, at, "type", expected, std::string(found_type(v)),
             "expected value of type [" + expected + "] but got [" + std::string(found_type(v)) + "]");
        return false;
      }
    }
    auto failed = [&](std::string keyword, std::string expected, std::string found, std::string message) {
      ok = false;
      fail(out, at, std::move(keyword), std::move(expected), std::move(found), std::move(message));
    };
    auto stop = [&] { return !ok && !out; };

    if (auto e = s.find("enum"); e != s.end() && e->is_array()) {
      if (std::find(e->begin(), e->end(), v) == e->end()) {
        std::vector<std::string> values;
        for (const auto& one : *e) values.push_back(one.is_null() ? "null" : value_text(one));
        const std::string list = join(values, ", ");
        const std::string keyword = keyword_override.empty() ? "enum" : std::string(keyword_override);
        if (values.size() == 1)
          failed(keyword, "[" + list + "]", std::string(found_type(v)), "expected value to equal [" + list + "]");
        else
          failed(keyword, "one of [" + list + "]", std::string(found_type(v)),
                 "expected value to equal one of [" + list + "]");
      }
    }
    if (auto c = s.find("const"); c != s.end() && *c != v) {
      const std::string text = c->is_null() ? "null" : value_text(*c);
      failed(keyword_override.empty() ? "const" : std::string(keyword_override), "[" + text + "]",
             std::string(found_type(v)), "expected value to equal [" + text + "]");
    }
    if (stop()) return false;

    if (v.is_string()) {
      const std::string& str = v.get_ref<const std::string&>();
      const std::size_t length = (s.contains("minLength") || s.contains("maxLength")) ? utf8_length(str) : 0;
      if (auto m = s.find("minLength"); m != s.end() && length < m->get<std::uint64_t>())
        failed("minLength", m->dump(), std::to_string(length),
               "value has length [" + std::to_string(length) + "] but it must have a minimum length of [" + m->dump() + "].");
      if (auto m = s.find("maxLength"); m != s.end() && length > m->get<std::uint64_t>())
        failed("maxLength", m->dump(), std::to_string(length),
               "value has length [" + std::to_string(length) + "] but it must have a maximum length of [" + m->dump() + "].");
      if (auto f = s.find(format_key); f != s.end()) {
        if (auto format = checked_format(f->get_ref<const std::string&>()); format && !matches_format(*format, str))
          failed("format", std::string(format_name(*format)), "string",
                 "expected value to be " + std::string(format_hint(*format)) + " (format [" +
                     std::string(format_name(*format)) + "])");
      }
      if (auto p = s.find(pattern_key); p != s.end()) {
        auto compiled = patterns_.find(p->get<std::string>());
        if (compiled != patterns_.end() && compiled->second.regex && !compiled->second.regex->search(str))
          failed("pattern", p->get<std::string>(), "string",
                 "expected value to match the pattern [" + p->get<std::string>() + "]");
      }
    }
    if (v.is_number()) {
      const double d = v.get<double>();
      if (auto m = s.find("minimum"); m != s.end() && d < m->get<double>())
        failed("minimum", number_text(*m), "smaller", "Value must be equal to or greater than [" + number_text(*m) + "].");
      if (auto m = s.find("exclusiveMinimum"); m != s.end() && m->is_number() && d <= m->get<double>())
        failed("exclusiveMinimum", number_text(*m), "not greater", "Value must be greater than [" + number_text(*m) + "].");
      if (auto m = s.find("maximum"); m != s.end() && d > m->get<double>())
        failed("maximum", number_text(*m), "greater", "Value must be equal to or lower than [" + number_text(*m) + "].");
      if (auto m = s.find("exclusiveMaximum"); m != s.end() && m->is_number() && d >= m->get<double>())
        failed("exclusiveMaximum", number_text(*m), "not lower", "Value must be lower than [" + number_text(*m) + "].");
      if (auto m = s.find("multipleOf"); m != s.end() && d != 0) {
        const double q = d / m->get<double>();
        if (!std::isfinite(q) || std::floor(q) != q)
          failed("multipleOf", number_text(*m), "not a multiple", "Value must be a multiple of [" + number_text(*m) + "].");
      }
    }
    if (stop()) return false;

    if (v.is_array()) {
      if (auto m = s.find("minItems"); m != s.end() && v.size() < m->get<std::uint64_t>())
        failed("minItems", m->dump(), std::to_string(v.size()),
               "array size is [" + std::to_string(v.size()) + "], but cannot be smaller than [" + m->dump() + "]");
      if (auto m = s.find("maxItems"); m != s.end() && v.size() > m->get<std::uint64_t>())
        failed("maxItems", m->dump(), std::to_string(v.size()),
               "array size is [" + std::to_string(v.size()) + "], but cannot be greater than [" + m->dump() + "]");
      if (auto u = s.find("uniqueItems"); u != s.end() && *u == true) {
        for (std::size_t i = 0; i < v.size() && ok; ++i)
          for (std::size_t j = i + 1; j < v.size(); ++j)
            if (v[i] == v[j]) {
              failed("uniqueItems", "unique items", "duplicates",
                     "array items [" + std::to_string(i) + "] and [" + std::to_string(j) + "] are equal; items must be unique");
              break;
            }
      }
      if (stop()) return false;
      if (auto items = s.find("items"); items != s.end() && items->is_object()) {
        for (std::size_t i = 0; i < v.size(); ++i) {
          enter(std::to_string(i), static_cast<std::uint32_t>(2 * i + 1));
          const bool item_ok = walk(*items, v[i], out ? at + "/items" : std::string(), out, depth + 1);
          leave();
          if (!item_ok) {
            ok = false;
            if (!out) return false;
          }
        }
      }
    }

    if (v.is_object()) {
      const auto& members = v.get_ref<const json::object_t&>();
      const json* props = s.contains("properties") ? &s["properties"] : nullptr;
      if (auto r = s.find("required"); r != s.end() && r->is_array()) {
        for (const auto& name_json : *r) {
          const std::string& name = name_json.get_ref<const std::string&>();
          if (members.find(name) != members.end()) continue;
          ok = false;
          if (!out) return false;
          const auto position = static_cast<std::uint32_t>(std::distance(members.begin(), members.lower_bound(name)));
          enter(name, 2 * position);
          std::set<const json*> seen;
          const std::string declared = declared_type(s, name, seen);
          std::string where = at;
          if (auto p = props ? props->find(name) : s.end(); props && p != props->end())
            where = p->contains(at_key) ? (*p)[at_key].get<std::string>() : at + "/properties/" + escape_pointer_token(name);
          fail(out, where, "required", declared, "undefined",
               "expected value of type [" + declared + "] but got [undefined]");
          leave();
        }
      }
      const json* extra = s.contains("additionalProperties") ? &s["additionalProperties"] : nullptr;
      if (props || extra) {
        std::uint32_t index = 0;
        for (const auto& [name, member] : members) {
          const std::uint32_t position = 2 * index++ + 1;
          const json* child = nullptr;
          std::string child_at;
          if (props) {
            if (auto p = props->find(name); p != props->end()) {
              child = &*p;
              if (out) child_at = at + "/properties/" + escape_pointer_token(name);
            }
          }
          if (!child && extra) {
            if (*extra == false) {
              ok = false;
              if (!out) return false;
              enter(name, position);
              fail(out, at, "additionalProperties", "no property [" + name + "]", "an undeclared property",
                   "definition for this key is missing");
              leave();
              continue;
            }
            child = extra;
            if (out) child_at = at + "/additionalProperties";
          }
          if (!child) continue;
          enter(name, position);
          const bool member_ok = walk(*child, member, std::move(child_at), out, depth + 1);
          leave();
          if (!member_ok) {
            ok = false;
            if (!out) return false;
          }
        }
      }
      if (auto m = s.find("minProperties"); m != s.end() && v.size() < m->get<std::uint64_t>())
        failed("minProperties", m->dump(), std::to_string(v.size()),
               "object has [" + std::to_string(v.size()) + "] properties but must have at least [" + m->dump() + "]");
      if (auto m = s.find("maxProperties"); m != s.end() && v.size() > m->get<std::uint64_t>())
        failed("maxProperties", m->dump(), std::to_string(v.size()),
               "object has [" + std::to_string(v.size()) + "] properties but must have at most [" + m->dump() + "]");
    }
    if (stop()) return false;

    if (auto all = s.find("allOf"); all != s.end() && all->is_array()) {
      for (std::size_t i = 0; i < all->size(); ++i) {
        if (!walk((*all)[i], v, out ? at + "/allOf/" + std::to_string(i) : std::string(), out, depth + 1)) {
          ok = false;
          if (!out) return false;
        }
      }
    }
    if (auto any = s.find("anyOf"); any != s.end() && any->is_array()) {
      const bool one_of = s.contains(one_of_key);
      if (!(strict_ && one_of ? exactly_one(*any, v, at, out, depth)
                              : alternatives(*any, v, at, one_of ? "oneOf" : "anyOf", out, depth)))
        ok = false;
      if (stop()) return false;
    }
    if (auto one = s.find("oneOf"); one != s.end() && one->is_array()) {  // never emitted; draft 7 meaning
      std::size_t matched = 0;
      for (const auto& branch : *one) matched += walk(branch, v, std::string(), nullptr, depth + 1);
      if (matched == 0) {
        if (!alternatives(*one, v, at, "oneOf", out, depth)) ok = false;
      } else if (matched > 1) {
        failed("oneOf", "exactly one schema", std::to_string(matched) + " schemas",
               "expected value to match exactly one schema but it matched [" + std::to_string(matched) + "]");
      }
      if (stop()) return false;
    }
    if (auto n = s.find("not"); n != s.end()) {
      if (walk(*n, v, std::string(), nullptr, depth + 1)) {
        const bool never = n->is_object() && n->empty();
        failed("not", never ? "nothing" : "not the schema in [not]", std::string(found_type(v)),
               never ? "no value is allowed here" : "expected value not to match the schema in [not]");
      }
      if (stop()) return false;
    }
    if (auto cond = s.find("if"); cond != s.end()) {
      const bool holds = walk(*cond, v, std::string(), nullptr, depth + 1);
      const char* branch_key = holds ? "then" : "else";
      if (auto branch = s.find(branch_key); branch != s.end())
        if (!walk(*branch, v, out ? at + "/" + branch_key : std::string(), out, depth + 1)) ok = false;
    }
    return ok;
  }

  const json* resolve(const json& ref) const {
    if (!ref.is_string()) return nullptr;
    const std::string& text = ref.get_ref<const std::string&>();
    constexpr std::string_view prefix = "#/definitions/";
    if (!text.starts_with(prefix)) return nullptr;
    auto it = definitions_.find(text.substr(prefix.size()));
    return it == definitions_.end() ? nullptr : &*it;
  }

  // The types a schema admits at its top level (nullopt = any).
  std::optional<std::vector<std::string>> root_types(const json& s) const {
    std::set<const json*> seen;
    return root_types(s, seen);
  }
  // `seen` is the path from the start: a schema reached twice along it is a cycle.
  std::optional<std::vector<std::string>> root_types(const json& s, std::set<const json*>& seen) const {
    if (!s.is_object() || seen.count(&s)) return std::nullopt;
    seen.insert(&s);
    auto result = root_types_of(s, seen);
    seen.erase(&s);
    return result;
  }
  std::optional<std::vector<std::string>> root_types_of(const json& s, std::set<const json*>& seen) const {
    if (auto ref = s.find("$ref"); ref != s.end()) {
      const json* target = resolve(*ref);
      return target ? root_types(*target, seen) : std::nullopt;
    }
    if (auto t = s.find("type"); t != s.end()) {
      if (t->is_string()) return std::vector<std::string>{*t};
      std::vector<std::string> names;
      for (const auto& one : *t)
        if (one.is_string()) names.push_back(one);
      return names;
    }
    for (const char* key : {"anyOf", "oneOf"}) {
      if (auto list = s.find(key); list != s.end() && list->is_array()) {
        std::vector<std::string> names;
        for (const auto& branch : *list) {
          auto more = root_types(branch, seen);
          if (!more) return std::nullopt;
          for (auto& n : *more)
            if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(std::move(n));
        }
        return names;
      }
    }
    if (auto all = s.find("allOf"); all != s.end() && all->is_array())
      for (const auto& member : *all)
        if (auto types = root_types(member, seen)) return types;
    return std::nullopt;
  }

  // The declared type of property `name` of object schema `s`, for "missing" messages.
  std::string declared_type(const json& s, const std::string& name, std::set<const json*>& seen) const {
    if (!s.is_object() || seen.count(&s)) return "any";
    seen.insert(&s);
    std::string result = declared_type_of(s, name, seen);
    seen.erase(&s);
    return result;
  }
  std::string declared_type_of(const json& s, const std::string& name, std::set<const json*>& seen) const {
    if (auto ref = s.find("$ref"); ref != s.end()) {
      const json* target = resolve(*ref);
      return target ? declared_type(*target, name, seen) : "any";
    }
    if (auto props = s.find("properties"); props != s.end())
      if (auto p = props->find(name); p != props->end()) {
        auto types = root_types(*p);
        if (!types) return "any";
        std::vector<std::string> names;
        for (const auto& t : *types)
          if (t != "null") names.push_back(t);
        return names.empty() ? "null" : join(names, " | ");
      }
    for (const char* key : {"allOf", "anyOf"})
      if (auto list = s.find(key); list != s.end() && list->is_array())
        for (const auto& member : *list)
          if (std::string t = declared_type(member, name, seen); t != "any") return t;
    return "any";
  }

  // anyOf and oneOf matching nothing: valid when a branch is. Otherwise one
  // error in Kibana's form (@kbn/config-schema's union type):
  //   types that failed validation:
  //   - [field.p.0]: <branch 0's first failure>
  //   - [field.p.1]: ...
  // with the branch index after the union's own path and nested unions
  // indented one space per level. A single branch, and the nullable wrapper
  // (anyOf [null, schema], a translation artifact), report the closest
  // branch's errors instead.
  bool alternatives(const json& list, const json& v, const std::string& at, const char* keyword,
                    std::vector<found>* out, int depth) {
    for (const auto& branch : list)
      if (walk(branch, v, std::string(), nullptr, depth + 1)) return true;
    if (!out) return false;
    std::vector<std::string> types;
    bool any_type = false;
    for (const auto& branch : list) {
      auto admitted = root_types(branch);
      if (!admitted) any_type = true;
      else
        for (const auto& t : *admitted)
          if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
    }
    const std::string expected = !any_type && !types.empty() ? join(types, " | ") : "one of the allowed schemas";
    if (budget_ == 0) {  // a hostile value against nested alternatives: say less, stay fast
      fail(out, at, keyword, expected, std::string(found_type(v)), "expected value to match one of the allowed schemas");
      return false;
    }
    // One branch says its own failure (@kbn/config-schema's union of one type does the same).
    if (list.size() == 1 || is_nullable_wrapper(list)) return closest_branch(list, v, at, keyword, expected, out, depth);

    std::string own_pointer;
    for (const auto& t : tokens_) own_pointer = pointer_append(own_pointer, t);
    std::string message = "types that failed validation:";
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::vector<found> errors;
      walk(list[i], v, at + "/" + keyword + "/" + std::to_string(i), &errors, depth + 1);
      std::vector<schema_error> first = finish(std::move(errors));
      std::string line_pointer = pointer_append(own_pointer, std::to_string(i));
      std::string text = "no value is allowed here";
      if (!first.empty()) {
        line_pointer += std::string_view(first.front().instance_pointer).substr(own_pointer.size());
        text = std::move(first.front().message);
      }
      // A nested union's own lines sit one level deeper.
      for (std::size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', nl + 2)) text.insert(nl + 1, " ");
      message += "\n- [" + kibana_field(field_, line_pointer) + "]: " + text;
    }
    fail(out, at + "/" + keyword, keyword, expected, std::string(found_type(v)), std::move(message));
    return false;
  }

  // anyOf [{type: null}, schema], as `nullable` is translated.
  static bool is_nullable_wrapper(const json& list) {
    if (list.size() != 2 || !list[0].is_object()) return false;
    auto type = list[0].find("type");
    auto at = list[0].find(at_key);
    return type != list[0].end() && *type == "null" && at != list[0].end() && at->is_string() &&
           at->get_ref<const std::string&>().ends_with("/nullable");
  }

  // The errors of the closest branch among those admitting the value's type, or one type error.
  bool closest_branch(const json& list, const json& v, const std::string& at, const char* keyword,
                      const std::string& expected, std::vector<found>* out, int depth) {
    std::optional<std::vector<found>> best;
    for (std::size_t i = 0; i < list.size(); ++i) {
      auto admitted = root_types(list[i]);
      if (admitted && std::none_of(admitted->begin(), admitted->end(), [&](const std::string& t) { return type_accepts(t, v); }))
        continue;
      std::vector<found> errors;
      walk(list[i], v, at + "/" + keyword + "/" + std::to_string(i), &errors, depth + 1);
      if (!best || errors.size() < best->size()) best = std::move(errors);
    }
    if (best && !best->empty()) {
      for (auto& f : *best) out->push_back(std::move(f));
      return false;
    }
    fail(out, at, keyword, expected, std::string(found_type(v)),
         expected == "one of the allowed schemas"
             ? "expected value to match one of the allowed schemas"
             : "expected value of type [" + expected + "] but got [" + std::string(found_type(v)) + "]");
    return false;
  }

  // A oneOf under the strict reading: exactly one branch. Two or more is an
  // overlap (recorded with the branches); none is reported as anyOf would
  // be, from the closest branch (whose own nested overlaps then show).
  bool exactly_one(const json& list, const json& v, const std::string& at, std::vector<found>* out, int depth) {
    std::vector<std::size_t> matched;
    for (std::size_t i = 0; i < list.size(); ++i)
      if (walk(list[i], v, std::string(), nullptr, depth + 1)) matched.push_back(i);
    if (matched.size() == 1) return true;
    if (!out) return false;
    // None: the closest branch's own errors, so that overlaps nested in it show (not Kibana's
    // union message, which folds them into one line).
    if (matched.empty()) return closest_branch(list, v, at, "oneOf", "one of the allowed schemas", out, depth);
    std::vector<std::string> names;
    for (std::size_t i : matched) names.push_back(std::to_string(i));
    fail(out, at + "/oneOf", "oneOf", "exactly one branch", "branches [" + join(names, ", ") + "]",
         "expected value to match exactly one branch of oneOf but it matched [" + join(names, ", ") + "]");
    out->back().overlap = std::move(matched);
    return false;
  }

  void enter(const std::string& token, std::uint32_t position) {
    tokens_.push_back(token);
    order_.push_back(position);
  }
  void leave() {
    tokens_.pop_back();
    order_.pop_back();
  }

  void fail(std::vector<found>* out, const std::string& at, std::string keyword, std::string expected,
            std::string found_text, std::string message) {
    if (!out) return;
    found f;
    f.order = order_;
    for (const auto& t : tokens_) f.error.instance_pointer = pointer_append(f.error.instance_pointer, t);
    f.error.schema_pointer = at;
    f.error.keyword = std::move(keyword);
    f.error.expected = std::move(expected);
    f.error.found = std::move(found_text);
    f.error.message = std::move(message);
    out->push_back(std::move(f));
  }

  struct pair_hash {
    std::size_t operator()(const std::pair<const json*, const json*>& p) const {
      return std::hash<const void*>()(p.first) * 31 + std::hash<const void*>()(p.second);
    }
  };

  const json& definitions_;
  const pattern_table& patterns_;
  std::string_view field_;  // Kibana's name of the value's place ("request body"), for union lines
  std::unordered_map<std::pair<const json*, const json*>, bool, pair_hash> valid_;
  bool strict_ = false;
  std::size_t budget_ = 100000;  // detailed node visits before alternatives stop looking for the closest branch
  std::vector<std::string> tokens_;
  std::vector<std::uint32_t> order_;
};

}  // namespace

schema_registry::schema_registry(const document_set& docs) : impl_(std::make_unique<impl>(docs)) {}

schema_registry::~schema_registry() = default;

schema_id schema_registry::add(const document& doc, std::string_view pointer, direction dir) {
  const std::uint32_t loc = impl_->location_of(doc, std::string(pointer), dir);
  auto [it, inserted] =
      impl_->entry_by_location.try_emplace(impl::entry_key(loc, dir), static_cast<schema_id>(impl_->entries.size()));
  if (inserted) impl_->entries.push_back({loc, dir, nullptr, nullptr, nullptr});
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
  impl_->mark_one_of_entries();
  impl_->report_unknown_formats();
  impl_->compile_shared();
  return std::move(impl_->problems);
}

std::size_t schema_registry::size() const { return impl_->entries.size(); }
bool schema_registry::compiled(schema_id id) const { return impl_->entries.at(id).subschema != nullptr; }
const std::string& schema_registry::pointer(schema_id id) const {
  return impl_->locations[impl_->entries.at(id).location].pointer;
}
const json& schema_registry::translated_root() const { return impl_->root; }

bool schema_registry::is_valid(schema_id id, const json& value) const {
  const impl::entry& e = impl_->entries.at(id);
  if (!e.subschema) return true;
  fast_checker checker(e.empty);
  return checker.check(*e.subschema, value);
}

std::string kibana_field(std::string_view prefix, std::string_view instance_pointer) {
  std::string out(prefix);
  auto tokens = split_pointer(instance_pointer);
  if (!tokens) return out;
  for (const auto& t : *tokens) {
    if (!out.empty()) out += '.';
    out += t;
  }
  return out;
}

std::vector<schema_error> schema_registry::explain(schema_id id, const json& value, std::string_view field) const {
  const impl::entry& e = impl_->entries.at(id);
  if (!e.subschema || is_valid(id, value)) return {};
  const json& definitions = std::as_const(impl_->root).at("definitions");
  const json* s = &definitions.at("t" + std::to_string(e.location));
  explainer walker(definitions, impl_->patterns, field);
  std::vector<explainer::found> found;
  walker.walk(*s, value, std::string(), &found);
  std::vector<schema_error> errors = walker.finish(std::move(found));
  if (errors.empty()) {
    // The fast check is the authority; the walker should always find why.
    const location& loc = impl_->locations[e.location];
    errors.push_back({"", "value does not match the schema", impl_->schema_pointer(loc.doc, loc.pointer), "schema",
                      "a valid value", "an invalid value"});
  }
  return errors;
}

bool schema_registry::reaches_one_of(schema_id id) const { return impl_->entries.at(id).one_of; }

bool schema_registry::is_strictly_valid(schema_id id, const json& value) const {
  if (!is_valid(id, value)) return false;
  const impl::entry& e = impl_->entries.at(id);
  if (!e.subschema || !e.one_of) return true;
  const json& definitions = std::as_const(impl_->root).at("definitions");
  explainer walker(definitions, impl_->patterns, {}, true);
  return walker.walk(definitions.at("t" + std::to_string(e.location)), value, std::string(), nullptr);
}

std::vector<one_of_overlap> schema_registry::one_of_overlaps(schema_id id, const json& value) const {
  const impl::entry& e = impl_->entries.at(id);
  if (!e.subschema || !e.one_of || is_strictly_valid(id, value)) return {};
  const json& definitions = std::as_const(impl_->root).at("definitions");
  explainer walker(definitions, impl_->patterns, {}, true);
  std::vector<explainer::found> found;
  walker.walk(definitions.at("t" + std::to_string(e.location)), value, std::string(), &found);
  std::vector<one_of_overlap> overlaps;
  for (auto& f : found) {
    if (f.overlap.empty()) continue;
    one_of_overlap o;
    o.instance_pointer = std::move(f.error.instance_pointer);
    o.schema_pointer = std::move(f.error.schema_pointer);
    o.branches = std::move(f.overlap);
    // schema_pointer() in reverse: "#/p" in the entry document, "file#/p" in another.
    const std::size_t hash = o.schema_pointer.find('#');
    const std::string_view file = std::string_view(o.schema_pointer).substr(0, hash);
    for (const auto& d : impl_->docs.documents())
      if (file.empty() ? d.get() == &impl_->docs.root() : d->file() == file) o.doc = d.get();
    o.pointer = hash == std::string::npos ? std::string() : o.schema_pointer.substr(hash + 1);
    overlaps.push_back(std::move(o));
  }
  return overlaps;
}

}  // namespace specgate::validator
