#pragma once
// UTF-8 repair shared by the validator's .cpp files: text that arrived as
// bytes (query strings, request targets, messages quoting them) made valid
// UTF-8 before it goes into JSON or XML.
#include <cstddef>
#include <string>

namespace specgate {

// Replaces every maximal invalid subsequence with U+FFFD (the WHATWG
// "UTF-8 decode" that URLSearchParams applies). Returns true if it changed anything.
inline bool repair_utf8(std::string& s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  // Fast scan: is there anything to fix?
  auto valid_at = [&](std::size_t at, std::size_t& len) {
    const auto c = static_cast<unsigned char>(s[at]);
    std::size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
      len = 1;
      return true;
    } else if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      len = 1;
      return false;
    }
    std::size_t j = at + 1, k = 0;
    while (k < need && j < n) {
      const auto d = static_cast<unsigned char>(s[j]);
      if (d < lo || d > hi) break;
      lo = 0x80;
      hi = 0xBF;
      ++j;
      ++k;
    }
    len = j - at;
    return k == need;
  };
  std::size_t len = 0;
  while (i < n && valid_at(i, len)) i += len;
  if (i == n) return false;
  std::string out(s, 0, i);
  while (i < n) {
    if (valid_at(i, len)) {
      out.append(s, i, len);
    } else {
      out += "\xEF\xBF\xBD";
    }
    i += len;
  }
  s = std::move(out);
  return true;
}

}  // namespace specgate
