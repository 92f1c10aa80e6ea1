#pragma once
// Parameter serialisation, the inverse of param_decode: a JSON value becomes
// the text a request carries for a path, query, header or cookie parameter,
// following the parameter's `style` and `explode` (OpenAPI 3.0.3, "Style
// Values" and "Style Examples"), percent-encoded where its location needs it.
//
// What each location gets (value 5, [3,4,5], {"role":"admin","n":"A"}):
//   path   simple         5      3,4,5         role,admin,n,A   (explode: role=admin,n=A)
//          label          .5     .3,4,5        .role,admin,n,A  (explode: .3.4.5, .role=admin.n=A)
//          matrix         ;id=5  ;id=3,4,5     ;id=role,admin,n,A (explode: ;id=3;id=4;id=5, ;role=admin;n=A)
//   query  form+explode   id=5   id=3&id=4&id=5  role=admin&n=A
//          form           id=5   id=3,4,5      id=role,admin,n,A
//          spaceDelimited        id=3%204%205, pipeDelimited id=3%7C4%7C5 (explode: as form)
//          deepObject                          id%5Brole%5D=admin&id%5Bn%5D=A
//   header simple         as path simple, not encoded
//   cookie form+explode   id=5   id=3; id=4; id=5  role=admin; n=A
//          form           id=5   id=3,4,5      id=role,admin,n,A
// Values and keys are percent-encoded (RFC 3986 unreserved kept), the style's
// own delimiters are not (except space and pipe, as %20 and %7C). An empty
// array in the query is sent as "id=" (the decoder reads it back as []); an
// object with no properties under form+explode sends no key at all. Items and
// properties that are themselves arrays or objects travel as JSON text
// (Kibana's config-schema parses such text), except that a form-exploded
// object's array property repeats its key (tags=a&tags=b), as clients send it.
// A `content` parameter with a JSON media type travels as one JSON text.
#include <string>
#include <string_view>

#include "validator/document/document.h"

namespace specgate::validator {

struct parameter;
enum class param_location;  // defined in contract.h

// A scalar as request text: strings as they are, anything else as JSON
// ("12", "true", "null", "[1,2]").
std::string scalar_text(const json& value);

// The encoded text of one parameter:
//  - path: the segment text (substituted for "{name}" in the template);
//  - query: "key=value" items joined by '&' (may be empty: nothing to send);
//  - header: the header value;
//  - cookie: "name=value" pairs joined by "; " (the Cookie header's text).
// An unknown style, or one not allowed in `in`, encodes as that location's
// default (form for query and cookie, simple for path and header), as the
// decoder reads it. `json_text`: the value travels as JSON text (a `content`
// parameter with a JSON media type).
std::string encode_parameter(param_location in, std::string_view style, bool explode, std::string_view name,
                             const json& value, bool json_text = false);

// The same for a contract parameter (its location, style, explode, name and
// whether its `content` is JSON).
std::string encode_parameter(const parameter& p, const json& value);

}  // namespace specgate::validator
