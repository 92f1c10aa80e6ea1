#pragma once
// Internal to server/ (includes Asio): the state the listener and every
// session share. Never include from other layers.
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "server/http/http_server.h"

namespace specgate::server::detail {

// What the listener needs from a session, whatever its stream type.
class session_base : public std::enable_shared_from_this<session_base> {
 public:
  virtual ~session_base() = default;
  // Both thread-safe (they post to the session's strand).
  virtual void notify_stop() = 0;  // graceful: close if idle, else finish the exchange, then close
  virtual void force_close() = 0;  // grace period over: close the socket now
};

struct server_state {
  server_state(server_options o, request_handler h) : options(std::move(o)), handler(std::move(h)) {}
  server_state(server_options o, async_request_handler h) : options(std::move(o)), async_handler(std::move(h)) {}

  const server_options options;
  const request_handler handler;              // one of the two is set
  const async_request_handler async_handler;
  std::optional<boost::asio::ssl::context> tls;  // set before accepting; read-only afterwards

  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> active{0};  // sessions counted against max_connections

  void add(session_base* s) {
    std::lock_guard lock(mutex_);
    sessions_.insert(s);
  }
  void remove(session_base* s) {
    std::lock_guard lock(mutex_);
    sessions_.erase(s);
  }
  bool no_sessions() const {
    std::lock_guard lock(mutex_);
    return sessions_.empty();
  }
  // f(std::shared_ptr<session_base>) for every live session. The pointers are
  // collected under the lock (a session being destroyed blocks in remove()
  // meanwhile, so each raw pointer is valid) and used after it: f, or the last
  // reference dropping, may run a session's destructor, which takes the lock.
  template <class F>
  void for_each_session(F f) const {
    std::vector<std::shared_ptr<session_base>> live;
    {
      std::lock_guard lock(mutex_);
      live.reserve(sessions_.size());
      for (session_base* s : sessions_)
        if (auto sp = s->weak_from_this().lock()) live.push_back(std::move(sp));
    }
    for (const auto& sp : live) f(sp);
  }

  void log(std::string_view message) const;

 private:
  mutable std::mutex mutex_;
  std::unordered_set<session_base*> sessions_;
};


}  // namespace specgate::server::detail
