#include "server/http/http_server.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <fstream>
#include <limits>
#include <thread>
#include <utility>
#include <vector>

#include <sys/resource.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>

#include "server/http/io_context_local.h"
#include "server/http/listener.h"
#include "server/http/server_state.h"

namespace specgate::server {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

unsigned thread_count(unsigned requested) {
  if (requested != 0) return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

std::string readable(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::make_error_code(std::errc::no_such_file_or_directory).message();
  return {};
}

// Server-side TLS: TLS 1.2 and later only.
std::string make_tls_context(const server_options& o, std::optional<ssl::context>& out) {
  if (o.tls_cert.empty() != o.tls_key.empty())
    return "TLS needs both a certificate and a private key (got only the " +
           std::string(o.tls_cert.empty() ? "key" : "certificate") + ")";
  if (auto e = readable(o.tls_cert); !e.empty()) return "cannot read TLS certificate " + o.tls_cert + ": " + e;
  if (auto e = readable(o.tls_key); !e.empty()) return "cannot read TLS private key " + o.tls_key + ": " + e;
  out.emplace(ssl::context::tls_server);
  auto& ctx = *out;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  error_code ec;
  ctx.use_certificate_chain_file(o.tls_cert, ec);
  if (ec) {
    out.reset();
    return "cannot load TLS certificate " + o.tls_cert + ": " + ec.message();
  }
  ctx.use_private_key_file(o.tls_key, ssl::context::pem, ec);
  if (ec) {
    out.reset();
    if (ec.category() == net::error::get_ssl_category() &&
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH)
      return "TLS private key " + o.tls_key + " does not match certificate " + o.tls_cert;
    return "cannot load TLS private key " + o.tls_key + ": " + ec.message();
  }
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    out.reset();
    return "TLS private key " + o.tls_key + " does not match certificate " + o.tls_cert;
  }
  return {};
}

}  // namespace

// One io_context per thread, each run by exactly one thread: a connection
// lives on one context for its whole life, so its handlers never contend for
// a shared scheduler or need a strand. The listener deals connections out
// round-robin; contexts 1..N-1 are kept alive by work guards until the
// listener has drained every connection.
namespace detail {
namespace {
thread_local net::io_context* running_context = nullptr;
}  // namespace
net::io_context* this_thread_context() { return running_context; }
void set_this_thread_context(net::io_context* context) { running_context = context; }
}  // namespace detail

struct http_server::impl {
  template <class Handler>
  impl(server_options o, Handler h)
      : threads(thread_count(o.threads)), state(std::make_shared<detail::server_state>(std::move(o), std::move(h))) {
    contexts.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) contexts.push_back(std::make_unique<net::io_context>(1));
    for (unsigned i = 1; i < threads; ++i) guards.emplace_back(contexts[i]->get_executor());
  }

  const unsigned threads;
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::shared_ptr<detail::server_state> state;
  std::shared_ptr<detail::listener> listener;
  std::atomic<bool> stop_requested{false};
};

http_server::http_server(server_options options, request_handler handler)
    : impl_(std::make_unique<impl>(std::move(options), std::move(handler))) {}

http_server::http_server(server_options options, async_request_handler handler)
    : impl_(std::make_unique<impl>(std::move(options), std::move(handler))) {}

http_server::~http_server() = default;

std::string http_server::start() {
  auto& st = *impl_->state;
  const auto& o = st.options;
  if (impl_->listener) return "server already started";
  if (!st.handler && !st.async_handler) return "no request handler";

  if (!o.tls_cert.empty() || !o.tls_key.empty()) {
    if (auto e = make_tls_context(o, st.tls); !e.empty()) return e;
  }

  std::string host = o.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  error_code ec;
  tcp::endpoint endpoint;
  const auto address = net::ip::make_address(host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, o.port);
  } else {
    tcp::resolver resolver(*impl_->contexts[0]);
    const auto results = resolver.resolve(host, std::to_string(o.port), tcp::resolver::passive, ec);
    if (ec || results.empty())
      return "cannot listen on " + host + ":" + std::to_string(o.port) + ": cannot resolve host: " +
             (ec ? ec.message() : std::string("no address"));
    // "localhost" resolves to ::1 and 127.0.0.1: prefer IPv4, as most clients try it.
    endpoint = results.begin()->endpoint();
    for (const auto& r : results)
      if (r.endpoint().address().is_v4()) {
        endpoint = r.endpoint();
        break;
      }
  }
  const std::string display =
      (endpoint.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(o.port);

  std::vector<net::io_context*> contexts;
  for (auto& c : impl_->contexts) contexts.push_back(c.get());
  // Called once by the listener (on context 0) when every connection is gone
  // or has been closed: the other contexts may now run out of work and return.
  auto drained = [self = impl_.get()] { self->guards.clear(); };
  auto l = std::make_shared<detail::listener>(std::move(contexts), impl_->state, std::move(drained));
  if (auto e = l->open(endpoint, display); !e.empty()) return e;
  l->start_accepting();
  impl_->listener = std::move(l);
  return {};
}

std::uint16_t http_server::port() const { return impl_->listener ? impl_->listener->port() : 0; }

void http_server::run() {
  if (!impl_->listener) return;
  impl_->listener->watch_signals();
  if (impl_->stop_requested.load()) impl_->listener->stop();

  auto run_loop = [this](net::io_context& ioc) {
    detail::set_this_thread_context(&ioc);
    for (;;) {
      try {
        ioc.run();
        detail::set_this_thread_context(nullptr);
        return;
      } catch (const std::exception& e) {
        impl_->state->log(std::string("unexpected exception in the I/O loop: ") + e.what());
      } catch (...) {
        impl_->state->log("unexpected exception in the I/O loop");
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(impl_->threads - 1);
  for (unsigned i = 1; i < impl_->threads; ++i) pool.emplace_back(run_loop, std::ref(*impl_->contexts[i]));
  run_loop(*impl_->contexts[0]);
  for (auto& t : pool) t.join();
}

descriptor_budget fit_descriptor_limit(std::size_t connections, std::size_t per_connection, std::size_t reserve) {
  descriptor_budget out;
  out.connections = connections;
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return out;
  const auto as_number = [](rlim_t v) {
    return v == RLIM_INFINITY ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(v);
  };
  out.soft_before = out.soft_after = as_number(lim.rlim_cur);
  out.hard = as_number(lim.rlim_max);
  per_connection = std::max<std::size_t>(per_connection, 1);
  const std::uint64_t wanted = static_cast<std::uint64_t>(connections) * per_connection + reserve;
  if (out.soft_before < wanted) {
    rlimit raised = lim;
    raised.rlim_cur = static_cast<rlim_t>(std::min(wanted, out.hard));
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) out.soft_after = as_number(raised.rlim_cur);
  }
  if (out.soft_after >= wanted) return out;
  const std::uint64_t room = out.soft_after > reserve ? (out.soft_after - reserve) / per_connection : 0;
  out.connections = static_cast<std::size_t>(std::max<std::uint64_t>(room, 1));
  out.warning = "open-file limit " + std::to_string(out.soft_after) + " (hard limit " + std::to_string(out.hard) +
                ") is below the " + std::to_string(wanted) + " descriptors that " + std::to_string(connections) +
                " connections need (" + std::to_string(per_connection) + " each + " + std::to_string(reserve) +
                " reserved): accepting at most " + std::to_string(out.connections) +
                " connections at once, beyond that 503 (raise it with ulimit -n)";
  return out;
}

void http_server::stop() {
  impl_->stop_requested.store(true);
  if (impl_->listener) impl_->listener->stop();
}

}  // namespace specgate::server
