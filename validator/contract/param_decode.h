#pragma once
// Parameter decoding: turns the raw text of a path, query, header or cookie
// parameter into the JSON value its schema is checked against, following
// the parameter's `style` and `explode` (OpenAPI 3.0.3, "Style Values" and
// "Style Examples") and coercing text to the schema's types.
//
// Two halves:
//  - at load, make_param_shape / make_parameter_shape reduce a parameter's
//    schema to a param_shape: which JSON types it admits (following $ref,
//    intersecting allOf members, uniting oneOf/anyOf branches), the item
//    types of arrays, and the types of object properties;
//  - per request, parse_query / parse_cookies split the raw text into
//    (key, value) pairs once, and decode_parameter builds each parameter's
//    value from them. No regex, no schema walks, few allocations.
//
// Coercion: text becomes an integer, number or boolean only when the shape
// admits that type and the text is exactly such a literal ("12", "-3",
// "1.5e3", "true", "false"). Text that cannot be coerced stays a string, so
// the schema check reports Kibana's "expected value of type [number] but
// got [string]". When a shape admits strings *and* other primitive types
// (oneOf [number, string enum]), the other type is tried first. A shape
// with no type information at all keeps strings.
//
// Kibana behaviour reproduced (Kibana runs on hapi, which parses the query
// with WHATWG URLSearchParams, and validates with @kbn/config-schema):
//  - A key repeated where the schema wants a primitive gives an array of the
//    raw strings (hapi does that), so the schema check fails with
//    "expected value of type [string] but got [Array]".
//  - Comma lists are split only where the style says so (form with
//    explode: false, simple, label, matrix); with form + explode: true (the
//    default, and every parameter in Kibana's document) "a,b" is one item.
//  - form + explode: false with the key repeated: every occurrence is split
//    and the items are concatenated.
//  - A single value where an array is expected becomes a one-item array
//    (OpenAPI semantics; Kibana itself would try JSON.parse, see next).
//  - JSON in a query value (Kibana's config-schema parses a string given
//    for an array or object schema as JSON: DELETE /api/cases?ids=["a","b"],
//    has_reference={"type":"t","id":"1"}): with form style, when the shape
//    admits an array (object) but not a string and the single value starts
//    with '[' ('{'), it is parsed as JSON; text that does not parse is an
//    error with Kibana's message "could not parse array value from json
//    input" ("... object value ...").
//  - form + explode: true objects (GET /api/endpoint/metadata declares one
//    parameter `query` whose properties are the real query keys): each
//    declared property is its own key; undeclared keys are gathered only
//    when the schema declares additionalProperties (true or a schema), and
//    never keys named by the operation's other parameters.
//  - Empty values: `?a=` and `?a` give "" (a primitive, so an integer schema
//    reports a type error); for an array or object shape they give [] / {}.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "validator/document/document.h"

namespace specgate::validator {

struct parameter;
enum class param_location;  // defined in contract.h

// A set of JSON types, as bits. `type: number` admits integers too, so it
// sets both number and integer; `type: integer` sets integer only.
using type_set = std::uint8_t;
namespace json_types {
inline constexpr type_set string = 1;
inline constexpr type_set integer = 2;
inline constexpr type_set number = 4;  // non-integral numbers
inline constexpr type_set boolean = 8;
inline constexpr type_set null = 16;
inline constexpr type_set array = 32;
inline constexpr type_set object = 64;
inline constexpr type_set primitive = string | integer | number | boolean | null;
inline constexpr type_set any = 127;
}  // namespace json_types

// The shape of a value nested in a parameter (an object property): its types
// and, when it may be an array, its items' types.
struct value_shape {
  type_set types = json_types::any;
  type_set items = json_types::any;
};

// What the decoder needs to know about a parameter's schema, computed once at
// load. `types == any` means unknown (no schema, or one that says nothing
// about types): text stays text.
struct param_shape {
  type_set types = json_types::any;
  type_set items = json_types::any;  // item types when `types` admits arrays
  // Declared properties (objects), sorted by name.
  std::vector<std::pair<std::string, value_shape>> properties;
  // additionalProperties: declared at all (true or a schema), and its shape.
  bool additional_declared = false;
  value_shape additional;
  // A `content` parameter with a JSON media type: the value is JSON text.
  bool content_json = false;
  // A `content` parameter with a non-JSON media type: the value is a string.
  bool content_text = false;

  bool admits(type_set t) const { return (types & t) != 0; }
  const value_shape* property(std::string_view name) const;
};

// How the shape builder follows $refs: given a node of `doc` at `pointer`,
// the node it stands for (itself when it is no $ref; chains followed), with
// its document and pointer; node null when it cannot be resolved. The
// contract builder hands in its document set's deref, so decoding needs
// nothing from the loader.
using schema_resolver = std::function<resolved_node(const document& doc, const json* node, std::string pointer)>;

// Shape of a Schema Object. `schema_node` may be null (unknown shape) or a
// $ref; `pointer` is its JSON Pointer in `doc`. Never fails: whatever cannot
// be understood (unresolvable $ref, a misspelt `type`, a $ref loop) widens
// the shape to "any".
param_shape make_param_shape(const schema_resolver& resolve, const document& doc, const json* schema_node,
                             const std::string& pointer);

// Shape of a Parameter Object (already dereferenced): from its `schema`, or
// from its `content` (exactly one media type; JSON media types -
// application/json and */*+json - set content_json).
param_shape make_parameter_shape(const schema_resolver& resolve, const document& doc, const json& parameter_object,
                                 const std::string& pointer);

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_utf8(std::string_view s);

// One key/value pair of a query string or Cookie header, decoded.
struct param_pair {
  std::string key;
  std::string value;
  friend bool operator==(const param_pair&, const param_pair&) = default;
};

struct parsed_pairs {
  std::vector<param_pair> pairs;  // in order of appearance, repeats kept
  bool malformed = false;         // a '%' not followed by two hex digits, or bytes that are not UTF-8
};

// Parses a query string ("a=1&b=2", with or without the leading '?') as
// WHATWG URLSearchParams does, which is what hapi (so Kibana) uses: split on
// '&', empty pieces skipped; key and value split at the first '=' (none:
// value ""); '+' is a space; %XX decoded; a malformed escape ("%zz", "%4")
// is kept literally; bytes that are not UTF-8 become U+FFFD. Malformed
// input is never an error (Kibana accepts it) but sets `malformed`.
parsed_pairs parse_query(std::string_view raw_query);

// Parses a Cookie header ("a=1; b=2"): pairs split on ';', blanks trimmed,
// name and value split at the first '=' (none: name "", value the text, as
// RFC 6265bis says), a value in double quotes unquoted, %XX decoded ('+'
// stays '+'; malformed escapes kept literally, sets `malformed`).
parsed_pairs parse_cookies(std::string_view header);

// The raw text of one parameter, by location.
struct raw_param_input {
  // query and cookie: every pair of the request (parse_query / parse_cookies).
  std::span<const param_pair> pairs;
  // path: the segment value as the router returns it, i.e. already
  // percent-decoded (so "a%2Cb" splits like "a,b" for an array).
  std::string_view path_value;
  // header: the value of every header line with the parameter's name (the
  // caller matches names case-insensitively), in order. Several lines are
  // joined with ", " as Node does.
  std::span<const std::string_view> header_values;
  // query and cookie: names of the operation's other parameters in the same
  // location; a form-exploded object with additionalProperties does not
  // gather these keys.
  std::span<const std::string> other_names;
};

struct decode_error {
  std::string message;  // without the "[request query.x]: " prefix: "could not parse array value from json input"
  std::string found;    // short, never the raw value: "string"
};

struct decode_result {
  std::optional<json> value;          // absent when the parameter is not in the request
  std::optional<decode_error> error;  // the text cannot be read in the declared style (value then absent)
  bool ok() const { return !error; }
};

// Decodes one parameter. `style` is the declared (or default) style; an
// unknown style, or one not allowed in `in`, decodes as that location's
// default (form for query/cookie, simple for path/header) - lint reports it
// (check_param_style). `name` is the parameter's name.
decode_result decode_parameter(const param_shape& shape, std::string_view style, bool explode, param_location in,
                               std::string_view name, const raw_param_input& input);

// The same for a contract parameter. Also: a required form-exploded object
// none of whose keys appear decodes as {} (the empty object serialises to
// nothing), so the schema's own `required` list decides.
decode_result decode_parameter(const parameter& p, const param_shape& shape, const raw_param_input& input);

// True when the query/cookie key `key` belongs to this parameter (its name;
// "name[prop]" for deepObject; a declared property of a form-exploded
// object). For finding keys no parameter declares.
bool parameter_claims_key(const param_shape& shape, std::string_view style, bool explode, std::string_view name,
                          std::string_view key);

// ---------------------------------------------------------------- form bodies
//
// application/x-www-form-urlencoded and multipart/form-data bodies become
// one object, a property per field, each decoded against its property's
// shape (parameter-style coercion of text for scalars, as above). Fields the
// schema does not declare are kept only when it declares
// additionalProperties. Structured values travel as JSON text, as clients
// send them (curl -F 'retries=[{"type":"index-pattern","id":"a"}]'; Kibana's
// config-schema JSON.parse's a string given for an object or array):
//  - A field is read as JSON when the media type's `encoding` declares a JSON
//    contentType for its property, or the part's own Content-Type is JSON;
//    otherwise, when its target admits an object (array) but not a string
//    and its text starts with '{' ('['), or the target is an array whose
//    items are objects (arrays) and the text starts with '{' ('['). A target
//    that is only a string, or says nothing about types (a file), always
//    keeps the text. An `encoding` contentType that is not JSON turns the
//    guessing off (the part's own JSON Content-Type still counts).
//  - Text that must be JSON but is not, or JSON deeper than `max_depth`, is
//    an error naming the field: a target that is only an object, an array
//    whose items are objects or arrays, or a field declared JSON. For an
//    array of scalars, text starting with '[' that is not JSON is one item,
//    as before.
//  - A JSON value where an array is wanted but its items' type was sent is a
//    one-item array.
//  - A repeated field for an array: each occurrence is one item, decoded
//    against the item shape (coerced scalars; JSON objects); an occurrence
//    holding a JSON array of items adds its items. A repeated field for a
//    non-array keeps hapi's array of strings.
//  - Shapes that are not objects at all decode to {} (nothing to follow).

// How the media type's Encoding Object declares a property's contentType.
enum class form_encoding : std::uint8_t { unspecified, json, other };

struct form_property_encoding {
  std::string name;  // the property
  form_encoding kind = form_encoding::unspecified;
};

// One field of a form body: a urlencoded pair or a multipart part.
struct form_field {
  std::string name;
  std::string value;
  bool json = false;  // multipart: the part's Content-Type is a JSON media type
};

struct form_error {
  std::string field;             // the property: "retries"
  std::string instance_pointer;  // of the bad value in the body object: "/retries", "/retries/1"
  std::string message;           // "could not parse array value from json input"
  std::string found;             // short: "text that is not JSON"
  bool too_deep = false;         // JSON nested deeper than the limit
};

struct form_decode_result {
  json value = json::object();
  std::optional<form_error> error;
};

// Decodes a form body's fields against the media type's schema shape.
form_decode_result decode_form_fields(const param_shape& shape, std::span<const form_field> fields,
                                      std::span<const form_property_encoding> encodings, std::size_t max_depth);

// A message when `style`/`explode` is unknown or not allowed for `in`
// (path: simple, label, matrix; query: form, spaceDelimited, pipeDelimited,
// deepObject; header: simple; cookie: form), or deepObject on a shape that
// cannot be an object; nullopt when fine. For lint.
std::optional<std::string> check_param_style(const param_shape& shape, param_location in, std::string_view style,
                                             bool explode);

}  // namespace specgate::validator
