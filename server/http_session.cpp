#include "server/http_session.h"
#include "server/profile_answers.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <exception>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

namespace specgate::server::detail {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;
using beast::error_code;

// ---------------------------------------------------------------------------
// Shared helpers

void server_state::log(std::string_view message) const {
  if (options.on_error) {
    try {
      options.on_error(message);
      return;
    } catch (...) {
      // fall through to stderr
    }
  }
  std::cerr << "specgate: " << message << '\n';
}

namespace {

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, end);
}

// "Tue, 15 Nov 1994 08:12:31 GMT", formatted at most once per second per thread.
std::string_view http_date() {
  struct cache {
    std::time_t second = -1;
    char text[32] = {};
    std::size_t size = 0;
  };
  thread_local cache c;
  const std::time_t now = std::time(nullptr);
  if (now != c.second) {
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&now, &tm);
    const int n = std::snprintf(c.text, sizeof c.text, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7],
                                tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    c.size = n > 0 ? static_cast<std::size_t>(n) : 0;
    c.second = now;
  }
  return {c.text, c.size};
}

bool has_crlf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// Errors that mean "the peer went away or we closed": no answer, no log.
bool is_disconnect(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message || ec == http::error::short_read ||
         ec == net::error::eof || ec == net::error::operation_aborted || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::error::bad_descriptor || ec == ssl::error::stream_truncated ||
         ec.category() == net::error::get_ssl_category();
}

constexpr std::string_view continue_100 = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::size_t read_chunk = 16 * 1024;
constexpr std::size_t inline_body_limit = 16 * 1024;  // smaller bodies are copied behind the head: one write
constexpr std::size_t linger_byte_limit = 1024 * 1024;
constexpr std::chrono::milliseconds linger_time{1'000};
constexpr std::chrono::milliseconds tls_shutdown_time{1'000};

// ---------------------------------------------------------------------------
// http_session: Stream is tcp::socket or ssl::stream<tcp::socket>.
//
// Phases: [handshake] -> idle (wait for a request's first byte, idle_timeout,
// silent close) -> reading (header, 100-continue, body; read_timeout for the
// whole request: 408) -> handling (synchronous handler) -> writing
// (write_timeout) -> idle ... ; closing (TLS shutdown / lingering close).
// One deadline timer per session; changing the deadline costs nothing unless
// it moves earlier.

template <class Stream>
class http_session final : public session_base {
 public:
  static constexpr bool is_tls = !std::is_same_v<Stream, tcp::socket>;

  http_session(std::shared_ptr<server_state> state, tcp::socket socket, bool reject)
      : state_(std::move(state)),
        stream_(make_stream(std::move(socket), *state_)),
        timer_(stream_.get_executor()),
        reject_(reject) {
    state_->add(this);
    if (!reject_) state_->active.fetch_add(1, std::memory_order_relaxed);
  }

  ~http_session() override {
    if (!reject_) state_->active.fetch_sub(1, std::memory_order_relaxed);
    state_->remove(this);
  }

  void run() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&http_session::on_run, self())); }

  void notify_stop() override {
    net::post(stream_.get_executor(), [s = self()] {
      if (s->phase_ == phase::idle || s->phase_ == phase::handshake) s->close_now();
    });
  }

  void force_close() override {
    net::post(stream_.get_executor(), [s = self()] { s->close_now(); });
  }

 private:
  enum class phase { handshake, idle, reading, handling, writing, streaming, closing, closed };

  static Stream make_stream(tcp::socket socket, server_state& state) {
    if constexpr (is_tls)
      return Stream(std::move(socket), *state.tls);
    else
      return socket;
  }

  std::shared_ptr<http_session> self() { return std::static_pointer_cast<http_session>(shared_from_this()); }

  tcp::socket& socket() {
    if constexpr (is_tls)
      return stream_.next_layer();
    else
      return stream_;
  }

  const server_options& opts() const { return state_->options; }

  // --- deadline ------------------------------------------------------------

  void set_deadline(clock_type::time_point tp) {
    deadline_ = tp;
    if (!timer_armed_ || tp < timer_.expiry()) arm_timer(tp);
  }
  void set_deadline_in(std::chrono::milliseconds d) { set_deadline(clock_type::now() + d); }

  void arm_timer(clock_type::time_point tp) {
    timer_.expires_at(tp);  // cancels a pending wait; its handler sees a stale generation
    timer_armed_ = true;
    timer_.async_wait(beast::bind_front_handler(&http_session::on_timer, self(), ++timer_generation_));
  }

  void on_timer(std::uint64_t generation, error_code) {
    if (generation != timer_generation_) return;
    timer_armed_ = false;
    if (phase_ == phase::closed) return;
    if (clock_type::now() < deadline_) return arm_timer(deadline_);
    on_deadline();
  }

  void on_deadline() {
    switch (phase_) {
      case phase::reading: {
        // Cancel the read; its handler answers 408.
        timed_out_ = true;
        error_code ec;
        socket().cancel(ec);
        break;
      }
      case phase::handling:
        break;  // a synchronous handler holds the thread; an async one bounds its own wait
      case phase::streaming:
        break;  // waiting for the next piece of a streamed body: its producer bounds that wait
      default:
        close_now();  // idle, handshake, slow reader, lingering
    }
  }

  // --- connection --------------------------------------------------------------

  void on_run() {
    start_ = clock_type::now();
    error_code ec;
    const auto ep = socket().remote_endpoint(ec);
    if (!ec) {
      const auto addr = ep.address();
      remote_ = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
      remote_ += ':';
      append_number(remote_, ep.port());
    }
    socket().set_option(tcp::no_delay(true), ec);
    if (state_->stopping.load() && !reject_) return close_now();
    if constexpr (is_tls) {
      phase_ = phase::handshake;
      set_deadline_in(opts().read_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              beast::bind_front_handler(&http_session::on_handshake, self()));
    } else {
      after_handshake();
    }
  }

  void on_handshake(error_code ec) {
    if (phase_ == phase::closed) return;
    if (ec) return close_now();
    after_handshake();
  }

  void after_handshake() {
    if (reject_) {
      phase_ = phase::reading;
      return send_error(503, "Too many connections: the server accepts at most " +
                                 std::to_string(opts().max_connections) + " at once");
    }
    do_read();
  }

  // --- reading -------------------------------------------------------------

  void do_read() {
    if (state_->stopping.load()) return close_graceful();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(opts().header_limit, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(static_cast<std::uint64_t>(opts().body_limit));
    if (buffer_.size() != 0) return start_request();  // pipelined bytes already here
    phase_ = phase::idle;
    set_deadline_in(opts().idle_timeout);
    stream_.async_read_some(buffer_.prepare(read_chunk), beast::bind_front_handler(&http_session::on_idle_read, self()));
  }

  void on_idle_read(error_code ec, std::size_t n) {
    if (phase_ == phase::closed) return;
    if (ec) return close_now();  // client left, idle timeout, or shutdown: silently
    buffer_.commit(n);
    start_request();
  }

  void start_request() {
    phase_ = phase::reading;
    timed_out_ = false;
    start_ = clock_type::now();
    set_deadline(start_ + opts().read_timeout);
    http::async_read_header(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_header, self()));
  }

  void on_header(error_code ec, std::size_t) {
    if (phase_ == phase::closed) return;
    if (ec) return on_read_error(ec);
    if (parser_->is_done()) return handle();
    const auto& req = parser_->get();
    if (req.version() >= 11 && beast::iequals(req[http::field::expect], "100-continue")) {
      net::async_write(stream_, net::buffer(continue_100.data(), continue_100.size()),
                       beast::bind_front_handler(&http_session::on_continue, self()));
      return;
    }
    do_read_body();
  }

  void on_continue(error_code ec, std::size_t) {
    if (phase_ == phase::closed) return;
    if (ec) return on_read_error(ec);
    do_read_body();
  }

  void do_read_body() {
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_body, self()));
  }

  void on_body(error_code ec, std::size_t) {
    if (phase_ == phase::closed) return;
    if (ec) return on_read_error(ec);
    handle();
  }

  void on_read_error(const error_code& ec) {
    if (timed_out_)
      return send_error(408, "Request not completed within the read timeout of " +
                                 std::to_string(opts().read_timeout.count()) + " ms");
    if (ec == http::error::header_limit)
      return send_error(431, "Request header fields exceed the limit of " + std::to_string(opts().header_limit) +
                                 " bytes");
    if (ec == http::error::body_limit)
      return send_error(413, "Payload content length greater than maximum allowed: " +
                                 std::to_string(opts().body_limit));
    if (is_disconnect(ec) || ec.category() != http::make_error_code(http::error::bad_method).category())
      return close_now();
    send_error(400, "Malformed HTTP request: " + ec.message());
  }

  // --- handling --------------------------------------------------------------

  void fill_request(bool with_body) {
    auto& msg = parser_->get();
    req_.method.assign(msg.method_string());
    req_.target.assign(msg.target());
    std::size_t i = 0;
    for (const auto& f : msg) {
      if (i < req_.headers.size()) {
        req_.headers[i].first.assign(f.name_string());
        req_.headers[i].second.assign(f.value());
      } else {
        req_.headers.emplace_back(f.name_string(), f.value());
      }
      ++i;
    }
    req_.headers.resize(i);
    if (with_body)
      req_.body = std::move(msg.body());
    else
      req_.body.clear();
    req_.version = msg.version();
    req_.remote = remote_;
  }

  void clear_request() {
    req_.method.clear();
    req_.target.clear();
    req_.headers.clear();
    req_.body.clear();
    req_.version = 11;
    req_.remote = remote_;
  }

  void handle() {
    phase_ = phase::handling;
    fill_request(true);
    const auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive() && !state_->stopping.load();
    head_request_ = msg.method() == http::verb::head;
    linger_ = false;
    res_.status = 200;
    res_.headers.clear();
    res_.body.clear();
    res_.stream.reset();
    res_.stream_length.reset();
    res_.operation_id = {};
    res_.violations.clear();
    res_.response_violations.clear();
    const std::uint64_t exchange = ++exchange_generation_;
    try {
      if (state_->async_handler) {
        state_->async_handler(req_, res_, [s = self(), exchange] {
          net::post(s->stream_.get_executor(), [s, exchange] { s->after_handle(exchange); });
        });
        return;
      }
      state_->handler(req_, res_);
    } catch (const std::exception& e) {
      ++exchange_generation_;  // a later `done` of an async handler is ignored
      state_->log(std::string("handler failed on ") + req_.method + " " + req_.target + ": " + e.what());
      internal_error();
    } catch (...) {
      ++exchange_generation_;
      state_->log("handler failed on " + req_.method + " " + req_.target + ": unknown exception");
      internal_error();
    }
    finish_handling();
  }

  // An async handler's `done`: resumes the exchange unless the session moved on (closed,
  // or the handler threw and was answered already).
  void after_handle(std::uint64_t exchange) {
    if (phase_ != phase::handling || exchange != exchange_generation_) return;
    finish_handling();
  }

  void finish_handling() {
    if (res_.status < 100 || res_.status > 999) {
      state_->log("handler returned invalid status " + std::to_string(res_.status) + " on " + req_.method + " " +
                  req_.target);
      internal_error();
    }
    if (state_->stopping.load()) keep_alive_ = false;  // stop() came while the handler ran
    do_write();
  }

  void internal_error() { own_answer(500, "An internal server error occurred."); }

  // The server's own answer: options.own_error's rendering, else Kibana's error body.
  void own_answer(int status, const std::string& message) {
    res_.status = status;
    res_.headers.clear();
    res_.body.clear();
    drop_stream();
    res_.violations.clear();
    res_.response_violations.clear();
    if (opts().own_error) {
      try {
        opts().own_error(status, message, res_);
        res_.status = status;
        return;
      } catch (const std::exception& e) {
        state_->log(std::string("own_error failed: ") + e.what());
        res_.headers.clear();
      }
    }
    res_.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    res_.body = kibana_error_body(status, message);
  }

  // The server's own answer (limits, parse errors, timeout, connection cap); then close.
  void send_error(int status, const std::string& message) {
    if (parser_ && parser_->is_header_done())
      fill_request(false);
    else
      clear_request();
    keep_alive_ = false;
    head_request_ = false;
    linger_ = true;
    own_answer(status, message);
    do_write();
  }

  // --- writing -------------------------------------------------------------

  void serialize() {
    const int status = res_.status;
    const bool bodyless_status = status < 200 || status == 204 || status == 304;
    head_.clear();
    head_ += "HTTP/1.1 ";
    append_number(head_, static_cast<std::uint64_t>(status));
    head_ += ' ';
    head_ += reason_phrase(status);
    head_ += "\r\n";
    bool has_date = false;
    std::string_view handler_length;
    for (const auto& [name, value] : res_.headers) {
      if (name.empty() || has_crlf(name) || has_crlf(value) || name.find(':') != std::string::npos) continue;
      if (iequals(name, "content-length")) {
        handler_length = value;
        continue;
      }
      if (iequals(name, "transfer-encoding")) continue;
      if (iequals(name, "connection")) {
        if (beast::iequals(value, "close")) keep_alive_ = false;
        continue;
      }
      if (iequals(name, "date")) has_date = true;
      head_ += name;
      head_ += ": ";
      head_ += value;
      head_ += "\r\n";
    }
    if (!has_date) {
      head_ += "Date: ";
      head_ += http_date();
      head_ += "\r\n";
    }
    if (!keep_alive_)
      head_ += "Connection: close\r\n";
    else if (req_.version < 11)
      head_ += "Connection: keep-alive\r\n";
    streaming_ = res_.stream && !head_request_ && !bodyless_status;
    chunked_ = false;
    if (streaming_) {
      // A body sent as it arrives: its length when known, else chunked (HTTP/1.0: until close).
      if (res_.stream_length) {
        head_ += "Content-Length: ";
        append_number(head_, *res_.stream_length);
        head_ += "\r\n";
      } else if (req_.version >= 11) {
        head_ += "Transfer-Encoding: chunked\r\n";
        chunked_ = true;
      } else if (keep_alive_) {
        keep_alive_ = false;
        const auto at = head_.find("Connection: keep-alive\r\n");
        if (at != std::string::npos) head_.erase(at, 24);
        head_ += "Connection: close\r\n";
      }
      head_ += "\r\n";
      send_body_ = false;
      return;
    }
    if (res_.stream) drop_stream();  // HEAD, 204, 304: nothing of it is sent
    if (!bodyless_status) {
      head_ += "Content-Length: ";
      if (head_request_ && res_.body.empty() && !handler_length.empty() &&
          handler_length.find_first_not_of("0123456789") == std::string_view::npos)
        head_ += handler_length;
      else
        append_number(head_, res_.body.size());
      head_ += "\r\n";
    }
    head_ += "\r\n";
    send_body_ = !head_request_ && !bodyless_status && !res_.body.empty();
    if (send_body_ && res_.body.size() <= inline_body_limit) {
      head_ += res_.body;
      send_body_ = false;
    }
  }

  void do_write() {
    serialize();
    phase_ = phase::writing;
    set_deadline_in(opts().write_timeout);
    const std::array<net::const_buffer, 2> buffers{
        net::buffer(head_), send_body_ ? net::buffer(res_.body) : net::const_buffer()};
    net::async_write(stream_, buffers, beast::bind_front_handler(&http_session::on_write, self()));
  }

  void on_write(error_code ec, std::size_t) {
    if (phase_ == phase::closed) return;
    if (ec) return close_now();
    if (streaming_) return next_piece();
    write_done();
  }

  void write_done() {
    if (opts().on_complete) {
      try {
        opts().on_complete(req_, res_,
                           std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - start_));
      } catch (const std::exception& e) {
        state_->log(std::string("on_complete failed: ") + e.what());
      } catch (...) {
        state_->log("on_complete failed: unknown exception");
      }
    }
    if (keep_alive_) return do_read();
    if (linger_) return close_linger();
    close_graceful();
  }

  // --- a streamed body: one piece asked for, written, then the next -------------------

  void next_piece() {
    phase_ = phase::streaming;
    const std::uint64_t exchange = exchange_generation_;
    res_.stream->read([s = self(), exchange](std::string piece, bool last, std::string error) {
      net::post(s->stream_.get_executor(),
                [s, exchange, piece = std::move(piece), last, error = std::move(error)]() mutable {
                  s->on_piece(exchange, std::move(piece), last, std::move(error));
                });
    });
  }

  void on_piece(std::uint64_t exchange, std::string piece, bool last, std::string error) {
    if (phase_ != phase::streaming || exchange != exchange_generation_) return;
    if (!error.empty()) {
      // The producer failed after the head went out: no answer can replace it. Closing
      // without the rest (or the last chunk) tells the client the body is incomplete.
      res_.stream.reset();
      return close_now();
    }
    piece_ = std::move(piece);
    if (last) {
      res_.stream.reset();
      streaming_ = false;
    }
    chunk_head_.clear();
    chunk_tail_.clear();
    if (chunked_ && !piece_.empty()) {
      char buf[20];
      const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, piece_.size(), 16);
      (void)ec;
      chunk_head_.assign(buf, end);
      chunk_head_ += "\r\n";
      chunk_tail_ = "\r\n";
    }
    if (chunked_ && last) chunk_tail_ += "0\r\n\r\n";
    if (piece_.empty() && chunk_tail_.empty()) return last ? write_done() : next_piece();
    phase_ = phase::writing;
    set_deadline_in(opts().write_timeout);
    const std::array<net::const_buffer, 3> buffers{net::buffer(chunk_head_), net::buffer(piece_),
                                                   net::buffer(chunk_tail_)};
    net::async_write(stream_, buffers, beast::bind_front_handler(&http_session::on_write, self()));
  }

  // The body's producer is told to stop (the client left, or an own answer replaces it).
  void drop_stream() {
    streaming_ = false;
    if (auto source = std::move(res_.stream)) source->cancel();
  }

  // --- closing -------------------------------------------------------------

  void close_now() {
    if (phase_ == phase::closed) return;
    drop_stream();
    phase_ = phase::closed;
    error_code ec;
    timer_.cancel();
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
  }

  // After a normal last response: TLS close_notify, or TCP FIN.
  void close_graceful() {
    if constexpr (is_tls) {
      phase_ = phase::closing;
      set_deadline_in(tls_shutdown_time);
      stream_.async_shutdown(beast::bind_front_handler(&http_session::on_tls_shutdown, self()));
    } else {
      error_code ec;
      socket().shutdown(tcp::socket::shutdown_send, ec);
      close_now();
    }
  }

  void on_tls_shutdown(error_code) { close_now(); }

  // After an error answer the client may still be sending (a body we refused):
  // closing with unread data would reset the connection and could destroy the
  // answer in flight. Send FIN, then read and discard (bounded in time and
  // bytes, nothing kept) until the client closes.
  void close_linger() {
    if constexpr (is_tls) {
      close_graceful();
    } else {
      phase_ = phase::closing;
      error_code ec;
      socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return close_now();
      lingered_ = 0;
      buffer_.clear();
      set_deadline_in(std::min<std::chrono::milliseconds>(linger_time, opts().read_timeout));
      do_linger_read();
    }
  }

  void do_linger_read() {
    stream_.async_read_some(buffer_.prepare(read_chunk), beast::bind_front_handler(&http_session::on_linger, self()));
  }

  void on_linger(error_code ec, std::size_t n) {
    if (phase_ == phase::closed) return;
    lingered_ += n;
    if (ec || lingered_ > linger_byte_limit) return close_now();
    do_linger_read();  // not committed: discarded
  }

  std::shared_ptr<server_state> state_;
  Stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http_request req_;
  http_response res_;
  std::string head_;    // serialized status line + headers (+ small body)
  std::string piece_;   // a streamed body's piece being written
  std::string chunk_head_;
  std::string chunk_tail_;
  std::string remote_;  // "127.0.0.1:5555"
  clock_type::time_point start_{};
  clock_type::time_point deadline_{};
  std::uint64_t timer_generation_ = 0;
  std::uint64_t exchange_generation_ = 0;  // which handler call a `done` belongs to
  std::size_t lingered_ = 0;
  phase phase_ = phase::idle;
  bool timer_armed_ = false;
  bool timed_out_ = false;
  bool keep_alive_ = false;
  bool head_request_ = false;
  bool send_body_ = false;
  bool streaming_ = false;  // res_.stream is being sent: pieces follow the head
  bool chunked_ = false;
  bool linger_ = false;
  const bool reject_;
};

}  // namespace

void start_session(const std::shared_ptr<server_state>& state, tcp::socket socket, bool reject) {
  if (state->tls)
    std::make_shared<http_session<ssl::stream<tcp::socket>>>(state, std::move(socket), reject)->run();
  else
    std::make_shared<http_session<tcp::socket>>(state, std::move(socket), reject)->run();
}

}  // namespace specgate::server::detail
