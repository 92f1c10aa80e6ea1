#include "validator/generate/generate.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "validator/schema/formats.h"
#include "validator/document/loader.h"
#include "validator/schema/pattern.h"
#include "validator/schema/schema_walk.h"
#include "validator/text_util.h"

namespace specgate::validator {

namespace {

// ---------------------------------------------------------------------------
// Randomness: splitmix64, forked per property name / array index.

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t fork(std::uint64_t seed, std::uint64_t salt) { return mix(seed ^ mix(salt)); }

class rng {
 public:
  explicit rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n); 0 when n is 0.
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }

 private:
  std::uint64_t state_;
};

// ---------------------------------------------------------------------------
// UTF-8.

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// ---------------------------------------------------------------------------
// Pattern sampling: a subset of ECMA-262 parsed into a tiny tree.

constexpr std::uint32_t unbounded = ~std::uint32_t{0};

struct rx_node {
  enum class kind : std::uint8_t { seq, alt, chars, repeat, assertion };
  kind k = kind::seq;
  bool negated = false;                              // chars
  std::vector<std::pair<char32_t, char32_t>> ranges;  // chars
  std::vector<rx_node> kids;                         // seq, alt, repeat (one)
  std::uint32_t min = 0, max = 0;                    // repeat
};

rx_node make_chars(std::initializer_list<std::pair<char32_t, char32_t>> ranges, bool negated) {
  rx_node n;
  n.k = rx_node::kind::chars;
  n.ranges = ranges;
  n.negated = negated;
  return n;
}

class rx_parser {
 public:
  explicit rx_parser(std::string_view in) : in_(in) {}

  std::optional<rx_node> run() {
    rx_node n = alternation();
    if (!ok_ || i_ != in_.size()) return std::nullopt;
    return n;
  }

 private:
  std::string_view in_;
  std::size_t i_ = 0;
  bool ok_ = true;

  bool more() const { return ok_ && i_ < in_.size(); }
  char peek() const { return in_[i_]; }
  bool ahead(std::string_view s) const { return in_.substr(i_).starts_with(s); }

  char32_t next_cp() {
    const auto b = static_cast<unsigned char>(in_[i_++]);
    if (b < 0x80) return b;
    int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : 1;
    char32_t cp = b & (0x3F >> extra);
    for (; extra > 0 && i_ < in_.size(); --extra) cp = (cp << 6) | (static_cast<unsigned char>(in_[i_++]) & 0x3F);
    return cp;
  }

  rx_node alternation() {
    rx_node first = sequence();
    if (!more() || peek() != '|') return first;
    rx_node alt;
    alt.k = rx_node::kind::alt;
    alt.kids.push_back(std::move(first));
    while (more() && peek() == '|') {
      ++i_;
      alt.kids.push_back(sequence());
    }
    return alt;
  }

  rx_node sequence() {
    rx_node seq;
    while (more() && peek() != '|' && peek() != ')') {
      rx_node a = atom();
      if (!ok_) break;
      quantifiers(a);
      seq.kids.push_back(std::move(a));
    }
    return seq;
  }

  // {n}, {n,}, {n,m} at i_; false (nothing consumed) when it is a literal '{'.
  bool braces(std::uint32_t& lo, std::uint32_t& hi) {
    std::size_t j = i_ + 1;
    auto number = [&](std::uint32_t& out) {
      const std::size_t start = j;
      std::uint64_t v = 0;
      while (j < in_.size() && in_[j] >= '0' && in_[j] <= '9') {
        v = std::min<std::uint64_t>(v * 10 + static_cast<std::uint64_t>(in_[j] - '0'), 100000);
        ++j;
      }
      out = static_cast<std::uint32_t>(v);
      return j > start;
    };
    if (!number(lo)) return false;
    hi = lo;
    if (j < in_.size() && in_[j] == ',') {
      ++j;
      if (!number(hi)) hi = unbounded;
    }
    if (j >= in_.size() || in_[j] != '}') return false;
    i_ = j + 1;
    return true;
  }

  void quantifiers(rx_node& a) {
    while (more()) {
      std::uint32_t lo = 0, hi = 0;
      const char c = peek();
      if (c == '*') {
        lo = 0, hi = unbounded, ++i_;
      } else if (c == '+') {
        lo = 1, hi = unbounded, ++i_;
      } else if (c == '?') {
        lo = 0, hi = 1, ++i_;
      } else if (c != '{' || !braces(lo, hi)) {
        return;
      }
      if (more() && peek() == '?') ++i_;  // lazy: same language
      if (a.k == rx_node::kind::assertion || hi < lo) {
        ok_ = false;
        return;
      }
      rx_node r;
      r.k = rx_node::kind::repeat;
      r.min = lo;
      r.max = hi;
      r.kids.push_back(std::move(a));
      a = std::move(r);
    }
  }

  rx_node atom() {
    const char c = peek();
    switch (c) {
      case '(': {
        ++i_;
        if (ahead("?:")) {
          i_ += 2;
        } else if (ahead("?<") && !ahead("?<=") && !ahead("?<!")) {
          const std::size_t close = in_.find('>', i_);
          if (close == std::string_view::npos) {
            ok_ = false;
            return {};
          }
          i_ = close + 1;
        } else if (ahead("?")) {
          ok_ = false;  // lookaround, flags
          return {};
        }
        rx_node inner = alternation();
        if (!more() || peek() != ')') {
          ok_ = false;
          return {};
        }
        ++i_;
        return inner;
      }
      case '[':
        return char_class();
      case '.':
        ++i_;
        return make_chars({{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}}, true);
      case '^':
      case '$': {
        ++i_;
        rx_node n;
        n.k = rx_node::kind::assertion;
        return n;
      }
      case '\\':
        return escape();
      case '*':
      case '+':
      case '?':
        ok_ = false;
        return {};
      case '{': {
        std::uint32_t lo = 0, hi = 0;
        const std::size_t at = i_;
        if (braces(lo, hi)) {  // a quantifier with nothing to repeat
          i_ = at;
          ok_ = false;
          return {};
        }
        break;
      }
      default:
        break;
    }
    const char32_t cp = next_cp();
    return make_chars({{cp, cp}}, false);
  }

  // A character escape shared by atoms and classes (i_ just past '\\', at the letter).
  std::optional<char32_t> char_escape(bool in_class) {
    const char c = peek();
    auto hex = [&](std::size_t digits) -> std::optional<char32_t> {
      if (i_ + 1 + digits > in_.size()) return std::nullopt;
      char32_t v = 0;
      for (std::size_t k = 0; k < digits; ++k) {
        const char h = in_[i_ + 1 + k];
        const int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
        if (d < 0) return std::nullopt;
        v = v * 16 + static_cast<char32_t>(d);
      }
      i_ += 1 + digits;
      return v;
    };
    switch (c) {
      case 'n': ++i_; return U'\n';
      case 't': ++i_; return U'\t';
      case 'r': ++i_; return U'\r';
      case 'f': ++i_; return U'\f';
      case 'v': ++i_; return U'\v';
      case '0': ++i_; return U'\0';
      case 'x': {
        if (auto v = hex(2)) return v;
        ++i_;
        return U'x';
      }
      case 'u': {
        if (ahead("u{")) {
          const std::size_t close = in_.find('}', i_);
          if (close == std::string_view::npos) break;
          char32_t v = 0;
          for (std::size_t k = i_ + 2; k < close; ++k) v = v * 16 + static_cast<char32_t>(std::isxdigit(static_cast<unsigned char>(in_[k])) ? (in_[k] <= '9' ? in_[k] - '0' : (in_[k] | 0x20) - 'a' + 10) : 0);
          i_ = close + 1;
          return v;
        }
        if (auto v = hex(4)) return v;
        ++i_;
        return U'u';
      }
      case 'c':
        if (i_ + 1 < in_.size() && std::isalpha(static_cast<unsigned char>(in_[i_ + 1]))) {
          const char32_t v = static_cast<char32_t>(in_[i_ + 1]) % 32;
          i_ += 2;
          return v;
        }
        return U'\\';  // Annex B: a literal backslash; 'c' follows as a literal
      case 'b':
        if (in_class) {
          ++i_;
          return U'\b';
        }
        break;
      default:
        break;
    }
    if (c >= '1' && c <= '9') return std::nullopt;  // backreference
    if (c == 'k' && ahead("k<")) return std::nullopt;
    return next_cp();
  }

  rx_node escape() {
    ++i_;
    if (!more()) {
      ok_ = false;
      return {};
    }
    switch (peek()) {
      case 'd': ++i_; return make_chars({{'0', '9'}}, false);
      case 'D': ++i_; return make_chars({{'0', '9'}}, true);
      case 'w': ++i_; return make_chars({{'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {'_', '_'}}, false);
      case 'W': ++i_; return make_chars({{'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {'_', '_'}}, true);
      case 's': ++i_; return make_chars({{' ', ' '}, {'\t', '\r'}}, false);
      case 'S': ++i_; return make_chars({{' ', ' '}, {'\t', '\r'}, {0xA0, 0xA0}, {0x2000, 0x200A}, {0x2028, 0x2029}}, true);
      case 'b':
      case 'B': {
        ++i_;
        rx_node n;
        n.k = rx_node::kind::assertion;
        return n;
      }
      default:
        break;
    }
    auto cp = char_escape(false);
    if (!cp) {
      ok_ = false;
      return {};
    }
    return make_chars({{*cp, *cp}}, false);
  }

  rx_node char_class() {
    ++i_;
    rx_node n;
    n.k = rx_node::kind::chars;
    if (more() && peek() == '^') {
      n.negated = true;
      ++i_;
    }
    // One class member: a code point, or (set_added) a class escape whose ranges were added.
    auto member = [&](bool& set_added) -> char32_t {
      set_added = false;
      if (peek() != '\\') return next_cp();
      ++i_;
      if (!more()) {
        ok_ = false;
        return 0;
      }
      const char c = peek();
      auto add = [&](std::initializer_list<std::pair<char32_t, char32_t>> r) {
        n.ranges.insert(n.ranges.end(), r.begin(), r.end());
        set_added = true;
        ++i_;
        return char32_t{0};
      };
      switch (c) {
        case 'd': return add({{'0', '9'}});
        case 'w': return add({{'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {'_', '_'}});
        case 's': return add({{' ', ' '}, {'\t', '\r'}});
        // Complements inside a class: approximated by printable ASCII (the sample is checked anyway).
        case 'D': return add({{' ', '/'}, {':', '~'}});
        case 'W': return add({{' ', '/'}, {':', '@'}, {'[', '^'}, {'`', '`'}, {'{', '~'}});
        case 'S': return add({{'!', '~'}});
        default: break;
      }
      auto cp = char_escape(true);
      if (!cp) ok_ = false;
      return cp.value_or(0);
    };
    while (more() && peek() != ']') {
      bool set_lo = false;
      const char32_t lo = member(set_lo);
      if (!ok_) return {};
      if (set_lo) continue;
      if (more() && peek() == '-' && i_ + 1 < in_.size() && in_[i_ + 1] != ']') {
        ++i_;
        bool set_hi = false;
        const char32_t hi = member(set_hi);
        if (!ok_) return {};
        if (set_hi) {  // [a-\d]: '-' is literal
          n.ranges.emplace_back(lo, lo);
          n.ranges.emplace_back('-', '-');
          continue;
        }
        if (hi < lo) {
          ok_ = false;
          return {};
        }
        n.ranges.emplace_back(lo, hi);
      } else {
        n.ranges.emplace_back(lo, lo);
      }
    }
    if (!more()) {
      ok_ = false;
      return {};
    }
    ++i_;  // ']'
    return n;
  }
};

bool in_ranges(const rx_node& n, char32_t cp) {
  return std::any_of(n.ranges.begin(), n.ranges.end(), [&](const auto& r) { return cp >= r.first && cp <= r.second; });
}

// Characters tried first, in order: a readable sample.
constexpr std::string_view preferred_chars =
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.";

class rx_sampler {
 public:
  rx_sampler(rng& r, bool vary, std::uint32_t extra) : r_(r), vary_(vary), extra_(extra) {}

  void emit(const rx_node& n, std::string& out) {
    switch (n.k) {
      case rx_node::kind::assertion:
        break;
      case rx_node::kind::seq:
        for (const auto& k : n.kids) emit(k, out);
        break;
      case rx_node::kind::alt:
        emit(n.kids[vary_ ? r_.below(n.kids.size()) : 0], out);
        break;
      case rx_node::kind::repeat: {
        const std::uint64_t hi = n.max == unbounded ? std::uint64_t{n.min} + 64 : n.max;
        std::uint64_t count = std::min<std::uint64_t>(std::uint64_t{n.min} + extra_, hi);
        if (vary_) count = n.min + r_.below(count - n.min + std::min<std::uint64_t>(3, hi - count) + 1);
        for (std::uint64_t i = 0; i < count && out.size() < 4096; ++i) emit(n.kids[0], out);
        break;
      }
      case rx_node::kind::chars:
        append_utf8(out, pick(n));
        break;
    }
  }

 private:
  rng& r_;
  bool vary_;
  std::uint32_t extra_;

  char32_t pick(const rx_node& n) {
    auto member = [&](char32_t cp) { return in_ranges(n, cp) != n.negated; };
    if (!vary_) {
      for (char c : preferred_chars)
        if (member(static_cast<unsigned char>(c))) return static_cast<unsigned char>(c);
    }
    char32_t printable[95];
    std::size_t count = 0;
    for (char32_t cp = 0x20; cp < 0x7F; ++cp)
      if (member(cp)) printable[count++] = cp;
    if (count > 0) return printable[vary_ ? r_.below(count) : 0];
    if (!n.negated && !n.ranges.empty()) {
      const auto& range = n.ranges[vary_ ? r_.below(n.ranges.size()) : 0];
      return range.first;
    }
    for (char32_t cp = 0xC0; cp < 0x2000; ++cp)
      if (member(cp)) return cp;
    return U'a';
  }
};

struct compiled_pattern {
  std::optional<rx_node> tree;                // null: outside the sampled subset
  std::unique_ptr<const ecma_regex> regex;    // null: not enforced by the validator either
  bool anchored_start = false;
  bool anchored_end = false;
};

compiled_pattern compile_pattern(std::string_view pattern) {
  compiled_pattern p;
  p.tree = rx_parser(pattern).run();
  p.regex = ecma_regex::compile(pattern).regex;
  p.anchored_start = pattern.starts_with('^');
  if (pattern.ends_with('$')) {
    std::size_t slashes = 0;
    for (std::size_t k = pattern.size() - 1; k > 0 && pattern[k - 1] == '\\'; --k) ++slashes;
    p.anchored_end = slashes % 2 == 0;
  }
  return p;
}

// A sample of `first` that every pattern in `all` matches, within the length bounds.
std::optional<std::string> sample_patterns(const compiled_pattern& first, const std::vector<const compiled_pattern*>& all,
                                           std::uint64_t seed, bool vary, std::size_t min_len, std::size_t max_len) {
  if (!first.tree) return std::nullopt;
  static constexpr std::uint32_t extras[] = {0, 1, 2, 4, 8, 16, 32, 64};
  constexpr std::size_t n_extras = sizeof extras / sizeof extras[0];
  for (std::size_t attempt = 0; attempt < 2 * n_extras; ++attempt) {
    rng r(fork(seed, attempt));
    const bool vary_now = vary || attempt >= n_extras;
    rx_sampler sampler(r, vary_now, extras[attempt % n_extras]);
    std::string s;
    sampler.emit(*first.tree, s);
    std::size_t len = code_points(s);
    if (len < min_len && min_len - len <= 4096) {
      if (!first.anchored_end) s.append(min_len - len, 'a');
      else if (!first.anchored_start) s.insert(0, min_len - len, 'a');
      len = code_points(s);
    }
    if (len < min_len || len > max_len) continue;
    const bool matches = std::all_of(all.begin(), all.end(), [&](const compiled_pattern* p) {
      return !p->regex || p->regex->search(s);
    });
    if (matches) return s;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Small helpers over schema nodes.

bool is_true(const json& s, const char* key) {
  auto it = s.find(key);
  return it != s.end() && it->is_boolean() && it->get<bool>();
}

bool is_false(const json& s, const char* key) {
  auto it = s.find(key);
  return it != s.end() && it->is_boolean() && !it->get<bool>();
}

const std::string* valid_type(const json& s) {
  auto t = s.find("type");
  if (t == s.end() || !t->is_string()) return nullptr;
  const std::string& v = t->get_ref<const std::string&>();
  if (v == "string" || v == "number" || v == "integer" || v == "boolean" || v == "array" || v == "object") return &v;
  return nullptr;
}

std::optional<std::uint64_t> unsigned_of(const json& s, const char* key) {
  auto it = s.find(key);
  if (it == s.end() || !it->is_number()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer()) return it->get<std::int64_t>() < 0 ? std::nullopt : std::optional(static_cast<std::uint64_t>(it->get<std::int64_t>()));
  const double d = it->get<double>();
  if (d < 0 || d != std::floor(d)) return std::nullopt;
  return d >= 1.8e19 ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(d);
}

bool type_matches(const json& v, std::string_view type) {
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer() || (v.is_number_float() && v.get<double>() == std::floor(v.get<double>()));
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  return true;
}

std::string int_text(std::uint64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llu", width, static_cast<unsigned long long>(v));
  return buf;
}

std::string random_word(rng& r, std::size_t len) {
  static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (std::size_t i = 0; i < len; ++i) s += alphabet[i == 0 ? r.below(26) : r.below(alphabet.size())];
  return s;
}

// A value of a string format, fitted to the length bounds where the format allows.
std::optional<std::string> format_sample(std::string_view format, rng& r, bool vary, std::size_t min_len,
                                         std::size_t max_len) {
  auto pad = [&](std::string s, char filler) {
    if (s.size() < min_len && min_len <= 4096) s.append(min_len - s.size(), filler);
    return s;
  };
  if (format == "date-time" || format == "date" || format == "time") {
    std::string date = vary ? int_text(2000 + r.below(30), 4) + "-" + int_text(1 + r.below(12), 2) + "-" +
                                  int_text(1 + r.below(28), 2)
                            : "2024-01-01";
    std::string time = vary ? int_text(r.below(24), 2) + ":" + int_text(r.below(60), 2) + ":" + int_text(r.below(60), 2)
                            : "00:00:00";
    if (format == "date") return date;
    if (format == "time") return time + "Z";
    return date + "T" + time + "." + (vary ? int_text(r.below(1000), 3) : "000") + "Z";
  }
  if (format == "uuid") {
    if (!vary) return "00000000-0000-4000-8000-000000000000";
    static constexpr std::string_view hex = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) s += '-';
      s += i == 12 ? '4' : i == 16 ? hex[8 + r.below(4)] : hex[r.below(16)];
    }
    return s;
  }
  if (format == "email") {
    std::string local = vary ? random_word(r, 8) : "user";
    const std::string domain = "@example.com";
    if (local.size() + domain.size() < min_len) local.append(std::min<std::size_t>(min_len - local.size() - domain.size(), 64 - local.size()), 'x');
    return local + domain;
  }
  if (format == "uri" || format == "url") {
    std::string s = vary ? "https://example.com/" + random_word(r, 8) : "https://example.com/";
    return pad(std::move(s), 'x');
  }
  if (format == "hostname") {
    std::string s = vary ? random_word(r, 8) + ".example.com" : "example.com";
    while (s.size() < min_len && s.size() < 240) {
      const std::size_t label = std::clamp<std::size_t>(min_len - s.size() - 1, 1, 63);
      s = std::string(label, 'x') + "." + s;
    }
    return s;
  }
  if (format == "ipv4") {
    if (!vary) return "192.0.2.1";
    return "10." + std::to_string(r.below(256)) + "." + std::to_string(r.below(256)) + "." + std::to_string(1 + r.below(254));
  }
  if (format == "ipv6") {
    if (!vary) return "2001:db8::1";
    char buf[32];
    std::snprintf(buf, sizeof buf, "2001:db8::%llx", static_cast<unsigned long long>(1 + r.below(0xfffe)));
    return buf;
  }
  if (format == "byte") {
    std::string raw = vary ? random_word(r, 6) : "string";
    std::string s = encode_base64(raw);
    while (s.size() < min_len && s.size() < 8192) {
      raw += raw;
      s = encode_base64(raw);
    }
    if (s.size() > max_len) {
      raw.resize(max_len / 4 * 3);
      s = encode_base64(raw);
    }
    return s;
  }
  if (format == "password") {
    std::string s = pad(vary ? random_word(r, 12) : "password", 'x');
    if (s.size() > max_len) s.resize(max_len);
    return s;
  }
  return std::nullopt;  // binary and others: a plain string
}

// ---------------------------------------------------------------------------
// The generator.

// A schema to satisfy (maybe a $ref) and the file it is written in. No JSON
// Pointers are carried: $refs resolve from the node and its file alone.
struct schema_ref {
  const document* doc = nullptr;
  const json* node = nullptr;
};

// An allOf read as the validator reads it (schema.h): members' own
// additionalProperties: false is lifted to the allOf, which then allows every
// name declared anywhere in it.
struct closure {
  std::set<std::string> names;
  bool closed = false;
};

// One schema of a conjunction: resolved (never a $ref), with its closure group
// (null: its own additionalProperties applies).
struct part {
  const document* doc = nullptr;
  const json* s = nullptr;
  const closure* group = nullptr;
};

class generator {
 public:
  generator(const document_set& docs, const generate_options& options) : docs_(docs), opt_(options) {}

  json make(const std::vector<schema_ref>& roots, std::uint64_t seed, int depth, bool vary);

  std::size_t nodes() const { return nodes_; }
  bool truncated() const { return truncated_; }

 private:
  const document_set& docs_;
  const generate_options& opt_;
  std::size_t nodes_ = 0;
  bool truncated_ = false;
  std::deque<json> synthetic_;   // discriminator constraints (stable addresses)
  std::deque<closure> closures_;
  std::map<std::string, compiled_pattern, std::less<>> patterns_;
  mutable std::unordered_map<const json*, resolved_node> refs_;

  static constexpr int max_hops = 32;

  const compiled_pattern& pattern(const std::string& text) {
    auto it = patterns_.find(text);
    if (it == patterns_.end()) it = patterns_.emplace(text, compile_pattern(text)).first;
    return it->second;
  }

  // document_set::deref, memoised per $ref node (Kibana's schemas reach the
  // same few hundred $refs over and over).
  const resolved_node& deref_ref(const document& doc, const json& node) const {
    auto it = refs_.find(&node);
    if (it == refs_.end()) it = refs_.emplace(&node, docs_.deref(doc, &node, std::string())).first;
    return it->second;
  }

  std::pair<const document*, const json*> deref(const document& doc, const json& node) const {
    if (!node.is_object() || !node.contains("$ref")) return {&doc, &node};
    const resolved_node& r = deref_ref(doc, node);
    return {r.doc, r.node};
  }

  const json* follow(const document*& doc, const json* node) const {
    if (!node->is_object() || !node->contains("$ref")) return node;
    const resolved_node& r = deref_ref(*doc, *node);
    if (!r.node) return nullptr;
    doc = r.doc;
    return r.node;
  }
  auto follower() const {
    return [this](const document*& d, const json* n) { return follow(d, n); };
  }

  // The discriminator value that makes the validator pick branch `index`
  // (mapping key, else the branch's enum value, else its schema name).
  std::optional<std::string> discriminator_key(const document& doc, const json& disc, const std::string& property,
                                               const json& list, std::size_t index) const {
    const json& branch = list[index];
    std::optional<resolved_node> target;
    if (branch.is_object())
      if (auto ref = branch.find("$ref"); ref != branch.end() && ref->is_string()) target = docs_.resolve(doc, ref->get<std::string>());
    if (auto mapping = disc.find("mapping"); target && mapping != disc.end() && mapping->is_object()) {
      for (const auto& [key, value] : mapping->items()) {
        if (!value.is_string()) continue;
        std::string ref = value.get<std::string>();
        if (ref.find_first_of("#/.") == std::string::npos) ref = "#/components/schemas/" + ref;
        auto t = docs_.resolve(doc, ref);
        if (t && t->doc == target->doc && t->pointer == target->pointer) return key;
      }
    }
    std::vector<std::string> values;
    std::set<const json*> seen;
    if (schema_walk::discriminator_values(follower(), &doc, branch, property, seen, values)) return values.front();
    constexpr std::string_view prefix = "/components/schemas/";
    if (target && target->pointer.starts_with(prefix) && target->pointer.find('/', prefix.size()) == std::string::npos) {
      auto tokens = split_pointer(target->pointer);
      if (tokens && !tokens->empty()) return tokens->back();
    }
    return std::nullopt;
  }

  // A branch that no value satisfies ({not: {}}: Kibana's encoding of "absent").
  bool rejects_everything(const document& doc, const json& branch) const {
    const document* d = &doc;
    const json* node = follow(d, &branch);
    if (!node || !node->is_object()) return false;
    auto n = node->find("not");
    if (n == node->end()) return false;
    const json* inner = follow(d, &*n);
    return inner && inner->is_object() &&
           std::all_of(inner->items().begin(), inner->items().end(), [](const auto& kv) {
             return kv.key() == "description" || kv.key() == "title" || kv.key().starts_with("x-");
           });
  }

  std::string branch_type(const document& doc, const json& branch) const {
    const document* d = &doc;
    const json* node = follow(d, &branch);
    const std::string* t = node && node->is_object() ? valid_type(*node) : nullptr;
    return t ? *t : std::string();
  }

  static bool types_compatible(const std::string& a, const std::string& b) {
    auto numeric = [](const std::string& t) { return t == "number" || t == "integer"; };
    return a.empty() || b.empty() || a == b || (numeric(a) && numeric(b));
  }

  // From `start` on (wrapping), the first branch that some value can satisfy
  // and whose type agrees with the types already in the conjunction `so_far`
  // (oneOf next to anyOf in Kibana's document relies on this).
  std::size_t choose_branch(const document& doc, const json& list, std::size_t start, const std::vector<part>& so_far) const {
    std::vector<std::string> types;
    for (const auto& p : so_far)
      if (const std::string* t = valid_type(*p.s)) types.push_back(*t);
    for (std::size_t k = 0; k < list.size(); ++k) {
      const std::size_t i = (start + k) % list.size();
      if (rejects_everything(doc, list[i])) continue;
      const std::string t = branch_type(doc, list[i]);
      if (std::all_of(types.begin(), types.end(), [&](const std::string& u) { return types_compatible(t, u); })) return i;
    }
    return start;
  }

  // Appends the schemas `node` stands for (itself, allOf members, one chosen
  // branch of oneOf and of anyOf) to `out`. Returns whether null satisfies it.
  bool flatten(const document& doc, const json& node, const closure* group, rng& r, bool vary,
               int hops, std::vector<part>& out) {
    if (hops > max_hops) return true;
    const bool ref_nullable = node.is_object() && node.contains("$ref") && is_true(node, "nullable");
    const auto [sdoc, snode] = deref(doc, node);
    if (!snode || !snode->is_object()) return true;  // unresolvable or not a schema: constrains nothing
    const json& s = *snode;
    bool null_ok = !valid_type(s);
    if (auto e = s.find("enum"); e != s.end() && e->is_array() && !e->empty())
      null_ok = null_ok && std::find(e->begin(), e->end(), nullptr) != e->end();

    const closure* own = group;
    auto all = s.find("allOf");
    const bool has_all = all != s.end() && all->is_array() && !all->empty();
    if (!group && has_all) {
      closure& c = closures_.emplace_back();
      if (auto p = s.find("properties"); p != s.end() && p->is_object())
        for (const auto& [name, _] : p->items()) c.names.insert(name);
      c.closed = is_false(s, "additionalProperties");
      std::set<const json*> seen;
      for (const auto& member : *all) schema_walk::collect_property_names(follower(), sdoc, member, seen, c.names, c.closed);
      own = &c;
    }
    out.push_back({sdoc, &s, own});
    if (has_all)
      for (std::size_t i = 0; i < all->size(); ++i)
        null_ok &= flatten(*sdoc, (*all)[i], own, r, vary, hops + 1, out);

    const json* disc = nullptr;
    if (auto d = s.find("discriminator"); d != s.end() && d->is_object())
      if (auto name = d->find("propertyName"); name != d->end() && name->is_string()) disc = &*d;
    const char* dispatched = !disc ? nullptr : s.contains("oneOf") ? "oneOf" : s.contains("anyOf") ? "anyOf" : nullptr;
    for (const char* key : {"oneOf", "anyOf"}) {
      auto list = s.find(key);
      if (list == s.end() || !list->is_array() || list->empty()) continue;
      std::size_t start = vary ? r.below(list->size()) : 0;
      for (const auto& [node, branch] : opt_.branch_choices)
        if (node == &*list) start = branch % list->size();
      const std::size_t index = choose_branch(*sdoc, *list, start, out);
      if (dispatched && std::string_view(dispatched) == key) {
        const std::string property = (*disc)["propertyName"].get<std::string>();
        if (auto value = discriminator_key(*sdoc, *disc, property, *list, index)) {
          json& c = synthetic_.emplace_back(json{
              {"type", "object"},
              {"required", json::array({property})},
              {"properties", {{property, {{"type", "string"}, {"enum", json::array({*value})}}}}}});
          out.push_back({sdoc, &c, nullptr});
        }
      }
      null_ok &= flatten(*sdoc, (*list)[index], group, r, vary, hops + 1, out);
    }
    return is_true(s, "nullable") || ref_nullable || null_ok;
  }

  static std::string merged_type(const std::vector<part>& parts) {
    std::string type;
    for (const auto& p : parts) {
      const std::string* t = valid_type(*p.s);
      if (!t) continue;
      if (type.empty()) type = *t;
      else if (type == "number" && *t == "integer") type = "integer";
    }
    if (!type.empty()) return type;
    auto any = [&](std::initializer_list<const char*> keys) {
      return std::any_of(parts.begin(), parts.end(), [&](const part& p) {
        return std::any_of(keys.begin(), keys.end(), [&](const char* k) { return p.s->contains(k); });
      });
    };
    if (any({"properties", "additionalProperties", "required", "minProperties", "maxProperties"})) return "object";
    if (any({"items", "minItems", "maxItems", "uniqueItems"})) return "array";
    if (any({"minLength", "maxLength", "pattern"})) return "string";
    for (const auto& p : parts)
      if (auto f = p.s->find("format"); f != p.s->end() && f->is_string() && checked_format(f->get<std::string>()))
        return "string";
    if (any({"minimum", "maximum", "multipleOf", "exclusiveMinimum", "exclusiveMaximum"})) return "number";
    return {};
  }

  // The allowed values when some part has an enum (intersection), else nullopt.
  static std::optional<std::vector<json>> merged_enum(const std::vector<part>& parts) {
    std::optional<std::vector<json>> values;
    std::vector<json> first;
    for (const auto& p : parts) {
      auto e = p.s->find("enum");
      if (e == p.s->end() || !e->is_array()) continue;
      const bool nullable = is_true(*p.s, "nullable");
      if (e->empty() && !nullable) continue;  // enum: [] constrains nothing (reported at load)
      std::vector<json> here(e->begin(), e->end());
      if (nullable && std::find(here.begin(), here.end(), nullptr) == here.end()) here.emplace_back(nullptr);
      if (!values) {
        values = here;
        first = here;
        continue;
      }
      std::vector<json> kept;
      for (auto& v : *values)
        if (std::find(here.begin(), here.end(), v) != here.end()) kept.push_back(std::move(v));
      *values = std::move(kept);
    }
    if (values && values->empty()) return first;  // unsatisfiable: the first enum's values
    return values;
  }

  bool allows_name(const std::vector<part>& parts, const std::string& name) const {
    for (const auto& p : parts) {
      if (p.group) {
        if (p.group->closed && !p.group->names.contains(name)) return false;
      } else if (is_false(*p.s, "additionalProperties")) {
        auto props = p.s->find("properties");
        if (props == p.s->end() || !props->is_object() || !props->contains(name)) return false;
      }
    }
    return true;
  }

  // readOnly properties stay out of requests, writeOnly ones out of responses.
  bool left_out(const std::vector<part>& parts, const std::string& name) const {
    const char* flag = opt_.dir == direction::request ? "readOnly" : "writeOnly";
    for (const auto& p : parts) {
      auto props = p.s->find("properties");
      if (props == p.s->end() || !props->is_object()) continue;
      auto prop = props->find(name);
      if (prop == props->end()) continue;
      const document* doc = p.doc;
      const json* target = follow(doc, &*prop);
      if (target && target->is_object() && is_true(*target, flag)) return true;
    }
    return false;
  }

  std::vector<schema_ref> property_roots(const std::vector<part>& parts, const std::string& name) const {
    std::vector<schema_ref> roots;
    for (const auto& p : parts) {
      if (auto props = p.s->find("properties"); props != p.s->end() && props->is_object()) {
        if (auto prop = props->find(name); prop != props->end()) {
          roots.push_back({p.doc, &*prop});
          continue;
        }
      }
      if (auto extra = p.s->find("additionalProperties"); extra != p.s->end() && extra->is_object())
        roots.push_back({p.doc, &*extra});
    }
    return roots;
  }

  // Local checks of a scalar candidate (a schema's example or default).
  bool scalar_ok(const json& v, const std::string& type, const std::vector<part>& parts) {
    if (!type_matches(v, type)) return false;
    for (const auto& p : parts) {
      const json& s = *p.s;
      if (v.is_string()) {
        const std::string& text = v.get_ref<const std::string&>();
        const std::size_t len = code_points(text);
        if (auto m = unsigned_of(s, "minLength"); m && len < *m) return false;
        if (auto m = unsigned_of(s, "maxLength"); m && len > *m) return false;
        if (auto f = s.find("format"); f != s.end() && f->is_string())
          if (auto fmt = checked_format(f->get<std::string>()); fmt && !matches_format(*fmt, text)) return false;
        if (auto pat = s.find("pattern"); pat != s.end() && pat->is_string()) {
          const compiled_pattern& cp = pattern(pat->get<std::string>());
          if (cp.regex && !cp.regex->search(text)) return false;
        }
      } else if (v.is_number()) {
        const double d = v.get<double>();
        if (auto m = s.find("minimum"); m != s.end() && m->is_number())
          if (d < m->get<double>() || (is_true(s, "exclusiveMinimum") && d == m->get<double>())) return false;
        if (auto m = s.find("maximum"); m != s.end() && m->is_number())
          if (d > m->get<double>() || (is_true(s, "exclusiveMaximum") && d == m->get<double>())) return false;
        if (auto m = s.find("multipleOf"); m != s.end() && m->is_number() && m->get<double>() > 0)
          if (d != 0 && std::fabs(std::remainder(d, m->get<double>())) > 1e-12) return false;
        if (auto f = s.find("format"); f != s.end() && *f == "int32")
          if (d < std::numeric_limits<std::int32_t>::min() || d > std::numeric_limits<std::int32_t>::max()) return false;
      }
    }
    return true;
  }

  json make_string(const std::vector<part>& parts, rng& r, std::uint64_t seed, bool vary) {
    std::size_t min_len = 0, max_len = std::numeric_limits<std::size_t>::max();
    std::string format;
    std::vector<const compiled_pattern*> patterns;
    for (const auto& p : parts) {
      if (auto m = unsigned_of(*p.s, "minLength")) min_len = std::max<std::size_t>(min_len, std::min<std::uint64_t>(*m, 1u << 20));
      if (auto m = unsigned_of(*p.s, "maxLength")) max_len = std::min<std::size_t>(max_len, std::min<std::uint64_t>(*m, max_len));
      if (auto f = p.s->find("format"); format.empty() && f != p.s->end() && f->is_string()) format = f->get<std::string>();
      if (auto pat = p.s->find("pattern"); pat != p.s->end() && pat->is_string()) patterns.push_back(&pattern(pat->get<std::string>()));
    }
    auto fits = [&](const std::string& s) {
      const std::size_t len = code_points(s);
      return len >= min_len && len <= max_len &&
             std::all_of(patterns.begin(), patterns.end(), [&](const compiled_pattern* p) { return !p->regex || p->regex->search(s); });
    };
    if (!format.empty()) {
      if (auto s = format_sample(format, r, vary, min_len, max_len); s && fits(*s)) return *s;
    }
    if (!patterns.empty()) {
      if (auto s = sample_patterns(*patterns.front(), patterns, seed, vary, min_len, max_len)) return *s;
    }
    std::string s = vary ? random_word(r, std::clamp<std::size_t>(8, min_len, std::max(min_len, max_len))) : "string";
    if (s.size() < min_len) s.append(min_len - s.size(), 'x');
    if (s.size() > max_len) s.resize(max_len);
    return s;
  }

  json make_number(const std::vector<part>& parts, rng& r, bool vary, bool integer) {
    double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
    bool lo_ex = false, hi_ex = false;
    std::vector<double> multiples;
    for (const auto& p : parts) {
      const json& s = *p.s;
      auto f = s.find("format");
      const bool is32 = f != s.end() && *f == "int32", is64 = f != s.end() && *f == "int64";
      if (auto m = s.find("minimum"); m != s.end() && m->is_number()) {
        const double v = m->get<double>();
        const bool ex = is_true(s, "exclusiveMinimum");
        if (v > lo || (v == lo && ex)) lo = v, lo_ex = ex;
      } else if (is32 || is64) {
        const double v = is32 ? std::numeric_limits<std::int32_t>::min() : -9.2e18;
        if (v > lo) lo = v, lo_ex = false;
      }
      if (auto m = s.find("maximum"); m != s.end() && m->is_number()) {
        const double v = m->get<double>();
        const bool ex = is_true(s, "exclusiveMaximum");
        if (v < hi || (v == hi && ex)) hi = v, hi_ex = ex;
      } else if (is32 || is64) {
        const double v = is32 ? std::numeric_limits<std::int32_t>::max() : 9.2e18;
        if (v < hi) hi = v, hi_ex = false;
      }
      if (auto m = s.find("multipleOf"); m != s.end() && m->is_number() && m->get<double>() > 0)
        multiples.push_back(m->get<double>());
    }
    // Integral candidates in [ilo, ihi] (doubles holding integers, |v| <= 2^62).
    constexpr double limit = 4.6e18;
    double ilo = std::isfinite(lo) ? std::ceil(lo) : -limit;
    if (lo_ex && ilo == lo) ilo += 1;
    double ihi = std::isfinite(hi) ? std::floor(hi) : limit;
    if (hi_ex && ihi == hi) ihi -= 1;
    ilo = std::max(ilo, -limit);
    ihi = std::min(ihi, limit);

    auto in_range = [&](double v) {
      return (v > lo || (!lo_ex && v == lo)) && (v < hi || (!hi_ex && v == hi));
    };
    auto is_multiple = [&](double v) {
      return std::all_of(multiples.begin(), multiples.end(), [&](double m) {
        return v == 0 || std::fabs(std::remainder(v, m)) <= std::numeric_limits<double>::epsilon();
      });
    };
    auto emit = [&](double v) -> json {
      if (v == std::floor(v) && std::fabs(v) <= limit) return static_cast<std::int64_t>(v);
      return v;
    };

    if (ilo <= ihi) {
      double v = std::clamp(0.0, ilo, ihi);
      if (vary) {
        const double span = std::min(ihi - v, 1000.0);
        v += static_cast<double>(r.below(static_cast<std::uint64_t>(span) + 1));
        if (v == ihi && ihi - ilo > 1000) v = std::max(ilo, ihi - static_cast<double>(r.below(1000)));
      }
      if (!multiples.empty() && !is_multiple(v)) {
        const double m = *std::max_element(multiples.begin(), multiples.end());
        double up = std::ceil(v / m) * m;
        if (!(up <= ihi && is_multiple(up))) up = std::floor(ihi / m) * m;
        if (in_range(up) && is_multiple(up)) v = up;
        else if (in_range(0) && !integer) v = 0;
      }
      if (!integer && vary && multiples.empty() && in_range(v + 0.5)) v += 0.5;
      return emit(v);
    }
    if (integer) return emit(ilo);  // no integer in range: unsatisfiable
    // A range without integers: its midpoint (or just inside an open end).
    double v = std::isfinite(lo) && std::isfinite(hi) ? lo + (hi - lo) / 2 : std::isfinite(lo) ? lo + 0.5 : hi - 0.5;
    if (!multiples.empty()) {
      const double m = multiples.front();
      const double up = std::ceil(lo / m) * m;
      if (in_range(up)) v = up;
    }
    return v;
  }

  json make_array(const std::vector<part>& parts, rng& r, std::uint64_t seed, int depth, bool vary, bool lean, bool stop) {
    std::vector<schema_ref> items;
    std::uint64_t min_items = 0, max_items = std::numeric_limits<std::uint64_t>::max();
    bool unique = false;
    for (const auto& p : parts) {
      if (auto it = p.s->find("items"); it != p.s->end() && it->is_object())
        items.push_back({p.doc, &*it});
      if (auto m = unsigned_of(*p.s, "minItems")) min_items = std::max(min_items, *m);
      if (auto m = unsigned_of(*p.s, "maxItems")) max_items = std::min(max_items, *m);
      unique = unique || is_true(*p.s, "uniqueItems");
    }
    json out = json::array();
    if (stop) {
      truncated_ = truncated_ || min_items > 0;
      return out;
    }
    std::uint64_t n = min_items;
    if (!lean) {
      const std::uint64_t hi = std::max(min_items, std::min<std::uint64_t>(static_cast<std::uint64_t>(std::max(opt_.max_items, 0)), max_items));
      const std::uint64_t lo = vary ? std::max<std::uint64_t>(min_items, std::min<std::uint64_t>(1, hi)) : hi;
      n = lo + (vary ? r.below(hi - lo + 1) : 0);
    }
    if (n > opt_.items_cap) {
      n = opt_.items_cap;
      truncated_ = true;
    }
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t item_seed = fork(seed, i + 1);
      json v = make(items, item_seed, depth + 1, vary);
      if (unique) {
        for (std::uint64_t attempt = 1; attempt <= 16 && std::find(out.begin(), out.end(), v) != out.end(); ++attempt)
          v = make(items, fork(item_seed, attempt), depth + 1, true);
        if (std::find(out.begin(), out.end(), v) != out.end()) {
          if (i >= min_items) break;  // fewer items rather than duplicates
          truncated_ = true;
        }
      }
      out.push_back(std::move(v));
    }
    return out;
  }

  json make_object(const std::vector<part>& parts, std::uint64_t seed, int depth, bool vary, bool lean, bool stop) {
    std::vector<std::string> names;  // declared, first-seen order
    std::set<std::string> seen, required;
    std::uint64_t min_props = 0, max_props = std::numeric_limits<std::uint64_t>::max();
    bool extra_schema = false;
    for (const auto& p : parts) {
      if (auto props = p.s->find("properties"); props != p.s->end() && props->is_object())
        for (const auto& [name, _] : props->items())
          if (seen.insert(name).second) names.push_back(name);
      if (auto req = p.s->find("required"); req != p.s->end() && req->is_array())
        for (const auto& name : *req)
          if (name.is_string()) required.insert(name.get<std::string>());
      if (auto m = unsigned_of(*p.s, "minProperties")) min_props = std::max(min_props, *m);
      if (auto m = unsigned_of(*p.s, "maxProperties")) max_props = std::min(max_props, *m);
      if (auto a = p.s->find("additionalProperties"); a != p.s->end() && a->is_object()) extra_schema = true;
    }
    json out = json::object();
    if (stop) {
      truncated_ = truncated_ || !required.empty();
      return out;
    }
    auto add = [&](const std::string& name) {
      out[name] = make(property_roots(parts, name), fork(seed, fnv1a(name)), depth + 1, vary);
    };
    for (const auto& name : required)
      if (!left_out(parts, name)) add(name);
    auto optional_ok = [&](const std::string& name) {
      return !required.contains(name) && !left_out(parts, name) && allows_name(parts, name) && !out.contains(name);
    };
    if (!lean) {
      for (const auto& name : names) {
        if (out.size() >= max_props || nodes_ > opt_.max_nodes) break;
        if (optional_ok(name)) add(name);
      }
    }
    for (const auto& name : names) {  // minProperties, even when lean
      if (out.size() >= min_props) break;
      if (optional_ok(name)) add(name);
    }
    for (std::uint64_t k = 1; out.size() < min_props && k <= min_props + 1 && k <= 64; ++k) {
      const std::string name = "additionalProp" + std::to_string(k);
      if (!allows_name(parts, name)) break;
      if (!out.contains(name)) add(name);
    }
    if (opt_.dynamic && !lean && extra_schema && out.size() < max_props && allows_name(parts, "additionalProp1") &&
        !out.contains("additionalProp1"))
      add("additionalProp1");
    return out;
  }

};

json generator::make(const std::vector<schema_ref>& roots, std::uint64_t seed, int depth, bool vary) {
  ++nodes_;
  const bool stop = nodes_ > 4 * opt_.max_nodes || depth > opt_.max_depth + 16;
  const bool past = depth > opt_.max_depth;
  const bool lean = opt_.required_only || past || nodes_ > opt_.max_nodes;
  rng r(seed);

  std::vector<part> parts;
  bool null_ok = true;
  for (const auto& root : roots) null_ok &= flatten(*root.doc, *root.node, nullptr, r, vary, 0, parts);
  if (parts.empty()) return json::object();  // {}: any value; an empty object reads best
  if ((past || stop) && null_ok) return nullptr;

  const std::string type = merged_type(parts);
  if (auto values = merged_enum(parts)) {
    std::vector<const json*> candidates;
    for (const auto& v : *values)
      if (!v.is_null() && (type.empty() || type_matches(v, type))) candidates.push_back(&v);
    if (candidates.empty())
      for (const auto& v : *values)
        if (!v.is_null()) candidates.push_back(&v);
    if (candidates.empty()) return nullptr;
    return *candidates[vary ? r.below(candidates.size()) : 0];
  }
  if (type.empty()) {
    const bool declared_nullable = std::any_of(parts.begin(), parts.end(), [](const part& p) { return is_true(*p.s, "nullable"); });
    return null_ok && declared_nullable ? json(nullptr) : json::object();
  }
  const bool scalar = type == "string" || type == "number" || type == "integer" || type == "boolean";
  if (scalar && !vary && opt_.use_examples) {
    for (const char* key : {"example", "default"})
      for (const auto& p : parts)
        if (auto e = p.s->find(key); e != p.s->end() && !e->is_null() && scalar_ok(*e, type, parts)) return *e;
  }
  if (type == "string") return make_string(parts, r, seed, vary);
  if (type == "integer") return make_number(parts, r, vary, true);
  if (type == "number") return make_number(parts, r, vary, false);
  if (type == "boolean") return vary ? r.below(2) == 1 : false;
  if (type == "array") return make_array(parts, r, seed, depth, vary, lean, stop);
  return make_object(parts, seed, depth, vary, lean, stop);
}

}  // namespace

json generate_value(const document_set& docs, const document& doc, const json& schema, const std::string& pointer,
                    const generate_options& options, generate_stats* stats) {
  generator g(docs, options);
  json value = g.make({{&doc, &schema}}, fork(options.seed, fnv1a(pointer)), 0, options.dynamic);
  if (stats) {
    stats->nodes = g.nodes();
    stats->truncated = g.truncated();
  }
  return value;
}

std::optional<std::string> generate_pattern_string(std::string_view pattern, std::uint64_t seed, std::size_t min_length,
                                                   std::size_t max_length) {
  const compiled_pattern p = compile_pattern(pattern);
  return sample_patterns(p, {&p}, seed, seed != 0, min_length, max_length);
}

}  // namespace specgate::validator
