#include "validator/document/loader.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace specgate::validator {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

std::string data_dir() { return std::string(specgate::testing::paths::source_dir()) + "/tests/validator/data"; }

const char* const header =
    "openapi: 3.0.3\n"
    "info:\n"
    "  title: t\n"
    "  version: '1'\n";

load_result load_text(const std::string& body, std::string base_dir = {}) {
  return load_openapi_text(header + body, "spec.yaml", std::move(base_dir));
}

std::string all(const diagnostics& d) {
  std::string out;
  for (const auto& x : d) out += x.to_string() + "\n";
  return out;
}

const document* by_suffix(const document_set& set, const std::string& suffix) {
  for (const auto& d : set.documents())
    if (d->file().size() >= suffix.size() &&
        d->file().compare(d->file().size() - suffix.size(), suffix.size(), suffix) == 0)
      return d.get();
  return nullptr;
}

std::size_t error_count(const diagnostics& d) {
  std::size_t n = 0;
  for (const auto& x : d) n += x.level == severity::error;
  return n;
}

// ---------------------------------------------------------------- versions

TEST(LoadOpenapi, Version30IsAccepted) {
  for (const char* v : {"3.0.0", "3.0.3", "3.0.10"}) {
    load_result r = load_openapi_text(std::string("openapi: ") + v +
                                          "\ninfo: {title: t, version: '1'}\npaths: {}\n",
                                      "v.yaml");
    EXPECT_TRUE(r.ok()) << v << "\n" << all(r.problems);
    ASSERT_NE(r.docs, nullptr);
    EXPECT_EQ(r.docs->openapi_version(), v);
    EXPECT_EQ(r.docs->documents().size(), 1u);
    EXPECT_EQ(&r.docs->root(), r.docs->documents()[0].get());
  }
}

TEST(LoadOpenapi, Version31IsRefusedWithTheReason) {
  load_result r = load_openapi_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n", "v31.yaml");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.docs, nullptr);
  ASSERT_EQ(r.problems.size(), 1u);
  const diagnostic& d = r.problems[0];
  EXPECT_EQ(d.line, 1u);
  EXPECT_EQ(d.column, 10u);
  EXPECT_EQ(d.pointer, "/openapi");
  EXPECT_THAT(d.message, HasSubstr("OpenAPI 3.1.0 is not supported yet"));
  EXPECT_THAT(d.message, HasSubstr("JSON Schema 2020-12"));
}

TEST(LoadOpenapi, Swagger20IsRefused) {
  load_result r = load_openapi_text("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n", "sw.yaml");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.docs, nullptr);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0].message,
              HasSubstr("Swagger 2.0 is not supported; convert to OpenAPI 3.0"));
  EXPECT_EQ(r.problems[0].line, 1u);
}

TEST(LoadOpenapi, NonOpenapiDocumentIsRefused) {
  for (const char* text : {"name: not a spec\n", "[1, 2]\n", ""}) {
    load_result r = load_openapi_text(text, "other.yaml");
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.docs, nullptr);
    ASSERT_EQ(r.problems.size(), 1u) << text;
    EXPECT_THAT(r.problems[0].message, HasSubstr("not an OpenAPI document")) << text;
  }
  load_result r = load_openapi_text("name: x\n", "other.yaml");
  EXPECT_EQ(r.problems[0].to_string(), "other.yaml:1:1: error: not an OpenAPI document: no 'openapi' field");
}

TEST(LoadOpenapi, UnquotedOrUnknownVersionIsRefused) {
  load_result r = load_openapi_text("openapi: 3.0\ninfo: {title: t, version: '1'}\npaths: {}\n", "v.yaml");
  EXPECT_EQ(r.docs, nullptr);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0].message, HasSubstr("must be a string"));
  r = load_openapi_text("openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n", "v.yaml");
  EXPECT_EQ(r.docs, nullptr);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0].message, HasSubstr("specgate supports 3.0.x"));
}

TEST(LoadOpenapi, SyntaxErrorInEntryDocument) {
  load_result r = load_openapi_text("openapi: 3.0.3\npaths: [\n", "bad.yaml");
  EXPECT_EQ(r.docs, nullptr);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0].message, HasSubstr("YAML syntax error"));
}

// ---------------------------------------------------------------- structure

// Operations (missing `responses` and the like) are checked by the contract builder, which
// says what is served instead (contract_test, generality_test).
TEST(LoadOpenapi, StructureProblemsAreReportedButTheDocumentIsReturned) {
  load_result r = load_openapi_text(
      "openapi: 3.0.3\n"            // 1
      "info:\n"                     // 2
      "  title: 5\n"                // 3
      "paths:\n"                    // 4
      "  api/x:\n"                  // 5
      "    get:\n"                  // 6
      "      summary: no responses\n"  // 7
      "  /y: 3\n",                  // 8
      "s.yaml");
  EXPECT_FALSE(r.ok());
  ASSERT_NE(r.docs, nullptr);  // lint reports everything
  EXPECT_EQ(all(r.problems),
            "s.yaml:3:3: error: missing required 'info.version' [at /info]\n"
            "s.yaml:3:10: error: 'info.title' must be a string [at /info/title]\n"
            "s.yaml:6:5: error: path 'api/x' must begin with '/' [at /paths/api~1x]\n"
            "s.yaml:8:7: error: a path item must be an object [at /paths/~1y]\n");
}

TEST(LoadOpenapi, MissingPathsIsAnError) {
  load_result r = load_openapi_text("openapi: 3.0.3\n", "s.yaml");
  ASSERT_NE(r.docs, nullptr);
  EXPECT_EQ(error_count(r.problems), 2u) << all(r.problems);  // info and paths
}

// ---------------------------------------------------------------- local $refs

TEST(LoadOpenapi, LocalRefsWithEscapes) {
  load_result r = load_text(
      "paths:\n"
      "  /api/x:\n"
      "    get:\n"
      "      responses:\n"
      "        '200':\n"
      "          $ref: '#/components/responses/a~0b'\n"
      "  /api/{id}:\n"
      "    $ref: '#/paths/~1api~1x'\n"
      "  /api/y:\n"
      "    $ref: '#/paths/~1api~1%7Bid%7D'\n"
      "components:\n"
      "  responses:\n"
      "    a~b:\n"
      "      description: tilde\n"
      "    c d:\n"
      "      $ref: '#/components/responses/a~0b'\n"
      "    e:\n"
      "      $ref: '#/components/responses/c%20d'\n");
  ASSERT_TRUE(r.ok()) << all(r.problems);
  const document_set& set = *r.docs;
  auto target = set.resolve(set.root(), "#/paths/~1api~1%7Bid%7D");
  ASSERT_TRUE(target);
  // Chains are followed to the definition; the pointer is canonical.
  EXPECT_EQ(target->pointer, "/paths/~1api~1x");
  EXPECT_EQ(target->doc, &set.root());
  EXPECT_TRUE(target->node->contains("get"));

  target = set.resolve(set.root(), "#/components/responses/e");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->pointer, "/components/responses/a~0b");
  EXPECT_EQ((*target->node)["description"], "tilde");

  target = set.resolve(set.root(), "#/paths/~1api~1{id}");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->pointer, "/paths/~1api~1x");

  EXPECT_FALSE(set.resolve(set.root(), "#/components/responses/nope"));
  EXPECT_FALSE(set.resolve(set.root(), "#nope"));
}

TEST(LoadOpenapi, DerefReturnsTheNodeItselfWhenItIsNotARef) {
  load_result r = load_text(
      "paths: {}\n"
      "components:\n"
      "  schemas:\n"
      "    A: {type: string}\n"
      "    B: {$ref: '#/components/schemas/A'}\n");
  ASSERT_TRUE(r.ok()) << all(r.problems);
  const document& root = r.docs->root();
  const json* a = root.find("/components/schemas/A");
  resolved_node n = r.docs->deref(root, a, "/components/schemas/A");
  EXPECT_EQ(n.node, a);
  EXPECT_EQ(n.doc, &root);
  EXPECT_EQ(n.pointer, "/components/schemas/A");
  n = r.docs->deref(root, root.find("/components/schemas/B"), "/components/schemas/B");
  EXPECT_EQ(n.node, a);
  EXPECT_EQ(n.pointer, "/components/schemas/A");
}

TEST(LoadOpenapi, RecursiveSchemasAreFine) {
  load_result r = load_text(
      "paths: {}\n"
      "components:\n"
      "  schemas:\n"
      "    Node:\n"
      "      type: object\n"
      "      properties:\n"
      "        self: {$ref: '#/components/schemas/Node'}\n"
      "        children:\n"
      "          type: array\n"
      "          items: {$ref: '#/components/schemas/Node'}\n"
      "        other: {$ref: '#/components/schemas/Other'}\n"
      "    Other:\n"
      "      allOf:\n"
      "        - $ref: '#/components/schemas/Node'\n"
      "        - properties:\n"
      "            back: {$ref: '#/components/schemas/Other'}\n");
  EXPECT_TRUE(r.ok()) << all(r.problems);
  EXPECT_TRUE(r.problems.empty()) << all(r.problems);
  auto target = r.docs->resolve(r.docs->root(), "#/components/schemas/Node");
  ASSERT_TRUE(target);
  EXPECT_EQ((*target->node)["type"], "object");
}

TEST(LoadOpenapi, RefChainThatNeverReachesADefinitionIsAnError) {
  load_result r = load_text(
      "paths: {}\n"                                     // 5
      "components:\n"                                   // 6
      "  schemas:\n"                                    // 7
      "    A:\n"                                        // 8
      "      $ref: '#/components/schemas/B'\n"          // 9
      "    B:\n"                                        // 10
      "      $ref: '#/components/schemas/A'\n"          // 11
      "    C:\n"                                        // 12
      "      $ref: '#/components/schemas/A'\n"          // 13
      "    D:\n"                                        // 14
      "      $ref: '#/components/schemas/D'\n");        // 15
  EXPECT_FALSE(r.ok());
  ASSERT_NE(r.docs, nullptr);
  EXPECT_EQ(all(r.problems),
            "spec.yaml:9:13: error: $ref chain loops without reaching a definition: "
            "#/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A "
            "[at /components/schemas/A]\n"
            "spec.yaml:15:13: error: $ref chain loops without reaching a definition: "
            "#/components/schemas/D -> #/components/schemas/D [at /components/schemas/D]\n");
  EXPECT_FALSE(r.docs->resolve(r.docs->root(), "#/components/schemas/A"));
  EXPECT_FALSE(r.docs->resolve(r.docs->root(), "#/components/schemas/C"));
  const document& root = r.docs->root();
  resolved_node n = r.docs->deref(root, root.find("/components/schemas/C"), "/components/schemas/C");
  EXPECT_EQ(n.node, nullptr);
}

TEST(LoadOpenapi, DanglingRefIsAnErrorWithPositionAndPointer) {
  load_result r = load_text(
      "paths:\n"                                                // 5
      "  /a:\n"                                                 // 6
      "    get:\n"                                              // 7
      "      responses:\n"                                      // 8
      "        '200':\n"                                        // 9
      "          description: ok\n"                             // 10
      "          content:\n"                                    // 11
      "            application/json:\n"                         // 12
      "              schema:\n"                                 // 13
      "                $ref: '#/components/schemas/Missing'\n"  // 14
      "components:\n"
      "  schemas: {}\n");
  EXPECT_FALSE(r.ok());
  ASSERT_NE(r.docs, nullptr);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].to_string(),
            "spec.yaml:14:23: error: unresolvable $ref '#/components/schemas/Missing': no "
            "'Missing' in /components/schemas "
            "[at /paths/~1a/get/responses/200/content/application~1json/schema]");
}

TEST(LoadOpenapi, EveryProblemIsReportedInOrder) {
  load_result r = load_text(
      "paths:\n"                                      // 5
      "  /a:\n"                                       // 6
      "    get:\n"                                    // 7
      "      responses:\n"                            // 8
      "        '404': {$ref: '#/components/responses/Gone'}\n"  // 9
      "        '200':\n"                              // 10
      "          $ref: '#/nope/x'\n"                  // 11
      "        '500': {$ref: 'https://example.com/errors.yaml#/E'}\n"  // 12
      "        '501': {$ref: '#/components/responses/a~2'}\n"  // 13
      "        '502': {$ref: 5}\n"                    // 14
      "        '503': {$ref: '#/paths/~1a/get/responses/200/3'}\n"  // 15
      "components:\n"                                 // 16
      "  responses: {}\n");
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.problems.size(), 6u) << all(r.problems);
  EXPECT_EQ(r.problems[0].line, 9u);
  EXPECT_THAT(r.problems[0].message, HasSubstr("no 'Gone' in /components/responses"));
  EXPECT_EQ(r.problems[1].line, 11u);
  EXPECT_THAT(r.problems[1].message, HasSubstr("no 'nope' in the document root"));
  EXPECT_EQ(r.problems[2].line, 12u);
  EXPECT_THAT(r.problems[2].message, HasSubstr("remote references are not fetched"));
  EXPECT_EQ(r.problems[3].line, 13u);
  EXPECT_THAT(r.problems[3].message, HasSubstr("malformed reference"));
  EXPECT_EQ(r.problems[4].line, 14u);
  EXPECT_THAT(r.problems[4].message, HasSubstr("$ref must be a string"));
  EXPECT_EQ(r.problems[5].line, 15u);
}

TEST(LoadOpenapi, RefsInsideLiteralDataAreNotReferences) {
  load_result r = load_text(
      "paths: {}\n"
      "components:\n"
      "  schemas:\n"
      "    A:\n"
      "      type: object\n"
      "      properties:\n"
      "        $ref: {type: string}\n"        // a property named $ref
      "        example: {$ref: '#/components/schemas/B'}\n"  // a property named example
      "        default: {type: string, default: {$ref: nope}}\n"
      "      example: {$ref: nope}\n"
      "      enum: [{$ref: nope}]\n"
      "      x-extension: {$ref: nope}\n"
      "    B: {type: string}\n"
      "  examples:\n"
      "    E:\n"
      "      value: {$ref: nope}\n"
      "    F:\n"
      "      $ref: '#/components/examples/E'\n");
  EXPECT_TRUE(r.ok()) << all(r.problems);
  EXPECT_TRUE(r.problems.empty()) << all(r.problems);
}

TEST(LoadOpenapi, ResponsesNamedDefaultAndHeadersNamedXAreNotSkipped) {
  load_result r = load_text(
      "paths:\n"
      "  /a:\n"
      "    get:\n"
      "      responses:\n"
      "        default: {$ref: '#/components/responses/Missing'}\n"
      "        '200':\n"
      "          description: ok\n"
      "          headers:\n"
      "            x-rate-limit: {$ref: '#/components/headers/Missing'}\n");
  EXPECT_EQ(error_count(r.problems), 2u) << all(r.problems);
}

// ---------------------------------------------------------------- file $refs

TEST(LoadOpenapi, RelativeFileRefsAreLoadedOnceEach) {
  load_result r = load_openapi_file(data_dir() + "/ref_main.yaml");
  ASSERT_TRUE(r.ok()) << all(r.problems);
  const document_set& set = *r.docs;
  ASSERT_EQ(set.documents().size(), 4u);
  EXPECT_THAT(set.root().file(), EndsWith("data/ref_main.yaml"));
  const document* params = by_suffix(set, "data/parts/params.yaml");
  const document* schemas = by_suffix(set, "data/parts/schemas.yaml");
  const document* errors = by_suffix(set, "data/parts/errors.yaml");
  ASSERT_NE(params, nullptr);
  ASSERT_NE(schemas, nullptr);
  ASSERT_NE(errors, nullptr);

  // Into another file.
  auto pet = set.resolve(set.root(), "parts/schemas.yaml#/components/schemas/Pet");
  ASSERT_TRUE(pet);
  EXPECT_EQ(pet->doc, schemas);
  EXPECT_EQ(pet->pointer, "/components/schemas/Pet");
  EXPECT_EQ(pet->doc->position_of(pet->node).line, 5u);

  // From that file back to the entry document, relative to the referring file.
  auto owner = set.resolve(*pet->doc, "../ref_main.yaml#/components/schemas/Owner");
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->doc, &set.root());
  EXPECT_EQ(owner->pointer, "/components/schemas/Owner");

  // A whole-file reference, reached through a chain that crosses files.
  auto error = set.resolve(set.root(), "parts/schemas.yaml#/components/schemas/Error");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->doc, errors);
  EXPECT_EQ(error->pointer, "");
  EXPECT_EQ((*error->node)["type"], "object");

  auto param = set.resolve(set.root(), "parts/params.yaml#/id");
  ASSERT_TRUE(param);
  EXPECT_EQ((*param->node)["in"], "path");
  EXPECT_EQ(set.find_file(0, "parts/../parts/params.yaml"), set.index_of(*params));
  EXPECT_EQ(set.find_file(0, "nope.yaml"), document_set::npos);
}

TEST(LoadOpenapi, ProblemsInReferencedFilesAreReportedWithTheirOwnFile) {
  load_result r = load_openapi_file(data_dir() + "/broken_refs.yaml");
  EXPECT_FALSE(r.ok());
  ASSERT_NE(r.docs, nullptr);
  ASSERT_EQ(r.problems.size(), 4u) << all(r.problems);
  // Entry file first, by position; then the other files in load order.
  EXPECT_THAT(r.problems[0].file, EndsWith("data/broken_refs.yaml"));
  EXPECT_EQ(r.problems[0].line, 10u);
  EXPECT_THAT(r.problems[0].message, HasSubstr("missing.yaml"));
  EXPECT_THAT(r.problems[0].message, HasSubstr("cannot open"));
  EXPECT_EQ(r.problems[0].pointer, "/paths/~1a/get/responses/200");
  EXPECT_EQ(r.problems[1].line, 12u);
  EXPECT_THAT(r.problems[1].message, HasSubstr("could not be parsed"));
  EXPECT_EQ(r.problems[2].line, 14u);
  EXPECT_THAT(r.problems[2].message, HasSubstr("no 'nope' in /properties of"));
  EXPECT_THAT(r.problems[3].file, EndsWith("data/parts/bad_syntax.yaml"));
  EXPECT_THAT(r.problems[3].message, HasSubstr("YAML syntax error"));
  EXPECT_EQ(r.problems[3].line, 4u);
}

TEST(LoadOpenapi, TextWithBaseDirResolvesFileRefs) {
  std::ifstream in(data_dir() + "/ref_main.yaml");
  std::stringstream text;
  text << in.rdbuf();
  load_result r = load_openapi_text(text.str(), "<embedded>/ref_main.yaml", data_dir());
  ASSERT_TRUE(r.ok()) << all(r.problems);
  EXPECT_EQ(r.docs->documents().size(), 4u);
  EXPECT_EQ(r.docs->root().file(), "<embedded>/ref_main.yaml");
  // parts/schemas.yaml refers back to ../ref_main.yaml: that is the entry document.
  auto owner = r.docs->resolve(*by_suffix(*r.docs, "parts/schemas.yaml"), "../ref_main.yaml#/components/schemas/Owner");
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->doc, &r.docs->root());
}

TEST(LoadOpenapi, TextWithoutBaseDirCannotFollowFileRefs) {
  load_result r = load_text("paths:\n  /a: {$ref: 'other.yaml#/x'}\n");
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0].message, HasSubstr("without a base directory"));
}

TEST(LoadOpenapi, MissingEntryFile) {
  load_result r = load_openapi_file(data_dir() + "/does_not_exist.yaml");
  EXPECT_EQ(r.docs, nullptr);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0].message, HasSubstr("cannot open"));
}

// ---------------------------------------------------------------- Kibana

TEST(LoadOpenapi, KibanaDocumentLoads) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  const auto start = std::chrono::steady_clock::now();
  load_result r = load_openapi_file(specgate::testing::kibana_spec_path());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  std::printf("[ info     ] Kibana's document loaded in %.1f ms\n",
              std::chrono::duration<double, std::milli>(elapsed).count());
  EXPECT_TRUE(r.ok()) << all(r.problems);
  EXPECT_TRUE(r.problems.empty()) << all(r.problems);
  ASSERT_NE(r.docs, nullptr);
  EXPECT_EQ(r.docs->openapi_version(), "3.0.3");
  EXPECT_EQ(r.docs->documents().size(), 1u);

  // Every $ref in it resolves through the public API to a definition.
  const document& root = r.docs->root();
  std::size_t refs = 0;
  std::function<void(const json&, const std::string&)> walk = [&](const json& n, const std::string& p) {
    if (n.is_object()) {
      if (auto it = n.find("$ref"); it != n.end() && it->is_string()) {
        ++refs;
        resolved_node target = r.docs->deref(root, &n, p);
        if (target.node == nullptr || target.node->contains("$ref"))
          ADD_FAILURE() << "does not resolve: " << p;
        else
          EXPECT_EQ(root.find(target.pointer), target.node) << p;
        return;
      }
      for (const auto& [k, v] : n.items()) walk(v, pointer_append(p, k));
    } else if (n.is_array()) {
      for (std::size_t i = 0; i < n.size(); ++i) walk(n[i], p + "/" + std::to_string(i));
    }
  };
  walk(root.root(), "");
  EXPECT_GT(refs, 3000u);
}

}  // namespace
}  // namespace specgate::validator
