#pragma once
// Sends a batch of requests to one upstream for `specgate test`: on an
// io_context the calling thread runs, with at most N requests in flight and at
// most R started per second. No Asio types in this header.
#include <cstddef>
#include <functional>
#include <vector>

#include "server/http/http_types.h"
#include "server/client/upstream_client.h"

namespace specgate::server {

struct batch_options {
  unsigned concurrency = 4;  // requests in flight at most (0 counts as 1)
  // Requests started per second at most, 0 = unbounded: a token bucket that holds one token, so
  // starts are at least 1/rate apart and an idle spell earns no burst.
  double rate = 0;
};

// Sends every request through `client` (which must not be used by another thread meanwhile) and
// calls `done(index, response)` once per request, on the calling thread, in completion order;
// returns when every request has completed. The client's keep-alive pool lives as long as the call.
void send_batch(upstream_client& client, const std::vector<http_request>& requests, const batch_options& options,
                const std::function<void(std::size_t, upstream_response)>& done);

}  // namespace specgate::server
