#pragma once
// Profiles: whose rules a contract is enforced with. `kibana` adds Kibana's
// own behaviour (kbn-xsrf, its error envelope and words, spaces, versions,
// its routing quirks and headers); `openapi` does only what the document says.
#include <optional>
#include <string>
#include <string_view>

namespace specgate::validator {

class document_set;

enum class profile { kibana, openapi };
// What the user asked for: a profile, or `automatic` (decided from the document).
enum class profile_choice { automatic, kibana, openapi };

std::string_view profile_name(profile p);  // "kibana", "openapi"
// "auto", "kibana", "openapi"; nullopt for anything else.
std::optional<profile_choice> parse_profile_choice(std::string_view text);

// The automatic rule: a document is Kibana's when it says so or carries
// Kibana's own protocol. Any one of these makes it `kibana`:
//   - info.title names Kibana (the word "kibana", any case), or
//   - an operation or components.parameters declares the header parameter
//     `kbn-xsrf` or `elastic-api-version`, or
//   - a media type key carries the parameter `Elastic-Api-Version`.
// Everything else is `openapi`.
profile detect_profile(const document_set& docs);

profile resolve_profile(profile_choice choice, const document_set& docs);

// Why resolve_profile() decides as it does, for people: "--profile openapi",
// "auto: info.title", "auto: header parameter kbn-xsrf", "auto: no Kibana marks".
std::string profile_reason(profile_choice choice, const document_set& docs);

}  // namespace specgate::validator
