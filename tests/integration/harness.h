#pragma once
// Starts the real specgate binary on a free port and talks HTTP/1.1 to it
// over a real socket. Everything is bounded in time: no test can hang.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>
#include "test_paths.h"

namespace specgate::testing {

class specgate_process {
 public:
  // Runs the built specgate with `args`; waits until it says where it listens.
  // open_file_limit > 0: the child's RLIMIT_NOFILE (soft and hard), as `ulimit -n` would set it.
  explicit specgate_process(std::vector<std::string> args, std::chrono::seconds startup = std::chrono::seconds(30),
                            rlim_t open_file_limit = 0) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDERR_FILENO);
      close(fds[0]);
      close(fds[1]);
      if (open_file_limit > 0) {
        const rlimit limit{open_file_limit, open_file_limit};
        setrlimit(RLIMIT_NOFILE, &limit);
      }
      std::vector<char*> argv;
      static std::string binary = specgate::testing::paths::specgate_binary();
      argv.push_back(binary.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    err_fd_ = fds[0];
    reader_ = std::thread([this] {
      char buf[4096];
      for (;;) {
        ssize_t n = read(err_fd_, buf, sizeof buf);
        if (n <= 0) break;
        std::lock_guard lock(mutex_);
        stderr_.append(buf, static_cast<std::size_t>(n));
      }
    });
    const auto deadline = std::chrono::steady_clock::now() + startup;
    static const std::regex listening(R"(listening on https?://[^ ]+:(\d+))");
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mutex_);
        std::smatch m;
        if (std::regex_search(stderr_, m, listening)) {
          port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
          return;
        }
      }
      if (exited()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  ~specgate_process() {
    if (pid_ > 0 && !exit_status_) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (reader_.joinable()) reader_.join();
    if (err_fd_ >= 0) close(err_fd_);
  }

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running() const { return port_ != 0; }
  std::string output() const {
    std::lock_guard lock(mutex_);
    return stderr_;
  }

  // Whether stderr holds `text`, waiting (bounded) for the reader thread to catch up with lines
  // written just before an answer went out.
  bool output_has(const std::string& text, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) const {
    const auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
      if (output().find(text) != std::string::npos) return true;
      if (std::chrono::steady_clock::now() >= until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  bool exited() {
    if (exit_status_) return true;
    int status = 0;
    if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) exit_status_ = status;
    return exit_status_.has_value();
  }

  // Sends a signal and waits (bounded) for the exit code; nullopt if it did not exit.
  std::optional<int> stop(int signal = SIGTERM, std::chrono::seconds wait = std::chrono::seconds(10)) {
    kill(pid_, signal);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      if (exited()) return WIFEXITED(*exit_status_) ? WEXITSTATUS(*exit_status_) : 128 + WTERMSIG(*exit_status_);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }

 private:
  pid_t pid_ = -1;
  int err_fd_ = -1;
  std::uint16_t port_ = 0;
  std::optional<int> exit_status_;
  std::thread reader_;
  mutable std::mutex mutex_;
  std::string stderr_;
};

struct http_reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Sends raw bytes, reads one response (Content-Length framed), bounded by `timeout`.
inline std::optional<http_reply> http_exchange(std::uint16_t port, const std::string& raw,
                                               std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      send(fd, raw.data(), raw.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(raw.size())) {
    close(fd);
    return std::nullopt;
  }
  std::string data;
  char buf[8192];
  std::optional<http_reply> reply;
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
    const std::size_t end = data.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    http_reply r;
    std::size_t line_end = data.find("\r\n");
    r.status = std::stoi(data.substr(9, 3));
    for (std::size_t pos = line_end + 2; pos < end;) {
      std::size_t next = data.find("\r\n", pos);
      std::string line = data.substr(pos, next - pos);
      std::size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      r.headers[name] = line.substr(v);
      pos = next + 2;
    }
    const bool head = raw.rfind("HEAD ", 0) == 0;
    const std::size_t length = head || !r.headers.count("content-length") ? 0 : std::stoul(r.headers["content-length"]);
    if (data.size() - end - 4 < length) continue;
    r.body = data.substr(end + 4, length);
    reply = std::move(r);
    break;
  }
  close(fd);
  return reply;
}

inline std::optional<http_reply> http_request(std::uint16_t port, const std::string& method, const std::string& target,
                                              const std::vector<std::string>& headers = {},
                                              const std::string& body = {}) {
  std::string raw = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& h : headers) raw += h + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
    raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  raw += "\r\n" + body;
  return http_exchange(port, raw);
}

// Runs a Python test server (`python3 SCRIPT 0`) that prints "port N" on stdout once it listens.
class python_server {
 public:
  explicit python_server(const std::string& script) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execlp("python3", "python3", script.c_str(), "0", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    FILE* out = fdopen(fds[0], "r");
    char line[64] = {};
    if (out && std::fgets(line, sizeof line, out)) port_ = static_cast<std::uint16_t>(std::atoi(line + 5));
    if (out) std::fclose(out);
  }
  ~python_server() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  python_server(const python_server&) = delete;
  python_server& operator=(const python_server&) = delete;
  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace specgate::testing
