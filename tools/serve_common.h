#pragma once
// What both serving verbs (mock, proxy) give the HTTP server from their command line and their host.
#include <string_view>

#include "server/http_server.h"

namespace specgate::tools {

// The listening options (address, threads, TLS) of `options`, with the server's own errors (400,
// 408, 413, 431, 503 before a request reaches the host) answered by `host` in the profile's form.
template <class Options, class Host>
server::server_options serving_options(const Options& options, Host& host) {
  server::server_options out;
  out.host = options.host;
  out.port = options.port;
  out.threads = options.threads;
  out.tls_cert = options.tls_cert;
  out.tls_key = options.tls_key;
  out.own_error = [&host](int status, std::string_view message, server::http_response& res) {
    host.answer_own_error(status, message, res);
  };
  return out;
}

}  // namespace specgate::tools
