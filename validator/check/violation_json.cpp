// The JSON form of a violation (one definition for every writer).
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

}  // namespace specgate::validator
