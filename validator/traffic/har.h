#pragma once
// Exchanges as HAR 1.2 (the format browsers' devtools export): one entry per
// exchange, secrets redacted on the way in, written incrementally to a file
// that is valid JSON after every flush, and read back for `specgate validate`.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "validator/document/diagnostic.h"
#include "validator/traffic/exchange.h"

namespace specgate::validator {

// What a recording must not keep. Values are replaced by "[redacted]" (an
// Authorization header keeps its scheme: "ApiKey [redacted]").
struct redaction {
  // Header names (case-insensitive) besides the defaults: Authorization, Proxy-Authorization,
  // Cookie, Set-Cookie, X-Api-Key, es-secondary-authorization. kbn-xsrf is never redacted.
  std::vector<std::string> headers;
  // Query parameter names (case-insensitive) besides the defaults: api_key, apikey, access_token,
  // token, password, secret.
  std::vector<std::string> query;
};

// Copies `e` with its secrets redacted (headers, query in target, cookies).
exchange redacted(const exchange& e, const redaction& r);

// One HAR entry (startedDateTime, time, request, response, cache, timings) plus specgate's own
// fields "_operationId", "_violations" (request and response, as violation JSON), "_notes".
// Bodies that are not UTF-8 go base64 ("encoding": "base64").
nlohmann::ordered_json har_entry(const exchange& e);

// Appends entries to a HAR file: writes the log's head on open, each entry as it comes, and
// rewrites the closing brackets after each entry so the file parses at any moment.
class har_writer {
 public:
  har_writer() = default;
  ~har_writer();
  har_writer(const har_writer&) = delete;
  har_writer& operator=(const har_writer&) = delete;
  // Creates/truncates `path`; returns an error message naming the file, or "".
  std::string open(const std::string& path, std::string_view creator_version);
  // Writes one entry (already redacted by the caller); returns "" or the write error.
  std::string write(const exchange& e);
  void close();
  std::size_t written() const { return written_; }

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
  std::size_t written_ = 0;
};

struct har_read_result {
  std::vector<exchange> exchanges;  // in file order
  diagnostics problems;             // malformed file/entries, each naming file, line:col, entry index
};
// Reads HAR 1.2 text (from any tool: browsers, specgate, mitmproxy exports). An entry that cannot
// be read is a diagnostic naming its index; the others are kept.
har_read_result read_har(std::string_view text, const std::string& file);

}  // namespace specgate::validator
