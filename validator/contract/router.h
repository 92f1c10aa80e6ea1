#pragma once
// Maps (method, path) to an operation. Path templates from the spec, matched
// segment by segment (segments are percent-decoded first):
// - at each segment, literal segments are tried first (/api/fleet/agents/setup
//   is not /api/fleet/agents/{agentId}), then segments that mix literal text and
//   parameters ("pattern" segments: {agentId}.json, {name}.{ext}), then a
//   whole-segment parameter; when the rest of the path does not match, the next
//   candidate is tried;
// - pattern segments are tried in this order: more literal characters first,
//   then more parts, then by their text; within a pattern the literal parts
//   must match exactly and each parameter takes a non-empty run of characters;
//   when several splits fit, each parameter, left to right, takes the longest
//   run that lets the rest match (the greedy reading of Kibana's router, hapi:
//   {name}.{ext} on "a.b.c" gives name "a.b", ext "c");
// - a trailing slash is part of the path (neither Kibana nor OpenAPI strips
//   it): /a/ and /a are two templates, and each matches only itself;
// - with spaces on (the kibana profile) every /api path is also reachable
//   under Kibana's space prefix /s/{space_id} (space ids match [a-z0-9_-]+);
// - an optional base path prefixes everything.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace specgate::validator {

// HTTP methods OpenAPI path items know; index into a path item's operations.
enum class http_method : std::uint8_t { get, put, post, delete_, options, head, patch, trace, count_ };
std::optional<http_method> parse_method(std::string_view method);  // case-sensitive, as HTTP says
std::string_view method_name(http_method m);                      // "GET"

struct route_match {
  std::uint32_t operation = 0;  // index into the contract's operations
  // Path parameters in template order: name -> percent-decoded value.
  std::vector<std::pair<std::string_view, std::string>> path_params;
  std::string space_id;  // set when the request came in under /s/{space_id}
};

class router {
 public:
  router();
  ~router();
  router(router&&) noexcept;
  router& operator=(router&&) noexcept;

  // Adds a route; returns an error message when the template is malformed
  // ("{" without "}", empty name) or the method+template is already taken by
  // a template that routes identically (/a/{x} and /a/{y}); then, when
  // `taken_by` is given, it receives the operation that holds the route.
  std::optional<std::string> add(http_method method, std::string_view path_template, std::uint32_t operation,
                                 std::uint32_t* taken_by = nullptr);

  // Strips `base_path` ("" or "/kibana") before matching; requests outside it do not match.
  void set_base_path(std::string base_path);
  const std::string& base_path() const { return base_path_; }
  bool spaces() const { return spaces_; }

  // Kibana spaces: /s/{space_id}/api/... routes to /api/... (off by default).
  void set_spaces(bool on) { spaces_ = on; }

  // `path` is the request-target without its query string. HEAD falls back to GET.
  std::optional<route_match> match(std::string_view method, std::string_view path) const;

  // The methods declared for the path `path` matches, whatever the method
  // (for 405's Allow header); empty when no path template matches it.
  std::vector<http_method> allowed_methods(std::string_view path) const;

 private:
  struct node;
  std::unique_ptr<node> root_;
  std::string base_path_;
  bool spaces_ = false;
  std::vector<std::vector<std::string>> param_names_;  // per operation, template order; route_match points here

  // `rest`: the path after the slash that ends the segment of `n`; `end`: no segment is left.
  bool match_segments(const node& n, std::string_view rest, bool end, http_method m, route_match& out) const;
  // The path below the base path (and the space prefix) to match, with the space id; nullopt when outside.
  template <typename Visit>
  bool visit_paths(std::string_view path, Visit&& visit) const;
};

// Percent-decodes `in` into `out`; false when an escape is malformed.
bool percent_decode(std::string_view in, std::string& out);

}  // namespace specgate::validator
