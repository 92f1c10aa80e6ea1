#pragma once
// The reason phrase of an HTTP status code, for status lines, Kibana's error
// bodies (server/) and HAR's statusText (traffic/har.h).
#include <string_view>

namespace specgate::validator {

// Standard reason phrase for a status code ("Payload Too Large"), "Unknown" otherwise.
std::string_view reason_phrase(int status);

}  // namespace specgate::validator
