// YAML/JSON -> nlohmann::json through libyaml's event API, recording the
// source position of every node. No intermediate tree.
//
// Address stability, which the position table relies on:
//  - an object member lives in a std::map node: its address never changes;
//  - an array element lives in a std::vector: it moves while the array grows,
//    so element positions wait in `pending_` until the array is complete;
//  - anything below a container lives in that container's heap allocation,
//    which moving the container's json value does not reallocate.
// The container being filled is always the innermost one; its ancestors do
// not change meanwhile, so raw pointers to the open containers stay valid.
#include "validator/document/document.h"

#include <yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <deque>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <unordered_map>

namespace specgate::validator {

// ---------------------------------------------------------------- document

document::document(std::string file, json root, position_list positions,
                   source_position root_position)
    : file_(std::move(file)),
      root_(std::move(root)),
      positions_(std::move(positions)),
      root_position_(root_position) {
  std::sort(positions_.begin(), positions_.end(),
            [](const auto& a, const auto& b) { return std::less<const json*>{}(a.first, b.first); });
}

source_position document::position_of(const json* node) const {
  if (node == &root_) return root_position_;
  auto it = std::lower_bound(
      positions_.begin(), positions_.end(), node,
      [](const auto& entry, const json* n) { return std::less<const json*>{}(entry.first, n); });
  if (it == positions_.end() || it->first != node) return {};
  return it->second;
}

namespace {

// Walks `pointer` from `root`; calls on_node for every node reached (root
// first). Returns false when the pointer is malformed or a token is missing.
template <typename F>
bool walk_pointer(const json& root, std::string_view pointer, F&& on_node) {
  const json* node = &root;
  on_node(node);
  if (pointer.empty()) return true;
  if (pointer.front() != '/') return false;
  std::string token;
  std::size_t i = 1;
  while (true) {
    token.clear();
    while (i < pointer.size() && pointer[i] != '/') {
      char c = pointer[i];
      if (c == '~') {
        if (i + 1 >= pointer.size()) return false;
        char e = pointer[i + 1];
        if (e == '0') token += '~';
        else if (e == '1') token += '/';
        else return false;
        i += 2;
        continue;
      }
      token += c;
      ++i;
    }
    if (node->is_object()) {
      const auto& obj = node->get_ref<const json::object_t&>();
      auto it = obj.find(token);
      if (it == obj.end()) return false;
      node = &it->second;
    } else if (node->is_array()) {
      if (token.empty() || token.size() > 19) return false;
      if (token.size() > 1 && token[0] == '0') return false;
      std::size_t index = 0;
      auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
      if (ec != std::errc() || p != token.data() + token.size()) return false;
      const auto& arr = node->get_ref<const json::array_t&>();
      if (index >= arr.size()) return false;
      node = &arr[index];
    } else {
      return false;
    }
    on_node(node);
    if (i >= pointer.size()) return true;
    ++i;  // skip '/'
  }
}

}  // namespace

const json* document::find(std::string_view pointer) const {
  const json* found = nullptr;
  if (!walk_pointer(root_, pointer, [&](const json* n) { found = n; })) return nullptr;
  return found;
}

source_position document::position_at(std::string_view pointer) const {
  const json* last = &root_;
  walk_pointer(root_, pointer, [&](const json* n) { last = n; });
  return position_of(last);
}

diagnostic document::make_diagnostic(std::string_view pointer, std::string message,
                                     severity level, std::string_view rule) const {
  diagnostic d;
  d.rule = std::string(rule);
  d.level = level;
  d.file = file_;
  source_position pos = position_at(pointer);
  d.line = pos.line;
  d.column = pos.column;
  d.pointer = std::string(pointer);
  d.message = std::move(message);
  return d;
}

// ---------------------------------------------------------------- pointers

namespace {
void append_escaped(std::string& out, std::string_view token) {
  if (token.find_first_of("~/") == std::string_view::npos) {
    out += token;
    return;
  }
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
}
}  // namespace

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  append_escaped(out, token);
  return out;
}

std::string pointer_append(std::string_view pointer, std::string_view token) {
  std::string out;
  out.reserve(pointer.size() + 1 + token.size());
  out += pointer;
  out += '/';
  append_escaped(out, token);
  return out;
}

std::optional<std::vector<std::string>> split_pointer(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/') return std::nullopt;
  std::string token;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
      continue;
    }
    char c = pointer[i];
    if (c == '~') {
      if (i + 1 >= pointer.size()) return std::nullopt;
      char e = pointer[++i];
      if (e == '0') token += '~';
      else if (e == '1') token += '/';
      else return std::nullopt;
    } else {
      token += c;
    }
  }
  return tokens;
}

// ---------------------------------------------------------------- scalars

namespace {

constexpr const char* tag_str = "tag:yaml.org,2002:str";
constexpr const char* tag_int = "tag:yaml.org,2002:int";
constexpr const char* tag_float = "tag:yaml.org,2002:float";
constexpr const char* tag_bool = "tag:yaml.org,2002:bool";
constexpr const char* tag_null = "tag:yaml.org,2002:null";
constexpr const char* tag_map = "tag:yaml.org,2002:map";
constexpr const char* tag_seq = "tag:yaml.org,2002:seq";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_null_word(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::optional<bool> bool_word(std::string_view s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

// strtod on a bounded copy, for the out-of-range cases from_chars leaves alone.
double strtod_copy(std::string_view s) {
  std::string copy(s);
  return std::strtod(copy.c_str(), nullptr);
}

// Digits in base 8/10/16 -> json: unsigned if it fits, else double.
json unsigned_number(std::string_view digits, int base) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (ec == std::errc() && p == digits.data() + digits.size()) return json(v);
  if (base == 10) return json(strtod_copy(digits));
  double d = 0;
  for (char c : digits) {
    int digit = is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
    d = d * base + digit;
  }
  return json(d);
}

// YAML 1.2 core schema int: [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
std::optional<json> core_int(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
    std::string_view digits = s.substr(2);
    bool hex = s[1] == 'x';
    for (char c : digits) {
      bool ok = hex ? std::isxdigit(static_cast<unsigned char>(c)) != 0 : (c >= '0' && c <= '7');
      if (!ok) return std::nullopt;
    }
    return unsigned_number(digits, hex ? 16 : 8);
  }
  std::size_t i = 0;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    i = 1;
  }
  std::string_view digits = s.substr(i);
  if (digits.empty()) return std::nullopt;
  for (char c : digits)
    if (!is_digit(c)) return std::nullopt;
  if (!negative) return unsigned_number(digits, 10);
  std::uint64_t magnitude = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
  constexpr std::uint64_t min_magnitude = std::uint64_t{1} << 63;
  if (ec == std::errc() && p == digits.data() + digits.size() && magnitude <= min_magnitude) {
    if (magnitude == min_magnitude) return json(std::numeric_limits<std::int64_t>::min());
    return json(-static_cast<std::int64_t>(magnitude));
  }
  return json(-strtod_copy(digits));
}

// YAML 1.2 core schema float:
//   [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
//   [-+]?(\.inf|\.Inf|\.INF)   \.nan|\.NaN|\.NAN
std::optional<json> core_float(std::string_view s) {
  std::size_t i = 0;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    i = 1;
  }
  std::string_view rest = s.substr(i);
  if (rest == ".inf" || rest == ".Inf" || rest == ".INF")
    return json(negative ? -std::numeric_limits<double>::infinity()
                         : std::numeric_limits<double>::infinity());
  if (i == 0 && (rest == ".nan" || rest == ".NaN" || rest == ".NAN"))
    return json(std::numeric_limits<double>::quiet_NaN());
  // Shape check.
  std::size_t j = 0;
  const std::size_t n = rest.size();
  std::size_t int_digits = 0, frac_digits = 0;
  while (j < n && is_digit(rest[j])) ++j, ++int_digits;
  if (j < n && rest[j] == '.') {
    ++j;
    while (j < n && is_digit(rest[j])) ++j, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return std::nullopt;
  if (j < n && (rest[j] == 'e' || rest[j] == 'E')) {
    ++j;
    if (j < n && (rest[j] == '-' || rest[j] == '+')) ++j;
    std::size_t exp_digits = 0;
    while (j < n && is_digit(rest[j])) ++j, ++exp_digits;
    if (exp_digits == 0) return std::nullopt;
  }
  if (j != n) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v);
  if (ec == std::errc::result_out_of_range) v = strtod_copy(rest);
  else if (ec != std::errc() || p != rest.data() + rest.size()) return std::nullopt;
  return json(negative ? -v : v);
}

// Untagged plain scalar -> typed value (YAML 1.2 core schema).
json resolve_plain(std::string_view s) {
  if (s.empty()) return json(nullptr);
  const char c = s.front();
  switch (c) {
    case '~':
    case 'n':
    case 'N':
      if (is_null_word(s)) return json(nullptr);
      break;
    case 't':
    case 'T':
    case 'f':
    case 'F':
      if (auto b = bool_word(s)) return json(*b);
      break;
    case '-':
    case '+':
    case '.':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      if (auto i = core_int(s)) return std::move(*i);
      if (auto f = core_float(s)) return std::move(*f);
      break;
    default:
      break;
  }
  return json(std::string(s));
}

// ---------------------------------------------------------------- builder

source_position to_position(const yaml_mark_t& m) {
  return {static_cast<std::uint32_t>(m.line + 1), static_cast<std::uint32_t>(m.column + 1)};
}

// Line/column (1-based, columns in characters) of a byte offset.
source_position position_of_offset(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  source_position pos{1, 1};
  for (std::size_t i = 0; i < offset; ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b == '\n') {
      ++pos.line;
      pos.column = 1;
    } else if ((b & 0xC0) != 0x80) {
      ++pos.column;
    }
  }
  return pos;
}

std::string_view as_view(const yaml_char_t* s, std::size_t n) {
  return {reinterpret_cast<const char*>(s), n};
}

const char* as_cstr(const yaml_char_t* s) { return reinterpret_cast<const char*>(s); }

class builder {
 public:
  builder(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {}

  parse_result run();

 private:
  struct frame {
    json* node = nullptr;   // the open container
    bool is_map = false;
    bool discard = false;   // inside a dropped value (duplicate key, complex key)
    bool is_key = false;    // this container is a (complex) mapping key
    bool have_key = false;  // maps: key read, waiting for the value
    bool drop_value = false;  // maps: the value for the current key is dropped
    std::string key;                       // maps: key read, not yet inserted
    // maps: key of the open child container: a key in the map (std::map nodes do not move), or
    // this frame's own `key` (a dropped value) - a flag, not a pointer, as frames move when stack_ grows
    const std::string* open_key = nullptr;
    bool open_key_own = false;
    source_position key_position;
    std::size_t pending_start = 0;  // arrays: first index of this array's entries in pending_
    std::string anchor;             // non-empty: register as anchor when complete
    std::size_t anchor_positions_start = 0;
  };
  struct anchored {
    json value;
    std::size_t nodes = 1;  // in `value`, itself included
    std::unordered_map<const json*, source_position> positions;  // descendants of `value`
  };
  struct inserted {
    json* node;
    bool discarded;
  };

  bool handle(const yaml_event_t& e);
  void on_scalar(const yaml_event_t& e);
  bool on_container_start(const yaml_event_t& e, bool is_map);
  void on_container_end();
  bool on_alias(const yaml_event_t& e);
  inserted insert(json&& value, source_position pos);
  json typed_scalar(const yaml_event_t& e, source_position pos);
  void register_anchor(const std::string& name, const json& node, std::size_t positions_start);
  void error(std::string_view rule, source_position pos, std::string message, severity level = severity::error);
  std::string current_pointer() const;
  void syntax_error(const yaml_parser_t& parser);

  std::string_view text_;
  std::string file_;
  json root_;
  bool have_root_ = false;
  source_position root_position_{1, 1};
  std::deque<json> dropped_;  // values that do not go into the tree; stable addresses
  std::vector<frame> stack_;
  position_list positions_;
  std::vector<source_position> pending_;
  std::unordered_map<std::string, anchored> anchors_;
  diagnostics problems_;
  int documents_ = 0;
  std::size_t alias_nodes_ = 0;  // copied by aliases so far, against max_alias_expansion
};

void builder::error(std::string_view rule, source_position pos, std::string message, severity level) {
  diagnostic d;
  d.rule = std::string(rule);
  d.level = level;
  d.file = file_;
  d.line = pos.line;
  d.column = pos.column;
  d.pointer = current_pointer();
  d.message = std::move(message);
  problems_.push_back(std::move(d));
}

std::string builder::current_pointer() const {
  std::string pointer;
  for (std::size_t i = 0; i + 1 < stack_.size(); ++i) {
    const frame& parent = stack_[i];
    if (parent.is_map) {
      pointer = pointer_append(pointer, parent.open_key_own        ? parent.key
                                        : parent.open_key != nullptr ? *parent.open_key
                                                                     : "");
    } else {
      std::size_t n = parent.node->size();
      pointer = pointer_append(pointer, std::to_string(n == 0 ? 0 : n - 1));
    }
  }
  if (!stack_.empty() && stack_.back().is_map && stack_.back().have_key)
    pointer = pointer_append(pointer, stack_.back().key);
  return pointer;
}

builder::inserted builder::insert(json&& value, source_position pos) {
  if (stack_.empty()) {
    root_ = std::move(value);
    have_root_ = true;
    root_position_ = pos;
    return {&root_, false};
  }
  frame& f = stack_.back();
  if (f.is_map) {
    auto& obj = f.node->get_ref<json::object_t&>();
    if (f.drop_value) {
      f.drop_value = false;
      f.have_key = false;
      f.open_key = nullptr;
      f.open_key_own = true;
      return {&dropped_.emplace_back(std::move(value)), true};
    }
    if (f.discard) {
      // Already inside dropped data: the last value wins, nothing is recorded.
      auto [it, fresh] = obj.insert_or_assign(std::move(f.key), std::move(value));
      f.have_key = false;
      f.open_key = &it->first;
      f.open_key_own = false;
      return {&it->second, true};
    }
    // try_emplace leaves key and value alone when the key exists.
    auto [it, fresh] = obj.try_emplace(std::move(f.key), std::move(value));
    if (!fresh) {
      error("yaml-duplicate-key", f.key_position, "duplicate key '" + f.key +
                                "' in mapping: the first value is kept, this one is ignored");
      f.have_key = false;
      f.open_key = nullptr;
      f.open_key_own = true;
      return {&dropped_.emplace_back(std::move(value)), true};
    }
    f.have_key = false;
    f.open_key = &it->first;
    f.open_key_own = false;
    positions_.emplace_back(&it->second, pos);
    return {&it->second, false};
  }
  auto& arr = f.node->get_ref<json::array_t&>();
  arr.push_back(std::move(value));
  if (!f.discard) pending_.push_back(pos);
  return {&arr.back(), f.discard};
}

json builder::typed_scalar(const yaml_event_t& e, source_position pos) {
  const auto& s = e.data.scalar;
  std::string_view text = as_view(s.value, s.length);
  const bool plain = s.style == YAML_PLAIN_SCALAR_STYLE;
  if (s.tag == nullptr) return plain ? resolve_plain(text) : json(std::string(text));
  const char* tag = as_cstr(s.tag);
  if (std::strcmp(tag, "!") == 0 || std::strcmp(tag, tag_str) == 0) return json(std::string(text));
  if (std::strcmp(tag, tag_int) == 0) {
    if (auto v = core_int(text)) return std::move(*v);
    error("yaml-tag-invalid", pos, "'" + std::string(text) + "' is not a valid !!int; kept as a string");
    return json(std::string(text));
  }
  if (std::strcmp(tag, tag_float) == 0) {
    if (auto v = core_int(text)) return json(v->get<double>());
    if (auto v = core_float(text)) return std::move(*v);
    error("yaml-tag-invalid", pos, "'" + std::string(text) + "' is not a valid !!float; kept as a string");
    return json(std::string(text));
  }
  if (std::strcmp(tag, tag_bool) == 0) {
    if (auto b = bool_word(text)) return json(*b);
    error("yaml-tag-invalid", pos, "'" + std::string(text) + "' is not a valid !!bool; kept as a string");
    return json(std::string(text));
  }
  if (std::strcmp(tag, tag_null) == 0) {
    if (is_null_word(text)) return json(nullptr);
    error("yaml-tag-invalid", pos, "'" + std::string(text) + "' is not a valid !!null; kept as a string");
    return json(std::string(text));
  }
  error("yaml-tag-unsupported", pos, std::string("tag '") + tag + "' is not supported and was ignored", severity::warning);
  return plain ? resolve_plain(text) : json(std::string(text));
}

void builder::register_anchor(const std::string& name, const json& node,
                              std::size_t positions_start) {
  anchored& a = anchors_[name];
  a.value = node;
  a.positions.clear();
  // Nesting is bounded by max_nesting_depth, so the recursion is safe.
  std::function<std::size_t(const json&)> count = [&](const json& v) -> std::size_t {
    std::size_t n = 1;
    if (v.is_structured())
      for (const auto& child : v) n += count(child);
    return n;
  };
  a.nodes = count(node);
  if (!node.is_structured() || positions_start >= positions_.size()) return;
  // Entries recorded since the anchored node started are exactly its
  // (non-dropped) descendants, at their final addresses.
  std::unordered_map<const json*, source_position> original;
  original.reserve(positions_.size() - positions_start);
  for (std::size_t i = positions_start; i < positions_.size(); ++i)
    original.emplace(positions_[i].first, positions_[i].second);
  // Nesting is bounded by max_nesting_depth, so recursion is safe.
  std::function<void(const json&, const json&)> walk = [&](const json& from, const json& to) {
    if (from.is_object()) {
      auto fi = from.begin();
      for (auto ti = to.begin(); ti != to.end(); ++ti, ++fi) {
        auto found = original.find(&*fi);
        if (found != original.end()) a.positions.emplace(&*ti, found->second);
        walk(*fi, *ti);
      }
    } else if (from.is_array()) {
      for (std::size_t i = 0; i < from.size(); ++i) {
        auto found = original.find(&from[i]);
        if (found != original.end()) a.positions.emplace(&to[i], found->second);
        walk(from[i], to[i]);
      }
    }
  };
  walk(node, a.value);
}

void builder::on_scalar(const yaml_event_t& e) {
  const source_position pos = to_position(e.start_mark);
  const auto& s = e.data.scalar;
  if (!stack_.empty() && stack_.back().is_map && !stack_.back().have_key) {
    frame& f = stack_.back();
    f.key.assign(as_cstr(s.value), s.length);
    f.have_key = true;
    f.key_position = pos;
    if (s.anchor != nullptr) register_anchor(as_cstr(s.anchor), json(f.key), positions_.size());
    return;
  }
  inserted at = insert(typed_scalar(e, pos), pos);
  if (s.anchor != nullptr) register_anchor(as_cstr(s.anchor), *at.node, positions_.size());
}

bool builder::on_alias(const yaml_event_t& e) {
  const source_position pos = to_position(e.start_mark);
  const std::string name = as_cstr(e.data.alias.anchor);
  auto found = anchors_.find(name);
  const anchored* a = found == anchors_.end() ? nullptr : &found->second;
  if (a == nullptr) error("yaml-alias-invalid", pos, "alias '*" + name + "' refers to no complete anchor '&" + name + "'");
  if (a != nullptr && (alias_nodes_ += a->nodes) > max_alias_expansion) {
    error("yaml-alias-invalid", pos, "aliases expand to more than " + std::to_string(max_alias_expansion) + " nodes (alias '*" + name +
                   "' copies " + std::to_string(a->nodes) + "): the document is refused, as a YAML alias bomb");
    return false;
  }
  if (!stack_.empty() && stack_.back().is_map && !stack_.back().have_key) {
    frame& f = stack_.back();
    f.key = a == nullptr ? std::string() : a->value.is_string() ? a->value.get<std::string>()
                                                                 : a->value.dump();
    f.have_key = true;
    f.key_position = pos;
    return true;
  }
  inserted at = insert(a == nullptr ? json(nullptr) : json(a->value), pos);
  if (a == nullptr || at.discarded || !at.node->is_structured()) return true;
  // Descendants of the copy live in its own heap containers: record them now.
  std::function<void(const json&, const json&)> walk = [&](const json& from, const json& to) {
    const auto record = [&](const json& f, const json& t) {
      auto p = a->positions.find(&f);
      positions_.emplace_back(&t, p == a->positions.end() ? pos : p->second);
      walk(f, t);
    };
    if (from.is_object()) {
      auto fi = from.begin();
      for (auto ti = to.begin(); ti != to.end(); ++ti, ++fi) record(*fi, *ti);
    } else if (from.is_array()) {
      for (std::size_t i = 0; i < from.size(); ++i) record(from[i], to[i]);
    }
  };
  walk(a->value, *at.node);
  return true;
}

bool builder::on_container_start(const yaml_event_t& e, bool is_map) {
  const source_position pos = to_position(e.start_mark);
  if (stack_.size() >= max_nesting_depth) {
    error("yaml-too-deep", pos, "nesting deeper than " + std::to_string(max_nesting_depth) + " levels");
    return false;
  }
  const yaml_char_t* anchor = is_map ? e.data.mapping_start.anchor : e.data.sequence_start.anchor;
  const yaml_char_t* tag = is_map ? e.data.mapping_start.tag : e.data.sequence_start.tag;
  if (tag != nullptr && std::strcmp(as_cstr(tag), "!") != 0 &&
      std::strcmp(as_cstr(tag), is_map ? tag_map : tag_seq) != 0)
    error("yaml-tag-unsupported", pos, std::string("tag '") + as_cstr(tag) + "' is not supported and was ignored",
          severity::warning);

  frame child;
  child.is_map = is_map;
  json value(is_map ? json::value_t::object : json::value_t::array);
  if (!stack_.empty() && stack_.back().is_map && !stack_.back().have_key) {
    // A mapping or sequence used as a mapping key: drop the key and its value.
    error("yaml-complex-key", pos, "a mapping or sequence as a mapping key is not supported; the entry is ignored");
    child.node = &dropped_.emplace_back(std::move(value));
    child.discard = true;
    child.is_key = true;
  } else {
    inserted at = insert(std::move(value), pos);
    child.node = at.node;
    child.discard = at.discarded || (!stack_.empty() && stack_.back().discard);
  }
  child.pending_start = pending_.size();
  if (anchor != nullptr) {
    child.anchor = as_cstr(anchor);
    child.anchor_positions_start = positions_.size();
  }
  stack_.push_back(std::move(child));
  return true;
}

void builder::on_container_end() {
  frame& f = stack_.back();
  if (!f.is_map) {
    // The array is complete: its elements no longer move.
    auto& arr = f.node->get_ref<json::array_t&>();
    for (std::size_t i = f.pending_start; i < pending_.size(); ++i)
      positions_.emplace_back(&arr[i - f.pending_start], pending_[i]);
    pending_.resize(f.pending_start);
  }
  if (!f.anchor.empty()) register_anchor(f.anchor, *f.node, f.anchor_positions_start);
  const bool was_key = f.is_key;
  stack_.pop_back();
  if (was_key && !stack_.empty()) {
    frame& parent = stack_.back();
    parent.key.clear();
    parent.have_key = true;
    parent.drop_value = true;
  }
}

bool builder::handle(const yaml_event_t& e) {
  switch (e.type) {
    case YAML_DOCUMENT_START_EVENT:
      if (++documents_ > 1) {
        error("yaml-multiple-documents", to_position(e.start_mark),
              "more than one YAML document in the stream; only the first is used");
        return false;
      }
      return true;
    case YAML_SCALAR_EVENT:
      on_scalar(e);
      return true;
    case YAML_ALIAS_EVENT:
      return on_alias(e);
    case YAML_SEQUENCE_START_EVENT:
      return on_container_start(e, false);
    case YAML_MAPPING_START_EVENT:
      return on_container_start(e, true);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
      on_container_end();
      return true;
    default:
      return true;
  }
}

void builder::syntax_error(const yaml_parser_t& parser) {
  std::string message;
  source_position pos;
  const char* problem = parser.problem != nullptr ? parser.problem : "unknown problem";
  switch (parser.error) {
    case YAML_MEMORY_ERROR:
      message = "out of memory while parsing";
      break;
    case YAML_READER_ERROR: {
      pos = position_of_offset(text_, parser.problem_offset);
      message = std::string("input is not valid UTF-8: ") + problem;
      if (parser.problem_value != -1) {
        char buf[16];
        std::snprintf(buf, sizeof buf, " (0x%X)", static_cast<unsigned>(parser.problem_value));
        message += buf;
      }
      break;
    }
    default: {
      pos = to_position(parser.problem_mark);
      message = std::string("YAML syntax error: ") + problem;
      if (parser.context != nullptr) {
        source_position ctx = to_position(parser.context_mark);
        message += std::string(" (") + parser.context + " at line " + std::to_string(ctx.line) +
                   ", column " + std::to_string(ctx.column) + ")";
      }
      break;
    }
  }
  error("yaml-syntax", pos, std::move(message));
}

parse_result builder::run() {
  yaml_parser_t parser;
  if (yaml_parser_initialize(&parser) == 0) {
    error("yaml-syntax", {}, "cannot initialise the YAML parser");
    return {nullptr, std::move(problems_)};
  }
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text_.data()),
                               text_.size());
  yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
  positions_.reserve(text_.size() / 16);

  bool failed = false;
  bool done = false;
  while (!done) {
    yaml_event_t event;
    if (yaml_parser_parse(&parser, &event) == 0) {
      syntax_error(parser);
      failed = true;
      break;
    }
    if (event.type == YAML_STREAM_END_EVENT) done = true;
    const bool go_on = handle(event);
    yaml_event_delete(&event);
    if (!go_on) {
      // Too deep fails the parse; a second document keeps the first.
      failed = documents_ <= 1;
      break;
    }
  }
  yaml_parser_delete(&parser);
  if (failed) return {nullptr, std::move(problems_)};
  if (!have_root_) root_position_ = {1, 1};
  positions_.shrink_to_fit();
  auto doc = std::make_shared<const document>(std::move(file_), std::move(root_),
                                              std::move(positions_), root_position_);
  return {std::move(doc), std::move(problems_)};
}

}  // namespace

// ---------------------------------------------------------------- entry points

parse_result parse_document(std::string_view text, std::string file) {
  try {
    return builder(text, file).run();
  } catch (const std::exception& ex) {  // bad_alloc and the like: a diagnostic, not a crash
    diagnostic d;
    d.file = std::move(file);
    d.message = std::string("cannot parse: ") + ex.what();
    d.rule = "document-unreadable";
    return {nullptr, {std::move(d)}};
  }
}

parse_result parse_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostic d;
    d.file = path;
    d.message = std::string("cannot open file: ") + std::strerror(errno);
    d.rule = "document-unreadable";
    return {nullptr, {std::move(d)}};
  }
  std::string text;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size > 0) {
    text.resize(static_cast<std::size_t>(size));
    in.seekg(0, std::ios::beg);
    in.read(text.data(), size);
  }
  if (!in) {
    diagnostic d;
    d.file = path;
    d.message = "cannot read file (is it a directory?)";
    d.rule = "document-unreadable";
    return {nullptr, {std::move(d)}};
  }
  return parse_document(text, path);
}

}  // namespace specgate::validator
