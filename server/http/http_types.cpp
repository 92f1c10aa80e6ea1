#include "server/http/http_types.h"

#include <algorithm>

namespace specgate::server {

std::string_view http_request::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return {};
}

bool http_request::has_header(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
}

void http_response::set_header(std::string name, std::string value) {
  auto it = std::find_if(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
  if (it == headers.end()) {
    headers.emplace_back(std::move(name), std::move(value));
    return;
  }
  it->first = std::move(name);
  it->second = std::move(value);
  // Drop any later duplicates so the header really is replaced.
  headers.erase(std::remove_if(std::next(it), headers.end(), [&](const auto& h) { return iequals(h.first, it->first); }),
                headers.end());
}

std::string_view http_response::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return {};
}

}  // namespace specgate::server
