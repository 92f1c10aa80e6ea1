#include "validator/contract/param_decode.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "validator/contract/contract.h"
#include "validator/document/json_text.h"
#include "validator/text_util.h"
#include "validator/utf8.h"

namespace specgate::validator {

namespace {

namespace jt = json_types;
// Primitive types text can be decoded as ("null" stays a string, so a nullable array is still an array).
constexpr type_set text_primitive = jt::string | jt::integer | jt::number | jt::boolean;

// ---------------------------------------------------------------- shapes

type_set type_bits(std::string_view t) {
  if (t == "string") return jt::string;
  if (t == "integer") return jt::integer;
  if (t == "number") return jt::integer | jt::number;
  if (t == "boolean") return jt::boolean;
  if (t == "null") return jt::null;
  if (t == "array") return jt::array;
  if (t == "object") return jt::object;
  return jt::any;  // misspelt ("objects"): constrains nothing
}

type_set type_of_value(const json& v) {
  switch (v.type()) {
    case json::value_t::string: return jt::string;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return jt::integer;
    case json::value_t::number_float: return jt::number;
    case json::value_t::boolean: return jt::boolean;
    case json::value_t::null: return jt::null;
    case json::value_t::array: return jt::array;
    case json::value_t::object: return jt::object;
    default: return jt::any;
  }
}

// An empty intersection (contradictory schema) cannot guide decoding.
type_set normalise(type_set t) { return t == 0 ? jt::any : t; }

using property_list = std::vector<std::pair<std::string, value_shape>>;

struct node_shape {
  type_set types = jt::any;
  type_set items = jt::any;
  property_list properties;  // unsorted while building
  bool additional_declared = false;
  value_shape additional;
};

value_shape* find_property(property_list& props, std::string_view name) {
  for (auto& p : props)
    if (p.first == name) return &p.second;
  return nullptr;
}

class shape_builder {
 public:
  explicit shape_builder(const schema_resolver& resolve) : resolve_(resolve) {}

  // level 0: a parameter (types, items, properties); 1: a property (types,
  // items); 2: an item (types only).
  node_shape visit(const document& doc, const json* node, const std::string& pointer, int level, int depth) {
    node_shape r;
    if (node == nullptr || depth > max_depth || ++visits_ > max_visits) return r;
    const resolved_node res = resolve_(doc, node, pointer);
    if (res.node == nullptr || res.doc == nullptr || !res.node->is_object()) return r;
    const json& s = *res.node;

    type_set t = jt::any;
    if (auto type = s.find("type"); type != s.end()) {
      if (type->is_string()) {
        t = type_bits(type->get_ref<const std::string&>());
      } else if (type->is_array()) {  // not OpenAPI 3.0, but harmless to understand
        type_set u = 0;
        for (const auto& e : *type) u |= e.is_string() ? type_bits(e.get_ref<const std::string&>()) : jt::any;
        t = normalise(u);
      }
    } else if (s.contains("properties") || s.contains("additionalProperties")) {
      t = jt::object;
    } else if (s.contains("items")) {
      t = jt::array;
    } else if (auto e = s.find("enum"); e != s.end() && e->is_array() && !e->empty()) {
      type_set u = 0;
      for (const auto& v : *e) u |= type_of_value(v);
      t = normalise(u);
    }
    if (t != jt::any) {
      if (auto n = s.find("nullable"); n != s.end() && n->is_boolean() && n->get<bool>()) t |= jt::null;
    }

    if (level < 2 && (t & jt::array)) {
      if (auto items = s.find("items"); items != s.end())
        r.items = visit(*res.doc, &*items, pointer_append(res.pointer, "items"), 2, depth + 1).types;
    }
    if (level == 0 && (t & jt::object)) {
      if (auto props = s.find("properties"); props != s.end() && props->is_object()) {
        const std::string at = pointer_append(res.pointer, "properties");
        for (auto it = props->begin(); it != props->end(); ++it) {
          node_shape p = visit(*res.doc, &it.value(), pointer_append(at, it.key()), 1, depth + 1);
          r.properties.emplace_back(it.key(), value_shape{p.types, p.items});
        }
      }
      if (auto add = s.find("additionalProperties"); add != s.end()) {
        if (add->is_boolean()) {
          r.additional_declared = add->get<bool>();
        } else if (add->is_object()) {
          r.additional_declared = true;
          node_shape a = visit(*res.doc, &*add, pointer_append(res.pointer, "additionalProperties"), 1, depth + 1);
          r.additional = value_shape{a.types, a.items};
        }
      }
    }

    // allOf: every member must hold, so intersect.
    if (auto all = s.find("allOf"); all != s.end() && all->is_array()) {
      const std::string at = pointer_append(res.pointer, "allOf");
      for (std::size_t i = 0; i < all->size(); ++i) {
        node_shape m = visit(*res.doc, &(*all)[i], pointer_append(at, std::to_string(i)), level, depth + 1);
        t &= m.types;
        r.items &= m.items;
        for (auto& [name, shape] : m.properties) {
          if (value_shape* mine = find_property(r.properties, name)) {
            mine->types = normalise(mine->types & shape.types);
            mine->items = normalise(mine->items & shape.items);
          } else {
            r.properties.emplace_back(name, shape);
          }
        }
        if (m.additional_declared && !r.additional_declared) {
          r.additional_declared = true;
          r.additional = m.additional;
        }
      }
    }
    // oneOf / anyOf: one branch holds, so unite the branches (and intersect with the rest).
    for (const char* keyword : {"oneOf", "anyOf"}) {
      auto alts = s.find(keyword);
      if (alts == s.end() || !alts->is_array() || alts->empty()) continue;
      const std::string at = pointer_append(res.pointer, keyword);
      type_set u = 0, items = 0;
      property_list props;
      bool additional_declared = false;
      value_shape additional{0, 0};
      for (std::size_t i = 0; i < alts->size(); ++i) {
        node_shape b = visit(*res.doc, &(*alts)[i], pointer_append(at, std::to_string(i)), level, depth + 1);
        u |= b.types;
        if (b.types & jt::array) items |= b.items;
        for (auto& [name, shape] : b.properties) {
          if (value_shape* mine = find_property(props, name)) {
            mine->types |= shape.types;
            mine->items |= shape.items;
          } else {
            props.emplace_back(name, shape);
          }
        }
        if (b.additional_declared) {
          additional_declared = true;
          additional.types |= b.additional.types;
          additional.items |= b.additional.items;
        }
      }
      t &= u;
      if (items != 0) r.items &= items;
      for (auto& [name, shape] : props) {
        if (value_shape* mine = find_property(r.properties, name)) {
          mine->types = normalise(mine->types & shape.types);
          mine->items = normalise(mine->items & shape.items);
        } else {
          r.properties.emplace_back(name, shape);
        }
      }
      if (additional_declared && !r.additional_declared) {
        r.additional_declared = true;
        r.additional = value_shape{normalise(additional.types), normalise(additional.items)};
      }
    }

    r.types = normalise(t);
    r.items = normalise(r.items);
    return r;
  }

 private:
  static constexpr int max_depth = 32;
  static constexpr int max_visits = 4096;
  const schema_resolver& resolve_;
  int visits_ = 0;
};

param_shape to_param_shape(node_shape n) {
  param_shape out;
  out.types = n.types;
  out.items = n.items;
  out.properties = std::move(n.properties);
  std::sort(out.properties.begin(), out.properties.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out.additional_declared = n.additional_declared;
  out.additional = n.additional;
  return out;
}

bool is_json_media_type(std::string_view key) {
  auto parsed = parse_media_type(key);
  return parsed && is_json_essence(parsed->first);
}

// ---------------------------------------------------------------- text

// Percent-decodes `in`; '+' becomes ' ' when `plus_space`. A malformed escape
// is kept literally, bytes that are not UTF-8 become U+FFFD; either sets `malformed`.
std::string lenient_decode(std::string_view in, bool plus_space, bool& malformed) {
  bool ok = true;
  bool high = false;
  std::size_t plain = 0;  // length of the prefix that needs no decoding
  for (; plain < in.size(); ++plain) {
    const char c = in[plain];
    if (c == '%' || (c == '+' && plus_space)) break;
    high |= static_cast<unsigned char>(c) >= 0x80;
  }
  std::string out(in.data(), plain);
  if (plain < in.size()) out.reserve(in.size());
  for (std::size_t i = plain; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+' && plus_space) {
      out.push_back(' ');
    } else if (c == '%') {
      const int hi = i + 2 < in.size() ? hex_value(in[i + 1]) : -1;
      const int lo = hi >= 0 ? hex_value(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        ok = false;
        out.push_back('%');
        continue;
      }
      const char d = static_cast<char>(hi * 16 + lo);
      high |= static_cast<unsigned char>(d) >= 0x80;
      out.push_back(d);
      i += 2;
    } else {
      high |= static_cast<unsigned char>(c) >= 0x80;
      out.push_back(c);
    }
  }
  if (high && repair_utf8(out)) ok = false;
  if (!ok) malformed = true;
  return out;
}

// Calls f(piece) for every piece of `s` split on `sep` (an empty `s` is one empty piece).
template <class F>
void split(std::string_view s, char sep, F&& f) {
  for (;;) {
    const std::size_t at = s.find(sep);
    f(s.substr(0, at));
    if (at == std::string_view::npos) return;
    s.remove_prefix(at + 1);
  }
}

std::size_t count_pieces(std::string_view s, char sep) {
  return 1 + static_cast<std::size_t>(std::count(s.begin(), s.end(), sep));
}

bool is_integer_literal(std::string_view s) {
  std::size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

// JSON's number grammar (leading zeros allowed, as JavaScript's Number() does).
bool is_number_literal(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  if (i < n && s[i] == '-') ++i;
  std::size_t digits = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  if (digits == 0) return false;
  if (i < n && s[i] == '.') {
    ++i;
    digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
    if (digits == 0) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
    if (digits == 0) return false;
  }
  return i == n;
}

std::optional<double> to_double(std::string_view s) {
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

json make_string(std::string_view s) { return json(std::string(s)); }

// Text -> the first admitted non-string type it is a literal of; else the text.
json coerce(std::string_view text, type_set types) {
  if (types == jt::any) return make_string(text);
  if ((types & (jt::integer | jt::number)) && is_integer_literal(text)) {
    std::int64_t i = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
    if (ec == std::errc() && p == text.data() + text.size()) return json(i);
    if (text[0] != '-') {
      std::uint64_t u = 0;
      auto [q, ec2] = std::from_chars(text.data(), text.data() + text.size(), u);
      if (ec2 == std::errc() && q == text.data() + text.size()) return json(u);
    }
    if (auto d = to_double(text)) return json(*d);  // beyond 64 bits, as JavaScript would
  }
  if ((types & jt::number) && is_number_literal(text)) {
    if (auto d = to_double(text)) return json(*d);
  }
  if (types & jt::boolean) {
    if (text == "true") return json(true);
    if (text == "false") return json(false);
  }
  return make_string(text);
}

json empty_array(std::size_t reserve) {
  json a(json::value_t::array);
  a.get_ref<json::array_t&>().reserve(reserve);
  return a;
}

// ---------------------------------------------------------------- styles

enum class style_kind { simple, label, matrix, form, space_delimited, pipe_delimited, deep_object, unknown };

style_kind parse_style(std::string_view s) {
  if (s == "form") return style_kind::form;
  if (s == "simple") return style_kind::simple;
  if (s == "deepObject") return style_kind::deep_object;
  if (s == "label") return style_kind::label;
  if (s == "matrix") return style_kind::matrix;
  if (s == "spaceDelimited") return style_kind::space_delimited;
  if (s == "pipeDelimited") return style_kind::pipe_delimited;
  return style_kind::unknown;
}

bool style_allowed(style_kind s, param_location in) {
  switch (in) {
    case param_location::path: return s == style_kind::simple || s == style_kind::label || s == style_kind::matrix;
    case param_location::query:
      return s == style_kind::form || s == style_kind::space_delimited || s == style_kind::pipe_delimited ||
             s == style_kind::deep_object;
    case param_location::header: return s == style_kind::simple;
    case param_location::cookie: return s == style_kind::form;
  }
  return false;
}

style_kind effective_style(std::string_view style, param_location in) {
  const style_kind s = parse_style(style);
  if (style_allowed(s, in)) return s;
  return in == param_location::query || in == param_location::cookie ? style_kind::form : style_kind::simple;
}

// The types/items of what is being decoded, plus the properties when it is the parameter itself.
struct target {
  type_set types = jt::any;
  type_set items = jt::any;
  const param_shape* shape = nullptr;  // properties; null for nested values

  bool admits(type_set t) const { return (types & t) != 0; }
  bool object_only() const { return (types & ~jt::null) == jt::object; }
  value_shape property(std::string_view name) const {
    if (shape) {
      if (const value_shape* p = shape->property(name)) return *p;
      if (shape->additional_declared) return shape->additional;
    }
    return value_shape{};
  }
};

decode_result value(json v) {
  decode_result r;
  r.value = std::move(v);
  return r;
}

decode_result failure(std::string message, std::string found = "string") {
  decode_result r;
  r.error = decode_error{std::move(message), std::move(found)};
  return r;
}

// Builds an object from items "k=v" (kv) or "k,v,k,v" (alternating); nullopt when malformed.
std::optional<json> object_from_items(const target& t, std::string_view body, char sep, bool kv, bool trim_items) {
  json obj(json::value_t::object);
  if (body.empty()) return obj;
  bool ok = true;
  std::string_view pending_key;
  bool have_key = false;
  split(body, sep, [&](std::string_view piece) {
    if (!ok) return;
    if (trim_items) piece = trim(piece);
    if (kv) {
      const std::size_t eq = piece.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        ok = false;
        return;
      }
      const std::string_view k = piece.substr(0, eq);
      obj[std::string(k)] = coerce(piece.substr(eq + 1), t.property(k).types);
    } else if (!have_key) {
      pending_key = piece;
      have_key = true;
    } else {
      obj[std::string(pending_key)] = coerce(piece, t.property(pending_key).types);
      have_key = false;
    }
  });
  if (!ok || have_key) return std::nullopt;
  return obj;
}

// One text holding the whole value, items separated by `sep` (simple, label,
// matrix, form with explode: false, the delimited styles; a header).
json decode_body(const target& t, std::string_view body, char sep, bool kv_items, bool trim_items) {
  if (t.types == jt::any) return make_string(body);
  const bool primitive = t.admits(text_primitive);
  const bool has_sep = body.find(sep) != std::string_view::npos;
  if (t.admits(jt::array) && (!primitive || has_sep)) {
    json arr = empty_array(body.empty() ? 0 : count_pieces(body, sep));
    if (body.empty()) return arr;
    auto& a = arr.get_ref<json::array_t&>();
    split(body, sep, [&](std::string_view piece) { a.push_back(coerce(trim_items ? trim(piece) : piece, t.items)); });
    return arr;
  }
  if (t.admits(jt::object) && (!primitive || has_sep)) {
    if (auto obj = object_from_items(t, body, sep, kv_items, trim_items)) return std::move(*obj);
    return make_string(body);  // the schema check reports the type
  }
  return coerce(body, t.types);
}

// JSON in a parameter value nests no deeper than a request body may by default.
constexpr std::size_t parameter_json_depth = 128;

// Reads a parameter value as JSON; nullopt when it is not JSON (or too deep).
std::optional<json> parameter_json(std::string_view text) {
  json parsed;
  json_text_error error;
  if (!parse_json_text(text, parameter_json_depth, parsed, error)) return std::nullopt;
  return parsed;
}

// Kibana's config-schema: a string given for an array/object schema is JSON.parse'd.
std::optional<decode_result> kibana_json(const target& t, std::string_view v) {
  if (t.types == jt::any || t.admits(jt::string) || v.empty()) return std::nullopt;
  const bool as_array = v.front() == '[' && t.admits(jt::array);
  const bool as_object = v.front() == '{' && t.admits(jt::object);
  if (!as_array && !as_object) return std::nullopt;
  std::optional<json> parsed = parameter_json(v);
  if (!parsed)
    return failure(as_array ? "could not parse array value from json input"
                            : "could not parse object value from json input");
  return value(std::move(*parsed));
}

// A value given as one or more occurrences of a key (form, the delimited
// styles, a deepObject property, a form-exploded object's property).
// `each(f)` calls f(value) for every occurrence, in order.
template <class Each>
decode_result from_occurrences(const target& t, std::size_t count, std::string_view first, bool explode, char sep,
                               bool json_strings, Each&& each) {
  if (count == 1) {
    if (json_strings)
      if (auto j = kibana_json(t, first)) return std::move(*j);
    if (!explode) return value(decode_body(t, first, sep, false, false));
    if (t.types != jt::any && t.admits(jt::array) && !t.admits(text_primitive)) {
      json arr = empty_array(1);
      if (!first.empty()) arr.get_ref<json::array_t&>().push_back(coerce(first, t.items));
      return value(std::move(arr));
    }
    return value(coerce(first, t.types));
  }
  if (t.types != jt::any && t.admits(jt::array)) {
    json arr = empty_array(count);
    auto& a = arr.get_ref<json::array_t&>();
    each([&](std::string_view v) {
      if (explode) {
        a.push_back(coerce(v, t.items));
      } else if (!v.empty()) {
        split(v, sep, [&](std::string_view piece) { a.push_back(coerce(piece, t.items)); });
      }
    });
    return value(std::move(arr));
  }
  // A repeated key where the schema wants no array: hapi's array of strings.
  json arr = empty_array(count);
  auto& a = arr.get_ref<json::array_t&>();
  each([&](std::string_view v) { a.push_back(make_string(v)); });
  return value(std::move(arr));
}

bool in_names(std::span<const std::string> names, std::string_view key) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return n == key; });
}

bool is_exploded_object(const param_shape& shape, style_kind s, bool explode) {
  return s == style_kind::form && explode && shape.types != jt::any &&
         (shape.types & ~jt::null) == jt::object;
}

// Gathers an object from pairs whose keys pass `member(key, prop_name_out)`; one property per distinct key.
template <class Member>
decode_result gather_object(const target& t, std::span<const param_pair> pairs, Member&& member) {
  json obj(json::value_t::object);
  bool any = false;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    std::string_view prop;
    auto m = member(pairs[i].key, prop);
    if (m) return std::move(*m);  // an error
    if (prop.data() == nullptr) continue;
    // First occurrence of this key only.
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j) seen = pairs[j].key == pairs[i].key;
    if (seen) continue;
    std::size_t count = 0;
    for (std::size_t j = i; j < pairs.size(); ++j) count += pairs[j].key == pairs[i].key;
    const value_shape vs = t.property(prop);
    const target pt{vs.types, vs.items, nullptr};
    const std::string& key = pairs[i].key;
    decode_result r = from_occurrences(pt, count, pairs[i].value, true, ',', false, [&](auto&& f) {
      for (std::size_t j = i; j < pairs.size(); ++j)
        if (pairs[j].key == key) f(std::string_view(pairs[j].value));
    });
    if (r.error) return r;
    obj[std::string(prop)] = std::move(*r.value);
    any = true;
  }
  if (!any) return {};
  return value(std::move(obj));
}

decode_result decode_pairs(const param_shape& shape, style_kind style, bool explode, std::string_view name,
                           const raw_param_input& input) {
  const target t{shape.types, shape.items, &shape};
  const auto pairs = input.pairs;

  if (style == style_kind::deep_object) {
    return gather_object(t, pairs, [&](const std::string& key, std::string_view& prop) -> std::optional<decode_result> {
      if (key.size() <= name.size() + 1 || !key.starts_with(name) || key[name.size()] != '[') return std::nullopt;
      const std::string_view rest = std::string_view(key).substr(name.size() + 1);
      const std::size_t close = rest.find(']');
      if (close == 0 || close == std::string_view::npos || close + 1 != rest.size() ||
          rest.substr(0, close).find('[') != std::string_view::npos)
        return failure("cannot decode key [" + key + "]: deepObject keys name one property, as " +
                       std::string(name) + "[property]");
      prop = rest.substr(0, close);
      return std::nullopt;
    });
  }

  std::size_t count = 0;
  const param_pair* first = nullptr;
  for (const auto& p : pairs) {
    if (p.key != name) continue;
    if (!first) first = &p;
    ++count;
  }

  if (is_exploded_object(shape, style, explode)) {
    if (count == 1 && !first->value.empty() && first->value.front() == '{')
      if (auto j = kibana_json(t, first->value)) return std::move(*j);
    const bool name_is_property = shape.property(name) != nullptr;
    if (count > 0 && !name_is_property && !shape.additional_declared) {
      // The parameter's own name with a plain value: not this style; the schema reports it.
      return from_occurrences(t, count, first->value, true, ',', false, [&](auto&& f) {
        for (const auto& p : pairs)
          if (p.key == name) f(std::string_view(p.value));
      });
    }
    return gather_object(t, pairs, [&](const std::string& key, std::string_view& prop) -> std::optional<decode_result> {
      if (shape.property(key) != nullptr ||
          (shape.additional_declared && !in_names(input.other_names, key)))
        prop = key;
      return std::nullopt;
    });
  }

  if (count == 0) return {};
  const char sep = style == style_kind::space_delimited  ? ' '
                   : style == style_kind::pipe_delimited ? '|'
                                                         : ',';
  return from_occurrences(t, count, first->value, explode, sep, style == style_kind::form, [&](auto&& f) {
    for (const auto& p : pairs)
      if (p.key == name) f(std::string_view(p.value));
  });
}

decode_result decode_path(const param_shape& shape, style_kind style, bool explode, std::string_view name,
                          std::string_view v) {
  const target t{shape.types, shape.items, &shape};
  switch (style) {
    case style_kind::label: {
      if (v.empty() || v.front() != '.') return failure("expected a label-style value, starting with [.]");
      const std::string_view body = v.substr(1);
      // OpenAPI 3.0.3's table separates unexploded items with '.'; RFC 6570
      // (and OpenAPI 3.0.4) with ','. Accept both: ',' when present.
      const char sep = explode || body.find(',') == std::string_view::npos ? '.' : ',';
      return value(decode_body(t, body, sep, explode, false));
    }
    case style_kind::matrix: {
      auto bad = [&] { return failure("expected a matrix-style value, as [;" + std::string(name) + "=...]"); };
      if (v.empty() || v.front() != ';') return bad();
      const std::string_view body = v.substr(1);
      if (!explode || t.types == jt::any || !t.admits(jt::array | jt::object)) {
        if (!body.starts_with(name)) return bad();
        const std::string_view rest = body.substr(name.size());
        if (rest.empty()) return value(decode_body(t, {}, ',', false, false));
        if (rest.front() != '=') return bad();
        return value(decode_body(t, rest.substr(1), ',', false, false));
      }
      if (t.object_only()) return value(decode_body(t, body, ';', true, false));
      // ;name=a;name=b
      json arr = empty_array(count_pieces(body, ';'));
      auto& a = arr.get_ref<json::array_t&>();
      bool ok = true;
      split(body, ';', [&](std::string_view piece) {
        if (!ok) return;
        if (!piece.starts_with(name) || (piece.size() > name.size() && piece[name.size()] != '=')) {
          ok = false;
          return;
        }
        if (piece.size() > name.size()) a.push_back(coerce(piece.substr(name.size() + 1), t.items));
      });
      if (!ok) return bad();
      if (a.size() == 1 && t.admits(text_primitive)) return value(std::move(a.front()));  // oneOf [string, array]
      return value(std::move(arr));
    }
    default: return value(decode_body(t, v, ',', explode, false));
  }
}

// The raw text of a parameter taken whole (content parameters).
std::optional<std::string> whole_text(param_location in, std::string_view name, const raw_param_input& input,
                                      std::size_t& count) {
  count = 0;
  switch (in) {
    case param_location::path: count = 1; return std::string(input.path_value);
    case param_location::header: {
      std::string joined;
      for (auto v : input.header_values) {
        if (count++) joined += ", ";
        joined += v;
      }
      if (count == 0) return std::nullopt;
      count = 1;
      return joined;
    }
    default: {
      const std::string* first = nullptr;
      for (const auto& p : input.pairs)
        if (p.key == name && count++ == 0) first = &p.value;
      if (!first) return std::nullopt;
      return *first;
    }
  }
}

// ---------------------------------------------------------------- form bodies

// How one form value is read: guessed from its text and target, declared JSON, or text only.
enum class json_mode { sniff, declared, off };

json_mode mode_for(form_encoding declared, bool part_json) {
  if (part_json || declared == form_encoding::json) return json_mode::declared;
  return declared == form_encoding::other ? json_mode::off : json_mode::sniff;
}

bool string_or_unknown(type_set types) { return types == jt::any || (types & ~jt::null) == jt::string; }

// Structured types a value must be when it cannot be a primitive: "object" or "array" for messages.
std::string_view structure_word(type_set types) {
  if ((types & jt::array) && !(types & jt::object)) return "array";
  if ((types & jt::object) && !(types & jt::array)) return "object";
  return "";
}

decode_result json_failure(type_set types, std::string found) {
  const std::string_view word = structure_word(types);
  return failure(word.empty() ? "could not parse value from json input"
                              : "could not parse " + std::string(word) + " value from json input",
                 std::move(found));
}

struct form_value_reader {
  std::size_t max_depth;
  bool too_deep = false;
  std::size_t error_item = 0;  // the occurrence that failed, for repeated fields
  bool error_in_item = false;

  // A JSON value where `types` is wanted: as is, or a one-item array when it is an item.
  static json fit(json v, type_set types, type_set items) {
    const type_set vt = type_of_value(v);
    if (!(types & vt) && (types & jt::array) && (items & vt)) {
      json arr = empty_array(1);
      arr.push_back(std::move(v));
      return arr;
    }
    return v;
  }

  // One text as a value of `types` (items `items`).
  decode_result read(std::string_view text, type_set types, type_set items, json_mode mode) {
    const target t{types, items, nullptr};
    if (mode == json_mode::off || string_or_unknown(types))
      return from_occurrences(t, 1, text, true, ',', false, [&](auto&& f) { f(text); });
    std::string_view lead = text;
    while (!lead.empty() && (lead.front() == ' ' || lead.front() == '\t' || lead.front() == '\r' || lead.front() == '\n'))
      lead.remove_prefix(1);
    const char c = lead.empty() ? '\0' : lead.front();
    const bool arr_ok = (types & jt::array) != 0;
    const bool obj_ok = (types & jt::object) != 0;
    const bool looks_json = (c == '{' && (obj_ok || (arr_ok && (items & jt::object)))) || (c == '[' && arr_ok);
    // Items that only JSON can give (objects, arrays), and no text could be.
    const bool items_structured = arr_ok && items != jt::any && (items & (jt::object | jt::array)) &&
                                  !(items & text_primitive);
    // Only JSON can give the value (an object; an array of objects or arrays): always parse, so that
    // `5` for an object reads as 5 and the schema names the type.
    const bool must_be_json = !(types & text_primitive) && (!arr_ok || items_structured);
    if (arr_ok && !(types & text_primitive) && text.empty()) return value(empty_array(0));  // as an empty query value
    if (mode == json_mode::declared || must_be_json || (looks_json && !(types & jt::string))) {
      json parsed;
      json_text_error error;
      if (parse_json_text(text, max_depth, parsed, error)) return value(fit(std::move(parsed), types, items));
      if (error.what == json_text_error::kind::too_deep) {
        too_deep = true;
        return failure("JSON nested deeper than " + std::to_string(max_depth) + " levels",
                       "nesting deeper than " + std::to_string(max_depth));
      }
      if (mode == json_mode::declared || must_be_json)
        return json_failure(types, looks_json ? "invalid JSON" : "text that is not JSON");
      // An array of scalars: "[draft" is one item, as before.
    }
    if (types & text_primitive) return value(coerce(text, types));
    json arr = empty_array(1);
    if (!text.empty()) arr.push_back(coerce(text, items));
    return value(std::move(arr));
  }

  // Every occurrence of a field, as its property's value.
  decode_result read_field(const value_shape& vs, std::span<const form_field* const> occurrences,
                           form_encoding declared) {
    const form_field& first = *occurrences.front();
    if (occurrences.size() == 1) return read(first.value, vs.types, vs.items, mode_for(declared, first.json));
    const bool all_text = std::all_of(occurrences.begin(), occurrences.end(), [&](const form_field* f) {
      return mode_for(declared, f->json) == json_mode::off;
    });
    if (string_or_unknown(vs.types) || !(vs.types & jt::array) || all_text) {
      const target t{vs.types, vs.items, nullptr};
      return from_occurrences(t, occurrences.size(), first.value, true, ',', false, [&](auto&& f) {
        for (const form_field* o : occurrences) f(std::string_view(o->value));
      });
    }
    json arr = empty_array(occurrences.size());
    for (std::size_t i = 0; i < occurrences.size(); ++i) {
      decode_result item = read(occurrences[i]->value, vs.items, jt::any, mode_for(declared, occurrences[i]->json));
      if (item.error) {
        error_in_item = true;
        error_item = i;
        return item;
      }
      if (item.value->is_array() && !(vs.items & jt::array)) {
        for (auto& e : item.value->get_ref<json::array_t&>()) arr.push_back(std::move(e));
      } else {
        arr.push_back(std::move(*item.value));
      }
    }
    return value(std::move(arr));
  }
};

}  // namespace

bool is_utf8(std::string_view s) {
  std::string copy(s);
  return !repair_utf8(copy);
}

// ---------------------------------------------------------------- public

const value_shape* param_shape::property(std::string_view name) const {
  auto it = std::lower_bound(properties.begin(), properties.end(), name,
                             [](const auto& p, std::string_view n) { return p.first < n; });
  return it != properties.end() && it->first == name ? &it->second : nullptr;
}

param_shape make_param_shape(const schema_resolver& resolve, const document& doc, const json* schema_node,
                             const std::string& pointer) {
  if (schema_node == nullptr || !resolve) return {};
  shape_builder b(resolve);
  return to_param_shape(b.visit(doc, schema_node, pointer, 0, 0));
}

param_shape make_parameter_shape(const schema_resolver& resolve, const document& doc, const json& parameter_object,
                                 const std::string& pointer) {
  if (!parameter_object.is_object()) return {};
  if (auto s = parameter_object.find("schema"); s != parameter_object.end())
    return make_param_shape(resolve, doc, &*s, pointer_append(pointer, "schema"));
  auto content = parameter_object.find("content");
  if (content == parameter_object.end() || !content->is_object() || content->size() != 1) return {};
  auto media = content->begin();
  param_shape out;
  if (media->is_object())
    if (auto s = media->find("schema"); s != media->end())
      out = make_param_shape(resolve, doc, &*s,
                             pointer_append(pointer_append(pointer_append(pointer, "content"), media.key()), "schema"));
  if (is_json_media_type(media.key()))
    out.content_json = true;
  else
    out.content_text = true;
  return out;
}

parsed_pairs parse_query(std::string_view raw) {
  parsed_pairs out;
  if (!raw.empty() && raw.front() == '?') raw.remove_prefix(1);
  if (raw.empty()) return out;
  out.pairs.reserve(count_pieces(raw, '&'));
  split(raw, '&', [&](std::string_view piece) {
    if (piece.empty()) return;
    const std::size_t eq = piece.find('=');
    out.pairs.push_back(param_pair{
        lenient_decode(piece.substr(0, eq), true, out.malformed),
        eq == std::string_view::npos ? std::string() : lenient_decode(piece.substr(eq + 1), true, out.malformed)});
  });
  return out;
}

parsed_pairs parse_cookies(std::string_view header) {
  parsed_pairs out;
  out.pairs.reserve(count_pieces(header, ';'));
  split(header, ';', [&](std::string_view piece) {
    piece = trim(piece);
    if (piece.empty()) return;
    const std::size_t eq = piece.find('=');
    std::string_view name = eq == std::string_view::npos ? std::string_view() : trim(piece.substr(0, eq));
    std::string_view v = eq == std::string_view::npos ? piece : trim(piece.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    out.pairs.push_back(param_pair{lenient_decode(name, false, out.malformed), lenient_decode(v, false, out.malformed)});
  });
  return out;
}

decode_result decode_parameter(const param_shape& shape, std::string_view style, bool explode, param_location in,
                               std::string_view name, const raw_param_input& input) {
  if (shape.content_json || shape.content_text) {
    std::size_t count = 0;
    std::optional<std::string> text = whole_text(in, name, input, count);
    if (!text) return {};
    if (count > 1) {
      json arr = empty_array(count);
      for (const auto& p : input.pairs)
        if (p.key == name) arr.push_back(p.value);
      return value(std::move(arr));
    }
    if (shape.content_text) return value(json(std::move(*text)));
    std::optional<json> parsed = parameter_json(*text);
    if (!parsed) return failure("could not parse value from json input");
    return value(std::move(*parsed));
  }

  const style_kind s = effective_style(style, in);
  switch (in) {
    case param_location::path: return decode_path(shape, s, explode, name, input.path_value);
    case param_location::header: {
      const auto& values = input.header_values;
      if (values.empty()) return {};
      const target t{shape.types, shape.items, &shape};
      if (values.size() == 1) return value(decode_body(t, values.front(), ',', explode, true));
      std::string joined;
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) joined += ", ";
        joined += values[i];
      }
      return value(decode_body(t, joined, ',', explode, true));
    }
    case param_location::query:
    case param_location::cookie: return decode_pairs(shape, s, explode, name, input);
  }
  return {};
}

decode_result decode_parameter(const parameter& p, const param_shape& shape, const raw_param_input& input) {
  decode_result r = decode_parameter(shape, p.style, p.explode, p.in, p.name, input);
  if (p.required && !r.value && !r.error && !shape.content_json && !shape.content_text &&
      (p.in == param_location::query || p.in == param_location::cookie) &&
      is_exploded_object(shape, effective_style(p.style, p.in), p.explode))
    r.value = json::object();
  return r;
}

bool parameter_claims_key(const param_shape& shape, std::string_view style, bool explode, std::string_view name,
                          std::string_view key) {
  if (key == name) return true;
  if (shape.content_json || shape.content_text) return false;
  const style_kind s = effective_style(style, param_location::query);
  if (s == style_kind::deep_object)
    return key.size() > name.size() + 1 && key.starts_with(name) && key[name.size()] == '[';
  if (is_exploded_object(shape, s, explode)) return shape.property(key) != nullptr || shape.additional_declared;
  return false;
}

form_decode_result decode_form_fields(const param_shape& shape, std::span<const form_field> fields,
                                      std::span<const form_property_encoding> encodings, std::size_t max_depth) {
  form_decode_result out;
  if (!is_exploded_object(shape, style_kind::form, true)) return out;  // nothing to follow: {}
  std::vector<const form_field*> occurrences;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::string& name = fields[i].name;
    const value_shape* declared = shape.property(name);
    if (!declared && !shape.additional_declared) continue;
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j) seen = fields[j].name == name;
    if (seen) continue;
    occurrences.clear();
    for (std::size_t j = i; j < fields.size(); ++j)
      if (fields[j].name == name) occurrences.push_back(&fields[j]);
    form_encoding encoding = form_encoding::unspecified;
    for (const auto& e : encodings)
      if (e.name == name) encoding = e.kind;
    form_value_reader reader{max_depth};
    decode_result r = reader.read_field(declared ? *declared : shape.additional, occurrences, encoding);
    if (r.error) {
      form_error e;
      e.field = name;
      e.instance_pointer = "/" + escape_pointer_token(name);
      if (reader.error_in_item) e.instance_pointer += "/" + std::to_string(reader.error_item);
      e.message = std::move(r.error->message);
      e.found = std::move(r.error->found);
      e.too_deep = reader.too_deep;
      out.error = std::move(e);
      return out;
    }
    out.value[name] = std::move(*r.value);
  }
  return out;
}

std::optional<std::string> check_param_style(const param_shape& shape, param_location in, std::string_view style,
                                             bool explode) {
  const style_kind s = parse_style(style);
  if (s == style_kind::unknown)
    return "unknown parameter style '" + std::string(style) +
           "' (simple, label, matrix, form, spaceDelimited, pipeDelimited, deepObject); decoded as the default";
  if (!style_allowed(s, in))
    return "style '" + std::string(style) + "' is not allowed for a " + std::string(location_name(in)) +
           " parameter; decoded as the default";
  if (s == style_kind::deep_object && !explode)
    return "style 'deepObject' is only defined with explode: true; decoded as if it were";
  if (s == style_kind::deep_object && shape.types != jt::any && !shape.admits(jt::object))
    return "style 'deepObject' needs an object schema";
  return std::nullopt;
}

}  // namespace specgate::validator
