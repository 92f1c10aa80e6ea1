#include "validator/contract/router.h"

#include <algorithm>
#include <array>

#include "validator/text_util.h"

namespace specgate::validator {

namespace {
constexpr std::array<std::string_view, static_cast<std::size_t>(http_method::count_)> method_names = {
    "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"};
constexpr std::uint32_t no_operation = ~std::uint32_t{0};
}  // namespace

std::optional<http_method> parse_method(std::string_view method) {
  for (std::size_t i = 0; i < method_names.size(); ++i)
    if (method_names[i] == method) return static_cast<http_method>(i);
  return std::nullopt;
}

std::string_view method_name(http_method m) { return method_names.at(static_cast<std::size_t>(m)); }

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

namespace {

// One part of a pattern segment: literal text (percent-decoded) or a parameter.
struct pattern_part {
  bool param = false;
  std::string text;  // literal parts only
  bool operator==(const pattern_part&) const = default;
};

std::size_t literal_chars(const std::vector<pattern_part>& parts) {
  std::size_t n = 0;
  for (const auto& p : parts) n += p.text.size();
  return n;
}

// Match order of pattern segments: more literal characters, then more parts, then by text.
bool tried_before(const std::vector<pattern_part>& a, const std::vector<pattern_part>& b) {
  if (literal_chars(a) != literal_chars(b)) return literal_chars(a) > literal_chars(b);
  if (a.size() != b.size()) return a.size() > b.size();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].param != b[i].param) return !a[i].param;  // literal text first
    if (a[i].text != b[i].text) return a[i].text < b[i].text;
  }
  return false;
}

// Splits `segment` of `text` by `parts`: literal parts exactly, each parameter a
// non-empty run, each parameter (left to right) as long as the rest allows.
// Linear in parts x length: reach[i][pos] says whether parts i.. match text[pos..].
bool match_pattern(const std::vector<pattern_part>& parts, std::string_view text, std::vector<std::string_view>& values) {
  const std::size_t n = text.size(), k = parts.size(), width = n + 1;
  std::vector<unsigned char> reach((k + 1) * width, 0);
  reach[k * width + n] = 1;
  for (std::size_t i = k; i-- > 0;) {
    unsigned char* row = &reach[i * width];
    const unsigned char* next = &reach[(i + 1) * width];
    if (parts[i].param) {
      bool later = false;  // some end > pos lets the rest match
      for (std::size_t pos = width; pos-- > 0;) {
        row[pos] = later;
        later = later || next[pos];
      }
    } else {
      const std::string& literal = parts[i].text;
      for (std::size_t pos = 0; pos + literal.size() <= n; ++pos)
        row[pos] = next[pos + literal.size()] && text.compare(pos, literal.size(), literal) == 0;
    }
  }
  if (!reach[0]) return false;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < k; ++i) {
    if (!parts[i].param) {
      pos += parts[i].text.size();
      continue;
    }
    std::size_t end = n;
    while (!reach[(i + 1) * width + end]) --end;  // reach[i][pos] guarantees one end > pos
    values.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return true;
}

}  // namespace

struct router::node {
  struct pattern {
    std::vector<pattern_part> parts;
    std::unique_ptr<node> child;
  };
  // Literal children sorted by (decoded) segment for binary search.
  std::vector<std::pair<std::string, std::unique_ptr<node>>> literals;
  std::vector<pattern> patterns;      // segments mixing text and parameters, in match order
  std::unique_ptr<node> param;        // a "{name}" segment (names are per operation)
  std::array<std::uint32_t, static_cast<std::size_t>(http_method::count_)> operations;

  node() { operations.fill(no_operation); }

  node* find_literal(std::string_view segment) const {
    auto it = std::lower_bound(literals.begin(), literals.end(), segment,
                               [](const auto& entry, std::string_view s) { return entry.first < s; });
    return it != literals.end() && it->first == segment ? it->second.get() : nullptr;
  }
};

router::router() : root_(std::make_unique<node>()) {}
router::~router() = default;
router::router(router&&) noexcept = default;
router& router::operator=(router&&) noexcept = default;

void router::set_base_path(std::string base_path) {
  while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
  if (!base_path.empty() && base_path.front() != '/') base_path.insert(base_path.begin(), '/');
  base_path_ = std::move(base_path);
}

std::optional<std::string> router::add(http_method method, std::string_view path_template, std::uint32_t operation,
                                       std::uint32_t* taken_by) {
  if (path_template.empty() || path_template.front() != '/')
    return "path template must start with '/': " + std::string(path_template);
  node* n = root_.get();
  std::vector<std::string> names;
  std::string_view rest = path_template.substr(1);
  bool end = rest.empty();  // "/" is the root itself
  while (!end) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    end = slash == std::string_view::npos;
    rest = end ? std::string_view() : rest.substr(slash + 1);
    if (segment.find_first_of("{}") == std::string_view::npos) {
      std::string decoded;
      if (!percent_decode(segment, decoded)) return "malformed percent escape in '" + std::string(segment) + "'";
      node* child = n->find_literal(decoded);
      if (!child) {
        auto it = std::lower_bound(n->literals.begin(), n->literals.end(), decoded,
                                   [](const auto& entry, const std::string& s) { return entry.first < s; });
        it = n->literals.emplace(it, decoded, std::make_unique<node>());
        child = it->second.get();
      }
      n = child;
      continue;
    }
    // Parameters, alone or mixed with literal text.
    std::vector<pattern_part> parts;
    for (std::size_t i = 0; i < segment.size();) {
      if (segment[i] == '{') {
        const std::size_t close = segment.find('}', i);
        const std::string_view name =
            close == std::string_view::npos ? std::string_view() : segment.substr(i + 1, close - i - 1);
        if (name.empty() || name.find('{') != std::string_view::npos)
          return "malformed path template segment '" + std::string(segment) + "'";
        names.emplace_back(name);
        parts.push_back({true, {}});
        i = close + 1;
        continue;
      }
      const std::size_t next = segment.find_first_of("{}", i);
      if (next != std::string_view::npos && segment[next] == '}')
        return "malformed path template segment '" + std::string(segment) + "'";
      std::string decoded;
      if (!percent_decode(segment.substr(i, next - i), decoded))
        return "malformed percent escape in '" + std::string(segment) + "'";
      parts.push_back({false, std::move(decoded)});
      i = next == std::string_view::npos ? segment.size() : next;
    }
    if (parts.size() == 1) {
      if (!n->param) n->param = std::make_unique<node>();
      n = n->param.get();
      continue;
    }
    auto same = std::find_if(n->patterns.begin(), n->patterns.end(), [&](const node::pattern& p) { return p.parts == parts; });
    if (same == n->patterns.end()) {
      auto at = std::find_if(n->patterns.begin(), n->patterns.end(),
                             [&](const node::pattern& p) { return tried_before(parts, p.parts); });
      same = n->patterns.insert(at, node::pattern{std::move(parts), std::make_unique<node>()});
    }
    n = same->child.get();
  }
  auto& slot = n->operations[static_cast<std::size_t>(method)];
  if (slot != no_operation) {
    if (taken_by) *taken_by = slot;
    return std::string(method_name(method)) + " " + std::string(path_template) + " is declared twice";
  }
  slot = operation;
  if (param_names_.size() <= operation) param_names_.resize(operation + 1);
  param_names_[operation] = std::move(names);
  return std::nullopt;
}

bool router::match_segments(const node& n, std::string_view rest, bool end, http_method m, route_match& out) const {
  if (end) {
    std::uint32_t op = n.operations[static_cast<std::size_t>(m)];
    if (op == no_operation && m == http_method::head) op = n.operations[static_cast<std::size_t>(http_method::get)];
    if (op == no_operation) return false;
    out.operation = op;
    const auto& names = param_names_[op];
    for (std::size_t i = 0; i < out.path_params.size() && i < names.size(); ++i) out.path_params[i].first = names[i];
    return true;
  }
  const std::size_t slash = rest.find('/');
  const std::string_view raw = rest.substr(0, slash);
  const bool next_end = slash == std::string_view::npos;
  const std::string_view next = next_end ? std::string_view() : rest.substr(slash + 1);
  std::string decoded_storage;
  std::string_view segment = raw;
  if (raw.find('%') != std::string_view::npos) {
    if (!percent_decode(raw, decoded_storage)) return false;
    segment = decoded_storage;
  }
  // An empty segment ("//", a trailing slash) matches only a template that has one there.
  if (const node* child = n.find_literal(segment); child && match_segments(*child, next, next_end, m, out)) return true;
  if (segment.empty()) return false;
  const std::size_t depth = out.path_params.size();
  std::vector<std::string_view> values;
  for (const auto& p : n.patterns) {
    values.clear();
    if (!match_pattern(p.parts, segment, values)) continue;
    for (const auto v : values) out.path_params.emplace_back(std::string_view(), std::string(v));
    if (match_segments(*p.child, next, next_end, m, out)) return true;
    out.path_params.resize(depth);
  }
  if (n.param) {
    out.path_params.emplace_back(std::string_view(), std::string(segment));
    if (match_segments(*n.param, next, next_end, m, out)) return true;
    out.path_params.pop_back();
  }
  return false;
}

template <typename Visit>
bool router::visit_paths(std::string_view path, Visit&& visit) const {
  if (!base_path_.empty()) {
    if (!path.starts_with(base_path_)) return false;
    path.remove_prefix(base_path_.size());
    if (path.empty()) path = "/";
    if (path.front() != '/') return false;
  }
  if (path.empty() || path.front() != '/') return false;
  const std::string_view rest = path.substr(1);
  if (visit(rest, std::string_view())) return true;

  // Kibana spaces: /s/{space_id}/api/... is /api/... in that space; ids are [a-z0-9_-]+ (lower case only).
  if (!spaces_ || !rest.starts_with("s/")) return false;
  const std::string_view after = rest.substr(2);
  const std::size_t slash = after.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  const std::string_view space = after.substr(0, slash);
  const bool valid_id = std::all_of(space.begin(), space.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  const std::string_view inner = after.substr(slash + 1);
  if (!valid_id || !(inner == "api" || inner.starts_with("api/"))) return false;
  return visit(inner, space);
}

std::optional<route_match> router::match(std::string_view method, std::string_view path) const {
  auto m = parse_method(method);
  if (!m) return std::nullopt;
  std::optional<route_match> found;
  visit_paths(path, [&](std::string_view rest, std::string_view space) {
    route_match out;
    if (!match_segments(*root_, rest, rest.empty(), *m, out)) return false;
    out.space_id = std::string(space);
    found = std::move(out);
    return true;
  });
  return found;
}

std::vector<http_method> router::allowed_methods(std::string_view path) const {
  std::vector<http_method> out;
  visit_paths(path, [&](std::string_view rest, std::string_view) {
    for (std::size_t i = 0; i < static_cast<std::size_t>(http_method::count_); ++i) {
      route_match ignored;  // HEAD matches where GET is declared, as in match()
      if (match_segments(*root_, rest, rest.empty(), static_cast<http_method>(i), ignored))
        out.push_back(static_cast<http_method>(i));
    }
    return !out.empty();
  });
  return out;
}

}  // namespace specgate::validator
