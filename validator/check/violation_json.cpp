// A violation as JSON and back.
#include "validator/check/violation_json.h"

namespace specgate::validator {

nlohmann::json violation_json(const violation& v) {
  nlohmann::json entry = {{"location", location_name(v.location)}, {"code", v.code}};
  if (!v.name.empty()) entry["name"] = v.name;
  if (!v.instance_pointer.empty()) entry["pointer"] = v.instance_pointer;
  if (!v.schema_pointer.empty()) entry["schemaPointer"] = v.schema_pointer;
  if (!v.keyword.empty()) entry["keyword"] = v.keyword;
  if (!v.expected.empty()) entry["expected"] = v.expected;
  if (!v.found.empty()) entry["found"] = v.found;
  entry["message"] = v.message;
  return entry;
}

bool violation_from_json(const nlohmann::json& j, violation& out) {
  if (!j.is_object()) return false;
  const auto location = j.find("location");
  const auto code = j.find("code");
  if (location == j.end() || !location->is_string() || code == j.end() || !code->is_string()) return false;
  bool known = false;
  for (auto l : {violation_location::route, violation_location::security, violation_location::header,
                 violation_location::path, violation_location::query, violation_location::cookie,
                 violation_location::content_type, violation_location::body, violation_location::status}) {
    if (location_name(l) == location->get_ref<const std::string&>()) {
      out.location = l;
      known = true;
    }
  }
  if (!known) return false;
  out.code = code->get<std::string>();
  auto text = [&](const char* key, std::string& field) {
    const auto it = j.find(key);
    field = it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  text("name", out.name);
  text("pointer", out.instance_pointer);
  text("schemaPointer", out.schema_pointer);
  text("keyword", out.keyword);
  text("expected", out.expected);
  text("found", out.found);
  text("message", out.message);
  return true;
}

}  // namespace specgate::validator
