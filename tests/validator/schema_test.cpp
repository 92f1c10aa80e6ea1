// OpenAPI schema semantics of the translation (validator/schema.h), formats,
// patterns, detailed errors as data, and the Kibana document's defects.
#include "validator/schema/schema.h"

#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.h"
#include "validator/contract/contract.h"
#include "validator/schema/formats.h"
#include "validator/document/loader.h"
#include "validator/schema/pattern.h"

namespace specgate::validator {
namespace {

using ::testing::HasSubstr;

// A one-operation spec whose request body schema is `schema` (JSON flow
// syntax) with `components` as components.schemas; both also serve as the
// 200 response schema (for readOnly/writeOnly).
std::string spec_with(std::string_view schema, std::string_view components = "{}") {
  std::string s =
      "openapi: 3.0.3\n"
      "info: {title: t, version: '1'}\n"
      "paths:\n"
      "  /x:\n"
      "    post:\n"
      "      operationId: op\n"
      "      requestBody:\n"
      "        content:\n"
      "          application/json:\n"
      "            schema: ";
  s += schema;
  s +=
      "\n"
      "      responses:\n"
      "        '200':\n"
      "          description: ok\n"
      "          content:\n"
      "            application/json:\n"
      "              schema: ";
  s += schema;
  s += "\ncomponents:\n  schemas: ";
  s += components;
  s += "\n";
  return s;
}

struct compiled_spec {
  contract::build_result built;
  schema_id request = no_schema;
  schema_id response = no_schema;

  const schema_registry& schemas() const { return built.value->schemas(); }
  bool valid(std::string_view value_json) const { return schemas().is_valid(request, json::parse(value_json)); }
  std::vector<schema_error> explain(std::string_view value_json) const {
    return schemas().explain(request, json::parse(value_json));
  }
  bool warned(std::string_view pointer_suffix, std::string_view text) const {
    return std::any_of(built.problems.begin(), built.problems.end(), [&](const diagnostic& d) {
      return d.level == severity::warning && d.pointer.ends_with(pointer_suffix) &&
             d.message.find(text) != std::string::npos;
    });
  }
};

compiled_spec compile(std::string_view schema, std::string_view components = "{}") {
  compiled_spec c;
  c.built = load_contract_text(spec_with(schema, components), "test.yaml");
  if (c.built.value) {
    const operation& op = c.built.value->operations().at(0);
    c.request = op.body->content.at(0).schema;
    c.response = op.responses.at(0).content.at(0).schema;
  }
  return c;
}

std::string problems_text(const diagnostics& d) {
  std::string out;
  for (const auto& p : d) out += p.to_string() + "\n";
  return out;
}

// ------------------------------------------------------------------ table of rules

struct rule_case {
  const char* name;
  const char* schema;
  const char* components;
  const char* value;
  bool valid;
};

std::ostream& operator<<(std::ostream& os, const rule_case& c) { return os << c.name << " " << c.value; }

class rules : public ::testing::TestWithParam<rule_case> {};

TEST_P(rules, validate) {
  const rule_case& c = GetParam();
  auto spec = compile(c.schema, c.components);
  ASSERT_TRUE(spec.built.value) << problems_text(spec.built.problems);
  EXPECT_EQ(spec.valid(c.value), c.valid) << c.schema << " with " << c.value;
  // The detailed check agrees with the fast one.
  EXPECT_EQ(spec.explain(c.value).empty(), c.valid);
}

constexpr const char* pets =
    R"({"Cat": {"type": "object", "required": ["pet_type", "meow"], "properties": {"pet_type": {"type": "string"}, "meow": {"type": "boolean"}}},
        "Dog": {"type": "object", "required": ["pet_type", "bark"], "properties": {"pet_type": {"type": "string"}, "bark": {"type": "boolean"}}},
        "Lizard": {"type": "object", "required": ["pet_type"], "properties": {"pet_type": {"type": "string", "enum": ["gecko", "iguana"]}}},
        "Base": {"type": "object", "additionalProperties": false, "properties": {"a": {"type": "string"}}},
        "Open": {"type": "object", "properties": {"b": {"type": "string"}}},
        "Str": {"type": "string"}})";

INSTANTIATE_TEST_SUITE_P(
    nullable, rules,
    ::testing::Values(
        rule_case{"type", R"({"type": "string", "nullable": true})", "{}", "null", true},
        rule_case{"type", R"({"type": "string", "nullable": true})", "{}", "\"a\"", true},
        rule_case{"type", R"({"type": "string", "nullable": true})", "{}", "1", false},
        rule_case{"not nullable", R"({"type": "string"})", "{}", "null", false},
        rule_case{"nullable false", R"({"type": "string", "nullable": false})", "{}", "null", false},
        rule_case{"beside $ref", R"({"$ref": "#/components/schemas/Str", "nullable": true})", pets, "null", true},
        rule_case{"beside $ref", R"({"$ref": "#/components/schemas/Str", "nullable": true})", pets, "\"a\"", true},
        rule_case{"beside $ref", R"({"$ref": "#/components/schemas/Str", "nullable": true})", pets, "2", false},
        rule_case{"$ref without", R"({"$ref": "#/components/schemas/Str"})", pets, "null", false},
        rule_case{"allOf", R"({"allOf": [{"$ref": "#/components/schemas/Open"}], "nullable": true})", pets, "null", true},
        rule_case{"allOf", R"({"allOf": [{"$ref": "#/components/schemas/Open"}], "nullable": true})", pets, "{\"b\":\"x\"}", true},
        rule_case{"allOf", R"({"allOf": [{"$ref": "#/components/schemas/Open"}], "nullable": true})", pets, "{\"b\":1}", false},
        rule_case{"oneOf", R"({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})", "{}", "null", true},
        rule_case{"oneOf", R"({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})", "{}", "true", false},
        rule_case{"anyOf", R"({"anyOf": [{"type": "string"}], "nullable": true})", "{}", "null", true},
        rule_case{"enum", R"({"type": "string", "enum": ["a", "b"], "nullable": true})", "{}", "null", true},
        rule_case{"enum", R"({"type": "string", "enum": ["a", "b"], "nullable": true})", "{}", "\"b\"", true},
        rule_case{"enum", R"({"type": "string", "enum": ["a", "b"], "nullable": true})", "{}", "\"c\"", false},
        rule_case{"enum without type", R"({"enum": ["a"], "nullable": true})", "{}", "null", true},
        rule_case{"empty enum = null only", R"({"enum": [], "nullable": true})", "{}", "null", true},
        rule_case{"empty enum = null only", R"({"enum": [], "nullable": true})", "{}", "\"a\"", false},
        rule_case{"no type", R"({"nullable": true, "description": "anything"})", "{}", "null", true},
        rule_case{"date-time", R"({"type": "string", "format": "date-time", "nullable": true})", "{}", "null", true},
        rule_case{"object property", R"({"type": "object", "properties": {"p": {"type": "integer", "nullable": true}}})", "{}", "{\"p\":null}", true}));

INSTANTIATE_TEST_SUITE_P(
    all_of_closed, rules,
    ::testing::Values(
        // A closed member does not reject what another member declares.
        rule_case{"member closed", R"({"allOf": [{"$ref": "#/components/schemas/Base"}, {"$ref": "#/components/schemas/Open"}]})", pets, R"({"a":"x","b":"y"})", true},
        rule_case{"member closed", R"({"allOf": [{"$ref": "#/components/schemas/Base"}, {"$ref": "#/components/schemas/Open"}]})", pets, R"({"a":"x","c":"y"})", false},
        rule_case{"member closed, types kept", R"({"allOf": [{"$ref": "#/components/schemas/Base"}, {"$ref": "#/components/schemas/Open"}]})", pets, R"({"a":1})", false},
        rule_case{"inline member", R"({"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"c": {"type": "integer"}}}]})", pets, R"({"a":"x","c":1})", true},
        rule_case{"closed allOf itself", R"({"allOf": [{"$ref": "#/components/schemas/Open"}], "properties": {"c": {}}, "additionalProperties": false})", pets, R"({"b":"x","c":1})", true},
        rule_case{"closed allOf itself", R"({"allOf": [{"$ref": "#/components/schemas/Open"}], "properties": {"c": {}}, "additionalProperties": false})", pets, R"({"d":1})", false},
        rule_case{"oneOf inside a member", R"({"allOf": [{"$ref": "#/components/schemas/Base"}, {"oneOf": [{"type": "object", "additionalProperties": false, "properties": {"x": {"type": "integer"}}}]}]})", pets, R"({"a":"s","x":1})", true},
        rule_case{"oneOf inside a member", R"({"allOf": [{"$ref": "#/components/schemas/Base"}, {"oneOf": [{"type": "object", "additionalProperties": false, "properties": {"x": {"type": "integer"}}}]}]})", pets, R"({"a":"s","y":1})", false},
        // The member itself, used alone elsewhere, stays closed.
        rule_case{"member alone", R"({"$ref": "#/components/schemas/Base"})", pets, R"({"a":"x","b":"y"})", false}));

INSTANTIATE_TEST_SUITE_P(
    one_of, rules,
    ::testing::Values(
        // oneOf is validated as anyOf (Kibana's unions are first-match-wins).
        rule_case{"identical branches", R"({"oneOf": [{"type": "string"}, {"type": "string"}]})", "{}", "\"a\"", true},
        rule_case{"overlapping branches", R"({"oneOf": [{"type": "object"}, {"type": "object", "properties": {"a": {"type": "string"}}}]})", "{}", R"({"a":"x"})", true},
        rule_case{"no branch", R"({"oneOf": [{"type": "string"}, {"type": "integer"}]})", "{}", "1.5", false},
        rule_case{"integer branch takes 2.0", R"({"oneOf": [{"type": "string"}, {"type": "integer"}]})", "{}", "2.0", true},
        // anyOf beside oneOf: both must hold.
        rule_case{"anyOf beside oneOf", R"({"anyOf": [{"type": "string"}, {"type": "number"}], "oneOf": [{"type": "number"}, {"not": {}}]})", "{}", "1", true},
        rule_case{"anyOf beside oneOf", R"({"anyOf": [{"type": "string"}, {"type": "number"}], "oneOf": [{"type": "number"}, {"not": {}}]})", "{}", "\"a\"", false},
        rule_case{"anyOf beside oneOf", R"({"anyOf": [{"type": "string"}, {"type": "number"}], "oneOf": [{"type": "number"}, {"not": {}}]})", "{}", "true", false}));

constexpr const char* pet_mapping =
    R"({"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}], "discriminator": {"propertyName": "pet_type", "mapping": {"cat": "Cat", "dog": "#/components/schemas/Dog"}}})";
constexpr const char* pet_names =
    R"({"anyOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}, {"$ref": "#/components/schemas/Lizard"}], "discriminator": {"propertyName": "pet_type"}})";

INSTANTIATE_TEST_SUITE_P(
    discriminator, rules,
    ::testing::Values(
        rule_case{"mapping", pet_mapping, pets, R"({"pet_type":"cat","meow":true})", true},
        rule_case{"mapping", pet_mapping, pets, R"({"pet_type":"dog","bark":true})", true},
        rule_case{"mapping picks the branch", pet_mapping, pets, R"({"pet_type":"dog","meow":true})", false},
        rule_case{"mapping, unknown value", pet_mapping, pets, R"({"pet_type":"Cat","meow":true})", false},
        rule_case{"missing property", pet_mapping, pets, R"({"meow":true})", false},
        rule_case{"not an object", pet_mapping, pets, "\"cat\"", false},
        rule_case{"schema names", pet_names, pets, R"({"pet_type":"Cat","meow":true})", true},
        rule_case{"schema names", pet_names, pets, R"({"pet_type":"Dog","meow":true})", false},
        rule_case{"enum values first", pet_names, pets, R"({"pet_type":"gecko"})", true},
        rule_case{"enum values first", pet_names, pets, R"({"pet_type":"Lizard"})", false},
        rule_case{"nullable", R"({"oneOf": [{"$ref": "#/components/schemas/Cat"}], "nullable": true, "discriminator": {"propertyName": "pet_type"}})", pets, "null", true}));

INSTANTIATE_TEST_SUITE_P(
    integer_formats, rules,
    ::testing::Values(
        rule_case{"int32 max", R"({"type": "integer", "format": "int32"})", "{}", "2147483647", true},
        rule_case{"int32 max+1", R"({"type": "integer", "format": "int32"})", "{}", "2147483648", false},
        rule_case{"int32 min", R"({"type": "integer", "format": "int32"})", "{}", "-2147483648", true},
        rule_case{"int32 min-1", R"({"type": "integer", "format": "int32"})", "{}", "-2147483649", false},
        rule_case{"int32 own maximum wins", R"({"type": "integer", "format": "int32", "maximum": 5})", "{}", "6", false},
        rule_case{"int64 max", R"({"type": "integer", "format": "int64"})", "{}", "9223372036854775807", true},
        rule_case{"int64 min", R"({"type": "integer", "format": "int64"})", "{}", "-9223372036854775808", true},
        rule_case{"int64 far beyond", R"({"type": "integer", "format": "int64"})", "{}", "1e30", false},
        rule_case{"integer 1.0", R"({"type": "integer"})", "{}", "1.0", true},
        rule_case{"integer 1.5", R"({"type": "integer"})", "{}", "1.5", false},
        rule_case{"exclusiveMaximum", R"({"type": "number", "maximum": 10, "exclusiveMaximum": true})", "{}", "10", false},
        rule_case{"exclusiveMinimum", R"({"type": "number", "minimum": 1, "exclusiveMinimum": true})", "{}", "1.5", true},
        rule_case{"multipleOf", R"({"type": "number", "multipleOf": 0.5})", "{}", "2.5", true},
        rule_case{"multipleOf", R"({"type": "number", "multipleOf": 2})", "{}", "3", false}));

INSTANTIATE_TEST_SUITE_P(
    string_formats, rules,
    ::testing::Values(
        rule_case{"date-time", R"({"type": "string", "format": "date-time"})", "{}", "\"2024-01-31T12:00:00Z\"", true},
        rule_case{"date-time fraction offset", R"({"type": "string", "format": "date-time"})", "{}", "\"2024-02-29t23:59:60.123+05:30\"", true},
        rule_case{"date-time no offset", R"({"type": "string", "format": "date-time"})", "{}", "\"2024-01-31T12:00:00\"", false},
        rule_case{"date-time bad day", R"({"type": "string", "format": "date-time"})", "{}", "\"2023-02-29T12:00:00Z\"", false},
        rule_case{"date", R"({"type": "string", "format": "date"})", "{}", "\"2024-02-29\"", true},
        rule_case{"date", R"({"type": "string", "format": "date"})", "{}", "\"2024-13-01\"", false},
        rule_case{"time", R"({"type": "string", "format": "time"})", "{}", "\"08:30:00-01:00\"", true},
        rule_case{"time", R"({"type": "string", "format": "time"})", "{}", "\"24:00:00Z\"", false},
        rule_case{"uuid", R"({"type": "string", "format": "uuid"})", "{}", "\"5e656730-e1ca-11ec-be9b-9b1838238ee6\"", true},
        rule_case{"uuid", R"({"type": "string", "format": "uuid"})", "{}", "\"5e656730e1ca11ecbe9b9b1838238ee6\"", false},
        rule_case{"email", R"({"type": "string", "format": "email"})", "{}", "\"first.last+tag@example.co.uk\"", true},
        rule_case{"email", R"({"type": "string", "format": "email"})", "{}", "\"first last@example.com\"", false},
        rule_case{"email", R"({"type": "string", "format": "email"})", "{}", "\"@example.com\"", false},
        rule_case{"ipv4", R"({"type": "string", "format": "ipv4"})", "{}", "\"192.0.2.255\"", true},
        rule_case{"ipv4", R"({"type": "string", "format": "ipv4"})", "{}", "\"192.0.2.256\"", false},
        rule_case{"ipv4 leading zero", R"({"type": "string", "format": "ipv4"})", "{}", "\"192.0.2.01\"", false},
        rule_case{"ipv6", R"({"type": "string", "format": "ipv6"})", "{}", "\"2001:db8::ffff:192.0.2.1\"", true},
        rule_case{"ipv6", R"({"type": "string", "format": "ipv6"})", "{}", "\"2001:db8:::1\"", false},
        rule_case{"uri", R"({"type": "string", "format": "uri"})", "{}", "\"https://user@example.com:8080/p?q=1#f\"", true},
        rule_case{"uri relative", R"({"type": "string", "format": "uri"})", "{}", "\"/relative/path\"", false},
        rule_case{"uri space", R"({"type": "string", "format": "uri"})", "{}", "\"https://example.com/a b\"", false},
        rule_case{"hostname", R"({"type": "string", "format": "hostname"})", "{}", "\"kibana-1.example.com\"", true},
        rule_case{"hostname", R"({"type": "string", "format": "hostname"})", "{}", "\"-bad.example.com\"", false},
        rule_case{"byte", R"({"type": "string", "format": "byte"})", "{}", "\"aGVsbG8=\"", true},
        rule_case{"byte", R"({"type": "string", "format": "byte"})", "{}", "\"aGVsbG8\"", false},
        // Only strings are format-checked: an object under `format` is the type's business.
        rule_case{"object under format", R"({"format": "date-time"})", "{}", "{\"a\":1}", true},
        rule_case{"number under format", R"({"format": "uuid"})", "{}", "5", true},
        rule_case{"unknown format ignored", R"({"type": "string", "format": "date-math"})", "{}", "\"now-1d\"", true},
        rule_case{"binary not checked", R"({"type": "string", "format": "binary"})", "{}", "\"\\u0001\"", true}));

INSTANTIATE_TEST_SUITE_P(
    patterns, rules,
    ::testing::Values(
        rule_case{"anchored", R"({"type": "string", "pattern": "^[A-Z]$"})", "{}", "\"A\"", true},
        rule_case{"anchored", R"({"type": "string", "pattern": "^[A-Z]$"})", "{}", "\"AB\"", false},
        rule_case{"$ is the end of input", R"({"type": "string", "pattern": "^[A-Z]$"})", "{}", "\"A\\n\"", false},
        rule_case{"unanchored search", R"({"type": "string", "pattern": "b+"})", "{}", "\"abbbc\"", true},
        rule_case{"\\d", R"({"type": "string", "pattern": "^[1-9]\\d*[smhd]$"})", "{}", "\"15m\"", true},
        rule_case{"\\d", R"({"type": "string", "pattern": "^[1-9]\\d*[smhd]$"})", "{}", "\"0m\"", false},
        rule_case{"\\s is ECMA's", R"({"type": "string", "pattern": "^a\\sb$"})", "{}", "\"a\\u00a0b\"", true},
        rule_case{". excludes line terminators", R"({"type": "string", "pattern": "^a.b$"})", "{}", "\"a\\rb\"", false},
        rule_case{"\\w", R"({"type": "string", "pattern": "^\\w+$"})", "{}", "\"snake_case1\"", true},
        rule_case{"\\u escape", R"({"type": "string", "pattern": "^\\u00e9$"})", "{}", "\"\\u00e9\"", true},
        rule_case{"non-strings pass", R"({"pattern": "^a$"})", "{}", "5", true},
        rule_case{"lookahead is not enforced", R"js({"type": "string", "pattern": "^(?=x)"})js", "{}", "\"y\"", true}));

INSTANTIATE_TEST_SUITE_P(
    defects, rules,
    ::testing::Values(
        rule_case{"type objects", R"({"type": "object", "properties": {"k": {"type": "objects"}}})", "{}", R"({"k":[1]})", true},
        rule_case{"required null", R"({"type": "object", "required": null, "properties": {"k": {"type": "string"}}})", "{}", "{}", true},
        rule_case{"required with an object", R"({"type": "object", "required": ["a", {"anyOf": ["b"]}]})", "{}", "{}", false},
        rule_case{"required with an object", R"({"type": "object", "required": ["a", {"anyOf": ["b"]}]})", "{}", R"({"a":1})", true},
        rule_case{"additionalproperties", R"({"type": "object", "properties": {"a": {}}, "additionalproperties": false})", "{}", R"({"b":1})", true}));

TEST(schema, read_only_and_write_only_per_direction) {
  auto spec = compile(
      R"({"type": "object", "required": ["id", "secret", "name"], "properties": {"id": {"type": "string", "readOnly": true}, "secret": {"type": "string", "writeOnly": true}, "name": {"type": "string"}}})");
  ASSERT_TRUE(spec.built.value);
  const auto& s = spec.schemas();
  EXPECT_TRUE(s.is_valid(spec.request, json::parse(R"({"secret":"s","name":"n"})")));
  EXPECT_FALSE(s.is_valid(spec.request, json::parse(R"({"id":"1","name":"n"})")));
  EXPECT_TRUE(s.is_valid(spec.response, json::parse(R"({"id":"1","name":"n"})")));
  EXPECT_FALSE(s.is_valid(spec.response, json::parse(R"({"secret":"s","name":"n"})")));
}

// ------------------------------------------------------------------ the strict reading of oneOf

TEST(schema, strict_reading_wants_exactly_one_oneof_branch_and_names_the_overlap) {
  // Branch 0 takes any object, branch 1 objects whose `a` is a string, branch 2 numbers.
  auto spec = compile(
      R"({"type": "object", "properties": {"pet": {"$ref": "#/components/schemas/Pet"}, "plain": {"type": "string"}}})",
      R"({"Pet": {"oneOf": [{"type": "object"}, {"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "number"}]}})");
  ASSERT_TRUE(spec.built.value) << problems_text(spec.built.problems);
  const schema_registry& s = spec.schemas();
  EXPECT_TRUE(s.reaches_one_of(spec.request)) << "through the $ref";
  const json overlapping = json::parse(R"({"pet": {"a": "x"}})");
  const json single_object = json::parse(R"({"pet": {"a": 1}})");
  const json single_number = json::parse(R"({"pet": 3})");
  // anyOf semantics for the checks: all three are valid.
  EXPECT_TRUE(s.is_valid(spec.request, overlapping));
  EXPECT_TRUE(s.explain(spec.request, overlapping).empty());
  EXPECT_TRUE(s.is_valid(spec.request, single_object));
  // The strict reading: only the ones matching exactly one branch.
  EXPECT_FALSE(s.is_strictly_valid(spec.request, overlapping));
  EXPECT_TRUE(s.is_strictly_valid(spec.request, single_object));
  EXPECT_TRUE(s.is_strictly_valid(spec.request, single_number));
  EXPECT_FALSE(s.is_strictly_valid(spec.request, json::parse(R"({"pet": "no branch"})"))) << "invalid stays invalid";
  EXPECT_TRUE(s.one_of_overlaps(spec.request, single_object).empty());

  const auto overlaps = s.one_of_overlaps(spec.request, overlapping);
  ASSERT_EQ(overlaps.size(), 1u);
  EXPECT_EQ(overlaps[0].instance_pointer, "/pet");
  EXPECT_EQ(overlaps[0].schema_pointer, "#/components/schemas/Pet/oneOf");
  EXPECT_EQ(overlaps[0].pointer, "/components/schemas/Pet/oneOf");
  ASSERT_NE(overlaps[0].doc, nullptr);
  EXPECT_EQ(overlaps[0].doc->find(overlaps[0].pointer), spec.built.value->docs().root().find("/components/schemas/Pet/oneOf"));
  EXPECT_EQ(overlaps[0].branches, (std::vector<std::size_t>{0, 1}));
}

TEST(schema, strict_reading_looks_inside_branches_and_ignores_schemas_without_oneof) {
  // The outer oneOf separates by type; inside the object branch an inline oneOf overlaps.
  auto spec = compile(
      R"({"oneOf": [{"type": "string"}, {"type": "object", "properties": {"v": {"oneOf": [{"type": "integer"}, {"type": "number"}]}}}]})");
  ASSERT_TRUE(spec.built.value) << problems_text(spec.built.problems);
  const schema_registry& s = spec.schemas();
  EXPECT_TRUE(s.is_strictly_valid(spec.request, json::parse(R"({"v": 1.5})")));
  EXPECT_TRUE(s.is_valid(spec.request, json::parse(R"({"v": 2})")));
  EXPECT_FALSE(s.is_strictly_valid(spec.request, json::parse(R"({"v": 2})"))) << "2 is an integer and a number";
  const auto overlaps = s.one_of_overlaps(spec.request, json::parse(R"({"v": 2})"));
  ASSERT_EQ(overlaps.size(), 1u);
  EXPECT_EQ(overlaps[0].schema_pointer, "#/paths/~1x/post/requestBody/content/application~1json/schema/oneOf/1/properties/v/oneOf");
  EXPECT_EQ(overlaps[0].instance_pointer, "/v");
  EXPECT_EQ(overlaps[0].branches, (std::vector<std::size_t>{0, 1}));

  auto plain = compile(R"({"type": "object", "properties": {"v": {"anyOf": [{"type": "integer"}, {"type": "number"}]}}})");
  ASSERT_TRUE(plain.built.value);
  EXPECT_FALSE(plain.schemas().reaches_one_of(plain.request));
  EXPECT_TRUE(plain.schemas().is_strictly_valid(plain.request, json::parse(R"({"v": 2})"))) << "anyOf is anyOf";
}

// ------------------------------------------------------------------ load diagnostics

TEST(schema, reports_defects_unknown_formats_and_unenforced_patterns) {
  auto spec = compile(
      R"({"type": "object", "required": ["a", {"x": 1}], "properties": {
          "a": {"type": "objects"}, "b": {"type": "string", "format": "nonempty"}, "c": {"type": "string", "format": "date-math"},
          "d": {"type": "string", "format": "nonempty"}, "e": {"type": "string", "pattern": "^(a)\\1$"},
          "f": {"type": "string", "pattern": "(?<=x)y"}, "g": {"enum": []},
          "h": {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "string"}]}},
          "additionalproperties": false})");
  ASSERT_TRUE(spec.built.value) << problems_text(spec.built.problems);
  EXPECT_TRUE(spec.warned("/required/1", "required must be an array of property names, found object"));
  EXPECT_TRUE(spec.warned("/properties/a/type", "\"objects\""));
  EXPECT_TRUE(spec.warned("/additionalproperties", "did you mean 'additionalProperties'"));
  EXPECT_TRUE(spec.warned("/properties/e/pattern", "not enforced: backreferences"));
  EXPECT_TRUE(spec.warned("/properties/f/pattern", "not enforced: lookbehind"));
  EXPECT_TRUE(spec.warned("/properties/g/enum", "enum must be a non-empty array; ignored"));
  EXPECT_TRUE(spec.warned("/properties/h/oneOf", "branches #0 and #2 are identical"));
  // Unknown formats: one warning listing all of them, at the first use.
  std::size_t format_warnings = 0;
  for (const auto& d : spec.built.problems)
    if (d.message.find("unknown formats") != std::string::npos) {
      ++format_warnings;
      EXPECT_THAT(d.message, HasSubstr("date-math (2 uses), nonempty (4 uses)"))
          << "request and response schemas are two nodes each";
      EXPECT_GT(d.line, 0u);
    }
  EXPECT_EQ(format_warnings, 1u);
  // Each defect reported once, although the schema is translated for both directions.
  std::size_t type_warnings = 0;
  for (const auto& d : spec.built.problems) type_warnings += d.message.find("\"objects\"") != std::string::npos;
  EXPECT_EQ(type_warnings, 2u) << "request and response schemas are two nodes of the document";
}

TEST(schema, a_schema_valijson_cannot_compile_is_a_diagnostic_not_a_crash) {
  auto loaded = load_openapi_text(spec_with(R"({"type": "string", "minLength": 9223372036854775808})",
                                            R"({"Good": {"type": "integer"}})"),
                                  "test.yaml");
  ASSERT_TRUE(loaded.docs);
  schema_registry registry(*loaded.docs);
  const document& doc = loaded.docs->root();
  const schema_id bad = registry.add(doc, "/paths/~1x/post/requestBody/content/application~1json/schema", direction::request);
  const schema_id good = registry.add(doc, "/components/schemas/Good", direction::request);
  diagnostics problems = registry.compile();
  ASSERT_TRUE(has_errors(problems));
  EXPECT_TRUE(std::any_of(problems.begin(), problems.end(), [](const diagnostic& d) {
    return d.level == severity::error && d.message.find("cannot be compiled") != std::string::npos &&
           d.pointer == "/paths/~1x/post/requestBody/content/application~1json/schema" && d.line > 0;
  })) << problems_text(problems);
  EXPECT_FALSE(registry.compiled(bad));
  EXPECT_TRUE(registry.is_valid(bad, json("x"))) << "an uncompiled schema accepts any value";
  ASSERT_TRUE(registry.compiled(good)) << "the other schemas still compile, one by one";
  EXPECT_TRUE(registry.is_valid(good, json(3)));
  EXPECT_FALSE(registry.is_valid(good, json("3")));
  // The contract serves such a document (that schema accepts any value); --strict-load refuses it.
  const std::string bad_spec = spec_with(R"({"type": "string", "minLength": 9223372036854775808})");
  auto served = load_contract_text(bad_spec, "t.yaml");
  ASSERT_TRUE(served.value) << problems_text(served.problems);
  EXPECT_TRUE(has_errors(served.problems));
  build_options strict;
  strict.strict_load = true;
  EXPECT_FALSE(load_contract_text(bad_spec, "t.yaml", strict).value);
}

// ------------------------------------------------------------------ errors as data

struct error_case {
  const char* name;
  const char* schema;
  const char* value;
  const char* instance_pointer;
  const char* keyword;
  const char* message;
  const char* schema_pointer_suffix;  // of the OpenAPI pointer
};

std::ostream& operator<<(std::ostream& os, const error_case& c) { return os << c.name; }

class messages : public ::testing::TestWithParam<error_case> {};

TEST_P(messages, kibana_wording) {
  const error_case& c = GetParam();
  auto spec = compile(c.schema, pets);
  ASSERT_TRUE(spec.built.value) << problems_text(spec.built.problems);
  auto errors = spec.explain(c.value);
  ASSERT_EQ(errors.size(), 1u) << c.value << (errors.empty() ? "" : ": " + errors[0].message + " / " + errors[1].message);
  EXPECT_EQ(errors[0].instance_pointer, c.instance_pointer);
  EXPECT_EQ(errors[0].keyword, c.keyword);
  EXPECT_EQ(errors[0].message, c.message);
  EXPECT_TRUE(errors[0].schema_pointer.ends_with(c.schema_pointer_suffix))
      << errors[0].schema_pointer << " should end with " << c.schema_pointer_suffix;
  EXPECT_TRUE(errors[0].schema_pointer.starts_with("#/")) << errors[0].schema_pointer;
}

constexpr const char* body = "/requestBody/content/application~1json/schema";

INSTANTIATE_TEST_SUITE_P(
    errors, messages,
    ::testing::Values(
        error_case{"type", R"({"type": "object", "properties": {"a": {"type": "string"}}})", R"({"a":1})", "/a", "type",
                   "expected value of type [string] but got [number]", "/schema/properties/a"},
        error_case{"type null", R"({"type": "string"})", "null", "", "type", "expected value of type [string] but got [null]", body},
        error_case{"nullable type", R"({"type": "integer", "nullable": true})", "\"1\"", "", "type",
                   "expected value of type [integer | null] but got [string]", body},
        error_case{"required", R"({"type": "object", "required": ["owner"], "properties": {"owner": {"type": "string"}}})", "{}",
                   "/owner", "required", "expected value of type [string] but got [undefined]", "/schema/properties/owner"},
        error_case{"required untyped", R"({"type": "object", "required": ["x"]})", "{}", "/x", "required",
                   "expected value of type [any] but got [undefined]", body},
        error_case{"required through $ref", R"({"$ref": "#/components/schemas/Cat"})", R"({"pet_type":"cat"})", "/meow", "required",
                   "expected value of type [boolean] but got [undefined]", "#/components/schemas/Cat/properties/meow"},
        error_case{"enum one", R"({"type": "string", "enum": [".none"]})", "\".jira\"", "", "enum", "expected value to equal [.none]", body},
        error_case{"enum several", R"({"type": "string", "enum": ["a", "b"]})", "\"c\"", "", "enum", "expected value to equal one of [a, b]", body},
        error_case{"additionalProperties", R"({"type": "object", "properties": {"a": {}}, "additionalProperties": false})", R"({"a":1,"zz":2})",
                   "/zz", "additionalProperties", "definition for this key is missing", body},
        error_case{"closed allOf", R"({"allOf": [{"$ref": "#/components/schemas/Base"}, {"$ref": "#/components/schemas/Open"}]})", R"({"c":1})",
                   "/c", "additionalProperties", "definition for this key is missing", body},
        error_case{"minLength", R"({"type": "string", "minLength": 1})", "\"\"", "", "minLength",
                   "value has length [0] but it must have a minimum length of [1].", body},
        error_case{"maxLength counts characters", R"({"type": "string", "maxLength": 2})", "\"\\u00e9\\u00e9\\u00e9\"", "", "maxLength",
                   "value has length [3] but it must have a maximum length of [2].", body},
        error_case{"minItems", R"({"type": "array", "minItems": 1})", "[]", "", "minItems", "array size is [0], but cannot be smaller than [1]", body},
        error_case{"maxItems", R"({"type": "array", "maxItems": 1, "items": {}})", "[1,2,3]", "", "maxItems",
                   "array size is [3], but cannot be greater than [1]", body},
        error_case{"minimum", R"({"type": "number", "minimum": 1})", "0", "", "minimum", "Value must be equal to or greater than [1].", body},
        error_case{"maximum", R"({"type": "number", "maximum": 2.5})", "3", "", "maximum", "Value must be equal to or lower than [2.5].", body},
        error_case{"int32", R"({"type": "integer", "format": "int32"})", "4294967296", "", "maximum",
                   "Value must be equal to or lower than [2147483647].", body},
        error_case{"format", R"({"type": "string", "format": "date-time"})", "\"yesterday\"", "", "format",
                   "expected value to be an RFC 3339 date-time such as 2024-01-31T12:00:00Z (format [date-time])", body},
        error_case{"pattern", R"({"type": "string", "pattern": "^[A-Z]$"})", "\"ab\"", "", "pattern",
                   "expected value to match the pattern [^[A-Z]$]", body},
        error_case{"array item", R"({"type": "array", "items": {"type": "string"}})", "[\"a\", 2]", "/1", "type",
                   "expected value of type [string] but got [number]", "/schema/items"},
        error_case{"discriminator branch errors only", pet_mapping, R"({"pet_type":"dog","meow":true})", "/bark", "required",
                   "expected value of type [boolean] but got [undefined]", "#/components/schemas/Dog/properties/bark"},
        error_case{"discriminator unknown value", pet_mapping, R"({"pet_type":"fish"})", "/pet_type", "discriminator",
                   "expected value to equal one of [cat, dog]", "/schema/discriminator"},
        error_case{"discriminator missing", pet_mapping, R"({"meow":true})", "/pet_type", "required",
                   "expected value of type [string] but got [undefined]", "/schema/discriminator"},
        // Kibana's union message: one line per branch, each branch's first failure under its index.
        error_case{"oneOf: one line per branch", R"({"oneOf": [{"type": "string"}, {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}]})",
                   R"({"a":"x"})", "", "oneOf",
                   "types that failed validation:\n- [0]: expected value of type [string] but got [object]\n- [1.a]: expected value of type [integer] but got [string]",
                   "/schema/oneOf"},
        error_case{"oneOf: no branch admits the type", R"({"oneOf": [{"type": "string"}, {"type": "integer"}]})", "true", "", "oneOf",
                   "types that failed validation:\n- [0]: expected value of type [string] but got [boolean]\n- [1]: expected value of type [integer] but got [boolean]",
                   "/schema/oneOf"},
        error_case{"anyOf: the same form", R"({"type": "object", "properties": {"p": {"anyOf": [{"type": "string"}, {"type": "array"}]}}})", R"({"p":1})", "/p", "anyOf",
                   "types that failed validation:\n- [p.0]: expected value of type [string] but got [number]\n- [p.1]: expected value of type [array] but got [number]",
                   "/schema/properties/p/anyOf"},
        error_case{"nullable $ref", R"({"$ref": "#/components/schemas/Cat", "nullable": true})", "3", "", "anyOf",
                   "expected value of type [null | object] but got [number]", body},
        error_case{"not {}", R"({"oneOf": [{"not": {}}]})", "1", "", "not", "no value is allowed here", "/schema/oneOf/0"}));

TEST(schema, errors_come_in_document_order_then_keyword) {
  auto spec = compile(
      R"({"type": "object", "required": ["b", "d"], "additionalProperties": false,
          "properties": {"a": {"type": "string", "minLength": 2, "pattern": "^x"}, "b": {"type": "integer"}, "c": {"type": "array", "items": {"type": "string"}}, "d": {}}})");
  ASSERT_TRUE(spec.built.value);
  auto errors = spec.explain(R"({"c": [1, "ok", 2], "a": "y", "e": 1})");
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& e : errors) got.emplace_back(e.instance_pointer, e.keyword);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"/a", "minLength"}, {"/a", "pattern"}, {"/b", "required"}, {"/c/0", "type"},
      {"/c/2", "type"},    {"/d", "required"}, {"/e", "additionalProperties"}};
  EXPECT_EQ(got, want);
  for (const auto& e : errors) {
    EXPECT_FALSE(e.expected.empty()) << e.keyword;
    EXPECT_FALSE(e.found.empty()) << e.keyword;
    EXPECT_EQ(e.found.find("\"y\""), std::string::npos) << "never the value itself";
  }
}

// ------------------------------------------------------------------ patterns

TEST(pattern, translates_ecma_syntax_to_re2) {
  struct row {
    const char* ecma;
    const char* re2;
  };
  for (const row& r : std::initializer_list<row>{
           {"^[1-9]\\d*[smh]$", "^[1-9]\\d*[smh]$"},
           {"a.b", "a[^\\n\\r\\x{2028}\\x{2029}]b"},
           {"\\u00e9\\x41", "\\x{E9}\\x{41}"},
           {"\\ud83d\\ude00", "\\x{1F600}"},
           {"[^]", "[\\x{0}-\\x{10FFFF}]"},
           {"[]", "[^\\x{0}-\\x{10FFFF}]"},
           {"[[:x]", "[\\[:x]"},
           {"(?<year>\\d{4})", "(?P<year>\\d{4})"},
           {"{x}", "\\{x\\}"},
           {"a{2,3}?", "a{2,3}?"},
           {"\\/\\-\\a", "\\/\\-a"},
       }) {
    auto t = translate_ecma_pattern(r.ecma);
    EXPECT_EQ(t.unsupported, "") << r.ecma;
    EXPECT_EQ(t.re2, r.re2) << r.ecma;
  }
  for (const char* unsupported : {"(a)\\1", "(?=a)", "(?!a)", "(?<=a)", "(?<!a)", "\\k<x>", "a{1001}", "\\ud800"})
    EXPECT_NE(translate_ecma_pattern(unsupported).unsupported, "") << unsupported;
  EXPECT_NE(ecma_regex::compile("(").error, "");
  EXPECT_NE(ecma_regex::compile("a**").error, "");
}

TEST(pattern, hostile_input_runs_in_linear_time) {
  auto spec = compile(R"({"type": "string", "pattern": "^(a+)+$"})");
  ASSERT_TRUE(spec.built.value);
  const json hostile = std::string(50000, 'a') + "!";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(spec.schemas().is_valid(spec.request, hostile));
  EXPECT_FALSE(spec.schemas().explain(spec.request, hostile).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(formats, checked_and_known_formats) {
  EXPECT_TRUE(checked_format("date-time"));
  EXPECT_TRUE(checked_format("byte"));
  EXPECT_FALSE(checked_format("int32"));
  EXPECT_TRUE(is_unchecked_known_format("int64"));
  EXPECT_TRUE(is_unchecked_known_format("binary"));
  EXPECT_FALSE(is_unchecked_known_format("nonempty"));
  EXPECT_TRUE(matches_format(string_format::date, "2000-02-29"));
  EXPECT_FALSE(matches_format(string_format::date, "1900-02-29"));
  EXPECT_TRUE(matches_format(string_format::byte, ""));
  EXPECT_FALSE(matches_format(string_format::byte, "a==="));
  EXPECT_TRUE(matches_format(string_format::uri, "urn:isbn:0451450523"));
  EXPECT_TRUE(matches_format(string_format::uri, "http://[2001:db8::1]:80/"));
  EXPECT_FALSE(matches_format(string_format::uri, "http://exa[mple.com/"));
}

// ------------------------------------------------------------------ threads

TEST(schema, one_registry_many_threads) {
  auto spec = compile(pet_mapping, pets);
  ASSERT_TRUE(spec.built.value);
  const json good = json::parse(R"({"pet_type":"cat","meow":true})");
  const json bad = json::parse(R"({"pet_type":"dog","meow":true})");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (!spec.schemas().is_valid(spec.request, good)) ++wrong;
        if (spec.schemas().is_valid(spec.request, bad)) ++wrong;
        if (i % 100 == 0 && spec.schemas().explain(spec.request, bad).size() != 1) ++wrong;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

// ------------------------------------------------------------------ Kibana's documents

TEST(schema, embedded_spec_golden_errors_for_cases_configure) {
  auto built = load_contract_file(specgate::testing::source_dir() + "/spec/kibana.yaml");
  ASSERT_TRUE(built.value);
  const operation* op = built.value->find("setCaseConfigurationDefaultSpace");
  ASSERT_NE(op, nullptr);
  const media_type& media = op->body->content.at(0);
  json value = *media.examples.at(0).value;
  value.erase("owner");
  value["connector"]["type"] = ".nope";
  value["customFields"][0]["label"] = "";
  auto errors = built.value->schemas().explain(media.schema, value);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].instance_pointer, "/connector/type");
  EXPECT_EQ(errors[0].keyword, "enum");
  EXPECT_THAT(errors[0].message, HasSubstr("expected value to equal one of [.cases-webhook, .jira, .none"));
  EXPECT_EQ(errors[0].schema_pointer, "#/components/schemas/CaseConnectorType");
  EXPECT_EQ(errors[1].instance_pointer, "/customFields/0/label");
  EXPECT_EQ(errors[1].message, "value has length [0] but it must have a minimum length of [1].");
  EXPECT_EQ(errors[1].schema_pointer, "#/components/schemas/CaseConfigurationRequest/properties/customFields/items/properties/label");
  EXPECT_EQ(errors[2].instance_pointer, "/owner");
  EXPECT_EQ(errors[2].keyword, "required");
  EXPECT_EQ(errors[2].message, "expected value of type [string] but got [undefined]");
  EXPECT_EQ(errors[2].schema_pointer, "#/components/schemas/CaseConfigurationRequest/properties/owner");
}

TEST(schema, kibana_document_defects_are_reported) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  auto built = load_contract_file(specgate::testing::kibana_spec_path());
  ASSERT_TRUE(built.value);
  auto has = [&](std::string_view pointer_suffix, std::string_view text) {
    return std::any_of(built.problems.begin(), built.problems.end(), [&](const diagnostic& d) {
      return d.level == severity::warning && d.pointer.ends_with(pointer_suffix) &&
             d.message.find(text) != std::string::npos && d.line > 0;
    });
  };
  // `required` holding an object (run_message_email), enum: [] beside nullable,
  // formats nobody defines, oneOf with identical branches.
  EXPECT_TRUE(has("/components/schemas/run_message_email/required/2", "found object"));
  EXPECT_TRUE(has("/anyOf/2/enum", "with nullable: true it is read as: null only"));
  EXPECT_TRUE(std::any_of(built.problems.begin(), built.problems.end(), [](const diagnostic& d) {
    return d.message.find("unknown formats are not checked: date-math") != std::string::npos &&
           d.message.find("nonempty") != std::string::npos;
  }));
  EXPECT_TRUE(std::any_of(built.problems.begin(), built.problems.end(), [](const diagnostic& d) {
    return d.message.find("oneOf branches") != std::string::npos && d.message.find("identical") != std::string::npos;
  }));
  // Every discriminator of the document names all its branches (no fallback warning).
  EXPECT_FALSE(std::any_of(built.problems.begin(), built.problems.end(), [](const diagnostic& d) {
    return d.message.find("the discriminator is not used") != std::string::npos;
  }));
}

}  // namespace
}  // namespace specgate::validator
