// Overload and faults over real loopback sockets: a thousand keep-alive connections, the connection
// cap (--max-connections), slow clients and the header/body deadlines, and a broken upstream behind
// the proxy; memory (VmHWM) is printed for bench/RESULTS.md.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "test_paths.h"
#include "test_support.h"

namespace specgate::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

const std::string auth = "Authorization: ApiKey c29tZTprZXk=";
const std::string tags_request = "GET /api/cases/tags HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "\r\n\r\n";

// A client connection to 127.0.0.1:port, every receive bounded by a timeout.
class connection {
 public:
  explicit connection(std::uint16_t port, std::chrono::milliseconds timeout = 10s) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~connection() {
    if (fd_ >= 0) close(fd_);
  }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  connection(connection&& o) noexcept : fd_(std::exchange(o.fd_, -1)), data_(std::move(o.data_)) {}

  bool ok() const { return fd_ >= 0; }
  bool send(const std::string& bytes) {
    return fd_ >= 0 && ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // Reads one Content-Length framed response; status 0 when the connection closed or timed out first.
  http_reply read_reply() {
    http_reply r;
    for (;;) {
      const std::size_t end = data_.find("\r\n\r\n");
      if (end != std::string::npos) {
        r = parse_head(end);
        const std::size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
        if (data_.size() - end - 4 >= length) {
          r.body = data_.substr(end + 4, length);
          data_.erase(0, end + 4 + length);
          return r;
        }
      }
      char buf[16384];
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return {};
      data_.append(buf, static_cast<std::size_t>(n));
    }
  }
  // Whether the peer closed (recv returns 0) within the receive timeout.
  bool closed_by_peer() {
    char c;
    return recv(fd_, &c, 1, 0) == 0;
  }

 private:
  http_reply parse_head(std::size_t end) const {
    http_reply r;
    r.status = std::stoi(data_.substr(9, 3));
    for (std::size_t pos = data_.find("\r\n") + 2; pos < end;) {
      const std::size_t next = data_.find("\r\n", pos);
      const std::string line = data_.substr(pos, next - pos);
      const std::size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      r.headers[name] = line.substr(v);
      pos = next + 2;
    }
    return r;
  }
  int fd_ = -1;
  std::string data_;
};

// Peak resident memory of a process in KiB (VmHWM), 0 when unreadable.
long vm_hwm_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

std::vector<connection> open_connections(std::uint16_t port, std::size_t n) {
  std::vector<connection> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.emplace_back(port);
  return out;
}

// Sends one request on every connection, then reads every answer; returns how many were 200.
std::size_t round_trip_all(std::vector<connection>& conns) {
  for (auto& c : conns) c.send(tags_request);
  std::size_t ok = 0;
  for (auto& c : conns) ok += c.read_reply().status == 200 ? 1 : 0;
  return ok;
}

// p99 latency of `n` sequential requests on one keep-alive connection (0 when one failed).
std::chrono::microseconds p99_of_requests(std::uint16_t port, std::size_t n);

// The lowest of five p99 figures taken 50 ms apart: a burst of another process on the shared
// machine spoils a run, a delay the server itself causes shows in all five.
std::chrono::microseconds best_p99_of_five(std::uint16_t port, std::size_t n) {
  auto best = p99_of_requests(port, n);
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(50ms);  // spacing, not synchronisation
    best = std::min(best, p99_of_requests(port, n));
  }
  return best;
}

std::chrono::microseconds p99_of_requests(std::uint16_t port, std::size_t n) {
  connection c(port);
  std::vector<std::chrono::microseconds> took;
  for (std::size_t i = 0; i < n; ++i) {
    const auto t0 = clock_type::now();
    if (!c.send(tags_request) || c.read_reply().status != 200) return {};
    took.push_back(std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t0));
  }
  std::sort(took.begin(), took.end());
  return took[std::min(took.size() - 1, took.size() * 99 / 100)];
}

// The status of a new connection's request once the server has seen closed connections go (it
// notices asynchronously): retried while 503, for at most 5 s.
int status_once_room(std::uint16_t port) {
  const auto until = clock_type::now() + 5s;
  int status = 0;
  while (clock_type::now() < until) {
    connection c(port);
    c.send(tags_request);
    status = c.read_reply().status;
    if (status != 503) break;
    std::this_thread::sleep_for(20ms);
  }
  return status;
}

long metric(std::uint16_t port, const std::string& key) {
  auto m = http_request(port, "GET", "/__specgate/metrics");
  const auto at = m ? m->body.find(key + " ") : std::string::npos;
  return at == std::string::npos ? 0L : std::stol(m->body.substr(at + key.size() + 1));
}

// --- many connections ---------------------------------------------------------------

TEST(overload, a_thousand_concurrent_keep_alive_connections_are_all_served) {
  specgate_process mock({"mock", "--port", "0", "--quiet"});
  ASSERT_TRUE(mock.running()) << mock.output();
  const long quiet_hwm = vm_hwm_kib(mock.pid());
  auto conns = open_connections(mock.port(), 1000);
  ASSERT_EQ(std::count_if(conns.begin(), conns.end(), [](const connection& c) { return c.ok(); }), 1000);
  EXPECT_EQ(round_trip_all(conns), 1000u);
  EXPECT_EQ(round_trip_all(conns), 1000u);  // the same connections again: kept alive
  const long hwm = vm_hwm_kib(mock.pid());
  std::printf("[ figures  ] mock VmHWM: %ld KiB started, %ld KiB with 1000 keep-alive connections\n", quiet_hwm, hwm);
  if (!sanitized_build) {
    EXPECT_LT(hwm, quiet_hwm + 200 * 1024) << "more than 200 KiB per connection";
  }
}

TEST(overload, the_proxy_serves_a_thousand_concurrent_keep_alive_connections_with_bounded_memory) {
  specgate_process mock({"mock", "--port", "0", "--quiet"});
  ASSERT_TRUE(mock.running()) << mock.output();
  // Recording too: its bounded queue is part of the memory measured.
  const auto har = std::filesystem::temp_directory_path() / ("specgate-overload-" + std::to_string(getpid()) + ".har");
  specgate_process proxy({"proxy", "--port", "0", "--quiet", "--upstream", "http://127.0.0.1:" + std::to_string(mock.port()),
                          "--record", har.string()});
  ASSERT_TRUE(proxy.running()) << proxy.output();
  const long quiet_hwm = vm_hwm_kib(proxy.pid());
  auto conns = open_connections(proxy.port(), 1000);
  ASSERT_EQ(std::count_if(conns.begin(), conns.end(), [](const connection& c) { return c.ok(); }), 1000);
  EXPECT_EQ(round_trip_all(conns), 1000u);
  EXPECT_EQ(round_trip_all(conns), 1000u);
  const long hwm = vm_hwm_kib(proxy.pid());
  std::printf("[ figures  ] proxy VmHWM: %ld KiB started, %ld KiB with 1000 keep-alive connections; mock behind: %ld KiB\n",
              quiet_hwm, hwm, vm_hwm_kib(mock.pid()));
  if (!sanitized_build) {
    EXPECT_LT(hwm, quiet_hwm + 200 * 1024) << "more than 200 KiB per connection";
  }
  EXPECT_EQ(proxy.stop(), 0);
  std::ifstream in(har);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t entries = 0;
  for (auto at = text.find("\"startedDateTime\""); at != std::string::npos; at = text.find("\"startedDateTime\"", at + 1))
    ++entries;
  EXPECT_EQ(entries, 2000u);  // every exchange recorded (none dropped by the bounded queue)
  std::filesystem::remove(har);
}

TEST(overload, a_recording_that_cannot_keep_up_holds_at_most_its_queue_budget_and_counts_what_it_drops) {
  // The HAR goes into a pipe that nobody reads until the end: the recorder's thread blocks on its
  // first write while the traffic goes on.
  const auto fifo = std::filesystem::temp_directory_path() / ("specgate-overload-" + std::to_string(getpid()) + ".fifo");
  std::filesystem::remove(fifo);
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  specgate_process mock({"mock", "--port", "0", "--quiet"});
  ASSERT_TRUE(mock.running()) << mock.output();
  specgate_process proxy({"proxy", "--port", "0", "--quiet", "--upstream", "http://127.0.0.1:" + std::to_string(mock.port()),
                          "--record", fifo.string(), "--record-queue-mb", "16"});
  ASSERT_TRUE(proxy.running()) << proxy.output();
  const long quiet_hwm = vm_hwm_kib(proxy.pid());

  const std::string body = R"({"title":")" + std::string(512 * 1024, 'a') + R"("})";
  const std::string request = "POST /api/cases HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
                              "\r\nkbn-xsrf: x\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  constexpr int total = 200;  // 100 MiB of request bodies against a 16 MiB queue
  connection c(proxy.port());
  int answered = 0;
  for (int i = 0; i < total; ++i) {
    ASSERT_TRUE(c.send(request));
    answered += c.read_reply().status != 0 ? 1 : 0;
  }
  EXPECT_EQ(answered, total);  // the traffic never waited for the recording
  const long hwm = vm_hwm_kib(proxy.pid());
  const auto metrics = http_request(proxy.port(), "GET", "/__specgate/metrics");
  ASSERT_TRUE(metrics);
  const std::string key = "\nspecgate_recorder_dropped_total ";
  const auto at = metrics->body.find(key);
  ASSERT_NE(at, std::string::npos) << metrics->body;
  const long dropped = std::stol(metrics->body.substr(at + key.size()));
  std::printf("[ figures  ] proxy VmHWM %ld KiB started, %ld KiB after %d exchanges of 512 KiB with the recording "
              "blocked (queue budget 16 MiB); %ld dropped and counted\n",
              quiet_hwm, hwm, total, dropped);
  EXPECT_GT(dropped, total / 2);
  EXPECT_LT(dropped, total);
  if (!sanitized_build) {
    EXPECT_LT(hwm, quiet_hwm + 64 * 1024) << "the queue held more than its budget";
  }

  // The reader catches up: the proxy stops cleanly, the HAR holds every exchange it did not drop.
  std::string har;
  std::thread drain([&] {
    fcntl(reader, F_SETFL, fcntl(reader, F_GETFL) & ~O_NONBLOCK);
    char buf[65536];
    for (ssize_t n; (n = read(reader, buf, sizeof buf)) > 0;) har.append(buf, static_cast<std::size_t>(n));
  });
  EXPECT_EQ(proxy.stop(SIGTERM, 60s), 0);
  drain.join();
  close(reader);
  std::filesystem::remove(fifo);
  const auto parsed = json::parse(har, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << har.substr(0, 200);
  EXPECT_EQ(static_cast<long>(parsed["log"]["entries"].size()) + dropped, total);
  EXPECT_TRUE(proxy.output_has("queue was full for " + std::to_string(dropped) + " exchange(s)")) << proxy.output();
}

TEST(overload, beyond_max_connections_new_connections_get_a_quick_503_while_existing_ones_are_served) {
  specgate_process mock({"mock", "--port", "0", "--quiet", "--max-connections", "50"});
  ASSERT_TRUE(mock.running()) << mock.output();
  auto held = open_connections(mock.port(), 50);
  ASSERT_EQ(round_trip_all(held), 50u);  // all 50 accepted and counted
  for (int i = 0; i < 10; ++i) {
    const auto t0 = clock_type::now();
    connection extra(mock.port());
    ASSERT_TRUE(extra.ok());
    ASSERT_TRUE(extra.send(tags_request));
    auto r = extra.read_reply();
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.header("connection"), "close");
    EXPECT_NE(r.body.find("at most 50"), std::string::npos) << r.body;
    EXPECT_LT(clock_type::now() - t0, 1s);
    EXPECT_TRUE(extra.closed_by_peer());
  }
  EXPECT_EQ(round_trip_all(held), 50u);
  while (held.size() > 10) held.pop_back();  // 40 leave: room again
  EXPECT_EQ(status_once_room(mock.port()), 200);
}

TEST(overload, a_low_open_file_limit_lowers_the_cap_with_a_warning_and_running_out_of_descriptors_does_not_stop_accepting) {
  // Not under the sanitizers: their runtime needs descriptors of its own. UBSan's vptr check, when
  // its type cache misses, tests the object's memory by writing it into a pipe(); out of
  // descriptors, pipe() fails and UBSan reports "object has invalid vptr" on a live session (seen
  // here: the ASan+UBSan build, http_session's destructor). The plain build runs it.
  if (sanitized_build) GTEST_SKIP() << "out of descriptors, the sanitizer runtime itself misreports";
  // As under `ulimit -n 200`: the soft limit cannot be raised, so 10,000 connections do not fit.
  specgate_process mock({"mock", "--port", "0", "--quiet", "--threads", "2"}, 30s, 200);
  ASSERT_TRUE(mock.running()) << mock.output();
  const std::string warning = "open-file limit 200 (hard limit 200) is below the 10064 descriptors";
  EXPECT_TRUE(mock.output_has(warning)) << mock.output();
  EXPECT_TRUE(mock.output_has("accepting at most 136 connections")) << mock.output();

  auto held = open_connections(mock.port(), 136);
  ASSERT_EQ(round_trip_all(held), 136u);
  // 100 more at once: 503s, though the 64 spare descriptors run out while the first rejected
  // connections linger; accept() then fails with EMFILE, backs off and resumes.
  auto extra = open_connections(mock.port(), 100);
  for (auto& c : extra) c.send(tags_request);
  std::size_t rejected = 0;
  for (auto& c : extra) rejected += c.read_reply().status == 503 ? 1 : 0;
  EXPECT_EQ(rejected, 100u);
  EXPECT_EQ(round_trip_all(held), 136u);
  extra.clear();
  held.clear();
  EXPECT_EQ(status_once_room(mock.port()), 200);
  // One line per episode of failures, not one per retry.
  const std::string out = mock.output();
  std::size_t failures = 0;
  for (auto at = out.find("accept failed"); at != std::string::npos; at = out.find("accept failed", at + 1)) ++failures;
  std::printf("[ figures  ] accept-failure episodes logged: %zu\n", failures);
  EXPECT_LE(failures, 10u) << out;
}

// --- slow clients ------------------------------------------------------------------------

TEST(overload, a_slowloris_is_cut_at_the_header_deadline_and_a_slow_body_at_the_read_deadline) {
  specgate_process mock({"mock", "--port", "0", "--quiet", "--header-timeout", "1000", "--read-timeout", "3000"});
  ASSERT_TRUE(mock.running()) << mock.output();

  // A header byte every 100 ms never finishes: 408 at the header deadline, not the read deadline.
  connection slow(mock.port());
  const auto t0 = clock_type::now();
  ASSERT_TRUE(slow.send("GET /api/cases/tags HTTP/1.1\r\n"));
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    while (!done.load() && slow.send("x")) std::this_thread::sleep_for(100ms);
  });
  auto r = slow.read_reply();
  const auto took = clock_type::now() - t0;
  done = true;
  trickle.join();
  EXPECT_EQ(r.status, 408);
  EXPECT_NE(r.body.find("header timeout of 1000 ms"), std::string::npos) << r.body;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 2500ms);

  // The header is complete; the body trickles: it has the whole read deadline.
  connection body(mock.port());
  const auto t1 = clock_type::now();
  ASSERT_TRUE(body.send("POST /api/cases HTTP/1.1\r\nHost: x\r\n" + auth +
                        "\r\nkbn-xsrf: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"));
  auto rb = body.read_reply();
  const auto took_body = clock_type::now() - t1;
  EXPECT_EQ(rb.status, 408);
  EXPECT_NE(rb.body.find("read timeout of 3000 ms"), std::string::npos) << rb.body;
  EXPECT_GE(took_body, 2900ms);
  EXPECT_LT(took_body, 5s);
}

TEST(overload, hundreds_of_trickling_and_idle_clients_do_not_delay_normal_requests) {
  specgate_process mock({"mock", "--port", "0", "--quiet"});
  ASSERT_TRUE(mock.running()) << mock.output();
  p99_of_requests(mock.port(), 200);  // warm-up
  const auto quiet = best_p99_of_five(mock.port(), 200);
  ASSERT_GT(quiet.count(), 0);

  auto idle = open_connections(mock.port(), 125);
  auto trickling = open_connections(mock.port(), 125);
  for (auto& c : trickling) c.send("GET /api/cases/tags HTTP/1.1\r\n");
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    // Each slow client sends a byte every ~50 ms, the 125 of them spread over that time as
    // independent clients would be (not all at once).
    while (!done.load())
      for (auto& c : trickling) {
        c.send("x");
        std::this_thread::sleep_for(400us);
      }
  });
  std::this_thread::sleep_for(200ms);  // let the trickle run a few rounds before measuring
  const auto loaded = best_p99_of_five(mock.port(), 200);
  const long hwm = vm_hwm_kib(mock.pid());
  done = true;
  trickle.join();
  std::printf("[ figures  ] p99 quiet %lld us, with 250 slow clients %lld us; VmHWM %ld KiB\n",
              static_cast<long long>(quiet.count()), static_cast<long long>(loaded.count()), hwm);
  ASSERT_GT(loaded.count(), 0);
  // 2x the quiet figure, plus 1 ms for the scheduler of a shared 2-core machine.
  if (!sanitized_build) {
    EXPECT_LE(loaded, 2 * quiet + 1ms);
  }
}

// --- proxy faults ------------------------------------------------------------------------

class python_upstream : public python_server {
 public:
  python_upstream() : python_server(std::string(specgate::testing::paths::source_dir()) + "/tests/integration/wrong_upstream.py") {}
};

std::optional<http_reply> setup_request(std::uint16_t port, const std::string& plant) {
  std::vector<std::string> headers = {auth};
  if (!plant.empty()) headers.push_back("x-plant: " + plant);
  return http_request(port, "GET", "/api/fleet/agents/setup", headers);
}

std::string errors_key(const std::string& kind) { return "specgate_upstream_errors_total{kind=\"" + kind + "\"}"; }

TEST(overload, upstream_reset_garbage_and_hang_after_headers_are_clean_502_504_counted_and_the_proxy_recovers) {
  python_upstream upstream;
  ASSERT_NE(upstream.port(), 0);
  specgate_process proxy({"proxy", "--port", "0", "--quiet", "--upstream", upstream.url(), "--upstream-timeout", "1000"});
  ASSERT_TRUE(proxy.running()) << proxy.output();
  struct fault {
    std::string plant;
    int status;
    std::string kind;
  };
  for (const fault& f : {fault{"reset", 502, "closed"}, fault{"garbage", 502, "protocol"}, fault{"hang", 504, "timeout"}}) {
    SCOPED_TRACE(f.plant);
    const long before = metric(proxy.port(), errors_key(f.kind));
    auto r = setup_request(proxy.port(), f.plant);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, f.status);
    const json body = json::parse(r->body);
    EXPECT_EQ(body["statusCode"], f.status);
    EXPECT_NE(body["message"].get<std::string>().find(upstream.url()), std::string::npos) << r->body;
    EXPECT_EQ(metric(proxy.port(), errors_key(f.kind)), before + 1);
    auto good = setup_request(proxy.port(), "");
    ASSERT_TRUE(good);
    EXPECT_EQ(good->status, 200);
  }
}

TEST(overload, tls_handshake_and_dns_failures_are_clean_502s_counted_and_the_proxy_keeps_serving) {
  python_upstream plain;  // speaks HTTP, not TLS
  ASSERT_NE(plain.port(), 0);
  struct fault {
    std::string upstream;
    std::string kind;
    std::string says;
  };
  for (const fault& f : {fault{"https://127.0.0.1:" + std::to_string(plain.port()), "tls", "TLS"},
                         fault{"http://specgate-no-such-host.invalid:5601", "dns", "specgate-no-such-host.invalid"}}) {
    SCOPED_TRACE(f.upstream);
    specgate_process proxy({"proxy", "--port", "0", "--quiet", "--upstream", f.upstream, "--upstream-timeout", "2000"});
    ASSERT_TRUE(proxy.running()) << proxy.output();
    for (int i = 1; i <= 2; ++i) {  // the second fails the same clean way: nothing left broken
      auto r = setup_request(proxy.port(), "");
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 502);
      const json body = json::parse(r->body);
      EXPECT_EQ(body["statusCode"], 502);
      EXPECT_NE(body["message"].get<std::string>().find(f.says), std::string::npos) << r->body;
      EXPECT_EQ(metric(proxy.port(), errors_key(f.kind)), i);
    }
  }
}

}  // namespace
}  // namespace specgate::testing
