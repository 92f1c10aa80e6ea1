#pragma once
// Files compiled into the binary at build time: spec/kibana.yaml and fixtures/.
#include <optional>
#include <span>
#include <string_view>

namespace specgate::embedded {

struct file {
  std::string_view name;  // path relative to the source tree, e.g. "spec/kibana.yaml"
  std::string_view data;
};

std::span<const file> files();

inline std::optional<std::string_view> find(std::string_view name) {
  for (const auto& f : files())
    if (f.name == name) return f.data;
  return std::nullopt;
}

inline constexpr std::string_view spec_name = "spec/kibana.yaml";

}  // namespace specgate::embedded
