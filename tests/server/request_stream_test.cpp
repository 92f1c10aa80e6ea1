// Request bodies streamed to an asynchronous handler (server_options::stream_request_above): piece
// by piece past the limit, held below it, and every way a streamed body can end early (the handler
// answers first, the client stalls, leaves, or sends too much), over real loopback sockets.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "server/http/http_server.h"
#include "server/socket_client.h"

namespace specgate::server {
namespace {

using namespace std::chrono_literals;
using namespace ::specgate::server::testing;

std::uint64_t fnv1a(std::string_view data) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::string body_text(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>('a' + (i * 7) % 26);
  return out;
}

std::string chunked(std::string_view body, std::size_t piece) {
  std::string out;
  char buf[20];
  for (std::size_t at = 0; at < body.size(); at += piece) {
    const auto part = body.substr(at, piece);
    std::snprintf(buf, sizeof buf, "%zx\r\n", part.size());
    out += buf;
    out += part;
    out += "\r\n";
  }
  return out + "0\r\n\r\n";
}

// What the handler saw of the last streamed body that broke off.
struct seen {
  std::mutex mutex;
  std::string error;
  int failure_status = -1;
  std::atomic<int> failures{0};
};

// Reads `source` to its end, then answers "stream <bytes> <pieces> <fnv1a> <length or ->".
struct body_reader : std::enable_shared_from_this<body_reader> {
  std::shared_ptr<body_source> source;
  std::optional<std::uint64_t> length;
  http_response* res = nullptr;
  std::function<void()> done;
  seen* log = nullptr;
  std::string data;
  int pieces = 0;

  void next() {
    source->read([self = shared_from_this()](std::string piece, bool last, std::string error) {
      if (!error.empty()) {
        {
          std::lock_guard lock(self->log->mutex);
          self->log->error = error;
          self->log->failure_status = self->source->failure_status();
        }
        ++self->log->failures;
        self->res->status = 502;
        self->res->body = "broken: " + error;
        return self->done();
      }
      self->data += piece;
      ++self->pieces;
      if (!last) return self->next();
      self->res->body = "stream " + std::to_string(self->data.size()) + " " + std::to_string(self->pieces) + " " +
                        std::to_string(fnv1a(self->data)) + " " +
                        (self->length ? std::to_string(*self->length) : std::string("-"));
      self->done();
    });
  }
};

class streaming_server {
 public:
  streaming_server() {
    server_options o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 1;
    o.stream_request_above = 1000;
    o.body_limit = 1 << 20;
    o.read_timeout = 400ms;
    o.on_error = [](std::string_view) {};
    server_ = std::make_unique<http_server>(
        std::move(o), [this](const http_request& req, http_response& res, std::function<void()> done) {
          if (req.target == "/refuse") {  // answers without reading the body
            res.status = 403;
            res.body = "refused";
            return done();
          }
          if (!req.stream) {
            res.body = "held " + std::to_string(req.body.size()) + " " + std::to_string(fnv1a(req.body));
            return done();
          }
          auto reader = std::make_shared<body_reader>();
          reader->source = req.stream;
          reader->length = req.stream_length;
          reader->res = &res;
          reader->done = std::move(done);
          reader->log = &seen_;
          reader->next();
        });
    if (const auto error = server_->start(); !error.empty()) throw std::runtime_error(error);
    thread_ = std::thread([this] { server_->run(); });
  }
  ~streaming_server() {
    server_->stop();
    thread_.join();
  }
  std::uint16_t port() const { return server_->port(); }
  seen& log() { return seen_; }

 private:
  seen seen_;
  std::unique_ptr<http_server> server_;
  std::thread thread_;
};

std::string post_head(std::string_view target, std::string_view framing) {
  return "POST " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" + std::string(framing) + "\r\n";
}

TEST(RequestStream, BodiesPastTheLimitReachTheHandlerPieceByPieceAndTheConnectionStaysAlive) {
  streaming_server s;
  client c(s.port());
  ASSERT_TRUE(c.connected());
  const std::string body = body_text(300000);
  ASSERT_TRUE(c.send(post_head("/count", "Content-Length: 300000\r\n") + body));
  const std::string r = c.read_response();
  ASSERT_EQ(status_of(r), 200) << r;
  const std::string expected_prefix = "stream 300000 ";
  EXPECT_EQ(body_of(r).rfind(expected_prefix, 0), 0u) << body_of(r);
  EXPECT_NE(body_of(r).find(" " + std::to_string(fnv1a(body)) + " 300000"), std::string::npos) << body_of(r);
  // Read in pieces, not held whole: 300,000 bytes in 64 KiB reads is at least five.
  EXPECT_GE(std::stoi(body_of(r).substr(expected_prefix.size())), 5) << body_of(r);

  // The same connection serves the next request.
  ASSERT_TRUE(c.send(post_head("/count", "Content-Length: 5\r\n") + "hello"));
  const std::string next = c.read_response();
  EXPECT_EQ(status_of(next), 200) << next;
  EXPECT_EQ(body_of(next), "held 5 " + std::to_string(fnv1a("hello")));
}

TEST(RequestStream, ChunkedBodiesAreHeldUpToTheLimitAndStreamedPastIt) {
  streaming_server s;
  const std::string small = body_text(900);
  {
    client c(s.port());
    ASSERT_TRUE(c.send(post_head("/count", "Transfer-Encoding: chunked\r\n") + chunked(small, 100)));
    const std::string r = c.read_response();
    EXPECT_EQ(body_of(r), "held 900 " + std::to_string(fnv1a(small))) << r;
  }
  const std::string large = body_text(50000);
  client c(s.port());
  ASSERT_TRUE(c.send(post_head("/count", "Transfer-Encoding: chunked\r\n") + chunked(large, 3000)));
  const std::string r = c.read_response();
  ASSERT_EQ(status_of(r), 200) << r;
  // No length known; the bytes held before the limit was passed come first, then the rest.
  EXPECT_EQ(body_of(r).rfind("stream 50000 ", 0), 0u) << body_of(r);
  EXPECT_NE(body_of(r).find(" " + std::to_string(fnv1a(large)) + " -"), std::string::npos) << body_of(r);
}

TEST(RequestStream, AHandlerAnsweringFirstLeavesTheRestUnreadAndTheConnectionCloses) {
  streaming_server s;
  client c(s.port());
  ASSERT_TRUE(c.send(post_head("/refuse", "Content-Length: 200000\r\n") + body_text(20000)));
  const std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 403) << r;
  EXPECT_TRUE(has_header(r, "Connection: close")) << r;
  EXPECT_EQ(body_of(r), "refused");
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(s.log().failures.load(), 0);
}

TEST(RequestStream, AClientThatStallsMidBodyGets408AndTheHandlerHearsWhy) {
  streaming_server s;
  client c(s.port(), 3000ms);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send(post_head("/count", "Content-Length: 200000\r\n") + body_text(5000)));
  const std::string r = c.read_response();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status_of(r), 408) << r;
  EXPECT_NE(body_of(r).find("read timeout"), std::string::npos) << r;
  EXPECT_LT(took, 2500ms);
  std::lock_guard lock(s.log().mutex);
  EXPECT_EQ(s.log().failure_status, 408);
  EXPECT_NE(s.log().error.find("400 ms"), std::string::npos) << s.log().error;
}

TEST(RequestStream, ABodyGrowingPastTheBodyLimitGets413) {
  streaming_server s;
  client c(s.port(), 5000ms);
  const std::string big = body_text((1 << 20) + 70000);
  c.send(post_head("/count", "Transfer-Encoding: chunked\r\n") + chunked(big, 60000));
  const std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 413) << r.substr(0, 300);
  std::lock_guard lock(s.log().mutex);
  EXPECT_EQ(s.log().failure_status, 413);

  // Declared too large: refused before any byte of it is read.
  client d(s.port());
  ASSERT_TRUE(d.send(post_head("/count", "Content-Length: 5000000\r\n")));
  EXPECT_EQ(status_of(d.read_response()), 413);
}

TEST(RequestStream, AClientLeavingMidBodyIsToldToTheHandlerAndTheServerServesOn) {
  streaming_server s;
  {
    client c(s.port());
    ASSERT_TRUE(c.send(post_head("/count", "Content-Length: 200000\r\n") + body_text(70000)));
    std::this_thread::sleep_for(50ms);  // the handler is reading pieces by now
  }  // closed mid-body
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (s.log().failures.load() == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(s.log().failures.load(), 1);
  {
    std::lock_guard lock(s.log().mutex);
    EXPECT_EQ(s.log().failure_status, 0);  // the client left: nothing to answer
    EXPECT_NE(s.log().error.find("closed the connection"), std::string::npos) << s.log().error;
  }
  client c(s.port());
  ASSERT_TRUE(c.send(post_head("/count", "Content-Length: 3\r\n") + "abc"));
  EXPECT_EQ(status_of(c.read_response()), 200);
}

}  // namespace
}  // namespace specgate::server
