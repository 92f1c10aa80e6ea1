#pragma once
// Builds a value from an OpenAPI 3.0 Schema Object, deterministically: the
// data a mock answers with when the spec has no usable example, and the data
// of `Prefer: dynamic=true`.
//
// Deterministic: every choice comes from a splitmix64 stream seeded with
// options.seed and the schema pointer, then forked per property name and
// array index. No global state, no clock, no std::random_device: the same
// seed, schema and options give the same value in every run and thread.
//
// Two styles:
// - static (dynamic = false, the default): the first/lowest legal choice
//   everywhere: the first enum member (the first non-null one), the first
//   oneOf/anyOf branch, 0 clamped into [minimum, maximum], "string" padded
//   or cut to the length bounds, fixed format samples, minItems items. A
//   scalar schema's own `example`, then `default`, is preferred when it
//   passes the schema's local checks (type, enum, bounds, lengths, format,
//   pattern) -- objects' and arrays' examples are never copied (Kibana's are
//   often partial, and they cannot be checked here).
// - dynamic: choices vary with the seed: enum member, oneOf/anyOf branch,
//   numbers within their bounds, random strings and format values, 1 to
//   max_items array items, one extra `additionalProp1` key where
//   additionalProperties is a schema. Schema examples are not used.
//
// What a value respects (and how it mirrors specgate's own validator, see
// schema.h): type (integer beats number; no type is inferred from the
// keywords present, or yields {}); nullable (also beside $ref; enum: [] with
// nullable: true means null only); enum (intersection across allOf);
// formats date-time, date, time, uuid, email, uri/url, hostname, ipv4, ipv6,
// byte, binary, password, int32, int64; minimum/maximum/exclusive*/
// multipleOf; minLength/maxLength; pattern (a subset of ECMA-262 is sampled
// and the result checked with the same RE2 matcher the validator uses; a
// pattern outside the subset falls back to a plain string and the caller's
// validation decides); minItems/maxItems/uniqueItems; required vs optional
// properties (readOnly ones left out of requests, writeOnly ones out of
// responses); minProperties/maxProperties; additionalProperties (false: no
// other key, also across an allOf as the validator reads it; a schema
// applies to every property a member does not declare); allOf (members
// merged: union of properties and required, constraints intersected);
// oneOf/anyOf (one branch each, options.branch_choices first; with a
// discriminator, the property is set to the chosen branch's mapping key,
// else its enum value, else its schema name); `not` is ignored.
//
// Bounded, whatever the schema: beyond max_depth levels optional properties
// are dropped, a nullable value is null and arrays get minItems items; after
// max_nodes values only required parts are generated; past 4 x max_nodes
// values or max_depth + 16 levels nothing is expanded any more (objects {},
// arrays []): the value is then knowingly incomplete (stats.truncated). No
// array gets more than items_cap items even when minItems asks for more (an
// array with minItems 10000 gets items_cap items and is then invalid by
// design: stats.truncated tells).
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "validator/document/document.h"
#include "validator/schema/schema.h"

namespace specgate::validator {

class document_set;

struct generate_options {
  std::uint64_t seed = 0;       // same seed + same schema + same options = same value
  bool required_only = true;    // minimal: required properties only (the mock's default answer)
  bool dynamic = false;         // vary choices with the seed (Prefer: dynamic=true); see above
  bool use_examples = true;     // static style: prefer a scalar schema's valid example/default
  direction dir = direction::response;  // requests leave readOnly properties out, responses writeOnly ones
  int max_depth = 8;            // nesting bound: recursive schemas stop cleanly here
  int max_items = 2;            // arrays: at most this many items unless minItems asks for more
  std::size_t items_cap = 50;   // hard cap on any array, minItems included
  std::size_t max_nodes = 2000; // value budget; beyond it only required parts
  // Branches the caller picks: (a oneOf/anyOf list node of the document, by
  // address; the index of its branch to take). A listed choice replaces the
  // first (or seeded) branch as the place the search for a usable branch
  // starts. The mock uses it to make answers that match exactly one branch
  // of every oneOf (schema_registry::one_of_overlaps says where they do not).
  std::vector<std::pair<const json*, std::size_t>> branch_choices;
};

// What a generation did (optional out-parameter).
struct generate_stats {
  std::size_t nodes = 0;   // values generated (objects, arrays and scalars)
  bool truncated = false;  // a bound cut something the schema asks for (items_cap, hard limits)
};

// `pointer` locates `schema` in `doc`; $refs are followed through `docs`.
json generate_value(const document_set& docs, const document& doc, const json& schema, const std::string& pointer,
                    const generate_options& options = {}, generate_stats* stats = nullptr);

// A string matched by the ECMA-262 `pattern` (unanchored search, as JSON
// Schema means it) with min_length..max_length code points, or nullopt when
// the pattern is outside the sampled subset (lookaround, backreferences,
// flags) or no attempt satisfied it. The subset: literals, escapes, `.`,
// classes with ranges and negation, \d \w \s \D \W \S, groups (capturing,
// (?:...), (?<name>...)), alternation, quantifiers ? * + {n} {n,} {n,m}
// (greedy or lazy), anchors ^ $ and \b \B (checked after sampling).
// Seed 0 takes the first choices (shortest repetitions, first alternative,
// readable characters); any other seed varies them.
std::optional<std::string> generate_pattern_string(std::string_view pattern, std::uint64_t seed = 0,
                                                   std::size_t min_length = 0,
                                                   std::size_t max_length = std::numeric_limits<std::size_t>::max());

}  // namespace specgate::validator
