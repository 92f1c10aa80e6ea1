#pragma once
// The one JSON form of a violation, shared by the specgate-violations header,
// problem bodies, the journal, HAR recordings and the traffic report.
#include <nlohmann/json.hpp>

#include "validator/check/violation.h"

namespace specgate::validator {

// One violation as JSON: location, code, and what else it has (name, pointer,
// schemaPointer, keyword, expected, found), then message.
nlohmann::json violation_json(const violation& v);

}  // namespace specgate::validator
