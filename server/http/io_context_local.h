#pragma once
// Internal to server/ (includes Asio): which io_context the calling thread
// runs. Each http_server thread runs exactly one; asynchronous work started
// from a request handler (the proxy's upstream call) goes on it, so it never
// leaves the session's thread.
#include <boost/asio/io_context.hpp>

namespace specgate::server::detail {

// The io_context this thread runs, or null on a thread that runs none.
boost::asio::io_context* this_thread_context();

// Marks the calling thread as running `context` (null: none) until changed;
// http_server's threads do it, and so can a test that runs its own io_context.
void set_this_thread_context(boost::asio::io_context* context);

}  // namespace specgate::server::detail
