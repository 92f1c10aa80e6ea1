#pragma once
// The proxy's (and later `specgate test`'s) HTTP/1.1 client of one upstream
// server, http or https: asynchronous on the calling thread's io_context,
// with a keep-alive connection pool per thread, connect and response
// timeouts, and failures reported as a kind plus a message that names the
// upstream and the cause. No Asio types in this header.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/http/http_types.h"

namespace specgate::server {

// Where the upstream is: "http://host:5601/kbn" -> scheme http, host, port 5601, base path "/kbn".
struct upstream_url {
  bool tls = false;
  std::string host;       // name or address, without brackets
  std::uint16_t port = 0;
  std::string base_path;  // "" or "/kbn" (no trailing slash)
  std::string text;       // "http://host:5601/kbn" as given, for messages
  // The Host header value for this upstream: "host:5601" ("host" on the scheme's default port,
  // IPv6 addresses bracketed).
  std::string host_header() const;
};
// nullopt and `error` set when `text` is not an http(s) URL with a host (no query, no fragment, no userinfo).
std::optional<upstream_url> parse_upstream_url(std::string_view text, std::string& error);

struct upstream_options {
  upstream_url url;
  std::string ca_file;    // extra trust anchors (PEM) besides the system store
  bool insecure = false;  // https without certificate or host name verification
  std::chrono::milliseconds connect_timeout{5'000};    // resolve + TCP connect + TLS handshake
  std::chrono::milliseconds response_timeout{60'000};  // request written -> whole response read
  std::size_t max_idle_per_thread = 64;                // idle keep-alive connections kept per thread
  std::size_t max_response_bytes = std::size_t{1} << 30;  // beyond: failure kind too_large (held bodies)
  // 0: every body is read whole. Else a body larger than this (Content-Length says so, or a
  // chunked or close-delimited body grows past it) is not held: `done` gets the status and
  // headers at once and upstream_response::stream gives the body piece by piece (no size limit;
  // response_timeout then bounds each wait for the next piece).
  std::size_t stream_above = 0;
};

struct upstream_response {
  enum class failure {
    none,
    refused,       // connection refused / unreachable
    dns,           // host name does not resolve
    tls,           // TLS handshake or certificate verification failed
    connect_timeout,
    timeout,       // no complete response within response_timeout
    closed,        // the upstream closed or reset the connection before the response was complete
    protocol,      // the upstream's bytes are not HTTP/1.x
    too_large,     // response body beyond max_response_bytes
    client_body,   // the request's streamed body broke off (the client left, stalled or sent a bad body)
  };
  failure error = failure::none;
  // Names the upstream and the cause: "upstream https://kibana:5601: TLS handshake failed:
  // certificate verify failed (hostname mismatch)", "upstream http://127.0.0.1:1 refused the
  // connection (127.0.0.1:1)". Empty when error == none.
  std::string message;

  int status = 0;
  header_list headers;  // as received (names as sent, order kept), framing headers included
  std::string body;     // as received, still content-encoded; de-chunked
  // Set for a body past upstream_options::stream_above (then `body` is empty): the body still
  // arriving, read from the upstream only when asked for. Its length when the upstream gave one.
  // The connection returns to the pool once the body is complete; cancel() closes it.
  std::shared_ptr<body_source> stream;
  std::optional<std::uint64_t> stream_length;
  bool reused_connection = false;  // sent on a pooled keep-alive connection
  std::chrono::microseconds latency{0};  // request start -> response complete (streamed: its head)

  bool ok() const { return error == failure::none; }
};

std::string_view failure_name(upstream_response::failure f);  // "refused", "dns", ...

class upstream_client {
 public:
  explicit upstream_client(upstream_options options);
  ~upstream_client();
  upstream_client(const upstream_client&) = delete;
  upstream_client& operator=(const upstream_client&) = delete;

  // Empty, or why the client cannot work (unreadable --upstream-ca, TLS context failure);
  // then every send() fails with it (kind tls for an https upstream, else protocol).
  const std::string& setup_error() const;
  const upstream_options& options() const;

  // Sends `request` as it is (method, target, headers, body: the caller has already rewritten
  // Host, dropped hop-by-hop headers and prefixed the base path; the client sets only the framing,
  // Content-Length) and calls `done` exactly once, on the calling thread's io_context.
  // A request with a `stream` sends its body as it arrives (Content-Length stream_length, else
  // chunked), one piece written before the next is asked for, while the answer is read: an
  // upstream answering before the body is all sent (413, 401...) is heard, the rest of the body
  // is not sent (the source is cancelled) and the connection is not reused. response_timeout
  // then bounds each piece's write and, after the last, the answer. Such a request is never
  // resent; its source's failure ends the exchange with failure client_body.
  // Must be called from a thread running an http_server io_context (see this_thread_context() in
  // server/http/io_context_local.h), or any thread running the io_context handed to the overload below.
  // A pooled connection is peeked at before use (recv MSG_PEEK|MSG_DONTWAIT: closed, or holding
  // stray bytes: discarded, a fresh one opened), except one idle for less than 50 ms carrying a
  // request that may be resent (that saves a syscall per request under load). One that still dies before any response byte
  // arrived is retried once on a fresh connection only for an idempotent method (GET, HEAD,
  // OPTIONS, PUT, DELETE, TRACE) or a request carrying Idempotency-Key; any other request is
  // never sent twice (failure closed). HEAD, 1xx, 204 and 304 are read without a body; 1xx other than
  // 101 are skipped. `done` never runs inside send(), except on a thread that runs no io_context:
  // then it runs at once with a protocol failure saying so (there is nothing to wait on).
  void send(const http_request& request, std::function<void(upstream_response)> done);

  // Connections kept idle by this thread's pool (for tests). The pool belongs to the thread's
  // io_context (one per server thread), so its sockets close when that context goes; a client's
  // idle connections outlive the client harmlessly until then and are never given to another.
  std::size_t idle_connections() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace specgate::server
