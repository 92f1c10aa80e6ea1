#include "validator/document/diagnostic.h"

#include <algorithm>
#include <cstddef>
#include <tuple>
#include <unordered_map>

namespace specgate::validator {

const char* to_string(severity level) {
  return level == severity::error ? "error" : "warning";
}

std::string diagnostic::to_string() const {
  std::string out = file;
  if (line != 0) {
    out += ':';
    out += std::to_string(line);
    out += ':';
    out += std::to_string(column);
  }
  out += ": ";
  out += validator::to_string(level);
  out += ": ";
  out += message;
  if (!pointer.empty()) {
    out += " [at ";
    out += pointer;
    out += ']';
  }
  return out;
}

bool has_errors(const diagnostics& d) {
  return std::any_of(d.begin(), d.end(),
                     [](const diagnostic& x) { return x.level == severity::error; });
}

void sort_diagnostics(diagnostics& d, const std::vector<std::string>& file_order) {
  std::unordered_map<std::string, std::size_t> rank;
  for (std::size_t i = 0; i < file_order.size(); ++i) rank.emplace(file_order[i], i);
  const auto rank_of = [&](const std::string& f) {
    auto it = rank.find(f);
    return it == rank.end() ? file_order.size() : it->second;
  };
  std::stable_sort(d.begin(), d.end(), [&](const diagnostic& a, const diagnostic& b) {
    const std::size_t ra = rank_of(a.file), rb = rank_of(b.file);
    if (ra != rb) return ra < rb;
    if (a.file != b.file) return a.file < b.file;
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
}

}  // namespace specgate::validator
