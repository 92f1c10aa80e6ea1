// `specgate proxy` over real sockets: in front of `specgate mock` (no
// violations, byte-identical bodies), in front of a deliberately wrong
// upstream (tests/integration/wrong_upstream.py: every planted violation
// reported with its operation, location and pointer), upstream down, slow and
// dropping the connection, gzip, both enforce modes, recording and report.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "integration/harness.h"
#include "test_paths.h"

namespace specgate::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::string> auth = {"Authorization: ApiKey c2VjcmV0"};

// Runs tests/integration/wrong_upstream.py on a free port.
class python_upstream : public python_server {
 public:
  python_upstream() : python_server(std::string(specgate::testing::paths::source_dir()) + "/tests/integration/wrong_upstream.py") {}
};

json header_json(const http_reply& r, const std::string& name) {
  const std::string text = r.header(name);
  if (text.empty()) return json::array();
  return json::parse(text);
}

// The proxy in front of a mock of the embedded contract.
TEST(proxy, in_front_of_the_mock_answers_byte_identically_without_violations) {
  specgate_process mock({"mock", "--port", "0", "--quiet"});
  ASSERT_TRUE(mock.running()) << mock.output();
  specgate_process proxy(
      {"proxy", "--port", "0", "--upstream", "http://127.0.0.1:" + std::to_string(mock.port())});
  ASSERT_TRUE(proxy.running()) << proxy.output();

  const std::vector<std::pair<std::string, std::string>> gets = {
      {"GET", "/api/fleet/agents/setup"},        {"GET", "/api/cases/tags"},
      {"GET", "/s/dev/api/cases/tags"},          {"GET", "/api/fleet/agents/agent-1"},
      {"GET", "/api/alerting/rule_types"},       {"HEAD", "/api/cases/tags"},
      {"GET", "/api/fleet/agents/available_versions"}};
  for (const auto& [method, target] : gets) {
    auto direct = http_request(mock.port(), method, target, auth);
    auto proxied = http_request(proxy.port(), method, target, auth);
    ASSERT_TRUE(direct && proxied) << method << " " << target << "\n" << proxy.output();
    EXPECT_EQ(proxied->status, direct->status) << target;
    EXPECT_EQ(proxied->body, direct->body) << target;
    EXPECT_EQ(proxied->header("content-type"), direct->header("content-type")) << target;
    EXPECT_EQ(proxied->header("elastic-api-version"), direct->header("elastic-api-version")) << target;
    EXPECT_EQ(proxied->header("kbn-name"), direct->header("kbn-name")) << target;
    EXPECT_EQ(proxied->header("content-length"), direct->header("content-length")) << target;
    EXPECT_EQ(proxied->header("specgate-violations"), "") << target;
    EXPECT_EQ(proxied->header("specgate-response-violations"), "") << target << "\n" << proxy.output();
  }

  // A write with a body, valid: forwarded, answered, no violations.
  auto reassign = http_request(proxy.port(), "POST", "/api/fleet/agents/bulk_reassign",
                               {"kbn-xsrf: true", "Content-Type: application/json", auth[0]},
                               R"({"agents":["a1"],"policy_id":"p1"})");
  ASSERT_TRUE(reassign);
  EXPECT_EQ(reassign->status, 200) << reassign->body;
  EXPECT_EQ(reassign->header("specgate-violations"), "");

  // An invalid request in report mode: forwarded; the upstream (the mock) refuses it with
  // Kibana's 400, which the contract declares: request violations listed, none in the response.
  auto bad = http_request(proxy.port(), "POST", "/api/fleet/agents/bulk_reassign",
                          {"Content-Type: application/json", auth[0]}, R"({"agents":["a1"],"policy_id":"p1"})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  const json found = header_json(*bad, "specgate-violations");
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0]["code"], "xsrf");
  EXPECT_EQ(bad->header("specgate-response-violations"), "");

  // The log line of an exchange names the operation, both statuses and the violations.
  EXPECT_TRUE(proxy.output_has(R"("operationId":"post-fleet-agents-bulk-reassign")")) << proxy.output();
  EXPECT_TRUE(proxy.output_has(R"("upstreamStatus":400)")) << proxy.output();
}

class wrong_upstream : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    upstream_ = new python_upstream();
    proxy_ = new specgate_process({"proxy", "--port", "0", "--upstream", upstream_->url(), "--upstream-timeout",
                                   "1000", "--max-check-bytes", "100000"});
  }
  static void TearDownTestSuite() {
    delete proxy_;
    delete upstream_;
  }
  void SetUp() override {
    ASSERT_NE(upstream_->port(), 0) << "python3 could not start tests/integration/wrong_upstream.py";
    ASSERT_TRUE(proxy_->running()) << proxy_->output();
  }
  static std::optional<http_reply> setup(const std::string& plant) {
    std::vector<std::string> headers = auth;
    if (!plant.empty()) headers.push_back("x-plant: " + plant);
    return http_request(proxy_->port(), "GET", "/api/fleet/agents/setup", headers);
  }
  static python_upstream* upstream_;
  static specgate_process* proxy_;
};
python_upstream* wrong_upstream::upstream_ = nullptr;
specgate_process* wrong_upstream::proxy_ = nullptr;

TEST_F(wrong_upstream, correct_answers_raise_no_alarm) {
  // hapi's content type plus elastic-api-version matches the versioned media type of the document.
  auto r = setup("");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(r->header("specgate-response-violations"), "");
  EXPECT_EQ(r->header("specgate-violations"), "");
  auto tags = http_request(proxy_->port(), "GET", "/api/cases/tags", auth);
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags->body, R"(["a", "b"])");
  EXPECT_EQ(tags->header("specgate-response-violations"), "");
  auto chunked = setup("chunked");
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->status, 200);
  EXPECT_EQ(json::parse(chunked->body)["isReady"], true);
  EXPECT_EQ(chunked->header("specgate-response-violations"), "");
}

TEST_F(wrong_upstream, planted_violations_are_reported_with_operation_location_and_pointer) {
  auto type = setup("type");
  ASSERT_TRUE(type);
  EXPECT_EQ(type->status, 200);  // report mode: the client gets the upstream's answer
  EXPECT_NE(type->body.find(R"("isReady": "yes")"), std::string::npos);
  json found = header_json(*type, "specgate-response-violations");
  ASSERT_EQ(found.size(), 1u) << found.dump();
  EXPECT_EQ(found[0]["location"], "body");
  EXPECT_EQ(found[0]["code"], "type");
  EXPECT_EQ(found[0]["pointer"], "/isReady");

  auto missing = setup("missing");
  ASSERT_TRUE(missing);
  found = header_json(*missing, "specgate-response-violations");
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0]["code"], "required");

  auto status = setup("status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 418);
  found = header_json(*status, "specgate-response-violations");
  ASSERT_EQ(found.size(), 1u) << found.dump();
  EXPECT_EQ(found[0]["location"], "status");

  auto ctype = setup("ctype");
  ASSERT_TRUE(ctype);
  found = header_json(*ctype, "specgate-response-violations");
  ASSERT_EQ(found.size(), 1u) << found.dump();
  EXPECT_EQ(found[0]["location"], "content-type");

  auto extra = setup("extra");
  ASSERT_TRUE(extra);
  found = header_json(*extra, "specgate-response-violations");
  ASSERT_EQ(found.size(), 1u) << found.dump();
  EXPECT_EQ(found[0]["pointer"], "/surprise");

  // The log line carries the operation and the pointer.
  const std::string log = proxy_->output();
  EXPECT_NE(log.find(R"("operationId":"get-fleet-agents-setup")"), std::string::npos);
  EXPECT_NE(log.find(R"("pointer":"/isReady")"), std::string::npos) << log;
}

TEST_F(wrong_upstream, undocumented_requests_are_reported_and_forwarded_with_a_proxy_s_manners) {
  auto r = http_request(proxy_->port(), "GET", "/echo?x=1",
                        {"Connection: close, x-hop", "x-hop: 1", "x-kept: 2", "X-Forwarded-For: 10.0.0.1",
                         "Keep-Alive: timeout=5", "Proxy-Authorization: Basic eA=="});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const json found = header_json(*r, "specgate-violations");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]["code"], "undocumented");
  const json echo = json::parse(r->body);
  EXPECT_EQ(echo["target"], "/echo?x=1");
  std::map<std::string, std::string> h;
  for (const auto& pair : echo["headers"]) {
    std::string name = pair[0];
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    h[name] = pair[1];
  }
  EXPECT_EQ(h["host"], "127.0.0.1:" + std::to_string(upstream_->port()));
  EXPECT_EQ(h["x-forwarded-host"], "127.0.0.1");
  EXPECT_EQ(h["x-forwarded-proto"], "http");
  EXPECT_EQ(h["x-forwarded-for"], "10.0.0.1, 127.0.0.1");
  EXPECT_EQ(h["via"], "1.1 specgate");
  EXPECT_EQ(h["x-kept"], "2");
  EXPECT_EQ(h.count("x-hop"), 0u);
  EXPECT_EQ(h.count("keep-alive"), 0u);
  EXPECT_EQ(h.count("proxy-authorization"), 0u);
}

TEST_F(wrong_upstream, gzip_is_forwarded_as_sent_and_checked_decoded) {
  auto ok = http_request(proxy_->port(), "GET", "/api/fleet/agents/setup",
                         {auth[0], "x-plant: gzip", "Accept-Encoding: gzip"});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->header("content-encoding"), "gzip");
  ASSERT_GE(ok->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(ok->body[0]), 0x1f);  // still gzip on the wire
  EXPECT_EQ(static_cast<unsigned char>(ok->body[1]), 0x8b);
  EXPECT_EQ(ok->header("specgate-response-violations"), "");

  auto bad = http_request(proxy_->port(), "GET", "/api/fleet/agents/setup",
                          {auth[0], "x-plant: gzip-type", "Accept-Encoding: gzip"});
  ASSERT_TRUE(bad);
  const json found = header_json(*bad, "specgate-response-violations");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]["pointer"], "/isReady");
}

TEST_F(wrong_upstream, a_body_past_the_check_limit_passes_unchecked_and_says_so) {
  auto r = setup("big");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_GT(r->body.size(), 200000u);
  EXPECT_TRUE(proxy_->output_has("not checked: too large")) << proxy_->output();
}

TEST_F(wrong_upstream, slow_and_broken_upstreams_get_504_and_502_and_the_proxy_recovers) {
  auto slow = setup("slow");
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->status, 504);
  const json slow_body = json::parse(slow->body);
  EXPECT_EQ(slow_body["statusCode"], 504);
  EXPECT_EQ(slow_body["error"], "Gateway Timeout");
  EXPECT_NE(slow_body["message"].get<std::string>().find(upstream_->url()), std::string::npos) << slow->body;

  auto drop = setup("drop");
  ASSERT_TRUE(drop);
  EXPECT_EQ(drop->status, 502);
  EXPECT_NE(drop->body.find("closed"), std::string::npos) << drop->body;

  auto after = setup("");  // the proxy keeps serving
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

// --- large bodies: streamed both ways --------------------------------------------

// What wrong_upstream.py's pattern_pieces(size) sends.
std::string pattern(std::size_t size) {
  std::string block(65536, '\0');
  for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>((i * 31 + 7) % 256);
  std::string out;
  out.reserve(size);
  while (out.size() < size) out.append(block, 0, std::min(block.size(), size - out.size()));
  return out;
}

// One exchange on a fresh connection read to its end (the connection closes after it): the head
// parsed, the body de-chunked; `complete` says whether the framing was honoured to the end.
struct raw_reply {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  bool complete = false;
};

int connect_to(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

raw_reply read_reply(int fd) {
  std::string data;
  char buf[65536];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  raw_reply r;
  const auto end = data.find("\r\n\r\n");
  if (end == std::string::npos || data.size() < 12) return r;
  r.status = std::stoi(data.substr(9, 3));
  for (std::size_t pos = data.find("\r\n") + 2; pos < end;) {
    const auto next = data.find("\r\n", pos);
    const std::string line = data.substr(pos, next - pos);
    const auto colon = line.find(':');
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = line.substr(std::min(line.size(), colon + 2));
    pos = next + 2;
  }
  std::string_view rest = std::string_view(data).substr(end + 4);
  if (r.headers["transfer-encoding"] == "chunked") {
    for (;;) {
      const auto line_end = rest.find("\r\n");
      if (line_end == std::string_view::npos) return r;
      const std::size_t size = std::stoul(std::string(rest.substr(0, line_end)), nullptr, 16);
      rest.remove_prefix(line_end + 2);
      if (size == 0) {
        r.complete = rest == "\r\n";
        return r;
      }
      if (rest.size() < size + 2) {
        r.body.append(rest.substr(0, std::min(rest.size(), size)));
        return r;
      }
      r.body.append(rest.substr(0, size));
      rest.remove_prefix(size + 2);
    }
  }
  r.body = std::string(rest);
  r.complete = r.headers.count("content-length") && std::stoul(r.headers["content-length"]) == r.body.size();
  return r;
}

raw_reply fetch_bytes(std::uint16_t port, const std::string& plant, std::size_t size) {
  const int fd = connect_to(port);
  if (fd < 0) return {};
  send_all(fd, "GET /bytes HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nx-size: " + std::to_string(size) +
                   "\r\n" + (plant.empty() ? "" : "x-plant: " + plant + "\r\n") + "\r\n");
  return read_reply(fd);
}

// Peak resident memory of a process, kB (VmHWM).
long peak_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

TEST_F(wrong_upstream, a_large_response_is_streamed_byte_identical_with_bounded_memory) {
  // Warm up (threads, pools, first allocations), then measure the peak around a 64 MiB answer.
  auto warm = fetch_bytes(proxy_->port(), "", 4 << 20);
  ASSERT_TRUE(warm.complete);
  const long before = peak_kb(proxy_->pid());
  const std::size_t size = std::size_t{64} << 20;
  auto r = fetch_bytes(proxy_->port(), "", size);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-length"], std::to_string(size));
  EXPECT_EQ(r.headers["content-type"], "application/octet-stream");
  ASSERT_TRUE(r.complete) << r.body.size();
  EXPECT_TRUE(r.body == pattern(size)) << "the streamed body differs from what the upstream sent";
  const long after = peak_kb(proxy_->pid());
  ASSERT_GT(before, 0);
  // Held whole, the body alone would add 64 MiB; streamed, a few 64 KiB pieces.
  EXPECT_LT(after - before, 24 * 1024) << "VmHWM " << before << " kB -> " << after << " kB";
  EXPECT_TRUE(proxy_->output_has("not checked: too large (64.0 MiB > --max-check-bytes")) << proxy_->output();
}

TEST_F(wrong_upstream, a_chunked_response_of_unknown_length_is_streamed_chunked) {
  const std::size_t size = (std::size_t{3} << 20) + 12345;
  auto r = fetch_bytes(proxy_->port(), "chunked", size);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["transfer-encoding"], "chunked");
  EXPECT_EQ(r.headers.count("content-length"), 0u);
  ASSERT_TRUE(r.complete);
  EXPECT_TRUE(r.body == pattern(size));
  EXPECT_TRUE(proxy_->output_has("not checked: too large (more than")) << proxy_->output();

  // Under the limit, a chunked answer is still read whole, checked, and sent with a length.
  auto small = fetch_bytes(proxy_->port(), "chunked", 5000);
  EXPECT_EQ(small.headers["content-length"], "5000");
  EXPECT_TRUE(small.complete && small.body == pattern(5000));
}

TEST_F(wrong_upstream, a_client_gone_or_an_upstream_dead_mid_stream_leaves_the_proxy_serving) {
  const std::size_t size = std::size_t{32} << 20;
  const auto closed_errors = [&] {
    auto m = http_request(proxy_->port(), "GET", "/__specgate/metrics");
    const std::string key = "specgate_upstream_errors_total{kind=\"closed\"} ";
    const auto at = m ? m->body.find(key) : std::string::npos;
    return at == std::string::npos ? 0L : std::stol(m->body.substr(at + key.size()));
  };
  const long errors_before = closed_errors();
  // The client reads a little and leaves.
  const int fd = connect_to(proxy_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, "GET /bytes HTTP/1.1\r\nHost: x\r\nx-size: " + std::to_string(size) + "\r\n\r\n"));
  char buf[65536];
  ASSERT_GT(recv(fd, buf, sizeof buf, 0), 0);
  close(fd);

  // The upstream dies halfway: the head was sent, so the client's connection closes short.
  auto cut = fetch_bytes(proxy_->port(), "drop", size);
  EXPECT_EQ(cut.status, 200);
  EXPECT_FALSE(cut.complete);
  EXPECT_LT(cut.body.size(), size);
  EXPECT_TRUE(cut.body == pattern(cut.body.size()));

  auto next = fetch_bytes(proxy_->port(), "", 1 << 20);
  EXPECT_TRUE(next.complete && next.body == pattern(1 << 20));
  auto after = setup("");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  EXPECT_TRUE(proxy_->output_has("streamed response cut short")) << proxy_->output();
  EXPECT_EQ(closed_errors(), errors_before + 1);  // the upstream's death, not the client's leaving
}

// Sends a POST with `body` (framed by Content-Length, or chunked in 64 KiB chunks) on a fresh
// connection that closes after the exchange, and reads the reply. `send_bytes`: only that much of
// the body is sent (the reply is read with the rest unsent).
raw_reply post_body(std::uint16_t port, const std::string& target, const std::vector<std::string>& headers,
                    const std::string& body, bool chunked = false, std::size_t send_bytes = std::string::npos) {
  const int fd = connect_to(port);
  if (fd < 0) return {};
  std::string head = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& h : headers) head += h + "\r\n";
  head += chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  std::string wire = head;
  if (chunked) {
    for (std::size_t at = 0; at < body.size(); at += 65536) {
      const std::size_t n = std::min<std::size_t>(65536, body.size() - at);
      char size[20];
      std::snprintf(size, sizeof size, "%zx\r\n", n);
      wire += size;
      wire.append(body, at, n);
      wire += "\r\n";
    }
    wire += "0\r\n\r\n";
  } else {
    wire += body;
  }
  const std::size_t upto = send_bytes == std::string::npos ? wire.size() : std::min(wire.size(), head.size() + send_bytes);
  send_all(fd, std::string_view(wire).substr(0, upto));
  return read_reply(fd);
}

long metric_value(std::uint16_t port, const std::string& key) {
  auto m = http_request(port, "GET", "/__specgate/metrics");
  const auto at = m ? m->body.find(key + " ") : std::string::npos;
  return at == std::string::npos ? 0L : std::stol(m->body.substr(at + key.size() + 1));
}

TEST_F(wrong_upstream, a_large_upload_is_streamed_to_the_upstream_byte_identical_with_bounded_memory) {
  auto warm = post_body(proxy_->port(), "/upload", {}, pattern(4 << 20));
  ASSERT_EQ(warm.status, 200) << warm.body;
  const long before = peak_kb(proxy_->pid());
  const std::size_t size = std::size_t{64} << 20;
  auto r = post_body(proxy_->port(), "/upload", {"Content-Type: application/octet-stream"}, pattern(size));
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  const auto got = json::parse(r.body);
  EXPECT_EQ(got["size"], size);
  EXPECT_EQ(got["isPattern"], true) << "the upstream received other bytes than the client sent";
  EXPECT_EQ(got["contentLength"], std::to_string(size));  // the client's length, passed on
  const long after = peak_kb(proxy_->pid());
  ASSERT_GT(before, 0);
  // Held whole, the body alone would add 64 MiB; streamed, a few 64 KiB pieces.
  EXPECT_LT(after - before, 24 * 1024) << "VmHWM " << before << " kB -> " << after << " kB";
  EXPECT_TRUE(proxy_->output_has("not checked: too large (64.0 MiB > --max-check-bytes 0.1 MiB); streamed, body "
                                 "not recorded"))
      << proxy_->output();
}

TEST_F(wrong_upstream, a_chunked_upload_past_the_limit_goes_on_chunked_and_a_small_one_with_a_length) {
  const std::size_t size = (std::size_t{3} << 20) + 12345;
  auto r = post_body(proxy_->port(), "/upload", {}, pattern(size), true);
  ASSERT_EQ(r.status, 200) << r.body;
  auto got = json::parse(r.body);
  EXPECT_EQ(got["size"], size);
  EXPECT_EQ(got["isPattern"], true);
  EXPECT_EQ(got["transferEncoding"], "chunked");
  EXPECT_TRUE(proxy_->output_has("not checked: too large (more than 0.1 MiB, --max-check-bytes); streamed"))
      << proxy_->output();

  auto small = post_body(proxy_->port(), "/upload", {}, pattern(5000), true);
  ASSERT_EQ(small.status, 200) << small.body;
  got = json::parse(small.body);
  EXPECT_EQ(got["size"], 5000);
  EXPECT_EQ(got["isPattern"], true);
  EXPECT_EQ(got["contentLength"], "5000");  // held, checked, and sent with its length
  EXPECT_EQ(got["transferEncoding"], "");
}

TEST_F(wrong_upstream, a_streamed_request_is_still_checked_for_all_but_its_bytes) {
  // A documented write past the check limit, without kbn-xsrf: the body is not judged (it is
  // not JSON at all), everything else is, and the body still reaches the upstream whole.
  std::vector<std::string> headers = auth;
  headers.push_back("Content-Type: application/json");
  headers.push_back("x-plant: upload");
  const std::size_t size = std::size_t{2} << 20;
  auto r = post_body(proxy_->port(), "/api/fleet/agents/bulk_unenroll", headers, pattern(size));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["size"], size);
  const std::string violations = r.headers["specgate-violations"];
  EXPECT_NE(violations.find("xsrf"), std::string::npos) << violations;
  EXPECT_NE(violations.find("payload_too_large"), std::string::npos) << violations;  // Kibana's 1 MiB maxPayload
  EXPECT_EQ(violations.find("malformed_json"), std::string::npos) << violations;
}

TEST_F(wrong_upstream, an_upstream_answering_before_the_upload_ends_is_heard_and_the_rest_not_sent) {
  const std::size_t size = std::size_t{8} << 20;
  auto r = post_body(proxy_->port(), "/upload", {"x-plant: refuse-early"}, pattern(size), false, 1 << 20);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_NE(r.body.find("Payload content length greater than maximum allowed"), std::string::npos) << r.body;
  EXPECT_EQ(r.headers["connection"], "close");
  auto after = setup("");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST_F(wrong_upstream, a_client_leaving_mid_upload_is_logged_not_counted_against_the_upstream) {
  const long errors_before = metric_value(proxy_->port(), "specgate_upstream_errors_total{kind=\"closed\"}");
  const int fd = connect_to(proxy_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 8000000\r\n\r\n" + pattern(1 << 20)));
  close(fd);
  EXPECT_TRUE(proxy_->output_has("the client's request body broke off")) << proxy_->output();
  EXPECT_EQ(metric_value(proxy_->port(), "specgate_upstream_errors_total{kind=\"closed\"}"), errors_before);
  auto next = post_body(proxy_->port(), "/upload", {}, pattern(300000));
  ASSERT_EQ(next.status, 200);
  EXPECT_EQ(json::parse(next.body)["isPattern"], true);

  // Declared past --max-body-bytes (256 MiB): refused at once, nothing forwarded.
  const int big = connect_to(proxy_->port());
  ASSERT_TRUE(send_all(big, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 300000000\r\n\r\n"));
  EXPECT_EQ(read_reply(big).status, 413);
}

TEST(proxy, upstream_down_is_a_502_naming_the_upstream_and_recovers_when_it_comes_back) {
  // Take a free port, then leave it closed.
  std::uint16_t port = 0;
  {
    python_upstream probe;
    port = probe.port();
  }
  ASSERT_NE(port, 0);
  specgate_process proxy({"proxy", "--port", "0", "--upstream", "http://127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(proxy.running()) << proxy.output();
  auto down = http_request(proxy.port(), "GET", "/api/cases/tags", auth);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 502);
  const json body = json::parse(down->body);
  EXPECT_EQ(body["statusCode"], 502);
  EXPECT_EQ(body["error"], "Bad Gateway");
  const std::string message = body["message"];
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << message;
  EXPECT_NE(message.find("refused"), std::string::npos) << message;

  // The upstream comes back on that port: the next request goes through.
  specgate_process mock({"mock", "--port", std::to_string(port), "--quiet"});
  ASSERT_TRUE(mock.running()) << mock.output();
  auto up = http_request(proxy.port(), "GET", "/api/cases/tags", auth);
  ASSERT_TRUE(up);
  EXPECT_EQ(up->status, 200);
}

TEST(proxy, enforce_refuses_invalid_requests_and_replaces_invalid_responses) {
  python_upstream upstream;
  ASSERT_NE(upstream.port(), 0);
  specgate_process proxy({"proxy", "--port", "0", "--upstream", upstream.url(), "--enforce"});
  ASSERT_TRUE(proxy.running()) << proxy.output();
  // No kbn-xsrf on a write: Kibana's own 400, never forwarded (the upstream would answer 404 JSON).
  auto refused = http_request(proxy.port(), "POST", "/api/fleet/agents/bulk_reassign",
                              {"Content-Type: application/json", auth[0]}, R"({"agents":["a1"],"policy_id":"p1"})");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(json::parse(refused->body)["message"], "Request must contain a kbn-xsrf header.");
  // An invalid response: 502 listing the violations.
  auto replaced = http_request(proxy.port(), "GET", "/api/fleet/agents/setup", {auth[0], "x-plant: type"});
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->status, 502);
  const json body = json::parse(replaced->body);
  EXPECT_EQ(body["error"], "Bad Gateway");
  ASSERT_TRUE(body["attributes"]["violations"].is_array());
  EXPECT_EQ(body["attributes"]["violations"][0]["pointer"], "/isReady");
  // A streamed body (past --max-check-bytes, 8 MiB) is refused on its header alone, its body never
  // forwarded (the upstream would answer 200 with the size it read): Kibana's 413 comes first.
  auto streamed = post_body(proxy.port(), "/api/fleet/agents/bulk_reassign",
                            {"Content-Type: application/json", auth[0], "x-plant: upload"}, pattern(9 << 20), false,
                            1 << 20);
  EXPECT_EQ(streamed.status, 413) << streamed.body;
  EXPECT_EQ(json::parse(streamed.body)["message"], "Payload content length greater than maximum allowed: 1048576");
  EXPECT_EQ(streamed.headers["connection"], "close");  // the rest of its body is not read
  // A valid one passes untouched.
  auto fine = http_request(proxy.port(), "GET", "/api/fleet/agents/setup", auth);
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->status, 200);

  specgate_process requests_only(
      {"proxy", "--port", "0", "--upstream", upstream.url(), "--enforce=requests"});
  ASSERT_TRUE(requests_only.running()) << requests_only.output();
  auto reported = http_request(requests_only.port(), "GET", "/api/fleet/agents/setup", {auth[0], "x-plant: type"});
  ASSERT_TRUE(reported);
  EXPECT_EQ(reported->status, 200);  // responses are only reported
  EXPECT_NE(reported->header("specgate-response-violations"), "");
}

TEST(proxy, records_har_with_secrets_redacted_and_writes_the_report_on_sigterm) {
  python_upstream upstream;
  ASSERT_NE(upstream.port(), 0);
  const fs::path dir = fs::temp_directory_path() / ("specgate-proxy-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string har = (dir / "traffic.har").string();
  const std::string report = (dir / "report.json").string();
  specgate_process proxy({"proxy", "--port", "0", "--upstream", upstream.url(), "--record", har, "--report", report,
                          "--redact-header", "x-secret"});
  ASSERT_TRUE(proxy.running()) << proxy.output();
  ASSERT_TRUE(http_request(proxy.port(), "GET", "/api/fleet/agents/setup",
                           {"Authorization: ApiKey c2VjcmV0", "Cookie: sid=abc", "x-secret: hush", "kbn-xsrf: yes"}));
  ASSERT_TRUE(http_request(proxy.port(), "GET", "/api/fleet/agents/setup", {auth[0], "x-plant: type"}));
  ASSERT_TRUE(http_request(proxy.port(), "GET", "/echo?api_key=topsecret", auth));
  ASSERT_EQ(proxy.stop(SIGTERM), 0) << proxy.output();

  std::ifstream in(har);
  std::stringstream text;
  text << in.rdbuf();
  const json doc = json::parse(text.str());
  const json& entries = doc["log"]["entries"];
  ASSERT_EQ(entries.size(), 3u);
  // Secrets anywhere but in bodies (the echo upstream reflects the request in its body, which a
  // recording keeps as sent).
  std::string all;
  for (const auto& e : entries) {
    all += e["request"]["url"].get<std::string>();
    all += e["request"]["headers"].dump() + e["request"]["queryString"].dump() + e["response"]["headers"].dump();
  }
  EXPECT_EQ(all.find("c2VjcmV0"), std::string::npos);
  EXPECT_EQ(all.find("sid=abc"), std::string::npos);
  EXPECT_EQ(all.find("hush"), std::string::npos);
  EXPECT_EQ(all.find("topsecret"), std::string::npos);
  EXPECT_NE(all.find("kbn-xsrf"), std::string::npos);
  EXPECT_EQ(entries[0]["_operationId"], "get-fleet-agents-setup");
  EXPECT_EQ(entries[1]["_violations"]["response"][0]["pointer"], "/isReady");

  std::ifstream rin(report);
  std::stringstream rtext;
  rtext << rin.rdbuf();
  const json r = json::parse(rtext.str());
  EXPECT_EQ(r["summary"]["exchanges"], 3);
  std::ifstream junit(dir / "report.xml");
  std::stringstream jtext;
  jtext << junit.rdbuf();
  EXPECT_NE(jtext.str().find("get-fleet-agents-setup"), std::string::npos);
  EXPECT_NE(jtext.str().find("<failure"), std::string::npos);
  fs::remove_all(dir);
}

// A self-signed certificate made at test time with the openssl command.
struct test_certificate {
  explicit test_certificate(const std::string& san) {
    dir = fs::temp_directory_path() / ("specgate-proxy-tls-" + std::to_string(getpid()) + "-" + std::to_string(count++));
    fs::create_directories(dir);
    const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                            "-subj /CN=specgate-test -addext 'subjectAltName=" + san + "' -keyout '" + key() +
                            "' -out '" + cert() + "' >/dev/null 2>&1";
    ok = std::system(cmd.c_str()) == 0 && fs::exists(cert());
  }
  ~test_certificate() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string cert() const { return (dir / "cert.pem").string(); }
  std::string key() const { return (dir / "key.pem").string(); }
  static inline int count = 0;
  fs::path dir;
  bool ok = false;
};

TEST(proxy, https_upstream_is_verified_unless_insecure) {
  test_certificate good("DNS:localhost,IP:127.0.0.1");
  test_certificate other("DNS:other.example");
  if (!good.ok || !other.ok) GTEST_SKIP() << "the openssl command could not make a certificate";
  specgate_process mock({"mock", "--port", "0", "--quiet", "--tls-cert", good.cert(), "--tls-key", good.key()});
  ASSERT_TRUE(mock.running()) << mock.output();
  const std::string url = "https://127.0.0.1:" + std::to_string(mock.port());

  specgate_process trusted({"proxy", "--port", "0", "--quiet", "--upstream", url, "--upstream-ca", good.cert()});
  ASSERT_TRUE(trusted.running()) << trusted.output();
  auto ok = http_request(trusted.port(), "GET", "/api/cases/tags", auth);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(ok->header("specgate-response-violations"), "");

  specgate_process untrusted({"proxy", "--port", "0", "--quiet", "--upstream", url});
  ASSERT_TRUE(untrusted.running()) << untrusted.output();
  auto refused = http_request(untrusted.port(), "GET", "/api/cases/tags", auth);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 502);
  EXPECT_NE(refused->body.find("certificate"), std::string::npos) << refused->body;

  // Trusted CA, wrong name: the mock's certificate names only other.example.
  specgate_process wrong_name_mock({"mock", "--port", "0", "--quiet", "--tls-cert", other.cert(), "--tls-key", other.key()});
  ASSERT_TRUE(wrong_name_mock.running()) << wrong_name_mock.output();
  specgate_process mismatch({"proxy", "--port", "0", "--quiet", "--upstream",
                             "https://127.0.0.1:" + std::to_string(wrong_name_mock.port()), "--upstream-ca", other.cert()});
  ASSERT_TRUE(mismatch.running()) << mismatch.output();
  auto mismatched = http_request(mismatch.port(), "GET", "/api/cases/tags", auth);
  ASSERT_TRUE(mismatched);
  EXPECT_EQ(mismatched->status, 502) << mismatched->body;

  specgate_process insecure({"proxy", "--port", "0", "--quiet", "--upstream", url, "--insecure"});
  ASSERT_TRUE(insecure.running()) << insecure.output();
  auto anyway = http_request(insecure.port(), "GET", "/api/cases/tags", auth);
  ASSERT_TRUE(anyway);
  EXPECT_EQ(anyway->status, 200);

  // An unreadable --upstream-ca is a usage error naming the file.
  specgate_process bad_ca({"proxy", "--port", "0", "--upstream", url, "--upstream-ca", "/nonexistent/ca.pem"},
                          std::chrono::seconds(10));
  EXPECT_FALSE(bad_ca.running());
  EXPECT_EQ(bad_ca.stop(SIGTERM), 2);
  EXPECT_TRUE(bad_ca.output_has("/nonexistent/ca.pem")) << bad_ca.output();  // waits for the reader
}

TEST(proxy, bad_upstream_urls_are_usage_errors) {
  for (const std::string url : {"ftp://127.0.0.1:21", "http://", "127.0.0.1:5601", "http://h:5601/x?y=1"}) {
    specgate_process p({"proxy", "--port", "0", "--upstream", url}, std::chrono::seconds(10));
    EXPECT_FALSE(p.running()) << url;
    EXPECT_EQ(p.stop(SIGTERM), 2) << url << "\n" << p.output();
    EXPECT_NE(p.output().find("--upstream"), std::string::npos) << p.output();
  }
}

}  // namespace
}  // namespace specgate::testing
