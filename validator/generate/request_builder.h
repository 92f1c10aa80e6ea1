#pragma once
// Builds valid requests for an operation of a contract: what `specgate test`
// sends as its positive requests, and what the fuzz and end-to-end suites
// start from. No networking: a request is data (parameters as values, the
// body as JSON) plus render(), so "a valid request, then mutate one thing" is
// an edit of that data before rendering.
//
// Per operation:
//  - parameters: path parameters always, required query, header and cookie
//    parameters, optional ones too with options.optional_parameters. A value
//    is the Parameter Object's own example(s) when they serve, else data from
//    the mock's generator (validator/generate/generate.h: static, then with
//    optional properties, then seeded dynamic choices). A value serves when
//    its serialisation (param_encode.h: style, explode, percent-encoding)
//    reads back through the request check's own decoder (param_decode.h) as a
//    value its schema accepts; a path parameter also needs a non-empty
//    segment, and the path as a whole must route to this operation (a value
//    "setup" for {agentId} would reach GET /api/fleet/agents/setup instead).
//    Values without an empty array (as the value or one of its properties)
//    are preferred, here and in generated bodies: Kibana reads "?ids=" as an
//    empty string, and an empty list in a body often asks for nothing.
//  - headers: Content-Type of the chosen media type (as declared, or its
//    essence when the key is malformed; multipart with its boundary); under
//    the kibana profile `kbn-xsrf: true` on writes and `elastic-api-version`
//    when the route is versioned (the body media type's version, else the
//    route's oldest, which is what Kibana serves without the header); then
//    options.headers (credentials, --header). Header parameters these already
//    set (kbn-xsrf and elastic-api-version under kibana, Content-Type when a
//    body is sent, any name the caller sets) are not generated.
//  - body: the first JSON media type, else the first declared. Every named
//    example that validates, in order, is a candidate "example 'name'" (the
//    single `example` is "example"); examples that do not validate are left
//    out with a note. When none validates (or options.always_generate), a
//    "generated" candidate (the mock's generator, seeded, for the request
//    direction: readOnly properties left out). JSON and NDJSON bodies are
//    checked against the schema, text/plain as a string, form and multipart
//    bodies as the request check decodes their fields; other media types
//    carry any bytes.
//  - a problem instead of candidates when no valid request can be built, with
//    the reason: a GET (HEAD) that declares a required body under the kibana
//    profile (Kibana's GET routes read no body: a spec defect), a required
//    parameter or a body for which no value reads back valid.
// Deterministic: the same contract, operation and options give the same
// requests in every run and thread.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "validator/contract/contract.h"
#include "validator/document/document.h"

namespace specgate::validator {

using header_pairs = std::vector<std::pair<std::string, std::string>>;

struct request_build_options {
  std::uint64_t seed = 0;        // generated data: same seed, same requests
  std::string base_path;         // "" or "/kibana": prefixes every target (e.g. the contract's routes().base_path())
  std::string space;             // kibana profile: "marketing" sends /s/marketing/api/...; ignored under openapi
  bool optional_parameters = false;  // also send optional query, header and cookie parameters
  bool always_generate = false;      // a "generated" candidate even when examples validate
  header_pairs headers;              // added to every request: credentials, --header
};

// One parameter of a built request: the declared parameter and its value (before serialisation).
struct param_value {
  const parameter* declared = nullptr;  // points into the contract
  json value;
};

// A request as bytes on the wire (less the framing).
struct rendered_request {
  std::string method;
  std::string target;  // path and query, percent-encoded
  header_pairs headers;
  std::string body;
};

struct built_request {
  std::string name;  // "example 'minimal'", "example", "generated"
  const operation* op = nullptr;
  std::string method;    // "POST"
  std::string prefix;    // base path and space prefix, before the operation's path
  std::vector<param_value> params;  // in the operation's declaration order
  header_pairs headers;  // Content-Type, kbn-xsrf, elastic-api-version, options.headers (not parameters)
  const media_type* media = nullptr;  // the body's media type; null: no body is sent
  json body;                          // the body's value (what the body schema checks)
  std::vector<std::string> file_fields;  // multipart: properties sent as file parts (format: binary)

  rendered_request render() const;
  // prefix + path + "?" + query; a template variable no parameter fills (undeclared, or removed) is "x1".
  std::string target() const;
  std::string render_body() const;  // the body as its media type carries it ("" without one)

  // For mutations: the parameter with this name and location, or null; remove one (false when absent).
  param_value* param(std::string_view name, param_location in);
  bool remove_param(std::string_view name, param_location in);
  // Case-insensitive header edits on `headers` (not on header parameters).
  void set_header(std::string name, std::string value);  // replaces a same-named header, else adds
  bool remove_header(std::string_view name);              // every same-named header; false when none
};

struct operation_requests {
  const operation* op = nullptr;
  std::vector<built_request> candidates;
  std::vector<std::string> notes;  // what was left out and why: examples that do not validate, ...
  std::string problem;             // non-empty (and no candidates): why no valid request can be built
};

class request_builder {
 public:
  // `c` must outlive the builder and what it builds.
  explicit request_builder(const contract& c, request_build_options options = {});

  operation_requests build(const operation& op) const;
  const request_build_options& options() const { return options_; }

 private:
  const contract& contract_;
  request_build_options options_;
  bool kibana_ = false;

  // Values of `p` that read back valid, best first (at most `limit`); empty when none.
  std::vector<json> parameter_values(const parameter& p, std::size_t limit) const;
  bool reads_back_valid(const parameter& p, const json& value) const;
  bool body_valid(const media_type& m, const json& value) const;
  std::vector<std::string> binary_properties(const media_type& m) const;
};

// The boundary of the multipart bodies built_request renders.
inline constexpr std::string_view multipart_boundary = "specgate-boundary-7MA4YWxkTrZu0gW";

}  // namespace specgate::validator
