#pragma once
// The one JSON form of a violation, shared by the specgate-violations header,
// problem+json bodies, the journal, the HAR recording and the reports.
#include <nlohmann/json.hpp>

#include "validator/check/violation.h"

namespace specgate::validator {

// One violation as JSON: location, code, and what else it has (name, pointer,
// schemaPointer, keyword, expected, found), then message. (An nlohmann::json
// object: dumped, its keys come out in alphabetical order.)
nlohmann::json violation_json(const violation& v);

// The inverse, for recordings read back: false when `j` is not an object with a
// string "code" and a string "location" that location_name() gives. `status`
// is not part of the JSON and keeps its default.
bool violation_from_json(const nlohmann::json& j, violation& out);

}  // namespace specgate::validator
