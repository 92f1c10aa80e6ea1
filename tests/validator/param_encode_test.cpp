// Parameter serialisation: OpenAPI 3.0.3's "Style Examples" text for every
// style, percent-encoding, and the round trip through the request check's own
// decoder (encode, then decode_parameter gives the value back).
#include "validator/contract/param_encode.h"

#include <gtest/gtest.h>

#include <array>

#include "validator/contract/contract.h"
#include "validator/contract/param_decode.h"
#include "validator/text_util.h"

namespace specgate::validator {
namespace {

const json five = 5;
const json blue = "blue";
const json list = json::array({"blue", "black", "brown"});
const json rgb = json::parse(R"({"R":100,"G":200,"B":150})");  // nlohmann orders keys: B, G, R

std::string enc(param_location in, std::string_view style, bool explode, const json& v) {
  return encode_parameter(in, style, explode, "color", v);
}

TEST(param_encode, path_styles_follow_the_openapi_style_examples) {
  using enum param_location;
  EXPECT_EQ(enc(path, "simple", false, blue), "blue");
  EXPECT_EQ(enc(path, "simple", false, list), "blue,black,brown");
  EXPECT_EQ(enc(path, "simple", true, list), "blue,black,brown");
  EXPECT_EQ(enc(path, "simple", false, rgb), "B,150,G,200,R,100");
  EXPECT_EQ(enc(path, "simple", true, rgb), "B=150,G=200,R=100");
  EXPECT_EQ(enc(path, "label", false, blue), ".blue");
  EXPECT_EQ(enc(path, "label", false, list), ".blue,black,brown");
  EXPECT_EQ(enc(path, "label", true, list), ".blue.black.brown");
  EXPECT_EQ(enc(path, "label", false, rgb), ".B,150,G,200,R,100");
  EXPECT_EQ(enc(path, "label", true, rgb), ".B=150.G=200.R=100");
  EXPECT_EQ(enc(path, "matrix", false, blue), ";color=blue");
  EXPECT_EQ(enc(path, "matrix", false, list), ";color=blue,black,brown");
  EXPECT_EQ(enc(path, "matrix", true, list), ";color=blue;color=black;color=brown");
  EXPECT_EQ(enc(path, "matrix", false, rgb), ";color=B,150,G,200,R,100");
  EXPECT_EQ(enc(path, "matrix", true, rgb), ";B=150;G=200;R=100");
  EXPECT_EQ(enc(path, "simple", false, five), "5");
  // A style the path does not allow encodes as simple, as the decoder reads it.
  EXPECT_EQ(enc(path, "form", true, list), "blue,black,brown");
}

TEST(param_encode, query_styles_follow_the_openapi_style_examples) {
  using enum param_location;
  EXPECT_EQ(enc(query, "form", true, blue), "color=blue");
  EXPECT_EQ(enc(query, "form", true, list), "color=blue&color=black&color=brown");
  EXPECT_EQ(enc(query, "form", false, list), "color=blue,black,brown");
  EXPECT_EQ(enc(query, "form", true, rgb), "B=150&G=200&R=100");
  EXPECT_EQ(enc(query, "form", false, rgb), "color=B,150,G,200,R,100");
  EXPECT_EQ(enc(query, "spaceDelimited", false, list), "color=blue%20black%20brown");
  EXPECT_EQ(enc(query, "pipeDelimited", false, list), "color=blue%7Cblack%7Cbrown");
  EXPECT_EQ(enc(query, "spaceDelimited", true, list), "color=blue&color=black&color=brown");
  EXPECT_EQ(enc(query, "deepObject", true, rgb), "color%5BB%5D=150&color%5BG%5D=200&color%5BR%5D=100");
  // An empty array still sends its key (read back as []); an empty exploded object sends nothing.
  EXPECT_EQ(enc(query, "form", true, json::array()), "color=");
  EXPECT_EQ(enc(query, "form", true, json::object()), "");
  // A form-exploded object's array property repeats its key.
  EXPECT_EQ(enc(query, "form", true, json::parse(R"({"tags":["a","b"],"page":1})")), "page=1&tags=a&tags=b");
  // Nested structures travel as JSON text (Kibana's config-schema parses it).
  EXPECT_EQ(enc(query, "form", true, json::parse(R"([{"id":"a"}])")), "color=%7B%22id%22%3A%22a%22%7D");
}

TEST(param_encode, header_and_cookie_styles) {
  using enum param_location;
  EXPECT_EQ(enc(header, "simple", false, list), "blue,black,brown");
  EXPECT_EQ(enc(header, "simple", false, rgb), "B,150,G,200,R,100");
  EXPECT_EQ(enc(header, "simple", true, rgb), "B=150,G=200,R=100");
  EXPECT_EQ(enc(header, "simple", false, json("a b/c")), "a b/c");  // headers are not percent-encoded
  EXPECT_EQ(enc(cookie, "form", true, blue), "color=blue");
  EXPECT_EQ(enc(cookie, "form", false, list), "color=blue,black,brown");
  EXPECT_EQ(enc(cookie, "form", true, list), "color=blue; color=black; color=brown");
  EXPECT_EQ(enc(cookie, "form", true, rgb), "B=150; G=200; R=100");
}

TEST(param_encode, values_are_percent_encoded_and_delimiters_are_not) {
  using enum param_location;
  EXPECT_EQ(enc(path, "simple", false, json("a/b c%")), "a%2Fb%20c%25");
  EXPECT_EQ(enc(path, "simple", false, json::array({"a,b", "c"})), "a%2Cb,c");
  EXPECT_EQ(enc(query, "form", true, json("x&y=z+é")), "color=x%26y%3Dz%2B%C3%A9");
  EXPECT_EQ(enc(cookie, "form", true, json("a; b")), "color=a%3B%20b");
  EXPECT_EQ(enc(query, "form", true, json(true)), "color=true");
  EXPECT_EQ(enc(query, "form", true, json(nullptr)), "color=null");
  EXPECT_EQ(scalar_text(json(1.5)), "1.5");
  EXPECT_EQ(scalar_text(json("x")), "x");
  EXPECT_EQ(percent_encode("a(b)!*'~", "!*'()"), "a(b)!*'~");  // encodeURIComponent's set
  EXPECT_EQ(percent_encode("a(b)!*'~"), "a%28b%29%21%2A%27~");
}

TEST(param_encode, json_content_travels_as_one_json_text) {
  const json v = json::parse(R"({"type":"t","id":"1"})");
  EXPECT_EQ(encode_parameter(param_location::query, "form", true, "ref", v, true),
            "ref=%7B%22id%22%3A%221%22%2C%22type%22%3A%22t%22%7D");
  EXPECT_EQ(encode_parameter(param_location::header, "simple", false, "ref", v, true), R"({"id":"1","type":"t"})");
}

// Every style of every location, encoded and decoded back by the request check's decoder.
constexpr const char* round_trip_yaml = R"(
openapi: 3.0.3
info: {title: t, version: '1'}
components:
  schemas:
    int: {type: integer}
    list: {type: array, items: {type: string}}
    ints: {type: array, items: {type: integer}}
    rgb: {type: object, properties: {R: {type: integer}, G: {type: integer}, B: {type: string}}}
paths:
  /p/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}:
    get:
      parameters:
        - {name: a, in: path, required: true, schema: {$ref: '#/components/schemas/int'}}
        - {name: b, in: path, required: true, style: label, schema: {$ref: '#/components/schemas/list'}}
        - {name: c, in: path, required: true, style: label, explode: true, schema: {$ref: '#/components/schemas/list'}}
        - {name: d, in: path, required: true, style: matrix, schema: {$ref: '#/components/schemas/ints'}}
        - {name: e, in: path, required: true, style: matrix, explode: true, schema: {$ref: '#/components/schemas/list'}}
        - {name: f, in: path, required: true, schema: {$ref: '#/components/schemas/rgb'}}
        - {name: g, in: path, required: true, explode: true, schema: {$ref: '#/components/schemas/rgb'}}
        - {name: h, in: path, required: true, style: matrix, explode: true, schema: {$ref: '#/components/schemas/rgb'}}
        - {name: i, in: path, required: true, style: label, schema: {$ref: '#/components/schemas/rgb'}}
        - {name: q1, in: query, schema: {$ref: '#/components/schemas/ints'}}
        - {name: q2, in: query, explode: false, schema: {$ref: '#/components/schemas/list'}}
        - {name: q3, in: query, style: spaceDelimited, explode: false, schema: {$ref: '#/components/schemas/list'}}
        - {name: q4, in: query, style: pipeDelimited, explode: false, schema: {$ref: '#/components/schemas/ints'}}
        - {name: q5, in: query, style: deepObject, explode: true, schema: {$ref: '#/components/schemas/rgb'}}
        - {name: q6, in: query, explode: false, schema: {$ref: '#/components/schemas/rgb'}}
        - {name: q7, in: query, schema: {$ref: '#/components/schemas/rgb'}}
        - {name: q8, in: query, content: {application/json: {schema: {$ref: '#/components/schemas/rgb'}}}}
        - {name: h1, in: header, schema: {$ref: '#/components/schemas/ints'}}
        - {name: h2, in: header, explode: true, schema: {$ref: '#/components/schemas/rgb'}}
        - {name: k1, in: cookie, schema: {$ref: '#/components/schemas/int'}}
        - {name: k2, in: cookie, explode: false, schema: {$ref: '#/components/schemas/list'}}
      responses: {'200': {description: ok}}
)";

TEST(param_encode, every_style_reads_back_through_the_decoder) {
  auto built = load_contract_text(round_trip_yaml, "round_trip.yaml");
  ASSERT_TRUE(built.value);
  const operation& op = built.value->operations().at(0);
  const json values[] = {json(42),
                         json::array({"a b", "c/d"}),
                         json::array({"x", "y"}),
                         json::array({3, 4, 5}),
                         json::array({"u", "v"}),
                         json::parse(R"({"R":1,"G":2,"B":"x y"})"),
                         json::parse(R"({"R":1,"G":2,"B":"b"})"),
                         json::parse(R"({"R":7,"G":8,"B":"c"})"),
                         json::parse(R"({"R":9,"G":0,"B":"d"})"),
                         json::array({1, 2}),
                         json::array({"a", "b c"}),
                         json::array({"a", "b"}),
                         json::array({1, 2, 3}),
                         json::parse(R"({"R":1,"B":"q"})"),
                         json::parse(R"({"R":1,"G":2,"B":"w"})"),
                         json::parse(R"({"R":3,"B":"z"})"),
                         json::parse(R"({"R":3,"G":4,"B":"j"})"),
                         json::array({7, 8}),
                         json::parse(R"({"R":1,"G":2,"B":"h"})"),
                         json(12),
                         json::array({"s", "t"})};
  ASSERT_EQ(op.parameters.size(), std::size(values));
  for (std::size_t i = 0; i < op.parameters.size(); ++i) {
    const parameter& p = op.parameters[i];
    const json& value = values[i];
    SCOPED_TRACE(p.name + " (" + p.style + (p.explode ? ", explode" : "") + ")");
    const std::string text = encode_parameter(p, value);
    raw_param_input input;
    input.other_names = p.siblings;
    parsed_pairs pairs;
    std::string segment;
    std::array<std::string_view, 1> header{text};
    switch (p.in) {
      case param_location::path:
        ASSERT_TRUE(percent_decode(text, segment)) << text;
        input.path_value = segment;
        break;
      case param_location::query: pairs = parse_query(text); input.pairs = pairs.pairs; break;
      case param_location::cookie: pairs = parse_cookies(text); input.pairs = pairs.pairs; break;
      case param_location::header: input.header_values = header; break;
    }
    const decode_result decoded = decode_parameter(p, p.shape, input);
    ASSERT_TRUE(decoded.ok()) << text << ": " << decoded.error->message;
    ASSERT_TRUE(decoded.value) << text;
    EXPECT_EQ(*decoded.value, value) << text;
  }
}

}  // namespace
}  // namespace specgate::validator
