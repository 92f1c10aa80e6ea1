#pragma once
// A problem found while loading or compiling a document: where (file, line,
// column, JSON Pointer) and what. Load-time code collects all of them.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace specgate::validator {

enum class severity { error, warning };

struct diagnostic {
  severity level = severity::error;
  std::string file;      // as given to the loader ("<embedded>/spec/kibana.yaml", a path)
  std::uint32_t line = 0;    // 1-based; 0 when unknown
  std::uint32_t column = 0;  // 1-based; 0 when unknown
  std::string pointer;   // JSON Pointer into that file's document ("" = root)
  std::string message;
  std::string rule;      // lint rule id ("ref-unresolved"); "" = not yet given one (validator/lint/lint.h)

  // "file:line:col: error: message [at /json/pointer]". ":line:col" is left
  // out when the line is unknown, " [at ...]" when the pointer is "" (root).
  std::string to_string() const;
};

using diagnostics = std::vector<diagnostic>;

// A diagnostic at file:line:col (0: unknown) and a JSON pointer, for readers of files that are not
// a loaded document (HAR, NDJSON).
inline diagnostic file_diagnostic(std::string file, std::uint32_t line, std::uint32_t column, std::string pointer,
                                  std::string message, severity level = severity::error) {
  return diagnostic{level, std::move(file), line, column, std::move(pointer), std::move(message), {}};
}

bool has_errors(const diagnostics& d);

// "error" / "warning".
const char* to_string(severity level);

// Stable sort: by file (in the order of `file_order`, then files not listed
// there by name), then line, then column. Ties keep their relative order.
void sort_diagnostics(diagnostics& d, const std::vector<std::string>& file_order = {});

}  // namespace specgate::validator
