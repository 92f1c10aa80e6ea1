#pragma once
// Loads an OpenAPI document and every file it reaches through relative
// $refs; checks the OpenAPI version and basic structure (info, paths,
// operations' responses); resolves and checks every $ref.
//
// Which "$ref"s are references: every object member "$ref" except inside
// literal data (example, default, enum, const, Example Object value, x-
// extensions) and except as a name in a map of names (a property called
// "$ref"). Each must resolve, and a chain of $ref-only nodes must reach a
// definition; every failure is a diagnostic at the $ref (file:line:col of
// the reference string, pointer of the object holding it). Recursive
// schemas (a $ref to an ancestor) are fine. Files are loaded once each,
// relative to the referring file's directory; http(s) references are
// reported, never fetched.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "validator/document/document.h"

namespace specgate::validator {

class document_set {
 public:
  // The entry document is documents()[0].
  const document& root() const { return *documents_.front(); }
  const std::vector<std::shared_ptr<const document>>& documents() const { return documents_; }

  // Resolves a $ref string as written inside `from` ("#/components/schemas/X",
  // "other.yaml#/X", "other.yaml"); follows chains of $ref-only nodes to the
  // final target. nullopt if it cannot be resolved (missing file or node,
  // malformed or remote reference, a chain that loops).
  // The returned pointer is canonical (percent-decoding undone, ~0/~1 as
  // RFC 6901 requires), so {doc, pointer} can serve as a key.
  // A $ref node is an object with a string "$ref" member (OpenAPI 3.0
  // ignores its siblings). A remote (http/https) $ref never resolves.
  std::optional<resolved_node> resolve(const document& from, std::string_view ref) const;

  // If `node` is an object with "$ref", resolve it (following chains); otherwise returns
  // {&from, node, pointer}. When the $ref cannot be resolved, the result's node is null
  // (its doc and pointer are those of the $ref node). After a load with ok() every
  // $ref resolves.
  resolved_node deref(const document& from, const json* node, std::string pointer) const;

  // OpenAPI version string as declared ("3.0.3").
  const std::string& openapi_version() const { return openapi_version_; }

  // Relative $refs in documents[i] resolve against base_dirs[i] ("" = none).
  // Without base_dirs, each document's directory is taken from its file name.
  document_set(std::vector<std::shared_ptr<const document>> docs, std::string version,
               std::vector<std::string> base_dirs = {});

  // Index of `doc` in documents(), or npos when it is not part of this set.
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::size_t index_of(const document& doc) const;
  // The document a relative reference names when written inside documents()[from]
  // ("dir/other.yaml"), or npos when it is not loaded.
  std::size_t find_file(std::size_t from, std::string_view relative) const;

 private:
  std::vector<std::shared_ptr<const document>> documents_;
  std::string openapi_version_;
  std::vector<std::string> base_dirs_;
  std::vector<std::string> keys_;  // normalised path of each document (lookup key)
};

// docs is non-null whenever the entry document parsed and declares OpenAPI
// 3.0.x, even when problems holds errors (so `lint` can report them all).
// problems is sorted by file (entry first, then in load order) and position.
struct load_result {
  std::shared_ptr<const document_set> docs;  // null when loading failed (see problems)
  diagnostics problems;                      // every problem found, errors and warnings
  bool ok() const { return docs != nullptr && !has_errors(problems); }
};

// Loads from a file path; relative $refs resolve against its directory.
load_result load_openapi_file(const std::string& path);
// Loads from text (e.g. the embedded spec); `name` is used in diagnostics and
// relative $refs resolve against `base_dir` (none when empty).
load_result load_openapi_text(std::string_view text, std::string name, std::string base_dir = {});

}  // namespace specgate::validator
