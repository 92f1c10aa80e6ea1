// Tests of the lint structure rules (validator/lint/lint_structure.cpp): for each rule a spec that triggers it and one that must not.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/test_support.h"
#include "validator/contract/contract.h"
#include "validator/document/loader.h"
#include "validator/lint/lint.h"

namespace specgate::validator::lint {
namespace {

struct lint_run {
  load_result loaded;
  diagnostics load;   // what the loader and the contract builder report (the load family)
  diagnostics found;  // check_structure's findings
  profile active = profile::openapi;
};

lint_run run_text(std::string_view yaml, profile_choice choice = profile_choice::openapi) {
  lint_run out;
  out.loaded = load_openapi_text(yaml, "spec.yaml");
  if (!out.loaded.docs) {
    ADD_FAILURE() << "the test spec does not load";
    return out;
  }
  out.load = out.loaded.problems;
  build_options options;
  options.profile = choice;
  auto built = contract::build(out.loaded.docs, options);
  out.load.insert(out.load.end(), built.problems.begin(), built.problems.end());
  out.active = built.value ? built.value->profile() : resolve_profile(choice, *out.loaded.docs);
  lint_context context{*out.loaded.docs, built.value.get(), out.active};
  out.found = check_structure(context);
  return out;
}

std::vector<diagnostic> with_rule(const diagnostics& all, std::string_view rule) {
  std::vector<diagnostic> out;
  for (const auto& d : all)
    if (d.rule == rule) out.push_back(d);
  return out;
}

// 1-based line of the first occurrence of `needle` in `text`.
std::uint32_t line_of(std::string_view text, std::string_view needle) {
  const std::size_t at = text.find(needle);
  EXPECT_NE(at, std::string_view::npos) << needle;
  std::uint32_t line = 1;
  for (std::size_t i = 0; i < at && i < text.size(); ++i)
    if (text[i] == '\n') ++line;
  return line;
}

std::string dump(const diagnostics& all) {
  std::string out;
  for (const auto& d : all) out += "  [" + d.rule + "] " + d.to_string() + "\n";
  return out;
}

// Every finding names a rule of the family; none is an error of another family.
void expect_known_rules(const diagnostics& found) {
  for (const auto& d : found) {
    bool known = false;
    for (const auto& r : structure_rules()) known = known || r.id == d.rule;
    EXPECT_TRUE(known) << d.rule << ": " << d.to_string();
  }
}

// ------------------------------------------------------------------ the registry

TEST(LintStructureRules, EveryRuleHasIdRationaleAndIsListedOnce) {
  std::set<std::string_view> ids;
  for (const auto& r : structure_rules()) {
    EXPECT_TRUE(ids.insert(r.id).second) << r.id;
    EXPECT_FALSE(r.rationale.empty()) << r.id;
    EXPECT_EQ(r.kibana_only, r.id.starts_with("kibana-")) << r.id;
  }
  EXPECT_EQ(ids.size(), 10u);
}

// ------------------------------------------------------------------ response-description-missing

constexpr std::string_view no_description = R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses:
        '200':
          content:
            application/json:
              schema: {type: string}
        '404':
          $ref: '#/components/responses/Missing'
    put:
      responses:
        '404':
          $ref: '#/components/responses/Missing'
components:
  responses:
    Missing:
      content:
        application/json:
          schema: {type: string}
)";

TEST(LintStructure, ResponseDescriptionMissing) {
  auto r = run_text(no_description);
  expect_known_rules(r.found);
  auto found = with_rule(r.found, "response-description-missing");
  ASSERT_EQ(found.size(), 2u) << dump(r.found);  // the inline one, and the component once (two $refs)
  EXPECT_EQ(found[0].pointer, "/paths/~1a/get/responses/200");
  EXPECT_EQ(found[0].line, line_of(no_description, "          content:"));
  EXPECT_EQ(found[0].level, severity::error);
  EXPECT_EQ(found[1].pointer, "/components/responses/Missing");
  EXPECT_EQ(found[1].line, line_of(no_description, "    Missing:") + 1);  // a mapping starts at its first key
}

TEST(LintStructure, ResponseDescriptionPresentIsClean) {
  auto r = run_text(R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses:
        '200': {description: ''}
        default:
          $ref: '#/components/responses/E'
components:
  responses:
    E: {description: error}
)");
  EXPECT_TRUE(r.found.empty()) << dump(r.found);
}

// ------------------------------------------------------------------ field-required-missing

constexpr std::string_view missing_fields = R"(openapi: 3.0.3
info:
  title: t
  version: '1'
  license: {url: 'https://example.com'}
servers:
  - description: no url
tags:
  - description: no name
paths:
  /a:
    post:
      requestBody:
        description: no content
      responses:
        '200': {description: ok}
components:
  securitySchemes:
    key: {type: apiKey, in: header}
    basic: {type: http}
    untyped: {description: what}
)";

TEST(LintStructure, FieldRequiredMissing) {
  auto r = run_text(missing_fields);
  expect_known_rules(r.found);
  auto found = with_rule(r.found, "field-required-missing");
  std::map<std::string, std::uint32_t> at;
  for (const auto& d : found) at[d.pointer] = d.line;
  EXPECT_EQ(at.size(), 7u) << dump(r.found);
  EXPECT_EQ(at["/info/license"], line_of(missing_fields, "  license:"));
  EXPECT_EQ(at["/servers/0"], line_of(missing_fields, "  - description: no url"));
  EXPECT_EQ(at["/tags/0"], line_of(missing_fields, "  - description: no name"));
  EXPECT_EQ(at["/paths/~1a/post/requestBody"], line_of(missing_fields, "        description: no content"));
  EXPECT_EQ(at["/components/securitySchemes/key"], line_of(missing_fields, "key: {"));
  EXPECT_EQ(at["/components/securitySchemes/basic"], line_of(missing_fields, "basic: {"));
  EXPECT_EQ(found.size(), 7u) << dump(r.found);
  bool untyped = false;
  for (const auto& d : found)
    untyped = untyped || (d.pointer == "/components/securitySchemes/untyped" && d.message.find("'type'") != std::string::npos);
  EXPECT_TRUE(untyped) << dump(found);
}

TEST(LintStructure, FieldRequiredPresentIsClean) {
  auto r = run_text(R"(openapi: 3.0.3
info:
  title: t
  version: '1'
  license: {name: MIT}
servers:
  - url: 'https://{host}/api'
    variables:
      host: {default: example.com}
tags:
  - name: a
    externalDocs: {url: 'https://example.com'}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object}
      responses:
        '200': {description: ok}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
    basic: {type: http, scheme: basic}
    oidc: {type: openIdConnect, openIdConnectUrl: 'https://example.com'}
    oauth: {type: oauth2, flows: {}}
)");
  EXPECT_TRUE(r.found.empty()) << dump(r.found);
}

// ------------------------------------------------------------------ component-name-invalid

constexpr std::string_view bad_names = R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Good.Name-1_x: {type: string}
    Bad Name: {type: string}
  parameters:
    'id$': {name: id, in: query, schema: {type: string}}
)";

TEST(LintStructure, ComponentNameInvalid) {
  auto r = run_text(bad_names);
  expect_known_rules(r.found);
  auto found = with_rule(r.found, "component-name-invalid");
  ASSERT_EQ(found.size(), 2u) << dump(r.found);
  // components' maps in key order (parameters before schemas)
  EXPECT_EQ(found[0].pointer, "/components/parameters/id$");
  EXPECT_EQ(found[0].line, line_of(bad_names, "    'id$':"));
  EXPECT_EQ(found[1].pointer, "/components/schemas/Bad Name");
  EXPECT_EQ(found[1].line, line_of(bad_names, "    Bad Name:"));
  EXPECT_EQ(r.found.size(), 2u) << dump(r.found);
}

// ------------------------------------------------------------------ field-typo

constexpr std::string_view typos = R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    post:
      parameters:
        - name: q
          in: query
          requried: true
          schema: {type: string}
      requestbody:
        content: {}
      responses:
        '200':
          description: ok
          contnet:
            application/json:
              schema: {type: string, minitems: 1}
)";

TEST(LintStructure, FieldTypo) {
  auto r = run_text(typos);
  expect_known_rules(r.found);
  auto found = with_rule(r.found, "field-typo");
  ASSERT_EQ(found.size(), 3u) << dump(r.found);
  EXPECT_EQ(found[0].pointer, "/paths/~1a/post/requestbody");
  EXPECT_NE(found[0].message.find("'requestBody'"), std::string::npos) << found[0].message;
  EXPECT_EQ(found[1].pointer, "/paths/~1a/post/parameters/0/requried");
  EXPECT_EQ(found[1].line, line_of(typos, "requried"));
  EXPECT_NE(found[1].message.find("'required'"), std::string::npos) << found[1].message;
  EXPECT_EQ(found[2].pointer, "/paths/~1a/post/responses/200/contnet");
  EXPECT_EQ(found[2].line, line_of(typos, "contnet") + 1);  // the value's position: its first key
  EXPECT_NE(found[2].message.find("'content'"), std::string::npos);
}

TEST(LintStructure, FieldTypoLeavesExtensionsFarNamesAndSchemaKeywordsAlone) {
  constexpr std::string_view text = R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      x-requried: true
      parameters:
        - name: q
          in: query
          x-schema: 1
          schema: {type: string}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, minitems: 1}
)";
  auto r = run_text(text);
  EXPECT_TRUE(r.found.empty()) << dump(r.found);
  // A misspelt schema keyword is the schema compiler's finding (load family), not repeated here.
  bool loader_saw_it = false;
  for (const auto& d : r.load) loader_saw_it = loader_saw_it || d.pointer.ends_with("/minitems");
  EXPECT_TRUE(loader_saw_it) << dump(r.load);
}

// ------------------------------------------------------------------ discriminator-property-missing

constexpr std::string_view pets = R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Pet:
      oneOf:
        - $ref: '#/components/schemas/Cat'
        - $ref: '#/components/schemas/Dog'
      discriminator:
        propertyName: petType
    Cat:
      type: object
      properties:
        petType: {type: string}
    Dog:
      type: object
      properties:
        bark: {type: boolean}
)";

TEST(LintStructure, DiscriminatorPropertyMissing) {
  auto r = run_text(pets);
  expect_known_rules(r.found);
  auto found = with_rule(r.found, "discriminator-property-missing");
  ASSERT_EQ(found.size(), 1u) << dump(r.found);
  EXPECT_EQ(found[0].pointer, "/components/schemas/Pet/oneOf/1");
  EXPECT_EQ(found[0].line, line_of(pets, "- $ref: '#/components/schemas/Dog'"));
  EXPECT_NE(found[0].message.find("Dog"), std::string::npos) << found[0].message;
  EXPECT_EQ(r.found.size(), 1u) << dump(r.found);
}

TEST(LintStructure, DiscriminatorPropertyDeclaredIsClean) {
  // In every branch (Dog through allOf), or once on the holder for all.
  auto r = run_text(R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Pet:
      oneOf:
        - $ref: '#/components/schemas/Cat'
        - $ref: '#/components/schemas/Dog'
      discriminator: {propertyName: petType}
    Shared:
      properties:
        kind: {type: string}
      anyOf:
        - $ref: '#/components/schemas/Dog'
      discriminator: {propertyName: kind}
    Base:
      properties:
        petType: {type: string}
    Cat:
      properties:
        petType: {type: string}
    Dog:
      allOf:
        - $ref: '#/components/schemas/Base'
        - properties:
            bark: {type: boolean}
)");
  EXPECT_TRUE(with_rule(r.found, "discriminator-property-missing").empty()) << dump(r.found);
}

// ------------------------------------------------------------------ oneof-overlap

constexpr std::string_view overlapping = R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Open:
      oneOf:
        - type: object
          properties:
            a: {type: string}
        - type: object
          properties:
            b: {type: string}
    Short:
      oneOf:
        - type: string
        - type: string
          maxLength: 3
)";

TEST(LintStructure, OneOfOverlap) {
  auto r = run_text(overlapping);
  expect_known_rules(r.found);
  auto found = with_rule(r.found, "oneof-overlap");
  ASSERT_EQ(found.size(), 2u) << dump(r.found);  // one per oneOf list, at the list
  EXPECT_EQ(found[0].pointer, "/components/schemas/Open/oneOf");
  EXPECT_EQ(found[0].line, line_of(overlapping, "      oneOf:\n        - type: object") + 1);
  EXPECT_NE(found[0].message.find("#0 and #1 ({})"), std::string::npos) << found[0].message;  // the witness
  EXPECT_EQ(found[1].pointer, "/components/schemas/Short/oneOf");
  EXPECT_EQ(found[1].line, line_of(overlapping, "        - type: string\n        - type: string"));
  EXPECT_NE(found[1].message.find("#0 and #1 (\"str\")"), std::string::npos) << found[1].message;
  EXPECT_EQ(found[1].level, severity::warning);
}

TEST(LintStructure, OneOfOverlapIsOneFindingPerList) {
  auto r = run_text(R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Many:
      oneOf:
        - {type: object, properties: {a: {type: string}}}
        - {type: object, properties: {b: {type: string}}}
        - {type: object, properties: {c: {type: string}}}
        - {type: object, properties: {d: {type: string}}}
        - {type: integer}
)");
  auto found = with_rule(r.found, "oneof-overlap");
  ASSERT_EQ(found.size(), 1u) << dump(r.found);
  EXPECT_NE(found[0].message.find("(6 pairs)"), std::string::npos) << found[0].message;  // 4 objects pairwise
  EXPECT_NE(found[0].message.find("and 3 more pairs"), std::string::npos) << found[0].message;
  EXPECT_EQ(found[0].message.find("#4"), std::string::npos) << found[0].message;  // the integer overlaps none
}

TEST(LintStructure, OneOfDistinguishableBranchesAreClean) {
  auto r = run_text(R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    ByRequired:
      oneOf:
        - type: object
          required: [a]
          properties:
            a: {type: string}
        - type: object
          required: [b]
          additionalProperties: false
          properties:
            b: {type: string}
    ByType:
      oneOf:
        - type: string
        - type: integer
        - type: array
          items: {type: string}
    ByEnum:
      oneOf:
        - {type: string, enum: [x]}
        - {type: string, enum: [y]}
    Discriminated:
      oneOf:
        - $ref: '#/components/schemas/A'
        - $ref: '#/components/schemas/B'
      discriminator: {propertyName: kind}
    A:
      type: object
      properties:
        kind: {type: string}
    B:
      type: object
      properties:
        kind: {type: string}
)");
  EXPECT_TRUE(r.found.empty()) << dump(r.found);
}

TEST(LintStructure, OneOfIdenticalBranchesAreTheLoadersFinding) {
  auto r = run_text(R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                oneOf:
                  - $ref: '#/components/schemas/S'
                  - $ref: '#/components/schemas/S'
        '201':
          description: ok
          content:
            application/json:
              schema:
                oneOf:
                  - {type: string, description: a}
                  - {type: string, description: b}
components:
  schemas:
    S: {type: object}
)");
  EXPECT_TRUE(with_rule(r.found, "oneof-overlap").empty()) << dump(r.found);
  int identical = 0;
  for (const auto& d : r.load) identical += d.message.find("identical") != std::string::npos;
  EXPECT_EQ(identical, 2) << dump(r.load);
}

TEST(LintStructure, OneOfEqualSchemasUnderTwoNamesOverlap) {
  // Two components with equal text are two schemas to the compiler (not "identical"): an overlap.
  auto r = run_text(R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    U:
      oneOf:
        - $ref: '#/components/schemas/S'
        - $ref: '#/components/schemas/T'
    S: {type: integer}
    T: {type: integer}
)");
  auto found = with_rule(r.found, "oneof-overlap");
  ASSERT_EQ(found.size(), 1u) << dump(r.found);
  EXPECT_NE(found[0].message.find("#0 and #1 (0)"), std::string::npos) << found[0].message;
}

// ------------------------------------------------------------------ nullable-with-ref

constexpr std::string_view nullable_ref = R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    S: {type: string}
    T:
      type: object
      properties:
        bad:
          $ref: '#/components/schemas/S'
          nullable: true
        good:
          nullable: true
          allOf:
            - $ref: '#/components/schemas/S'
)";

TEST(LintStructure, NullableWithRef) {
  auto r = run_text(nullable_ref);
  expect_known_rules(r.found);
  auto found = with_rule(r.found, "nullable-with-ref");
  ASSERT_EQ(found.size(), 1u) << dump(r.found);
  EXPECT_EQ(found[0].pointer, "/components/schemas/T/properties/bad/nullable");
  EXPECT_EQ(found[0].line, line_of(nullable_ref, "          nullable: true\n        good"));
  EXPECT_EQ(r.found.size(), 1u) << dump(r.found);
}

// ------------------------------------------------------------------ Kibana's conventions

constexpr std::string_view kibana_like = R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /api/things:
    post:
      parameters:
        - name: elastic-api-version
          in: header
          required: true
          schema: {type: string, default: '2023-10-31'}
      responses:
        '200':
          description: ok
          content:
            application/json; Elastic-Api-Version=2023-10-31:
              schema: {type: object}
    get:
      responses:
        '200':
          description: ok
          content:
            application/json; Elastic-Api-Version=2023-10-31:
              schema: {type: object}
    delete:
      parameters:
        - {name: kbn-xsrf, in: header, required: true, schema: {type: string}}
        - {name: elastic-api-version, in: header, schema: {type: string, default: '2023-10-31'}}
      responses:
        '204': {description: gone}
)";

TEST(LintStructure, KibanaRulesUnderKibanaProfile) {
  auto r = run_text(kibana_like, profile_choice::kibana);
  expect_known_rules(r.found);
  auto xsrf = with_rule(r.found, "kibana-xsrf-header-missing");
  ASSERT_EQ(xsrf.size(), 1u) << dump(r.found);  // post; not get; not delete (declares kbn-xsrf)
  EXPECT_EQ(xsrf[0].pointer, "/paths/~1api~1things/post");
  EXPECT_EQ(xsrf[0].line, line_of(kibana_like, "      parameters:"));
  auto version = with_rule(r.found, "kibana-version-header-missing");
  ASSERT_EQ(version.size(), 1u) << dump(r.found);  // get; post declares the header
  EXPECT_EQ(version[0].pointer, "/paths/~1api~1things/get");
  EXPECT_EQ(version[0].line, line_of(kibana_like, "      responses:\n        '200':\n          description: ok\n          content:\n            application/json; Elastic-Api-Version=2023-10-31:\n              schema: {type: object}\n    delete"));
  auto defaults = with_rule(r.found, "kibana-required-header-default");
  ASSERT_EQ(defaults.size(), 1u) << dump(r.found);  // post's required one; delete's is optional
  EXPECT_EQ(defaults[0].pointer, "/paths/~1api~1things/post/parameters/0/schema/default");
  EXPECT_EQ(defaults[0].line, line_of(kibana_like, "schema: {type: string, default: '2023-10-31'}"));
  EXPECT_EQ(r.found.size(), 3u) << dump(r.found);
}

TEST(LintStructure, KibanaRulesSilentUnderOpenapiProfile) {
  auto r = run_text(kibana_like, profile_choice::openapi);
  EXPECT_EQ(r.active, profile::openapi);
  EXPECT_TRUE(r.found.empty()) << dump(r.found);
}

TEST(LintStructure, KibanaConformingOperationsAreClean) {
  auto r = run_text(R"(openapi: 3.0.3
info: {title: Kibana, version: '1'}
paths:
  /api/things:
    parameters:
      - {name: kbn-xsrf, in: header, required: true, schema: {type: string}}
    put:
      parameters:
        - {name: elastic-api-version, in: header, schema: {type: string, default: '2023-10-31'}}
      requestBody:
        content:
          application/json; Elastic-Api-Version=2023-10-31:
            schema: {type: object}
      responses:
        '200': {description: ok}
)",
                    profile_choice::kibana);
  EXPECT_EQ(r.active, profile::kibana);
  EXPECT_TRUE(r.found.empty()) << dump(r.found);
}

// ------------------------------------------------------------------ one implementation of each check

// What the loader, the contract builder and the schema compiler report is not reported again.
TEST(LintStructure, LoadFindingsAreNotRepeated) {
  auto r = run_text(R"(openapi: 3.0.3
info: {title: t, version: '1'}
security:
  - nowhere: []
paths:
  /a/{x}:
    get:
      parameters:
        - {name: q, in: query, style: matrix, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            'application:json; charset=utf-8':
              schema:
                type: strin
                format: frobnicated
                minitems: 1
                required: true
                properties:
                  kind:
                    oneOf:
                      - {type: string}
                      - {type: string}
  /a/{y}:
    get:
      parameters:
        - {name: y, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok}
)");
  EXPECT_TRUE(r.found.empty()) << dump(r.found);
  // ... while the load family reports each of them.
  for (const char* what : {"nowhere", "style", "malformed", "strin", "frobnicated", "minitems", "required must be",
                           "identical", "routes exactly like", "not declared"}) {
    bool seen = false;
    for (const auto& d : r.load) seen = seen || d.message.find(what) != std::string::npos;
    EXPECT_TRUE(seen) << what << "\n" << dump(r.load);
  }
}

// Findings in files reached through $ref name that file, its pointer and line.
TEST(LintStructure, FindingsInOtherFiles) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("specgate_lint_structure_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto write = [&](const char* name, std::string_view text) {
    std::ofstream(dir / name) << text;
  };
  write("spec.yaml", R"(openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /pets:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: 'parts.yaml#/Pet'}
        '404':
          $ref: 'resp.yaml'
)");
  write("parts.yaml", R"(Pet:
  type: object
  properties:
    owner:
      $ref: '#/Owner'
      nullable: true
Owner:
  type: object
)");
  write("resp.yaml", R"(content:
  application/json:
    schema: {type: string}
)");
  load_result loaded = load_openapi_file((dir / "spec.yaml").string());
  ASSERT_TRUE(loaded.ok()) << dump(loaded.problems);
  auto built = contract::build(loaded.docs, {});
  lint_context context{*loaded.docs, built.value.get(), profile::openapi};
  diagnostics found = check_structure(context);
  fs::remove_all(dir);
  ASSERT_EQ(found.size(), 2u) << dump(found);
  auto nullable = with_rule(found, "nullable-with-ref");
  ASSERT_EQ(nullable.size(), 1u) << dump(found);
  EXPECT_TRUE(nullable[0].file.ends_with("parts.yaml")) << nullable[0].file;
  EXPECT_EQ(nullable[0].pointer, "/Pet/properties/owner/nullable");
  EXPECT_EQ(nullable[0].line, 6u);
  auto description = with_rule(found, "response-description-missing");
  ASSERT_EQ(description.size(), 1u) << dump(found);
  EXPECT_TRUE(description[0].file.ends_with("resp.yaml")) << description[0].file;
  EXPECT_EQ(description[0].pointer, "");
  EXPECT_EQ(description[0].line, 1u);
}

// Malformed shapes are the loader's findings: the structure rules skip them without throwing.
TEST(LintStructure, MalformedShapesDoNotThrow) {
  lint_run r;
  ASSERT_NO_THROW(r = run_text(R"(openapi: 3.0.3
info: {title: t, version: '1', license: 5}
servers: nope
tags: [a, 1]
paths:
  /a:
    parameters: 7
    post:
      parameters:
        - {name: 5, in: header, required: true, schema: {type: string, default: x}}
        - {name: kbn-xsrf, in: [header]}
        - 3
      requestBody: [1]
      responses:
        '200': [1]
        '201': {description: ok, content: text}
        '202': {description: ok, content: {application/json: 3}}
  /b: 4
components:
  schemas:
    D:
      oneOf: 3
      discriminator: {propertyName: 7, mapping: {a: 5}}
    E:
      anyOf: [{$ref: '#/components/schemas/F'}]
      discriminator: {propertyName: k, mapping: 3}
    F: true
  securitySchemes:
    s: {type: 9}
    t: 4
)", profile_choice::kibana));
  expect_known_rules(r.found);
  // The post declares no usable kbn-xsrf: that finding, and nothing for the malformed parts.
  EXPECT_EQ(with_rule(r.found, "kibana-xsrf-header-missing").size(), 1u) << dump(r.found);
  EXPECT_EQ(with_rule(r.found, "kibana-required-header-default").size(), 1u) << dump(r.found);
  EXPECT_FALSE(r.load.empty());
}

// ------------------------------------------------------------------ Kibana's own document

TEST(LintStructureKibana, KibanaDocument) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  load_result loaded = load_openapi_file(specgate::testing::kibana_spec_path());
  ASSERT_TRUE(loaded.docs);
  build_options options;
  options.profile = profile_choice::automatic;
  auto built = contract::build(loaded.docs, options);
  ASSERT_TRUE(built.value);
  ASSERT_EQ(built.value->profile(), profile::kibana);
  lint_context context{*loaded.docs, built.value.get(), built.value->profile()};
  const auto start = std::chrono::steady_clock::now();
  diagnostics found = check_structure(context);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  expect_known_rules(found);
  std::map<std::string, int> counts;
  for (const auto& d : found) {
    ++counts[d.rule];
    EXPECT_GT(d.line, 0u) << d.to_string();
  }
  std::printf("[ info     ] structure rules on Kibana's document: %zu findings in %.0f ms\n", found.size(), ms);
  for (const auto& [rule, n] : counts) std::printf("[ info     ]   %-32s %d\n", rule.c_str(), n);
  // The malformed media-type keys are the load family's (media-type-malformed): present in what lint reports.
  int malformed = 0;
  for (const auto& d : built.problems)
    if (d.message.find("media type 'application:json;") != std::string::npos ||
        d.message.find("media type 'application/gzip; application/zip;") != std::string::npos)
      ++malformed;
  EXPECT_GE(malformed, 2);
  std::printf("[ info     ] malformed media-type keys reported by the loader: %d\n", malformed);
}

}  // namespace
}  // namespace specgate::validator::lint
