#pragma once
// String formats of OpenAPI 3.0 / JSON Schema checked by specgate itself.
//
// valijson's own `format` check is not used: it converts every value to a
// string first (an object under `format` aborts, a null in a nullable
// date-time is rejected) and builds a std::regex per check. These checks are
// hand-written, allocation-free and apply to strings only: a value of any
// other type passes (its type is the `type` keyword's business).
//
// int32/int64 are not string formats: the translation turns them into
// minimum/maximum. float, double, binary and password carry no check.
// Any other format is unknown: reported once at load, not checked.
#include <cstdint>
#include <optional>
#include <string_view>

namespace specgate::validator {

enum class string_format : std::uint8_t {
  date_time,  // RFC 3339 date-time: 2024-01-31T12:00:00Z, 2024-01-31t12:00:00.5+01:00
  date,       // RFC 3339 full-date: 2024-01-31 (month lengths and leap years checked)
  time,       // RFC 3339 full-time: 12:00:00Z, 23:59:60.25-05:00
  uuid,       // RFC 4122 text form, any version, either case
  email,      // RFC 5321 mailbox: dot-atom or quoted local part @ hostname or [IP literal]
  ipv4,       // dotted quad, no leading zeros
  ipv6,       // RFC 4291 text forms (::, embedded IPv4)
  uri,        // RFC 3986 absolute URI: scheme ":" then URI characters only
  hostname,   // RFC 1123: labels of letters, digits, '-', each 1-63, total <= 253
  byte,       // base64 (RFC 4648 alphabet, padded to a multiple of 4)
};

// The format checked for `name`, or nullopt when specgate does not check it.
std::optional<string_format> checked_format(std::string_view name);
// Formats that are known but need no string check here (int32, int64, float,
// double, binary, password).
bool is_unchecked_known_format(std::string_view name);

std::string_view format_name(string_format f);
// A short human hint: "an RFC 3339 date-time such as 2024-01-31T12:00:00Z".
std::string_view format_hint(string_format f);

// True when `value` is a well-formed `f`.
bool matches_format(string_format f, std::string_view value);

}  // namespace specgate::validator
