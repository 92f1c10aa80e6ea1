#pragma once
// OpenAPI 3.0 Schema Objects -> JSON Schema draft 7, compiled once with
// valijson and shared read-only by every thread.
//
// Every schema the contract needs (parameters, bodies, responses, headers) is
// registered with add(); compile() translates each one and everything it
// reaches through $ref exactly once into a single JSON Schema root and
// compiles that root with valijson in one pass. Nothing is compiled per
// request.
//
// OpenAPI semantics of the translation (each has a test in
// tests/validator/schema_test.cpp):
// - nullable: true adds null to `type` and to `enum`; beside $ref, allOf,
//   oneOf, anyOf or not it wraps the schema: anyOf [null, schema].
//   `enum: []` with nullable: true (Kibana's encoding of z.null()) means: null only.
// - oneOf is validated as anyOf: a value matching two or more branches is
//   accepted. Kibana's server implements its unions first-match-wins
//   (@kbn/config-schema oneOf = Joi alternatives, Zod unions), and its
//   document has oneOf with duplicate and overlapping branches; Kibana's own
//   clients send values that match several of them and Kibana accepts them,
//   so the request and response checks (is_valid, explain) keep anyOf
//   semantics: rejecting such values would be false alarms. Identical
//   branches are reported at load. anyOf beside oneOf: both must hold.
//   The strict reading (is_strictly_valid, one_of_overlaps: exactly one
//   branch at every oneOf) exists only for what specgate itself sends: the
//   mock picks its answers at start-up so that they hold under it where
//   possible. It is never asked on the request path.
// - discriminator (on oneOf or anyOf): the branch is picked by the value of
//   the discriminator property — mapping entries first, then the values a
//   branch declares for that property (enum/const, also through allOf), then
//   the branch's schema name — and only that branch is validated (its errors
//   are reported). A missing property or an unknown value is one error
//   listing the allowed values. A discriminator that cannot name every
//   branch is reported and the branches are tried in turn.
// - allOf with additionalProperties: false on the allOf schema or on any of
//   its members (also through $ref, nested allOf, and oneOf/anyOf branches
//   inside members): the object may hold every property declared anywhere in
//   that allOf, nothing else (OpenAPI users' reading, and what Kibana's
//   server accepts). The closed check moves to the allOf schema; members are
//   validated without their own additionalProperties: false.
// - readOnly properties are not required in requests, writeOnly ones not in
//   responses.
// - format: int32/int64 become minimum/maximum; date-time, date, time, uuid,
//   email, ipv4, ipv6, uri, hostname and byte are checked by specgate's own
//   code (validator/schema/formats.h), on strings only; float, double, binary and
//   password carry no check; other formats are reported once at load and not
//   checked.
// - pattern: ECMA-262, unanchored search, run by RE2 (linear time). Patterns
//   RE2 cannot express (backreferences, lookaround) are reported at load with
//   the reason and not enforced (validator/schema/pattern.h).
// - Defects (type: objects, required: null, required holding non-strings,
//   misspelt keywords such as additionalproperties, enum: []) are reported
//   with their pointer and constrain nothing (string entries of `required`
//   are still required), like Kibana's server, which never sees them.
//
// Custom keywords in the translated root (ignored by other validators):
// x-specgate-format, x-specgate-pattern (checked by specgate),
// x-specgate-at (OpenAPI pointer of a translated node, for errors),
// x-specgate-oneOf (this anyOf was a oneOf), x-specgate-keyword (report
// errors of this node under that keyword, e.g. "discriminator").
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "validator/document/diagnostic.h"
#include "validator/document/document.h"

namespace specgate::validator {

class document_set;

// Which side of the exchange a schema checks: readOnly properties are not
// required in requests, writeOnly properties are not required in responses.
enum class direction : std::uint8_t { request, response };

using schema_id = std::uint32_t;
inline constexpr schema_id no_schema = ~schema_id{0};

// One failed check of a value against a schema, as data.
struct schema_error {
  std::string instance_pointer;  // JSON Pointer into the value ("" = the value itself); for a
                                 // missing required property, the property's pointer
  std::string message;           // Kibana's wording without the "[request body.x]: " prefix:
                                 // "expected value of type [string] but got [number]"
  std::string schema_pointer;    // OpenAPI location of the failing schema, in the file the schema
                                 // lives in: "#/components/schemas/Foo/properties/bar"
                                 // ("other.yaml#/Foo" for another file)
  std::string keyword;           // "type", "required", "enum", "additionalProperties", "minLength",
                                 // "maxItems", "minimum", "format", "pattern", "oneOf", "anyOf",
                                 // "discriminator", "not", ...
  std::string expected;          // short: "string", "one of [a, b]", "1", "date-time"
  std::string found;             // short: "number", "undefined", "0"; never the value itself
};

// Kibana's wording for where a value sits: "request body.connector.type",
// "request query.page" (instance pointer "/connector/type" -> ".connector.type");
// with an empty prefix just the path ("connector.type").
std::string kibana_field(std::string_view prefix, std::string_view instance_pointer);

// A oneOf whose branches a value matches more than once: valid as anyOf,
// not under oneOf's real meaning (exactly one branch).
struct one_of_overlap {
  std::string instance_pointer;       // where in the value ("" = the value itself)
  const document* doc = nullptr;      // the document the oneOf is written in
  std::string pointer;                // JSON Pointer of the oneOf list in `doc`: "/components/schemas/X/oneOf"
  std::string schema_pointer;         // the same as violations name it: "#/components/schemas/X/oneOf"
  std::vector<std::size_t> branches;  // the branches the value matches (two or more), ascending
};

class schema_registry {
 public:
  explicit schema_registry(const document_set& docs);
  ~schema_registry();
  schema_registry(const schema_registry&) = delete;
  schema_registry& operator=(const schema_registry&) = delete;

  // Registers the schema at `pointer` of `doc` (may be a $ref). Same schema
  // and direction = same id.
  schema_id add(const document& doc, std::string_view pointer, direction dir);

  // Translates and compiles everything added. Returns every problem found
  // (schema defects as warnings; a schema that cannot be compiled as an error
  // naming it: such a schema then accepts everything and compiled(id) is false).
  diagnostics compile();

  std::size_t size() const;
  bool compiled(schema_id id) const;
  // The OpenAPI pointer the schema was registered with (for violations).
  const std::string& pointer(schema_id id) const;
  // The translated JSON Schema root (all schemas; for `specgate lint` and tests).
  const json& translated_root() const;

  // Fast check: stops at the first failure, builds no messages.
  bool is_valid(schema_id id, const json& value) const;
  // Detailed check: every failure, in a stable order (the value's member
  // order — nlohmann's, i.e. sorted keys — then keyword). A oneOf/anyOf that
  // no branch satisfies is one error in @kbn/config-schema's form ("types
  // that failed validation:" and a "- [field.p.N]: ..." line per branch);
  // a single branch and the nullable wrapper report the branch's own errors.
  // Empty exactly when is_valid() is true. Meant for the error path: run it
  // after is_valid() failed.
  // `field` is Kibana's name of where the value sits ("request body", "request query.tags"):
  // a union's message names each branch's failure with it ("- [request body.a.1]: ...").
  std::vector<schema_error> explain(schema_id id, const json& value, std::string_view field = {}) const;

  // The strictest reading (start-up only, for the mock's own answers; see
  // above): `value` is valid and matches exactly one branch of every oneOf
  // it passes through. A schema that reaches no oneOf (known from compile())
  // answers as is_valid() does.
  bool is_strictly_valid(schema_id id, const json& value) const;
  // Why a value that is_valid() accepts fails is_strictly_valid(): the
  // oneOfs it matches more than once, in the order the walk meets them
  // (empty when it is strictly valid, or when the reason is not an overlap,
  // e.g. a oneOf under `not`).
  std::vector<one_of_overlap> one_of_overlaps(schema_id id, const json& value) const;
  // Whether the schema reaches a oneOf (through $ref too); without one the
  // two readings agree.
  bool reaches_one_of(schema_id id) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace specgate::validator
