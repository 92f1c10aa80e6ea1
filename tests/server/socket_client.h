#pragma once
// A blocking loopback HTTP client with receive/send timeouts for the server tests (so no test can
// hang), and helpers to pick a raw response apart.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace specgate::server::testing {

using namespace std::chrono_literals;

class client {
 public:
  explicit client(std::uint16_t port, std::chrono::milliseconds timeout = 3000ms) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~client() {
    if (fd_ >= 0) ::close(fd_);
  }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Everything until the peer closes (or the timeout: then timed_out() is true).
  std::string read_all() {
    std::string out;
    while (read_more(out)) {
    }
    return out;
  }

  // One response: head up to the blank line, then Content-Length bytes (none if head_only).
  std::string read_response(bool head_only = false) {
    std::size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos)
      if (!read_more(pending_)) return take(pending_.size());
    end += 4;
    std::size_t length = 0;
    if (!head_only) {
      const std::string head = lower(pending_.substr(0, end));
      if (auto p = head.find("\r\ncontent-length:"); p != std::string::npos)
        length = std::stoul(head.substr(p + 17));
    }
    while (pending_.size() < end + length)
      if (!read_more(pending_)) break;
    return take(std::min(pending_.size(), end + length));
  }

  // True if the server closed the connection (EOF or reset) before the timeout.
  bool closed_by_peer() {
    char c;
    const auto n = ::recv(fd_, &c, 1, 0);
    if (n > 0) pending_ += c;
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

  bool timed_out() const { return timed_out_; }

 private:
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  std::string take(std::size_t n) {
    std::string out = pending_.substr(0, n);
    pending_.erase(0, n);
    return out;
  }
  bool read_more(std::string& out) {
    if (&out != &pending_ && !pending_.empty()) {
      out += pending_;
      pending_.clear();
    }
    char buf[16384];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) timed_out_ = true;
    if (n <= 0) return false;
    out.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool timed_out_ = false;
  std::string pending_;
};

inline int status_of(std::string_view response) {
  if (response.size() < 12 || response.substr(0, 5) != "HTTP/") return -1;
  return std::atoi(std::string(response.substr(9, 3)).c_str());
}

inline std::string body_of(const std::string& response) {
  const auto p = response.find("\r\n\r\n");
  return p == std::string::npos ? std::string() : response.substr(p + 4);
}

inline bool has_header(const std::string& response, std::string_view line) {
  const auto head = response.substr(0, response.find("\r\n\r\n") + 2);
  return head.find("\r\n" + std::string(line) + "\r\n") != std::string::npos;
}

inline int count_of(std::string_view haystack, std::string_view needle) {
  int n = 0;
  for (auto p = haystack.find(needle); p != std::string_view::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace specgate::server::testing
