// Parameter serialisation by style and explode: the text a request carries for a parameter value.
#include "validator/contract/param_encode.h"

#include <utility>
#include <vector>

#include "validator/contract/contract.h"
#include "validator/text_util.h"

namespace specgate::validator {

namespace {

enum class style_kind { simple, label, matrix, form, space_delimited, pipe_delimited, deep_object };

// The style the decoder applies: the declared one when `in` allows it, else the location's default.
style_kind effective_style(std::string_view style, param_location in) {
  const bool query = in == param_location::query, cookie = in == param_location::cookie,
             path = in == param_location::path;
  if (style == "form" && (query || cookie)) return style_kind::form;
  if (style == "simple" && (path || in == param_location::header)) return style_kind::simple;
  if (style == "label" && path) return style_kind::label;
  if (style == "matrix" && path) return style_kind::matrix;
  if (style == "spaceDelimited" && query) return style_kind::space_delimited;
  if (style == "pipeDelimited" && query) return style_kind::pipe_delimited;
  if (style == "deepObject" && query) return style_kind::deep_object;
  return query || cookie ? style_kind::form : style_kind::simple;
}

// The flat items of a value: an array's items, an object's keys and values in turn (explode
// false), or the value itself.
std::vector<std::string> flat_items(const json& value) {
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const auto& item : value) out.push_back(scalar_text(item));
  } else if (value.is_object()) {
    for (const auto& [k, v] : value.items()) {
      out.push_back(k);
      out.push_back(scalar_text(v));
    }
  } else {
    out.push_back(scalar_text(value));
  }
  return out;
}

// Items encoded (`encode`) and joined with `delimiter` (not encoded).
template <typename Encode>
std::string joined(const std::vector<std::string>& items, std::string_view delimiter, Encode encode) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += delimiter;
    out += encode(items[i]);
  }
  return out;
}

std::string encode_path(style_kind s, bool explode, std::string_view name, const json& value) {
  auto enc = [](const std::string& t) { return percent_encode(t); };
  const std::string encoded_name = percent_encode(name);
  if (value.is_object() && explode) {
    // k=v pairs, delimited by the style's separator.
    std::vector<std::string> pairs;
    for (const auto& [k, v] : value.items()) pairs.push_back(enc(k) + "=" + enc(scalar_text(v)));
    const std::string_view delimiter = s == style_kind::label ? "." : s == style_kind::matrix ? ";" : ",";
    std::string out = s == style_kind::simple ? "" : std::string(delimiter);
    for (std::size_t i = 0; i < pairs.size(); ++i) out += (i ? std::string(delimiter) : "") + pairs[i];
    return out;
  }
  const std::vector<std::string> items = flat_items(value);
  switch (s) {
    case style_kind::label: return "." + joined(items, value.is_array() && explode ? "." : ",", enc);
    case style_kind::matrix:
      if (value.is_array() && explode) {
        std::string out;
        for (const auto& item : items) out += ";" + encoded_name + "=" + enc(item);
        return out;
      }
      return ";" + encoded_name + "=" + joined(items, ",", enc);
    default: return joined(items, ",", enc);
  }
}

// A query or cookie key=value item.
std::string item(std::string_view key, std::string_view value) { return percent_encode(key) + "=" + percent_encode(value); }

std::string encode_pairs(style_kind s, bool explode, std::string_view name, const json& value, std::string_view join) {
  std::vector<std::string> parts;
  if (s == style_kind::deep_object && value.is_object()) {
    for (const auto& [k, v] : value.items()) parts.push_back(item(std::string(name) + "[" + k + "]", scalar_text(v)));
  } else if (value.is_array() && (explode || s == style_kind::deep_object)) {
    if (value.empty()) parts.push_back(item(name, ""));
    for (const auto& v : value) parts.push_back(item(name, scalar_text(v)));
  } else if (value.is_object() && explode) {
    for (const auto& [k, v] : value.items()) {
      if (v.is_array() && !v.empty()) {
        for (const auto& each : v) parts.push_back(item(k, scalar_text(each)));
      } else {
        parts.push_back(item(k, scalar_text(v)));
      }
    }
  } else if (value.is_array() || value.is_object()) {
    const std::string_view delimiter = s == style_kind::space_delimited ? "%20"
                                       : s == style_kind::pipe_delimited ? "%7C"
                                                                         : ",";
    parts.push_back(percent_encode(name) + "=" +
                    joined(flat_items(value), delimiter, [](const std::string& t) { return percent_encode(t); }));
  } else {
    parts.push_back(item(name, scalar_text(value)));
  }
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(join) : "") + parts[i];
  return out;
}

}  // namespace

std::string scalar_text(const json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

std::string encode_parameter(param_location in, std::string_view style, bool explode, std::string_view name,
                             const json& value, bool json_text) {
  if (json_text) {
    const std::string text = value.dump();
    switch (in) {
      case param_location::path: return percent_encode(text);
      case param_location::header: return text;
      case param_location::query:
      case param_location::cookie: return item(name, text);
    }
  }
  const style_kind s = effective_style(style, in);
  switch (in) {
    case param_location::path: return encode_path(s, explode, name, value);
    case param_location::header: {
      if (value.is_object() && explode) {
        std::string out;
        for (const auto& [k, v] : value.items()) out += (out.empty() ? "" : ",") + k + "=" + scalar_text(v);
        return out;
      }
      return joined(flat_items(value), ",", [](const std::string& t) { return t; });
    }
    case param_location::query: return encode_pairs(s, explode, name, value, "&");
    case param_location::cookie: return encode_pairs(s, explode, name, value, "; ");
  }
  return {};
}

std::string encode_parameter(const parameter& p, const json& value) {
  return encode_parameter(p.in, p.style, p.explode, p.name, value, p.shape.content_json);
}

}  // namespace specgate::validator
