#include "validator/schema/formats.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

namespace specgate::validator {
namespace {

struct format_entry {
  string_format format;
  std::string_view name;
  std::string_view hint;
};

constexpr std::array<format_entry, 10> formats = {{
    {string_format::date_time, "date-time", "an RFC 3339 date-time such as 2024-01-31T12:00:00Z"},
    {string_format::date, "date", "an RFC 3339 date such as 2024-01-31"},
    {string_format::time, "time", "an RFC 3339 time such as 12:00:00Z"},
    {string_format::uuid, "uuid", "a UUID such as 5e656730-e1ca-11ec-be9b-9b1838238ee6"},
    {string_format::email, "email", "an email address such as name@example.com"},
    {string_format::ipv4, "ipv4", "an IPv4 address such as 192.0.2.1"},
    {string_format::ipv6, "ipv6", "an IPv6 address such as 2001:db8::1"},
    {string_format::uri, "uri", "an absolute URI such as https://example.com/path"},
    {string_format::hostname, "hostname", "a host name such as www.example.com"},
    {string_format::byte, "byte", "base64-encoded data such as aGVsbG8="},
}};

bool digit(char c) { return c >= '0' && c <= '9'; }
bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool hex(char c) { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// n digits at s[pos..pos+n) as a number, or -1.
int number(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!digit(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// full-date at the start of s (10 characters).
bool full_date(std::string_view s) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  const int y = number(s, 0, 4), m = number(s, 5, 2), d = number(s, 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return d <= days[m - 1] + (m == 2 && leap(y) ? 1 : 0);
}

// full-time: partial-time time-offset, the whole of s.
bool full_time(std::string_view s) {
  if (s.size() < 9 || s[2] != ':' || s[5] != ':') return false;
  const int h = number(s, 0, 2), mi = number(s, 3, 2), se = number(s, 6, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return false;
  std::size_t i = 8;
  if (s[i] == '.') {
    const std::size_t start = ++i;
    while (i < s.size() && digit(s[i])) ++i;
    if (i == start) return false;
  }
  if (i >= s.size()) return false;
  if (s[i] == 'Z' || s[i] == 'z') return i + 1 == s.size();
  if (s[i] != '+' && s[i] != '-') return false;
  if (s.size() != i + 6 || s[i + 3] != ':') return false;
  const int oh = number(s, i + 1, 2), om = number(s, i + 4, 2);
  return oh >= 0 && oh <= 23 && om >= 0 && om <= 59;
}

bool date_time(std::string_view s) {
  return s.size() > 11 && full_date(s.substr(0, 10)) && (s[10] == 'T' || s[10] == 't') && full_time(s.substr(11));
}

bool uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!hex(s[i])) {
      return false;
    }
  }
  return true;
}

bool hostname(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t label = 0;
  char prev = '.';
  for (char c : s) {
    if (c == '.') {
      if (label == 0 || prev == '-') return false;
      label = 0;
    } else {
      if (!(alpha(c) || digit(c) || c == '-')) return false;
      if (label == 0 && c == '-') return false;
      if (++label > 63) return false;
    }
    prev = c;
  }
  return label > 0 && prev != '-';
}

bool ipv4(std::string_view s) {
  if (s.size() < 7 || s.size() > 15) return false;
  char buf[16];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  in_addr addr;
  return inet_pton(AF_INET, buf, &addr) == 1;  // glibc: exactly four decimal parts, no leading zeros
}

bool ipv6(std::string_view s) {
  if (s.size() < 2 || s.size() > 45) return false;
  char buf[46];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  in6_addr addr;
  return inet_pton(AF_INET6, buf, &addr) == 1;
}

// RFC 5322 atext.
bool atext(char c) {
  return alpha(c) || digit(c) || std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
}

bool email(std::string_view s) {
  const std::size_t at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == s.size()) return false;
  const std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  if (local.size() > 64) return false;
  if (local.front() == '"') {
    if (local.size() < 2 || local.back() != '"') return false;
    for (std::size_t i = 1; i + 1 < local.size(); ++i) {
      const auto c = static_cast<unsigned char>(local[i]);
      if (c == '\\') {
        if (++i + 1 >= local.size()) return false;
      } else if (c == '"' || c < 0x20 || c == 0x7f) {
        return false;
      }
    }
  } else {
    char prev = '.';
    for (char c : local) {
      if (c == '.') {
        if (prev == '.') return false;
      } else if (!atext(c)) {
        return false;
      }
      prev = c;
    }
    if (prev == '.') return false;
  }
  if (domain.front() == '[') {
    if (domain.back() != ']') return false;
    std::string_view ip = domain.substr(1, domain.size() - 2);
    if (ip.starts_with("IPv6:")) return ipv6(ip.substr(5));
    return ipv4(ip);
  }
  return hostname(domain);
}

// RFC 3986 characters allowed in a URI after the scheme (unreserved, reserved, '%' escapes).
bool uri_char(char c) {
  return alpha(c) || digit(c) || std::strchr("-._~:/?#[]@!$&'()*+,;=", c) != nullptr;
}

bool uri(std::string_view s) {
  if (s.empty() || !alpha(s[0])) return false;
  std::size_t i = 1;
  while (i < s.size() && (alpha(s[i]) || digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) ++i;
  if (i >= s.size() || s[i] != ':') return false;
  for (++i; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !hex(s[i + 1]) || !hex(s[i + 2])) return false;
      i += 2;
    } else if (!uri_char(s[i])) {
      return false;
    }
  }
  // An authority ("//host") must name a host, brackets only around an IP literal.
  const std::size_t colon = s.find(':');
  std::string_view rest = s.substr(colon + 1);
  if (rest.starts_with("//")) {
    std::string_view authority = rest.substr(2, rest.find_first_of("/?#", 2) == std::string_view::npos
                                                     ? std::string_view::npos
                                                     : rest.find_first_of("/?#", 2) - 2);
    if (const std::size_t user = authority.rfind('@'); user != std::string_view::npos) authority = authority.substr(user + 1);
    if (authority.starts_with('[')) {
      const std::size_t close = authority.find(']');
      if (close == std::string_view::npos) return false;
      authority = authority.substr(close + 1);
      if (!authority.empty() && authority.front() != ':') return false;
    } else if (authority.find_first_of("[]") != std::string_view::npos) {
      return false;
    }
    if (const std::size_t port = authority.rfind(':'); port != std::string_view::npos)
      for (char c : authority.substr(port + 1))
        if (!digit(c)) return false;
  }
  return true;
}

bool base64(std::string_view s) {
  if (s.size() % 4 != 0) return false;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '=') {
      ++pad;
      if (i + 2 < s.size()) return false;  // padding only in the last two places
    } else if (pad > 0 || !(alpha(c) || digit(c) || c == '+' || c == '/')) {
      return false;
    }
  }
  return pad <= 2;
}

}  // namespace

std::optional<string_format> checked_format(std::string_view name) {
  for (const auto& f : formats)
    if (f.name == name) return f.format;
  return std::nullopt;
}

bool is_unchecked_known_format(std::string_view name) {
  return name == "int32" || name == "int64" || name == "float" || name == "double" || name == "binary" ||
         name == "password";
}

std::string_view format_name(string_format f) { return formats[static_cast<std::size_t>(f)].name; }
std::string_view format_hint(string_format f) { return formats[static_cast<std::size_t>(f)].hint; }

bool matches_format(string_format f, std::string_view v) {
  switch (f) {
    case string_format::date_time: return date_time(v);
    case string_format::date: return v.size() == 10 && full_date(v);
    case string_format::time: return full_time(v);
    case string_format::uuid: return uuid(v);
    case string_format::email: return email(v);
    case string_format::ipv4: return ipv4(v);
    case string_format::ipv6: return ipv6(v);
    case string_format::uri: return uri(v);
    case string_format::hostname: return hostname(v);
    case string_format::byte: return base64(v);
  }
  return true;
}

}  // namespace specgate::validator
