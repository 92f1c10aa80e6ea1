#pragma once
// Internal to server/ (includes Asio): one accepted connection, plain or TLS.
#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "server/http/server_state.h"

namespace specgate::server::detail {

// Serves an accepted socket (its executor is the connection's own strand) until
// it closes. TLS when state->tls is set. reject: answer 503 (connection cap) and
// close; a rejected session does not count against max_connections.
void start_session(const std::shared_ptr<server_state>& state, boost::asio::ip::tcp::socket socket, bool reject);

}  // namespace specgate::server::detail
