#pragma once
// What both serving verbs (mock, proxy) give the HTTP server from their command line and their host.
#include <iostream>
#include <string_view>

#include "server/http/http_server.h"

namespace specgate::tools {

// The listening options (address, threads, TLS, connection cap, deadlines) of `options`, with the
// server's own errors (400, 408, 413, 431, 503 before a request reaches the host) answered by `host`
// in the profile's form. RLIMIT_NOFILE is raised so that --max-connections connections of
// `descriptors_per_connection` each (the proxy: 2, one to its upstream) plus `reserve` fit; when the
// hard limit forbids it, the cap is lowered and stderr says so once, with the numbers.
template <class Options, class Host>
server::server_options serving_options(const Options& options, Host& host, std::size_t descriptors_per_connection = 1,
                                       std::size_t reserve = 64) {
  server::server_options out;
  out.host = options.host;
  out.port = options.port;
  out.threads = options.threads;
  const auto budget = server::fit_descriptor_limit(options.limits.max_connections, descriptors_per_connection, reserve);
  if (!budget.warning.empty()) std::cerr << "specgate: warning: " << budget.warning << "\n";
  out.max_connections = budget.connections;
  out.header_timeout = std::chrono::milliseconds(options.limits.header_timeout_ms);
  out.read_timeout = std::chrono::milliseconds(options.limits.read_timeout_ms);
  out.idle_timeout = std::chrono::milliseconds(options.limits.idle_timeout_ms);
  out.tls_cert = options.tls_cert;
  out.tls_key = options.tls_key;
  out.own_error = [&host](int status, std::string_view message, server::http_response& res) {
    host.answer_own_error(status, message, res);
  };
  return out;
}

}  // namespace specgate::tools
