#pragma once
// OpenAPI 3.0 Schema Objects -> JSON Schema draft 7, compiled once with
// valijson and shared read-only by every thread.
//
// Every schema the contract needs (parameters, bodies, responses, headers) is
// registered with add(); compile() translates each one and everything it
// reaches through $ref exactly once into a single JSON Schema root and
// compiles that root with valijson in one pass. Nothing is compiled per
// request.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "validator/diagnostic.h"
#include "validator/document.h"

namespace specgate::validator {

class document_set;

// Which side of the exchange a schema checks: readOnly properties are not
// required in requests, writeOnly properties are not required in responses.
enum class direction : std::uint8_t { request, response };

using schema_id = std::uint32_t;
inline constexpr schema_id no_schema = ~schema_id{0};

// One failed check of a value against a schema.
struct schema_error {
  std::string instance_pointer;  // JSON Pointer into the value ("" = the value itself)
  std::string message;           // what was expected
  std::string schema_pointer;    // OpenAPI pointer of the failing schema ("#/components/schemas/X"), best effort
  std::string keyword;           // "type", "required", "enum", ...
  std::string expected;          // short, never a whole value
  std::string found;
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
  // Detailed check: every failure. Empty when valid.
  std::vector<schema_error> explain(schema_id id, const json& value) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace specgate::validator
