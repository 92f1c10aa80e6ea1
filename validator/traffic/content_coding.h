#pragma once
// Content-Encoding for checks: decodes a copy of a gzip, deflate or br body
// (zlib, brotli) so the response check sees what the client will, bounded in
// output size. The bytes forwarded are never touched.
#include <cstddef>
#include <string>
#include <string_view>

namespace specgate::validator {

struct decoded_body {
  bool ok = true;        // false: `error` says why (malformed, unsupported coding, too large)
  std::string body;      // decoded bytes (== the input for identity / no Content-Encoding)
  std::string error;     // "cannot decode gzip body: invalid stored block lengths"
  bool too_large = false;  // output would pass max_output
};

// `encoding` is the Content-Encoding header value: "", "identity", "gzip", "x-gzip", "deflate",
// "br", or a comma-separated list of them (applied in order, decoded in reverse); names are
// case-insensitive. gzip may hold several members (decoded one after the other); deflate is read
// zlib-wrapped or raw, as browsers do. No step's output (nor an identity body) may pass
// `max_output`: past it, too_large ("cannot decode gzip body: decoded size exceeds the limit of
// N bytes"). Malformed input: "cannot decode br body: corrupt data (padding 2)", "cannot decode
// gzip body: unexpected end of data" (zlib's or brotli's reason). An unknown coding: "unsupported
// Content-Encoding 'zstd'". An empty body decodes to an empty body under any known coding.
decoded_body decode_content(std::string_view encoding, std::string_view body, std::size_t max_output);

// gzip-encodes `body` (for tests and the bench's fixtures).
std::string gzip_encode(std::string_view body);
// brotli-encodes `body` (for tests).
std::string brotli_encode(std::string_view body);

}  // namespace specgate::validator
