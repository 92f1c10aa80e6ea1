// Example rules (validator/lint/lint_examples.cpp): for every kind of example site, a spec that
// triggers the rule (rule, pointer, message naming the instance and schema pointers) and one that must not.
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "validator/document/loader.h"
#include "validator/lint/lint.h"
#include "validator/lint/lint_examples.h"

namespace specgate::validator::lint {
namespace {

using ::testing::HasSubstr;

const char* const header =
    "openapi: 3.0.3\n"
    "info: {title: t, version: '1'}\n";

// Loads the spec (which must load cleanly) and runs the example family.
diagnostics lint_examples(const std::string& body) {
  auto loaded = load_openapi_text(header + body, "spec.yaml");
  EXPECT_TRUE(loaded.docs) << "spec did not load";
  if (!loaded.docs) return {};
  for (const auto& p : loaded.problems) ADD_FAILURE() << "load problem: " << p.to_string();
  lint_context context{*loaded.docs};
  return check_examples(context);
}

std::string all(const diagnostics& d) {
  std::string out;
  for (const auto& x : d) out += x.to_string() + " {" + x.rule + "}\n";
  return out;
}

// One operation whose request body and 200 response are `media` (YAML, indented for the media-type level).
std::string body_and_response(const std::string& request_media, const std::string& response_media) {
  return "paths:\n"
         "  /things:\n"
         "    post:\n"
         "      requestBody:\n"
         "        content:\n"
         "          application/json:\n" +
         request_media +
         "      responses:\n"
         "        '200':\n"
         "          description: ok\n"
         "          content:\n"
         "            application/json:\n" +
         response_media;
}

const char* const thing_schema =
    "components:\n"
    "  schemas:\n"
    "    Thing:\n"
    "      type: object\n"
    "      required: [id, name]\n"
    "      properties:\n"
    "        id: {type: string, readOnly: true}\n"
    "        name: {type: string}\n"
    "        secret: {type: string, writeOnly: true}\n"
    "        count: {type: integer, minimum: 0}\n";

TEST(lint_examples, rules_are_registered) {
  ASSERT_EQ(example_rules().size(), 4u);
  EXPECT_EQ(example_rules()[0].id, "example-invalid");
  EXPECT_EQ(example_rules()[0].level, severity::error);
  EXPECT_EQ(example_rules()[1].id, "example-read-write-only");
  EXPECT_EQ(example_rules()[2].id, "example-schema-missing");
  EXPECT_EQ(example_rules()[3].id, "example-unchecked");
  EXPECT_NE(find_rule("example-invalid"), nullptr);
}

TEST(lint_examples, media_type_example) {
  const std::string bad = body_and_response(
      "            schema: {$ref: '#/components/schemas/Thing'}\n"
      "            example: {name: 7}\n",
      "              schema: {$ref: '#/components/schemas/Thing'}\n");
  auto found = lint_examples(bad + thing_schema);
  ASSERT_EQ(found.size(), 1u) << all(found);
  EXPECT_EQ(found[0].rule, "example-invalid");
  EXPECT_EQ(found[0].level, severity::error);
  EXPECT_EQ(found[0].pointer, "/paths/~1things/post/requestBody/content/application~1json/example");
  EXPECT_GT(found[0].line, 0u);
  EXPECT_THAT(found[0].message, HasSubstr("media type example 'example'"));
  EXPECT_THAT(found[0].message, HasSubstr("at /name: expected value of type [string] but got [number]"));
  EXPECT_THAT(found[0].message, HasSubstr("#/components/schemas/Thing/properties/name"));

  const std::string good = body_and_response(
      "            schema: {$ref: '#/components/schemas/Thing'}\n"
      "            example: {name: seven}\n",
      "              schema: {$ref: '#/components/schemas/Thing'}\n");
  EXPECT_TRUE(lint_examples(good + thing_schema).empty()) << all(lint_examples(good + thing_schema));
}

TEST(lint_examples, media_type_examples_map) {
  const std::string spec = body_and_response(
      "            schema: {$ref: '#/components/schemas/Thing'}\n",
      "              schema: {$ref: '#/components/schemas/Thing'}\n"
      "              examples:\n"
      "                fine: {value: {id: a, name: b, count: 1}}\n"
      "                negative: {value: {id: a, name: b, count: -1}}\n");
  auto found = lint_examples(spec + thing_schema);
  ASSERT_EQ(found.size(), 1u) << all(found);
  EXPECT_EQ(found[0].rule, "example-invalid");
  EXPECT_EQ(found[0].pointer, "/paths/~1things/post/responses/200/content/application~1json/examples/negative/value");
  EXPECT_THAT(found[0].message, HasSubstr("example 'negative'"));
  EXPECT_THAT(found[0].message, HasSubstr("at /count: "));
  EXPECT_THAT(found[0].message, HasSubstr("minimum at #/components/schemas/Thing/properties/count"));
}

TEST(lint_examples, referenced_example_points_at_the_reference_and_names_the_target) {
  const std::string spec = body_and_response(
      "            schema: {$ref: '#/components/schemas/Thing'}\n"
      "            examples:\n"
      "              ok: {$ref: '#/components/examples/Good'}\n"
      "              broken: {$ref: '#/components/examples/Bad'}\n",
      "              schema: {$ref: '#/components/schemas/Thing'}\n") +
                           thing_schema +
                           "  examples:\n"
                           "    Good: {value: {name: x}}\n"
                           "    Bad: {value: {name: [x]}}\n";
  auto found = lint_examples(spec);
  ASSERT_EQ(found.size(), 1u) << all(found);
  EXPECT_EQ(found[0].rule, "example-invalid");
  EXPECT_EQ(found[0].pointer, "/paths/~1things/post/requestBody/content/application~1json/examples/broken");
  EXPECT_THAT(found[0].message, HasSubstr("example 'broken' (#/components/examples/Bad)"));
  EXPECT_THAT(found[0].message, HasSubstr("at /name: "));
}

TEST(lint_examples, parameter_example) {
  const std::string spec =
      "paths:\n"
      "  /things/{id}:\n"
      "    get:\n"
      "      parameters:\n"
      "        - {name: id, in: path, required: true, schema: {type: integer}, example: abc}\n"
      "        - {name: page, in: query, schema: {type: integer}, examples: {one: {value: 1}}}\n"
      "        - $ref: '#/components/parameters/Size'\n"
      "      responses:\n"
      "        '200': {description: ok}\n"
      "components:\n"
      "  parameters:\n"
      "    Size: {name: size, in: query, schema: {type: integer, maximum: 100}, example: 1000}\n";
  auto found = lint_examples(spec);
  ASSERT_EQ(found.size(), 2u) << all(found);
  EXPECT_EQ(found[0].pointer, "/paths/~1things~1{id}/get/parameters/0/example");
  EXPECT_THAT(found[0].message, HasSubstr("parameter example 'example'"));
  EXPECT_THAT(found[0].message, HasSubstr("at the example itself: expected value of type [integer] but got [string]"));
  EXPECT_THAT(found[0].message, HasSubstr("#/paths/~1things~1{id}/get/parameters/0/schema"));
  // The component is checked once, where it is defined.
  EXPECT_EQ(found[1].pointer, "/components/parameters/Size/example");
  EXPECT_THAT(found[1].message, HasSubstr("maximum"));
}

TEST(lint_examples, header_example) {
  const std::string spec =
      "paths:\n"
      "  /things:\n"
      "    get:\n"
      "      responses:\n"
      "        '200':\n"
      "          description: ok\n"
      "          headers:\n"
      "            x-rate: {schema: {type: integer}, example: fast}\n"
      "            x-id: {schema: {type: string, format: uuid}, example: 0b6d9a6e-3a52-4c43-9c6b-0f4a2d0b9e11}\n";
  auto found = lint_examples(spec);
  ASSERT_EQ(found.size(), 1u) << all(found);
  EXPECT_EQ(found[0].pointer, "/paths/~1things/get/responses/200/headers/x-rate/example");
  EXPECT_THAT(found[0].message, HasSubstr("header example 'example'"));
  EXPECT_THAT(found[0].message, HasSubstr("expected value of type [integer] but got [string]"));
}

TEST(lint_examples, schema_level_example) {
  const std::string spec =
      "paths: {}\n"
      "components:\n"
      "  schemas:\n"
      "    Limits:\n"
      "      type: object\n"
      "      properties:\n"
      "        size: {type: integer, maximum: 10, example: 11}\n"
      "        tags: {type: array, items: {type: string, example: fine}, example: [a, b]}\n"
      "      example: {size: 3, tags: [1]}\n";
  auto found = lint_examples(spec);
  ASSERT_EQ(found.size(), 2u) << all(found);
  // In document order.
  EXPECT_EQ(found[0].pointer, "/components/schemas/Limits/properties/size/example");
  EXPECT_THAT(found[0].message, HasSubstr("does not match its schema #/components/schemas/Limits/properties/size"));
  EXPECT_EQ(found[1].pointer, "/components/schemas/Limits/example");
  EXPECT_THAT(found[1].message, HasSubstr("schema example 'example'"));
  EXPECT_THAT(found[1].message, HasSubstr("at /tags/0: expected value of type [string] but got [number]"));

  const std::string good =
      "paths: {}\n"
      "components:\n"
      "  schemas:\n"
      "    Limits:\n"
      "      type: object\n"
      "      properties:\n"
      "        size: {type: integer, maximum: 10, example: 10}\n"
      "        example: {type: string}\n"  // a property called "example" is not an example
      "      example: {size: 3, example: x}\n";
  EXPECT_TRUE(lint_examples(good).empty()) << all(lint_examples(good));
}

// readOnly properties are not required in requests: a request example may leave `id` out, a response one may not.
TEST(lint_examples, read_only_follows_the_direction) {
  const std::string request_without_id = body_and_response(
      "            schema: {$ref: '#/components/schemas/Thing'}\n"
      "            example: {name: n, secret: s}\n",
      "              schema: {$ref: '#/components/schemas/Thing'}\n");
  EXPECT_TRUE(lint_examples(request_without_id + thing_schema).empty())
      << all(lint_examples(request_without_id + thing_schema));

  const std::string response_without_id = body_and_response(
      "            schema: {$ref: '#/components/schemas/Thing'}\n",
      "              schema: {$ref: '#/components/schemas/Thing'}\n"
      "              example: {name: n}\n");
  auto found = lint_examples(response_without_id + thing_schema);
  ASSERT_EQ(found.size(), 1u) << all(found);
  EXPECT_EQ(found[0].pointer, "/paths/~1things/post/responses/200/content/application~1json/example");
  EXPECT_THAT(found[0].message, HasSubstr("at /id: "));
  EXPECT_THAT(found[0].message, HasSubstr("required at #/components/schemas/Thing"));
}

// writeOnly properties are not required in responses: the mirror image.
TEST(lint_examples, write_only_follows_the_direction) {
  const std::string schema =
      "components:\n"
      "  schemas:\n"
      "    Login:\n"
      "      type: object\n"
      "      required: [user, password]\n"
      "      properties:\n"
      "        user: {type: string}\n"
      "        password: {type: string, writeOnly: true}\n";
  const std::string response_without_password = body_and_response(
      "            schema: {$ref: '#/components/schemas/Login'}\n",
      "              schema: {$ref: '#/components/schemas/Login'}\n"
      "              example: {user: u}\n");
  EXPECT_TRUE(lint_examples(response_without_password + schema).empty())
      << all(lint_examples(response_without_password + schema));

  const std::string request_without_password = body_and_response(
      "            schema: {$ref: '#/components/schemas/Login'}\n"
      "            example: {user: u}\n",
      "              schema: {$ref: '#/components/schemas/Login'}\n");
  auto found = lint_examples(request_without_password + schema);
  ASSERT_EQ(found.size(), 1u) << all(found);
  EXPECT_EQ(found[0].pointer, "/paths/~1things/post/requestBody/content/application~1json/example");
  EXPECT_THAT(found[0].message, HasSubstr("at /password: "));

  // A schema's own example holds when it holds in either direction.
  const std::string own_example = "paths: {}\n" + schema + "      example: {user: u}\n";
  EXPECT_TRUE(lint_examples(own_example).empty()) << all(lint_examples(own_example));
  const std::string own_bad = "paths: {}\n" + schema + "      example: {password: p}\n";
  auto bad = lint_examples(own_bad);
  ASSERT_EQ(bad.size(), 1u) << all(bad);
  EXPECT_EQ(bad[0].pointer, "/components/schemas/Login/example");
  EXPECT_THAT(bad[0].message, HasSubstr("at /user: "));
}

// A readOnly property present in a request example (or writeOnly in a response one) is a warning
// of its own: the value is valid, but clients should not send it (or will not receive it).
TEST(lint_examples, read_only_present_in_a_request_example) {
  const std::string spec = body_and_response(
      "            schema: {$ref: '#/components/schemas/Thing'}\n"
      "            examples:\n"
      "              sends_id: {value: {id: x, name: n}}\n"
      "              nested: {value: {name: n, parts: [{id: p}]}}\n",
      "              schema: {$ref: '#/components/schemas/Thing'}\n"
      "              example: {id: x, name: n}\n") +
                           thing_schema + "        parts: {type: array, items: {$ref: '#/components/schemas/Thing'}}\n";
  auto found = lint_examples(spec);
  ASSERT_EQ(found.size(), 3u) << all(found);  // nested: the part also lacks its required name
  EXPECT_EQ(found[0].rule, "example-read-write-only");
  EXPECT_EQ(found[0].level, severity::warning);
  EXPECT_EQ(found[0].pointer, "/paths/~1things/post/requestBody/content/application~1json/examples/sends_id/value");
  EXPECT_THAT(found[0].message, HasSubstr("carries readOnly property, which requests should not: /id "
                                          "(#/components/schemas/Thing/properties/id)"));
  EXPECT_EQ(found[1].rule, "example-read-write-only");
  EXPECT_THAT(found[1].message, HasSubstr(": /parts/0/id ("));
  EXPECT_EQ(found[2].rule, "example-invalid");
  EXPECT_THAT(found[2].message, HasSubstr("at /parts/0/name: "));
}

TEST(lint_examples, write_only_present_in_a_response_example) {
  const std::string spec = body_and_response(
      "            schema: {$ref: '#/components/schemas/Thing'}\n"
      "            example: {name: n, secret: s}\n",
      "              schema:\n"
      "                allOf: [{$ref: '#/components/schemas/Thing'}]\n"
      "              example: {id: x, name: n, secret: s}\n") +
                           thing_schema;
  auto found = lint_examples(spec);
  ASSERT_EQ(found.size(), 1u) << all(found);
  EXPECT_EQ(found[0].rule, "example-read-write-only");
  EXPECT_EQ(found[0].pointer, "/paths/~1things/post/responses/200/content/application~1json/example");
  EXPECT_THAT(found[0].message, HasSubstr("response media type example 'example' carries writeOnly property, which "
                                          "responses should not: /secret (#/components/schemas/Thing/properties/secret)"));
}

// Under oneOf/anyOf: a property every branch declaring it marks readOnly is reported; one that some
// branch declares without the flag is not (the example may be of that branch).
TEST(lint_examples, read_only_under_union_branches) {
  const std::string spec =
      "paths:\n"
      "  /things:\n"
      "    post:\n"
      "      requestBody:\n"
      "        content:\n"
      "          application/json:\n"
      "            schema:\n"
      "              oneOf:\n"
      "                - {type: object, properties: {id: {type: string, readOnly: true}, a: {type: string}}}\n"
      "                - {type: object, properties: {id: {type: string, readOnly: true}, b: {type: string}}}\n"
      "            examples:\n"
      "              sends_id: {value: {id: x, a: y}}\n"
      "              fine: {value: {a: y}}\n"
      "      responses:\n"
      "        '200': {description: ok}\n"
      "  /mixed:\n"
      "    post:\n"
      "      requestBody:\n"
      "        content:\n"
      "          application/json:\n"
      "            schema:\n"
      "              anyOf:\n"
      "                - {type: object, properties: {id: {type: string, readOnly: true}}}\n"
      "                - {type: object, properties: {id: {type: string}}}\n"
      "            example: {id: x}\n"
      "      responses:\n"
      "        '200': {description: ok}\n";
  auto found = lint_examples(spec);
  ASSERT_EQ(found.size(), 1u) << all(found);
  EXPECT_EQ(found[0].rule, "example-read-write-only");
  EXPECT_EQ(found[0].pointer, "/paths/~1things/post/requestBody/content/application~1json/examples/sends_id/value");
  EXPECT_THAT(found[0].message, HasSubstr(": /id (#/paths/~1things/post/requestBody/content/application~1json/schema/"
                                          "oneOf/0/properties/id)"));
}

// A schema valijson refuses (the load family reports why) leaves its examples unchecked: a warning,
// never a silent skip; an example whose schema compiles is not one.
TEST(lint_examples, example_of_a_schema_that_cannot_be_compiled_is_unchecked) {
  const std::string spec = body_and_response(
      "            schema: {type: string, minLength: 9223372036854775808}\n"
      "            example: x\n",
      "              schema: {type: string}\n"
      "              example: y\n");
  auto found = lint_examples(spec);
  ASSERT_EQ(found.size(), 1u) << all(found);
  EXPECT_EQ(found[0].rule, "example-unchecked");
  EXPECT_EQ(found[0].level, severity::warning);
  EXPECT_EQ(found[0].pointer, "/paths/~1things/post/requestBody/content/application~1json/example");
  EXPECT_THAT(found[0].message, HasSubstr("is not checked: its schema "
                                          "#/paths/~1things/post/requestBody/content/application~1json/schema "
                                          "cannot be compiled"));
}

// An example under a media type without a schema: nothing checks it.
TEST(lint_examples, example_without_a_schema) {
  const std::string spec = body_and_response(
      "            example: {anything: 1}\n",
      "              schema: {type: object}\n"
      "              examples: {one: {value: {a: 1}}}\n");
  auto found = lint_examples(spec);
  ASSERT_EQ(found.size(), 1u) << all(found);
  EXPECT_EQ(found[0].rule, "example-schema-missing");
  EXPECT_EQ(found[0].level, severity::warning);
  EXPECT_EQ(found[0].pointer, "/paths/~1things/post/requestBody/content/application~1json/example");
  EXPECT_THAT(found[0].message, HasSubstr("media type example 'example' is not checked: its media type declares no schema"));
}

// A referenced example and a parameter in another file: the walk follows $ref into it; the finding
// for the example points at the referencing entry and names the target with its file.
TEST(lint_examples, examples_in_another_file) {
  const auto dir = std::filesystem::temp_directory_path() / ("specgate-lint-examples-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream other(dir / "other.yaml");
    other << "components:\n"
             "  examples:\n"
             "    Bad: {value: {name: 1}}\n"
             "  parameters:\n"
             "    Limit: {name: limit, in: query, schema: {type: integer}, example: lots}\n";
  }
  const std::string spec = std::string(header) +
                           "paths:\n"
                           "  /things:\n"
                           "    post:\n"
                           "      parameters: [{$ref: 'other.yaml#/components/parameters/Limit'}]\n"
                           "      requestBody:\n"
                           "        content:\n"
                           "          application/json:\n"
                           "            schema: {type: object, properties: {name: {type: string}}}\n"
                           "            examples: {far: {$ref: 'other.yaml#/components/examples/Bad'}}\n"
                           "      responses: {'200': {description: ok}}\n";
  auto loaded = load_openapi_text(spec, (dir / "spec.yaml").string(), dir.string());
  ASSERT_TRUE(loaded.docs);
  for (const auto& p : loaded.problems) ADD_FAILURE() << p.to_string();
  ASSERT_EQ(loaded.docs->documents().size(), 2u);
  auto found = check_examples(lint_context{*loaded.docs});
  std::filesystem::remove_all(dir);
  ASSERT_EQ(found.size(), 2u) << all(found);
  EXPECT_EQ(found[0].pointer, "/paths/~1things/post/requestBody/content/application~1json/examples/far");
  EXPECT_EQ(found[0].file, (dir / "spec.yaml").string());
  EXPECT_THAT(found[0].message, HasSubstr("other.yaml#/components/examples/Bad"));
  EXPECT_THAT(found[0].message, HasSubstr("at /name: "));
  EXPECT_EQ(found[1].pointer, "/components/parameters/Limit/example");
  EXPECT_THAT(found[1].file, ::testing::EndsWith("other.yaml"));
  EXPECT_THAT(found[1].message, HasSubstr("other.yaml#/components/parameters/Limit/schema"));
}

// The survey keeps both directions of a schema's own example apart even before the registry knows
// the document uses readOnly/writeOnly.
TEST(lint_examples, survey_lists_sites_with_their_directions) {
  auto loaded = load_openapi_text(std::string(header) + "paths: {}\n" + thing_schema + "      example: {name: n}\n",
                                  "spec.yaml");
  ASSERT_TRUE(loaded.docs);
  auto survey = survey_examples(*loaded.docs);
  ASSERT_EQ(survey.sites.size(), 1u);
  ASSERT_EQ(survey.sites[0].schemas.size(), 2u);
  EXPECT_NE(survey.sites[0].schemas[0], survey.sites[0].schemas[1]);
  EXPECT_TRUE(survey.registry->is_valid(survey.sites[0].schemas[0], *survey.sites[0].value));   // request: id not needed
  EXPECT_FALSE(survey.registry->is_valid(survey.sites[0].schemas[1], *survey.sites[0].value));  // response: id required
  EXPECT_TRUE(judge(*survey.registry, survey.sites[0]).valid);
}

}  // namespace
}  // namespace specgate::validator::lint
