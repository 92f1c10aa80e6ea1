// Streams HAR 1.2 (RapidJSON's SAX reader, one entry held at a time) and NDJSON traffic files.
#include "validator/traffic/traffic_reader.h"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "validator/text_util.h"
#include "validator/traffic/har.h"

namespace specgate::validator {

namespace {

constexpr std::size_t buffer_size = 1 << 16;
constexpr std::size_t progress_every = 512;  // exchanges


// A buffered read-only stream over a FILE (RapidJSON's stream concept) that counts lines.
class file_stream {
 public:
  using Ch = char;
  explicit file_stream(std::FILE* file) : file_(file), buffer_(buffer_size) {}

  // Fills the buffer as far as it goes (a pipe may hand over less per read); the bytes to look at
  // before reading starts.
  std::string_view head() {
    while (end_ < buffer_.size() && !eof_) {
      const std::size_t n = std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_);
      if (n == 0) eof_ = true;
      end_ += n;
    }
    return {buffer_.data() + pos_, end_ - pos_};
  }
  void skip(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) Take();
  }

  Ch Peek() { return pos_ < end_ || fill() ? buffer_[pos_] : '\0'; }
  Ch Take() {
    if (pos_ >= end_ && !fill()) return '\0';
    const Ch c = buffer_[pos_++];
    ++count_;
    if (c == '\n') {
      ++line_;
      line_start_ = count_;
    }
    return c;
  }
  std::size_t Tell() const { return count_; }
  // Write side, unused by a reader.
  Ch* PutBegin() { return nullptr; }
  void Put(Ch) {}
  void Flush() {}
  std::size_t PutEnd(Ch*) { return 0; }

  // The next line without its "\n" (and "\r"); false at the end of the file.
  bool read_line(std::string& out) {
    out.clear();
    bool any = false;
    for (;;) {
      if (pos_ >= end_ && !fill()) return any;
      any = true;
      const char* begin = buffer_.data() + pos_;
      const auto* nl = static_cast<const char*>(std::memchr(begin, '\n', end_ - pos_));
      const std::size_t n = nl ? static_cast<std::size_t>(nl - begin) : end_ - pos_;
      out.append(begin, n);
      pos_ += n;
      count_ += n;
      if (nl) {
        ++pos_;
        ++count_;
        ++line_;
        line_start_ = count_;
        if (!out.empty() && out.back() == '\r') out.pop_back();
        return true;
      }
    }
  }

  std::uint32_t line() const { return static_cast<std::uint32_t>(line_); }
  // 1-based column of byte `offset` when it is on the current line; 0 otherwise.
  std::uint32_t column_of(std::size_t offset) const {
    return offset >= line_start_ ? static_cast<std::uint32_t>(offset - line_start_ + 1) : 0;
  }
  bool error() const { return std::ferror(file_) != 0; }
  bool at_end() { return pos_ >= end_ && !fill(); }

 private:
  bool fill() {
    if (eof_) return false;
    pos_ = 0;
    end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
    if (end_ == 0) eof_ = true;
    return end_ > 0;
  }
  std::FILE* file_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  std::size_t count_ = 0;
  std::size_t line_ = 1;
  std::size_t line_start_ = 0;
};

using json = nlohmann::json;

// Builds log.entries[i] as a JSON value from SAX events, hands it on at its end, and forgets it.
class har_handler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, har_handler> {
 public:
  har_handler(file_stream& stream, const std::string& file, const traffic_events& events, traffic_read_summary& sum)
      : stream_(stream), file_(file), events_(events), summary_(sum) {}

  bool saw_entries() const { return saw_entries_; }

  bool Null() { return scalar(json(nullptr)); }
  bool Bool(bool b) { return scalar(json(b)); }
  bool Int(int i) { return scalar(json(i)); }
  bool Uint(unsigned u) { return scalar(json(u)); }
  bool Int64(std::int64_t i) { return scalar(json(i)); }
  bool Uint64(std::uint64_t u) { return scalar(json(u)); }
  bool Double(double d) { return scalar(json(d)); }
  bool String(const char* s, rapidjson::SizeType n, bool) { return scalar(json(std::string(s, n))); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (!build_.empty()) key_.assign(s, n);
    else frames_.back().key.assign(s, n);
    return true;
  }
  bool StartObject() { return open(json::object(), false); }
  bool StartArray() { return open(json::array(), true); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool EndArray(rapidjson::SizeType) { return close(); }

 private:
  struct frame {
    bool entries = false;  // this is /log/entries
    std::string key;       // the member being read (objects)
  };

  bool in_entries() const { return build_.empty() && !frames_.empty() && frames_.back().entries; }

  void start_entry() {
    // The value's first byte was just taken.
    entry_line_ = stream_.line();
    entry_column_ = stream_.column_of(stream_.Tell() - 1);
  }

  json* put(json value) {
    if (build_.empty()) {
      entry_ = std::move(value);
      return &entry_;
    }
    json& top = *build_.back();
    if (top.is_array()) {
      top.push_back(std::move(value));
      return &top.back();
    }
    json& slot = top[key_];
    slot = std::move(value);
    return &slot;
  }

  bool scalar(json value) {
    if (in_entries()) {
      start_entry();
      entry_ = std::move(value);
      emit();
    } else if (!build_.empty()) {
      put(std::move(value));
    }
    return true;  // other members of the HAR (creator, pages) are skipped
  }

  bool open(json value, bool array) {
    if (in_entries()) start_entry();
    if (in_entries() || !build_.empty()) {
      build_.push_back(put(std::move(value)));
      return true;
    }
    frame f;
    f.entries = array && frames_.size() == 2 && frames_[0].key == "log" && frames_[1].key == "entries" &&
                !frames_[0].entries && root_object_;
    if (frames_.empty()) root_object_ = !array;
    if (f.entries) saw_entries_ = true;
    frames_.push_back(std::move(f));
    return true;
  }

  bool close() {
    if (!build_.empty()) {
      build_.pop_back();
      if (build_.empty()) emit();
      return true;
    }
    frames_.pop_back();
    return true;
  }

  void emit() {
    const std::size_t index = index_++;
    exchange e;
    har_entry_problem fault;
    std::vector<har_entry_problem> warnings;
    const bool ok = read_har_entry(entry_, e, fault, warnings);
    entry_ = json();
    if (events_.on_problem) {
      for (const auto& w : warnings)
        events_.on_problem(har_entry_diagnostic(file_, entry_line_, entry_column_, index, w, severity::warning));
    }
    if (!ok) {
      ++summary_.errors;
      if (events_.on_problem)
        events_.on_problem(har_entry_diagnostic(file_, entry_line_, entry_column_, index, fault, severity::error));
      return;
    }
    ++summary_.exchanges;
    if (events_.on_exchange) events_.on_exchange(e);
    if (summary_.exchanges % progress_every == 0 && events_.on_progress) events_.on_progress(stream_.Tell());
  }

  file_stream& stream_;
  const std::string& file_;
  const traffic_events& events_;
  traffic_read_summary& summary_;
  std::vector<frame> frames_;
  bool root_object_ = false;
  bool saw_entries_ = false;
  json entry_;
  std::vector<json*> build_;  // the open containers of the current entry
  std::string key_;
  std::size_t index_ = 0;
  std::uint32_t entry_line_ = 0, entry_column_ = 0;
};

void read_har_stream(file_stream& stream, const std::string& file, const traffic_events& events,
                     traffic_read_summary& summary) {
  har_handler handler(stream, file, events, summary);
  rapidjson::Reader reader;
  const auto result = reader.Parse<rapidjson::kParseNanAndInfFlag>(stream, handler);
  summary.bytes = stream.Tell();
  auto report = [&](diagnostic d) {
    ++summary.errors;
    if (events.on_problem) events.on_problem(std::move(d));
  };
  if (result.IsError()) {
    const std::size_t offset = result.Offset();
    const bool truncated = stream.at_end() && offset >= stream.Tell();
    std::string what = truncated ? "the file ends before the HAR does (truncated?)"
                                 : std::string(rapidjson::GetParseError_En(result.Code()));
    if (!what.empty() && what.back() == '.') what.pop_back();
    report(file_diagnostic(file, stream.line(), stream.column_of(offset), "",
                   "malformed HAR at byte " + std::to_string(offset) + ": " + what + "; " +
                       std::to_string(summary.exchanges) + " exchange(s) before it were read, nothing after"));
    return;
  }
  if (!handler.saw_entries()) report(file_diagnostic(file, 1, 1, "", "not a HAR file: it has no log.entries array"));
}

// NDJSON headers: [["name","value"],...], {"name":"value" or ["v1","v2"]}, or HAR's [{"name","value"}].
bool ndjson_headers(const json& in, json& out, std::string& error) {
  out = json::array();
  if (in.is_object()) {
    for (auto it = in.begin(); it != in.end(); ++it) {
      const std::string& name = it.key();
      const json& value = it.value();
      if (value.is_string()) {
        out.push_back({{"name", name}, {"value", value}});
      } else if (value.is_array()) {
        for (const auto& v : value) {
          if (!v.is_string()) return error = "header " + name + " has a value that is not a string", false;
          out.push_back({{"name", name}, {"value", v}});
        }
      } else {
        return error = "header " + name + " has a value that is not a string", false;
      }
    }
    return true;
  }
  if (!in.is_array()) return error = "headers is neither an object nor an array", false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const json& h = in[i];
    if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string()) {
      out.push_back({{"name", h[0]}, {"value", h[1]}});
    } else if (h.is_object() && h.contains("name") && h["name"].is_string() && h.contains("value") &&
               h["value"].is_string()) {
      out.push_back({{"name", h["name"]}, {"value", h["value"]}});
    } else {
      return error = "header " + std::to_string(i) + " is neither [name, value] nor {name, value} strings", false;
    }
  }
  return true;
}

// {"body": "...", "bodyEncoding": "base64"} -> HAR's {"text", "encoding"} into `holder`.
bool ndjson_body(const json& part, json& holder, std::string& error, std::string& pointer, const char* side) {
  if (const auto it = part.find("body"); it != part.end() && !it->is_null()) {
    if (!it->is_string()) {
      pointer = std::string("/") + side + "/body";
      return error = std::string(side) + " body is not a string", false;
    }
    holder["text"] = *it;
  }
  if (const auto it = part.find("bodyEncoding"); it != part.end() && !it->is_null()) {
    if (!it->is_string() || (*it != "base64" && *it != "utf-8" && *it != "utf8")) {
      pointer = std::string("/") + side + "/bodyEncoding";
      return error = std::string(side) + " bodyEncoding is neither \"base64\" nor \"utf-8\"", false;
    }
    if (*it == "base64") holder["encoding"] = "base64";
  }
  return true;
}

void read_ndjson_stream(file_stream& stream, const std::string& file, const traffic_events& events,
                        traffic_read_summary& summary) {
  std::string line;
  std::uint32_t number = 0;
  bool any_good = false;
  while (true) {
    const std::uint32_t at = stream.line();
    if (!stream.read_line(line)) break;
    number = at;
    if (trim(line).empty()) continue;
    exchange e;
    std::string pointer;
    std::uint32_t column = 1;
    std::string error = read_ndjson_exchange(line, e, pointer, column);
    if (!error.empty()) {
      ++summary.errors;
      if (events.on_problem) events.on_problem(file_diagnostic(file, number, column, pointer, "line " + std::to_string(number) + ": " + error + " (line skipped)"));
      // Not NDJSON at all (no line so far was, and this one is not even an object): one error is enough.
      const std::string_view t = trim(line);
      if (!any_good && (t.empty() || t.front() != '{')) {
        summary.bytes = stream.Tell();
        if (events.on_problem)
          events.on_problem(file_diagnostic(file, 0, 0, "", "not a HAR or NDJSON file: reading stopped at line " + std::to_string(number)));
        ++summary.errors;
        return;
      }
      continue;
    }
    any_good = true;
    ++summary.exchanges;
    if (events.on_exchange) events.on_exchange(e);
    if (summary.exchanges % progress_every == 0 && events.on_progress) events.on_progress(stream.Tell());
  }
  summary.bytes = stream.Tell();
}

}  // namespace

std::string read_ndjson_exchange(std::string_view line, exchange& e, std::string& pointer, std::uint32_t& column) {
  json value;
  try {
    value = json::parse(line);
  } catch (const json::parse_error& error) {
    column = static_cast<std::uint32_t>(error.byte > 0 ? error.byte : 1);
    std::string what = error.what();
    if (const auto colon = what.find(": "); colon != std::string::npos) what.erase(0, colon + 2);
    return "not JSON: " + what;
  } catch (const json::exception& error) {  // out_of_range: a number too large for a double
    column = 1;
    std::string what = error.what();
    if (const auto bracket = what.find("] "); bracket != std::string::npos) what.erase(0, bracket + 2);
    return "not JSON: " + what;
  }
  if (!value.is_object()) return "is not a JSON object";
  const auto request = value.find("request");
  if (request == value.end() || !request->is_object()) return pointer = "/request", "has no request object";
  const auto response = value.find("response");
  if (response == value.end() || !response->is_object()) return pointer = "/response", "has no response object";

  // The pair as a HAR entry, read by the one entry conversion.
  json entry = json::object();
  json har_request = json::object();
  if (const auto m = request->find("method"); m != request->end()) har_request["method"] = *m;
  if (const auto u = request->find("url"); u != request->end()) har_request["url"] = *u;
  else if (const auto t = request->find("target"); t != request->end()) har_request["url"] = *t;
  std::string error;
  if (const auto h = request->find("headers"); h != request->end() && !h->is_null()) {
    if (!ndjson_headers(*h, har_request["headers"], error)) return pointer = "/request/headers", "request " + error;
  }
  json post = json::object();
  if (!ndjson_body(*request, post, error, pointer, "request")) return error;
  if (!post.empty()) har_request["postData"] = std::move(post);

  json har_response = json::object();
  if (const auto s = response->find("status"); s != response->end()) har_response["status"] = *s;
  if (const auto h = response->find("headers"); h != response->end() && !h->is_null()) {
    if (!ndjson_headers(*h, har_response["headers"], error)) return pointer = "/response/headers", "response " + error;
  }
  json content = json::object();
  if (!ndjson_body(*response, content, error, pointer, "response")) return error;
  content["_contentEncoding"] = "as sent";  // NDJSON bodies are the bytes on the wire: keep Content-Encoding
  har_response["content"] = std::move(content);

  entry["request"] = std::move(har_request);
  entry["response"] = std::move(har_response);
  if (const auto t = value.find("startedDateTime"); t != value.end()) entry["startedDateTime"] = *t;
  if (const auto d = value.find("durationMs"); d != value.end()) entry["time"] = *d;

  har_entry_problem fault;
  std::vector<har_entry_problem> warnings;
  if (!read_har_entry(entry, e, fault, warnings)) {
    pointer = fault.pointer;
    std::string message = fault.message;
    for (auto [from, to] : {std::pair<std::string_view, std::string_view>{"/postData/text", "/body"},
                            {"/content/text", "/body"}})
      if (const auto at = pointer.find(from); at != std::string::npos) pointer.replace(at, from.size(), to);
    for (auto [from, to] : {std::pair<std::string_view, std::string_view>{"postData.text", "body"},
                            {"content.text", "body"}})
      if (const auto at = message.find(from); at != std::string::npos) message.replace(at, from.size(), to);
    return message;
  }
  for (const auto& w : warnings)
    if (w.pointer == "/startedDateTime" && value.contains("startedDateTime"))
      return pointer = "/startedDateTime", "startedDateTime is not an ISO 8601 date-time";
  return {};
}

traffic_read_summary read_traffic(std::FILE* file, const std::string& name, const traffic_events& events) {
  traffic_read_summary summary;
  file_stream stream(file);
  std::string_view head = stream.head();
  std::size_t skip = 0;
  if (head.starts_with("\xEF\xBB\xBF")) skip = 3;
  std::size_t at = skip;
  auto blank = [&] { while (at < head.size() && std::string_view(" \t\r\n").find(head[at]) != std::string_view::npos) ++at; };
  blank();
  bool har = false;
  if (at < head.size() && head[at] == '{') {
    ++at;
    blank();
    har = head.substr(at).starts_with("\"log\"");
  }
  if (at >= head.size() && !stream.error()) {
    if (events.on_problem) events.on_problem(file_diagnostic(name, 0, 0, "", "not a HAR or NDJSON file: it holds no JSON"));
    summary.errors = 1;
    return summary;
  }
  stream.skip(skip);
  summary.format = har ? traffic_format::har : traffic_format::ndjson;
  if (har) read_har_stream(stream, name, events, summary);
  else read_ndjson_stream(stream, name, events, summary);
  if (stream.error()) {
    ++summary.errors;
    if (events.on_problem)
      events.on_problem(file_diagnostic(name, 0, 0, "", "cannot read " + name + ": " + std::strerror(errno) + " at byte " +
                                                    std::to_string(stream.Tell())));
  }
  return summary;
}

traffic_read_summary read_traffic(const std::string& path, const traffic_events& events) {
  if (path == "-") return read_traffic(stdin, "<stdin>", events);
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) {
    traffic_read_summary summary;
    summary.errors = 1;
    if (events.on_problem) events.on_problem(file_diagnostic(path, 0, 0, "", "cannot open " + path + ": " + std::strerror(errno)));
    return summary;
  }
  auto summary = read_traffic(file, path, events);
  std::fclose(file);
  return summary;
}

}  // namespace specgate::validator
