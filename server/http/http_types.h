#pragma once
// Plain request/response values handed between the Beast session and the
// handlers (mock responder, admin API). No Beast types leak out of server/.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "validator/check/violation.h"
#include "validator/text_util.h"
#include "validator/traffic/reason_phrase.h"

namespace specgate::server {

using header_list = std::vector<std::pair<std::string, std::string>>;

// A body passed on while it is still arriving (the proxy's requests and answers past
// --max-check-bytes): the consumer asks for one piece at a time and asks again only when it has
// written the last one, so memory stays at a piece or two whatever the size.
class body_source {
 public:
  virtual ~body_source() = default;
  // Calls `got` exactly once, possibly before read() returns, on any thread: with the next
  // piece (`last` when the body is complete), or with `error` set when the body cannot be
  // completed (the producer went away: the consumer must not pretend the body ended).
  using callback = std::function<void(std::string piece, bool last, std::string error)>;
  virtual void read(callback got) = 0;
  // The consumer stops early (its peer left): whatever feeds the body is released and not
  // reused (the upstream connection is closed); a pending `got` is never called.
  virtual void cancel() = 0;
  // After a failed read: the HTTP status the failure calls for when it is the client's (a request
  // body: 408 the client stalled, 413 too large, 400 malformed; 0 the client left), else 0.
  virtual int failure_status() const { return 0; }
};

struct http_request {
  std::string method;   // "GET", as received (upper case for standard methods)
  std::string target;   // raw request-target: "/api/x?y=1"
  header_list headers;  // in arrival order, names as received
  std::string body;
  // Set instead of `body` for a body still arriving from the client (server_options::
  // stream_request_above): the handler reads it piece by piece. Its length when the client gave
  // a Content-Length (else it is chunked). A handler that answers without reading it all leaves
  // the rest unread: the session then closes the connection after the answer.
  std::shared_ptr<body_source> stream;
  std::optional<std::uint64_t> stream_length;
  unsigned version = 11;  // 10 or 11
  std::string remote;     // peer address "127.0.0.1:5555"

  // First header with this name (case-insensitive), or empty view.
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

struct http_response {
  int status = 200;
  // Content-Length, Transfer-Encoding and Connection are set by the session
  // (a handler's `Connection: close` is honoured); Date is added unless present;
  // no Server header is invented. Headers containing CR or LF are dropped.
  // HEAD: fill the body as for GET; it is not sent, its size is the Content-Length
  // (or, with an empty body, a Content-Length header the handler set is kept).
  header_list headers;
  std::string body;
  // Set instead of `body` for a body sent as it arrives: Content-Length `stream_length` when
  // known, else chunked (close-delimited for an HTTP/1.0 client). Ignored for HEAD, 1xx, 204, 304.
  std::shared_ptr<body_source> stream;
  std::optional<std::uint64_t> stream_length;

  // Annotations for the recorders (access log, metrics, journal); never sent as such.
  std::string_view operation_id;  // points into the contract, which outlives the request
  // The exchange's findings as data: the request check's violations (or the mock's own
  // refusal: Prefer, Accept), and with --strict the response check's. The
  // specgate-violations headers are only their wire form; nothing parses those back.
  validator::violations violations;
  validator::violations response_violations;
  std::size_t violation_count() const { return violations.size() + response_violations.size(); }

  void set_header(std::string name, std::string value);  // replaces same-named (case-insensitive)
  std::string_view header(std::string_view name) const;
};

// Produces the response for one request. Runs on a server thread; must be thread-safe.
using request_handler = std::function<void(const http_request&, http_response&)>;

// Produces the response later (the proxy: after the upstream answered). Runs on a server thread;
// the request and the response stay valid until `done` is called. Call `done` exactly once, from
// the thread the handler ran on (work started from the handler runs on that thread's io_context:
// server/http/io_context_local.h), or from any thread: the session resumes on its own thread either way.
// If the handler throws, the session answers 500 and ignores a later `done`.
using async_request_handler = std::function<void(const http_request&, http_response&, std::function<void()> done)>;

// ASCII case-insensitive comparison of header names and tokens.
using specgate::iequals;

// Standard reason phrase for a status code ("Payload Too Large"), "Unknown" otherwise
// (validator/traffic/reason_phrase.h). Also the `error` field of Kibana's error body.
using validator::reason_phrase;

}  // namespace specgate::server
