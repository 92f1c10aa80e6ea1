#pragma once
// Deterministic robustness ("fuzz") testing helpers: a seeded PRNG per case,
// iteration counts overridable from the environment, byte-level mutators and
// escaping for failure messages.
//
// Reproducing a failure: every failure message names the case seed
// ("case seed 0x1234..."). Run the failing test alone with
//   SPECGATE_FUZZ_SEED=0x1234... build/fuzz_tests --gtest_filter=<suite.test>
// and exactly that one case runs again. SPECGATE_FUZZ_ITERATIONS=N runs N
// cases per test instead of the default (longer local runs).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.h"

namespace specgate::fuzz {

// Fixed base seeds: every run of the suite tries the same inputs.
inline constexpr std::uint64_t base_seeds[] = {0x5eed0001ULL, 0xC0FFEE42ULL, 0x1BADB002ULL, 0xDEADBEEFULL};

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

inline std::optional<std::uint64_t> env_u64(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  char* end = nullptr;
  const auto n = std::strtoull(v, &end, 0);
  if (end == v) return std::nullopt;
  return n;
}

// Sanitizer builds are slower: fewer default iterations.
inline constexpr bool sanitized = specgate::testing::sanitized_build;

// The case seeds a test runs: SPECGATE_FUZZ_SEED alone when set; otherwise
// `iterations` seeds (SPECGATE_FUZZ_ITERATIONS overrides; under ASan the
// default is `sanitized_default`) derived from the fixed base seeds.
inline std::vector<std::uint64_t> case_seeds(std::size_t iterations, std::size_t sanitized_default) {
  if (auto one = env_u64("SPECGATE_FUZZ_SEED")) return {*one};
  std::size_t n = sanitized ? sanitized_default : iterations;
  if (auto forced = env_u64("SPECGATE_FUZZ_ITERATIONS")) n = static_cast<std::size_t>(*forced);
  std::vector<std::uint64_t> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t base = base_seeds[i % std::size(base_seeds)];
    out.push_back(splitmix64(base ^ splitmix64(i / std::size(base_seeds) + 1)));
  }
  return out;
}

inline std::string seed_text(std::uint64_t seed) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(seed));
  return buf;
}

// A per-case PRNG with helpers.
class rng {
 public:
  explicit rng(std::uint64_t seed) : gen_(seed) {}
  std::mt19937_64& engine() { return gen_; }
  // Uniform in [0, n); 0 when n == 0.
  std::size_t below(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(gen_); }
  std::size_t between(std::size_t lo, std::size_t hi) { return lo + below(hi - lo + 1); }
  bool chance(double p) { return std::bernoulli_distribution(p)(gen_); }
  unsigned char byte() { return static_cast<unsigned char>(below(256)); }
  template <class C>
  const auto& pick(const C& c) {
    return *(std::begin(c) + static_cast<std::ptrdiff_t>(below(static_cast<std::size_t>(std::size(c)))));
  }
  std::string bytes(std::size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(byte());
    return s;
  }

 private:
  std::mt19937_64 gen_;
};

// Printable, bounded rendering of arbitrary bytes for failure messages.
inline std::string escaped(std::string_view s, std::size_t limit = 400) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  const std::size_t n = std::min(s.size(), limit);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
    else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (s.size() > limit) out += "...(" + std::to_string(s.size()) + " bytes in all)";
  return out;
}

// The bytes around `offset`, escaped: where a mutation happened in a large input.
inline std::string window(std::string_view s, std::size_t offset, std::size_t radius = 80) {
  const std::size_t from = offset > radius ? offset - radius : 0;
  const std::size_t to = std::min(s.size(), offset + radius);
  if (from >= to) return "(empty window at " + std::to_string(offset) + " of " + std::to_string(s.size()) + ")";
  return "bytes " + std::to_string(from) + ".." + std::to_string(to) + " of " + std::to_string(s.size()) + ": \"" +
         escaped(s.substr(from, to - from), 2 * radius + 10) + "\"";
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// --------------------------------------------------------------------------
// Byte-level mutations. Each appends a one-line description to `log` and
// returns the offset it touched (for window()).

// Interesting fragments: structure characters of JSON/YAML, invalid UTF-8,
// NUL, odd numbers.
inline const std::vector<std::string>& dictionary() {
  static const std::vector<std::string> d = {
      std::string("\0", 1), "\xff", "\xfe\xff", "\xc0\x80", "\xc3\x28", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82",
      "\xef\xbb\xbf", "{", "}", "[", "]", "\"", "'", ":", ",", "- ", "\n", "\r\n", "\t", "&a", "*a", "!!binary ", "! ",
      "%", "#", "|", ">", "? ", "---\n", "...\n", "\\u0000", "\\ud800", "1e999", "-0", "18446744073709551616",
      "-9223372036854775809", "0x", "1e-999", ".nan", "NaN", "Infinity", "~", "null", "true", "$ref", "%zz", "%00",
      "~1", "~2", "{}", "[]", "@", "`"};
  return d;
}

struct mutation_log {
  std::vector<std::string> steps;
  std::size_t last_offset = 0;
  std::string text() const {
    std::string out;
    for (const auto& s : steps) out += (out.empty() ? "" : "; ") + s;
    return out;
  }
};

inline void flip_bits(rng& r, std::string& s, mutation_log& log) {
  if (s.empty()) return;
  const std::size_t n = r.between(1, 8);
  std::size_t at = 0;
  for (std::size_t i = 0; i < n; ++i) {
    at = r.below(s.size());
    s[at] = static_cast<char>(static_cast<unsigned char>(s[at]) ^ (1u << r.below(8)));
  }
  log.steps.push_back("flip " + std::to_string(n) + " bits (last at " + std::to_string(at) + ")");
  log.last_offset = at;
}

inline void insert_bytes(rng& r, std::string& s, mutation_log& log) {
  const std::size_t at = r.below(s.size() + 1);
  std::string what = r.chance(0.6) ? r.pick(dictionary()) : r.bytes(r.between(1, 16));
  if (r.chance(0.1)) {
    std::string repeated;
    for (std::size_t i = 0, n = r.between(2, 200); i < n; ++i) repeated += what;
    what = std::move(repeated);
  }
  s.insert(at, what);
  log.steps.push_back("insert \"" + escaped(what, 40) + "\" at " + std::to_string(at));
  log.last_offset = at;
}

inline void overwrite_bytes(rng& r, std::string& s, mutation_log& log) {
  if (s.empty()) return insert_bytes(r, s, log);
  const std::string& what = r.pick(dictionary());
  const std::size_t at = r.below(s.size());
  s.replace(at, std::min(what.size(), s.size() - at), what);
  log.steps.push_back("overwrite with \"" + escaped(what, 40) + "\" at " + std::to_string(at));
  log.last_offset = at;
}

inline void delete_range(rng& r, std::string& s, mutation_log& log) {
  if (s.empty()) return;
  const std::size_t at = r.below(s.size());
  const std::size_t n = std::min(s.size() - at, r.chance(0.7) ? r.between(1, 8) : r.between(1, 2000));
  s.erase(at, n);
  log.steps.push_back("delete " + std::to_string(n) + " bytes at " + std::to_string(at));
  log.last_offset = at;
}

inline void truncate(rng& r, std::string& s, mutation_log& log) {
  const std::size_t at = r.below(s.size() + 1);
  s.resize(at);
  log.steps.push_back("truncate at " + std::to_string(at));
  log.last_offset = at;
}

// Line boundaries: offsets where each line starts.
inline std::vector<std::size_t> line_starts(const std::string& s) {
  std::vector<std::size_t> out{0};
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '\n' && i + 1 < s.size()) out.push_back(i + 1);
  return out;
}

inline std::size_t line_end(const std::string& s, std::size_t start) {
  const auto p = s.find('\n', start);
  return p == std::string::npos ? s.size() : p + 1;
}

inline void duplicate_lines(rng& r, std::string& s, mutation_log& log) {
  const auto starts = line_starts(s);
  const std::size_t first = r.below(starts.size());
  const std::size_t count = r.chance(0.7) ? 1 : r.between(2, 30);
  const std::size_t from = starts[first];
  std::size_t to = from;
  for (std::size_t i = 0; i < count && to < s.size(); ++i) to = line_end(s, to);
  std::string block = s.substr(from, to - from);
  if (!block.empty() && block.back() != '\n') block += '\n';
  s.insert(to, block);
  log.steps.push_back("duplicate " + std::to_string(count) + " line(s) from line " + std::to_string(first + 1));
  log.last_offset = to;
}

inline void break_indentation(rng& r, std::string& s, mutation_log& log) {
  const auto starts = line_starts(s);
  const std::size_t line = r.below(starts.size());
  const std::size_t at = starts[line];
  std::string what;
  switch (r.below(4)) {
    case 0: what = " "; s.insert(at, what); break;
    case 1: what = "\t"; s.insert(at, what); break;
    case 2: what = std::string(r.between(1, 40), ' '); s.insert(at, what); break;
    default: {
      std::size_t n = 0;
      while (at + n < s.size() && s[at + n] == ' ') ++n;
      const std::size_t cut = n == 0 ? 0 : r.between(1, n);
      s.erase(at, cut);
      what = "-" + std::to_string(cut) + " spaces";
    }
  }
  log.steps.push_back("indentation of line " + std::to_string(line + 1) + ": \"" + escaped(what, 20) + "\"");
  log.last_offset = at;
}

// `levels` unclosed (or closed) brackets at a random place.
inline void deep_nesting(rng& r, std::string& s, mutation_log& log, std::size_t levels) {
  const std::size_t at = r.below(s.size() + 1);
  const char open = r.chance(0.5) ? '[' : '{';
  std::string what;
  if (open == '[') {
    what.assign(levels, '[');
  } else {  // "{a:{a:..." keeps it a valid-looking flow mapping
    for (std::size_t i = 0; i < levels; ++i) what += "{a:";
  }
  if (r.chance(0.5)) {
    if (open == '[')
      what += std::string(levels, ']');
    else
      what += "1" + std::string(levels, '}');
  }
  s.insert(at, what);
  log.steps.push_back("insert " + std::to_string(levels) + " levels of '" + std::string(1, open) + "' at " +
                      std::to_string(at));
  log.last_offset = at;
}

// Any one of the generic byte mutations above.
inline void mutate_bytes(rng& r, std::string& s, mutation_log& log) {
  switch (r.below(6)) {
    case 0: flip_bits(r, s, log); break;
    case 1: insert_bytes(r, s, log); break;
    case 2: overwrite_bytes(r, s, log); break;
    case 3: delete_range(r, s, log); break;
    case 4: truncate(r, s, log); break;
    default: duplicate_lines(r, s, log); break;
  }
}

// Wall-clock of a block, in milliseconds.
class stopwatch {
 public:
  stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace specgate::fuzz
