// server::send_batch against a real http_server on loopback: every request is
// answered once, under its own index, and no more than --concurrency requests
// are ever in flight at the server; a --rate batch completes the same way.
#include "server/client/request_batch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/http/http_server.h"

namespace specgate::server {
namespace {

// Four server threads; each request stays in the handler a moment so requests overlap there.
class counting_upstream {
 public:
  counting_upstream() {
    server_options o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 4;
    o.on_error = [](std::string_view) {};
    server_ = std::make_unique<http_server>(std::move(o), [this](const http_request& req, http_response& res) {
      const int now = ++in_flight_;
      int seen = most_.load();
      while (now > seen && !most_.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      --in_flight_;
      ++handled_;
      res.status = 200;
      res.body = req.target;
    });
    if (!server_->start().empty()) return;
    thread_ = std::thread([this] { server_->run(); });
  }
  ~counting_upstream() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  std::uint16_t port() const { return server_->port(); }
  int most_in_flight() const { return most_; }
  int handled() const { return handled_; }

 private:
  std::unique_ptr<http_server> server_;
  std::thread thread_;
  std::atomic<int> in_flight_{0}, most_{0}, handled_{0};
};

std::vector<http_request> numbered(std::size_t n, std::uint16_t port) {
  std::vector<http_request> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i].method = "GET";
    out[i].target = "/r/" + std::to_string(i);
    out[i].headers = {{"Host", "127.0.0.1:" + std::to_string(port)}};
  }
  return out;
}

upstream_options to(std::uint16_t port) {
  upstream_options o;
  std::string error;
  o.url = *parse_upstream_url("http://127.0.0.1:" + std::to_string(port), error);
  return o;
}

TEST(request_batch, every_request_answered_once_under_its_index_within_the_concurrency_bound) {
  for (unsigned concurrency : {1u, 3u}) {
    counting_upstream up;
    ASSERT_NE(up.port(), 0);
    upstream_client client(to(up.port()));
    const auto requests = numbered(24, up.port());
    std::vector<int> calls(requests.size(), 0);
    std::vector<std::string> bodies(requests.size());
    send_batch(client, requests, {concurrency, 0}, [&](std::size_t i, upstream_response r) {
      ASSERT_LT(i, calls.size());
      ++calls[i];
      EXPECT_TRUE(r.ok()) << r.message;
      bodies[i] = r.body;
    });
    for (std::size_t i = 0; i < requests.size(); ++i) {
      EXPECT_EQ(calls[i], 1) << i;
      EXPECT_EQ(bodies[i], "/r/" + std::to_string(i));
    }
    EXPECT_EQ(up.handled(), 24);
    EXPECT_GE(up.most_in_flight(), 1);
    EXPECT_LE(up.most_in_flight(), static_cast<int>(concurrency)) << "concurrency " << concurrency;
  }
}

TEST(request_batch, a_rate_limited_batch_and_an_unreachable_target_complete_every_request) {
  counting_upstream up;
  ASSERT_NE(up.port(), 0);
  upstream_client client(to(up.port()));
  std::size_t answered = 0;
  send_batch(client, numbered(5, up.port()), {2, 500}, [&](std::size_t, upstream_response r) { answered += r.ok(); });
  EXPECT_EQ(answered, 5u);
  EXPECT_EQ(up.handled(), 5);

  upstream_client nowhere(to(1));
  std::size_t failed = 0;
  send_batch(nowhere, numbered(3, 1), {4, 0}, [&](std::size_t, upstream_response r) {
    failed += r.error == upstream_response::failure::refused;
  });
  EXPECT_EQ(failed, 3u);
  send_batch(client, {}, {}, [](std::size_t, upstream_response) { ADD_FAILURE() << "no request, no call"; });
}

}  // namespace
}  // namespace specgate::server
