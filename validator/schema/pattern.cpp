#include "validator/schema/pattern.h"

#include <cstdint>
#include <cstdio>

#include <re2/re2.h>

namespace specgate::validator {
namespace {

// ECMA-262 WhiteSpace + LineTerminator (what \s means there); RE2's \s is only [\t\n\f\r ].
constexpr std::string_view ecma_space_members =
    "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}";
// ECMA `.` excludes the line terminators; RE2's `.` only excludes \n.
constexpr std::string_view ecma_dot = "[^\\n\\r\\x{2028}\\x{2029}]";
// RE2 refuses repetition counts above this.
constexpr long max_repeat = 1000;

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
std::uint32_t hex_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<std::uint32_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint32_t>(c - 'a' + 10);
  return static_cast<std::uint32_t>(c - 'A' + 10);
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_punct(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x80 && u > 0x20 && !is_digit(c) && !is_ascii_letter(c) && c != 0x7f;
}

std::string code_point(std::uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\x{%X}", cp);
  return buf;
}

class translator {
 public:
  explicit translator(std::string_view in) : in_(in) {}

  pattern_translation run() {
    while (i_ < in_.size() && why_.empty()) step();
    if (!why_.empty()) return {"", why_};
    return {std::move(out_), ""};
  }

 private:
  std::string_view in_;
  std::size_t i_ = 0;
  std::string out_;
  std::string why_;
  bool have_atom_ = false;  // something a quantifier can apply to precedes

  void fail(std::string why) {
    if (why_.empty()) why_ = std::move(why);
  }
  bool at(std::size_t k, char c) const { return i_ + k < in_.size() && in_[i_ + k] == c; }

  // Reads \uXXXX (and a following low surrogate) or \u{X...}; i_ is just past "\u".
  // Returns false (with i_ unchanged) when this is not a unicode escape.
  bool unicode_escape(std::uint32_t& cp) {
    if (at(0, '{')) {
      std::size_t j = i_ + 1;
      std::uint32_t v = 0;
      while (j < in_.size() && is_hex(in_[j]) && v <= 0x10FFFF) v = v * 16 + hex_value(in_[j++]);
      if (j == i_ + 1 || j >= in_.size() || in_[j] != '}' || v > 0x10FFFF) return false;
      i_ = j + 1;
      cp = v;
      return true;
    }
    if (i_ + 4 > in_.size()) return false;
    for (std::size_t k = 0; k < 4; ++k)
      if (!is_hex(in_[i_ + k])) return false;
    cp = static_cast<std::uint32_t>(std::stoul(std::string(in_.substr(i_, 4)), nullptr, 16));
    i_ += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF && i_ + 6 <= in_.size() && in_[i_] == '\\' && in_[i_ + 1] == 'u') {
      bool hex = true;
      for (std::size_t k = 2; k < 6; ++k) hex = hex && is_hex(in_[i_ + k]);
      if (hex) {
        const auto low = static_cast<std::uint32_t>(std::stoul(std::string(in_.substr(i_ + 2, 4)), nullptr, 16));
        if (low >= 0xDC00 && low <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          i_ += 6;
        }
      }
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      fail("a lone UTF-16 surrogate (\\u" + std::string(in_.substr(i_ - 4, 4)) + ") cannot occur in UTF-8 text");
      return true;
    }
    return true;
  }

  // One escape sequence; i_ is on the backslash. `in_class` selects class semantics.
  void escape(bool in_class) {
    ++i_;
    if (i_ >= in_.size()) return fail("the pattern ends with a lone backslash");
    const char c = in_[i_++];
    switch (c) {
      case 'd': case 'D': case 'w': case 'W': case 't': case 'n': case 'r': case 'f':
        out_ += '\\';
        out_ += c;
        return;
      case 'v': out_ += "\\x{0B}"; return;
      case 's':
        if (in_class) out_ += ecma_space_members;
        else (out_ += '[', out_ += ecma_space_members, out_ += ']');
        return;
      case 'S':
        // Inside a class RE2's \S stands in (it differs only on \v and Unicode spaces).
        if (in_class) out_ += "\\S";
        else (out_ += "[^", out_ += ecma_space_members, out_ += ']');
        return;
      case 'b': out_ += in_class ? "\\x{08}" : "\\b"; return;
      case 'B':
        if (in_class) out_ += 'B';
        else out_ += "\\B";
        return;
      case '0':
        if (i_ < in_.size() && is_digit(in_[i_])) return fail("legacy octal escapes (\\0" + std::string(1, in_[i_]) + ") are not supported");
        out_ += "\\x{00}";
        return;
      case 'c':
        if (i_ < in_.size() && is_ascii_letter(in_[i_])) {
          out_ += code_point(static_cast<std::uint32_t>(in_[i_++]) % 32);
          return;
        }
        out_ += "\\\\c";
        return;
      case 'x':
        if (i_ + 2 <= in_.size() && is_hex(in_[i_]) && is_hex(in_[i_ + 1])) {
          out_ += "\\x{" + std::string(in_.substr(i_, 2)) + "}";
          i_ += 2;
          return;
        }
        out_ += 'x';
        return;
      case 'u': {
        std::uint32_t cp = 0;
        if (unicode_escape(cp)) out_ += code_point(cp);
        else out_ += 'u';
        return;
      }
      case 'p': case 'P': {
        if (!at(0, '{')) {
          out_ += c;
          return;
        }
        const std::size_t close = in_.find('}', i_);
        if (close == std::string_view::npos) return fail("unterminated \\" + std::string(1, c) + "{...}");
        std::string name(in_.substr(i_ + 1, close - i_ - 1));
        for (std::string_view prefix : {"Script=", "sc=", "General_Category=", "gc="})
          if (name.starts_with(prefix)) name = name.substr(prefix.size());
        if (name.find('=') != std::string::npos) return fail("Unicode property \\" + std::string(1, c) + "{" + name + "} is not supported by RE2");
        out_ += '\\';
        out_ += c;
        out_ += '{' + name + '}';
        i_ = close + 1;
        return;
      }
      case 'k':
        return fail("named backreferences (\\k<...>) need a backtracking engine");
      default:
        break;
    }
    if (is_digit(c)) {
      if (in_class) return fail("legacy octal escapes in a class are not supported");
      return fail("backreferences (\\" + std::string(1, c) + ") need a backtracking engine");
    }
    // Identity escape: the character itself.
    if (is_ascii_punct(c)) {
      out_ += '\\';
      out_ += c;
    } else {
      out_ += c;  // a letter or a byte of a UTF-8 sequence: literal in ECMA, maybe special in RE2
    }
  }

  void character_class() {
    ++i_;  // '['
    bool negated = false;
    if (at(0, '^')) {
      negated = true;
      ++i_;
    }
    if (at(0, ']')) {  // [] matches nothing, [^] anything
      ++i_;
      out_ += negated ? "[\\x{0}-\\x{10FFFF}]" : "[^\\x{0}-\\x{10FFFF}]";
      return;
    }
    out_ += negated ? "[^" : "[";
    while (i_ < in_.size() && why_.empty()) {
      const char c = in_[i_];
      if (c == ']') {
        ++i_;
        out_ += ']';
        return;
      }
      if (c == '\\') {
        escape(true);
      } else if (c == '[') {  // literal in ECMA; RE2 would read [:alpha:]
        out_ += "\\[";
        ++i_;
      } else {
        out_ += c;
        ++i_;
      }
    }
    fail("unterminated character class");
  }

  // A {n}, {n,}, {n,m} quantifier at i_ (on '{'); false when the brace is a literal.
  bool quantifier() {
    std::size_t j = i_ + 1;
    auto number = [&](long& v) {
      const std::size_t start = j;
      v = 0;
      while (j < in_.size() && is_digit(in_[j])) {
        if (v <= 100000) v = v * 10 + (in_[j] - '0');
        ++j;
      }
      return j > start;
    };
    long lo = 0, hi = -1;
    if (!number(lo)) return false;
    if (j < in_.size() && in_[j] == ',') {
      ++j;
      if (!number(hi)) hi = -1;
    } else {
      hi = lo;
    }
    if (j >= in_.size() || in_[j] != '}') return false;
    if (lo > max_repeat || hi > max_repeat)
      fail("a repetition count above " + std::to_string(max_repeat) + " (RE2's limit)");
    out_ += in_.substr(i_, j + 1 - i_);
    i_ = j + 1;
    return true;
  }

  void step() {
    const char c = in_[i_];
    switch (c) {
      case '\\':
        escape(false);
        have_atom_ = true;
        return;
      case '[':
        character_class();
        have_atom_ = true;
        return;
      case '.':
        out_ += ecma_dot;
        ++i_;
        have_atom_ = true;
        return;
      case '(':
        if (at(1, '?')) {
          if (at(2, ':')) {
            out_ += "(?:";
            i_ += 3;
          } else if (at(2, '=') || at(2, '!')) {
            return fail("lookahead (" + std::string(in_.substr(i_, 3)) + "...) needs a backtracking engine");
          } else if (at(2, '<') && (at(3, '=') || at(3, '!'))) {
            return fail("lookbehind (" + std::string(in_.substr(i_, 4)) + "...) needs a backtracking engine");
          } else if (at(2, '<')) {
            out_ += "(?P<";
            i_ += 3;
          } else {
            return fail("'(?" + std::string(in_.substr(i_ + 2, 1)) + "' is not ECMA-262 syntax");
          }
        } else {
          out_ += '(';
          ++i_;
        }
        have_atom_ = false;
        return;
      case '{':
        if (have_atom_ && quantifier()) return;
        out_ += "\\{";
        ++i_;
        have_atom_ = true;
        return;
      case '}':
      case ']':
        out_ += '\\';
        out_ += c;
        ++i_;
        have_atom_ = true;
        return;
      case '|':
        have_atom_ = false;
        out_ += c;
        ++i_;
        return;
      case '^':
      case '$':
        have_atom_ = false;
        out_ += c;
        ++i_;
        return;
      default:
        out_ += c;
        ++i_;
        have_atom_ = c != '*' && c != '+' && c != '?' ? true : have_atom_;
        return;
    }
  }
};

}  // namespace

pattern_translation translate_ecma_pattern(std::string_view ecma) { return translator(ecma).run(); }

struct ecma_regex::engine {
  explicit engine(const std::string& pattern, const RE2::Options& options) : re(pattern, options) {}
  RE2 re;
};

ecma_regex::~ecma_regex() = default;

ecma_regex::compile_result ecma_regex::compile(std::string_view ecma) {
  compile_result result;
  pattern_translation t = translate_ecma_pattern(ecma);
  if (!t.unsupported.empty()) {
    result.error = t.unsupported;
    return result;
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingUTF8);
  auto engine_ptr = std::make_unique<engine>(t.re2, options);
  if (!engine_ptr->re.ok()) {
    result.error = "not a valid regular expression (" + engine_ptr->re.error() + ")";
    return result;
  }
  std::unique_ptr<ecma_regex> regex(new ecma_regex());
  regex->engine_ = std::move(engine_ptr);
  regex->source_ = std::string(ecma);
  regex->re2_pattern_ = std::move(t.re2);
  result.regex = std::move(regex);
  return result;
}

bool ecma_regex::search(std::string_view text) const {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), engine_->re);
}

}  // namespace specgate::validator
