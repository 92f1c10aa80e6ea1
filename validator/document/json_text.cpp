#include "validator/document/json_text.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <vector>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "validator/text_util.h"

namespace specgate::validator {

namespace {

using json = nlohmann::json;

// Builds the nlohmann value from RapidJSON's events.
class builder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, builder> {
 public:
  explicit builder(std::size_t max_depth) : max_depth_(max_depth) { stack_.reserve(16); }

  json root;
  bool too_deep = false;

  bool Null() { return put(json(nullptr)); }
  bool Bool(bool b) { return put(json(b)); }
  // Numbers arrive as text and are converted as nlohmann's lexer does:
  // integers by strtoull/strtoll, falling back to strtod past 64 bits; the
  // rest by strtod; a result that is not finite is refused.
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    number_.assign(s, n);
    const bool integer = number_.find_first_of(".eE") == std::string::npos;
    char* end = nullptr;
    if (integer) {
      errno = 0;
      if (number_.front() == '-') {
        const long long v = std::strtoll(number_.c_str(), &end, 10);
        if (errno == 0 && end == number_.c_str() + number_.size()) return put(json(static_cast<std::int64_t>(v)));
      } else {
        const unsigned long long v = std::strtoull(number_.c_str(), &end, 10);
        if (errno == 0 && end == number_.c_str() + number_.size()) return put(json(static_cast<std::uint64_t>(v)));
      }
    }
    const double d = std::strtod(number_.c_str(), &end);
    return std::isfinite(d) && put(json(d));
  }
  bool String(const char* s, rapidjson::SizeType n, bool) { return put(json(std::string(s, n))); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    key_.assign(s, n);
    return true;
  }
  bool StartObject() { return open(json::value_t::object); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool StartArray() { return open(json::value_t::array); }
  bool EndArray(rapidjson::SizeType) { return close(); }

 private:
  json* place(json&& v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      auto& items = parent.get_ref<json::array_t&>();
      items.push_back(std::move(v));
      return &items.back();
    }
    json& slot = parent.get_ref<json::object_t&>()[key_];  // a repeated key: the last one wins, as in nlohmann
    slot = std::move(v);
    return &slot;
  }
  bool put(json&& v) {
    place(std::move(v));
    return true;
  }
  bool open(json::value_t type) {
    if (stack_.size() >= max_depth_) {
      too_deep = true;
      return false;
    }
    stack_.push_back(place(json(type)));
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }

  std::size_t max_depth_;
  std::vector<json*> stack_;
  std::string key_;
  std::string number_;
};

// Text the fast reader might read differently from nlohmann: NUL bytes (the
// reader's end of input), \u escapes of surrogates (lone ones), a UTF-8 BOM.
bool needs_reference_reader(std::string_view text) {
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) return true;
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) return true;
  for (std::size_t at = text.find("\\u"); at != std::string_view::npos; at = text.find("\\u", at + 2))
    if (at + 2 < text.size() && (text[at + 2] == 'd' || text[at + 2] == 'D')) return true;
  return false;
}

// nlohmann's own reading: what is accepted, and where an error is.
bool reference_parse(std::string_view text, std::size_t max_depth, json& out, json_text_error& error,
                     std::size_t fallback_offset) {
  if (json_depth(text, max_depth) > max_depth) {
    error.what = json_text_error::kind::too_deep;
    error.detail = "nesting deeper than " + std::to_string(max_depth) + " levels";
    return false;
  }
  try {
    out = json::parse(text);
    return true;
  } catch (const json::parse_error& e) {
    error.what = json_text_error::kind::malformed;
    error.byte = e.byte;
    error.detail = e.what();
  } catch (const json::exception& e) {  // out_of_range: a number too large for a double
    error.what = json_text_error::kind::out_of_range;
    error.byte = fallback_offset + 1;
    error.detail = e.what();
  }
  out = nullptr;
  return false;
}

// True when every byte is ASCII: then there is no UTF-8 to validate. Eight
// bytes at a time.
bool all_ascii(std::string_view text) {
  const char* p = text.data();
  std::size_t n = text.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    if (word & 0x8080808080808080ULL) return false;
  }
  for (; n > 0; ++p, --n)
    if (static_cast<unsigned char>(*p) & 0x80) return false;
  return true;
}

template <unsigned Flags>
rapidjson::ParseResult read_with(std::string_view text, builder& b) {
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::Reader reader;
  return reader.Parse<Flags>(stream, b);
}

}  // namespace

bool parse_json_text(std::string_view text, std::size_t max_depth, json& out, json_text_error& error) {
  if (needs_reference_reader(text)) return reference_parse(text, max_depth, out, error, 0);
  builder b(max_depth);
  constexpr unsigned flags = rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag;
  // Pure ASCII (most bodies) needs no UTF-8 validation; anything else is validated as it is read.
  const rapidjson::ParseResult ok = all_ascii(text)
                                        ? read_with<flags>(text, b)
                                        : read_with<flags | rapidjson::kParseValidateEncodingFlag>(text, b);
  if (ok) {
    out = std::move(b.root);
    return true;
  }
  if (b.too_deep) {
    error.what = json_text_error::kind::too_deep;
    error.byte = ok.Offset() + 1;
    error.detail = "nesting deeper than " + std::to_string(max_depth) + " levels";
    out = nullptr;
    return false;
  }
  // Refused: let nlohmann say what and where (it may also accept what RapidJSON does not).
  return reference_parse(text, max_depth, out, error, ok.Offset());
}

}  // namespace specgate::validator
