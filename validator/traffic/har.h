#pragma once
// Exchanges as HAR 1.2 (the format browsers' devtools export): one entry per
// exchange, secrets redacted on the way in, written incrementally to a file
// that is valid JSON after every flush, and read back for `specgate validate`.
#include <cstdio>
#include <optional>
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

// Copies `e` with its secrets redacted, in request and response headers alike: each listed
// header's value becomes "[redacted]", except that Authorization and Proxy-Authorization keep
// their scheme word ("ApiKey [redacted]"), Cookie keeps its cookie names ("sid=[redacted]; a=[redacted]")
// and Set-Cookie its name and attributes ("sid=[redacted]; Path=/; HttpOnly"). A listed query
// parameter of `target` (matched on its decoded name) keeps its name and gets the value
// "[redacted]"; every other byte of the target stays as it was. Bodies are not touched.
exchange redacted(const exchange& e, const redaction& r);

// The pieces of redacted(), for whatever else keeps requests (server/journal.*): the one
// implementation of the rules above.
// True when `r` (with the defaults) redacts the header `name`.
bool redacts_header(const redaction& r, std::string_view name);
// `value` of the header `name` as redacted() leaves it (unchanged when the header is not listed).
std::string redacted_header_value(const redaction& r, std::string_view name, std::string_view value);
// A request-target ("/p?a=1&api_key=x") or a bare query ("a=1&api_key=x", `bare_query`) with the
// values of listed query parameters replaced by "[redacted]".
std::string redacted_target(const redaction& r, std::string_view target, bool bare_query = false);

// One HAR entry (startedDateTime, time, request, response, cache, timings) plus specgate's own
// fields "_operationId" (null when undocumented), "_violations" {"request":[..],"response":[..]}
// (violation_json), "_notes" {"request","response","error"} (only those set; absent when none),
// "_test" {"label","negative","expected"} for a request of `specgate test` (absent otherwise).
// Bodies that are not UTF-8 go base64 ("encoding": "base64", in postData too).
// HAR 1.2 keeps response content decoded (content.size: decoded size, response.bodySize: bytes on
// the wire). The validator cannot decode, so the caller (server/content_coding.h) passes the decoded
// body of a response with a Content-Encoding in `decoded_response`; without it such a body is
// written as received and content gets "_contentEncoding": the header's value, so a reader
// knows the text is still encoded.
nlohmann::ordered_json har_entry(const exchange& e, std::optional<std::string_view> decoded_response = std::nullopt);

// Appends entries to a HAR file: writes the log's head on open, each entry as it comes (one line
// each), and rewrites the closing brackets after each entry so the file parses at any moment,
// flushed per entry. A file that cannot seek (a pipe, /dev/stdout) gets its closing brackets at
// close() instead. Not thread-safe: one thread writes (the recorder's).
class har_writer {
 public:
  har_writer() = default;
  ~har_writer();
  har_writer(const har_writer&) = delete;
  har_writer& operator=(const har_writer&) = delete;
  // Creates/truncates `path`; returns an error message naming the file, or "".
  std::string open(const std::string& path, std::string_view creator_version);
  // Writes one entry (already redacted by the caller; `decoded_response` as for har_entry);
  // returns "" or the write error naming the file.
  std::string write(const exchange& e, std::optional<std::string_view> decoded_response = std::nullopt);
  // Completes and closes the file; "" or the error naming the file. Idempotent.
  std::string close();
  std::size_t written() const { return written_; }

 private:
  std::string fail(const char* what);  // "cannot write FILE: reason" (errno)
  std::FILE* file_ = nullptr;
  std::string path_;
  std::size_t written_ = 0;
  bool seekable_ = true;
  long tail_at_ = 0;  // where the closing brackets start (seekable files)
};

struct har_read_result {
  std::vector<exchange> exchanges;  // in file order
  diagnostics problems;             // malformed file/entries, each naming file, line:col, entry index
};
// Reads HAR 1.2 text (from any tool: browsers, specgate, mitmproxy exports). An entry that cannot
// be read is a diagnostic naming its index, line:col and what is wrong; the others are kept. A file
// that is not JSON is one diagnostic at the parser's line:col. Per exchange: target = the url's
// path and query (fragment dropped); HTTP/2 pseudo-headers (":path") dropped; base64 bodies
// decoded; response_body is content.text, which HAR keeps decoded, so the response's
// Content-Encoding headers are dropped (kept when specgate marked the text "_contentEncoding");
// a response whose content has a size but no text (the tool did not keep it) gets the
// response_note "not checked: the recording holds no response body". specgate's "_operationId",
// "_violations", "_notes" and "_test" are read back; operation_method/operation_path are not recorded.
// A whole text in memory: for small texts and tests. Files of any size: read_traffic
// (validator/traffic/traffic_reader.h) streams them one entry at a time through read_har_entry.
har_read_result read_har(std::string_view text, const std::string& file);

// The note read_har_entry sets on a response whose recording kept no body; the checks leave such
// a response's body alone (exchange_check).
inline constexpr std::string_view note_no_response_body = "not checked: the recording holds no response body";

// Why one entry could not be read (or a warning about it): what, and the JSON Pointer below the entry.
struct har_entry_problem {
  std::string message;  // "has no request object", "request header 2 has no string name and value"
  std::string pointer;  // "/request/headers/2"
};
// The per-entry conversion read_har and the streaming reader share: one log.entries element into
// `e` (as documented for read_har); false with `problem` when the entry cannot be read.
// `warnings` collects problems that leave the entry usable.
bool read_har_entry(const nlohmann::json& entry, exchange& e, har_entry_problem& problem,
                    std::vector<har_entry_problem>& warnings);
// The diagnostic of entry `index`'s problem at line:col (0: unknown): pointer
// "/log/entries/N/...", message "entry N has no request object (entry skipped)" for an error.
diagnostic har_entry_diagnostic(const std::string& file, std::uint32_t line, std::uint32_t column, std::size_t index,
                                const har_entry_problem& p, severity level);

}  // namespace specgate::validator
