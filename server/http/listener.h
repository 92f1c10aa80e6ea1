#pragma once
// Internal to server/ (includes Asio): accepts connections, enforces the
// connection cap, owns the SIGINT/SIGTERM signal_set and graceful shutdown.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "server/http/server_state.h"

namespace specgate::server::detail {

class listener : public std::enable_shared_from_this<listener> {
 public:
  // Accepts on contexts[0] and deals connections out to the contexts in turn;
  // drained() runs once when shutdown has closed every connection.
  listener(std::vector<boost::asio::io_context*> contexts, std::shared_ptr<server_state> state,
           std::function<void()> drained);

  // Opens, binds and listens; "" or "cannot listen on <display>: <reason>".
  std::string open(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& display);
  std::uint16_t port() const { return port_; }

  void start_accepting();  // after open()
  void watch_signals();    // SIGINT/SIGTERM -> stop()
  void stop();             // thread-safe, idempotent

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  void on_accept_retry(boost::system::error_code ec);
  void on_signal(boost::system::error_code ec, int signal);
  void do_stop();
  void poll_drain();
  void on_drain_tick(boost::system::error_code ec);

  void finish_drain();

  std::vector<boost::asio::io_context*> contexts_;
  std::size_t next_context_ = 0;
  std::uint64_t accept_failures_ = 0;  // in a row (out of descriptors): logged at the first and on recovery
  std::shared_ptr<server_state> state_;
  std::function<void()> drained_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer timer_;  // accept back-off, then drain polling
  std::chrono::steady_clock::time_point stop_started_{};
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace specgate::server::detail
