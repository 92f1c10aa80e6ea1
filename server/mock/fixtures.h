#pragma once
// Fixtures: canned answers written by people, kept in files by operationId,
// optionally chosen by simple request conditions (a path or query parameter
// value, a header, a body field at a JSON Pointer). Every fixture is loaded
// and checked against the contract once, at start-up, with the same response
// check proxy mode uses; a bad one is an error naming its file and line.
// The format is documented in fixtures/README.md.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/http/http_types.h"
#include "validator/contract/contract.h"
#include "validator/check/request_validator.h"

namespace specgate::server {

// The text of one fixture file and the name diagnostics give it.
struct fixture_source {
  std::string name;  // "fixtures/getCaseTagsDefaultSpace.yaml" (embedded) or a path
  std::string text;
};

struct fixture_condition {
  enum class where { path, query, header, body };
  where in = where::query;
  std::string key;  // parameter or header name; for `body`, a JSON Pointer ("" = the whole body)
  // path/query/header: the accepted values as text (any one of them matches);
  // body: exactly one value, compared as JSON.
  std::vector<std::string> texts;
  validator::json value;
};

struct fixture {
  std::string name;    // optional; `Prefer: example=<name>` selects it
  std::string origin;  // "file:line" of the entry, for logs and the `source` of an answer
  int status = 200;
  std::string content_type;  // empty = no body
  header_list headers;       // as written in the fixture
  std::string body;          // serialized, checked against the contract at load
  std::vector<fixture_condition> when;  // all must hold; none = always
};

// What fixture conditions look at; the body is parsed at most once, and only
// when a condition needs it.
class fixture_request {
 public:
  fixture_request(const validator::route_match& route, std::string_view target, validator::header_span headers,
                  std::string_view body);
  bool matches(const fixture& f) const;

 private:
  const validator::route_match& route_;
  std::string_view query_;
  validator::header_span headers_;
  std::string_view body_;
  mutable std::optional<std::optional<validator::json>> parsed_body_;  // outer: tried; inner: parsed
  bool holds(const fixture_condition& c) const;
};

class fixture_set {
 public:
  fixture_set() = default;
  explicit fixture_set(std::size_t operations) : by_operation_(operations) {}
  // In file order (files sorted by name); the first whose conditions hold wins.
  std::span<const fixture> for_operation(std::size_t operation) const {
    return operation < by_operation_.size() ? std::span<const fixture>(by_operation_[operation])
                                            : std::span<const fixture>();
  }
  std::size_t size() const { return count_; }
  void add(std::size_t operation, fixture f);

 private:
  std::vector<std::vector<fixture>> by_operation_;
  std::size_t count_ = 0;
};

struct fixture_load_result {
  fixture_set fixtures;           // only the fixtures that passed every check
  validator::diagnostics problems;  // errors: bad fixtures (file:line:col); the mock refuses to start
};

// Parses and checks every source against the contract.
fixture_load_result load_fixtures(const validator::contract& c, std::span<const fixture_source> sources);

// Every *.json, *.yaml and *.yml file below `dir` (recursively), sorted by
// path; names are paths as given ("dir/x.yaml"). A missing or unreadable
// directory or file is an error.
std::pair<std::vector<fixture_source>, validator::diagnostics> read_fixture_dir(const std::string& dir);

// --- helpers shared with the mock responder ---

// The status a declared response key stands for: "404" -> 404, "4XX" -> 400,
// "default" -> 200.
int declared_status(std::string_view key);

// The Content-Type the mock sends for a declared media type: the key as
// declared, or for a malformed key ("application/gzip; application/zip; ...")
// its first essence with its parameters. Under the kibana profile JSON goes as
// Kibana sends it, `application/json; charset=utf-8` (the version parameter of
// Kibana's keys travels in the elastic-api-version header: api_version_of()).
std::string content_type_for(const validator::media_type& media,
                             validator::profile profile = validator::profile::openapi);
// The Elastic-Api-Version parameter of a media type key; empty when it has none.
std::string api_version_of(const validator::media_type& media);

// A value as the body of `media`: JSON text for JSON media; for ndjson one
// line per element of an array (any other value on one line); for any other
// media, strings as they are and other values as JSON text.
std::string serialize_body(const validator::media_type& media, const validator::json& value);

// The response's media types in the order the mock prefers them when the
// client states no preference: JSON ones first, then as declared.
std::vector<const validator::media_type*> preferred_media(const validator::response& r);

bool is_json_media(std::string_view essence);
bool is_ndjson_media(std::string_view essence);

}  // namespace specgate::server
