#pragma once
// One parsed YAML or JSON file: an immutable nlohmann::json tree plus the
// source position (line, column) of every node in it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "validator/document/diagnostic.h"

namespace specgate::validator {

using json = nlohmann::json;

struct source_position {
  std::uint32_t line = 0;    // 1-based, 0 = unknown
  std::uint32_t column = 0;  // 1-based, 0 = unknown
};

// Positions, one per node: (address of the node inside the document's tree,
// position). Any order; the document sorts them.
using position_list = std::vector<std::pair<const json*, source_position>>;

class document {
 public:
  // `positions` hold addresses of nodes below `root` (heap-allocated, so they
  // survive moving `root` in); the root's own position is `root_position`
  // because the root node itself moves.
  document(std::string file, json root, position_list positions,
           source_position root_position = {1, 1});
  document(const document&) = delete;
  document& operator=(const document&) = delete;

  const std::string& file() const { return file_; }
  const json& root() const { return root_; }

  // Position of a node of this document's tree (by address); {0,0} if unknown.
  source_position position_of(const json* node) const;
  // Node at a JSON Pointer ("" = root, "/paths/~1api~1x"), nullptr if absent or malformed.
  const json* find(std::string_view pointer) const;
  // Position at a JSON Pointer; for a missing node, the position of its nearest existing ancestor.
  source_position position_at(std::string_view pointer) const;

  // A diagnostic located at `pointer` in this document.
  // `rule`: the lint rule id of the finding (validator/lint/lint.h).
  diagnostic make_diagnostic(std::string_view pointer, std::string message,
                             severity level = severity::error, std::string_view rule = {}) const;

 private:
  std::string file_;
  json root_;
  position_list positions_;  // sorted by address
  source_position root_position_;
};

// A node found by following a $ref (document_set::deref in loader.h): the
// file it lives in, the node, and its JSON Pointer inside that file.
struct resolved_node {
  const document* doc = nullptr;
  const json* node = nullptr;
  std::string pointer;
};

struct parse_result {
  std::shared_ptr<const document> doc;  // null when the text could not be parsed at all
  diagnostics problems;
};

// Parses YAML (1.2 core schema) or JSON text. `file` names it in diagnostics.
// Input must be UTF-8 (an initial BOM is allowed) and hold one YAML document.
// Plain scalars: null (~, null, Null, NULL, empty), bool (true/True/TRUE,
// false/False/FALSE; yes/no/on/off are strings), int (decimal, 0o octal, 0x
// hex; non-negative values are stored unsigned like nlohmann's own parser;
// beyond 64 bits a double), float (incl. .inf/-.inf/.nan); everything else,
// and every quoted scalar, is a string. Tags !!str !!int !!float !!bool
// !!null are honoured. Mapping keys are strings as written. An alias is a
// copy of its anchored node (descendants keep the anchored node's positions,
// the copy itself gets the alias's). A duplicate key is an error; the first
// value is kept. Nesting is limited to max_nesting_depth levels.
// JSON goes through the same parser (JSON is YAML 1.2 flow style); one limit
// comes from libyaml: a mapping key longer than 1024 characters is a syntax
// error (YAML's limit on implicit keys), in JSON too.
parse_result parse_document(std::string_view text, std::string file);
inline constexpr std::size_t max_nesting_depth = 1000;
// Nodes that YAML aliases may copy into one document, in all: a few bytes of
// nested aliases ("billion laughs") would otherwise expand without end.
inline constexpr std::size_t max_alias_expansion = 1'000'000;
// Reads and parses a file; a missing/unreadable file is a diagnostic.
parse_result parse_file(const std::string& path);

// JSON Pointer helpers (RFC 6901).
std::string escape_pointer_token(std::string_view token);
std::string pointer_append(std::string_view pointer, std::string_view token);
// Splits "/a/b~1c" into {"a","b/c"}; nullopt if malformed (no leading '/', bad ~ escape).
std::optional<std::vector<std::string>> split_pointer(std::string_view pointer);

}  // namespace specgate::validator
