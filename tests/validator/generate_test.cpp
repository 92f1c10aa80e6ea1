#include "validator/generate/generate.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.h"
#include "validator/contract/contract.h"
#include "validator/schema/formats.h"
#include "validator/schema/pattern.h"

namespace specgate::validator {
namespace {

// A small spec: each named component schema gets GET /<name> answering it
// (operationId <name>) and POST /<name> taking it as body (<name>-request),
// so every generated value can be checked by specgate's own compiled schema.
class gen_spec {
 public:
  gen_spec(const std::vector<std::string>& names, std::string_view schemas) {
    std::string text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n";
    for (const auto& n : names) {
      text += "  /" + n + ":\n";
      text += "    get:\n      operationId: " + n + "\n      responses:\n        '200':\n          description: ok\n";
      text += "          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/" + n + "'}\n";
      text += "    post:\n      operationId: " + n + "-request\n      requestBody:\n        content:\n";
      text += "          application/json:\n            schema: {$ref: '#/components/schemas/" + n + "'}\n";
      text += "      responses:\n        '204': {description: ok}\n";
    }
    text += "components:\n  schemas:\n";
    text += schemas;
    auto built = load_contract_text(text, "gen.yaml");
    for (const auto& d : built.problems)
      if (d.level == severity::error) ADD_FAILURE() << d.message;
    contract_ = built.value;
  }

  bool ok() const { return contract_ != nullptr; }

  const media_type& media(const std::string& name, direction dir) const {
    const operation* op = contract_->find(dir == direction::response ? name : name + "-request");
    if (!op) throw std::runtime_error("no operation " + name);
    return dir == direction::response ? op->success_response()->content.at(0) : op->body->content.at(0);
  }

  json generate(const std::string& name, generate_options options = {}, generate_stats* stats = nullptr) const {
    const media_type& m = media(name, options.dir);
    const std::string ptr = m.pointer + "/schema";
    return generate_value(contract_->docs(), *m.doc, *m.doc->find(ptr), ptr, options, stats);
  }

  bool valid(const std::string& name, const json& value, direction dir = direction::response) const {
    return contract_->schemas().is_valid(media(name, dir).schema, value);
  }

  std::string why(const std::string& name, const json& value, direction dir = direction::response) const {
    std::string out;
    for (const auto& e : contract_->schemas().explain(media(name, dir).schema, value))
      out += (e.instance_pointer.empty() ? "(root)" : e.instance_pointer) + ": " + e.message + "; ";
    return out;
  }

 private:
  std::shared_ptr<const contract> contract_;
};

generate_options dynamic_full(std::uint64_t seed) {
  generate_options o;
  o.seed = seed;
  o.dynamic = true;
  o.required_only = false;
  return o;
}

generate_options static_full() {
  generate_options o;
  o.required_only = false;
  return o;
}

// Every style x a few seeds: the value must validate.
void expect_always_valid(const gen_spec& spec, const std::string& name, int seeds = 20) {
  for (int mode = 0; mode < 3; ++mode) {
    for (int seed = 1; seed <= (mode == 2 ? seeds : 1); ++seed) {
      generate_options o = mode == 0 ? generate_options{} : mode == 1 ? static_full() : dynamic_full(seed);
      const json v = spec.generate(name, o);
      EXPECT_TRUE(spec.valid(name, v)) << name << " mode " << mode << " seed " << seed << ": " << v.dump() << " -> "
                                      << spec.why(name, v);
    }
  }
}

// ---------------------------------------------------------------------------
// Types, nullable, enum

TEST(generate, types_static_values) {
  gen_spec spec({"s", "i", "n", "b", "o", "a", "any"}, R"(
    s: {type: string}
    i: {type: integer}
    n: {type: number}
    b: {type: boolean}
    o: {type: object, properties: {x: {type: string}}}
    a: {type: array, items: {type: string}}
    any: {}
)");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec.generate("s"), "string");
  EXPECT_EQ(spec.generate("i"), 0);
  EXPECT_EQ(spec.generate("n"), 0);
  EXPECT_EQ(spec.generate("b"), false);
  EXPECT_EQ(spec.generate("o"), json::object());  // minimal: required only
  EXPECT_EQ(spec.generate("o", static_full()), (json{{"x", "string"}}));
  EXPECT_EQ(spec.generate("a"), json::array());  // minimal: minItems
  EXPECT_EQ(spec.generate("a", static_full()), (json{"string", "string"}));
  EXPECT_EQ(spec.generate("any"), json::object());
  for (const char* n : {"s", "i", "n", "b", "o", "a", "any"}) expect_always_valid(spec, n);
}

TEST(generate, type_inferred_from_keywords) {
  gen_spec spec({"obj", "arr", "str", "num"}, R"(
    obj: {required: [a], properties: {a: {type: integer}}}
    arr: {minItems: 1, items: {type: boolean}}
    str: {minLength: 3}
    num: {minimum: 4}
)");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec.generate("obj"), (json{{"a", 0}}));
  EXPECT_EQ(spec.generate("arr"), (json{false}));
  EXPECT_EQ(spec.generate("str"), "string");
  EXPECT_EQ(spec.generate("num"), 4);
}

TEST(generate, nullable) {
  gen_spec spec({"ns", "null_only", "ref_nullable", "untyped"}, R"(
    ns: {type: string, nullable: true}
    null_only: {nullable: true, enum: []}
    ref_nullable:
      type: object
      required: [r]
      properties:
        r: {$ref: '#/components/schemas/ns', nullable: true}
    untyped: {nullable: true}
)");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec.generate("ns"), "string");  // null is legal but says little
  EXPECT_EQ(spec.generate("null_only"), nullptr);
  EXPECT_EQ(spec.generate("untyped"), nullptr);
  for (const char* n : {"ns", "null_only", "ref_nullable", "untyped"}) expect_always_valid(spec, n);
}

TEST(generate, enum_first_in_static_mode_varied_in_dynamic_mode) {
  gen_spec spec({"e", "en", "ei"}, R"(
    e: {type: string, enum: [red, green, blue, yellow]}
    en: {type: string, nullable: true, enum: [null, only]}
    ei: {allOf: [{enum: [a, b, c]}, {enum: [c, b]}]}
)");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec.generate("e"), "red");
  EXPECT_EQ(spec.generate("en"), "only");  // the first non-null member
  EXPECT_EQ(spec.generate("ei"), "b");     // intersection, in the first enum's order
  std::set<std::string> seen;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) seen.insert(spec.generate("e", dynamic_full(seed)).get<std::string>());
  EXPECT_GE(seen.size(), 3u);
  for (const char* n : {"e", "en", "ei"}) expect_always_valid(spec, n);
}

// ---------------------------------------------------------------------------
// Formats, numbers, strings, patterns

TEST(generate, formats_are_well_formed_static_and_dynamic) {
  gen_spec spec({"f"}, R"(
    f:
      type: object
      required: [dt, d, t, u, e, uri, url, h, v4, v6, byte, bin, pw, i32, i64]
      properties:
        dt: {type: string, format: date-time}
        d: {type: string, format: date}
        t: {type: string, format: time}
        u: {type: string, format: uuid}
        e: {type: string, format: email}
        uri: {type: string, format: uri}
        url: {type: string, format: url}
        h: {type: string, format: hostname}
        v4: {type: string, format: ipv4}
        v6: {type: string, format: ipv6}
        byte: {type: string, format: byte}
        bin: {type: string, format: binary}
        pw: {type: string, format: password}
        i32: {type: integer, format: int32}
        i64: {type: integer, format: int64}
)");
  ASSERT_TRUE(spec.ok());
  const std::map<std::string, string_format> checked = {
      {"dt", string_format::date_time}, {"d", string_format::date},   {"t", string_format::time},
      {"u", string_format::uuid},       {"e", string_format::email},  {"uri", string_format::uri},
      {"url", string_format::uri},      {"h", string_format::hostname}, {"v4", string_format::ipv4},
      {"v6", string_format::ipv6},      {"byte", string_format::byte}};
  for (std::uint64_t seed = 0; seed <= 30; ++seed) {
    const json v = seed == 0 ? spec.generate("f") : spec.generate("f", dynamic_full(seed));
    EXPECT_TRUE(spec.valid("f", v)) << v.dump() << " -> " << spec.why("f", v);
    for (const auto& [key, format] : checked)
      EXPECT_TRUE(matches_format(format, v[key].get<std::string>())) << key << " = " << v[key];
    EXPECT_GE(v["i32"].get<std::int64_t>(), std::numeric_limits<std::int32_t>::min());
    EXPECT_LE(v["i32"].get<std::int64_t>(), std::numeric_limits<std::int32_t>::max());
  }
  EXPECT_EQ(spec.generate("f")["dt"], "2024-01-01T00:00:00.000Z");
  EXPECT_NE(spec.generate("f", dynamic_full(1))["u"], spec.generate("f", dynamic_full(2))["u"]);
}

TEST(generate, numeric_bounds) {
  gen_spec spec({"excl", "neg", "mult", "mult_neg", "frac", "tiny", "big", "nmult"}, R"(
    excl: {type: integer, minimum: 5, exclusiveMinimum: true, maximum: 7, exclusiveMaximum: true}
    neg: {type: integer, maximum: -10}
    mult: {type: integer, minimum: 10, multipleOf: 7}
    mult_neg: {type: integer, maximum: -1, multipleOf: 5}
    frac: {type: number, minimum: 0.1, maximum: 0.2}
    tiny: {type: number, minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true}
    big: {type: integer, minimum: 9007199254740991}
    nmult: {type: number, multipleOf: 0.5, minimum: 3}
)");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec.generate("excl"), 6);
  EXPECT_EQ(spec.generate("neg"), -10);
  EXPECT_EQ(spec.generate("mult"), 14);
  EXPECT_EQ(spec.generate("mult_neg"), -5);
  EXPECT_EQ(spec.generate("big"), 9007199254740991LL);
  for (const char* n : {"excl", "neg", "mult", "mult_neg", "frac", "tiny", "big", "nmult"}) expect_always_valid(spec, n, 40);
}

TEST(generate, string_lengths) {
  gen_spec spec({"long", "short", "exact", "fmt_long"}, R"(
    long: {type: string, minLength: 20}
    short: {type: string, maxLength: 3}
    exact: {type: string, minLength: 0, maxLength: 0}
    fmt_long: {type: string, format: uri, minLength: 40}
)");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec.generate("long").get<std::string>().size(), 20u);
  EXPECT_EQ(spec.generate("short"), "str");
  EXPECT_EQ(spec.generate("exact"), "");
  for (const char* n : {"long", "short", "exact", "fmt_long"}) expect_always_valid(spec, n);
}

TEST(generate, patterns_in_schemas) {
  gen_spec spec({"upper", "dur", "slug", "alt", "mail", "look"}, R"(
    upper: {type: string, pattern: '^[A-Z]$'}
    dur: {type: string, pattern: '^[1-9]\d*[smh]$'}
    slug: {type: string, pattern: '^[a-z0-9-]{3,10}$', minLength: 5}
    alt: {type: string, pattern: '^(foo|bar|baz)-\d{2}$'}
    mail: {type: string, pattern: '^\w+@\w+\.com$'}
    look: {type: string, pattern: '^(?!x)'}
)");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec.generate("upper"), "A");
  EXPECT_EQ(spec.generate("dur"), "1h");  // readable characters first: a-z, 0-9, A-Z
  EXPECT_EQ(spec.generate("slug"), "aaaaa");
  EXPECT_EQ(spec.generate("alt"), "foo-00");
  for (const char* n : {"upper", "dur", "slug", "alt", "mail"}) expect_always_valid(spec, n);
  // Lookahead is outside the sampled subset: a plain string, the caller's validation decides.
  EXPECT_EQ(spec.generate("look"), "string");
}

TEST(generate, pattern_strings_match) {
  const std::vector<std::string> patterns = {
      "^[A-Z]$", "^[1-9]\\d*[smhd]$", "00", "abc", "^a|b$", "[^a-z]{4}", "^\\S+$", "^[\\w.-]+$", "x{2,}y?z*",
      "^(?:[a-f0-9]{8})-(?<rest>[a-f0-9]{4})$", "^\\d{3}-\\d{4}$", "^[^\\s]+\\.(json|yaml)$", "^\\u00e9t\\u00e9+$",
      "^\\.\\*\\+\\?$", "^[\\]\\[]{2}$", "a{,3}", "^\\bword\\b$", "^[+-]?\\d+(\\.\\d+)?$"};
  for (const auto& p : patterns) {
    auto re = ecma_regex::compile(p);
    ASSERT_TRUE(re.regex) << p;
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
      auto s = generate_pattern_string(p, seed);
      ASSERT_TRUE(s) << p << " seed " << seed;
      EXPECT_TRUE(re.regex->search(*s)) << p << " -> " << *s;
    }
  }
  auto bounded = generate_pattern_string("^[a-z]+$", 0, 12, 12);
  ASSERT_TRUE(bounded);
  EXPECT_EQ(bounded->size(), 12u);
  EXPECT_FALSE(generate_pattern_string("^(a)\\1$"));     // backreference
  EXPECT_FALSE(generate_pattern_string("(?<=a)b"));      // lookbehind
  EXPECT_FALSE(generate_pattern_string("^[a-z]{5}$", 0, 0, 3));  // cannot fit
}

// ---------------------------------------------------------------------------
// Arrays

TEST(generate, array_bounds_and_unique_items) {
  gen_spec spec({"few", "many", "uniq_enum", "uniq_bool", "uniq_obj", "capped"}, R"(
    few: {type: array, items: {type: integer}, minItems: 1, maxItems: 1}
    many: {type: array, items: {type: integer}, minItems: 4}
    uniq_enum: {type: array, uniqueItems: true, minItems: 3, items: {type: string, enum: [a, b, c]}}
    uniq_bool: {type: array, uniqueItems: true, minItems: 2, items: {type: boolean}}
    uniq_obj: {type: array, uniqueItems: true, minItems: 3, items: {type: object, required: [id], properties: {id: {type: string}}}}
    capped: {type: array, maxItems: 0, items: {type: string}}
)");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec.generate("few", static_full()).size(), 1u);
  EXPECT_EQ(spec.generate("many").size(), 4u);
  EXPECT_EQ(spec.generate("many", static_full()).size(), 4u);
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const json v = spec.generate("few", dynamic_full(seed));
    EXPECT_EQ(v.size(), 1u);
  }
  for (const char* n : {"few", "many", "uniq_enum", "uniq_bool", "uniq_obj", "capped"}) expect_always_valid(spec, n);
  const json u = spec.generate("uniq_enum");  // distinct values even in static mode
  EXPECT_EQ(std::set<json>(u.begin(), u.end()), (std::set<json>{"a", "b", "c"}));
}

// ---------------------------------------------------------------------------
// Objects: required/optional, read/write only, additionalProperties

TEST(generate, required_and_optional_properties) {
  gen_spec spec({"o"}, R"(
    o:
      type: object
      required: [id, name]
      properties:
        id: {type: string, readOnly: true}
        name: {type: string}
        secret: {type: string, writeOnly: true}
        note: {type: string}
)");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec.generate("o"), (json{{"id", "string"}, {"name", "string"}}));
  EXPECT_EQ(spec.generate("o", static_full()), (json{{"id", "string"}, {"name", "string"}, {"note", "string"}}));
  generate_options req = static_full();
  req.dir = direction::request;
  const json body = spec.generate("o", req);
  EXPECT_EQ(body, (json{{"name", "string"}, {"note", "string"}, {"secret", "string"}}));
  EXPECT_TRUE(spec.valid("o", body, direction::request)) << spec.why("o", body, direction::request);
  expect_always_valid(spec, "o");
}

TEST(generate, additional_properties) {
  gen_spec spec({"closed", "map", "map_min", "open_min"}, R"(
    closed: {type: object, additionalProperties: false, properties: {a: {type: string}}}
    map: {type: object, additionalProperties: {type: integer, minimum: 3}}
    map_min: {type: object, minProperties: 2, additionalProperties: {type: string, format: uuid}}
    open_min: {type: object, minProperties: 1, properties: {x: {type: boolean}}}
)");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec.generate("closed", dynamic_full(3)), (json{{"a", spec.generate("closed", dynamic_full(3))["a"]}}));
  EXPECT_EQ(spec.generate("map"), json::object());
  const json m = spec.generate("map", dynamic_full(1));
  ASSERT_TRUE(m.contains("additionalProp1")) << m.dump();
  EXPECT_GE(m["additionalProp1"].get<int>(), 3);
  EXPECT_EQ(spec.generate("map_min").size(), 2u);
  EXPECT_EQ(spec.generate("open_min"), (json{{"x", false}}));
  for (const char* n : {"closed", "map", "map_min", "open_min"}) expect_always_valid(spec, n);
}

// ---------------------------------------------------------------------------
// Composition

TEST(generate, all_of_merges_members) {
  gen_spec spec({"base", "merged", "closed_members", "bounds"}, R"(
    base: {type: object, required: [id], properties: {id: {type: string, format: uuid}}, additionalProperties: false}
    merged:
      allOf:
        - $ref: '#/components/schemas/base'
        - type: object
          required: [count]
          properties: {count: {type: integer, minimum: 2}}
    closed_members:
      allOf:
        - {type: object, additionalProperties: false, properties: {a: {type: string}}}
        - {type: object, additionalProperties: false, properties: {b: {type: string}}}
    bounds:
      allOf:
        - {type: integer, minimum: 3}
        - {maximum: 5, multipleOf: 5}
)");
  ASSERT_TRUE(spec.ok());
  const json v = spec.generate("merged");
  EXPECT_EQ(v, (json{{"id", "00000000-0000-4000-8000-000000000000"}, {"count", 2}}));
  EXPECT_EQ(spec.generate("closed_members", static_full()), (json{{"a", "string"}, {"b", "string"}}));
  EXPECT_EQ(spec.generate("bounds"), 5);
  for (const char* n : {"merged", "closed_members", "bounds"}) expect_always_valid(spec, n);
}

TEST(generate, one_of_and_any_of_pick_a_branch) {
  gen_spec spec({"u", "both"}, R"(
    u:
      oneOf:
        - {type: string, enum: [first]}
        - {type: integer, minimum: 100}
        - {type: boolean}
    both:
      type: object
      oneOf:
        - {required: [a], properties: {a: {type: string}}}
        - {required: [b], properties: {b: {type: string}}}
      anyOf:
        - {required: [c], properties: {c: {type: integer}}}
        - {required: [d], properties: {d: {type: integer}}}
)");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec.generate("u"), "first");
  std::set<std::string> kinds;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) kinds.insert(spec.generate("u", dynamic_full(seed)).type_name());
  EXPECT_EQ(kinds.size(), 3u);
  EXPECT_EQ(spec.generate("both"), (json{{"a", "string"}, {"c", 0}}));
  for (const char* n : {"u", "both"}) expect_always_valid(spec, n);
}

// Kibana's encoding of an optional union (PUT /api/fleet/outputs/{outputId}):
// anyOf over every type next to oneOf [number, {not: {}}]. A branch that
// rejects everything is never chosen, and the anyOf branch must agree with
// the oneOf branch's type (seed 1 of the dynamic style picked string here).
TEST(generate, branches_agree_and_never_reject_everything) {
  gen_spec spec({"level"}, R"(
    level:
      type: object
      required: [compression_level]
      properties:
        compression_level:
          anyOf: [{items: {}, type: array}, {type: boolean}, {type: number}, {type: object}, {type: string}]
          nullable: true
          oneOf: [{type: number}, {not: {}}]
)");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec.generate("level"), (json{{"compression_level", 0}}));
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const json v = spec.generate("level", dynamic_full(seed));
    EXPECT_TRUE(v["compression_level"].is_number()) << v.dump();
  }
  expect_always_valid(spec, "level", 40);
}

TEST(generate, discriminator_sets_the_property) {
  gen_spec spec({"cat", "dog", "pet", "pet_named", "shape"}, R"(
    cat: {type: object, required: [kind, meow], properties: {kind: {type: string}, meow: {type: boolean}}}
    dog: {type: object, required: [kind, bark], properties: {kind: {type: string}, bark: {type: integer}}}
    pet:
      oneOf: [{$ref: '#/components/schemas/cat'}, {$ref: '#/components/schemas/dog'}]
      discriminator:
        propertyName: kind
        mapping: {feline: '#/components/schemas/cat', canine: dog}
    pet_named:
      oneOf: [{$ref: '#/components/schemas/cat'}, {$ref: '#/components/schemas/dog'}]
      discriminator: {propertyName: kind}
    shape:
      anyOf:
        - {type: object, required: [type, r], properties: {type: {type: string, enum: [circle]}, r: {type: number}}}
        - {type: object, required: [type, w], properties: {type: {type: string, enum: [square]}, w: {type: number}}}
      discriminator: {propertyName: type}
)");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec.generate("pet"), (json{{"kind", "feline"}, {"meow", false}}));
  EXPECT_EQ(spec.generate("pet_named"), (json{{"kind", "cat"}, {"meow", false}}));
  EXPECT_EQ(spec.generate("shape"), (json{{"type", "circle"}, {"r", 0}}));
  std::set<std::string> kinds;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) kinds.insert(spec.generate("pet", dynamic_full(seed))["kind"].get<std::string>());
  EXPECT_EQ(kinds, (std::set<std::string>{"feline", "canine"}));
  for (const char* n : {"pet", "pet_named", "shape"}) expect_always_valid(spec, n);
}

TEST(generate, schema_examples_and_defaults) {
  gen_spec spec({"ex", "bad_ex", "def", "obj_ex"}, R"(
    ex: {type: string, example: my-connector}
    bad_ex: {type: integer, minimum: 10, example: 3}
    def: {type: integer, default: 42}
    obj_ex: {type: object, properties: {a: {type: string}}, example: {a: 1}}
)");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec.generate("ex"), "my-connector");
  EXPECT_EQ(spec.generate("bad_ex"), 10);  // the example breaks the schema: not used
  EXPECT_EQ(spec.generate("def"), 42);
  EXPECT_EQ(spec.generate("obj_ex", static_full()), (json{{"a", "string"}}));  // objects' examples are never copied
  generate_options no_examples;
  no_examples.use_examples = false;
  EXPECT_EQ(spec.generate("ex", no_examples), "string");
  EXPECT_NE(spec.generate("ex", dynamic_full(1)), "my-connector");  // dynamic mode generates
}

// ---------------------------------------------------------------------------
// Determinism

constexpr std::string_view rich_schemas = R"(
    rich:
      type: object
      required: [id, tags, status, when, nested]
      properties:
        id: {type: string, format: uuid}
        tags: {type: array, items: {type: string}, maxItems: 5}
        status: {type: string, enum: [open, closed, in-progress]}
        when: {type: string, format: date-time}
        count: {type: integer, minimum: 0, maximum: 1000}
        nested:
          type: object
          properties:
            name: {type: string, minLength: 3, maxLength: 12}
            score: {type: number}
)";

TEST(generate, same_seed_same_value_across_runs_and_threads) {
  gen_spec spec({"rich"}, rich_schemas);
  ASSERT_TRUE(spec.ok());
  const std::string expected = spec.generate("rich", dynamic_full(7)).dump();
  EXPECT_EQ(spec.generate("rich", dynamic_full(7)).dump(), expected);
  std::vector<std::string> results(8);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < results.size(); ++t)
    threads.emplace_back([&, t] { results[t] = spec.generate("rich", dynamic_full(7)).dump(); });
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_EQ(r, expected);
  std::set<std::string> distinct;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) distinct.insert(spec.generate("rich", dynamic_full(seed)).dump());
  EXPECT_EQ(distinct.size(), 10u);
  // Static mode ignores the seed.
  generate_options a, b;
  a.seed = 1;
  b.seed = 2;
  EXPECT_EQ(spec.generate("rich", a), spec.generate("rich", b));
  expect_always_valid(spec, "rich");
}

// ---------------------------------------------------------------------------
// Bounds

TEST(generate, recursive_schemas_stop_cleanly) {
  gen_spec spec({"tree", "chain", "must_recurse"}, R"(
    tree:
      type: object
      required: [name]
      properties:
        name: {type: string}
        parent: {$ref: '#/components/schemas/tree', nullable: true}
        children: {type: array, items: {$ref: '#/components/schemas/tree'}}
    chain:
      type: object
      properties:
        next: {allOf: [{$ref: '#/components/schemas/chain'}]}
    must_recurse:
      type: object
      required: [next]
      properties:
        next: {$ref: '#/components/schemas/must_recurse'}
)");
  ASSERT_TRUE(spec.ok());
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    generate_stats stats;
    const json v = spec.generate("tree", dynamic_full(seed), &stats);
    EXPECT_TRUE(spec.valid("tree", v)) << spec.why("tree", v);
    EXPECT_LE(stats.nodes, 4 * generate_options{}.max_nodes + 100);
    EXPECT_LT(v.dump().size(), 200000u);
  }
  expect_always_valid(spec, "chain");
  generate_stats stats;
  const json v = spec.generate("must_recurse", dynamic_full(1), &stats);  // unsatisfiable: infinite by definition
  EXPECT_TRUE(stats.truncated);
  EXPECT_FALSE(spec.valid("must_recurse", v));
}

TEST(generate, huge_min_items_is_capped) {
  gen_spec spec({"huge"}, R"(
    huge: {type: array, minItems: 10000, items: {type: object, required: [a], properties: {a: {type: string}}}}
)");
  ASSERT_TRUE(spec.ok());
  generate_stats stats;
  const json v = spec.generate("huge", {}, &stats);
  EXPECT_EQ(v.size(), generate_options{}.items_cap);
  EXPECT_TRUE(stats.truncated);
  EXPECT_FALSE(spec.valid("huge", v)) << "capped below minItems: invalid by design";
}

TEST(generate, node_budget_bounds_wide_and_deep_schemas) {
  // 20 optional properties per level, 6 levels, arrays of 10: naive generation is ~ 10^12 values.
  std::string schemas;
  for (int level = 0; level < 6; ++level) {
    schemas += "    l" + std::to_string(level) + ":\n      type: object\n      properties:\n";
    for (int p = 0; p < 20; ++p) {
      schemas += "        p" + std::to_string(p) + ": ";
      schemas += level == 5 ? "{type: string}\n"
                            : "{type: array, minItems: 10, items: {$ref: '#/components/schemas/l" + std::to_string(level + 1) + "'}}\n";
    }
  }
  gen_spec spec({"l0"}, schemas);
  ASSERT_TRUE(spec.ok());
  generate_options o = dynamic_full(1);
  generate_stats stats;
  // Bounded work, not wall time (speed is bench_generate's business): the node budget holds.
  const json v = spec.generate("l0", o, &stats);
  EXPECT_LE(stats.nodes, 4 * o.max_nodes + 1000);
  EXPECT_TRUE(spec.valid("l0", v)) << spec.why("l0", v).substr(0, 500);
}

// ---------------------------------------------------------------------------
// Kibana's document

struct kibana_target {
  std::string label;  // "GET /api/cases/_find 200 application/json" or "... request application/json"
  const media_type* media = nullptr;
  direction dir = direction::response;
};

std::vector<kibana_target> kibana_targets(const contract& c) {
  std::vector<kibana_target> out;
  for (const auto& op : c.operations()) {
    const std::string name = std::string(method_name(op.method)) + " " + op.path;
    for (const auto& r : op.responses)
      for (const auto& m : r.content)
        if (m.schema != no_schema) out.push_back({name + " " + r.status + " " + m.key, &m, direction::response});
    if (op.body)
      for (const auto& m : op.body->content)
        if (m.schema != no_schema) out.push_back({name + " request " + m.key, &m, direction::request});
  }
  return out;
}

json generate_for(const contract& c, const media_type& m, const generate_options& o, generate_stats* stats = nullptr) {
  const std::string ptr = m.pointer + "/schema";
  return generate_value(c.docs(), *m.doc, *m.doc->find(ptr), ptr, o, stats);
}

// Schemas of Kibana's document that no value can satisfy, or that specgate's
// generator knowingly cannot, with the reason. Keys: the target label, or a
// prefix of it ending in '*'.
const std::map<std::string, std::string>& kibana_allow_list() {
  static const std::map<std::string, std::string> list = {};
  return list;
}

bool allowed_failure(const std::string& label) {
  for (const auto& [key, _] : kibana_allow_list()) {
    if (key.ends_with('*') ? label.starts_with(key.substr(0, key.size() - 1)) : label == key) return true;
  }
  return false;
}

TEST(generate_kibana, every_body_schema_generates_a_valid_value) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  auto built = load_contract_file(specgate::testing::kibana_spec_path());
  ASSERT_TRUE(built.value);
  const contract& c = *built.value;
  const auto targets = kibana_targets(c);
  ASSERT_GT(targets.size(), 500u);

  struct mode {
    const char* name;
    generate_options options;
  };
  std::vector<mode> modes;
  for (std::uint64_t seed : {1, 2}) {
    generate_options minimal;
    minimal.seed = seed;
    modes.push_back({"minimal", minimal});
    modes.push_back({"dynamic", dynamic_full(seed)});
  }
  modes.push_back({"static-full", static_full()});  // all optional properties, first choices
  std::size_t total = 0, valid = 0, truncated = 0, allowed = 0, nodes = 0, max_nodes = 0;
  std::string largest;
  std::set<std::string> used_allowances;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& t : targets) {
    for (auto& m : modes) {
      m.options.dir = t.dir;
      generate_stats stats;
      const json v = generate_for(c, *t.media, m.options, &stats);
      ++total;
      truncated += stats.truncated ? 1 : 0;
      nodes += stats.nodes;
      if (stats.nodes > max_nodes) max_nodes = stats.nodes, largest = t.label + " (" + m.name + ")";
      if (c.schemas().is_valid(t.media->schema, v)) {
        ++valid;
        continue;
      }
      if (allowed_failure(t.label)) {
        ++allowed;
        used_allowances.insert(t.label);
        continue;
      }
      std::string why;
      for (const auto& e : c.schemas().explain(t.media->schema, v)) {
        why += (e.instance_pointer.empty() ? "(root)" : e.instance_pointer) + ": " + e.message + " [" + e.schema_pointer + "]; ";
        if (why.size() > 600) break;
      }
      ADD_FAILURE() << t.label << " (" << m.name << ", seed " << m.options.seed << "): " << v.dump().substr(0, 300)
                    << "\n  " << why;
    }
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::printf("[generate_kibana] %zu body schemas x %zu modes = %zu values: %zu valid, %zu allowed failures "
              "(%zu schemas), %zu truncated, %zu nodes in all (largest %zu: %s), %lld ms with validation\n",
              targets.size(), modes.size(), total, valid, allowed, used_allowances.size(), truncated, nodes, max_nodes,
              largest.c_str(), static_cast<long long>(ms));
  EXPECT_EQ(valid + allowed, total);  // the time is printed for information; bench_generate measures it
}

TEST(generate_kibana, cases_find_stays_small) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  auto built = load_contract_file(specgate::testing::kibana_spec_path());
  ASSERT_TRUE(built.value);
  const contract& c = *built.value;
  const operation* find = nullptr;
  for (const auto& op : c.operations())
    if (op.method == http_method::get && op.path == "/api/cases/_find") find = &op;
  ASSERT_TRUE(find);
  const media_type& m = find->success_response()->content.at(0);
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    generate_stats stats;
    // Small and bounded by construction (node budget, output size); its speed is in bench_generate.
    const json v = generate_for(c, m, dynamic_full(seed), &stats);
    EXPECT_LE(stats.nodes, 4 * generate_options{}.max_nodes + 100);
    EXPECT_LT(v.dump().size(), 1u << 20);
    EXPECT_TRUE(c.schemas().is_valid(m.schema, v)) << v.dump().substr(0, 400);
    ASSERT_TRUE(v.contains("cases"));
    EXPECT_LE(v["cases"].size(), 2u);
  }
}

}  // namespace
}  // namespace specgate::validator
