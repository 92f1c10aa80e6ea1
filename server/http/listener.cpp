#include "server/http/listener.h"

#include <csignal>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "server/http/http_session.h"

namespace specgate::server::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {
constexpr std::chrono::milliseconds accept_backoff{50};
constexpr std::chrono::milliseconds drain_tick{20};
}  // namespace

listener::listener(std::vector<net::io_context*> contexts, std::shared_ptr<server_state> state,
                   std::function<void()> drained)
    : contexts_(std::move(contexts)),
      state_(std::move(state)),
      drained_(std::move(drained)),
      strand_(net::make_strand(*contexts_.front())),
      acceptor_(strand_),
      signals_(strand_),
      timer_(strand_) {}

std::string listener::open(const tcp::endpoint& endpoint, const std::string& display) {
  error_code ec;
  auto fail = [&](const error_code& e) { return "cannot listen on " + display + ": " + e.message(); };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail(ec);
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail(ec);
  acceptor_.bind(endpoint, ec);
  if (ec) return fail(ec);
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail(ec);
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return fail(ec);
  return {};
}

void listener::start_accepting() { net::post(strand_, beast::bind_front_handler(&listener::do_accept, shared_from_this())); }

void listener::watch_signals() {
  net::post(strand_, [self = shared_from_this()] {
    if (self->stopped_) return;
    error_code ec;
    self->signals_.add(SIGINT, ec);
    self->signals_.add(SIGTERM, ec);
    self->signals_.async_wait(beast::bind_front_handler(&listener::on_signal, self));
  });
}

void listener::stop() {
  // Visible at once to every session, even while the listener's own context
  // is busy running a handler: answers from now on say Connection: close.
  state_->stopping.store(true);
  net::post(strand_, beast::bind_front_handler(&listener::do_stop, shared_from_this()));
}

void listener::do_accept() {
  if (stopped_) return;
  // The connection lives on the next context; one thread runs each context,
  // so its handlers are serialised without a strand.
  net::io_context& target = *contexts_[next_context_];
  next_context_ = (next_context_ + 1) % contexts_.size();
  acceptor_.async_accept(target.get_executor(), beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(error_code ec, tcp::socket socket) {
  if (stopped_) return;  // the socket closes with us
  if (ec) {
    if (ec == net::error::operation_aborted) return;
    // Out of descriptors or memory: back off instead of spinning (the connection waits in the
    // backlog until a descriptor is free); one log line per episode, not one per retry.
    if (accept_failures_++ == 0)
      state_->log("accept failed: " + ec.message() + "; retrying every " + std::to_string(accept_backoff.count()) +
                  " ms");
    timer_.expires_after(accept_backoff);
    timer_.async_wait(beast::bind_front_handler(&listener::on_accept_retry, shared_from_this()));
    return;
  }
  if (accept_failures_ != 0) {
    state_->log("accepting again after " + std::to_string(std::exchange(accept_failures_, 0)) + " failed attempts");
  }
  const bool reject = state_->active.load(std::memory_order_relaxed) >= state_->options.max_connections;
  start_session(state_, std::move(socket), reject);
  do_accept();
}

void listener::on_accept_retry(error_code ec) {
  if (ec || stopped_) return;
  do_accept();
}

void listener::on_signal(error_code ec, int) {
  if (ec) return;
  do_stop();
}

void listener::do_stop() {
  if (stopped_) return;
  stopped_ = true;
  state_->stopping.store(true);
  error_code ec;
  acceptor_.close(ec);
  signals_.cancel(ec);
  signals_.clear(ec);
  timer_.cancel();
  stop_started_ = std::chrono::steady_clock::now();
  state_->for_each_session([](const std::shared_ptr<session_base>& s) { s->notify_stop(); });
  poll_drain();
}

// Poll until every session is gone; past the grace period, close what remains.
void listener::poll_drain() {
  timer_.expires_after(drain_tick);
  timer_.async_wait(beast::bind_front_handler(&listener::on_drain_tick, shared_from_this()));
}

void listener::on_drain_tick(error_code ec) {
  if (ec) return;
  if (state_->no_sessions()) return finish_drain();
  if (std::chrono::steady_clock::now() - stop_started_ >= state_->options.shutdown_grace) {
    state_->log("shutdown grace period over: closing the remaining connections");
    state_->for_each_session([](const std::shared_ptr<session_base>& s) { s->force_close(); });
    return finish_drain();
  }
  poll_drain();
}

void listener::finish_drain() {
  if (auto f = std::exchange(drained_, nullptr)) f();
}

}  // namespace specgate::server::detail
