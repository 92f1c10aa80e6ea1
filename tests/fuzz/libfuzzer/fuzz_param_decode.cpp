// libFuzzer target: parameter decoding (validator/contract/param_decode.h). The first bytes pick the
// location, style, explode and the schema shape (types, item types, properties, content JSON/text);
// the rest is the raw text (query string, Cookie header, path segment or header value), also split
// as form fields for decode_form_fields. Invariants: no crash or exception; a result is a value or
// an error, never both.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/libfuzzer/fuzz_util.h"
#include "validator/contract/contract.h"
#include "validator/contract/param_decode.h"

namespace {

using namespace specgate::validator;

struct byte_reader {
  const std::uint8_t* data;
  std::size_t size;
  std::uint8_t next() {
    if (size == 0) return 0;
    --size;
    return *data++;
  }
};

constexpr std::array<std::string_view, 8> styles = {"form",   "simple",     "label",     "matrix",
                                                     "spaceDelimited", "pipeDelimited", "deepObject", "bogus"};
constexpr std::array<std::string_view, 4> names = {"id", "filter", "a", "tags"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  byte_reader in{data, size};
  const auto location = static_cast<param_location>(in.next() % 4);
  const std::string_view style = styles[in.next() % styles.size()];
  const bool explode = (in.next() & 1) != 0;
  param_shape shape;
  shape.types = static_cast<type_set>(in.next() & json_types::any);
  shape.items = static_cast<type_set>(in.next() & json_types::any);
  const std::uint8_t flags = in.next();
  shape.content_json = (flags & 1) != 0;
  shape.content_text = (flags & 2) != 0 && !shape.content_json;
  shape.additional_declared = (flags & 4) != 0;
  shape.additional.types = static_cast<type_set>(in.next() & json_types::any);
  // Declared properties, sorted by name as make_param_shape leaves them.
  if ((flags & 8) != 0) shape.properties.push_back({"a", {static_cast<type_set>(in.next() & json_types::any), json_types::any}});
  if ((flags & 16) != 0) shape.properties.push_back({"b", {static_cast<type_set>(in.next() & json_types::any), json_types::any}});
  if ((flags & 32) != 0) shape.properties.push_back({"c", {json_types::array, static_cast<type_set>(in.next() & json_types::any)}});
  const std::string_view name = names[in.next() % names.size()];
  const std::string_view raw(reinterpret_cast<const char*>(in.data), in.size);

  const std::vector<std::string> others = {"other", "a"};
  raw_param_input input;
  input.other_names = others;
  parsed_pairs pairs;
  std::vector<std::string_view> header_values;
  switch (location) {
    case param_location::query: pairs = parse_query(raw); input.pairs = pairs.pairs; break;
    case param_location::cookie: pairs = parse_cookies(raw); input.pairs = pairs.pairs; break;
    case param_location::path: input.path_value = raw; break;
    case param_location::header: {
      // Several header lines: split at '\n'.
      std::string_view rest = raw;
      while (true) {
        const auto nl = rest.find('\n');
        header_values.push_back(rest.substr(0, nl));
        if (nl == std::string_view::npos) break;
        rest.remove_prefix(nl + 1);
      }
      input.header_values = header_values;
      break;
    }
  }
  const decode_result r = decode_parameter(shape, style, explode, location, name, input);
  if (r.value && r.error) specgate::fuzz::broken("decode_parameter gave a value and an error");
  if (r.value) (void)r.value->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (const auto& p : pairs.pairs) (void)parameter_claims_key(shape, style, explode, name, p.key);
  (void)check_param_style(shape, location, style, explode);

  // The same pairs as form fields (urlencoded bodies decode through decode_form_fields).
  if (location == param_location::query) {
    std::vector<form_field> fields;
    for (const auto& p : pairs.pairs) fields.push_back({p.key, p.value, (flags & 64) != 0});
    const std::array<form_property_encoding, 2> encodings = {
        form_property_encoding{"a", form_encoding::json}, form_property_encoding{"b", form_encoding::other}};
    const form_decode_result f = decode_form_fields(shape, fields, encodings, 32);
    (void)f.value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return 0;
}
