#include "validator/contract/param_decode.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "test_support.h"
#include "validator/contract/contract.h"
#include "validator/document/loader.h"

namespace specgate::validator {
namespace {

namespace jt = json_types;

// The shape builder's $ref resolver, as the contract builder makes it.
schema_resolver resolver_of(const document_set& docs) {
  return [&docs](const document& d, const json* n, std::string p) { return docs.deref(d, n, std::move(p)); };
}

// Schemas the tests decode against, as components of one small document.
constexpr const char* schemas_yaml = R"(
openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    str: {type: string}
    int: {type: integer}
    num: {type: number}
    bool: {type: boolean}
    any: {}
    str_array: {type: array, items: {type: string}}
    int_array: {type: array, items: {type: integer}}
    rgb: {type: object, properties: {R: {type: integer}, G: {type: integer}, B: {type: integer}}}
    str_or_int: {oneOf: [{type: string}, {type: integer}]}
    size_or_auto: {oneOf: [{type: number}, {type: string, enum: [auto]}]}
    str_or_array: {oneOf: [{$ref: '#/components/schemas/str'}, {$ref: '#/components/schemas/str_array'}]}
    ref_chain: {$ref: '#/components/schemas/int'}
    all_of: {allOf: [{$ref: '#/components/schemas/num'}, {type: integer, minimum: 1}]}
    all_of_objects:
      allOf:
        - {type: object, properties: {a: {type: integer}}}
        - {type: object, properties: {b: {type: boolean}}}
    any_of_items: {type: array, items: {anyOf: [{type: string}, {type: number}]}}
    # Kibana's include_authorized_purposes: anyOf of everything beside oneOf of booleans.
    kibana_purposes:
      anyOf: [{items: {}, type: array}, {type: boolean}, {type: number}, {type: object}, {type: string}]
      nullable: true
      oneOf: [{enum: [false], type: boolean}, {type: boolean}]
    untyped_object: {properties: {x: {type: integer}}}
    enum_only: {enum: [1, 2, 3]}
    misspelt: {type: objects}
    loop_a: {allOf: [{$ref: '#/components/schemas/loop_b'}]}
    loop_b: {allOf: [{$ref: '#/components/schemas/loop_a'}]}
    nullable_int: {type: integer, nullable: true}
    nullable_array: {type: array, nullable: true, items: {type: integer}}
    contradiction: {allOf: [{type: string}, {type: integer}]}
    metadata_query:
      type: object
      properties:
        page: {type: integer, default: 0}
        pageSize: {type: integer, default: 10}
        kuery: {type: string}
        hostStatuses: {type: array, items: {type: string, enum: [healthy, offline]}}
    has_reference:
      type: object
      nullable: true
      additionalProperties: false
      properties: {id: {type: string}, type: {type: string}}
      required: [type, id]
    open_object: {type: object, additionalProperties: {type: integer}}
    filter: {type: object, properties: {a: {type: integer}, tags: {type: array, items: {type: string}}}}
)";

class param_decode_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = load_openapi_text(schemas_yaml, "schemas.yaml");
    ASSERT_TRUE(loaded.ok());
    docs_ = loaded.docs;
  }
  static void TearDownTestSuite() { docs_.reset(); }

  static param_shape shape(const std::string& name) {
    const std::string pointer = "/components/schemas/" + name;
    const json* node = docs_->root().find(pointer);
    EXPECT_TRUE(node) << name;
    return make_param_shape(refs(), docs_->root(), node, pointer);
  }
  // What the contract builder hands the shape builder: the document set's deref.
  static schema_resolver refs() { return resolver_of(*docs_); }

  static std::shared_ptr<const document_set> docs_;
};
std::shared_ptr<const document_set> param_decode_test::docs_;

json j(const char* text) { return json::parse(text); }

// ------------------------------------------------------------------ shapes

TEST_F(param_decode_test, shapes_follow_refs_all_of_one_of_any_of) {
  EXPECT_EQ(shape("str").types, jt::string);
  EXPECT_EQ(shape("int").types, jt::integer);
  EXPECT_EQ(shape("num").types, jt::integer | jt::number);
  EXPECT_EQ(shape("any").types, jt::any);
  EXPECT_EQ(shape("ref_chain").types, jt::integer);
  EXPECT_EQ(shape("all_of").types, jt::integer);  // number ∩ integer
  EXPECT_EQ(shape("str_or_int").types, jt::string | jt::integer);
  const param_shape soa = shape("str_or_array");
  EXPECT_EQ(soa.types, jt::string | jt::array);
  EXPECT_EQ(soa.items, jt::string);
  EXPECT_EQ(shape("any_of_items").items, jt::string | jt::integer | jt::number);
  EXPECT_EQ(shape("kibana_purposes").types, jt::boolean);  // anyOf ∩ oneOf
  EXPECT_EQ(shape("untyped_object").types, jt::object);
  EXPECT_EQ(shape("enum_only").types, jt::integer);
  EXPECT_EQ(shape("misspelt").types, jt::any);
  EXPECT_EQ(shape("loop_a").types, jt::any);  // a $ref loop widens, never hangs
  EXPECT_EQ(shape("nullable_int").types, jt::integer | jt::null);
  EXPECT_EQ(shape("contradiction").types, jt::any);

  const param_shape rgb = shape("rgb");
  EXPECT_EQ(rgb.types, jt::object);
  ASSERT_EQ(rgb.properties.size(), 3u);
  ASSERT_TRUE(rgb.property("G"));
  EXPECT_EQ(rgb.property("G")->types, jt::integer);
  EXPECT_FALSE(rgb.property("X"));
  EXPECT_FALSE(rgb.additional_declared);

  const param_shape merged = shape("all_of_objects");
  ASSERT_TRUE(merged.property("a"));
  ASSERT_TRUE(merged.property("b"));
  EXPECT_EQ(merged.property("b")->types, jt::boolean);

  const param_shape open = shape("open_object");
  EXPECT_TRUE(open.additional_declared);
  EXPECT_EQ(open.additional.types, jt::integer);

  const param_shape meta = shape("metadata_query");
  ASSERT_TRUE(meta.property("hostStatuses"));
  EXPECT_EQ(meta.property("hostStatuses")->types, jt::array);
  EXPECT_EQ(meta.property("hostStatuses")->items, jt::string);

  EXPECT_EQ(make_param_shape(refs(), docs_->root(), nullptr, "").types, jt::any);
}

TEST_F(param_decode_test, parameter_object_shapes_with_schema_or_content) {
  const json p1 = j(R"({"name": "a", "in": "query", "schema": {"type": "integer"}})");
  EXPECT_EQ(make_parameter_shape(refs(), docs_->root(), p1, "/x").types, jt::integer);
  const json p2 = j(R"({"name": "a", "in": "query", "content": {"application/json": {"schema": {"type": "object"}}}})");
  const param_shape s2 = make_parameter_shape(refs(), docs_->root(), p2, "/x");
  EXPECT_TRUE(s2.content_json);
  EXPECT_EQ(s2.types, jt::object);
  const json p3 = j(R"({"name": "a", "in": "query", "content": {"text/plain": {}}})");
  EXPECT_TRUE(make_parameter_shape(refs(), docs_->root(), p3, "/x").content_text);
  const json p4 = j(R"({"name": "a", "in": "query", "content": {"application/vnd.x+json; v=1": {}}})");
  EXPECT_TRUE(make_parameter_shape(refs(), docs_->root(), p4, "/x").content_json);
}

// ------------------------------------------------------------------ parsers

struct query_case {
  const char* raw;
  std::vector<param_pair> pairs;
  bool malformed;
};

TEST(parse_query, edge_cases) {
  const std::vector<query_case> cases = {
      {"", {}, false},
      {"?", {}, false},
      {"?a=1", {{"a", "1"}}, false},
      {"a&b=", {{"a", ""}, {"b", ""}}, false},
      {"=x", {{"", "x"}}, false},
      {"a=1&a=2", {{"a", "1"}, {"a", "2"}}, false},
      {"&&a=1&", {{"a", "1"}}, false},
      {"a=1=2", {{"a", "1=2"}}, false},
      {"a=b+c", {{"a", "b c"}}, false},
      {"a+b=c", {{"a b", "c"}}, false},
      {"a=%2B", {{"a", "+"}}, false},
      {"a%20b=c%26d", {{"a b", "c&d"}}, false},
      {"filter%5Ba%5D=1", {{"filter[a]", "1"}}, false},
      {"a=%zz", {{"a", "%zz"}}, true},
      {"a=%4", {{"a", "%4"}}, true},
      {"a=%", {{"a", "%"}}, true},
      {"a=%%41", {{"a", "%A"}}, true},
      {"a=%C3%A9", {{"a", "\xC3\xA9"}}, false},           // é
      {"a=%E2%82", {{"a", "\xEF\xBF\xBD"}}, true},         // truncated sequence -> U+FFFD
      {"a=%FFx", {{"a", "\xEF\xBF\xBDx"}}, true},          // never valid -> U+FFFD
      {"a=%ED%A0%80", {{"a", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}}, true},  // a surrogate: one U+FFFD per byte
      {"ids=1,2", {{"ids", "1,2"}}, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.raw);
    const parsed_pairs got = parse_query(c.raw);
    EXPECT_EQ(got.pairs, c.pairs);
    EXPECT_EQ(got.malformed, c.malformed);
  }
}

TEST(parse_cookies, edge_cases) {
  const std::vector<query_case> cases = {
      {"", {}, false},
      {"a=1; b=2", {{"a", "1"}, {"b", "2"}}, false},
      {" a = 1 ;b=\"q r\";;", {{"a", "1"}, {"b", "q r"}}, false},
      {"abc", {{"", "abc"}}, false},
      {"a=%41", {{"a", "A"}}, false},
      {"a=b+c", {{"a", "b+c"}}, false},
      {"a=%zz", {{"a", "%zz"}}, true},
      {"a=1,2; a=3", {{"a", "1,2"}, {"a", "3"}}, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.raw);
    const parsed_pairs got = parse_cookies(c.raw);
    EXPECT_EQ(got.pairs, c.pairs);
    EXPECT_EQ(got.malformed, c.malformed);
  }
}

// ------------------------------------------------------------------ styles

// One row: a parameter `color` in `in` with `style`/`explode`, the raw text
// (path value, query string, header value, Cookie header), the schema, and
// the expected value ("absent" for none, "error: ..." for a decode error).
struct style_case {
  param_location in;
  const char* style;
  bool explode;
  const char* raw;
  const char* schema;
  const char* expected;
};

void PrintTo(const style_case& c, std::ostream* os) {
  *os << location_name(c.in) << " " << c.style << (c.explode ? " explode" : "") << " [" << c.raw << "] as "
      << c.schema;
}

class style_table : public param_decode_test, public ::testing::WithParamInterface<style_case> {};

decode_result run(const param_shape& s, const style_case& c) {
  raw_param_input input;
  parsed_pairs pairs;
  std::string_view header = c.raw;
  switch (c.in) {
    case param_location::path: input.path_value = c.raw; break;
    case param_location::header: input.header_values = std::span<const std::string_view>(&header, 1); break;
    case param_location::query: pairs = parse_query(c.raw); break;
    case param_location::cookie: pairs = parse_cookies(c.raw); break;
  }
  input.pairs = pairs.pairs;
  return decode_parameter(s, c.style, c.explode, c.in, "color", input);
}

TEST_P(style_table, decodes) {
  const style_case& c = GetParam();
  const decode_result r = run(shape(c.schema), c);
  const std::string expected = c.expected;
  if (expected == "absent") {
    EXPECT_TRUE(r.ok()) << r.error->message;
    EXPECT_FALSE(r.value) << r.value->dump();
  } else if (expected.starts_with("error: ")) {
    ASSERT_TRUE(r.error) << (r.value ? r.value->dump() : "absent");
    EXPECT_EQ(r.error->message, expected.substr(7));
    EXPECT_FALSE(r.value);
  } else {
    ASSERT_TRUE(r.ok()) << r.error->message;
    ASSERT_TRUE(r.value);
    EXPECT_EQ(*r.value, json::parse(expected)) << r.value->dump();
  }
}

constexpr auto path = param_location::path;
constexpr auto query = param_location::query;
constexpr auto header = param_location::header;
constexpr auto cookie = param_location::cookie;

// OpenAPI 3.0.3 "Style Examples": color = "blue" / ["blue","black","brown"] / {"R":100,"G":200,"B":150}.
INSTANTIATE_TEST_SUITE_P(
    openapi_style_examples, style_table,
    ::testing::Values(
        // matrix
        style_case{path, "matrix", false, ";color", "str", R"("")"},
        style_case{path, "matrix", false, ";color", "str_array", "[]"},
        style_case{path, "matrix", false, ";color=blue", "str", R"("blue")"},
        style_case{path, "matrix", false, ";color=blue,black,brown", "str_array", R"(["blue","black","brown"])"},
        style_case{path, "matrix", false, ";color=R,100,G,200,B,150", "rgb", R"({"R":100,"G":200,"B":150})"},
        style_case{path, "matrix", true, ";color", "str", R"("")"},
        style_case{path, "matrix", true, ";color=blue", "str", R"("blue")"},
        style_case{path, "matrix", true, ";color=blue;color=black;color=brown", "str_array",
                   R"(["blue","black","brown"])"},
        style_case{path, "matrix", true, ";R=100;G=200;B=150", "rgb", R"({"R":100,"G":200,"B":150})"},
        style_case{path, "matrix", true, ";color=1;color=2", "int_array", "[1,2]"},
        style_case{path, "matrix", false, "color=blue", "str", R"(error: expected a matrix-style value, as [;color=...])"},
        style_case{path, "matrix", false, ";colour=blue", "str", R"(error: expected a matrix-style value, as [;color=...])"},
        style_case{path, "matrix", true, ";color=a;other=b", "str_array",
                   R"(error: expected a matrix-style value, as [;color=...])"},
        // label
        style_case{path, "label", false, ".", "str", R"("")"},
        style_case{path, "label", false, ".blue", "str", R"("blue")"},
        style_case{path, "label", false, ".blue.black.brown", "str_array", R"(["blue","black","brown"])"},
        style_case{path, "label", false, ".blue,black,brown", "str_array", R"(["blue","black","brown"])"},
        style_case{path, "label", false, ".R.100.G.200.B.150", "rgb", R"({"R":100,"G":200,"B":150})"},
        style_case{path, "label", true, ".blue", "str", R"("blue")"},
        style_case{path, "label", true, ".blue.black.brown", "str_array", R"(["blue","black","brown"])"},
        style_case{path, "label", true, ".R=100.G=200.B=150", "rgb", R"({"R":100,"G":200,"B":150})"},
        style_case{path, "label", false, "blue", "str", "error: expected a label-style value, starting with [.]"},
        style_case{path, "label", false, ".1.5", "num", "1.5"},  // a primitive is never split
        // simple (path)
        style_case{path, "simple", false, "blue", "str", R"("blue")"},
        style_case{path, "simple", false, "blue,black,brown", "str_array", R"(["blue","black","brown"])"},
        style_case{path, "simple", false, "R,100,G,200,B,150", "rgb", R"({"R":100,"G":200,"B":150})"},
        style_case{path, "simple", true, "blue", "str", R"("blue")"},
        style_case{path, "simple", true, "blue,black,brown", "str_array", R"(["blue","black","brown"])"},
        style_case{path, "simple", true, "R=100,G=200,B=150", "rgb", R"({"R":100,"G":200,"B":150})"},
        style_case{path, "simple", false, "R,100,G", "rgb", R"("R,100,G")"},   // odd: the schema reports it
        style_case{path, "simple", true, "R=100,G", "rgb", R"("R=100,G")"},
        style_case{path, "simple", false, "12", "int", "12"},
        style_case{path, "simple", false, "1,2,3", "int_array", "[1,2,3]"},
        style_case{path, "simple", false, "blue,black", "str", R"("blue,black")"},
        // form (query)
        style_case{query, "form", false, "color=", "str", R"("")"},
        style_case{query, "form", false, "color=", "str_array", "[]"},
        style_case{query, "form", false, "color=blue", "str", R"("blue")"},
        style_case{query, "form", false, "color=blue,black,brown", "str_array", R"(["blue","black","brown"])"},
        style_case{query, "form", false, "color=R,100,G,200,B,150", "rgb", R"({"R":100,"G":200,"B":150})"},
        style_case{query, "form", true, "color=", "str", R"("")"},
        style_case{query, "form", true, "color", "str", R"("")"},
        style_case{query, "form", true, "color=blue", "str", R"("blue")"},
        style_case{query, "form", true, "color=blue&color=black&color=brown", "str_array",
                   R"(["blue","black","brown"])"},
        style_case{query, "form", true, "R=100&G=200&B=150", "rgb", R"({"R":100,"G":200,"B":150})"},
        style_case{query, "form", true, "other=1", "str", "absent"},
        style_case{query, "form", true, "other=1", "rgb", "absent"},
        // spaceDelimited / pipeDelimited
        style_case{query, "spaceDelimited", false, "color=blue%20black%20brown", "str_array",
                   R"(["blue","black","brown"])"},
        style_case{query, "spaceDelimited", false, "color=blue+black+brown", "str_array", R"(["blue","black","brown"])"},
        style_case{query, "spaceDelimited", false, "color=R%20100%20G%20200%20B%20150", "rgb",
                   R"({"R":100,"G":200,"B":150})"},
        style_case{query, "pipeDelimited", false, "color=blue|black|brown", "str_array", R"(["blue","black","brown"])"},
        style_case{query, "pipeDelimited", false, "color=blue%7Cblack", "str_array", R"(["blue","black"])"},
        style_case{query, "pipeDelimited", false, "color=R|100|G|200|B|150", "rgb", R"({"R":100,"G":200,"B":150})"},
        style_case{query, "pipeDelimited", false, "color=1|2&color=3", "int_array", "[1,2,3]"},
        style_case{query, "pipeDelimited", true, "color=1&color=2", "int_array", "[1,2]"},
        style_case{query, "pipeDelimited", false, "color=blue,black", "str_array", R"(["blue,black"])"},
        // deepObject
        style_case{query, "deepObject", true, "color[R]=100&color[G]=200&color[B]=150", "rgb",
                   R"({"R":100,"G":200,"B":150})"},
        style_case{query, "deepObject", true, "color%5BR%5D=100", "rgb", R"({"R":100})"},
        style_case{query, "deepObject", true, "color[R]=x", "rgb", R"({"R":"x"})"},
        style_case{query, "deepObject", true, "color=1&other[R]=1", "rgb", "absent"},
        style_case{query, "deepObject", true, "color[a]=1&color[tags]=x&color[tags]=y", "filter",
                   R"({"a":1,"tags":["x","y"]})"},
        style_case{query, "deepObject", true, "color[tags]=x", "filter", R"({"tags":["x"]})"},
        style_case{query, "deepObject", true, "color[a]=1&color[a]=2", "filter", R"({"a":["1","2"]})"},
        style_case{query, "deepObject", true, "color[a][b]=1", "filter",
                   "error: cannot decode key [color[a][b]]: deepObject keys name one property, as color[property]"},
        style_case{query, "deepObject", true, "color[]=1", "filter",
                   "error: cannot decode key [color[]]: deepObject keys name one property, as color[property]"},
        style_case{query, "deepObject", true, "color[a=1", "filter",
                   "error: cannot decode key [color[a]: deepObject keys name one property, as color[property]"},
        // header (simple)
        style_case{header, "simple", false, "blue", "str", R"("blue")"},
        style_case{header, "simple", false, "blue, black ,brown", "str_array", R"(["blue","black","brown"])"},
        style_case{header, "simple", false, "R,100,G,200,B,150", "rgb", R"({"R":100,"G":200,"B":150})"},
        style_case{header, "simple", true, "R=100, G=200, B=150", "rgb", R"({"R":100,"G":200,"B":150})"},
        style_case{header, "simple", false, "42", "int", "42"},
        // cookie (form)
        style_case{cookie, "form", false, "color=blue", "str", R"("blue")"},
        style_case{cookie, "form", false, "color=blue,black,brown", "str_array", R"(["blue","black","brown"])"},
        style_case{cookie, "form", true, "color=blue; color=black", "str_array", R"(["blue","black"])"},
        style_case{cookie, "form", true, "R=100; G=200; B=150", "rgb", R"({"R":100,"G":200,"B":150})"},
        style_case{cookie, "form", true, "x=1", "str", "absent"},
        // an unknown style, or one not allowed there, decodes as the location's default
        style_case{query, "matrix", true, "color=a&color=b", "str_array", R"(["a","b"])"},
        style_case{path, "form", false, "a,b", "str_array", R"(["a","b"])"},
        style_case{query, "bogus", true, "color=1", "int", "1"}));

// Coercion to the schema's types, and Kibana's (hapi's) treatment of
// repeated keys, comma lists, empty values and JSON in query values.
INSTANTIATE_TEST_SUITE_P(
    coercion_and_kibana, style_table,
    ::testing::Values(
        style_case{query, "form", true, "color=12", "int", "12"},
        style_case{query, "form", true, "color=-3", "int", "-3"},
        style_case{query, "form", true, "color=007", "int", "7"},
        style_case{query, "form", true, "color=1.5", "int", R"("1.5")"},  // the schema reports [number] vs [string]
        style_case{query, "form", true, "color=1e3", "int", R"("1e3")"},
        style_case{query, "form", true, "color=abc", "int", R"("abc")"},
        style_case{query, "form", true, "color=", "int", R"("")"},
        style_case{query, "form", true, "color=%2B1", "int", R"("+1")"},
        style_case{query, "form", true, "color=+1", "int", R"(" 1")"},
        style_case{query, "form", true, "color=%201", "int", R"(" 1")"},
        style_case{query, "form", true, "color=9223372036854775807", "int", "9223372036854775807"},
        style_case{query, "form", true, "color=18446744073709551615", "int", "18446744073709551615"},
        style_case{query, "form", true, "color=1.5", "num", "1.5"},
        style_case{query, "form", true, "color=-2.5e-3", "num", "-0.0025"},
        style_case{query, "form", true, "color=12", "num", "12"},
        style_case{query, "form", true, "color=1.", "num", R"("1.")"},
        style_case{query, "form", true, "color=NaN", "num", R"("NaN")"},
        style_case{query, "form", true, "color=1e999", "num", R"("1e999")"},
        style_case{query, "form", true, "color=true", "bool", "true"},
        style_case{query, "form", true, "color=false", "bool", "false"},
        style_case{query, "form", true, "color=True", "bool", R"("True")"},
        style_case{query, "form", true, "color=1", "bool", R"("1")"},
        style_case{query, "form", true, "color=12", "str", R"("12")"},
        style_case{query, "form", true, "color=12", "any", R"("12")"},
        style_case{query, "form", true, "color=12", "str_or_int", "12"},
        style_case{query, "form", true, "color=x", "str_or_int", R"("x")"},
        style_case{query, "form", true, "color=10", "size_or_auto", "10"},
        style_case{query, "form", true, "color=auto", "size_or_auto", R"("auto")"},
        style_case{query, "form", true, "color=true", "kibana_purposes", "true"},
        style_case{query, "form", true, "color=null", "nullable_int", R"("null")"},
        style_case{query, "form", true, "color=2", "enum_only", "2"},
        style_case{query, "form", true, "color=5", "nullable_array", "[5]"},
        style_case{path, "simple", false, "5", "nullable_array", "[5]"},
        style_case{path, "matrix", true, ";color=a", "str_or_array", R"("a")"},
        style_case{path, "matrix", true, ";color=a;color=b", "str_or_array", R"(["a","b"])"},
        // arrays: repeated keys, one value, empty, comma lists "as the style says"
        style_case{query, "form", true, "color=1&color=2&color=3", "int_array", "[1,2,3]"},
        style_case{query, "form", true, "color=1&color=x", "int_array", R"([1,"x"])"},
        style_case{query, "form", true, "color=5", "int_array", "[5]"},
        style_case{query, "form", true, "color=", "int_array", "[]"},
        style_case{query, "form", true, "color=&color=1", "int_array", R"(["",1])"},
        style_case{query, "form", true, "color=a,b", "str_array", R"(["a,b"])"},
        style_case{query, "form", false, "color=a,b&color=c", "str_array", R"(["a","b","c"])"},
        style_case{query, "form", true, "color=1&color=2", "any_of_items", "[1,2]"},
        style_case{query, "form", true, "color=a&other=1&color=b", "str_array", R"(["a","b"])"},
        // a repeated key where a primitive is expected: hapi's array of strings
        style_case{query, "form", true, "color=1&color=2", "int", R"(["1","2"])"},
        style_case{query, "form", true, "color=a&color=b", "str", R"(["a","b"])"},
        style_case{query, "form", true, "color=a&color=b", "any", R"(["a","b"])"},
        // oneOf [string, string[]] (Kibana's owner, assignees...): one value a string, repeats an array
        style_case{query, "form", true, "color=a", "str_or_array", R"("a")"},
        style_case{query, "form", true, "color=a,b", "str_or_array", R"("a,b")"},
        style_case{query, "form", true, "color=a&color=b", "str_or_array", R"(["a","b"])"},
        style_case{query, "form", true, "color=[\"a\"]", "str_or_array", R"("[\"a\"]")"},
        style_case{query, "form", false, "color=a,b", "str_or_array", R"(["a","b"])"},
        style_case{query, "form", false, "color=a", "str_or_array", R"("a")"},
        // Kibana's config-schema JSON.parse of strings given for arrays/objects
        style_case{query, "form", true, R"(color=["a","b"])", "str_array", R"(["a","b"])"},
        style_case{query, "form", true, "color=%5B1%2C2%5D", "int_array", "[1,2]"},
        style_case{query, "form", true, "color=[a", "str_array", "error: could not parse array value from json input"},
        style_case{query, "form", true, R"(color={"R":1})", "rgb", R"({"R":1})"},
        style_case{query, "form", true, "color={R", "rgb", "error: could not parse object value from json input"},
        style_case{query, "form", true, R"(color={"R":1})", "str", R"("{\"R\":1}")"},
        style_case{query, "form", true, "color=abc", "rgb", R"("abc")"},
        // form-exploded objects: properties as keys, repeats in array properties
        style_case{query, "form", true, "page=1&pageSize=10&hostStatuses=healthy&hostStatuses=offline&x=y",
                   "metadata_query", R"({"page":1,"pageSize":10,"hostStatuses":["healthy","offline"]})"},
        style_case{query, "form", true, "kuery=a%3A1&hostStatuses=healthy", "metadata_query",
                   R"({"kuery":"a:1","hostStatuses":["healthy"]})"},
        style_case{query, "form", true, "page=x", "metadata_query", R"({"page":"x"})"},
        style_case{query, "form", true, "page=1&page=2", "metadata_query", R"({"page":["1","2"]})"},
        style_case{query, "form", true, "x=1", "metadata_query", "absent"},
        style_case{query, "form", true, "id=1&type=t", "has_reference", R"({"id":"1","type":"t"})"},
        style_case{query, "form", true, R"(color={"id":"1","type":"t"})", "has_reference", R"({"id":"1","type":"t"})"},
        style_case{query, "form", true, "a=1&b=2&color=3", "open_object", R"({"a":1,"b":2,"color":3})"},
        style_case{query, "form", true, "a=1&a=2", "open_object", R"({"a":["1","2"]})"},
        // malformed escapes are kept, as Kibana does
        style_case{query, "form", true, "color=%zz", "str", R"("%zz")"},
        style_case{query, "form", true, "color=%zz", "int", R"("%zz")"}));

// ------------------------------------------------------------------ specifics

TEST_F(param_decode_test, header_lines_are_joined_like_node) {
  const std::vector<std::string_view> lines = {"a", "b, c"};
  raw_param_input input;
  input.header_values = lines;
  auto r = decode_parameter(shape("str_array"), "simple", false, header, "x-tags", input);
  ASSERT_TRUE(r.value);
  EXPECT_EQ(*r.value, j(R"(["a","b","c"])"));
  r = decode_parameter(shape("str"), "simple", false, header, "x-tags", input);
  ASSERT_TRUE(r.value);
  EXPECT_EQ(*r.value, "a, b, c");
  input.header_values = {};
  r = decode_parameter(shape("str"), "simple", false, header, "x-tags", input);
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.value);
}

TEST_F(param_decode_test, other_parameters_keys_are_not_gathered_as_additional_properties) {
  const auto pairs = parse_query("a=1&page=2&q=3");
  const std::vector<std::string> others = {"page"};
  raw_param_input input;
  input.pairs = pairs.pairs;
  input.other_names = others;
  auto r = decode_parameter(shape("open_object"), "form", true, query, "q", input);
  ASSERT_TRUE(r.value);
  EXPECT_EQ(*r.value, j(R"({"a":1,"q":3})"));
}

TEST_F(param_decode_test, content_parameters_hold_json_text) {
  const json p = j(R"({"name": "filter", "in": "query", "content": {"application/json": {"schema": {"type": "object"}}}})");
  const param_shape s = make_parameter_shape(refs(), docs_->root(), p, "/p");
  auto pairs = parse_query(R"(filter={"a":[1,2]})");
  raw_param_input input;
  input.pairs = pairs.pairs;
  auto r = decode_parameter(s, "form", true, query, "filter", input);
  ASSERT_TRUE(r.value);
  EXPECT_EQ(*r.value, j(R"({"a":[1,2]})"));

  pairs = parse_query("filter=%7Bnope");
  input.pairs = pairs.pairs;
  r = decode_parameter(s, "form", true, query, "filter", input);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->message, "could not parse value from json input");
  EXPECT_EQ(r.error->found, "string");

  pairs = parse_query("other=1");
  input.pairs = pairs.pairs;
  r = decode_parameter(s, "form", true, query, "filter", input);
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.value);

  input.path_value = "[1,2]";
  r = decode_parameter(s, "simple", false, path, "filter", input);
  ASSERT_TRUE(r.value);
  EXPECT_EQ(*r.value, j("[1,2]"));

  const json t = j(R"({"name": "q", "in": "query", "content": {"text/plain": {}}})");
  pairs = parse_query("q=1");
  input.pairs = pairs.pairs;
  r = decode_parameter(make_parameter_shape(refs(), docs_->root(), t, "/t"), "form", true, query, "q", input);
  ASSERT_TRUE(r.value);
  EXPECT_EQ(*r.value, "1");
}

TEST_F(param_decode_test, required_exploded_object_without_keys_is_an_empty_object) {
  parameter p;
  p.name = "query";
  p.in = query;
  p.style = "form";
  p.explode = true;
  p.required = true;
  const auto pairs = parse_query("unrelated=1");
  raw_param_input input;
  input.pairs = pairs.pairs;
  auto r = decode_parameter(p, shape("metadata_query"), input);
  ASSERT_TRUE(r.value);
  EXPECT_EQ(*r.value, json::object());
  p.required = false;  // an optional one stays absent, so has_reference's own `required` does not fire
  r = decode_parameter(p, shape("has_reference"), input);
  EXPECT_FALSE(r.value);
  p.required = true;
  p.name = "page";  // not an object: absent, so the caller reports the missing required parameter
  r = decode_parameter(p, shape("int"), input);
  EXPECT_FALSE(r.value);
}

TEST_F(param_decode_test, claims_keys) {
  EXPECT_TRUE(parameter_claims_key(shape("int"), "form", true, "page", "page"));
  EXPECT_FALSE(parameter_claims_key(shape("int"), "form", true, "page", "pages"));
  EXPECT_TRUE(parameter_claims_key(shape("filter"), "deepObject", true, "f", "f[a]"));
  EXPECT_FALSE(parameter_claims_key(shape("filter"), "deepObject", true, "f", "g[a]"));
  EXPECT_TRUE(parameter_claims_key(shape("metadata_query"), "form", true, "query", "pageSize"));
  EXPECT_FALSE(parameter_claims_key(shape("metadata_query"), "form", true, "query", "other"));
  EXPECT_FALSE(parameter_claims_key(shape("metadata_query"), "form", false, "query", "pageSize"));
  EXPECT_TRUE(parameter_claims_key(shape("open_object"), "form", true, "q", "anything"));
}

TEST_F(param_decode_test, style_checks_for_lint) {
  EXPECT_FALSE(check_param_style(shape("str"), path, "simple", false));
  EXPECT_FALSE(check_param_style(shape("str"), path, "matrix", true));
  EXPECT_FALSE(check_param_style(shape("rgb"), query, "deepObject", true));
  EXPECT_TRUE(check_param_style(shape("str"), query, "label", false));
  EXPECT_TRUE(check_param_style(shape("str"), header, "form", true));
  EXPECT_TRUE(check_param_style(shape("str"), cookie, "simple", false));
  EXPECT_TRUE(check_param_style(shape("str"), query, "Form", true));
  EXPECT_TRUE(check_param_style(shape("rgb"), query, "deepObject", false));
  EXPECT_TRUE(check_param_style(shape("str"), query, "deepObject", true));
}

// Every parameter of Kibana's document gets a shape without trouble, and the
// exploded `query` object of GET /api/endpoint/metadata decodes its keys.
TEST(param_decode_kibana, every_parameter_of_the_document) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  auto loaded = load_openapi_file(specgate::testing::kibana_spec_path());
  ASSERT_TRUE(loaded.docs);
  const document_set& docs = *loaded.docs;
  const document& doc = docs.root();
  std::size_t count = 0, typed = 0;
  const param_shape* metadata = nullptr;
  std::vector<param_shape> keep;
  keep.reserve(4096);
  for (auto path = doc.root()["paths"].begin(); path != doc.root()["paths"].end(); ++path) {
    const std::string path_ptr = pointer_append("/paths", path.key());
    for (auto op = path->begin(); op != path->end(); ++op) {
      if (!op->is_object() || !op->contains("parameters")) continue;
      const json& params = (*op)["parameters"];
      for (std::size_t i = 0; i < params.size(); ++i) {
        const std::string ptr = pointer_append(pointer_append(pointer_append(path_ptr, op.key()), "parameters"),
                                               std::to_string(i));
        const resolved_node r = docs.deref(doc, &params[i], ptr);
        ASSERT_TRUE(r.node) << ptr;
        keep.push_back(make_parameter_shape(resolver_of(docs), *r.doc, *r.node, r.pointer));
        ++count;
        typed += keep.back().types != jt::any;
        if (path.key() == "/api/endpoint/metadata" && op.key() == "get" && (*r.node)["name"] == "query")
          metadata = &keep.back();
      }
    }
  }
  EXPECT_GT(count, 600u);
  EXPECT_GT(typed, count * 9 / 10);
  ASSERT_TRUE(metadata);
  const auto pairs = parse_query("page=2&pageSize=20&kuery=united.endpoint.host.os.name%3A%22Windows%22");
  raw_param_input input;
  input.pairs = pairs.pairs;
  const auto r = decode_parameter(*metadata, "form", true, query, "query", input);
  ASSERT_TRUE(r.value);
  EXPECT_EQ((*r.value)["page"], 2);
  EXPECT_EQ((*r.value)["pageSize"], 20);
  EXPECT_EQ((*r.value)["kuery"], "united.endpoint.host.os.name:\"Windows\"");
}

}  // namespace
}  // namespace specgate::validator
