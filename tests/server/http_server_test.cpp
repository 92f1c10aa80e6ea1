// specgate::server::http_server over real loopback sockets: the server runs on
// 127.0.0.1:0 in a background thread; clients are blocking POSIX sockets with
// receive/send timeouts (TLS: an async Asio client run with a deadline), so no
// test can hang.
#include "server/http/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "server/socket_client.h"

namespace specgate::server {
namespace {

using namespace std::chrono_literals;

using namespace ::specgate::server::testing;

// ---------------------------------------------------------------------------
// The server under test: small handler, run() in a background thread.

struct handler_state {
  std::atomic<int> slow_entered{0};
  std::atomic<int> completed{0};
  std::mutex mutex;
  std::vector<int> statuses;  // from on_complete
};

void test_handler(handler_state& hs, const http_request& req, http_response& res) {
  if (req.target == "/throw") throw std::runtime_error("boom");
  if (req.target == "/slow") {
    ++hs.slow_entered;
    std::this_thread::sleep_for(400ms);
    res.body = "slow done";
    return;
  }
  if (req.target == "/echo") {
    res.set_header("Content-Type", "text/plain");
    res.body = req.body;
    return;
  }
  if (req.target == "/header") {
    res.body = std::string(req.header("X-Probe"));
    return;
  }
  if (req.target == "/empty") {
    res.status = 204;
    return;
  }
  res.set_header("Content-Type", "text/plain");
  res.set_header("X-Target", req.target);
  res.body = "hello " + req.method + " " + req.target;
}

class running_server {
 public:
  explicit running_server(server_options o = {}) {
    o.host = "127.0.0.1";
    o.port = 0;
    if (o.threads == 0) o.threads = 2;
    o.on_error = [](std::string_view) {};
    o.on_complete = [hs = &state_](const http_request&, const http_response& res, std::chrono::microseconds) {
      std::lock_guard lock(hs->mutex);
      hs->statuses.push_back(res.status);
      ++hs->completed;
    };
    server_ = std::make_unique<http_server>(std::move(o), [hs = &state_](const http_request& req, http_response& res) {
      test_handler(*hs, req, res);
    });
    const auto error = server_->start();
    if (!error.empty()) throw std::runtime_error(error);
    thread_ = std::thread([this] {
      server_->run();
      returned_ = true;
    });
  }
  ~running_server() { stop_and_join(); }

  std::uint16_t port() const { return server_->port(); }
  handler_state& state() { return state_; }
  http_server& server() { return *server_; }
  bool returned() const { return returned_; }

  // Waits (bounded) for run() to return; true if it did.
  bool stop_and_join(std::chrono::milliseconds limit = 8000ms) {
    if (!thread_.joinable()) return returned_;
    server_->stop();
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!returned_ && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
    if (!returned_) {
      thread_.detach();  // never hang the test binary; the failure is reported
      return false;
    }
    thread_.join();
    return true;
  }

 private:
  handler_state state_;
  std::unique_ptr<http_server> server_;
  std::thread thread_;
  std::atomic<bool> returned_{false};
};

std::string get(std::uint16_t port, std::string_view target) {
  client c(port);
  c.send("GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  return c.read_all();
}

// ---------------------------------------------------------------------------

TEST(HttpServer, SimpleGet) {
  running_server s;
  client c(s.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("GET /hello?x=1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  const auto r = c.read_response();
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(body_of(r), "hello GET /hello?x=1");
  EXPECT_TRUE(has_header(r, "Content-Length: 20")) << r;
  EXPECT_TRUE(has_header(r, "X-Target: /hello?x=1")) << r;
  EXPECT_TRUE(has_header(r, "Content-Type: text/plain")) << r;
  EXPECT_NE(r.find("\r\nDate: "), std::string::npos) << r;
  EXPECT_EQ(r.find("\r\nServer:"), std::string::npos) << r;
}

TEST(HttpServer, HandlerSeesHeadersAndRemote) {
  std::string remote;
  server_options o;
  o.port = 0;
  o.threads = 1;
  http_server srv(o, [&](const http_request& req, http_response& res) {
    remote = req.remote;
    res.body = std::string(req.header("x-probe")) + "|" + (req.has_header("X-PROBE") ? "yes" : "no") + "|" +
               std::to_string(req.version);
  });
  ASSERT_EQ(srv.start(), "");
  std::thread t([&] { srv.run(); });
  {
    client c(srv.port());
    c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Probe: abc\r\nConnection: close\r\n\r\n");
    const auto r = c.read_all();
    EXPECT_EQ(body_of(r), "abc|yes|11") << r;
  }
  srv.stop();
  t.join();
  EXPECT_EQ(remote.rfind("127.0.0.1:", 0), 0u) << remote;
}

TEST(HttpServer, KeepAliveServesTwoRequestsOnOneConnection) {
  running_server s;
  client c(s.port());
  c.send("GET /one HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto r1 = c.read_response();
  EXPECT_EQ(body_of(r1), "hello GET /one");
  EXPECT_EQ(r1.find("Connection: close"), std::string::npos) << r1;
  c.send("GET /two HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto r2 = c.read_response();
  EXPECT_EQ(body_of(r2), "hello GET /two");
}

TEST(HttpServer, PipelinedRequestsAnsweredInOrder) {
  running_server s;
  client c(s.port());
  c.send(
      "GET /first HTTP/1.1\r\nHost: t\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nsecond"
      "GET /third HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const auto all = c.read_all();
  EXPECT_EQ(count_of(all, "HTTP/1.1 200 OK"), 3) << all;
  const auto a = all.find("hello GET /first");
  const auto b = all.find("second");
  const auto d = all.find("hello GET /third");
  ASSERT_NE(a, std::string::npos) << all;
  ASSERT_NE(b, std::string::npos) << all;
  ASSERT_NE(d, std::string::npos) << all;
  EXPECT_LT(a, b);
  EXPECT_LT(b, d);
}

TEST(HttpServer, ChunkedBodyReachesHandlerIntact) {
  running_server s;
  client c(s.port());
  c.send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n"
      "6;ext=1\r\n world\r\n"
      "0\r\n\r\n");
  const auto r = c.read_response();
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(body_of(r), "hello world");
}

TEST(HttpServer, ExpectContinueGets100BeforeBodyIsSent) {
  running_server s;
  client c(s.port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 7\r\nExpect: 100-continue\r\n\r\n");
  const auto interim = c.read_response(true);
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  c.send("payload");
  const auto r = c.read_response();
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(body_of(r), "payload");
}

TEST(HttpServer, HeadHasContentLengthButNoBody) {
  running_server s;
  client c(s.port());
  c.send("HEAD /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const auto all = c.read_all();
  EXPECT_EQ(status_of(all), 200) << all;
  EXPECT_TRUE(has_header(all, "Content-Length: 13")) << all;  // "hello HEAD /x"
  EXPECT_EQ(body_of(all), "") << all;
}

TEST(HttpServer, NoContentHasNoLengthNorBody) {
  running_server s;
  const auto r = get(s.port(), "/empty");
  EXPECT_EQ(status_of(r), 204) << r;
  EXPECT_EQ(r.find("Content-Length"), std::string::npos) << r;
  EXPECT_EQ(body_of(r), "");
}

TEST(HttpServer, Http10ClosesUnlessKeepAliveAsked) {
  running_server s;
  {
    client c(s.port());
    c.send("GET /a HTTP/1.0\r\n\r\n");
    const auto all = c.read_all();  // returns only because the server closes
    EXPECT_FALSE(c.timed_out());
    EXPECT_EQ(body_of(all), "hello GET /a");
    EXPECT_TRUE(has_header(all, "Connection: close")) << all;
  }
  {
    client c(s.port());
    c.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const auto r1 = c.read_response();
    EXPECT_TRUE(has_header(r1, "Connection: keep-alive")) << r1;
    c.send("GET /b HTTP/1.0\r\n\r\n");
    EXPECT_EQ(body_of(c.read_response()), "hello GET /b");
  }
}

TEST(HttpServer, HeaderOverLimitGets431AndClose) {
  server_options o;
  o.header_limit = 1024;
  running_server s(o);
  client c(s.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  const auto all = c.read_all();
  EXPECT_FALSE(c.timed_out());
  EXPECT_EQ(status_of(all), 431) << all;
  EXPECT_TRUE(has_header(all, "Connection: close")) << all;
  EXPECT_TRUE(has_header(all, "Content-Type: application/json; charset=utf-8")) << all;
  EXPECT_EQ(body_of(all),
            R"({"statusCode":431,"error":"Request Header Fields Too Large",)"
            R"("message":"Request header fields exceed the limit of 1024 bytes"})");
  EXPECT_EQ(status_of(get(s.port(), "/after")), 200);
}

TEST(HttpServer, ContentLengthOverLimitGets413BeforeTheBody) {
  server_options o;
  o.body_limit = 100;
  running_server s(o);
  client c(s.port());
  // The body is never sent: the answer must come from the header alone.
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n");
  const auto r = c.read_response();
  EXPECT_EQ(status_of(r), 413) << r;
  EXPECT_EQ(body_of(r),
            R"({"statusCode":413,"error":"Request Entity Too Large",)"  // Boom's phrase, as Kibana sends it
            R"("message":"Payload content length greater than maximum allowed: 100"})");
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(status_of(get(s.port(), "/after")), 200);
}

TEST(HttpServer, ChunkedBodyOverLimitGets413WhenItCrosses) {
  server_options o;
  o.body_limit = 100;
  running_server s(o);
  client c(s.port());
  // 64 bytes, then a chunk announcing 64 more: the limit is crossed there;
  // the rest of the body is never sent.
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + std::string(64, 'x') +
         "\r\n40\r\n");
  const auto r = c.read_response();
  EXPECT_EQ(status_of(r), 413) << r;
  EXPECT_NE(r.find("maximum allowed: 100"), std::string::npos) << r;
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(HttpServer, SlowClientGets408) {
  server_options o;
  o.read_timeout = 200ms;
  running_server s(o);
  client c(s.port());
  const auto t0 = std::chrono::steady_clock::now();
  c.send("GET / HTTP/1.1\r\nHost: t\r\n");  // header never finished
  const auto all = c.read_all();
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_FALSE(c.timed_out());
  EXPECT_EQ(status_of(all), 408) << all;
  EXPECT_NE(all.find(R"("statusCode":408,"error":"Request Timeout")"), std::string::npos) << all;
  EXPECT_GE(elapsed, 150ms);
  EXPECT_LT(elapsed, 2000ms);
  EXPECT_EQ(status_of(get(s.port(), "/after")), 200);
}

TEST(HttpServer, SlowBodyGets408) {
  server_options o;
  o.read_timeout = 200ms;
  running_server s(o);
  client c(s.port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
  const auto all = c.read_all();
  EXPECT_EQ(status_of(all), 408) << all;
}

TEST(HttpServer, IdleKeepAliveClosedSilently) {
  server_options o;
  o.idle_timeout = 150ms;
  running_server s(o);
  client c(s.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(status_of(c.read_response()), 200);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(c.read_all(), "");  // nothing more, then closed
  EXPECT_FALSE(c.timed_out());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2000ms);
}

TEST(HttpServer, MalformedRequestGets400ThenServerStillAnswers) {
  running_server s;
  {
    client c(s.port());
    c.send("GET / HTTP/9.x\r\nHost: t\r\n\r\n");
    const auto all = c.read_all();
    EXPECT_FALSE(c.timed_out());
    EXPECT_EQ(status_of(all), 400) << all;
    EXPECT_EQ(body_of(all), R"({"statusCode":400,"error":"Bad Request","message":"Malformed HTTP request: bad version"})");
  }
  {
    client c(s.port());
    c.send("G\x01T / HTTP/1.1\r\n\r\n");
    const auto all = c.read_all();
    EXPECT_EQ(status_of(all), 400) << all;
    EXPECT_NE(all.find("Malformed HTTP request: bad method"), std::string::npos) << all;
  }
  EXPECT_EQ(status_of(get(s.port(), "/after")), 200);
}

TEST(HttpServer, ConnectionCapAnswers503) {
  server_options o;
  o.max_connections = 1;
  running_server s(o);
  client first(s.port());
  first.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_EQ(status_of(first.read_response()), 200);  // accepted and counted
  {
    client second(s.port());
    second.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    const auto all = second.read_all();
    EXPECT_EQ(status_of(all), 503) << all;
    EXPECT_NE(all.find(R"("statusCode":503,"error":"Service Unavailable")"), std::string::npos) << all;
    EXPECT_NE(all.find("at most 1 at once"), std::string::npos) << all;
  }
  // The first connection still works; once it is gone, new ones are served.
  first.send("GET /still HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(body_of(first.read_all()), "hello GET /still");
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = status_of(get(s.port(), "/again"));
    if (status != 200) std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(status, 200);
}

TEST(HttpServer, HandlerExceptionGives500AndSessionContinues) {
  running_server s;
  client c(s.port());
  c.send("GET /throw HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto r = c.read_response();
  EXPECT_EQ(status_of(r), 500) << r;
  EXPECT_EQ(body_of(r),
            R"({"statusCode":500,"error":"Internal Server Error","message":"An internal server error occurred."})");
  c.send("GET /next HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(body_of(c.read_response()), "hello GET /next");
}

TEST(HttpServer, OnCompleteCalledPerResponse) {
  running_server s;
  get(s.port(), "/a");
  get(s.port(), "/throw");
  for (int i = 0; i < 200 && s.state().completed < 2; ++i) std::this_thread::sleep_for(5ms);
  std::lock_guard lock(s.state().mutex);
  EXPECT_EQ(s.state().statuses, (std::vector<int>{200, 500}));
}

TEST(HttpServer, StopLetsInFlightRequestFinish) {
  running_server s;
  client busy(s.port());
  client idle(s.port());
  idle.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_EQ(status_of(idle.read_response()), 200);
  busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  for (int i = 0; i < 400 && s.state().slow_entered == 0; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(s.state().slow_entered, 1);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(s.stop_and_join(4000ms));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3000ms);
  const auto r = busy.read_all();
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(body_of(r), "slow done");
  EXPECT_TRUE(has_header(r, "Connection: close")) << r;
  EXPECT_TRUE(idle.closed_by_peer());
  client late(s.port());
  EXPECT_FALSE(late.connected());
}

TEST(HttpServer, StopBeforeRunReturnsPromptly) {
  server_options o;
  o.port = 0;
  http_server srv(o, [](const http_request&, http_response&) {});
  ASSERT_EQ(srv.start(), "");
  srv.stop();
  std::atomic<bool> done{false};
  std::thread t([&] {
    srv.run();
    done = true;
  });
  for (int i = 0; i < 400 && !done; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(done);
  if (done)
    t.join();
  else
    t.detach();
}

TEST(HttpServer, GracePeriodBoundsShutdown) {
  server_options o;
  o.shutdown_grace = 100ms;
  o.read_timeout = 10'000ms;
  running_server s(o);
  client c(s.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\n");  // a request that never completes
  std::this_thread::sleep_for(50ms);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(s.stop_and_join(3000ms));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
}

TEST(HttpServer, StartReportsPortInUse) {
  running_server s;
  server_options o;
  o.port = s.port();
  http_server other(o, [](const http_request&, http_response&) {});
  const auto error = other.start();
  EXPECT_EQ(error, "cannot listen on 127.0.0.1:" + std::to_string(s.port()) + ": Address already in use");
}

TEST(HttpServer, StartReportsBadHost) {
  server_options o;
  o.host = "256.1.1.1.invalid";
  o.port = 0;
  http_server srv(o, [](const http_request&, http_response&) {});
  const auto error = srv.start();
  EXPECT_EQ(error.rfind("cannot listen on 256.1.1.1.invalid:0", 0), 0u) << error;
}

TEST(HttpServer, ResolvesLocalhostToIpv4) {
  server_options o;
  o.host = "localhost";
  o.port = 0;
  o.threads = 1;
  http_server srv(o, [](const http_request&, http_response& res) { res.body = "local"; });
  ASSERT_EQ(srv.start(), "");
  std::thread t([&] { srv.run(); });
  EXPECT_EQ(body_of(get(srv.port(), "/")), "local");
  srv.stop();
  t.join();
}

TEST(HttpServer, ListensOnIpv6Loopback) {
  server_options o;
  o.host = "::1";
  o.port = 0;
  o.threads = 1;
  http_server srv(o, [](const http_request&, http_response& res) { res.body = "v6"; });
  const auto error = srv.start();
  if (!error.empty()) GTEST_SKIP() << "no IPv6 loopback here: " << error;
  std::thread t([&] { srv.run(); });
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket sock(ioc);
  std::string out;
  boost::system::error_code result = net::error::timed_out;
  sock.async_connect({net::ip::make_address("::1"), srv.port()}, [&](boost::system::error_code ec) {
    if (ec) {
      result = ec;
      return;
    }
    static const std::string req = "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    net::async_write(sock, net::buffer(req), [&](boost::system::error_code ec2, std::size_t) {
      if (ec2) {
        result = ec2;
        return;
      }
      net::async_read(sock, net::dynamic_buffer(out), [&](boost::system::error_code ec3, std::size_t) { result = ec3; });
    });
  });
  ioc.run_for(3s);
  srv.stop();
  t.join();
  EXPECT_EQ(result, net::error::eof) << result.message();
  EXPECT_EQ(body_of(out), "v6");
}

// ---------------------------------------------------------------------------
// TLS

class tls_files {
 public:
  tls_files() {
    dir_ = std::filesystem::temp_directory_path() /
           ("specgate-tls-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                            "-subj /CN=localhost -keyout '" +
                            key().string() + "' -out '" + cert().string() + "' >/dev/null 2>&1";
    ok_ = std::system(cmd.c_str()) == 0 && std::filesystem::exists(cert()) && std::filesystem::exists(key());
  }
  ~tls_files() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  bool ok() const { return ok_; }
  std::filesystem::path cert() const { return dir_ / "cert.pem"; }
  std::filesystem::path key() const { return dir_ / "key.pem"; }
  std::filesystem::path dir() const { return dir_; }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  bool ok_ = false;
};

// Sends `request` over TLS (verify none) and reads until the server closes; bounded by 3 s.
std::string tls_exchange(std::uint16_t port, const std::string& request, boost::system::error_code& result) {
  namespace net = boost::asio;
  namespace ssl = boost::asio::ssl;
  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_none);
  ssl::stream<net::ip::tcp::socket> stream(ioc, ctx);
  std::string out;
  result = net::error::timed_out;
  stream.next_layer().async_connect({net::ip::make_address("127.0.0.1"), port}, [&](boost::system::error_code ec) {
    if (ec) {
      result = ec;
      return;
    }
    stream.async_handshake(ssl::stream_base::client, [&](boost::system::error_code ec2) {
      if (ec2) {
        result = ec2;
        return;
      }
      net::async_write(stream, net::buffer(request), [&](boost::system::error_code ec3, std::size_t) {
        if (ec3) {
          result = ec3;
          return;
        }
        net::async_read(stream, net::dynamic_buffer(out),
                        [&](boost::system::error_code ec4, std::size_t) { result = ec4; });
      });
    });
  });
  ioc.run_for(3s);
  return out;
}

TEST(HttpServerTls, ServesHttpsWithSelfSignedCertificate) {
  tls_files files;
  if (!files.ok()) GTEST_SKIP() << "openssl CLI could not generate a certificate";
  server_options o;
  o.tls_cert = files.cert().string();
  o.tls_key = files.key().string();
  running_server s(o);
  boost::system::error_code ec;
  const auto out = tls_exchange(s.port(),
                                "GET /tls HTTP/1.1\r\nHost: t\r\n\r\n"
                                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure",
                                ec);
  EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated) << ec.message();
  EXPECT_EQ(count_of(out, "HTTP/1.1 200 OK"), 2) << out;
  EXPECT_NE(out.find("hello GET /tls"), std::string::npos) << out;
  EXPECT_NE(out.find("secure"), std::string::npos) << out;
}

TEST(HttpServerTls, LimitsApplyOverTls) {
  tls_files files;
  if (!files.ok()) GTEST_SKIP() << "openssl CLI could not generate a certificate";
  server_options o;
  o.tls_cert = files.cert().string();
  o.tls_key = files.key().string();
  o.body_limit = 10;
  running_server s(o);
  boost::system::error_code ec;
  const auto out = tls_exchange(s.port(), "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n", ec);
  EXPECT_EQ(status_of(out), 413) << out << " / " << ec.message();
}

TEST(HttpServerTls, BadCertificateOrKeyIsAClearStartError) {
  tls_files files;
  if (!files.ok()) GTEST_SKIP() << "openssl CLI could not generate a certificate";
  const auto garbage = files.dir() / "garbage.pem";
  std::ofstream(garbage) << "not a certificate\n";
  auto start_with = [](const std::string& cert, const std::string& key) {
    server_options o;
    o.port = 0;
    o.tls_cert = cert;
    o.tls_key = key;
    http_server srv(o, [](const http_request&, http_response&) {});
    return srv.start();
  };
  const auto missing = start_with("/nonexistent/cert.pem", files.key().string());
  EXPECT_EQ(missing, "cannot read TLS certificate /nonexistent/cert.pem: No such file or directory");
  const auto bad_cert = start_with(garbage.string(), files.key().string());
  EXPECT_EQ(bad_cert.rfind("cannot load TLS certificate " + garbage.string() + ": ", 0), 0u) << bad_cert;
  const auto bad_key = start_with(files.cert().string(), garbage.string());
  EXPECT_EQ(bad_key.rfind("cannot load TLS private key " + garbage.string() + ": ", 0), 0u) << bad_key;
  tls_files other;
  ASSERT_TRUE(other.ok());
  const auto mismatch = start_with(files.cert().string(), other.key().string());
  EXPECT_NE(mismatch.find("does not match certificate"), std::string::npos) << mismatch;
  const auto half = start_with(files.cert().string(), "");
  EXPECT_NE(half.find("both a certificate and a private key"), std::string::npos) << half;
}

}  // namespace
}  // namespace specgate::server
