#pragma once
// JSON text -> nlohmann::json for request bodies: RapidJSON's reader (SAX,
// iterative, so deep nesting never touches the stack) builds the value with
// exactly nlohmann's semantics (non-negative integers unsigned, negative ones
// signed, integers past 64 bits as doubles, duplicate keys: last wins).
// Anything RapidJSON refuses, or that the two libraries could read
// differently (NUL bytes, \uD800-\uDFFF escapes, a byte-order mark), is read
// again by nlohmann's parser, so what is accepted and the error positions are
// nlohmann's, at a fraction of its cost on the common path.
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace specgate::validator {

struct json_text_error {
  enum class kind { malformed, too_deep, out_of_range };
  kind what = kind::malformed;
  std::size_t byte = 0;  // 1-based position where reading stopped, as nlohmann counts it
  std::string detail;    // the parser's own words ("syntax error ... unexpected '}'")
};

// Reads `text` as one JSON document into `out`; nesting deeper than
// `max_depth` objects/arrays is refused. On failure `out` is null and `error`
// says why; true on success.
bool parse_json_text(std::string_view text, std::size_t max_depth, nlohmann::json& out, json_text_error& error);

}  // namespace specgate::validator
