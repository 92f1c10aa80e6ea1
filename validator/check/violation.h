#pragma once
// A broken rule of the contract, as data. Request and response checks
// collect every violation, in a stable order, and never include raw values
// of credentials.
#include <string>
#include <string_view>
#include <vector>

namespace specgate::validator {

enum class violation_location { route, security, header, path, query, cookie, content_type, body, status };
std::string_view location_name(violation_location l);

struct violation {
  std::string code;                 // stable machine name: "required", "type", "enum", "xsrf", ...
  violation_location location = violation_location::body;
  std::string name;                 // parameter or header name; empty for the body
  std::string instance_pointer;     // JSON Pointer inside the value ("" = the value itself)
  std::string schema_pointer;       // "#/paths/~1api~1cases~1configure/post/requestBody/content/..."
  std::string keyword;              // schema keyword that failed, when there is one
  std::string expected;             // short: "string", "[.none]", "at most 100 items"
  std::string found;                // short: "number", "undefined" (never a secret)
  std::string message;              // Kibana's wording: "[request body.connector.type]: expected value to equal [.none]"
  int status = 400;                 // what Kibana answers for it: 400, 401, 404, 406, 415
};

using violations = std::vector<violation>;

}  // namespace specgate::validator
