// Redaction, HAR 1.2 entries, the incremental HAR writer and the HAR reader.
#include "validator/traffic/har.h"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <optional>

#include "validator/check/violation_json.h"
#include "validator/contract/param_decode.h"
#include "validator/text_util.h"
#include "validator/traffic/reason_phrase.h"

namespace specgate::validator {

namespace {

using ojson = nlohmann::ordered_json;

constexpr std::string_view redacted_text = "[redacted]";
constexpr std::string_view default_headers[] = {"authorization", "proxy-authorization", "cookie",
                                                "set-cookie",    "x-api-key",           "es-secondary-authorization"};
constexpr std::string_view default_query[] = {"api_key", "apikey", "access_token", "token", "password", "secret"};

template <typename Names>
bool listed(const Names& names, std::string_view name) {
  return std::any_of(std::begin(names), std::end(names), [&](const auto& n) { return iequals(n, name); });
}

std::string_view header_value(const header_fields& headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return {};
}

// "ApiKey abc" -> "ApiKey [redacted]"; a value without a scheme word -> "[redacted]".
std::string redact_credentials(std::string_view value) {
  const std::string_view v = trim(value);
  const auto space = v.find_first_of(" \t");
  if (space == std::string_view::npos) return std::string(redacted_text);
  return std::string(v.substr(0, space)) + " " + std::string(redacted_text);
}

// A HAR time (milliseconds, >= 0) as microseconds; nullopt beyond what std::chrono::microseconds
// holds (a fuzzer's 1.2e62 ms: converting it was undefined behaviour).
std::optional<std::chrono::microseconds> milliseconds_to_micros(double ms) {
  const double us = ms * 1000.0 + 0.5;
  if (!(us < 9.0e18)) return std::nullopt;  // below INT64_MAX (9.22e18); also rejects NaN
  return std::chrono::microseconds(static_cast<std::int64_t>(us));
}

// "a=1; b=2" -> "a=[redacted]; b=[redacted]".
std::string redact_cookie(std::string_view value) {
  std::string out;
  while (true) {
    const auto semi = value.find(';');
    const std::string_view piece = trim(value.substr(0, semi));
    if (!piece.empty()) {
      if (!out.empty()) out += "; ";
      const auto eq = piece.find('=');
      if (eq != std::string_view::npos) out.append(trim(piece.substr(0, eq))).append("=");
      out += redacted_text;
    }
    if (semi == std::string_view::npos) break;
    value.remove_prefix(semi + 1);
  }
  return out;
}

// "sid=abc; Path=/; HttpOnly" -> "sid=[redacted]; Path=/; HttpOnly".
std::string redact_set_cookie(std::string_view value) {
  const auto semi = value.find(';');
  const std::string_view pair = value.substr(0, semi);
  const auto eq = pair.find('=');
  std::string out = eq == std::string_view::npos ? std::string(redacted_text)
                                                 : std::string(pair.substr(0, eq + 1)) + std::string(redacted_text);
  if (semi != std::string_view::npos) out.append(value.substr(semi));
  return out;
}

std::string redact_value(std::string_view name, std::string_view value) {
  if (iequals(name, "authorization") || iequals(name, "proxy-authorization")) return redact_credentials(value);
  if (iequals(name, "cookie")) return redact_cookie(value);
  if (iequals(name, "set-cookie")) return redact_set_cookie(value);
  return std::string(redacted_text);
}

void redact_headers(header_fields& headers, const redaction& r) {
  for (auto& [name, value] : headers)
    if (redacts_header(r, name)) value = redact_value(name, value);
}

}  // namespace

bool redacts_header(const redaction& r, std::string_view name) {
  if (iequals(name, "kbn-xsrf")) return false;
  return listed(default_headers, name) || listed(r.headers, name);
}

std::string redacted_header_value(const redaction& r, std::string_view name, std::string_view value) {
  return redacts_header(r, name) ? redact_value(name, value) : std::string(value);
}

// The query of `target` with the values of listed parameters replaced; other bytes unchanged.
std::string redacted_target(const redaction& r, std::string_view target, bool bare_query) {
  const auto question = bare_query ? std::string_view::npos : target.find('?');
  if (!bare_query && question == std::string_view::npos) return std::string(target);
  std::string out(bare_query ? std::string_view() : target.substr(0, question + 1));
  std::string_view query = bare_query ? target : target.substr(question + 1);
  while (true) {
    const auto amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    const auto eq = piece.find('=');
    bool secret = false;
    if (eq != std::string_view::npos) {
      // The name as the server reads it (percent-decoded, '+' a space).
      const auto parsed = parse_query(piece.substr(0, eq));
      const std::string name = parsed.pairs.empty() ? std::string() : parsed.pairs.front().key;
      secret = listed(default_query, name) || listed(r.query, name);
    }
    if (secret) out.append(piece.substr(0, eq + 1)).append(redacted_text);
    else out.append(piece);
    if (amp == std::string_view::npos) break;
    out += '&';
    query.remove_prefix(amp + 1);
  }
  return out;
}

namespace {

// ---------------------------------------------------------------- writing

// "2024-05-01T12:34:56.789Z".
std::string iso_time(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = time_point_cast<milliseconds>(t).time_since_epoch().count();
  auto seconds = static_cast<std::time_t>(ms / 1000);
  auto millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[48];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(millis));
  return buf;
}

double milliseconds(std::chrono::microseconds d) { return static_cast<double>(d.count()) / 1000.0; }

const char* version_text(unsigned v) { return v == 10 ? "HTTP/1.0" : "HTTP/1.1"; }

ojson name_values(const header_fields& headers) {
  ojson out = ojson::array();
  for (const auto& [name, value] : headers) out.push_back({{"name", name}, {"value", value}});
  return out;
}

ojson request_cookies(const header_fields& headers) {
  ojson out = ojson::array();
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "cookie")) continue;
    for (const auto& pair : parse_cookies(value).pairs) out.push_back({{"name", pair.key}, {"value", pair.value}});
  }
  return out;
}

ojson response_cookies(const header_fields& headers) {
  ojson out = ojson::array();
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "set-cookie")) continue;
    std::string_view rest = value;
    auto next_piece = [&]() {
      const auto semi = rest.find(';');
      const std::string_view piece = trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      return piece;
    };
    const std::string_view pair = next_piece();
    const auto eq = pair.find('=');
    ojson cookie = {{"name", std::string(trim(pair.substr(0, eq)))},
                    {"value", eq == std::string_view::npos ? std::string() : std::string(trim(pair.substr(eq + 1)))}};
    while (!rest.empty()) {
      const std::string_view attribute = next_piece();
      const auto aeq = attribute.find('=');
      const std::string_view key = trim(attribute.substr(0, aeq));
      const std::string attr_value = aeq == std::string_view::npos ? std::string() : std::string(trim(attribute.substr(aeq + 1)));
      if (iequals(key, "path")) cookie["path"] = attr_value;
      else if (iequals(key, "domain")) cookie["domain"] = attr_value;
      else if (iequals(key, "expires")) cookie["expires"] = attr_value;
      else if (iequals(key, "httponly")) cookie["httpOnly"] = true;
      else if (iequals(key, "secure")) cookie["secure"] = true;
    }
    out.push_back(std::move(cookie));
  }
  return out;
}

// Sets "text" (and "encoding": "base64" when the bytes are not UTF-8).
void put_text(ojson& into, std::string_view bytes) {
  if (is_utf8(bytes)) {
    into["text"] = std::string(bytes);
  } else {
    into["text"] = encode_base64(bytes);
    into["encoding"] = "base64";
  }
}

ojson violations_array(const violations& list) {
  ojson out = ojson::array();
  for (const auto& v : list) out.push_back(ojson(violation_json(v)));
  return out;
}

// ---------------------------------------------------------------- reading


// 1-based line and column of the byte at 0-based `offset`.
std::pair<std::uint32_t, std::uint32_t> line_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  const std::string_view before = text.substr(0, offset);
  const auto line = static_cast<std::uint32_t>(1 + std::count(before.begin(), before.end(), '\n'));
  const auto last_newline = before.rfind('\n');
  const auto column =
      static_cast<std::uint32_t>(last_newline == std::string_view::npos ? offset + 1 : offset - last_newline);
  return {line, column};
}

// Where each element of /log/entries starts (byte offsets), found with RapidJSON's SAX reader;
// only asked for when an entry has a problem. A value starts at the first byte after the
// previous event that is not white space or a separator.
class entry_locator : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, entry_locator> {
 public:
  entry_locator(std::string_view text, const rapidjson::MemoryStream& stream) : text_(text), stream_(stream) {}
  std::vector<std::size_t> offsets;

  bool Null() { return scalar(); }
  bool Bool(bool) { return scalar(); }
  bool Int(int) { return scalar(); }
  bool Uint(unsigned) { return scalar(); }
  bool Int64(std::int64_t) { return scalar(); }
  bool Uint64(std::uint64_t) { return scalar(); }
  bool Double(double) { return scalar(); }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return scalar(); }
  bool String(const char*, rapidjson::SizeType, bool) { return scalar(); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (!frames_.empty()) frames_.back().key.assign(s, n);
    after_ = stream_.Tell();
    return true;
  }
  bool StartObject() { return open(false); }
  bool StartArray() { return open(true); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool EndArray(rapidjson::SizeType) { return close(); }

 private:
  struct frame {
    bool array = false;
    bool entries = false;  // this is /log/entries
    std::string key;
  };
  void element() {
    if (!frames_.empty() && frames_.back().entries) {
      std::size_t at = after_;
      while (at < text_.size() && std::string_view(" \t\r\n,:").find(text_[at]) != std::string_view::npos) ++at;
      offsets.push_back(at);
    }
    after_ = stream_.Tell();
  }
  bool scalar() {
    element();
    return true;
  }
  bool open(bool array) {
    element();
    frame f;
    f.array = array;
    f.entries = array && frames_.size() == 2 && !frames_[0].array && frames_[0].key == "log" && !frames_[1].array &&
                frames_[1].key == "entries";
    frames_.push_back(std::move(f));
    return true;
  }
  bool close() {
    frames_.pop_back();
    after_ = stream_.Tell();
    return true;
  }
  std::string_view text_;
  const rapidjson::MemoryStream& stream_;
  std::vector<frame> frames_;
  std::size_t after_ = 0;
};

std::vector<std::size_t> entry_offsets(std::string_view text) {
  rapidjson::MemoryStream stream(text.data(), text.size());
  entry_locator locator(text, stream);
  rapidjson::Reader reader;
  reader.Parse<rapidjson::kParseStopWhenDoneFlag>(stream, locator);
  return std::move(locator.offsets);
}

// "2024-05-01T12:34:56.789Z", "...+02:00", "...-0500", without fraction; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_iso_time(std::string_view s) {
  auto number = [&](std::size_t at, std::size_t len, int& out) {
    if (at + len > s.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int year, month, day, hour, minute, second;
  if (!number(0, 4, year) || s.size() < 19 || s[4] != '-' || !number(5, 2, month) || s[7] != '-' ||
      !number(8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !number(11, 2, hour) || s[13] != ':' ||
      !number(14, 2, minute) || s[16] != ':' || !number(17, 2, second))
    return std::nullopt;
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  // system_clock counts nanoseconds in 64 bits: years outside 1678..2261 overflow it.
  if (year < 1678 || year > 2261) return std::nullopt;
  std::size_t at = 19;
  microseconds fraction{0};
  if (at < s.size() && s[at] == '.') {
    ++at;
    long long scale = 100000, value = 0;
    const std::size_t start = at;
    for (; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at) {
      value += (s[at] - '0') * scale;
      scale /= 10;
    }
    if (at == start) return std::nullopt;
    fraction = microseconds(value);
  }
  minutes offset{0};
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    const int sign = s[at] == '-' ? -1 : 1;
    int oh, om;
    if (!number(at + 1, 2, oh)) return std::nullopt;
    std::size_t m = at + 3;
    if (m < s.size() && s[m] == ':') ++m;
    if (!number(m, 2, om)) return std::nullopt;
    offset = minutes(sign * (oh * 60 + om));
    at = m + 2;
  } else {
    return std::nullopt;  // HAR requires a zone
  }
  if (at != s.size()) return std::nullopt;
  const auto t = sys_days(date) + hours(hour) + minutes(minute) + seconds(second) + fraction - offset;
  return time_point_cast<system_clock::duration>(t);
}

// "https://host:5601/api/x?y=1#f" -> "/api/x?y=1"; a url without a scheme is a target already.
std::string target_of(std::string_view url) {
  url = url.substr(0, url.find('#'));
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || url.substr(0, scheme_end).find_first_of("/?") != std::string_view::npos)
    return std::string(url);
  const auto path = url.find_first_of("/?", scheme_end + 3);
  if (path == std::string_view::npos) return "/";
  std::string out(url.substr(path));
  if (out.front() == '?') out.insert(out.begin(), '/');
  return out;
}

const nlohmann::json* member(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string string_member(const nlohmann::json& object, const char* key) {
  const auto* m = member(object, key);
  return m && m->is_string() ? m->get<std::string>() : std::string();
}

using entry_problem = har_entry_problem;

// Reads a HAR headers array; false (with `problem`) when it is not an array of {name, value} strings.
bool read_headers(const nlohmann::json& entry_part, const char* part, header_fields& out, entry_problem& problem) {
  const auto* headers = member(entry_part, "headers");
  if (!headers) return true;  // HAR requires it; browsers always write it; absent means none
  if (!headers->is_array()) {
    problem = {std::string(part) + ".headers is not an array", std::string("/") + part + "/headers"};
    return false;
  }
  for (std::size_t i = 0; i < headers->size(); ++i) {
    const auto& h = (*headers)[i];
    const auto* name = member(h, "name");
    const auto* value = member(h, "value");
    if (!name || !name->is_string() || !value || !value->is_string()) {
      problem = {std::string(part) + " header " + std::to_string(i) + " has no string name and value",
                 std::string("/") + part + "/headers/" + std::to_string(i)};
      return false;
    }
    const auto& n = name->get_ref<const std::string&>();
    if (!n.empty() && n.front() == ':') continue;  // HTTP/2 pseudo-headers are not headers
    out.emplace_back(n, value->get<std::string>());
  }
  return true;
}

// A body from {text, encoding}; false when the text is base64 that does not decode.
bool read_body(const nlohmann::json& holder, std::string& out) {
  out = string_member(holder, "text");
  if (string_member(holder, "encoding") != "base64" || out.empty()) return true;
  std::string compact;
  for (char c : out)
    if (c != '\r' && c != '\n' && c != ' ') compact += c;
  auto decoded = decode_base64(compact);
  if (!decoded) return false;
  out = std::move(*decoded);
  return true;
}

}  // namespace

bool read_har_entry(const nlohmann::json& entry, exchange& e, har_entry_problem& problem,
                    std::vector<har_entry_problem>& warnings) {
  if (!entry.is_object()) {
    problem = {"is not an object", ""};
    return false;
  }
  const auto* request = member(entry, "request");
  if (!request || !request->is_object()) {
    problem = {"has no request object", "/request"};
    return false;
  }
  const auto* response = member(entry, "response");
  if (!response || !response->is_object()) {
    problem = {"has no response object", "/response"};
    return false;
  }
  const auto* method = member(*request, "method");
  if (!method || !method->is_string() || method->get_ref<const std::string&>().empty()) {
    problem = {"request has no method", "/request/method"};
    return false;
  }
  const auto* url = member(*request, "url");
  if (!url || !url->is_string() || url->get_ref<const std::string&>().empty()) {
    problem = {"request has no url", "/request/url"};
    return false;
  }
  const auto* status = member(*response, "status");
  if (!status || !status->is_number_integer()) {
    problem = {"response has no status", "/response/status"};
    return false;
  }

  e.method = method->get<std::string>();
  e.target = target_of(url->get_ref<const std::string&>());
  e.http_version = string_member(*request, "httpVersion") == "HTTP/1.0" ? 10 : 11;
  if (!read_headers(*request, "request", e.request_headers, problem)) return false;
  if (const auto* post = member(*request, "postData"); post && post->is_object()) {
    if (!read_body(*post, e.request_body)) {
      problem = {"request postData.text is not base64", "/request/postData/text"};
      return false;
    }
  }

  e.status = status->get<int>();
  if (!read_headers(*response, "response", e.response_headers, problem)) return false;
  if (const auto* content = member(*response, "content"); content && content->is_object()) {
    if (!read_body(*content, e.response_body)) {
      problem = {"response content.text is not base64", "/response/content/text"};
      return false;
    }
    const auto* size = member(*content, "size");
    if (!member(*content, "text") && size && size->is_number() && size->get<double>() > 0)
      e.response_note = std::string(note_no_response_body);
    // HAR keeps content decoded: the body no longer has the coding its header names, unless
    // specgate wrote it still encoded and said so.
    if (!member(*content, "_contentEncoding")) {
      std::erase_if(e.response_headers, [](const auto& h) { return iequals(h.first, "content-encoding"); });
    }
  }

  if (const auto* started = member(entry, "startedDateTime"); started && started->is_string()) {
    if (auto t = parse_iso_time(started->get_ref<const std::string&>())) e.started = *t;
    else warnings.push_back({"startedDateTime is not an ISO 8601 date-time", "/startedDateTime"});
  } else {
    warnings.push_back({"has no startedDateTime", "/startedDateTime"});
  }
  if (const auto* time = member(entry, "time"); time && time->is_number() && time->get<double>() >= 0) {
    if (auto d = milliseconds_to_micros(time->get<double>())) e.duration = *d;
    else warnings.push_back({"time is too large to be a duration in milliseconds", "/time"});
  }
  if (const auto* timings = member(entry, "timings")) {
    if (const auto* wait = member(*timings, "wait"); wait && wait->is_number() && wait->get<double>() > 0) {
      if (auto d = milliseconds_to_micros(wait->get<double>())) e.upstream = *d;
      else warnings.push_back({"timings.wait is too large to be a duration in milliseconds", "/timings/wait"});
    }
  }

  e.operation_id = string_member(entry, "_operationId");
  if (const auto* found = member(entry, "_violations")) {
    auto read_list = [&](const char* direction, violations& out) {
      const auto* list = member(*found, direction);
      if (!list || !list->is_array()) return;
      for (std::size_t i = 0; i < list->size(); ++i) {
        violation v;
        if (violation_from_json((*list)[i], v)) out.push_back(std::move(v));
        else
          warnings.push_back({std::string(direction) + " violation " + std::to_string(i) + " is not a violation",
                              std::string("/_violations/") + direction + "/" + std::to_string(i)});
      }
    };
    read_list("request", e.request_violations);
    read_list("response", e.response_violations);
  }
  if (const auto* notes = member(entry, "_notes")) {
    if (auto note = string_member(*notes, "request"); !note.empty()) e.request_note = std::move(note);
    if (auto note = string_member(*notes, "response"); !note.empty()) e.response_note = std::move(note);
    e.error = string_member(*notes, "error");
  }
  if (const auto* test = member(entry, "_test")) {
    e.label = string_member(*test, "label");
    if (const auto* negative = member(*test, "negative"); negative && negative->is_boolean()) e.negative = negative->get<bool>();
    e.expected = string_member(*test, "expected");
  }
  return true;
}

diagnostic har_entry_diagnostic(const std::string& file, std::uint32_t line, std::uint32_t column, std::size_t index,
                                const har_entry_problem& p, severity level) {
  const std::string pointer = "/log/entries/" + std::to_string(index) + p.pointer;
  const std::string message = "entry " + std::to_string(index) +
                              (p.message.starts_with("is ") || p.message.starts_with("has ") ? " " : ": ") +
                              p.message + (level == severity::error ? " (entry skipped)" : "");
  return file_diagnostic(file, line, column, pointer, message, level);
}

exchange redacted(const exchange& e, const redaction& r) {
  exchange out = e;
  redact_headers(out.request_headers, r);
  redact_headers(out.response_headers, r);
  out.target = redacted_target(r, e.target);
  return out;
}

nlohmann::ordered_json har_entry(const exchange& e, std::optional<std::string_view> decoded_response) {
  const auto query_at = e.target.find('?');
  const std::string_view query =
      query_at == std::string::npos ? std::string_view() : std::string_view(e.target).substr(query_at + 1);
  const std::string_view host = header_value(e.request_headers, "host");
  const bool relative = !e.target.empty() && e.target.front() == '/';
  const std::string url = relative && !host.empty() ? "http://" + std::string(host) + e.target : e.target;

  ojson request = {{"method", e.method},       {"url", url},
                   {"httpVersion", version_text(e.http_version)},
                   {"cookies", request_cookies(e.request_headers)},
                   {"headers", name_values(e.request_headers)}};
  ojson query_string = ojson::array();
  for (const auto& pair : parse_query(query).pairs) query_string.push_back({{"name", pair.key}, {"value", pair.value}});
  request["queryString"] = std::move(query_string);
  if (!e.request_body.empty()) {
    ojson post = {{"mimeType", std::string(header_value(e.request_headers, "content-type"))}};
    put_text(post, e.request_body);
    request["postData"] = std::move(post);
  }
  request["headersSize"] = -1;
  request["bodySize"] = e.request_body.size();

  const std::string_view coding = trim(header_value(e.response_headers, "content-encoding"));
  const bool encoded = !coding.empty() && !iequals(coding, "identity") && !e.response_body.empty();
  ojson content = ojson::object();
  if (encoded && decoded_response) {
    content["size"] = decoded_response->size();
    if (decoded_response->size() >= e.response_body.size())
      content["compression"] = decoded_response->size() - e.response_body.size();
  } else {
    content["size"] = e.response_body.size();
  }
  content["mimeType"] = std::string(header_value(e.response_headers, "content-type"));
  if (encoded && decoded_response) {
    put_text(content, *decoded_response);
  } else {
    put_text(content, e.response_body);
    if (encoded) content["_contentEncoding"] = std::string(coding);
  }

  ojson response = {{"status", e.status},
                    {"statusText", e.status ? std::string(reason_phrase(e.status)) : std::string()},
                    {"httpVersion", version_text(e.http_version)},
                    {"cookies", response_cookies(e.response_headers)},
                    {"headers", name_values(e.response_headers)},
                    {"content", std::move(content)},
                    {"redirectURL", std::string(header_value(e.response_headers, "location"))},
                    {"headersSize", -1},
                    {"bodySize", e.response_body.size()}};

  ojson entry = {{"startedDateTime", iso_time(e.started)},
                 {"time", milliseconds(e.duration)},
                 {"request", std::move(request)},
                 {"response", std::move(response)},
                 {"cache", ojson::object()},
                 {"timings", {{"send", 0}, {"wait", milliseconds(e.upstream)}, {"receive", 0}}}};
  entry["_operationId"] = e.operation_id.empty() ? ojson() : ojson(e.operation_id);
  entry["_violations"] = {{"request", violations_array(e.request_violations)},
                          {"response", violations_array(e.response_violations)}};
  ojson notes = ojson::object();
  if (!e.request_note.empty()) notes["request"] = e.request_note;
  if (!e.response_note.empty()) notes["response"] = e.response_note;
  if (!e.error.empty()) notes["error"] = e.error;
  if (!notes.empty()) entry["_notes"] = std::move(notes);
  if (!e.label.empty()) {
    entry["_test"] = {{"label", e.label}, {"negative", e.negative}};
    if (!e.expected.empty()) entry["_test"]["expected"] = e.expected;
  }
  return entry;
}

// ---------------------------------------------------------------- har_writer

namespace {
constexpr std::string_view closing = "\n]}}\n";
}

har_writer::~har_writer() { close(); }

std::string har_writer::fail(const char* what) {
  return std::string("cannot ") + what + " " + path_ + ": " + std::strerror(errno);
}

std::string har_writer::open(const std::string& path, std::string_view creator_version) {
  close();
  path_ = path;
  written_ = 0;
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) return fail("create");
  seekable_ = std::fseek(file_, 0, SEEK_CUR) == 0;
  // The log's head up to the entries' opening bracket, dumped by nlohmann so the version is escaped.
  ojson log = {{"log",
                {{"version", "1.2"},
                 {"creator", {{"name", "specgate"}, {"version", std::string(creator_version)}}},
                 {"entries", ojson::array()}}}};
  std::string head = log.dump(-1, ' ', false, ojson::error_handler_t::replace);
  head.resize(head.size() - 3);  // drop "]}}"
  if (std::fwrite(head.data(), 1, head.size(), file_) != head.size()) return fail("write");
  if (seekable_) {
    tail_at_ = std::ftell(file_);
    if (std::fwrite(closing.data(), 1, closing.size(), file_) != closing.size()) return fail("write");
  }
  if (std::fflush(file_) != 0) return fail("write");
  return {};
}

std::string har_writer::write(const exchange& e, std::optional<std::string_view> decoded_response) {
  if (!file_) return "cannot write " + (path_.empty() ? std::string("the HAR file") : path_) + ": it is not open";
  std::string text = written_ ? ",\n" : "\n";
  text += har_entry(e, decoded_response).dump(-1, ' ', false, ojson::error_handler_t::replace);
  if (seekable_ && std::fseek(file_, tail_at_, SEEK_SET) != 0) return fail("seek in");
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) return fail("write");
  if (seekable_) {
    tail_at_ = std::ftell(file_);
    if (std::fwrite(closing.data(), 1, closing.size(), file_) != closing.size()) return fail("write");
  }
  if (std::fflush(file_) != 0) return fail("write");
  ++written_;
  return {};
}

std::string har_writer::close() {
  if (!file_) return {};
  std::string error;
  if (!seekable_ && std::fwrite(closing.data(), 1, closing.size(), file_) != closing.size()) error = fail("write");
  if (std::fclose(file_) != 0 && error.empty()) error = fail("close");
  file_ = nullptr;
  return error;
}

// ---------------------------------------------------------------- read_har

har_read_result read_har(std::string_view text, const std::string& file) {
  har_read_result result;
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    // nlohmann's byte is 1-based: the position of the byte where reading stopped.
    const auto [line, column] = line_column(text, error.byte > 0 ? error.byte - 1 : 0);
    std::string what = error.what();
    // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error ..." -> from "syntax".
    if (const auto colon = what.find(": "); colon != std::string::npos) what.erase(0, colon + 2);
    result.problems.push_back(file_diagnostic(file, line, column, "", "not a HAR file: " + what));
    return result;
  } catch (const nlohmann::json::exception& error) {  // out_of_range: a number too large for a double
    std::string what = error.what();
    if (const auto bracket = what.find("] "); bracket != std::string::npos) what.erase(0, bracket + 2);
    result.problems.push_back(file_diagnostic(file, 1, 1, "", "not a HAR file: " + what));
    return result;
  }
  const auto* log = member(root, "log");
  const auto* entries = log ? member(*log, "entries") : nullptr;
  if (!entries || !entries->is_array()) {
    result.problems.push_back(file_diagnostic(file, 1, 1, log ? "/log" : "",
                                           "not a HAR file: it has no log.entries array"));
    return result;
  }
  std::optional<std::vector<std::size_t>> offsets;  // found when first needed
  auto report = [&](std::size_t index, const entry_problem& p, severity level) {
    if (!offsets) offsets = entry_offsets(text);
    std::uint32_t line = 0, column = 0;
    if (index < offsets->size()) std::tie(line, column) = line_column(text, (*offsets)[index]);
    result.problems.push_back(har_entry_diagnostic(file, line, column, index, p, level));
  };
  for (std::size_t i = 0; i < entries->size(); ++i) {
    exchange e;
    entry_problem problem;
    std::vector<entry_problem> warnings;
    const bool ok = read_har_entry((*entries)[i], e, problem, warnings);
    for (const auto& w : warnings) report(i, w, severity::warning);
    if (!ok) {
      report(i, problem, severity::error);
      continue;
    }
    result.exchanges.push_back(std::move(e));
  }
  return result;
}

}  // namespace specgate::validator
