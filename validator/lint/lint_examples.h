#pragma once
// The example family's survey: every example of a document set with the schema it is validated
// against, all registered in one schema registry compiled once; check_examples() turns its verdicts
// into findings and the cross-check test hands the same registry's translation to jsonschema.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "validator/document/document.h"
#include "validator/document/loader.h"
#include "validator/schema/schema.h"

namespace specgate::validator::lint {

// Where an example is written.
enum class example_kind : std::uint8_t { media_type, parameter, header, schema };
const char* to_string(example_kind kind);

struct example_site {
  example_kind kind = example_kind::media_type;
  std::string name;               // key in `examples`, or "example" for the single one
  const document* doc = nullptr;  // the file the finding points into
  std::string pointer;            // the example value's pointer; for a referenced example the
                                  // referencing entry's ("/.../examples/name", holding the $ref)
  std::string target;             // referenced example: the Example Object it names ("#/components/examples/X",
                                  // "other.yaml#/X"); "" otherwise
  const json* value = nullptr;
  std::string schema_pointer;     // the schema it is validated against ("#/paths/.../schema")
  std::string schema_at;          // the same as a JSON Pointer into `doc`
  // One id per direction it is checked in: request or response for the sites of a request or a
  // response; both for a schema's own `example` (valid when it holds in either). None (and no
  // schema_pointer) for an example of a media type that declares no schema.
  std::vector<schema_id> schemas;
  // The side it is used on (media types, parameters, headers); a schema's own example has none.
  std::optional<direction> used_in;
};

struct example_survey {
  std::unique_ptr<schema_registry> registry;  // compiled; every site's schemas are in it
  std::vector<example_site> sites;            // in document order (entry document first)
};

// Walks paths, components (schemas, parameters, headers, requestBodies, responses, callbacks) and
// every file reached through $ref; never throws on a malformed document (what it cannot read, the
// loader reports).
example_survey survey_examples(const document_set& docs);

// Verdict on one site: valid when it holds in one of its directions; `checked` is false when it
// has no schema or none of its schemas could be compiled (then nothing is known).
struct example_verdict {
  bool checked = true;
  bool valid = true;
  std::vector<schema_error> errors;  // why not (of the first direction), empty when valid
};
example_verdict judge(const schema_registry& registry, const example_site& site);

// Properties of the example that its side should not carry: readOnly ones in a request example,
// writeOnly ones in a response example (OpenAPI 3.0: "SHOULD NOT be sent"). Follows $ref, allOf,
// properties, additionalProperties and items; not oneOf/anyOf branches (which one applies is the
// validator's business). Empty for a schema's own example.
struct misplaced_property {
  std::string instance_pointer;  // in the example: "/id"
  std::string schema_pointer;    // the property's schema: "#/components/schemas/Thing/properties/id"
};
std::vector<misplaced_property> misplaced_properties(const document_set& docs, const example_site& site);

}  // namespace specgate::validator::lint
