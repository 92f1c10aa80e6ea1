#include "validator/document/document.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace specgate::validator {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<const document> parse_ok(std::string_view text) {
  parse_result r = parse_document(text, "test.yaml");
  EXPECT_NE(r.doc, nullptr);
  for (const auto& p : r.problems) ADD_FAILURE() << p.to_string();
  return r.doc;
}

// The value of `v: <text>`.
json scalar(const std::string& text) {
  auto doc = parse_ok("v: " + text + "\n");
  return doc ? doc->root().at("v") : json();
}

// ---------------------------------------------------------------- scalars

struct scalar_case {
  const char* text;
  json expected;
};

TEST(ParseDocument, ScalarTypingFollowsTheYaml12CoreSchema) {
  const double inf = std::numeric_limits<double>::infinity();
  const scalar_case cases[] = {
      // Quoted scalars are always strings.
      {"'200'", "200"},
      {"\"200\"", "200"},
      {"'true'", "true"},
      {"'null'", "null"},
      {"\"\"", ""},
      // null
      {"~", nullptr},
      {"null", nullptr},
      {"Null", nullptr},
      {"NULL", nullptr},
      {"", nullptr},
      {"nULL", "nULL"},
      // bool: only true/false spellings; YAML 1.1 words are strings.
      {"true", true},
      {"True", true},
      {"TRUE", true},
      {"false", false},
      {"False", false},
      {"FALSE", false},
      {"tRUE", "tRUE"},
      {"yes", "yes"},
      {"no", "no"},
      {"on", "on"},
      {"off", "off"},
      {"Yes", "Yes"},
      {"y", "y"},
      {"n", "n"},
      // int
      {"200", 200},
      {"0", 0},
      {"-5", -5},
      {"+5", 5},
      {"012", 12},  // YAML 1.2: decimal, not octal
      {"0o17", 15},
      {"0x1F", 31},
      {"0xff", 255},
      {"0o", "0o"},
      {"0x", "0x"},
      {"0o8", "0o8"},
      {"0xG", "0xG"},
      {"1_000", "1_000"},
      {"9223372036854775807", std::numeric_limits<std::int64_t>::max()},
      {"-9223372036854775808", std::numeric_limits<std::int64_t>::min()},
      {"18446744073709551615", std::numeric_limits<std::uint64_t>::max()},
      {"18446744073709551616", 18446744073709551616.0},
      {"-9223372036854775809", -9223372036854775809.0},
      {"123456789012345678901234567890", 123456789012345678901234567890.0},
      {"0x1FFFFFFFFFFFFFFFF", 36893488147419103231.0},
      // float
      {"1.5", 1.5},
      {"-1.5", -1.5},
      {"+1.5", 1.5},
      {".5", 0.5},
      {"1.", 1.0},
      {"1e3", 1000.0},
      {"1.5E-2", 0.015},
      {"-2.5e+2", -250.0},
      {"1e400", inf},
      {".inf", inf},
      {".Inf", inf},
      {".INF", inf},
      {"+.inf", inf},
      {"-.inf", -inf},
      {"-.Inf", -inf},
      {".iNf", ".iNf"},
      {"1e", "1e"},
      {"1.2.3", "1.2.3"},
      {"3.0.3", "3.0.3"},
      {".", "."},
      {"e3", "e3"},
      // Everything else is a string.
      {"2023-10-31", "2023-10-31"},
      {"12:30", "12:30"},
      {"hello world", "hello world"},
      {"application/json", "application/json"},
      // Explicit tags.
      {"!!str 200", "200"},
      {"!!str true", "true"},
      {"!!str", ""},
      {"!!int '42'", 42},
      {"!!int 0x10", 16},
      {"!!float 1", 1.0},
      {"!!float '2.5'", 2.5},
      {"!!bool 'true'", true},
      {"!!null ''", nullptr},
      {"! 200", "200"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string("v: ") + c.text);
    json got = scalar(c.text);
    // Integers compare as one kind here; signedness has its own test.
    const auto kind = [](const json& j) {
      return j.is_number_unsigned() ? json::value_t::number_integer : j.type();
    };
    EXPECT_EQ(kind(got), kind(c.expected)) << got.dump();
    EXPECT_EQ(got, c.expected);
  }
}

TEST(ParseDocument, NonNegativeIntegersAreUnsignedLikeNlohmannsParser) {
  EXPECT_TRUE(scalar("200").is_number_unsigned());
  EXPECT_TRUE(scalar("-1").is_number_integer());
  EXPECT_FALSE(scalar("-1").is_number_unsigned());
  EXPECT_EQ(scalar("200"), json::parse("200"));
}

TEST(ParseDocument, NanIsAFloat) {
  for (const char* text : {".nan", ".NaN", ".NAN"}) {
    json v = scalar(text);
    ASSERT_TRUE(v.is_number_float()) << text;
    EXPECT_TRUE(std::isnan(v.get<double>())) << text;
  }
  EXPECT_EQ(scalar(".nAn"), json(".nAn"));
}

TEST(ParseDocument, BadValueForExplicitTagIsAnErrorAndKeepsTheString) {
  parse_result r = parse_document("v: !!int abc\n", "t.yaml");
  ASSERT_NE(r.doc, nullptr);
  EXPECT_EQ(r.doc->root()["v"], "abc");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 1u);
  EXPECT_EQ(r.problems[0].column, 4u);
  EXPECT_THAT(r.problems[0].message, HasSubstr("!!int"));
}

TEST(ParseDocument, UnknownTagIsAWarning) {
  parse_result r = parse_document("v: !custom 12\n", "t.yaml");
  ASSERT_NE(r.doc, nullptr);
  EXPECT_EQ(r.doc->root()["v"], 12);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].level, severity::warning);
}

TEST(ParseDocument, MappingKeysAreStringsAsWritten) {
  auto doc = parse_ok("200: ok\n'201': created\ntrue: t\nnull: n\n1.50: f\n0x1F: h\n");
  ASSERT_NE(doc, nullptr);
  const json expected = {{"200", "ok"}, {"201", "created"}, {"true", "t"},
                         {"null", "n"}, {"1.50", "f"},      {"0x1F", "h"}};
  EXPECT_EQ(doc->root(), expected);
}

TEST(ParseDocument, BlockScalarsAndQuotingKeepText) {
  auto doc = parse_ok("a: |\n  line 1\n  line 2\nb: >-\n  folded\n  text\nc: 'it''s'\nd: \"tab\\tq\\\"\"\n");
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(doc->root()["a"], "line 1\nline 2\n");
  EXPECT_EQ(doc->root()["b"], "folded text");
  EXPECT_EQ(doc->root()["c"], "it's");
  EXPECT_EQ(doc->root()["d"], "tab\tq\"");
}

TEST(ParseDocument, EmptyInputIsANullDocument) {
  auto doc = parse_ok("");
  ASSERT_NE(doc, nullptr);
  EXPECT_TRUE(doc->root().is_null());
  doc = parse_ok("# only a comment\n");
  ASSERT_NE(doc, nullptr);
  EXPECT_TRUE(doc->root().is_null());
}

// ---------------------------------------------------------------- positions

TEST(ParseDocument, PositionsOfNestedArrayElementsAndMapValues) {
  const char* text =
      "a:\n"                       // 1
      "  - x\n"                    // 2
      "  - [1, 2, [3, 4]]\n"       // 3
      "  - k: v\n"                 // 4
      "    list:\n"                // 5
      "      - p\n"                // 6
      "      - - q\n"              // 7
      "        - r\n"              // 8
      "b: {c: [10, 20], d: e}\n";  // 9
  auto doc = parse_ok(text);
  ASSERT_NE(doc, nullptr);
  struct expect {
    const char* pointer;
    std::uint32_t line, column;
  };
  const expect cases[] = {
      {"", 1, 1},           {"/a", 2, 3},          {"/a/0", 2, 5},        {"/a/1", 3, 5},
      {"/a/1/0", 3, 6},     {"/a/1/1", 3, 9},      {"/a/1/2", 3, 12},     {"/a/1/2/0", 3, 13},
      {"/a/1/2/1", 3, 16},  {"/a/2", 4, 5},        {"/a/2/k", 4, 8},      {"/a/2/list", 6, 7},
      {"/a/2/list/0", 6, 9}, {"/a/2/list/1", 7, 9}, {"/a/2/list/1/0", 7, 11}, {"/a/2/list/1/1", 8, 11},
      {"/b", 9, 4},         {"/b/c", 9, 8},        {"/b/c/0", 9, 9},      {"/b/c/1", 9, 13},
      {"/b/d", 9, 21},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.pointer);
    const json* node = doc->find(c.pointer);
    ASSERT_NE(node, nullptr);
    source_position pos = doc->position_of(node);
    EXPECT_EQ(pos.line, c.line);
    EXPECT_EQ(pos.column, c.column);
  }
}

TEST(ParseDocument, PositionsSurviveArrayGrowth) {
  // Enough elements to make every vector reallocate several times, with
  // containers as elements so their children's addresses are exercised too.
  std::string text = "items:\n";
  for (int i = 0; i < 300; ++i)
    text += "  - {id: " + std::to_string(i) + ", tags: [a, b]}\n";
  auto doc = parse_ok(text);
  ASSERT_NE(doc, nullptr);
  const json& items = doc->root()["items"];
  ASSERT_EQ(items.size(), 300u);
  for (std::uint32_t i = 0; i < 300; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(doc->position_of(&items[i]).line, i + 2);
    EXPECT_EQ(doc->position_of(&items[i]).column, 5u);
    EXPECT_EQ(doc->position_of(&items[i]["id"]).column, 10u);
    EXPECT_EQ(doc->position_of(&items[i]["tags"][1]).line, i + 2);
  }
}

void expect_every_node_has_a_position(const document& doc) {
  std::size_t nodes = 0, missing = 0;
  std::function<void(const json&, const std::string&)> walk = [&](const json& n, const std::string& p) {
    ++nodes;
    if (doc.position_of(&n).line == 0 && missing++ < 5) ADD_FAILURE() << "no position for " << p;
    if (n.is_object())
      for (const auto& [k, v] : n.items()) walk(v, pointer_append(p, k));
    else if (n.is_array())
      for (std::size_t i = 0; i < n.size(); ++i) walk(n[i], p + "/" + std::to_string(i));
  };
  walk(doc.root(), "");
  EXPECT_EQ(missing, 0u) << "of " << nodes << " nodes";
}

TEST(ParseDocument, EveryNodeHasAPosition) {
  auto doc = parse_ok("a: [1, {b: [2, [3, {c: 4}]]}]\nd:\n  - - - 5\n  - e: &x {f: [6]}\n    g: *x\n");
  ASSERT_NE(doc, nullptr);
  expect_every_node_has_a_position(*doc);
}

TEST(ParseDocument, PositionAtMissingNodeIsItsNearestAncestor) {
  auto doc = parse_ok("a:\n  b:\n    c: 1\n");
  ASSERT_NE(doc, nullptr);
  source_position pos = doc->position_at("/a/b/nope/deeper");
  EXPECT_EQ(pos.line, 3u);
  EXPECT_EQ(pos.column, 5u);
  pos = doc->position_at("/a/b/c");
  EXPECT_EQ(pos.line, 3u);
  EXPECT_EQ(pos.column, 8u);
}

TEST(ParseDocument, ColumnsCountCharactersNotBytes) {
  auto doc = parse_ok("é: [ü, x]\n");
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(doc->position_at("/é/1").column, 8u);
}

// ---------------------------------------------------------------- anchors

TEST(ParseDocument, AnAliasIsACopyOfItsAnchoredNode) {
  const char* text =
      "base: &b\n"        // 1
      "  x: 1\n"          // 2
      "  y: [1, 2]\n"     // 3
      "name: &n hello\n"  // 4
      "copy: *b\n"        // 5
      "list: [*n, *b]\n"; // 6
  auto doc = parse_ok(text);
  ASSERT_NE(doc, nullptr);
  const json& root = doc->root();
  EXPECT_EQ(root["copy"], root["base"]);
  EXPECT_EQ(root["list"][0], "hello");
  EXPECT_EQ(root["list"][1], root["base"]);
  // The copy itself sits at the alias; its insides point at the anchored text.
  EXPECT_EQ(doc->position_at("/copy").line, 5u);
  EXPECT_EQ(doc->position_at("/copy").column, 7u);
  EXPECT_EQ(doc->position_at("/copy/y/1").line, 3u);
  EXPECT_EQ(doc->position_at("/copy/y/1").column, 10u);
  EXPECT_EQ(doc->position_at("/list/1").line, 6u);
  EXPECT_EQ(doc->position_at("/list/1/x").line, 2u);
  expect_every_node_has_a_position(*doc);
}

TEST(ParseDocument, UndefinedOrRecursiveAliasIsAnError) {
  parse_result r = parse_document("a: *nope\n", "t.yaml");
  ASSERT_NE(r.doc, nullptr);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0].message, HasSubstr("*nope"));
  EXPECT_TRUE(r.doc->root()["a"].is_null());

  r = parse_document("a: &x\n  b: *x\n", "t.yaml");
  ASSERT_NE(r.doc, nullptr);
  EXPECT_EQ(r.problems.size(), 1u);
}

// ---------------------------------------------------------------- problems

TEST(ParseDocument, DuplicateKeyIsAnErrorAndTheFirstValueIsKept) {
  parse_result r = parse_document("a: 1\nb:\n  c: [1]\n  c: {d: [2, {e: 3}]}\na: 2\n", "t.yaml");
  ASSERT_NE(r.doc, nullptr);
  EXPECT_EQ(r.doc->root(), json::parse(R"({"a": 1, "b": {"c": [1]}})"));
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_EQ(r.problems[0].to_string(),
            "t.yaml:4:3: error: duplicate key 'c' in mapping: the first value is kept, this one "
            "is ignored [at /b/c]");
  EXPECT_EQ(r.problems[1].line, 5u);
  EXPECT_EQ(r.problems[1].column, 1u);
  expect_every_node_has_a_position(*r.doc);
}

TEST(ParseDocument, SyntaxErrorHasLibyamlsProblemLineAndColumn) {
  parse_result r = parse_document("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml");
  EXPECT_EQ(r.doc, nullptr);
  ASSERT_EQ(r.problems.size(), 1u);
  const diagnostic& d = r.problems[0];
  EXPECT_EQ(d.file, "bad.yaml");
  EXPECT_EQ(d.level, severity::error);
  EXPECT_THAT(d.message, HasSubstr("YAML syntax error"));
  EXPECT_EQ(d.line, 3u);
  EXPECT_EQ(d.column, 2u);

  r = parse_document("key: value\n  bad: indent\n", "bad.yaml");
  EXPECT_EQ(r.doc, nullptr);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].to_string(),
            "bad.yaml:2:6: error: YAML syntax error: mapping values are not allowed in this "
            "context");
}

TEST(ParseDocument, NonUtf8InputIsAnError) {
  parse_result r = parse_document("a: ok\nb: caf\xE9\n", "latin1.yaml");
  EXPECT_EQ(r.doc, nullptr);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0].message, HasSubstr("not valid UTF-8"));
  EXPECT_EQ(r.problems[0].line, 2u);
  EXPECT_EQ(r.problems[0].column, 7u);

  // UTF-16 (with its BOM) is not accepted either.
  const char utf16[] = "\xFF\xFE" "a\0:\0 \0" "1\0";
  r = parse_document(std::string_view(utf16, sizeof utf16 - 1), "utf16.yaml");
  EXPECT_EQ(r.doc, nullptr);
  ASSERT_FALSE(r.problems.empty());
  EXPECT_THAT(r.problems[0].message, HasSubstr("UTF-8"));

  // A UTF-8 BOM is fine.
  r = parse_document("\xEF\xBB\xBF" "a: 1\n", "bom.yaml");
  ASSERT_NE(r.doc, nullptr);
  EXPECT_EQ(r.doc->root()["a"], 1);
}

TEST(ParseDocument, MoreThanOneDocumentIsAnError) {
  parse_result r = parse_document("a: 1\n---\nb: 2\n", "multi.yaml");
  ASSERT_FALSE(r.problems.empty());
  EXPECT_EQ(r.problems[0].level, severity::error);
  EXPECT_THAT(r.problems[0].message, HasSubstr("more than one YAML document"));
  EXPECT_EQ(r.problems[0].line, 2u);
}

TEST(ParseDocument, ComplexKeyIsAnError) {
  parse_result r = parse_document("? [a, b]\n: c\nd: e\n", "t.yaml");
  ASSERT_NE(r.doc, nullptr);
  EXPECT_EQ(r.doc->root(), json::parse(R"({"d": "e"})"));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 1u);
}

TEST(ParseDocument, DeepNestingIsAnErrorNotACrash) {
  std::string text(5000, '[');
  text += std::string(5000, ']');
  parse_result r = parse_document(text, "deep.yaml");
  EXPECT_EQ(r.doc, nullptr);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0].message, HasSubstr("nesting deeper than"));
}

TEST(ParseFile, MissingFileIsADiagnostic) {
  parse_result r = parse_file("/nonexistent/specgate.yaml");
  EXPECT_EQ(r.doc, nullptr);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].file, "/nonexistent/specgate.yaml");
  EXPECT_THAT(r.problems[0].message, HasSubstr("cannot open"));
}

// ---------------------------------------------------------------- JSON input

TEST(ParseDocument, JsonInputIsTypedAndPositioned) {
  const char* text =
      "{\n"
      "  \"openapi\": \"3.0.3\",\n"
      "  \"status\": {\"200\": 200, \"s\": \"200\"},\n"
      "  \"list\":[1,-2.5e1,true,null,\"a\\/b\\u00e9\"],\n"
      "  \"big\": 18446744073709551615\n"
      "}\n";
  auto doc = parse_ok(text);
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(doc->root(), json::parse(text));
  EXPECT_EQ(doc->position_at("/status/s").line, 3u);
  EXPECT_EQ(doc->position_at("/status/s").column, 31u);
  EXPECT_EQ(doc->position_at("/list/4").line, 4u);
  EXPECT_EQ(doc->position_at("/list/4").column, 30u);
  EXPECT_EQ(doc->position_at("/big").column, 10u);
}

TEST(ParseDocument, MinifiedJsonOnOneLine) {
  std::string text = R"({"a":[)";
  for (int i = 0; i < 200; ++i) text += std::string(i ? "," : "") + R"({"k":"v)" + std::to_string(i) + R"("})";
  text += "]}";
  auto doc = parse_ok(text);
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(doc->root(), json::parse(text));
  EXPECT_EQ(doc->position_at("/a/0").column, 7u);
  EXPECT_EQ(doc->position_at("/a/0/k").column, 12u);
}

// ---------------------------------------------------------------- pointers

TEST(Pointer, EscapeAppendSplit) {
  EXPECT_EQ(escape_pointer_token("a/b~c"), "a~1b~0c");
  EXPECT_EQ(pointer_append("/paths", "/api/x"), "/paths/~1api~1x");
  EXPECT_EQ(pointer_append("", ""), "/");
  auto tokens = split_pointer("/paths/~1api~1x/~01");
  ASSERT_TRUE(tokens);
  EXPECT_EQ(*tokens, (std::vector<std::string>{"paths", "/api/x", "~1"}));
  EXPECT_EQ(split_pointer("")->size(), 0u);
  EXPECT_EQ(*split_pointer("/"), std::vector<std::string>{""});
  EXPECT_EQ(*split_pointer("/a//b"), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_FALSE(split_pointer("a/b"));
  EXPECT_FALSE(split_pointer("/a~2"));
  EXPECT_FALSE(split_pointer("/a~"));
}

TEST(Pointer, FindFollowsRfc6901) {
  auto doc = parse_ok("paths:\n  /api/x: 1\n  a~b: 2\n  '': 3\nlist: [a, b]\n");
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(doc->find(""), &doc->root());
  EXPECT_EQ(*doc->find("/paths/~1api~1x"), 1);
  EXPECT_EQ(*doc->find("/paths/a~0b"), 2);
  EXPECT_EQ(*doc->find("/paths/"), 3);
  EXPECT_EQ(*doc->find("/list/1"), "b");
  EXPECT_EQ(doc->find("/list/01"), nullptr);
  EXPECT_EQ(doc->find("/list/2"), nullptr);
  EXPECT_EQ(doc->find("/list/-"), nullptr);
  EXPECT_EQ(doc->find("/list/0/x"), nullptr);
  EXPECT_EQ(doc->find("paths"), nullptr);
  EXPECT_EQ(doc->find("/paths/a~2b"), nullptr);
}

TEST(Diagnostic, ToStringAndMakeDiagnostic) {
  auto doc = parse_ok("a:\n  b: 1\n");
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(doc->make_diagnostic("/a/b", "bad b").to_string(), "test.yaml:2:6: error: bad b [at /a/b]");
  EXPECT_EQ(doc->make_diagnostic("", "root", severity::warning).to_string(),
            "test.yaml:1:1: warning: root");
  diagnostic no_position;
  no_position.file = "x.yaml";
  no_position.message = "cannot open";
  EXPECT_EQ(no_position.to_string(), "x.yaml: error: cannot open");
}

TEST(Diagnostic, SortByFileOrderThenPosition) {
  diagnostics d = {file_diagnostic("b.yaml", 1, 1, "", "1", severity::error),
                   file_diagnostic("a.yaml", 3, 1, "", "2", severity::error),
                   file_diagnostic("a.yaml", 2, 5, "", "3", severity::warning),
                   file_diagnostic("a.yaml", 2, 1, "", "4", severity::error),
                   file_diagnostic("main.yaml", 9, 9, "", "5", severity::error)};
  sort_diagnostics(d, {"main.yaml"});
  std::string order;
  for (const auto& x : d) order += x.message;
  EXPECT_EQ(order, "54321");
  EXPECT_TRUE(has_errors(d));
  EXPECT_FALSE(has_errors({file_diagnostic("a", 0, 0, "", "w", severity::warning)}));
}

// ---------------------------------------------------------------- Kibana

TEST(ParseDocument, KibanaDocumentParsesWithEveryNodePositioned) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  const auto start = std::chrono::steady_clock::now();
  parse_result r = parse_file(specgate::testing::kibana_spec_path());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_NE(r.doc, nullptr);
  for (const auto& p : r.problems) ADD_FAILURE() << p.to_string();
  std::printf("[ info     ] Kibana's document parsed in %.1f ms\n",
              std::chrono::duration<double, std::milli>(elapsed).count());
  EXPECT_EQ(r.doc->root()["openapi"], "3.0.3");
  expect_every_node_has_a_position(*r.doc);
}

}  // namespace
}  // namespace specgate::validator
