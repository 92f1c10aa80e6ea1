// validator/diff: for each change kind a small old/new pair that triggers it (kind, class, both pointers) and
// one that must not (the other direction, a rename, an equivalent spelling); self-diff, component rename and
// recursive schemas give nothing; the renderings carry every change.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "validator/contract/contract.h"
#include "test_support.h"
#include "validator/diff/diff.h"

namespace specgate::validator::diff {
namespace {

using cls = change_class;

std::string spec(const std::string& paths, const std::string& components = "{}", const std::string& top = "") {
  return "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n" + top + "paths: " + paths + "\ncomponents: " + components +
         "\n";
}

const std::string ok = "responses: {'200': {description: ok}}";
// GET /a with `rest` inside the operation object.
std::string get_a(const std::string& rest) { return "{/a: {get: {" + rest + "}}}"; }
std::string post_a(const std::string& rest) { return "{/a: {post: {" + rest + "}}}"; }
std::string query(const std::string& schema, bool required = false) {
  return "parameters: [{name: q, in: query, required: " + std::string(required ? "true" : "false") +
         ", schema: " + schema + "}], " + ok;
}
std::string body(const std::string& schema, bool required = true) {
  return "requestBody: {required: " + std::string(required ? "true" : "false") +
         ", content: {application/json: {schema: " + schema + "}}}, " + ok;
}
std::string reply(const std::string& schema) {
  return "responses: {'200': {description: ok, content: {application/json: {schema: " + schema + "}}}}";
}

struct loaded {
  contract::build_result old_side, new_side;
  diff_result result;
};

loaded run(const std::string& old_text, const std::string& new_text) {
  loaded l;
  l.old_side = load_contract_text(old_text, "old.yaml");
  l.new_side = load_contract_text(new_text, "new.yaml");
  EXPECT_TRUE(l.old_side.value) << old_text;
  EXPECT_TRUE(l.new_side.value) << new_text;
  for (const auto& d : l.old_side.problems) EXPECT_NE(d.level, severity::error) << d.to_string();
  for (const auto& d : l.new_side.problems) EXPECT_NE(d.level, severity::error) << d.to_string();
  if (l.old_side.value && l.new_side.value) l.result = compare(*l.old_side.value, *l.new_side.value);
  return l;
}

std::vector<std::pair<std::string, cls>> kinds(const diff_result& r) {
  std::vector<std::pair<std::string, cls>> out;
  for (const auto& c : r.changes) out.emplace_back(c.kind, c.cls);
  return out;
}

std::string dump(const diff_result& r) { return to_text(r); }

// One row: an old/new pair and exactly the changes it must produce; the first one's pointers.
struct row {
  std::string name;
  std::string old_text, new_text;
  std::vector<std::pair<std::string, cls>> expected;
  std::string old_pointer = "?", new_pointer = "?";  // "?" = not asserted; "" = that side is absent
};

void check(const row& r) {
  SCOPED_TRACE(r.name);
  auto l = run(r.old_text, r.new_text);
  EXPECT_EQ(kinds(l.result), r.expected) << dump(l.result);
  if (r.expected.empty() || l.result.changes.empty()) return;
  const change& c = l.result.changes.front();
  if (r.old_pointer != "?") {
    EXPECT_EQ(c.old_site.pointer, r.old_pointer);
    EXPECT_EQ(c.old_site.file, r.old_pointer.empty() ? "" : "old.yaml");
    if (!r.old_pointer.empty()) {
      EXPECT_GT(c.old_site.line, 0u);
    }
  }
  if (r.new_pointer != "?") {
    EXPECT_EQ(c.new_site.pointer, r.new_pointer);
    EXPECT_EQ(c.new_site.file, r.new_pointer.empty() ? "" : "new.yaml");
    if (!r.new_pointer.empty()) {
      EXPECT_GT(c.new_site.line, 0u);
    }
  }
  EXPECT_FALSE(c.message.empty());
}

const std::string op_get = "/paths/~1a/get";
const std::string op_post = "/paths/~1a/post";
const std::string q0 = op_get + "/parameters/0";
const std::string qs = q0 + "/schema";
const std::string req = op_post + "/requestBody/content/application~1json/schema";
const std::string res = op_get + "/responses/200/content/application~1json/schema";

// ---- operations and paths ----

TEST(DiffOperations, RemovedAddedAndPathRemoved) {
  const std::string both = "{/a: {get: {" + ok + "}, post: {" + ok + "}}, /b: {get: {" + ok + "}}}";
  const std::string get_only = "{/a: {get: {" + ok + "}}, /b: {get: {" + ok + "}}}";
  const std::string no_b = "{/a: {get: {" + ok + "}, post: {" + ok + "}}}";
  check({"operation removed", spec(both), spec(get_only), {{"operation-removed", cls::breaking}}, op_post, ""});
  check({"operation added", spec(get_only), spec(both), {{"operation-added", cls::compatible}}, "", op_post});
  check({"path removed", spec(both), spec(no_b), {{"path-removed", cls::breaking}}, "/paths/~1b/get", ""});
  check({"same operations", spec(both), spec(both), {}});
}

TEST(DiffOperations, PathParameterRenameIsNoChange) {
  const std::string a = "{'/a/{id}': {get: {parameters: [{name: id, in: path, required: true, schema: {type: string}}], " + ok + "}}}";
  const std::string b = "{'/a/{key}': {get: {parameters: [{name: key, in: path, required: true, schema: {type: string}}], " + ok + "}}}";
  check({"path parameter renamed", spec(a), spec(b), {}});
  const std::string c = "{'/a/{key}': {get: {parameters: [{name: key, in: path, required: true, schema: {type: integer}}], " + ok + "}}}";
  check({"renamed and narrowed", spec(a), spec(c), {{"parameter-type-changed", cls::breaking}},
         "/paths/~1a~1{id}/get/parameters/0/schema", "/paths/~1a~1{key}/get/parameters/0/schema"});
}

TEST(DiffOperations, OperationIdChanged) {
  check({"operationId changed", spec(get_a("operationId: one, " + ok)), spec(get_a("operationId: two, " + ok)),
         {{"operation-id-changed", cls::compatible}}, op_get, op_get});
  check({"operationId kept", spec(get_a("operationId: one, " + ok)), spec(get_a("operationId: one, " + ok)), {}});
}

// ---- parameters ----

TEST(DiffParameters, AddedRemovedMovedRequired) {
  const std::string none = spec(get_a(ok));
  const std::string opt = spec(get_a(query("{type: string}")));
  const std::string reqd = spec(get_a(query("{type: string}", true)));
  const std::string header = spec(get_a("parameters: [{name: q, in: header, schema: {type: string}}], " + ok));
  check({"required added", none, reqd, {{"parameter-required-added", cls::breaking}}, "", q0});
  check({"optional added", none, opt, {{"parameter-optional-added", cls::compatible}}, "", q0});
  check({"removed", opt, none, {{"parameter-removed", cls::breaking}}, q0, ""});
  check({"moved", opt, header, {{"parameter-moved", cls::breaking}}, q0, q0});
  check({"made required", opt, reqd, {{"parameter-made-required", cls::breaking}}, q0, q0});
  check({"made optional", reqd, opt, {{"parameter-made-optional", cls::compatible}}, q0, q0});
  check({"unchanged", opt, opt, {}});
}

TEST(DiffParameters, HeaderNamesAreCaseInsensitive) {
  const std::string a = spec(get_a("parameters: [{name: X-Trace, in: header, schema: {type: string}}], " + ok));
  const std::string b = spec(get_a("parameters: [{name: x-trace, in: header, schema: {type: string}}], " + ok));
  check({"header case", a, b, {}});
}

TEST(DiffParameters, SchemaNarrowedAndWidened) {
  auto p = [](const std::string& schema) { return spec(get_a(query(schema))); };
  check({"type narrowed", p("{type: number}"), p("{type: integer}"), {{"parameter-type-narrowed", cls::breaking}}, qs, qs});
  check({"type widened", p("{type: integer}"), p("{type: number}"), {{"parameter-type-widened", cls::compatible}}, qs, qs});
  check({"type changed", p("{type: string}"), p("{type: boolean}"), {{"parameter-type-changed", cls::breaking}}, qs, qs});
  check({"type added (any -> string)", p("{}"), p("{type: string}"), {{"parameter-type-narrowed", cls::breaking}}, qs, qs});
  check({"format narrowed", p("{type: string}"), p("{type: string, format: uuid}"),
         {{"parameter-format-narrowed", cls::breaking}}, qs, qs});
  check({"format widened", p("{type: string, format: uuid}"), p("{type: string}"),
         {{"parameter-format-widened", cls::compatible}}, qs, qs});
  check({"format changed", p("{type: string, format: uuid}"), p("{type: string, format: date}"),
         {{"parameter-format-changed", cls::breaking}}, qs, qs});
  check({"enum value removed", p("{type: string, enum: [a, b]}"), p("{type: string, enum: [a]}"),
         {{"parameter-enum-value-removed", cls::breaking}}, qs, qs});
  check({"enum value added", p("{type: string, enum: [a]}"), p("{type: string, enum: [a, b]}"),
         {{"parameter-enum-value-added", cls::compatible}}, qs, qs});
  check({"enum reordered", p("{type: string, enum: [a, b]}"), p("{type: string, enum: [b, a]}"), {}});
  check({"enum added", p("{type: string}"), p("{type: string, enum: [a]}"), {{"parameter-enum-added", cls::breaking}}, qs, qs});
  check({"enum removed", p("{type: string, enum: [a]}"), p("{type: string}"), {{"parameter-enum-removed", cls::compatible}}, qs, qs});
  check({"maxLength lowered", p("{type: string, maxLength: 10}"), p("{type: string, maxLength: 5}"),
         {{"parameter-limit-narrowed", cls::breaking}}, qs, qs});
  check({"maxLength raised", p("{type: string, maxLength: 5}"), p("{type: string, maxLength: 10}"),
         {{"parameter-limit-widened", cls::compatible}}, qs, qs});
  check({"minimum raised", p("{type: integer, minimum: 1}"), p("{type: integer, minimum: 2}"),
         {{"parameter-limit-narrowed", cls::breaking}}, qs, qs});
  check({"minimum lowered", p("{type: integer, minimum: 2}"), p("{type: integer, minimum: 1}"),
         {{"parameter-limit-widened", cls::compatible}}, qs, qs});
  check({"maximum added", p("{type: integer}"), p("{type: integer, maximum: 9}"),
         {{"parameter-limit-narrowed", cls::breaking}}, qs, qs});
  check({"exclusiveMinimum added", p("{type: integer, minimum: 1}"), p("{type: integer, minimum: 1, exclusiveMinimum: true}"),
         {{"parameter-limit-narrowed", cls::breaking}}, qs, qs});
  check({"pattern added", p("{type: string}"), p("{type: string, pattern: '^a'}"),
         {{"parameter-limit-narrowed", cls::breaking}}, qs, qs});
  check({"pattern removed", p("{type: string, pattern: '^a'}"), p("{type: string}"),
         {{"parameter-limit-widened", cls::compatible}}, qs, qs});
  check({"pattern changed", p("{type: string, pattern: '^a'}"), p("{type: string, pattern: '^b'}"),
         {{"parameter-pattern-changed", cls::breaking}}, qs, qs});
  check({"nullable removed", p("{type: string, nullable: true}"), p("{type: string}"),
         {{"parameter-nullable-removed", cls::breaking}}, qs, qs});
  check({"nullable added", p("{type: string}"), p("{type: string, nullable: true}"),
         {{"parameter-nullable-added", cls::compatible}}, qs, qs});
  check({"same limits", p("{type: integer, minimum: 1, maximum: 5}"), p("{type: integer, maximum: 5, minimum: 1}"), {}});
}

TEST(DiffParameters, StyleExplodeDeprecatedAndDefault) {
  auto p = [](const std::string& extra, const std::string& schema = "{type: array, items: {type: string}}") {
    return spec(get_a("parameters: [{name: q, in: query" + extra + ", schema: " + schema + "}], " + ok));
  };
  check({"style changed", p(""), p(", style: spaceDelimited"), {{"parameter-style-changed", cls::breaking}}, q0, q0});
  check({"explode changed", p(""), p(", explode: false"), {{"parameter-style-changed", cls::breaking}}, q0, q0});
  check({"the default style spelt out", p(""), p(", style: form, explode: true"), {}});
  check({"deprecated", p(""), p(", deprecated: true"), {{"parameter-deprecated", cls::compatible}}, q0, q0});
  check({"still deprecated", p(", deprecated: true"), p(", deprecated: true"), {}});
  const std::string page = "{type: integer, default: 20}";
  check({"default changed", p("", page), p("", "{type: integer, default: 50}"),
         {{"parameter-default-changed", cls::potentially_breaking}}, qs, qs});
  check({"default added", p("", "{type: integer}"), p("", page), {{"parameter-default-changed", cls::potentially_breaking}}});
  check({"same default", p("", page), p("", page), {}});
}

TEST(DiffOperations, Deprecated) {
  check({"operation deprecated", spec(get_a(ok)), spec(get_a("deprecated: true, " + ok)),
         {{"operation-deprecated", cls::compatible}}, op_get, op_get});
  check({"un-deprecated is no change to report", spec(get_a("deprecated: true, " + ok)), spec(get_a(ok)), {}});
}

// ---- request bodies ----

TEST(DiffRequestBody, BodyAddedRemovedRequired) {
  const std::string none = spec(post_a(ok));
  const std::string reqd = spec(post_a(body("{type: object}", true)));
  const std::string opt = spec(post_a(body("{type: object}", false)));
  const std::string rb = op_post + "/requestBody";
  check({"required body added", none, reqd, {{"request-body-required-added", cls::breaking}}, "", rb});
  check({"optional body added", none, opt, {{"request-body-optional-added", cls::compatible}}, "", rb});
  check({"body removed", opt, none, {{"request-body-removed", cls::potentially_breaking}}, rb, ""});
  check({"body made required", opt, reqd, {{"request-body-made-required", cls::breaking}}, rb, rb});
  check({"body made optional", reqd, opt, {{"request-body-made-optional", cls::compatible}}, rb, rb});
}

TEST(DiffRequestBody, Properties) {
  auto b = [](const std::string& schema) { return spec(post_a(body(schema))); };
  const std::string base = "{type: object, properties: {a: {type: string}}}";
  check({"required property added", b(base), b("{type: object, required: [c], properties: {a: {type: string}, c: {type: string}}}"),
         {{"request-body-property-required-added", cls::breaking}}, "", req + "/properties/c"});
  check({"optional property added", b(base), b("{type: object, properties: {a: {type: string}, c: {type: string}}}"),
         {{"request-body-property-optional-added", cls::compatible}}, "", req + "/properties/c"});
  check({"required readOnly property added", b(base),
         b("{type: object, required: [c], properties: {a: {type: string}, c: {type: string, readOnly: true}}}"),
         {{"request-body-property-optional-added", cls::compatible}}});
  check({"property made required", b(base), b("{type: object, required: [a], properties: {a: {type: string}}}"),
         {{"request-body-property-made-required", cls::breaking}}, req + "/properties/a", req + "/properties/a"});
  check({"property made optional", b("{type: object, required: [a], properties: {a: {type: string}}}"), b(base),
         {{"request-body-property-made-optional", cls::compatible}}, req + "/properties/a", req + "/properties/a"});
  check({"property removed", b(base), b("{type: object}"),
         {{"request-body-property-removed", cls::potentially_breaking}}, req + "/properties/a", ""});
  check({"property type narrowed", b("{type: object, properties: {a: {type: number}}}"),
         b("{type: object, properties: {a: {type: integer}}}"),
         {{"request-body-type-narrowed", cls::breaking}}, req + "/properties/a", req + "/properties/a"});
  check({"property enum value removed", b("{type: object, properties: {a: {type: string, enum: [x, y]}}}"),
         b("{type: object, properties: {a: {type: string, enum: [y]}}}"),
         {{"request-body-enum-value-removed", cls::breaking}}, req + "/properties/a", req + "/properties/a"});
  check({"additionalProperties false added", b(base), b("{type: object, additionalProperties: false, properties: {a: {type: string}}}"),
         {{"request-body-additional-properties-closed", cls::breaking}}, req, req});
  check({"additionalProperties false removed", b("{type: object, additionalProperties: false, properties: {a: {type: string}}}"), b(base),
         {{"request-body-additional-properties-opened", cls::compatible}}, req, req});
  check({"items narrowed", b("{type: array, items: {type: string}}"), b("{type: array, items: {type: string, maxLength: 3}}"),
         {{"request-body-limit-narrowed", cls::breaking}}, req + "/items", req + "/items"});
  check({"same body", b(base), b(base), {}});
}

TEST(DiffRequestBody, MediaTypes) {
  const std::string json_only = spec(post_a(body("{type: object}")));
  const std::string both = spec(post_a(
      "requestBody: {required: true, content: {application/json: {schema: {type: object}}, text/plain: {schema: {type: string}}}}, " + ok));
  const std::string mt = op_post + "/requestBody/content/text~1plain";
  check({"request media type removed", both, json_only, {{"request-media-type-removed", cls::breaking}}, mt, ""});
  check({"request media type added", json_only, both, {{"request-media-type-added", cls::compatible}}, "", mt});
  const std::string charset = spec(post_a("requestBody: {required: true, content: {'application/json; charset=utf-8': {schema: {type: object}}}}, " + ok));
  check({"same essence, other parameters", json_only, charset, {}});
}

// ---- responses ----

TEST(DiffResponses, StatusRemovedAndAdded) {
  const std::string one = spec(get_a(ok));
  const std::string two = spec(get_a("responses: {'200': {description: ok}, '404': {description: gone}}"));
  check({"status removed", two, one, {{"response-status-removed", cls::breaking}}, op_get + "/responses/404", ""});
  check({"status added", one, two, {{"response-status-added", cls::compatible}}, "", op_get + "/responses/404"});
}

TEST(DiffResponses, Headers) {
  auto h = [](const std::string& headers) {
    return spec(get_a("responses: {'200': {description: ok, headers: {" + headers + "}}}"));
  };
  const std::string rate = op_get + "/responses/200/headers/X-Rate";
  const std::string required = h("X-Rate: {required: true, schema: {type: integer}}");
  const std::string optional = h("X-Rate: {schema: {type: integer}}");
  const std::string none = spec(get_a(ok));
  check({"required header removed", required, none, {{"response-header-removed", cls::breaking}}, rate, ""});
  check({"optional header removed", optional, none, {{"response-header-removed", cls::potentially_breaking}}, rate, ""});
  check({"header added", none, optional, {{"response-header-added", cls::compatible}}, "", rate});
  check({"made optional", required, optional, {{"response-header-made-optional", cls::breaking}}, rate, rate});
  check({"made required", optional, required, {{"response-header-made-required", cls::compatible}}, rate, rate});
  check({"header type widened", optional, h("X-Rate: {schema: {type: number}}"),
         {{"response-header-type-widened", cls::breaking}}, rate + "/schema", rate + "/schema"});
  check({"header name case", optional, h("x-rate: {schema: {type: integer}}"), {}});
  // Defaults in what the server sends change nothing for clients.
  check({"response default", h("X-Rate: {schema: {type: integer, default: 1}}"),
         h("X-Rate: {schema: {type: integer, default: 2}}"), {}});
}

TEST(DiffResponses, PropertiesTakeTheOtherDirection) {
  auto r = [](const std::string& schema) { return spec(get_a(reply(schema))); };
  const std::string reqd = "{type: object, required: [a], properties: {a: {type: integer}}}";
  check({"response property removed", r(reqd), r("{type: object}"),
         {{"response-body-property-removed", cls::breaking}}, res + "/properties/a", ""});
  check({"response property made optional", r(reqd), r("{type: object, properties: {a: {type: integer}}}"),
         {{"response-body-property-made-optional", cls::breaking}}, res + "/properties/a", res + "/properties/a"});
  check({"response property made required (compatible)", r("{type: object, properties: {a: {type: integer}}}"), r(reqd),
         {{"response-body-property-made-required", cls::compatible}}});
  check({"response required property added (compatible)", r("{type: object}"), r(reqd),
         {{"response-body-property-required-added", cls::compatible}}});
  check({"response property made nullable", r(reqd), r("{type: object, required: [a], properties: {a: {type: integer, nullable: true}}}"),
         {{"response-body-nullable-added", cls::breaking}}, res + "/properties/a", res + "/properties/a"});
  check({"response type widened", r(reqd), r("{type: object, required: [a], properties: {a: {type: number}}}"),
         {{"response-body-type-widened", cls::breaking}}, res + "/properties/a", res + "/properties/a"});
  check({"response type narrowed (compatible)", r("{type: object, required: [a], properties: {a: {type: number}}}"), r(reqd),
         {{"response-body-type-narrowed", cls::compatible}}});
  check({"response enum value added", r("{type: string, enum: [a]}"), r("{type: string, enum: [a, b]}"),
         {{"response-body-enum-value-added", cls::potentially_breaking}}, res, res});
  check({"response enum value removed (compatible)", r("{type: string, enum: [a, b]}"), r("{type: string, enum: [a]}"),
         {{"response-body-enum-value-removed", cls::compatible}}});
  check({"response maxLength raised", r("{type: string, maxLength: 5}"), r("{type: string, maxLength: 9}"),
         {{"response-body-limit-widened", cls::breaking}}, res, res});
  check({"response additionalProperties false added (compatible)", r("{type: object}"),
         r("{type: object, additionalProperties: false}"), {{"response-body-additional-properties-closed", cls::compatible}}});
  check({"response additionalProperties false removed", r("{type: object, additionalProperties: false}"), r("{type: object}"),
         {{"response-body-additional-properties-opened", cls::potentially_breaking}}, res, res});
  check({"required writeOnly property made optional", r("{type: object, required: [a], properties: {a: {type: string, writeOnly: true}}}"),
         r("{type: object, properties: {a: {type: string, writeOnly: true}}}"), {}});
}

TEST(DiffResponses, MediaTypes) {
  const std::string json_only = spec(get_a(reply("{type: object}")));
  const std::string both = spec(get_a(
      "responses: {'200': {description: ok, content: {application/json: {schema: {type: object}}, text/csv: {schema: {type: string}}}}}"));
  const std::string none = spec(get_a(ok));
  const std::string csv = op_get + "/responses/200/content/text~1csv";
  check({"one of two response media types removed", both, json_only,
         {{"response-media-type-removed", cls::potentially_breaking}}, csv, ""});
  check({"the only response media type removed", json_only, none,
         {{"response-media-type-removed", cls::breaking}}, op_get + "/responses/200/content/application~1json", ""});
  check({"response media type added", json_only, both, {{"response-media-type-added", cls::compatible}}, "", csv});
}

// ---- security ----

TEST(DiffSecurity, AddedChangedRemoved) {
  const std::string schemes =
      "{securitySchemes: {basic: {type: http, scheme: basic}, key: {type: apiKey, in: header, name: Authorization}}}";
  auto s = [&](const std::string& security) { return spec(get_a(security + ok), schemes); };
  check({"security added", s(""), s("security: [{basic: []}], "), {{"security-added", cls::breaking}}, op_get, op_get});
  check({"security changed", s("security: [{basic: []}], "), s("security: [{key: []}], "),
         {{"security-changed", cls::breaking}}, op_get, op_get});
  check({"security both schemes now", s("security: [{basic: []}], "), s("security: [{basic: [], key: []}], "),
         {{"security-changed", cls::breaking}}});
  check({"security alternative added", s("security: [{basic: []}], "), s("security: [{basic: []}, {key: []}], "),
         {{"security-alternative-added", cls::compatible}}, op_get, op_get});
  check({"security removed", s("security: [{basic: []}], "), s("security: [], "),
         {{"security-removed", cls::compatible}}, op_get, op_get});
  check({"security made optional", s("security: [{basic: []}], "), s("security: [{basic: []}, {}], "),
         {{"security-removed", cls::compatible}}});
  check({"same security, reordered", s("security: [{basic: []}, {key: []}], "), s("security: [{key: []}, {basic: []}], "), {}});
  // The document's security applies to every operation that declares none.
  check({"global security added", spec(get_a(ok), schemes), spec(get_a(ok), schemes, "security: [{basic: []}]\n"),
         {{"security-added", cls::breaking}}});
}

// ---- Kibana's API versions ----

TEST(DiffApiVersions, MediaTypeVersionAndHeaderEnum) {
  auto v = [](const std::vector<std::string>& versions) {
    std::string content;
    for (const auto& x : versions)
      content += (content.empty() ? "" : ", ") + std::string("'application/json; Elastic-Api-Version=") + x +
                 "': {schema: {type: object}}";
    return spec(get_a("responses: {'200': {description: ok, content: {" + content + "}}}"));
  };
  const std::string two_mt = op_get + "/responses/200/content/application~1json; Elastic-Api-Version=2023-10-31";
  check({"version removed", v({"2023-10-31", "2024-05-01"}), v({"2024-05-01"}),
         {{"api-version-removed", cls::breaking}}, two_mt, op_get});
  check({"version replaced", v({"2023-10-31"}), v({"2024-05-01"}),
         {{"api-version-removed", cls::breaking}, {"api-version-added", cls::compatible}}, two_mt, op_get});
  check({"version added", v({"2023-10-31"}), v({"2023-10-31", "2024-05-01"}),
         {{"api-version-added", cls::compatible}}});
  check({"same versions", v({"2023-10-31", "2024-05-01"}), v({"2023-10-31", "2024-05-01"}), {}});

  auto h = [](const std::string& values) {
    return spec(get_a("parameters: [{name: elastic-api-version, in: header, required: true, schema: {type: string, enum: [" +
                      values + "]}}], " + ok));
  };
  check({"header enum loses a version", h("'2023-10-31', '2024-05-01'"), h("'2024-05-01'"),
         {{"api-version-removed", cls::breaking}}, qs, qs});
  check({"header enum gains a version", h("'2023-10-31'"), h("'2023-10-31', '2024-05-01'"),
         {{"parameter-enum-value-added", cls::compatible}}});
}

// ---- unions ----

TEST(DiffUnions, BranchesAddedRemovedChanged) {
  auto b = [](const std::string& branches) { return spec(post_a(body("{oneOf: [" + branches + "]}"))); };
  auto r = [](const std::string& branches) { return spec(get_a(reply("{oneOf: [" + branches + "]}"))); };
  check({"request branch added", b("{type: string}"), b("{type: string}, {type: integer}"),
         {{"request-body-union-branch-added", cls::compatible}}, req, req});
  check({"request branch removed", b("{type: string}, {type: integer}"), b("{type: string}"),
         {{"request-body-union-branch-removed", cls::breaking}}, req, req});
  check({"response branch added", r("{type: string}"), r("{type: string}, {type: integer}"),
         {{"response-body-union-branch-added", cls::potentially_breaking}}, res, res});
  check({"branches reordered", b("{type: string}, {type: integer}"), b("{type: integer}, {type: string}"), {}});
  check({"one branch narrowed in place", b("{type: string}, {type: integer}"), b("{type: string, maxLength: 3}, {type: integer}"),
         {{"request-body-limit-narrowed", cls::breaking}}, req + "/oneOf/0", req + "/oneOf/0"});
  check({"branches replaced", b("{type: string}, {type: integer}"), b("{type: boolean}"),
         {{"request-body-union-changed", cls::potentially_breaking}}, req, req});
}

// ---- structure: $ref, allOf, recursion ----

TEST(DiffStructure, SelfDiffIsEmpty) {
  const std::string text = spec(
      "{'/a/{id}': {parameters: [{name: id, in: path, required: true, schema: {type: string}}], "
      "get: {operationId: getA, parameters: [{name: q, in: query, schema: {type: integer, minimum: 1}}], "
      "responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}}}, "
      "put: {requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}, " + ok + "}}}",
      "{schemas: {Thing: {type: object, required: [name], properties: {name: {type: string, enum: [x, y]}, "
      "tags: {type: array, items: {type: string}}, kind: {oneOf: [{type: string}, {type: integer}]}}}}}");
  auto l = run(text, text);
  EXPECT_TRUE(l.result.changes.empty()) << dump(l.result);
  EXPECT_FALSE(l.result.any_at_least(cls::compatible));
}

TEST(DiffStructure, ComponentRenameIsNoChange) {
  const std::string old_text = spec(get_a(reply("{$ref: '#/components/schemas/Old'}")),
                                    "{schemas: {Old: {type: object, required: [a], properties: {a: {type: string}}}}}");
  const std::string new_text = spec(get_a(reply("{$ref: '#/components/schemas/New'}")),
                                    "{schemas: {New: {type: object, required: [a], properties: {a: {type: string}}}}}");
  check({"component renamed", old_text, new_text, {}});
  // Inlined instead of referenced, or split into allOf: the same structure.
  check({"ref inlined", old_text, spec(get_a(reply("{type: object, required: [a], properties: {a: {type: string}}}"))), {}});
  check({"split into allOf", old_text,
         spec(get_a(reply("{allOf: [{type: object, required: [a]}, {properties: {a: {type: string}}}]}"))), {}});
  // Renamed and changed: the change is found at the new component's pointer.
  const std::string changed = spec(get_a(reply("{$ref: '#/components/schemas/New'}")),
                                   "{schemas: {New: {type: object, required: [a], properties: {a: {type: integer}}}}}");
  check({"renamed and changed", old_text, changed, {{"response-body-type-changed", cls::breaking}},
         "/components/schemas/Old/properties/a", "/components/schemas/New/properties/a"});
}

TEST(DiffStructure, RecursiveSchemasTerminate) {
  const std::string node = "{schemas: {Node: {type: object, properties: {name: {type: string}, "
                           "children: {type: array, items: {$ref: '#/components/schemas/Node'}}}}}}";
  const std::string tree = "{schemas: {Tree: {type: object, properties: {name: {type: string}, "
                           "children: {type: array, items: {$ref: '#/components/schemas/Tree'}}}}}}";
  const std::string old_text = spec(get_a(reply("{$ref: '#/components/schemas/Node'}")), node);
  check({"recursive self-diff", old_text, old_text, {}});
  check({"recursive renamed", old_text, spec(get_a(reply("{$ref: '#/components/schemas/Tree'}")), tree), {}});
  // Mutual recursion through a oneOf, and a change deep inside: found once, no loop.
  const std::string mutual_old =
      "{schemas: {A: {oneOf: [{type: string}, {$ref: '#/components/schemas/B'}]}, "
      "B: {type: object, properties: {next: {$ref: '#/components/schemas/A'}, n: {type: integer}}}}}";
  const std::string mutual_new =
      "{schemas: {A: {oneOf: [{type: string}, {$ref: '#/components/schemas/B'}]}, "
      "B: {type: object, properties: {next: {$ref: '#/components/schemas/A'}, n: {type: integer, maximum: 5}}}}}";
  const std::string mo = spec(post_a(body("{$ref: '#/components/schemas/A'}")), mutual_old);
  check({"mutual recursion self-diff", mo, mo, {}});
  check({"mutual recursion changed", mo, spec(post_a(body("{$ref: '#/components/schemas/A'}")), mutual_new),
         {{"request-body-limit-narrowed", cls::breaking}}, "/components/schemas/B/properties/n",
         "/components/schemas/B/properties/n"});
}

TEST(DiffStructure, SharedComponentIsReportedPerOperation) {
  const std::string comp_old = "{schemas: {T: {type: object, properties: {a: {type: string}}}}}";
  const std::string comp_new = "{schemas: {T: {type: object, properties: {a: {type: string, maxLength: 2}}}}}";
  auto doc = [](const std::string& comp) {
    return spec("{/a: {post: {" + body("{$ref: '#/components/schemas/T'}") + "}, get: {" +
                    reply("{$ref: '#/components/schemas/T'}") + "}}}",
                comp);
  };
  auto l = run(doc(comp_old), doc(comp_new));
  // One change where T is sent (narrowed: breaking), one where it is received (narrowed: compatible).
  ASSERT_EQ(l.result.changes.size(), 2u) << dump(l.result);
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& c : l.result.changes) seen.emplace_back(c.method, c.kind + ":" + std::string(class_name(c.cls)));
  EXPECT_NE(std::find(seen.begin(), seen.end(), std::make_pair(std::string("POST"), std::string("request-body-limit-narrowed:breaking"))),
            seen.end());
  EXPECT_NE(std::find(seen.begin(), seen.end(), std::make_pair(std::string("GET"), std::string("response-body-limit-narrowed:compatible"))),
            seen.end());
  EXPECT_EQ(l.result.operations(), 2u);
}

// ---- Kibana's document ----

TEST(DiffKibana, AgainstItselfAndItsJsonCopyIsEmpty) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  auto built = load_contract_file(::specgate::testing::kibana_spec_path());
  ASSERT_TRUE(built.value);
  ASSERT_GT(built.value->operations().size(), 300u);
  const auto self = compare(*built.value, *built.value);
  EXPECT_TRUE(self.changes.empty()) << to_text(self).substr(0, 4000);
  // The same document as JSON text, loaded separately: other nodes, other positions, no change.
  auto copy = load_contract_text(built.value->docs().root().root().dump(), "kibana.json");
  ASSERT_TRUE(copy.value);
  const auto other = compare(*built.value, *copy.value);
  EXPECT_TRUE(other.changes.empty()) << to_text(other).substr(0, 4000);
}

// ---- renderings ----

TEST(DiffRender, TextJsonMarkdownCarryEveryChange) {
  const std::string a = spec("{/a: {get: {operationId: getA, " + query("{type: string}") + "}}, /b: {get: {" + ok + "}}}");
  const std::string b = spec("{/a: {get: {operationId: getA, " + query("{type: string, enum: [x]}", true) + "}}}");
  auto l = run(a, b);
  ASSERT_EQ(l.result.count(cls::breaking), 3u) << dump(l.result);
  EXPECT_EQ(summary_line(l.result), "3 breaking, 0 potentially breaking, 0 compatible change(s) in 2 operation(s)");

  const std::string text = to_text(l.result);
  EXPECT_NE(text.find("GET /a (getA)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("breaking  parameter-made-required  query parameter q became required  [old old.yaml:"), std::string::npos) << text;
  EXPECT_NE(text.find("GET /b\n  breaking  path-removed"), std::string::npos) << text;
  EXPECT_NE(text.find("| new -]"), std::string::npos) << text;

  const auto j = to_json(l.result, "old.yaml", "new.yaml");
  EXPECT_EQ(j["summary"]["breaking"], 3);
  EXPECT_EQ(j["summary"]["operations"], 2);
  ASSERT_EQ(j["changes"].size(), 3u);
  for (const auto& c : j["changes"]) {
    EXPECT_EQ(c["class"], "breaking");
    EXPECT_TRUE(c["old"].is_object());
    EXPECT_GT(c["old"]["line"].get<int>(), 0);
  }
  EXPECT_TRUE(j["changes"][2]["new"].is_null()) << j.dump(2);
  EXPECT_EQ(j["changes"][2]["kind"], "path-removed");

  const std::string md = to_markdown(l.result, "old.yaml", "new.yaml");
  EXPECT_NE(md.find("| breaking | 3 |"), std::string::npos) << md;
  EXPECT_NE(md.find("### `GET /a` (getA)"), std::string::npos) << md;
  EXPECT_NE(md.find("- **breaking** `parameter-enum-added`"), std::string::npos) << md;
}

TEST(DiffRender, MarkdownPutsBreakingFirst) {
  const std::string a = spec("{/a: {get: {" + query("{type: string}") + "}}, /b: {get: {" + query("{type: string}") + "}}}");
  const std::string b = spec("{/a: {get: {" + query("{type: string, nullable: true}") + "}}, /b: {get: {" + ok + "}}}");
  auto l = run(a, b);
  const std::string md = to_markdown(l.result, "o", "n");
  ASSERT_NE(md.find("`GET /b`"), std::string::npos) << md;
  ASSERT_NE(md.find("`GET /a`"), std::string::npos) << md;
  EXPECT_LT(md.find("`GET /b`"), md.find("`GET /a`")) << md;
}

}  // namespace
}  // namespace specgate::validator::diff
