#pragma once
// The compiled contract: every operation of an OpenAPI document with its
// parameters, bodies, responses and security, the router over them, and the
// compiled schemas. Built once at load, immutable, shared by every thread.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "validator/document/diagnostic.h"
#include "validator/document/document.h"
#include "validator/document/loader.h"
#include "validator/contract/param_decode.h"
#include "validator/contract/profile.h"
#include "validator/contract/router.h"
#include "validator/schema/schema.h"

namespace specgate::validator {

enum class param_location { path, query, header, cookie };
std::string_view location_name(param_location l);

struct parameter {
  std::string name;
  param_location in = param_location::query;
  bool required = false;
  std::string style;     // as declared or the default for its location
  bool explode = false;  // as declared or the default for its style
  schema_id schema = no_schema;
  param_shape shape;     // what the decoder needs of the schema
  std::vector<std::string> siblings;  // names of the operation's other parameters in the same location
  const document* doc = nullptr;  // the file the Parameter Object is in (after $ref)
  std::string pointer;   // of the Parameter Object (after $ref), in `doc`
};

struct example {
  std::string name;           // key in `examples`, or "example" for the single one
  const json* value = nullptr;
  std::string pointer;        // of the value
};

struct media_type {
  std::string key;      // as declared: "application/json; Elastic-Api-Version=2023-10-31"
  std::string essence;  // lower case type/subtype: "application/json"
  // Further essences of a malformed key listing several types
  // ("application/gzip; application/zip; ..." also accepts application/zip).
  std::vector<std::string> alternatives;
  std::vector<std::pair<std::string, std::string>> parameters;  // lower-case names, values as declared
  schema_id schema = no_schema;
  param_shape form_shape;  // form and multipart bodies: property types, to coerce fields
  // Form and multipart bodies: each property of the Encoding Object (`encoding`) that declares a
  // contentType, and whether that is JSON (so the field is JSON text).
  std::vector<form_property_encoding> form_encodings;
  std::vector<example> examples;
  const document* doc = nullptr;  // the file the Media Type Object is in
  std::string pointer;            // of the Media Type Object, in `doc`
};

// Parses "type/subtype; a=b; c=\"d\"" into essence + parameters; nullopt if malformed.
std::optional<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> parse_media_type(
    std::string_view text);

struct request_body {
  bool required = false;
  std::vector<media_type> content;
  std::string pointer;
};

struct response_header {
  std::string name;
  bool required = false;
  schema_id schema = no_schema;
  std::string pointer;  // of the Header Object
};

struct response {
  std::string status;  // "200", "2XX", "default"
  std::vector<media_type> content;
  std::vector<response_header> headers;
  std::string pointer;
  // Its definition is broken (a $ref that resolves nowhere, not an object, content that
  // is not a map): reported at load; it holds no header and no body to anything, and
  // the mock answers its status without a body.
  bool unchecked = false;
};

struct operation {
  http_method method = http_method::get;
  std::string path;          // template: "/api/fleet/agents/{agentId}"
  std::string operation_id;  // as declared, or "METHOD /path" when missing
  std::vector<std::string> tags;  // as declared (strings only), in order; may be empty
  std::vector<parameter> parameters;  // path-item ones merged in (operation wins)
  std::optional<request_body> body;
  std::vector<response> responses;    // in declaration order
  // When `responses` is empty, what the mock answers: 200 {} when nothing is declared
  // (responses: {}, missing, or not an object), 501 when entries are declared but none
  // is usable (no valid status code) and this is true.
  bool not_implemented = false;
  // Alternatives, each a set of scheme names that must all be satisfied; empty = no security.
  std::vector<std::vector<std::string>> security;
  const document* doc = nullptr;
  std::string pointer;  // "/paths/~1api~1cases/delete"

  // First declared success response (2xx, then 2XX, then default), or nullptr.
  const response* success_response() const;
  // The route's API versions (kibana): the Elastic-Api-Version parameters of its media types, request
  // body first, then responses in declaration order, each once. Empty: not a versioned route.
  // Kibana's document carries no other trace of them.
  std::vector<std::string> api_versions() const;
};

// How a contract is built from a loaded document.
//
// Degrade per operation, never per document: a defect confined to one
// operation, parameter, response or schema is a diagnostic (file:line:col and
// pointer) and the rest is served; the broken part constrains nothing:
// - a $ref that resolves nowhere: the schema accepts any value; a parameter,
//   header or request body it stood for is left out (any value accepted); a
//   response keeps its status and is `unchecked`;
// - an operation without usable `responses` (missing, not an object, `{}`):
//   the mock answers 200 {}; declared entries of which none is usable: 501;
// - a Parameter Object that is not an object, has no name or a bad `in`: left
//   out; one declared twice in the same list: the last one wins; a path
//   parameter the template does not name: never required;
// - a security requirement that is not an object, or names a scheme that is
//   not defined: that entry or name is left out; `security` that is not an
//   array: the document's security applies;
// - a Request Body Object that is not an object or whose content is not a map:
//   any body; a Media Type Object that is not an object: that type, any value;
// - duplicate operationIds: both operations are served (find() returns the
//   first);
// - a template that routes exactly like an earlier one with the same method
//   (/a/{x} and /a/{y}): reported with both locations and not routable (not
//   among operations()).
// Only a document that cannot be read at all is refused: not YAML or JSON, not
// OpenAPI 3.0 (the loader gives no document set), or without a `paths` object.
struct build_options {
  std::string base_path;                               // prefixes every route ("" or "/kibana")
  profile_choice profile = profile_choice::automatic;  // whose rules apply (profile.h)
  // Refuse the whole document on any error diagnostic. Default: only a document that cannot be read
  // at all is refused; a defect confined to one operation or schema is reported and degraded.
  bool strict_load = false;
};

class contract {
 public:
  const std::vector<operation>& operations() const { return operations_; }
  const router& routes() const { return router_; }
  const schema_registry& schemas() const { return *schemas_; }
  const document_set& docs() const { return *docs_; }
  const std::shared_ptr<const document_set>& docs_ptr() const { return docs_; }

  const operation* find(std::string_view operation_id) const;
  // The rules this contract is enforced with (kibana or openapi), decided at build.
  validator::profile profile() const { return profile_; }

  struct build_result {
    std::shared_ptr<const contract> value;  // null when the document cannot be served
    diagnostics problems;                   // every load, structure and schema problem
  };
  // Builds from a loaded document set.
  static build_result build(std::shared_ptr<const document_set> docs, build_options options = {});

  contract(const contract&) = delete;
  contract& operator=(const contract&) = delete;

 private:
  contract() = default;
  std::shared_ptr<const document_set> docs_;
  std::vector<operation> operations_;
  router router_;
  std::unique_ptr<schema_registry> schemas_;
  validator::profile profile_ = validator::profile::openapi;
  friend struct contract_builder;
};

// Loads a file (or text) and builds its contract in one step; diagnostics from both.
contract::build_result load_contract_file(const std::string& path, build_options options = {});
contract::build_result load_contract_text(std::string_view text, std::string name, build_options options = {});

}  // namespace specgate::validator
