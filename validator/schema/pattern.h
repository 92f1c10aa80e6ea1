#pragma once
// JSON Schema / OpenAPI `pattern`: an ECMA-262 regular expression, matched as
// an unanchored search ("abc" matches "xabcx"; anchor with ^ and $).
//
// Patterns run on RE2, a linear-time engine: no hostile value can make a
// match take exponential time. ECMA syntax is translated to RE2 syntax once,
// at load; what RE2 cannot express (backreferences, lookahead, lookbehind,
// repetition counts above 1000) is reported and the pattern is not enforced.
// std::regex is never used (it backtracks exponentially).
#include <memory>
#include <string>
#include <string_view>

namespace specgate::validator {

// ECMA-262 (no flags, as JSON Schema means it) -> RE2 syntax.
struct pattern_translation {
  std::string re2;          // the RE2 pattern; empty with `unsupported` set when there is none
  std::string unsupported;  // why RE2 cannot express the pattern ("" = it can)
};
pattern_translation translate_ecma_pattern(std::string_view ecma);

// A compiled pattern. Immutable, thread-safe (RE2 is).
class ecma_regex {
 public:
  struct compile_result {
    std::unique_ptr<const ecma_regex> regex;  // null when the pattern cannot be enforced
    std::string error;                        // why, for a load diagnostic
  };
  static compile_result compile(std::string_view ecma);

  ~ecma_regex();
  ecma_regex(const ecma_regex&) = delete;
  ecma_regex& operator=(const ecma_regex&) = delete;

  // True when the pattern matches somewhere in `text` (UTF-8).
  bool search(std::string_view text) const;
  const std::string& source() const { return source_; }
  const std::string& re2_pattern() const { return re2_pattern_; }

 private:
  ecma_regex() = default;
  struct engine;
  std::unique_ptr<engine> engine_;
  std::string source_;
  std::string re2_pattern_;
};

}  // namespace specgate::validator
