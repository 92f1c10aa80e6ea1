// specgate::server::upstream_client over real loopback sockets: upstreams are
// http_server instances (plain and TLS, certificates made with the openssl CLI
// at test time) or raw blocking-socket servers that misbehave on purpose; the
// client runs on an io_context the test thread drives (set_this_thread_context).
// Timeouts only bound the waits; nothing asserts on elapsed time.
#include "server/client/upstream_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "server/http/http_server.h"
#include "server/http/io_context_local.h"

namespace specgate::server {
namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------------------
// The client side: an io_context run by the test thread.

class client_loop {
 public:
  client_loop() { detail::set_this_thread_context(&ioc_); }
  ~client_loop() { detail::set_this_thread_context(nullptr); }
  client_loop(const client_loop&) = delete;
  client_loop& operator=(const client_loop&) = delete;

  // Sends and runs the loop until `done` ran (bounded by `limit`; `finished` says whether it did).
  upstream_response send(upstream_client& client, const http_request& request, bool& finished,
                         std::chrono::milliseconds limit = 10s) {
    upstream_response result;
    finished = false;
    int calls = 0;
    client.send(request, [&](upstream_response r) {
      result = std::move(r);
      finished = true;
      ++calls;
    });
    EXPECT_FALSE(finished) << "done ran inside send()";
    run_until([&] { return finished; }, limit);
    run_for_a_moment();  // a second call of `done` would show here
    EXPECT_LE(calls, 1) << "done called more than once";
    return result;
  }

  void run_until(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
    ioc_.restart();
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!condition() && std::chrono::steady_clock::now() < until)
      if (ioc_.run_one_until(until) == 0) break;
  }

  void run_for_a_moment() {
    ioc_.restart();
    ioc_.poll();
  }

  boost::asio::io_context& context() { return ioc_; }

 private:
  boost::asio::io_context ioc_;
};

// Sends one request and requires it to finish.
#define SEND(loop, client, request)                                      \
  [&] {                                                                  \
    bool finished_ = false;                                              \
    auto r_ = (loop).send((client), (request), finished_);               \
    EXPECT_TRUE(finished_) << "the request did not finish";             \
    return r_;                                                           \
  }()

http_request make_request(std::string method, std::string target, header_list headers = {}, std::string body = {}) {
  http_request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

upstream_options options_for(const std::string& url_text) {
  std::string error;
  auto url = parse_upstream_url(url_text, error);
  if (!url) throw std::runtime_error(error);
  upstream_options o;
  o.url = *url;
  return o;
}

upstream_options options_for(std::uint16_t port) { return options_for("http://127.0.0.1:" + std::to_string(port)); }

std::string header_of(const upstream_response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (iequals(n, name)) return v;
  return "<none>";
}

int count_header(const upstream_response& r, std::string_view name) {
  int n = 0;
  for (const auto& h : r.headers) n += iequals(h.first, name) ? 1 : 0;
  return n;
}

// ---------------------------------------------------------------------------
// An upstream made of http_server: one thread, a handler, the requests it saw.

class http_upstream {
 public:
  explicit http_upstream(request_handler handler, server_options o = {}) {
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 1;
    o.on_error = [](std::string_view) {};
    server_ = std::make_unique<http_server>(std::move(o), [this, h = std::move(handler)](const http_request& req,
                                                                                         http_response& res) {
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(req);
      }
      h(req, res);
    });
    const auto error = server_->start();
    if (!error.empty()) throw std::runtime_error(error);
    thread_ = std::thread([this] { server_->run(); });
  }
  ~http_upstream() {
    server_->stop();
    thread_.join();
  }

  std::uint16_t port() const { return server_->port(); }
  std::vector<http_request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  std::unique_ptr<http_server> server_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<http_request> requests_;
};

// ---------------------------------------------------------------------------
// A raw upstream: blocking sockets, one script per accepted connection (run in
// order on the accept thread), every read bounded by a receive timeout.

class raw_peer {
 public:
  raw_peer(int fd, int index) : fd_(fd), index_(index) {
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  ~raw_peer() { close(); }
  raw_peer(const raw_peer&) = delete;
  raw_peer& operator=(const raw_peer&) = delete;

  int index() const { return index_; }  // 1 for the first connection accepted

  // One request (head and Content-Length body) as it arrived; empty when the client closed.
  std::string read_request() {
    std::size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos)
      if (!read_more()) return {};
    end += 4;
    std::size_t length = 0;
    std::string head = pending_.substr(0, end);
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto p = head.find("\r\ncontent-length:"); p != std::string::npos) length = std::stoul(head.substr(p + 17));
    while (pending_.size() < end + length)
      if (!read_more()) return {};
    std::string out = pending_.substr(0, end + length);
    pending_.erase(0, end + length);
    return out;
  }

  void send(std::string_view data) {
    while (!data.empty()) {
      const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // Waits until the client closes (or the receive timeout); true if it closed.
  bool wait_closed() {
    char buf[256];
    for (;;) {
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    }
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  bool read_more() {
    char buf[8192];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  int index_;
  std::string pending_;
};

class raw_upstream {
 public:
  using script = std::function<void(raw_peer&)>;

  explicit raw_upstream(script s) : script_(std::move(s)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0)
      throw std::runtime_error("raw upstream: cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~raw_upstream() {
    ::shutdown(fd_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    ::close(fd_);
  }

  std::uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  void loop() {
    for (;;) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) {
        if (errno == EINTR) continue;
        return;
      }
      raw_peer peer(c, ++accepted_);
      script_(peer);
    }
  }

  script script_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// A port nothing listens on (bound, then released).
std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// ---------------------------------------------------------------------------
// URLs

TEST(UpstreamUrl, ParsesSchemeHostPortAndBasePath) {
  std::string error;
  auto u = parse_upstream_url("http://kibana.internal:5601/kbn/", error);
  ASSERT_TRUE(u) << error;
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "kibana.internal");
  EXPECT_EQ(u->port, 5601);
  EXPECT_EQ(u->base_path, "/kbn");
  EXPECT_EQ(u->text, "http://kibana.internal:5601/kbn/");
  EXPECT_EQ(u->host_header(), "kibana.internal:5601");
  EXPECT_TRUE(error.empty());

  u = parse_upstream_url("HTTPS://kibana", error);
  ASSERT_TRUE(u) << error;
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->base_path, "");
  EXPECT_EQ(u->host_header(), "kibana");

  u = parse_upstream_url("http://[::1]:8080/a/b", error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->base_path, "/a/b");
  EXPECT_EQ(u->host_header(), "[::1]:8080");

  u = parse_upstream_url("http://h:80/", error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->base_path, "");
  EXPECT_EQ(u->host_header(), "h");
}

TEST(UpstreamUrl, RejectsWhatIsNotAnHttpUrlWithAHost) {
  auto error_for = [](std::string_view text) {
    std::string error;
    const auto u = parse_upstream_url(text, error);
    EXPECT_FALSE(u) << text;
    return error;
  };
  EXPECT_EQ(error_for("ftp://kibana:21"),
            "invalid upstream URL \"ftp://kibana:21\": expected http://host[:port][/base-path] or https://...");
  EXPECT_EQ(error_for("kibana:5601"),
            "invalid upstream URL \"kibana:5601\": expected http://host[:port][/base-path] or https://...");
  EXPECT_EQ(error_for("http://"), "invalid upstream URL \"http://\": no host");
  EXPECT_EQ(error_for("http://:5601/kbn"), "invalid upstream URL \"http://:5601/kbn\": no host");
  EXPECT_EQ(error_for("http://h:5601/kbn?x=1"), "invalid upstream URL \"http://h:5601/kbn?x=1\": a query is not allowed");
  EXPECT_EQ(error_for("http://h?x"), "invalid upstream URL \"http://h?x\": a query is not allowed");
  EXPECT_EQ(error_for("http://h/#top"), "invalid upstream URL \"http://h/#top\": a fragment is not allowed");
  EXPECT_EQ(error_for("http://u:p@h"), "invalid upstream URL \"http://u:p@h\": user information is not supported");
  EXPECT_EQ(error_for("http://h:99999"), "invalid upstream URL \"http://h:99999\": invalid port \"99999\"");
  EXPECT_EQ(error_for("http://h:x1"), "invalid upstream URL \"http://h:x1\": invalid port \"x1\"");
  EXPECT_EQ(error_for("http://[::1"), "invalid upstream URL \"http://[::1\": unterminated IPv6 address");
  EXPECT_EQ(error_for("http://a b/"), "invalid upstream URL \"http://a b/\": invalid character in the host");
}

TEST(UpstreamClient, FailureNames) {
  using f = upstream_response::failure;
  EXPECT_EQ(failure_name(f::none), "none");
  EXPECT_EQ(failure_name(f::refused), "refused");
  EXPECT_EQ(failure_name(f::dns), "dns");
  EXPECT_EQ(failure_name(f::tls), "tls");
  EXPECT_EQ(failure_name(f::connect_timeout), "connect_timeout");
  EXPECT_EQ(failure_name(f::timeout), "timeout");
  EXPECT_EQ(failure_name(f::closed), "closed");
  EXPECT_EQ(failure_name(f::protocol), "protocol");
  EXPECT_EQ(failure_name(f::too_large), "too_large");
}

// ---------------------------------------------------------------------------
// Round trips and framing

TEST(UpstreamClient, GetAndPostRoundTrip) {
  http_upstream up([](const http_request& req, http_response& res) {
    if (req.method == "POST") {
      res.status = 201;
      res.headers = {{"Content-Type", "text/plain"}, {"X-Got-Length", std::string(req.header("content-length"))}};
      res.body = "echo:" + req.body;
      return;
    }
    res.headers = {{"Content-Type", "application/json; charset=utf-8"}, {"elastic-api-version", "2023-10-31"},
                   {"X-Custom", "a, b"}};
    res.body = R"({"ok":true})";
  });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  ASSERT_EQ(client.setup_error(), "");

  auto r = SEND(loop, client, make_request("GET", "/api/status?x=1", {{"Host", "kibana:5601"}, {"kbn-xsrf", "t"}}));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.error, upstream_response::failure::none);
  EXPECT_EQ(r.message, "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"ok":true})");
  EXPECT_EQ(header_of(r, "Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(header_of(r, "elastic-api-version"), "2023-10-31");
  EXPECT_EQ(header_of(r, "X-Custom"), "a, b");
  EXPECT_EQ(header_of(r, "Content-Length"), "11");  // framing headers are kept as received
  EXPECT_EQ(count_header(r, "X-Custom"), 1);
  EXPECT_FALSE(r.reused_connection);
  EXPECT_GT(r.latency.count(), 0);

  auto r2 = SEND(loop, client,
                 make_request("POST", "/api/x", {{"Host", "kibana:5601"}, {"Content-Length", "999"}, {"kbn-xsrf", "t"}},
                              R"({"a":1})"));
  ASSERT_TRUE(r2.ok()) << r2.message;
  EXPECT_EQ(r2.status, 201);
  EXPECT_EQ(r2.body, R"(echo:{"a":1})");
  EXPECT_EQ(header_of(r2, "X-Got-Length"), "7");  // the caller's wrong Content-Length was replaced

  const auto seen = up.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/api/status?x=1");
  EXPECT_EQ(seen[0].header("Host"), "kibana:5601");
  EXPECT_EQ(seen[0].header("kbn-xsrf"), "t");
  EXPECT_FALSE(seen[0].has_header("Content-Length"));
  EXPECT_EQ(seen[1].body, R"({"a":1})");
}

TEST(UpstreamClient, WritesTheRequestAsGivenWithItsOwnFraming) {
  std::mutex mutex;
  std::vector<std::string> wire;
  raw_upstream up([&](raw_peer& p) {
    for (;;) {
      auto request = p.read_request();
      if (request.empty()) return;
      {
        std::lock_guard lock(mutex);
        wire.push_back(std::move(request));
      }
      p.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    }
  });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  SEND(loop, client,
       make_request("POST", "/api/x?y=1",
                    {{"Host", "up:1"}, {"Transfer-Encoding", "chunked"}, {"kbn-xsrf", "true"}, {"Content-Length", "3"},
                     {"X-Bad", "a\r\nInjected: yes"}},
                    R"({"a":1})"));
  SEND(loop, client, make_request("GET", "/get", {{"accept", "*/*"}}));                    // no Host: the upstream's
  SEND(loop, client, make_request("PUT", "/put", {{"Host", "up:1"}}));                    // empty body, a body method
  SEND(loop, client, make_request("DELETE", "/del", {{"Host", "up:1"}}, "x"));            // a body where none is usual
  std::lock_guard lock(mutex);
  ASSERT_EQ(wire.size(), 4u);
  EXPECT_EQ(wire[0], "POST /api/x?y=1 HTTP/1.1\r\nHost: up:1\r\nkbn-xsrf: true\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
  EXPECT_EQ(wire[1], "GET /get HTTP/1.1\r\naccept: */*\r\nHost: 127.0.0.1:" + std::to_string(up.port()) + "\r\n\r\n");
  EXPECT_EQ(wire[2], "PUT /put HTTP/1.1\r\nHost: up:1\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(wire[3], "DELETE /del HTTP/1.1\r\nHost: up:1\r\nContent-Length: 1\r\n\r\nx");
  EXPECT_EQ(up.accepted(), 1);  // all four on one keep-alive connection
}

TEST(UpstreamClient, ChunkedResponseIsDechunked) {
  raw_upstream up([](raw_peer& p) {
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
           "5\r\nhello\r\n1;ext=1\r\n,\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
    p.read_request();
  });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  auto r = SEND(loop, client, make_request("GET", "/stream"));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.body, "hello, world");
  EXPECT_EQ(header_of(r, "Transfer-Encoding"), "chunked");
  EXPECT_EQ(client.idle_connections(), 1u);  // a complete chunked answer leaves the connection reusable
}

TEST(UpstreamClient, HeadReadsNoBodyDespiteContentLength) {
  http_upstream up([](const http_request& req, http_response& res) {
    res.headers = {{"Content-Type", "application/octet-stream"}};
    res.body = req.method == "HEAD" || req.target == "/file" ? std::string(1234, 'x') : "next";
  });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  auto r = SEND(loop, client, make_request("HEAD", "/file"));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(header_of(r, "Content-Length"), "1234");
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(client.idle_connections(), 1u);
  auto r2 = SEND(loop, client, make_request("GET", "/next"));  // the connection is in step: no stray body bytes
  ASSERT_TRUE(r2.ok()) << r2.message;
  EXPECT_TRUE(r2.reused_connection);
  EXPECT_EQ(r2.body, "next");
}

TEST(UpstreamClient, BodylessStatusesAndInterimResponses) {
  raw_upstream up([](raw_peer& p) {
    p.read_request();
    // 304 may carry the Content-Length of the representation it stands for: no body follows.
    p.send("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 50\r\n\r\n");
    p.read_request();
    p.send("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n");
    p.read_request();
    p.send("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </app.js>; rel=preload\r\n\r\n"
           "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    p.read_request();
  });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  auto r304 = SEND(loop, client, make_request("GET", "/a", {{"If-None-Match", "\"v1\""}}));
  ASSERT_TRUE(r304.ok()) << r304.message;
  EXPECT_EQ(r304.status, 304);
  EXPECT_EQ(r304.body, "");
  EXPECT_EQ(header_of(r304, "ETag"), "\"v1\"");
  EXPECT_EQ(header_of(r304, "Content-Length"), "50");

  auto r204 = SEND(loop, client, make_request("DELETE", "/b"));
  ASSERT_TRUE(r204.ok()) << r204.message;
  EXPECT_EQ(r204.status, 204);
  EXPECT_EQ(r204.body, "");
  EXPECT_TRUE(r204.reused_connection);

  auto r200 = SEND(loop, client, make_request("POST", "/c", {}, "{}"));
  ASSERT_TRUE(r200.ok()) << r200.message;
  EXPECT_EQ(r200.status, 200);
  EXPECT_EQ(r200.body, "ok");
  EXPECT_EQ(header_of(r200, "Link"), "<none>");  // the interim answers' headers are not the final one's
  EXPECT_TRUE(r200.reused_connection);
  EXPECT_EQ(up.accepted(), 1);
}

// ---------------------------------------------------------------------------
// Keep-alive pool

TEST(UpstreamClient, ReusesAKeepAliveConnection) {
  http_upstream up([](const http_request& req, http_response& res) { res.body = req.target; });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  EXPECT_EQ(client.idle_connections(), 0u);
  auto r1 = SEND(loop, client, make_request("GET", "/one"));
  ASSERT_TRUE(r1.ok()) << r1.message;
  EXPECT_FALSE(r1.reused_connection);
  EXPECT_EQ(client.idle_connections(), 1u);
  auto r2 = SEND(loop, client, make_request("GET", "/two"));
  ASSERT_TRUE(r2.ok()) << r2.message;
  EXPECT_TRUE(r2.reused_connection);
  EXPECT_EQ(r2.body, "/two");
  EXPECT_EQ(client.idle_connections(), 1u);
  const auto seen = up.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].remote, seen[1].remote);  // same client port: same connection
}

TEST(UpstreamClient, ReusesTheMostRecentlyIdleConnectionFirst) {
  http_upstream up([](const http_request& req, http_response& res) { res.body = req.remote; });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  // Two at once: two connections, pooled in the order their answers complete.
  std::vector<std::string> completed;  // each answer's connection (the upstream's view of our port)
  for (int i = 0; i < 2; ++i)
    client.send(make_request("GET", "/"), [&](upstream_response r) {
      EXPECT_TRUE(r.ok()) << r.message;
      completed.push_back(r.body);
    });
  loop.run_until([&] { return completed.size() == 2; }, 10s);
  ASSERT_EQ(completed.size(), 2u);
  ASSERT_NE(completed[0], completed[1]);
  EXPECT_EQ(client.idle_connections(), 2u);
  auto r = SEND(loop, client, make_request("GET", "/"));
  EXPECT_TRUE(r.reused_connection);
  EXPECT_EQ(r.body, completed[1]);  // LIFO
  r = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r.body, completed[1]);
}

TEST(UpstreamClient, KeepsAtMostMaxIdleConnections) {
  http_upstream up([](const http_request&, http_response& res) { res.body = "x"; });
  client_loop loop;
  auto o = options_for(up.port());
  o.max_idle_per_thread = 2;
  upstream_client client(o);
  // Three at once need three connections; only two stay idle afterwards.
  int finished = 0;
  for (int i = 0; i < 3; ++i)
    client.send(make_request("GET", "/p"), [&](upstream_response r) {
      EXPECT_TRUE(r.ok()) << r.message;
      ++finished;
    });
  loop.run_until([&] { return finished == 3; }, 10s);
  ASSERT_EQ(finished, 3);
  EXPECT_EQ(client.idle_connections(), 2u);

  o.max_idle_per_thread = 0;
  upstream_client no_pool(o);
  ASSERT_TRUE(SEND(loop, no_pool, make_request("GET", "/p")).ok());
  EXPECT_EQ(no_pool.idle_connections(), 0u);
  EXPECT_EQ(client.idle_connections(), 2u);  // pools are per client
}

TEST(UpstreamClient, ConnectionCloseAndHttp10AreNotPooled) {
  raw_upstream up([](raw_peer& p) {
    p.read_request();
    if (p.index() == 1) p.send("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nc1");
    if (p.index() == 2) p.send("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nc2");
    if (p.index() != 3) return;
    p.send("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nc3");
    for (int n = 4; !p.read_request().empty(); ++n)
      p.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nc" + std::to_string(n));
  });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  auto r1 = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r1.body, "c1");
  EXPECT_EQ(client.idle_connections(), 0u);
  auto r2 = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r2.body, "c2");
  EXPECT_FALSE(r2.reused_connection);
  EXPECT_EQ(client.idle_connections(), 0u);
  auto r3 = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r3.body, "c3");
  EXPECT_EQ(client.idle_connections(), 1u);  // HTTP/1.0 with keep-alive is pooled
  auto r4 = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r4.body, "c4");
  EXPECT_TRUE(r4.reused_connection);
  EXPECT_EQ(client.idle_connections(), 1u);
  auto r5 = SEND(loop, client, make_request("GET", "/", {{"Connection", "close"}}));  // the caller's close too
  EXPECT_EQ(r5.body, "c5");
  EXPECT_TRUE(r5.reused_connection);
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST(UpstreamClient, ReadsABodyThatEndsWithTheConnection) {
  raw_upstream up([](raw_peer& p) {
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
  });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  auto r = SEND(loop, client, make_request("GET", "/"));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.body, "until the end");
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST(UpstreamClient, AnIdleConnectionTheUpstreamClosedIsNotUsed) {
  server_options so;
  so.idle_timeout = 100ms;  // the upstream closes idle keep-alive connections quickly
  http_upstream up([](const http_request& req, http_response& res) { res.body = req.target; }, so);
  client_loop loop;
  upstream_client client(options_for(up.port()));
  ASSERT_TRUE(SEND(loop, client, make_request("GET", "/one")).ok());
  EXPECT_EQ(client.idle_connections(), 1u);
  std::this_thread::sleep_for(400ms);  // lets the upstream's idle timeout close it (not an assertion on time)
  auto r = SEND(loop, client, make_request("GET", "/two"));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.body, "/two");
  EXPECT_FALSE(r.reused_connection);
  EXPECT_EQ(up.requests().size(), 2u);
}

TEST(UpstreamClient, RetriesOnceWhenAPooledConnectionDiesBeforeTheAnswer) {
  raw_upstream up([](raw_peer& p) {
    p.read_request();
    if (p.index() == 1) {
      p.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
      p.read_request();  // the keep-alive race: the upstream takes the request, then closes
      return;
    }
    p.send("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");
    p.read_request();
  });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  auto r1 = SEND(loop, client, make_request("GET", "/"));
  ASSERT_TRUE(r1.ok()) << r1.message;
  EXPECT_EQ(r1.body, "first");
  auto r2 = SEND(loop, client, make_request("GET", "/"));
  ASSERT_TRUE(r2.ok()) << r2.message;
  EXPECT_EQ(r2.body, "second");
  EXPECT_FALSE(r2.reused_connection);  // answered on the fresh connection
  EXPECT_EQ(up.accepted(), 2);
}

TEST(UpstreamClient, NoRetryOnceResponseBytesArrived) {
  raw_upstream up([](raw_peer& p) {
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  ASSERT_TRUE(SEND(loop, client, make_request("GET", "/")).ok());
  auto r = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r.error, upstream_response::failure::closed);
  EXPECT_TRUE(r.reused_connection);
  EXPECT_EQ(r.message, "upstream http://127.0.0.1:" + std::to_string(up.port()) +
                           " closed the connection before the response was complete (got 3 of 10 body bytes)");
  EXPECT_EQ(up.accepted(), 1);
}

TEST(UpstreamClient, APostIsNeverSentTwiceWhenAPooledConnectionDies) {
  // The keep-alive race: the upstream takes the second request, then closes without answering.
  // It may have acted on it: a POST must not be sent again.
  std::atomic<int> posts{0};
  raw_upstream up([&](raw_peer& p) {
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
    if (p.read_request().rfind("POST ", 0) == 0) ++posts;
  });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  ASSERT_TRUE(SEND(loop, client, make_request("GET", "/")).ok());
  auto r = SEND(loop, client, make_request("POST", "/api/saved_objects/_import", {}, "{}"));
  EXPECT_EQ(r.error, upstream_response::failure::closed);
  EXPECT_TRUE(r.reused_connection);
  EXPECT_EQ(r.message, "upstream http://127.0.0.1:" + std::to_string(up.port()) +
                           " closed the connection without answering");
  EXPECT_EQ(up.accepted(), 1);  // no second connection: nothing was resent
  EXPECT_EQ(posts.load(), 1);
}

TEST(UpstreamClient, APostCarryingAnIdempotencyKeyIsRetriedOnce) {
  raw_upstream up([](raw_peer& p) {
    p.read_request();
    if (p.index() == 1) {
      p.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
      p.read_request();
      return;
    }
    p.send("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");
    p.read_request();
  });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  ASSERT_TRUE(SEND(loop, client, make_request("GET", "/")).ok());
  auto r = SEND(loop, client, make_request("POST", "/", {{"Idempotency-Key", "k-1"}}, "{}"));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.body, "second");
  EXPECT_FALSE(r.reused_connection);
  EXPECT_EQ(up.accepted(), 2);
}

TEST(UpstreamClient, APostChecksThePooledConnectionAndUsesAFreshOneWhenTheUpstreamClosedIt) {
  // An upstream that closes a connection once it has answered on it (without saying
  // Connection: close): the pooled connection is dead before the POST comes.
  std::atomic<int> closed{0};
  raw_upstream up([&](raw_peer& p) {
    const std::string request = p.read_request();
    const std::string body = request.substr(0, request.find(' '));
    p.send("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    p.close();
    ++closed;
  });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  ASSERT_TRUE(SEND(loop, client, make_request("GET", "/")).ok());
  EXPECT_EQ(client.idle_connections(), 1u);
  // The close happens on the upstream's thread; the loop has nothing to run meanwhile (an idle
  // pooled connection has no pending operation), so wait on the counter itself.
  for (const auto until = std::chrono::steady_clock::now() + 5s;
       closed.load() == 0 && std::chrono::steady_clock::now() < until;)
    std::this_thread::sleep_for(1ms);
  ASSERT_EQ(closed.load(), 1);
  auto r = SEND(loop, client, make_request("POST", "/", {}, "{}"));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.body, "POST");
  EXPECT_FALSE(r.reused_connection);  // the peek found the FIN: discarded before any byte was sent
  EXPECT_EQ(up.accepted(), 2);
}

// Reads a streamed body to its end (or its failure), driving the loop between pieces.
std::string drain(client_loop& loop, body_source& source, std::string& error, std::size_t& pieces) {
  std::string out;
  pieces = 0;
  for (bool last = false; !last;) {
    bool got = false;
    source.read([&](std::string piece, bool l, std::string e) {
      out += piece;
      last = l;
      error = std::move(e);
      got = true;
    });
    loop.run_until([&] { return got; }, 10s);
    if (!got) {
      error = "no piece came";
      break;
    }
    ++pieces;
  }
  return out;
}

std::string numbered(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>('a' + (i * 7 + i / 1000) % 26);
  return out;
}

TEST(UpstreamClient, ABodyPastStreamAboveIsStreamedAndTheConnectionPooledAfterIt) {
  const std::string big = numbered(1'000'000);
  http_upstream up([&](const http_request& req, http_response& res) { res.body = req.target == "/big" ? big : "ok"; });
  client_loop loop;
  auto o = options_for(up.port());
  o.stream_above = 100'000;
  upstream_client client(o);
  auto r = SEND(loop, client, make_request("GET", "/big"));
  ASSERT_TRUE(r.ok()) << r.message;
  ASSERT_TRUE(r.stream);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  ASSERT_TRUE(r.stream_length);
  EXPECT_EQ(*r.stream_length, big.size());
  EXPECT_EQ(client.idle_connections(), 0u);  // busy until the body is read
  std::string error;
  std::size_t pieces = 0;
  const std::string got = drain(loop, *r.stream, error, pieces);
  EXPECT_EQ(error, "");
  EXPECT_TRUE(got == big);
  EXPECT_GT(pieces, 10u);  // pieces of at most 64 KiB, each asked for
  EXPECT_EQ(client.idle_connections(), 1u);
  auto small = SEND(loop, client, make_request("GET", "/small"));  // under the limit: held whole
  ASSERT_TRUE(small.ok());
  EXPECT_FALSE(small.stream);
  EXPECT_EQ(small.body, "ok");
  EXPECT_TRUE(small.reused_connection);
}

TEST(UpstreamClient, AChunkedBodyIsStreamedOnceItGrowsPastStreamAbove) {
  const std::string big = numbered(300'000);
  raw_upstream up([&](raw_peer& p) {
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (std::size_t at = 0; at < big.size(); at += 10'000) {
      char size[16];
      std::snprintf(size, sizeof size, "%zx\r\n", std::min<std::size_t>(10'000, big.size() - at));
      p.send(size + big.substr(at, 10'000) + "\r\n");
    }
    p.send("0\r\n\r\n");
    if (p.index() == 1) return;
    p.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nsmall\r\n0\r\n\r\n");  // not reached
  });
  client_loop loop;
  auto o = options_for(up.port());
  o.stream_above = 50'000;
  upstream_client client(o);
  auto r = SEND(loop, client, make_request("GET", "/"));
  ASSERT_TRUE(r.ok()) << r.message;
  ASSERT_TRUE(r.stream);
  EXPECT_FALSE(r.stream_length);
  std::string error;
  std::size_t pieces = 0;
  EXPECT_TRUE(drain(loop, *r.stream, error, pieces) == big);
  EXPECT_EQ(error, "");
}

TEST(UpstreamClient, AStreamCutByTheUpstreamFailsAndACancelledOneIsNotPooled) {
  std::atomic<bool> saw_close{false};
  raw_upstream up([&](raw_peer& p) {
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nContent-Length: 500000\r\n\r\n" + std::string(200'000, 'x'));
    if (p.index() == 2) saw_close = p.wait_closed();
  });
  client_loop loop;
  auto o = options_for(up.port());
  o.stream_above = 1000;
  upstream_client client(o);
  auto r = SEND(loop, client, make_request("GET", "/"));
  ASSERT_TRUE(r.ok() && r.stream) << r.message;
  std::string error;
  std::size_t pieces = 0;
  const std::string got = drain(loop, *r.stream, error, pieces);
  EXPECT_EQ(got.size(), 200'000u);
  EXPECT_EQ(error, "upstream http://127.0.0.1:" + std::to_string(up.port()) +
                       " closed the connection before the response was complete (got 200000 of 500000 body bytes)");
  EXPECT_EQ(client.idle_connections(), 0u);

  auto r2 = SEND(loop, client, make_request("GET", "/"));
  ASSERT_TRUE(r2.ok() && r2.stream) << r2.message;
  bool called = false;
  r2.stream->read([&](std::string, bool, std::string) { called = true; });
  r2.stream->cancel();  // the client left: the upstream connection closes, never pooled
  loop.run_for_a_moment();
  EXPECT_FALSE(called);  // a cancelled stream calls no one
  EXPECT_EQ(client.idle_connections(), 0u);
  for (int i = 0; i < 250 && !saw_close.load(); ++i) std::this_thread::sleep_for(20ms);  // bounded wait, no time asserted
  EXPECT_TRUE(saw_close.load());
}

TEST(UpstreamClient, AClientDestroyedWhilePoolsOrRequestsHoldItIsSafe) {
  http_upstream up([](const http_request& req, http_response& res) { res.body = req.target; });
  client_loop loop;
  {
    upstream_client first(options_for(up.port()));
    ASSERT_TRUE(SEND(loop, first, make_request("GET", "/a")).ok());
    EXPECT_EQ(first.idle_connections(), 1u);
  }  // its idle connection stays in this thread's pool
  auto second = std::make_unique<upstream_client>(options_for(up.port()));
  auto r = SEND(loop, *second, make_request("GET", "/b"));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_FALSE(r.reused_connection);  // never another client's connection
  EXPECT_EQ(second->idle_connections(), 1u);

  // Destroyed with a request in flight: the request still completes.
  bool finished = false;
  upstream_response late;
  second->send(make_request("GET", "/c"), [&](upstream_response x) {
    late = std::move(x);
    finished = true;
  });
  second.reset();
  loop.run_until([&] { return finished; }, 10s);
  ASSERT_TRUE(finished);
  EXPECT_TRUE(late.ok()) << late.message;
  EXPECT_EQ(late.body, "/c");
}

// ---------------------------------------------------------------------------
// Failures

TEST(UpstreamClient, RefusedConnection) {
  const auto port = std::to_string(closed_port());
  client_loop loop;
  upstream_client client(options_for("http://127.0.0.1:" + port));
  auto r = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r.error, upstream_response::failure::refused);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.message, "upstream http://127.0.0.1:" + port + " refused the connection (127.0.0.1:" + port + ")");
  EXPECT_EQ(r.status, 0);
}

TEST(UpstreamClient, UnknownHostIsADnsFailure) {
  client_loop loop;
  upstream_client client(options_for("http://specgate-no-such-host.invalid:5601"));
  auto r = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r.error, upstream_response::failure::dns) << r.message;
  EXPECT_EQ(r.message.rfind("upstream http://specgate-no-such-host.invalid:5601: cannot resolve host "
                            "specgate-no-such-host.invalid (",
                            0),
            0u)
      << r.message;
}

TEST(UpstreamClient, ConnectTimeout) {
  // Linux drops SYNs for a listener whose accept queue is full, so a connect to it hangs.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 0), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::vector<int> fillers;
  bool saturated = false;
  for (int i = 0; i < 8 && !saturated; ++i) {
    const int f = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    fillers.push_back(f);
    if (::connect(f, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) continue;
    pollfd p{f, POLLOUT, 0};
    saturated = errno == EINPROGRESS && ::poll(&p, 1, 300) == 0;  // still pending: the SYN was dropped
  }
  auto cleanup = [&] {
    for (int f : fillers) ::close(f);
    ::close(listener);
  };
  if (!saturated) {
    cleanup();
    GTEST_SKIP() << "cannot make a connect hang deterministically here";
  }
  const auto port = std::to_string(ntohs(addr.sin_port));
  client_loop loop;
  auto o = options_for("http://127.0.0.1:" + port);
  o.connect_timeout = 200ms;
  upstream_client client(o);
  auto r = SEND(loop, client, make_request("GET", "/"));
  cleanup();
  EXPECT_EQ(r.error, upstream_response::failure::connect_timeout) << r.message;
  EXPECT_EQ(r.message, "upstream http://127.0.0.1:" + port + ": no connection within 200 ms (connecting to 127.0.0.1:" +
                           port + ")");
}

TEST(UpstreamClient, ResponseTimeout) {
  std::atomic<bool> client_closed{false};
  raw_upstream up([&](raw_peer& p) {
    p.read_request();
    if (p.index() == 2) p.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    client_closed = p.wait_closed();  // never answers (in full); the client gives up and closes
  });
  client_loop loop;
  auto o = options_for(up.port());
  o.response_timeout = 200ms;
  upstream_client client(o);
  const auto url = "upstream http://127.0.0.1:" + std::to_string(up.port());
  auto r = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r.error, upstream_response::failure::timeout);
  EXPECT_EQ(r.message, url + " did not answer within 200 ms");
  auto r2 = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r2.error, upstream_response::failure::timeout);
  EXPECT_EQ(r2.message, url + " did not complete the response within 200 ms (got 3 of 10 body bytes)");
  EXPECT_EQ(client.idle_connections(), 0u);
  loop.run_for_a_moment();
}

TEST(UpstreamClient, ClosedMidBody) {
  raw_upstream up([](raw_peer& p) {
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n" + std::string(1200, 'a'));
  });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  auto r = SEND(loop, client, make_request("GET", "/api/saved_objects/_export"));
  EXPECT_EQ(r.error, upstream_response::failure::closed);
  EXPECT_EQ(r.message, "upstream http://127.0.0.1:" + std::to_string(up.port()) +
                           " closed the connection before the response was complete (got 1200 of 5000 body bytes)");
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST(UpstreamClient, ClosedWithoutAnswerAndNotHttp) {
  raw_upstream up([](raw_peer& p) {
    p.read_request();
    if (p.index() == 2) p.send("SSH-2.0-OpenSSH_9.2\r\n\r\n");
  });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  const auto url = "upstream http://127.0.0.1:" + std::to_string(up.port());
  auto r = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r.error, upstream_response::failure::closed);
  EXPECT_EQ(r.message, url + " closed the connection without answering");  // fresh connection: no retry
  auto r2 = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r2.error, upstream_response::failure::protocol);
  EXPECT_EQ(r2.message.rfind(url + " sent a response that is not HTTP/1.x (", 0), 0u) << r2.message;
  EXPECT_EQ(up.accepted(), 2);
}

TEST(UpstreamClient, TooLarge) {
  raw_upstream up([](raw_peer& p) {
    p.read_request();
    if (p.index() == 1) p.send("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'a'));
    if (p.index() == 2) {
      p.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (int i = 0; i < 5; ++i) p.send("3e8\r\n" + std::string(1000, 'b') + "\r\n");
      p.send("0\r\n\r\n");
    }
    if (p.index() == 3) p.send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'c'));
    p.wait_closed();
  });
  client_loop loop;
  auto o = options_for(up.port());
  o.max_response_bytes = 1000;
  upstream_client client(o);
  const auto expected = "upstream http://127.0.0.1:" + std::to_string(up.port()) + ": response body larger than 1000 bytes";
  auto r = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r.error, upstream_response::failure::too_large);
  EXPECT_EQ(r.message, expected);
  auto r2 = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r2.error, upstream_response::failure::too_large);
  EXPECT_EQ(r2.message, expected);
  auto r3 = SEND(loop, client, make_request("GET", "/"));  // exactly at the limit is fine
  ASSERT_TRUE(r3.ok()) << r3.message;
  EXPECT_EQ(r3.body.size(), 1000u);
}

TEST(UpstreamClient, NoIoContextOnThisThread) {
  http_upstream up([](const http_request&, http_response& res) { res.body = "x"; });
  upstream_client client(options_for(up.port()));
  detail::set_this_thread_context(nullptr);
  bool finished = false;
  upstream_response r;
  client.send(make_request("GET", "/"), [&](upstream_response x) {
    r = std::move(x);
    finished = true;
  });
  ASSERT_TRUE(finished);  // nothing to wait on: it answers at once instead of blocking
  EXPECT_EQ(r.error, upstream_response::failure::protocol);
  EXPECT_NE(r.message.find("runs no io_context"), std::string::npos) << r.message;
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST(UpstreamClient, InvalidRequestFailsAsynchronously) {
  http_upstream up([](const http_request&, http_response& res) { res.body = "x"; });
  client_loop loop;
  upstream_client client(options_for(up.port()));
  auto r = SEND(loop, client, make_request("GET", "/a b"));
  EXPECT_EQ(r.error, upstream_response::failure::protocol);
  EXPECT_EQ(r.message, "upstream http://127.0.0.1:" + std::to_string(up.port()) +
                           ": cannot send the request: invalid request target");
  EXPECT_TRUE(up.requests().empty());
}

// ---------------------------------------------------------------------------
// TLS

class test_certificate {
 public:
  // A self-signed certificate (its own CA) for the given subjectAltName.
  explicit test_certificate(const std::string& san) {
    dir_ = std::filesystem::temp_directory_path() /
           ("specgate-upstream-tls-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
                            "-subj /CN=specgate-test -addext subjectAltName=" +
                            san + " -keyout '" + key() + "' -out '" + cert() + "' >/dev/null 2>&1";
    ok_ = std::system(cmd.c_str()) == 0 && std::filesystem::exists(cert()) && std::filesystem::exists(key());
  }
  ~test_certificate() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  bool ok() const { return ok_; }
  std::string cert() const { return (dir_ / "cert.pem").string(); }
  std::string key() const { return (dir_ / "key.pem").string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  bool ok_ = false;
};

class UpstreamClientTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    local_ = new test_certificate("DNS:localhost,IP:127.0.0.1");
    other_ = new test_certificate("DNS:other.example");
  }
  static void TearDownTestSuite() {
    delete local_;
    delete other_;
  }
  void SetUp() override {
    if (!local_->ok() || !other_->ok()) GTEST_SKIP() << "the openssl CLI could not make a test certificate";
  }

  static std::unique_ptr<http_upstream> https_upstream(const test_certificate& c) {
    server_options o;
    o.tls_cert = c.cert();
    o.tls_key = c.key();
    return std::make_unique<http_upstream>([](const http_request& req, http_response& res) { res.body = "secure " + req.target; },
                                           o);
  }

  static inline test_certificate* local_ = nullptr;
  static inline test_certificate* other_ = nullptr;
};

TEST_F(UpstreamClientTls, VerifiedWithTheUpstreamCa) {
  auto up = https_upstream(*local_);
  client_loop loop;
  for (const std::string host : {"127.0.0.1", "localhost"}) {  // IP SAN, and DNS SAN with SNI
    auto o = options_for("https://" + host + ":" + std::to_string(up->port()));
    o.ca_file = local_->cert();
    upstream_client client(o);
    ASSERT_EQ(client.setup_error(), "");
    auto r = SEND(loop, client, make_request("GET", "/tls"));
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "secure /tls");
    auto r2 = SEND(loop, client, make_request("GET", "/again"));
    ASSERT_TRUE(r2.ok()) << r2.message;
    EXPECT_TRUE(r2.reused_connection);
    EXPECT_EQ(r2.body, "secure /again");
  }
}

TEST_F(UpstreamClientTls, UnknownCertificateFailsVerification) {
  auto up = https_upstream(*local_);
  client_loop loop;
  const auto url = "https://127.0.0.1:" + std::to_string(up->port());
  upstream_client client(options_for(url));
  auto r = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r.error, upstream_response::failure::tls);
  EXPECT_EQ(r.message.rfind("upstream " + url + ": TLS handshake failed: certificate verify failed (", 0), 0u)
      << r.message;
  EXPECT_TRUE(up->requests().empty());
}

TEST_F(UpstreamClientTls, InsecureSkipsVerification) {
  auto up = https_upstream(*other_);  // neither trusted nor for this host
  client_loop loop;
  auto o = options_for("https://127.0.0.1:" + std::to_string(up->port()));
  o.insecure = true;
  upstream_client client(o);
  auto r = SEND(loop, client, make_request("GET", "/x"));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.body, "secure /x");
}

TEST_F(UpstreamClientTls, HostNameMismatchFails) {
  auto up = https_upstream(*other_);
  client_loop loop;
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    const auto url = "https://" + host + ":" + std::to_string(up->port());
    auto o = options_for(url);
    o.ca_file = other_->cert();  // trusted, but issued for other.example
    upstream_client client(o);
    auto r = SEND(loop, client, make_request("GET", "/"));
    EXPECT_EQ(r.error, upstream_response::failure::tls);
    const std::string what = host == "localhost" ? "hostname mismatch" : "IP address mismatch";
    EXPECT_EQ(r.message, "upstream " + url + ": TLS handshake failed: certificate verify failed (" + what + ")");
  }
  EXPECT_TRUE(up->requests().empty());
}

TEST_F(UpstreamClientTls, PlainHttpUpstreamIsATlsFailure) {
  http_upstream up([](const http_request&, http_response& res) { res.body = "plain"; });
  client_loop loop;
  auto o = options_for("https://127.0.0.1:" + std::to_string(up.port()));
  o.ca_file = local_->cert();
  upstream_client client(o);
  auto r = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r.error, upstream_response::failure::tls) << r.message;
  EXPECT_EQ(r.message.rfind("upstream https://127.0.0.1:" + std::to_string(up.port()) + ": TLS handshake failed: ", 0),
            0u)
      << r.message;
}

TEST_F(UpstreamClientTls, UnreadableCaFileIsASetupError) {
  client_loop loop;
  auto o = options_for("https://127.0.0.1:1");
  o.ca_file = "/nonexistent/ca.pem";
  upstream_client client(o);
  EXPECT_EQ(client.setup_error(), "cannot read upstream CA file /nonexistent/ca.pem: No such file or directory");
  auto r = SEND(loop, client, make_request("GET", "/"));
  EXPECT_EQ(r.error, upstream_response::failure::tls);
  EXPECT_EQ(r.message, "upstream https://127.0.0.1:1: cannot read upstream CA file /nonexistent/ca.pem: "
                       "No such file or directory");

  const auto garbage = std::filesystem::temp_directory_path() / ("specgate-garbage-" + std::to_string(::getpid()));
  std::ofstream(garbage) << "not a certificate\n";
  o.ca_file = garbage.string();
  upstream_client bad(o);
  EXPECT_EQ(bad.setup_error().rfind("cannot load upstream CA file " + garbage.string() + ": ", 0), 0u)
      << bad.setup_error();
  std::filesystem::remove(garbage);
}

}  // namespace
}  // namespace specgate::server
