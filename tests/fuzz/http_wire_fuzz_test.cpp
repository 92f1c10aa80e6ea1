// Robustness of the HTTP server on the wire: the real http_server (Beast,
// 127.0.0.1, port 0, in-process) serving the mock of the embedded contract
// through mock_host, fed mutated raw HTTP: random bytes, mutated request
// lines, bad chunk sizes, header bombs, absurd Content-Length, pipelined
// garbage, half-closed and idle connections, slow senders.
//
// Connections go in batches, all driven by one poll() loop with a deadline,
// so nothing can hang the test. For every connection: what came back parses
// as a sequence of HTTP/1.1 responses with valid statuses (error bodies are
// JSON), and the server closed the connection before the deadline (its read
// and idle timeouts are short here). After every batch a fresh connection
// gets a correct 200 to a valid request; at the end the server stops
// gracefully.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "server/http/http_server.h"
#include "server/mock/mock_host.h"
#include "server/mock/mock_service.h"
#include "validator/contract/contract.h"

namespace specgate::fuzz {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::string_view auth_header = "Authorization: ApiKey c29tZTprZXk=\r\n";

// ------------------------------------------------------------ the server

class wire_server {
 public:
  wire_server() {
    auto built = validator::load_contract_text(read_file(specgate::testing::source_dir() + "/spec/kibana.yaml"),
                                               "<fuzz>/spec/kibana.yaml");
    if (!built.value) throw std::runtime_error("the contract does not load");
    auto created = server::mock_service::create(built.value);
    if (!created.first) throw std::runtime_error("the mock cannot be created");
    server::host_options host_opts;
    host_opts.journal_size = 32;
    host_opts.log = [](std::string_view) {};
    host_ = std::make_unique<server::mock_host>(created.first, "<fuzz>", host_opts);

    server::server_options o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 2;
    o.header_limit = 16 * 1024;
    o.body_limit = 1024 * 1024;
    o.idle_timeout = 400ms;
    o.read_timeout = 600ms;
    o.write_timeout = 2000ms;
    o.shutdown_grace = 1000ms;
    o.max_connections = 1000;
    o.on_error = [this](std::string_view message) {
      std::lock_guard lock(mutex_);
      errors_.emplace_back(message);
    };
    o.on_complete = [this](const server::http_request& req, const server::http_response& res,
                           std::chrono::microseconds took) { host_->complete(req, res, took); };
    server_ = std::make_unique<server::http_server>(std::move(o), [this](const server::http_request& req,
                                                                         server::http_response& res) {
      host_->handle(req, res);
    });
    const auto error = server_->start();
    if (!error.empty()) throw std::runtime_error("start: " + error);
    thread_ = std::thread([this] {
      server_->run();
      returned_ = true;
    });
  }
  ~wire_server() { stop_and_join(); }

  std::uint16_t port() const { return server_->port(); }

  // Server-side error lines since the last call.
  std::vector<std::string> take_errors() {
    std::lock_guard lock(mutex_);
    return std::exchange(errors_, {});
  }

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
  std::unique_ptr<server::mock_host> host_;
  std::unique_ptr<server::http_server> server_;
  std::thread thread_;
  std::atomic<bool> returned_{false};
  std::mutex mutex_;
  std::vector<std::string> errors_;
};

// ------------------------------------------------------------ a batch of raw connections

struct wire_case {
  std::string payload;
  bool half_close = true;  // shutdown(SHUT_WR) once everything is sent
  std::chrono::milliseconds drip{0};  // > 0: send one byte per interval (slow sender)
  std::string description;
  std::uint64_t seed = 0;

  // Results.
  std::string received;
  bool closed_by_server = false;
  bool reset = false;
  bool connected = false;
};

int connect_nonblocking(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Runs every case at once; returns when every connection is closed by the
// server or the deadline passed.
void run_batch(std::uint16_t port, std::vector<wire_case>& cases, std::chrono::milliseconds deadline) {
  struct conn {
    int fd = -1;
    std::size_t sent = 0;
    bool write_done = false;
    bool done = false;
    std::chrono::steady_clock::time_point next_drip;
  };
  std::vector<conn> conns(cases.size());
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    conns[i].fd = connect_nonblocking(port);
    cases[i].connected = conns[i].fd >= 0;
    if (conns[i].fd < 0) conns[i].done = true;
    conns[i].next_drip = start;
  }
  auto until = start + deadline;
  constexpr std::size_t receive_cap = 4 << 20;
  char buf[65536];
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    const auto now = std::chrono::steady_clock::now();
    auto wake = until;
    for (std::size_t i = 0; i < conns.size(); ++i) {
      auto& c = conns[i];
      if (c.done) continue;
      short events = POLLIN;
      if (!c.write_done) {
        if (cases[i].drip.count() == 0 || now >= c.next_drip)
          events |= POLLOUT;
        else
          wake = std::min(wake, c.next_drip);
      }
      fds.push_back({c.fd, events, 0});
      which.push_back(i);
    }
    if (fds.empty() || now >= until) break;
    const auto wait = std::max<long long>(1, std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count() + 1);
    ::poll(fds.data(), fds.size(), static_cast<int>(wait));
    // The whole machine (a VM, a loaded CI runner) may stall: a poll() that
    // returns much later than asked did not give the server its time either,
    // so the stall moves the deadline (a real hang still hits it).
    const auto overslept = std::chrono::steady_clock::now() - now - std::chrono::milliseconds(wait);
    if (overslept > 500ms) until += std::chrono::duration_cast<std::chrono::steady_clock::duration>(overslept);
    for (std::size_t k = 0; k < fds.size(); ++k) {
      const std::size_t i = which[k];
      auto& c = conns[i];
      auto& wc = cases[i];
      if ((fds[k].revents & POLLOUT) && !c.write_done) {
        const std::size_t left = wc.payload.size() - c.sent;
        const std::size_t chunk = wc.drip.count() > 0 ? std::min<std::size_t>(1, left) : left;
        if (chunk > 0) {
          const auto n = ::send(c.fd, wc.payload.data() + c.sent, chunk, MSG_NOSIGNAL);
          if (n > 0) c.sent += static_cast<std::size_t>(n);
          else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) c.write_done = true;  // server closed
          c.next_drip = std::chrono::steady_clock::now() + wc.drip;
        }
        if (c.sent == wc.payload.size() && !c.write_done) {
          c.write_done = true;
          if (wc.half_close) ::shutdown(c.fd, SHUT_WR);
        }
      }
      if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) {
        for (;;) {
          const auto n = ::recv(c.fd, buf, sizeof buf, 0);
          if (n > 0) {
            if (wc.received.size() < receive_cap) wc.received.append(buf, static_cast<std::size_t>(n));
            continue;
          }
          if (n == 0) {
            wc.closed_by_server = true;
            c.done = true;
          } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            wc.closed_by_server = true;
            wc.reset = true;
            c.done = true;
          }
          break;
        }
      }
    }
  }
  for (auto& c : conns)
    if (c.fd >= 0) ::close(c.fd);
}

// ------------------------------------------------------------ reading what came back

struct parsed_response {
  int status = 0;
  std::string head;
  std::string body;
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Splits `bytes` into responses; returns "" or what is wrong. A connection the
// server reset may end in the middle of a response. `head_first`: the first
// request was a HEAD (its response has a Content-Length but no body).
std::string parse_responses(const std::string& bytes, bool reset, std::vector<parsed_response>& out,
                            bool head_first = false) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    const auto end = bytes.find("\r\n\r\n", at);
    if (end == std::string::npos) {
      if (reset) return {};
      return "an incomplete response head: \"" + escaped(bytes.substr(at), 300) + "\"";
    }
    parsed_response r;
    r.head = bytes.substr(at, end + 4 - at);
    if (r.head.compare(0, 9, "HTTP/1.1 ") != 0 || r.head.size() < 12)
      return "not an HTTP/1.1 status line: \"" + escaped(r.head, 200) + "\"";
    const std::string code = r.head.substr(9, 3);
    if (code.find_first_not_of("0123456789") != std::string::npos) return "a status that is not 3 digits: " + code;
    r.status = std::stoi(code);
    if (r.status < 100 || r.status > 599) return "invalid status " + code;
    at = end + 4;
    if (r.status < 200 && r.status != 100) return "an unexpected 1xx: " + code;
    if (r.status == 100) {  // interim: no body
      out.push_back(std::move(r));
      continue;
    }
    std::size_t length = 0;
    const std::string lhead = lower(r.head);
    const auto cl = lhead.find("\r\ncontent-length:");
    if (lhead.find("\r\ntransfer-encoding:") != std::string::npos) return "a chunked response (not expected)";
    if (head_first && out.empty() && (at == bytes.size() || bytes.compare(at, 5, "HTTP/") == 0)) {
      length = 0;  // the answer to the HEAD (the server's own errors to a malformed HEAD do have a body)
    } else if (cl != std::string::npos) {
      length = std::strtoull(lhead.c_str() + cl + 17, nullptr, 10);
    } else if (r.status != 204 && r.status != 304) {
      return "a response without Content-Length: \"" + escaped(r.head, 200) + "\"";
    }
    if (bytes.size() - at < length) {
      if (reset) return {};
      return "a truncated body (" + std::to_string(bytes.size() - at) + " of " + std::to_string(length) + " bytes)";
    }
    r.body = bytes.substr(at, length);
    at += length;
    out.push_back(std::move(r));
  }
  return {};
}

// "" or what is wrong with one answered connection.
std::string check_case(const wire_case& c, std::map<int, std::size_t>& statuses) {
  if (!c.connected) return "could not connect";
  if (!c.closed_by_server) return "the server did not close the connection before the deadline (hang?)";
  std::vector<parsed_response> responses;
  if (auto bad = parse_responses(c.received, c.reset, responses, c.payload.starts_with("HEAD "));
      !bad.empty())
    return bad;
  for (const auto& r : responses) {
    ++statuses[r.status];
    if (r.status >= 400 && !r.body.empty() && lower(r.head).find("\r\ncontent-type: application/json") != std::string::npos) {
      if (json::parse(r.body, nullptr, false).is_discarded())
        return "an error body that is not JSON: \"" + escaped(r.body, 300) + "\"";
    }
  }
  return {};
}

// ------------------------------------------------------------ payloads

std::string valid_get(std::string_view target = "/api/fleet/agents/setup", bool close = false) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n" + std::string(auth_header) +
         (close ? "Connection: close\r\n" : "") + "\r\n";
}

std::string valid_post(std::string_view body = R"({"owner":"cases","closure_type":"close-by-user","connector":{"id":"none","name":"none","type":".none","fields":null}})") {
  return "POST /api/cases/configure HTTP/1.1\r\nHost: localhost\r\n" + std::string(auth_header) +
         "kbn-xsrf: true\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

std::string chunked_post(const std::string& chunks) {
  return "POST /api/cases/configure HTTP/1.1\r\nHost: localhost\r\n" + std::string(auth_header) +
         "kbn-xsrf: true\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks;
}

std::string request_line_variant(rng& r) {
  static const std::vector<std::string> methods = {"GET", "POST", "get", "G ET", "", "GET\t", "\xff\xfe", "PRI",
                                                   "CONNECT", "OPTIONS", "HEAD", std::string(5000, 'M'), "DELETE"};
  static const std::vector<std::string> targets = {"/api/fleet/agents/setup", "", "*", "http://localhost/api/cases/tags",
                                                   "/api/cases/tags?x=%zz", "/\xff", std::string("/a\0b", 4),
                                                   "/" + std::string(20'000, 'a'), "/api/fleet/agents/%00",
                                                   "//", "/api/cases/tags#frag", "/api /cases", "api/cases/tags",
                                                   "/__specgate/health", "/__specgate/journal?limit=%ff",
                                                   "/s/%zz/api/cases/tags"};
  static const std::vector<std::string> versions = {"HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1x", "HTTP/9.9",
                                                    "http/1.1", "", "HTTP/", "HTTP/1.", "HTTP/01.1", "HTTP/1.1 extra"};
  static const std::vector<std::string> seps = {" ", "  ", "\t", ""};
  static const std::vector<std::string> eols = {"\r\n", "\n", "\r", "\r\r\n", "\n\r"};
  const std::string& sep = r.pick(seps);
  const std::string& eol = r.pick(eols);
  return r.pick(methods) + sep + r.pick(targets) + sep + r.pick(versions) + eol + "Host: x" + eol +
         std::string(auth_header.substr(0, auth_header.size() - 2)) + eol + eol;
}

std::string bad_chunks(rng& r) {
  static const std::vector<std::string> chunks = {
      "zz\r\nabc\r\n0\r\n\r\n", "-1\r\n{}\r\n0\r\n\r\n", "ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
      "2;" + std::string(20'000, 'e') + "\r\n{}\r\n0\r\n\r\n", "2\r\n{}0\r\n\r\n", "2\r\n{}\r\n0\r\n",
      "10\r\n{}\r\n0\r\n\r\n", "2\r\n{}\r\n0\r\nX-Trailer: " + std::string(20'000, 't') + "\r\n\r\n",
      "2\n{}\n0\n\n", "0x2\r\n{}\r\n0\r\n\r\n", " 2\r\n{}\r\n0\r\n\r\n", "2 \r\n{}\r\n0\r\n\r\n", "",
      "7fffffffffffffff\r\n{}", "1\r\n{\r\n1\r\n}\r\n0\r\n\r\n", "100001\r\n" + std::string(100, '{')};
  std::string c = r.pick(chunks);
  if (r.chance(0.2)) {  // very many tiny chunks
    c.clear();
    for (int i = 0; i < 3000; ++i) c += "1\r\n \r\n";
    c += "0\r\n\r\n";
  }
  return chunked_post(c);
}

std::string header_bomb(rng& r) {
  std::string h = "GET /api/fleet/agents/setup HTTP/1.1\r\nHost: x\r\n" + std::string(auth_header);
  switch (r.below(8)) {
    case 0:
      for (int i = 0; i < 2000; ++i) h += "X-H" + std::to_string(i) + ": v\r\n";
      break;
    case 1: h += "X-Big: " + std::string(r.chance(0.5) ? 17'000 : 100'000, 'b') + "\r\n"; break;
    case 2: h += std::string(20'000, 'N') + ": v\r\n"; break;
    case 3: h += "No-Colon-Here\r\n"; break;
    case 4: h += "X-Fold: a\r\n  continued\r\n\tmore\r\n"; break;
    case 5: h += std::string("X-Nul: a\0b\r\n", 12); break;
    case 6: h += " Leading-Space: v\r\n"; break;
    default:
      for (int i = 0; i < 500; ++i) h += "Cookie: " + std::string(30, 'c') + "\r\n";
  }
  return h + "\r\n";
}

std::string absurd_length(rng& r) {
  static const std::vector<std::string> lengths = {
      "99999999999999999999", "18446744073709551615", "18446744073709551616", "-1", "1e3", "0x10", "10, 20", "",
      "  5  ", "+5", "1099511627776", "5\r\nContent-Length: 6", "3"};
  const std::string& len = r.pick(lengths);
  std::string h = "POST /api/cases/configure HTTP/1.1\r\nHost: x\r\n" + std::string(auth_header) +
                  "kbn-xsrf: true\r\nContent-Type: application/json\r\nContent-Length: " + len + "\r\n";
  if (r.chance(0.3)) h += "Transfer-Encoding: chunked\r\n";
  return h + "\r\n{\"owner\":\"cases\"}";
}

std::string pipelined(rng& r) {
  std::string s;
  for (std::size_t i = 0, n = r.between(1, 6); i < n; ++i) {
    switch (r.below(4)) {
      case 0: s += valid_get(); break;
      case 1: s += valid_post(); break;
      case 2: s += r.bytes(r.between(1, 64)); break;
      default: s += request_line_variant(r); break;
    }
  }
  return s;
}

std::string misc(rng& r) {
  static const std::vector<std::string> odd = {
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + std::string(32, '\x42'),  // a TLS ClientHello start
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\n",
      "POST /api/cases/configure HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n" +
          std::string(auth_header) + "kbn-xsrf: x\r\nContent-Type: application/json\r\n\r\n{}",
      "POST /api/cases/configure HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n",
      "POST /api/cases/configure HTTP/1.1\r\nHost: x\r\nExpect: 999-nonsense\r\nContent-Length: 2\r\n\r\n{}",
      "GET /api/fleet/agents/setup HTTP/1.0\r\n" + std::string(auth_header) + "\r\n",
      "GET /api/fleet/agents/setup HTTP/1.0\r\nConnection: keep-alive\r\n" + std::string(auth_header) + "\r\n",
      "GET /api/fleet/agents/setup HTTP/1.1\r\nConnection: close, keep-alive\r\n" + std::string(auth_header) + "\r\n",
      "HEAD /api/fleet/agents/setup HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + std::string(auth_header) + "\r\n",
      "\r\n\r\n\r\n" + valid_get(),
      std::string(50'000, '\n'),
      std::string(1000, '\0'),
  };
  return r.pick(odd);
}

wire_case make_case(std::uint64_t seed) {
  rng r(seed);
  wire_case c;
  c.seed = seed;
  switch (r.below(9)) {
    case 0:
      c.payload = r.bytes(r.between(1, 4096));
      c.description = "random bytes";
      break;
    case 1: {
      c.payload = r.chance(0.5) ? valid_get() : valid_post();
      mutation_log log;
      for (std::size_t i = 0, n = r.between(1, 4); i < n; ++i) mutate_bytes(r, c.payload, log);
      c.description = "mutated valid request: " + log.text();
      break;
    }
    case 2:
      c.payload = request_line_variant(r);
      c.description = "request line variant";
      break;
    case 3:
      c.payload = bad_chunks(r);
      c.description = "bad chunked body";
      break;
    case 4:
      c.payload = header_bomb(r);
      c.description = "header bomb";
      break;
    case 5:
      c.payload = absurd_length(r);
      c.description = "absurd Content-Length";
      break;
    case 6:
      c.payload = pipelined(r);
      c.description = "pipelined requests and garbage";
      break;
    case 7:
      c.payload = misc(r);
      c.description = "odd protocol";
      break;
    default: {
      c.payload = valid_post();
      c.payload.resize(r.below(c.payload.size()));
      c.description = "request cut short";
    }
  }
  return c;
}

// A fresh connection gets the documented 200.
std::string health_check(std::uint16_t port) {
  std::vector<wire_case> probe(1);
  probe[0].payload = valid_get("/api/fleet/agents/setup", true);
  probe[0].half_close = false;
  run_batch(port, probe, 3000ms);
  std::vector<parsed_response> responses;
  const auto bad = parse_responses(probe[0].received, probe[0].reset, responses);
  if (!bad.empty()) return bad;
  if (responses.size() != 1) return "expected one response, got " + std::to_string(responses.size()) +
                                    ": \"" + escaped(probe[0].received, 300) + "\"";
  if (responses[0].status != 200) return "expected 200, got \"" + escaped(probe[0].received, 400) + "\"";
  const json body = json::parse(responses[0].body, nullptr, false);
  if (!body.is_object()) return "the 200 body is not a JSON object: \"" + escaped(responses[0].body, 300) + "\"";
  return {};
}

// A handler exception the server logged ("handler failed on ...") that is a
// known bug is tolerated and counted; any other server-side error line fails.
// None is known now (BUG-utf8, type_error.316 on request bytes that are not
// UTF-8, is fixed).
bool known_bug_line(const std::string&) { return false; }

TEST(http_wire_fuzz, mutated_raw_http_never_hangs_or_breaks_the_server) {
  std::unique_ptr<wire_server> server;
  ASSERT_NO_THROW(server = std::make_unique<wire_server>());
  const std::uint16_t port = server->port();
  ASSERT_EQ(health_check(port), "");

  const auto seeds = case_seeds(480, 240);
  constexpr std::size_t batch_size = 24;
  std::map<int, std::size_t> statuses;
  std::size_t failures = 0, known = 0, half_open = 0;
  stopwatch total;
  for (std::size_t first = 0; first < seeds.size(); first += batch_size) {
    std::vector<wire_case> batch;
    // One batch in four also holds connections that never half-close, an
    // idle one and a slow sender: the server's own timeouts must end them.
    const bool with_open = (first / batch_size) % 4 == 0;
    for (std::size_t i = first; i < std::min(seeds.size(), first + batch_size); ++i) {
      wire_case c = make_case(seeds[i]);
      if (with_open && (i % 3 == 0)) {
        c.half_close = false;
        ++half_open;
      }
      batch.push_back(std::move(c));
    }
    if (with_open) {
      wire_case idle;
      idle.half_close = false;
      idle.description = "idle connection (sends nothing)";
      batch.push_back(std::move(idle));
      wire_case slow;
      slow.payload = valid_get();
      slow.half_close = false;
      slow.drip = 40ms;
      slow.description = "slow sender (one byte per 40 ms: the read timeout answers 408)";
      batch.push_back(std::move(slow));
    }
    stopwatch batch_time;
    run_batch(port, batch, sanitized ? 6000ms : 4000ms);
    const double batch_ms = batch_time.ms();
    for (const auto& c : batch) {
      const auto bad = check_case(c, statuses);
      if (!bad.empty() && ++failures <= 20)
        ADD_FAILURE() << "case seed " << seed_text(c.seed) << " (batch from case " << first << ", " << batch_ms
                      << " ms; " << c.description
                      << (c.half_close ? ", half-closed" : ", left open") << "): " << bad << "\n  sent: \""
                      << escaped(c.payload, 400) << "\"\n  received: \"" << escaped(c.received, 400) << "\"";
    }
    for (const auto& line : server->take_errors()) {
      if (known_bug_line(line)) {
        ++known;
        continue;
      }
      if (++failures <= 20) ADD_FAILURE() << "server error line: " << escaped(line, 400);
    }
    const auto health = health_check(port);
    ASSERT_EQ(health, "") << "after the batch starting at case " << first << " (seed " << seed_text(seeds[first])
                          << ")";
  }
  EXPECT_EQ(failures, 0u);
  EXPECT_TRUE(server->stop_and_join()) << "the server did not stop within 8 s";
  std::string histogram;
  for (const auto& [status, n] : statuses) histogram += " " + std::to_string(status) + ":" + std::to_string(n);
  std::printf("[http_wire_fuzz] %zu connections (%zu left open), %zu failures, %zu handler exceptions from known "
              "bugs (BUG-utf8), %.0f ms\n  statuses:%s\n",
              seeds.size(), half_open, failures, known, total.ms(), histogram.c_str());
}

// Fixed wire inputs with the answer each must get.
TEST(http_wire_fuzz, targeted_wire_inputs_get_the_right_answer) {
  std::unique_ptr<wire_server> server;
  ASSERT_NO_THROW(server = std::make_unique<wire_server>());
  struct row {
    std::string name;
    std::string payload;
    int first_status;  // of the first response; 0 = no response expected
    bool half_close = true;
  };
  const std::vector<row> rows = {
      {"garbage", "\x01\x02\x03 garbage\r\n\r\n", 400},
      {"header over 16 KiB", "GET / HTTP/1.1\r\nX-Big: " + std::string(17'000, 'b') + "\r\n\r\n", 431},
      {"Content-Length beyond the body limit",
       "POST /api/cases/configure HTTP/1.1\r\nHost: x\r\nContent-Length: 1099511627776\r\n\r\n", 413},
      {"Content-Length overflowing 64 bits",
       "POST /api/cases/configure HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
      {"negative Content-Length", "POST /api/cases/configure HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
      {"two different Content-Lengths",
       "POST /api/cases/configure HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400},
      {"bad chunk size", chunked_post("zz\r\n{}\r\n0\r\n\r\n"), 400},
      {"chunk size overflowing 64 bits", chunked_post("ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n"), 400},
      {"chunked body beyond the body limit", chunked_post("200000\r\n"), 413},
      {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 0},
      {"TLS ClientHello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + std::string(32, 'B'), 400},
      {"body cut short, client waits", valid_post().substr(0, valid_post().size() - 5), 408, false},
      {"idle, nothing sent", "", 0, false},
      {"valid then garbage", valid_get() + "\xff\xfe garbage\r\n\r\n", 200},
  };
  for (const auto& r : rows) {
    std::vector<wire_case> one(1);
    one[0].payload = r.payload;
    one[0].half_close = r.half_close;
    run_batch(server->port(), one, sanitized ? 6000ms : 4000ms);
    std::map<int, std::size_t> statuses;
    EXPECT_EQ(check_case(one[0], statuses), "") << r.name << "\n  received: \"" << escaped(one[0].received, 400) << "\"";
    std::vector<parsed_response> responses;
    (void)parse_responses(one[0].received, one[0].reset, responses);
    if (r.first_status == 0) {
      EXPECT_TRUE(responses.empty() || responses[0].status == 400)
          << r.name << ": \"" << escaped(one[0].received, 400) << "\"";
    } else {
      ASSERT_FALSE(responses.empty()) << r.name << ": no response; received \"" << escaped(one[0].received, 400) << "\"";
      EXPECT_EQ(responses[0].status, r.first_status) << r.name << ": \"" << escaped(one[0].received, 400) << "\"";
    }
  }
  for (const auto& line : server->take_errors()) ADD_FAILURE() << "server error line: " << escaped(line, 400);
  EXPECT_EQ(health_check(server->port()), "");
  EXPECT_TRUE(server->stop_and_join());
}

}  // namespace
}  // namespace specgate::fuzz
