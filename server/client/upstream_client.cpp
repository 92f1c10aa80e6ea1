// The upstream HTTP/1.1 client: one `exchange` per send() (connect or reuse,
// write, read, classify), a keep-alive pool per io_context (so per thread),
// one OpenSSL client context per client built once and shared read-only.
#include "server/client/upstream_client.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <limits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server/http/io_context_local.h"

namespace specgate::server {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;
using clock_type = std::chrono::steady_clock;
using failure = upstream_response::failure;

// ---------------------------------------------------------------------------
// URL

namespace {

constexpr std::uint16_t default_port(bool tls) { return tls ? 443 : 80; }

bool is_ip_literal(const std::string& host) {
  error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// RFC 3986 reg-name characters we accept in a host (no percent-encoding, no userinfo).
bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// Path characters: pchar and '/', percent-encoded octets included as they are.
bool path_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("-._~!$&'()*+,;=:@/%").find(c) != std::string_view::npos;
}

}  // namespace

std::string upstream_url::host_header() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != 0 && port != default_port(tls)) out += ":" + std::to_string(port);
  return out;
}

std::optional<upstream_url> parse_upstream_url(std::string_view text, std::string& error) {
  const std::string given(text);
  auto fail = [&](std::string why) -> std::optional<upstream_url> {
    error = "invalid upstream URL \"" + given + "\": " + std::move(why);
    return std::nullopt;
  };
  upstream_url url;
  url.text = given;
  if (istarts_with(text, "http://")) {
    text.remove_prefix(7);
  } else if (istarts_with(text, "https://")) {
    url.tls = true;
    text.remove_prefix(8);
  } else {
    return fail("expected http://host[:port][/base-path] or https://...");
  }
  const auto authority_end = text.find_first_of("/?#");
  std::string_view authority = text.substr(0, authority_end);
  std::string_view rest = authority_end == std::string_view::npos ? std::string_view() : text.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return fail("user information is not supported");
  if (rest.find('?') != std::string_view::npos) return fail("a query is not allowed");
  if (rest.find('#') != std::string_view::npos) return fail("a fragment is not allowed");

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 address");
    url.host = std::string(authority.substr(1, close - 1));
    error_code ec;
    net::ip::make_address_v6(url.host, ec);
    if (ec) return fail("\"" + url.host + "\" is not an IPv6 address");
    const auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return fail("unexpected text after the IPv6 address");
    if (!after.empty()) port_text = after.substr(1);
  } else {
    const auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    if (!std::all_of(url.host.begin(), url.host.end(), host_char)) return fail("invalid character in the host");
  }
  if (url.host.empty()) return fail("no host");

  url.port = default_port(url.tls);
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 || value > 65535)
      return fail("invalid port \"" + std::string(port_text) + "\"");
    url.port = static_cast<std::uint16_t>(value);
  }

  if (!std::all_of(rest.begin(), rest.end(), path_char)) return fail("invalid character in the path");
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  url.base_path = std::string(rest);
  error.clear();
  return url;
}

std::string_view failure_name(failure f) {
  switch (f) {
    case failure::none: return "none";
    case failure::refused: return "refused";
    case failure::dns: return "dns";
    case failure::tls: return "tls";
    case failure::connect_timeout: return "connect_timeout";
    case failure::timeout: return "timeout";
    case failure::closed: return "closed";
    case failure::protocol: return "protocol";
    case failure::too_large: return "too_large";
    case failure::client_body: return "client_body";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------
// The client's shared, read-only state

namespace detail {
struct upstream_state {
  upstream_options options;
  std::string setup_error;
  std::string url_text;   // options.url.text, or rebuilt when empty
  std::string peer_name;  // "host:port" for messages
  bool host_is_ip = false;
  std::shared_ptr<ssl::context> tls;  // https only; connections hold a reference
};
}  // namespace detail

struct upstream_client::impl : detail::upstream_state {};

namespace {

using client_impl = detail::upstream_state;

std::string readable_error(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::make_error_code(std::errc::no_such_file_or_directory).message();
  return {};
}

// The reason text of an OpenSSL error ("certificate verify failed"), without asio's "(SSL routines)".
std::string ssl_reason(const error_code& ec) {
  if (ec == ssl::error::stream_truncated) return "the upstream closed the connection";
  if (ec.category() == net::error::get_ssl_category()) {
    if (const char* r = ERR_reason_error_string(static_cast<unsigned long>(ec.value()))) return r;
  }
  return ec.message();
}

std::string number_text(std::uint64_t v) { return std::to_string(v); }

std::string hex_text(std::uint64_t v) {  // a chunk size
  char buf[20];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, 16);
  (void)ec;
  return std::string(buf, end);
}

// ---------------------------------------------------------------------------
// A connection: the stream, its read buffer (bytes beyond one response stay
// with the connection) and what messages need.

struct connection {
  using plain_stream = tcp::socket;
  using tls_stream = ssl::stream<tcp::socket>;

  using stream_type = std::variant<plain_stream, tls_stream>;

  connection(net::io_context& ioc, const std::shared_ptr<ssl::context>& ctx)
      : tls_context(ctx), stream(make_stream(ioc, ctx.get())) {}

  static stream_type make_stream(net::io_context& ioc, ssl::context* ctx) {
    if (ctx) return stream_type(std::in_place_type<tls_stream>, ioc, *ctx);
    return stream_type(std::in_place_type<plain_stream>, ioc);
  }

  tcp::socket& socket() {
    return std::visit([](auto& s) -> tcp::socket& { return beast::get_lowest_layer(s); }, stream);
  }
  tls_stream* tls() { return std::get_if<tls_stream>(&stream); }

  // An idle connection the upstream has closed (or that holds unexpected bytes) is not
  // worth a request: a non-blocking peek tells without consuming anything.
  bool looks_usable() {
    auto& s = socket();
    if (!s.is_open()) return false;
    char byte;
    const auto n = ::recv(s.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return false;                                   // FIN
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;  // nothing pending: fine
    return tls() != nullptr;  // TLS may hold a late session ticket; plain HTTP bytes are junk
  }

  void close() {
    error_code ec;
    socket().close(ec);
  }

  std::shared_ptr<ssl::context> tls_context;  // keeps the SSL_CTX's owner alive with the stream
  clock_type::time_point idle_since{};        // when it went back to the pool
  stream_type stream;
  beast::flat_buffer buffer;
};

// ---------------------------------------------------------------------------
// The keep-alive pool: one per io_context (each server thread runs exactly one),
// so it needs no lock. It lives as an io_context service, which closes the idle
// sockets when the context shuts down, before Asio's own services go. Entries are
// keyed by the client; the weak owner tells a destroyed client's leftovers
// (and an address reused by a newer client) apart.

constexpr std::chrono::milliseconds fresh_idle{50};  // see pool_service::take

class pool_service : public net::execution_context::service {
 public:
  using key_type = pool_service;
  static inline net::execution_context::id id;

  explicit pool_service(net::execution_context& context) : net::execution_context::service(context) {}

  // A candidate is peeked at first (a syscall) unless `resendable` and it went idle within
  // fresh_idle: under load a connection is reused within microseconds, when nothing can have
  // come from the upstream yet, and if it died anyway the request is resent once.
  std::unique_ptr<connection> take(const std::shared_ptr<const client_impl>& client, bool resendable) {
    auto it = pools_.find(client.get());
    if (it == pools_.end()) return nullptr;
    if (it->second.owner.expired()) {
      pools_.erase(it);
      return nullptr;
    }
    auto& idle = it->second.idle;
    while (!idle.empty()) {
      auto c = std::move(idle.back());  // LIFO: the most recently used is the most likely alive
      idle.pop_back();
      const bool fresh = resendable && clock_type::now() - c->idle_since < fresh_idle;
      if (fresh ? c->socket().is_open() : c->looks_usable()) return c;
    }
    return nullptr;
  }

  void put(const std::shared_ptr<const client_impl>& client, std::unique_ptr<connection> c, std::size_t max_idle) {
    if (max_idle == 0) return;
    auto it = pools_.find(client.get());
    if (it != pools_.end() && it->second.owner.expired()) {
      pools_.erase(it);
      it = pools_.end();
    }
    if (it == pools_.end()) {
      // A new client here: forget the connections of clients that are gone.
      std::erase_if(pools_, [](const auto& p) { return p.second.owner.expired(); });
      it = pools_.emplace(client.get(), entry{client, {}}).first;
    }
    auto& idle = it->second.idle;
    if (idle.size() >= max_idle) idle.erase(idle.begin());  // the oldest goes
    c->idle_since = clock_type::now();
    idle.push_back(std::move(c));
  }

  std::size_t idle_count(const client_impl* client) const {
    auto it = pools_.find(client);
    return it == pools_.end() || it->second.owner.expired() ? 0 : it->second.idle.size();
  }

 private:
  void shutdown() override { pools_.clear(); }

  struct entry {
    std::weak_ptr<const client_impl> owner;
    std::vector<std::unique_ptr<connection>> idle;
  };
  std::unordered_map<const client_impl*, entry> pools_;
};

// ---------------------------------------------------------------------------
// One request: [take or connect (resolve, connect, TLS handshake)] -> write ->
// read (skipping 1xx) -> pool or drop -> done. One timer: connect_timeout while
// connecting, response_timeout from the first byte written; when it fires the
// exchange completes at once and the socket is closed, so pending operations
// end (their handlers find the exchange finished). A pooled connection that
// fails before any response byte arrived is replaced by a fresh one, once.

bool method_has_body(std::string_view method) { return method == "POST" || method == "PUT" || method == "PATCH"; }

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool clean_value(std::string_view v) {
  return std::none_of(v.begin(), v.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// The request as it goes on the wire; empty and `error` set when it cannot be sent.
std::string serialize(const http_request& request, const upstream_url& url, std::string& error) {
  const std::string_view method = request.method;
  if (method.empty() || !std::all_of(method.begin(), method.end(), token_char)) {
    error = "invalid request method \"" + request.method + "\"";
    return {};
  }
  const std::string_view target = request.target.empty() ? std::string_view("/") : std::string_view(request.target);
  if (std::any_of(target.begin(), target.end(), [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 127; })) {
    error = "invalid request target";
    return {};
  }
  std::string out;
  out.reserve(64 + target.size() + request.headers.size() * 48 + request.body.size());
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  bool has_host = false;
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), token_char) || !clean_value(value)) continue;
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) continue;
    has_host = has_host || iequals(name, "host");
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_host) out.append("Host: ").append(url.host_header()).append("\r\n");
  if (request.stream) {
    if (request.stream_length)
      out.append("Content-Length: ").append(number_text(*request.stream_length)).append("\r\n");
    else
      out.append("Transfer-Encoding: chunked\r\n");
    out.append("\r\n");
    return out;  // the body follows piece by piece
  }
  if (method_has_body(method) || !request.body.empty())
    out.append("Content-Length: ").append(number_text(request.body.size())).append("\r\n");
  out.append("\r\n");
  out.append(request.body);
  return out;
}

// A request that may be sent twice without harm (RFC 9110 9.2.2), or whose sender made it so.
bool may_resend(const http_request& request) {
  if (request.stream) return false;  // its body is read once
  static constexpr std::string_view idempotent[] = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"};
  for (auto m : idempotent)
    if (request.method == m) return true;
  return request.has_header("idempotency-key");
}

bool wants_close(const http_request& request) {
  for (const auto& [name, value] : request.headers)
    if (iequals(name, "connection") && to_lower(value).find("close") != std::string::npos) return true;
  return false;
}

bool is_stale_connection_error(const error_code& ec) {
  return ec == net::error::eof || ec == http::error::end_of_stream || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::error::connection_aborted || ec == net::error::not_connected ||
         ec == net::error::bad_descriptor || ec == ssl::error::stream_truncated;
}

// One send(): connect or reuse, write, read. A body past options.stream_above is read piece by
// piece (buffer_body): held until it passes the limit, then handed on as the response's stream,
// the exchange itself, which reads the next piece only when asked.
class exchange : public body_source, public std::enable_shared_from_this<exchange> {
 public:
  exchange(std::shared_ptr<const client_impl> client, net::io_context& ioc, std::string wire, bool head,
           bool close_after, bool may_resend, std::function<void(upstream_response)> done,
           std::shared_ptr<body_source> upload = nullptr, bool upload_chunked = false)
      : client_(std::move(client)),
        ioc_(ioc),
        wire_(std::move(wire)),
        upload_(std::move(upload)),
        upload_chunked_(upload_chunked),
        head_(head),
        close_after_(close_after),
        may_resend_(may_resend),
        done_(std::move(done)),
        timer_(ioc),
        resolver_(ioc),
        start_(clock_type::now()) {}

  // --- body_source: the streamed body ------------------------------------------------

  void read(callback got) override {
    if (finished_ && !streaming_) return got({}, true, "the upstream's body was abandoned");
    if (!held_.empty()) {  // what was read before the body passed the limit goes first
      std::string first = std::move(held_);
      held_.clear();
      return got(std::move(first), false, {});
    }
    if (!stream_error_.empty()) return got({}, true, stream_error_);
    got_ = std::move(got);
    arm(opts().response_timeout);
    read_piece();
  }

  void cancel() override {
    got_ = nullptr;
    if (finished_) return;
    finished_ = true;
    disarm();
    if (conn_) conn_->close();  // a pending read ends; never pooled with a body half read
  }

  void run() {
    if (net::has_service<pool_service>(ioc_)) conn_ = net::use_service<pool_service>(ioc_).take(client_, may_resend_);
    if (conn_) {
      reused_ = true;
      return write();
    }
    connect();
  }

 private:
  const upstream_options& opts() const { return client_->options; }
  const std::string& url() const { return client_->url_text; }
  std::shared_ptr<exchange> self() { return shared_from_this(); }

  // --- timer -------------------------------------------------------------------

  void arm(std::chrono::milliseconds d) {
    timer_.expires_after(d);
    timer_.async_wait([s = self(), g = ++timer_generation_](error_code ec) {
      if (ec || g != s->timer_generation_ || s->finished_) return;
      s->on_deadline();
    });
  }
  void disarm() {
    ++timer_generation_;
    timer_.cancel();
  }

  void on_deadline() {
    if (phase_ == phase::connecting) {
      const auto ms = std::to_string(opts().connect_timeout.count());
      std::string step;
      switch (connect_step_) {
        case connect_step::resolving: step = "resolving " + client_->options.url.host; break;
        case connect_step::connecting: step = "connecting to " + client_->peer_name; break;
        case connect_step::handshaking: step = "in the TLS handshake with " + client_->peer_name; break;
      }
      return fail(failure::connect_timeout, "upstream " + url() + ": no connection within " + ms + " ms (" + step + ")");
    }
    const auto ms = std::to_string(opts().response_timeout.count());
    if (!got_some())
      return fail(failure::timeout, "upstream " + url() + " did not answer within " + ms + " ms");
    fail(failure::timeout, "upstream " + url() + " did not complete the response within " + ms + " ms (" +
                               progress() + ")");
  }

  // --- connect -----------------------------------------------------------------

  void connect() {
    phase_ = phase::connecting;
    conn_ = std::make_unique<connection>(ioc_, client_->tls);
    arm(opts().connect_timeout);
    const auto& u = opts().url;
    if (client_->host_is_ip) {
      error_code ec;
      const tcp::endpoint ep(net::ip::make_address(u.host, ec), u.port);
      connect_step_ = connect_step::connecting;
      conn_->socket().async_connect(ep, [s = self()](error_code e) { s->on_connect(e); });
      return;
    }
    connect_step_ = connect_step::resolving;
    resolver_.async_resolve(u.host, std::to_string(u.port),
                            [s = self()](error_code ec, tcp::resolver::results_type results) {
                              s->on_resolve(ec, std::move(results));
                            });
  }

  void on_resolve(error_code ec, tcp::resolver::results_type results) {
    if (finished_) return;
    if (ec || results.empty())
      return fail(failure::dns, "upstream " + url() + ": cannot resolve host " + opts().url.host + " (" +
                                    (ec ? ec.message() : std::string("no address")) + ")");
    connect_step_ = connect_step::connecting;
    net::async_connect(conn_->socket(), results,
                       [s = self()](error_code e, const tcp::endpoint&) { s->on_connect(e); });
  }

  void on_connect(error_code ec) {
    if (finished_) return;
    if (ec) {
      if (ec == net::error::timed_out)
        return fail(failure::connect_timeout,
                    "upstream " + url() + ": connecting to " + client_->peer_name + " timed out (" + ec.message() + ")");
      if (ec == net::error::connection_refused)
        return fail(failure::refused, "upstream " + url() + " refused the connection (" + client_->peer_name + ")");
      if (ec == net::error::host_unreachable || ec == net::error::network_unreachable)
        return fail(failure::refused,
                    "upstream " + url() + " is unreachable (" + client_->peer_name + ": " + ec.message() + ")");
      return fail(failure::refused,
                  "upstream " + url() + ": cannot connect to " + client_->peer_name + " (" + ec.message() + ")");
    }
    error_code ignored;
    conn_->socket().set_option(tcp::no_delay(true), ignored);
    auto* tls = conn_->tls();
    if (!tls) return write();

    connect_step_ = connect_step::handshaking;
    SSL* ssl_handle = tls->native_handle();
    const auto& host = opts().url.host;
    if (!client_->host_is_ip) SSL_set_tlsext_host_name(ssl_handle, host.c_str());  // SNI: names only
    if (!opts().insecure) {
      tls->set_verify_mode(ssl::verify_peer);
      SSL_set_hostflags(ssl_handle, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      const bool set = client_->host_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), host.c_str()) == 1
                                           : SSL_set1_host(ssl_handle, host.c_str()) == 1;
      if (!set) return fail(failure::tls, "upstream " + url() + ": cannot verify host name " + host);
    } else {
      tls->set_verify_mode(ssl::verify_none);
    }
    tls->async_handshake(ssl::stream_base::client, [s = self()](error_code e) { s->on_handshake(e); });
  }

  void on_handshake(error_code ec) {
    if (finished_) return;
    if (ec) {
      std::string why = ssl_reason(ec);
      if (auto* tls = conn_->tls()) {
        const long verify = SSL_get_verify_result(tls->native_handle());
        if (verify != X509_V_OK) why += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      }
      return fail(failure::tls, "upstream " + url() + ": TLS handshake failed: " + why);
    }
    write();
  }

  // --- write and read ------------------------------------------------------------

  void write() {
    phase_ = phase::exchanging;
    parser_.reset();
    arm(opts().response_timeout);
    std::visit(
        [this](auto& stream) {
          net::async_write(stream, net::buffer(wire_), [s = self()](error_code ec, std::size_t) { s->on_write(ec); });
        },
        conn_->stream);
  }

  void on_write(error_code ec) {
    if (finished_) return;
    if (ec) {
      if (retry_stale(ec)) return;
      return fail(failure::closed, "upstream " + url() + " closed the connection while the request was being sent (" +
                                       ec.message() + ")");
    }
    read();
    if (upload_) next_upload();  // the body goes out while the answer is awaited
  }

  // --- a request body sent as it arrives ---------------------------------------------

  void next_upload() {
    upload_->read([s = self()](std::string piece, bool last, std::string error) {
      net::post(s->ioc_, [s, piece = std::move(piece), last, error = std::move(error)]() mutable {
        s->on_upload_piece(std::move(piece), last, std::move(error));
      });
    });
  }

  void on_upload_piece(std::string piece, bool last, std::string error) {
    if (finished_ || upload_stopped_) return;
    if (!error.empty()) {
      upload_stopped_ = true;
      return fail(failure::client_body, "the client's request body broke off: " + error);
    }
    upload_piece_ = std::move(piece);
    upload_frame_head_.clear();
    upload_frame_tail_.clear();
    if (upload_chunked_ && !upload_piece_.empty()) {
      upload_frame_head_ = hex_text(upload_piece_.size()) + "\r\n";
      upload_frame_tail_ = "\r\n";
    }
    if (upload_chunked_ && last) upload_frame_tail_ += "0\r\n\r\n";
    upload_sent_ += upload_piece_.size();
    arm(opts().response_timeout);  // each piece written in time; after the last, the answer
    const std::array<net::const_buffer, 3> buffers{net::buffer(upload_frame_head_), net::buffer(upload_piece_),
                                                   net::buffer(upload_frame_tail_)};
    std::visit(
        [&](auto& stream) {
          net::async_write(stream, buffers, [s = self(), last](error_code ec, std::size_t) { s->on_upload_written(ec, last); });
        },
        conn_->stream);
  }

  void on_upload_written(error_code ec, bool last) {
    if (finished_ || upload_stopped_) return;
    if (ec) {
      // The upstream stopped reading: it may have answered already (413...), which the pending
      // read delivers; if it did not, that read fails and says so.
      stop_upload();
      return;
    }
    if (last) {
      upload_done_ = true;
      return;
    }
    next_upload();
  }

  // No more of the body is sent (answered early, or failed): its source is released.
  void stop_upload() {
    if (!upload_ || upload_done_ || upload_stopped_) return;
    upload_stopped_ = true;
    upload_->cancel();
  }

  void read() {
    parser_.emplace();
    parser_->header_limit(header_limit);
    parser_->body_limit(opts().max_response_bytes);
    if (head_) parser_->skip(true);
    // The header first, on its own: Beast 1.74's eager parse loses a Content-Length
    // body_limit error when body bytes arrive in the same read, and would then buffer it all.
    std::visit(
        [this](auto& stream) {
          http::async_read_header(stream, conn_->buffer, *parser_,
                                  [s = self()](error_code ec, std::size_t) { s->on_header(ec); });
        },
        conn_->stream);
  }

  void on_header(error_code ec) {
    if (finished_) return;
    if (ec) return read_failed(ec);
    const int status = parser_->get().result_int();
    if (status / 100 == 1 && status != 101) {
      got_interim_ = true;
      return read();  // 100 Continue, 103 Early Hints...: the final answer follows
    }
    if (parser_->is_done()) return on_read({});  // HEAD, 204, 304, empty body
    if (opts().stream_above > 0) {
      const auto length = parser_->content_length();
      if (!length || *length > opts().stream_above) return start_pieces(length.has_value());
    }
    std::visit(
        [this](auto& stream) {
          http::async_read(stream, conn_->buffer, *parser_, [s = self()](error_code ec, std::size_t) { s->on_read(ec); });
        },
        conn_->stream);
  }

  void on_read(error_code ec) {
    if (finished_) return;
    if (ec) return read_failed(ec);
    upstream_response r = head_of(*parser_);
    r.body = std::move(parser_->get().body());
    release(parser_->keep_alive() && r.status != 101);
    complete(std::move(r));
  }

  template <class Parser>
  upstream_response head_of(const Parser& parser) const {
    upstream_response r;
    const auto& message = parser.get();
    r.status = message.result_int();
    r.headers.reserve(static_cast<std::size_t>(std::distance(message.begin(), message.end())));
    for (const auto& field : message) r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    r.reused_connection = reused_;
    return r;
  }

  // The response is complete: the connection goes back to the pool when it can carry another.
  void release(bool keep_alive) {
    const bool keep = keep_alive && !close_after_ && conn_->buffer.size() == 0 && (!upload_ || upload_done_);
    finished_ = true;
    disarm();
    stop_upload();
    if (keep)
      net::use_service<pool_service>(ioc_).put(client_, std::move(conn_), opts().max_idle_per_thread);
    else if (upload_ && !upload_done_)
      conn_->close();  // half a request body sent: a pending write ends, the connection is not reused
  }

  // --- a body read piece by piece (chunked, close-delimited, or past stream_above) -----

  // The header is read and the body not started: the parser may change its body type.
  void start_pieces(bool stream_now) {
    pieces_.emplace(std::move(*parser_));
    parser_.reset();
    pieces_->body_limit(std::numeric_limits<std::uint64_t>::max());  // held bytes are bounded below
    if (stream_now) return begin_stream();
    read_piece();
  }

  void read_piece() {
    piece_.resize(piece_size);
    auto& body = pieces_->get().body();
    body.data = piece_.data();
    body.size = piece_.size();
    body.more = true;
    std::visit(
        [this](auto& stream) {
          http::async_read_some(stream, conn_->buffer, *pieces_,
                                [s = self()](error_code ec, std::size_t) { s->on_piece(ec); });
        },
        conn_->stream);
  }

  void on_piece(error_code ec) {
    if (finished_) return;
    if (ec == http::error::need_buffer) ec = {};
    piece_.resize(piece_.size() - pieces_->get().body().size);
    body_bytes_ += piece_.size();
    if (ec) return read_failed(ec);
    const bool done = pieces_->is_done();
    if (!streaming_) {
      held_ += piece_;
      if (done) {
        upstream_response r = head_of(*pieces_);
        r.body = std::move(held_);
        release(pieces_->keep_alive());
        return complete(std::move(r));
      }
      if (held_.size() > opts().stream_above) return begin_stream();
      return read_piece();
    }
    if (piece_.empty() && !done) return read_piece();
    if (done)
      release(pieces_->keep_alive());
    else
      disarm();  // the consumer asks for the next piece when it has written this one
    auto got = std::move(got_);
    got_ = nullptr;
    if (got) got(std::move(piece_), done, {});
  }

  // The status and headers go to `done` now; the body follows through read().
  void begin_stream() {
    streaming_ = true;
    disarm();
    stop_upload();  // answered: the rest of the request body is not sent
    upstream_response r = head_of(*pieces_);
    r.stream = shared_from_this();
    if (const auto length = pieces_->content_length()) r.stream_length = *length;
    complete(std::move(r));
  }

  // What arrived before the failure: "got 1200 of 5000 body bytes".
  bool got_some() const { return pieces_ || (parser_ && parser_->got_some()); }

  std::string progress() const {
    if (pieces_) {
      if (const auto length = pieces_->content_length())
        return "got " + number_text(body_bytes_) + " of " + number_text(*length) + " body bytes";
      return "got " + number_text(body_bytes_) + " body bytes";
    }
    if (!got_some()) return "no response byte";
    if (!parser_->is_header_done()) return "the response header was incomplete";
    const auto got = parser_->get().body().size();
    if (const auto length = parser_->content_length())
      return "got " + number_text(got) + " of " + number_text(*length) + " body bytes";
    if (parser_->chunked()) return "got " + number_text(got) + " body bytes of a chunked body";
    return "got " + number_text(got) + " body bytes";
  }

  void read_failed(const error_code& ec) {
    const bool nothing = !got_some() && !got_interim_;
    if (nothing && retry_stale(ec)) return;
    if (ec == http::error::body_limit)
      return fail(failure::too_large, "upstream " + url() + ": response body larger than " +
                                          number_text(opts().max_response_bytes) + " bytes");
    if (ec == http::error::header_limit)
      return fail(failure::protocol, "upstream " + url() + ": response header larger than " +
                                         number_text(header_limit) + " bytes");
    if (is_stale_connection_error(ec) || ec == http::error::partial_message) {
      if (nothing)
        return fail(failure::closed, "upstream " + url() + " closed the connection without answering");
      return fail(failure::closed,
                  "upstream " + url() + " closed the connection before the response was complete (" + progress() + ")");
    }
    if (ec.category() == http::make_error_code(http::error::bad_version).category())
      return fail(failure::protocol, "upstream " + url() + " sent a response that is not HTTP/1.x (" + ec.message() + ")");
    if (ec.category() == net::error::get_ssl_category())
      return fail(failure::closed, "upstream " + url() + ": TLS error while reading the response: " + ssl_reason(ec));
    fail(failure::closed, "upstream " + url() + ": reading the response failed (" + ec.message() + "; " + progress() + ")");
  }

  // A pooled connection the upstream had closed: once, on a fresh connection, and only for a
  // request that may be sent twice (the upstream may have acted on the first before closing).
  // Other requests rely on the peek before a pooled connection is used (looks_usable).
  bool retry_stale(const error_code& ec) {
    if (!may_resend_ || !reused_ || retried_ || !is_stale_connection_error(ec)) return false;
    retried_ = true;
    reused_ = false;
    disarm();
    conn_->close();
    conn_.reset();  // nothing is pending on it: we are in its last handler
    connect();
    return true;
  }

  // --- completion ------------------------------------------------------------------

  void fail(failure kind, std::string message) {
    finished_ = true;
    disarm();
    stop_upload();
    resolver_.cancel();
    if (conn_) conn_->close();  // pending operations end; conn_ lives until their handlers ran
    if (streaming_) {  // `done` has run: the failure ends the body instead
      stream_error_ = std::move(message);
      auto got = std::move(got_);
      got_ = nullptr;
      if (got) got({}, true, stream_error_);
      return;
    }
    upstream_response r;
    r.error = kind;
    r.message = std::move(message);
    r.reused_connection = reused_;
    complete(std::move(r));
  }

  void complete(upstream_response r) {
    r.latency = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - start_);
    auto done = std::move(done_);
    done(std::move(r));
  }

  static constexpr std::uint32_t header_limit = 64 * 1024;
  static constexpr std::size_t piece_size = 64 * 1024;

  enum class phase { connecting, exchanging };
  enum class connect_step { resolving, connecting, handshaking };

  std::shared_ptr<const client_impl> client_;
  net::io_context& ioc_;
  std::string wire_;
  std::shared_ptr<body_source> upload_;  // the request body still arriving, or null
  const bool upload_chunked_;
  std::string upload_piece_;
  std::string upload_frame_head_;
  std::string upload_frame_tail_;
  std::uint64_t upload_sent_ = 0;
  bool upload_done_ = false;     // the last piece is written
  bool upload_stopped_ = false;  // no more is sent (answered early, failed, or the source broke)
  const bool head_;
  const bool close_after_;
  const bool may_resend_;  // idempotent or carrying Idempotency-Key: a stale pooled connection is retried
  std::function<void(upstream_response)> done_;
  net::steady_timer timer_;
  tcp::resolver resolver_;
  std::unique_ptr<connection> conn_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::optional<http::response_parser<http::buffer_body>> pieces_;  // set once the body is read in pieces
  std::string piece_;      // the piece being read
  std::string held_;       // pieces read before the body passed stream_above (then: the first piece out)
  std::uint64_t body_bytes_ = 0;
  callback got_;           // the stream's reader waiting for a piece
  std::string stream_error_;
  bool streaming_ = false;  // `done` has run with the stream
  const clock_type::time_point start_;
  std::uint64_t timer_generation_ = 0;
  phase phase_ = phase::connecting;
  connect_step connect_step_ = connect_step::resolving;
  bool reused_ = false;
  bool retried_ = false;
  bool got_interim_ = false;
  bool finished_ = false;
};

// Client-side TLS: TLS 1.2 and later, the system's trust store plus `ca_file`.
std::string make_tls_context(const upstream_options& o, std::shared_ptr<ssl::context>& out) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  error_code ec;
  ctx->set_default_verify_paths(ec);  // no system store is not fatal: --upstream-ca may be all there is
  if (!o.ca_file.empty()) {
    if (auto e = readable_error(o.ca_file); !e.empty()) return "cannot read upstream CA file " + o.ca_file + ": " + e;
    ctx->load_verify_file(o.ca_file, ec);
    if (ec) return "cannot load upstream CA file " + o.ca_file + ": " + ssl_reason(ec);
  }
  ctx->set_verify_mode(o.insecure ? ssl::verify_none : ssl::verify_peer);
  out = std::move(ctx);
  return {};
}

}  // namespace

// ---------------------------------------------------------------------------
// upstream_client

upstream_client::upstream_client(upstream_options options) : impl_(std::make_shared<impl>()) {
  auto& i = *impl_;
  i.options = std::move(options);
  const auto& u = i.options.url;
  i.url_text = !u.text.empty() ? u.text : std::string(u.tls ? "https://" : "http://") + u.host_header() + u.base_path;
  i.host_is_ip = is_ip_literal(u.host);
  i.peer_name = (u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host) + ":" + std::to_string(u.port);
  if (u.host.empty()) {
    i.setup_error = "no upstream host";
  } else if (u.tls || !i.options.ca_file.empty()) {
    std::shared_ptr<ssl::context> ctx;
    i.setup_error = make_tls_context(i.options, ctx);
    if (u.tls) i.tls = std::move(ctx);
  }
}

upstream_client::~upstream_client() = default;

const std::string& upstream_client::setup_error() const { return impl_->setup_error; }
const upstream_options& upstream_client::options() const { return impl_->options; }

void upstream_client::send(const http_request& request, std::function<void(upstream_response)> done) {
  auto* ioc = detail::this_thread_context();
  auto fail_with = [&](failure kind, std::string message) {
    upstream_response r;
    r.error = kind;
    r.message = std::move(message);
    if (ioc)
      net::post(*ioc, [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
    else
      done(std::move(r));  // no io_context to post to: the only inline completion
  };
  const auto& url = impl_->url_text;
  if (!ioc)
    return fail_with(failure::protocol, "upstream " + url +
                                            ": send() called on a thread that runs no io_context (nothing to wait on)");
  if (!impl_->setup_error.empty()) {
    const auto kind = impl_->options.url.tls ? failure::tls : failure::protocol;
    return fail_with(kind, "upstream " + url + ": " + impl_->setup_error);
  }
  std::string error;
  auto wire = serialize(request, impl_->options.url, error);
  if (!error.empty()) return fail_with(failure::protocol, "upstream " + url + ": cannot send the request: " + error);
  // run() only starts asynchronous operations: `done` never runs inside send().
  std::make_shared<exchange>(impl_, *ioc, std::move(wire), request.method == "HEAD", wants_close(request),
                             may_resend(request), std::move(done), request.stream,
                             request.stream && !request.stream_length)
      ->run();
}

std::size_t upstream_client::idle_connections() const {
  auto* ioc = detail::this_thread_context();
  if (!ioc || !net::has_service<pool_service>(*ioc)) return 0;
  return net::use_service<pool_service>(*ioc).idle_count(impl_.get());
}

}  // namespace specgate::server
