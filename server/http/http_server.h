#pragma once
// HTTP/1.1 server (Boost.Beast on an Asio thread pool): accepts connections,
// reads requests with limits and timeouts, hands each to a request_handler,
// writes the answer. Knows nothing about OpenAPI.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "server/http/http_types.h"

namespace specgate::server {

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5601;          // 0 = pick a free port
  unsigned threads = 0;               // 0 = one per core
  std::size_t header_limit = 16 * 1024;        // bytes; beyond: 431
  std::size_t body_limit = 8 * 1024 * 1024;    // bytes; beyond: 413
  // 0: every request body is read whole before the handler runs. Else (asynchronous handlers only)
  // a body larger than this (Content-Length says so, or a chunked body grows past it) is not held:
  // the handler runs once the header is read and takes the body through http_request::stream,
  // each wait for the next piece bounded by read_timeout; body_limit still bounds the whole body.
  std::size_t stream_request_above = 0;
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive wait for next request
  std::chrono::milliseconds header_timeout{10'000}; // request line + headers once the first byte came: 408
  std::chrono::milliseconds read_timeout{30'000};   // whole request (header and body) once it started: 408
  std::chrono::milliseconds write_timeout{30'000};  // writing one response; beyond: close
  std::chrono::milliseconds shutdown_grace{5'000};  // stop(): in-flight requests get this long
  std::size_t max_connections = 10'000;             // beyond: 503 and close
  std::string tls_cert;  // PEM files (cert chain, private key); both set = https, TLS 1.2+
  std::string tls_key;
  // Called once per response written (for the JSON access log), also for the
  // server's own 4xx/5xx answers (then request fields not yet read are empty),
  // with the time from the request's first byte to the end of the write. May be empty.
  std::function<void(const http_request&, const http_response&, std::chrono::microseconds)> on_complete;
  // Fills the server's own answers (limits: 413/431, timeout 408, malformed HTTP 400,
  // connection cap 503, handler failure 500) from a status and a message; the
  // session then sets nothing but the framing. Empty: Kibana's error body.
  std::function<void(int status, std::string_view message, http_response&)> own_error;
  // Server-side problems worth a log line (handler exceptions, accept failures).
  // Empty: written to stderr.
  std::function<void(std::string_view)> on_error;
};

// What fit_descriptor_limit found and did with RLIMIT_NOFILE.
struct descriptor_budget {
  std::size_t connections = 0;  // the connection cap that fits (at most the one asked for)
  std::uint64_t soft_before = 0, soft_after = 0, hard = 0;  // the process's limits
  std::string warning;          // set when the cap had to be lowered: says why, with the numbers
};

// Raises RLIMIT_NOFILE's soft limit (towards the hard limit) so that `connections` connections of
// `per_connection` descriptors each, plus `reserve` (listener, files, pools, rejected connections
// being answered 503), fit; when the hard limit does not allow it, lowers the connection cap so it does.
descriptor_budget fit_descriptor_limit(std::size_t connections, std::size_t per_connection, std::size_t reserve);

class http_server {
 public:
  http_server(server_options options, request_handler handler);
  http_server(server_options options, async_request_handler handler);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Binds and listens; returns an error message on failure (port in use, bad TLS files...).
  std::string start();
  // Port actually bound (after start()).
  std::uint16_t port() const;
  // Runs the thread pool (options.threads, 0 = one per core; the caller's thread
  // is one of them) until stop() or SIGINT/SIGTERM; graceful: accepting stops,
  // idle keep-alive connections close, in-flight requests finish and are written
  // (for at most shutdown_grace), then run() returns. Call once, after start().
  void run();
  // Thread-safe; may be called before run() (run() then returns promptly).
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace specgate::server
