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

struct router::node {
  // Literal children sorted by (decoded) segment for binary search.
  std::vector<std::pair<std::string, std::unique_ptr<node>>> literals;
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

std::optional<std::string> router::add(http_method method, std::string_view path_template, std::uint32_t operation) {
  if (path_template.empty() || path_template.front() != '/')
    return "path template must start with '/': " + std::string(path_template);
  node* n = root_.get();
  std::vector<std::string> names;
  std::string_view rest = path_template.substr(1);
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (segment.empty() && rest.empty()) break;  // trailing slash: same route
    if (segment.size() >= 2 && segment.front() == '{' && segment.back() == '}') {
      std::string_view name = segment.substr(1, segment.size() - 2);
      if (name.empty() || name.find_first_of("{}") != std::string_view::npos)
        return "malformed path template segment '" + std::string(segment) + "'";
      if (!n->param) n->param = std::make_unique<node>();
      names.emplace_back(name);
      n = n->param.get();
      continue;
    }
    if (segment.find_first_of("{}") != std::string_view::npos)
      return "path template segment '" + std::string(segment) +
             "' mixes literal text and a parameter; only whole-segment parameters are supported";
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
  }
  auto& slot = n->operations[static_cast<std::size_t>(method)];
  if (slot != no_operation)
    return std::string(method_name(method)) + " " + std::string(path_template) + " is declared twice";
  slot = operation;
  if (param_names_.size() <= operation) param_names_.resize(operation + 1);
  param_names_[operation] = std::move(names);
  return std::nullopt;
}

bool router::match_segments(const node& n, std::string_view rest, http_method m, route_match& out) const {
  if (rest.empty()) {
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
  std::string_view next = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  // An empty segment ("//", or a second trailing slash) matches nothing.
  if (raw.empty() || (slash != std::string_view::npos && next.empty())) return false;
  std::string decoded_storage;
  std::string_view segment = raw;
  if (raw.find('%') != std::string_view::npos) {
    if (!percent_decode(raw, decoded_storage)) return false;
    segment = decoded_storage;
  }
  if (const node* child = n.find_literal(segment); child && match_segments(*child, next, m, out)) return true;
  if (n.param) {
    out.path_params.emplace_back(std::string_view(), std::string(segment));
    if (match_segments(*n.param, next, m, out)) return true;
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
    if (!match_segments(*root_, rest, *m, out)) return false;
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
      if (match_segments(*root_, rest, static_cast<http_method>(i), ignored)) out.push_back(static_cast<http_method>(i));
    }
    return !out.empty();
  });
  return out;
}

}  // namespace specgate::validator
