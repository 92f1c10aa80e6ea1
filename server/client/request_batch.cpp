// Bounded concurrency and rate over upstream_client, on the calling thread's own io_context.
#include "server/client/request_batch.h"

#include <algorithm>
#include <chrono>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/http/io_context_local.h"

namespace specgate::server {

void send_batch(upstream_client& client, const std::vector<http_request>& requests, const batch_options& options,
                const std::function<void(std::size_t, upstream_response)>& done) {
  using clock = std::chrono::steady_clock;
  boost::asio::io_context ioc;
  boost::asio::io_context* previous = detail::this_thread_context();
  detail::set_this_thread_context(&ioc);
  const std::size_t limit = std::max(1u, options.concurrency);
  const auto interval = options.rate > 0 ? std::chrono::duration_cast<clock::duration>(
                                               std::chrono::duration<double>(1.0 / options.rate))
                                         : clock::duration::zero();
  std::size_t next = 0, in_flight = 0;
  clock::time_point slot = clock::now();  // when the bucket's token is next available
  boost::asio::steady_timer timer(ioc);
  bool waiting = false;

  std::function<void()> pump = [&] {
    while (in_flight < limit && next < requests.size()) {
      if (interval > clock::duration::zero()) {
        const auto now = clock::now();
        if (now < slot) {
          if (!waiting) {
            waiting = true;
            timer.expires_at(slot);
            timer.async_wait([&](const boost::system::error_code&) {
              waiting = false;
              pump();
            });
          }
          return;
        }
        slot = std::max(now, slot) + interval;
      }
      const std::size_t i = next++;
      ++in_flight;
      client.send(requests[i], [&, i](upstream_response r) {
        --in_flight;
        done(i, std::move(r));
        pump();
      });
    }
  };
  pump();
  ioc.run();
  detail::set_this_thread_context(previous);
}

}  // namespace specgate::server
