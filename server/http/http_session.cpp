// One HTTP/1.1 connection (plain or TLS): read a request with limits and deadlines, run the
// handler, write the answer, keep alive or close; request and response bodies may stream.
#include "server/http/http_session.h"
#include "server/http/profile_answers.h"

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
#include <boost/beast/http/buffer_body.hpp>
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
constexpr std::size_t upload_piece_size = 64 * 1024;  // a streamed request body is read this much at a time
constexpr std::size_t inline_body_limit = 16 * 1024;  // smaller bodies are copied behind the head: one write
constexpr std::size_t linger_byte_limit = 1024 * 1024;
constexpr std::chrono::milliseconds linger_time{1'000};
constexpr std::chrono::milliseconds tls_shutdown_time{1'000};

// ---------------------------------------------------------------------------
// http_session: Stream is tcp::socket or ssl::stream<tcp::socket>.
//
// Phases: [handshake] -> idle (wait for a request's first byte, idle_timeout,
// silent close) -> reading (header within header_timeout, then 100-continue and
// body; read_timeout for the whole request: 408) -> handling (the handler; a
// body streamed to it is read piece by piece meanwhile, read_timeout per piece)
// -> writing (write_timeout; a streamed answer piece by piece) -> idle ... ;
// closing (TLS shutdown / lingering close).
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
        // A synchronous handler holds the thread; an async one bounds its own wait. A streamed
        // request body's next piece is the client's to send: cancel the read, it answers 408.
        if (upload_reading_) {
          timed_out_ = true;
          error_code ec;
          socket().cancel(ec);
        }
        break;
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
    upload_.reset();
    upload_state_ = upload_state::none;
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
    // The header has its own, shorter deadline (a slowloris is cut there); on_header moves it to read_timeout.
    set_deadline(start_ + std::min(opts().header_timeout, opts().read_timeout));
    http::async_read_header(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_header, self()));
  }

  void on_header(error_code ec, std::size_t) {
    if (phase_ == phase::closed) return;
    if (ec) return on_read_error(ec);
    if (parser_->is_done()) return handle();
    set_deadline(start_ + opts().read_timeout);  // the body's deadline: the whole request's
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
    if (streams_body()) return start_upload();
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_body, self()));
  }

  void on_body(error_code ec, std::size_t) {
    if (phase_ == phase::closed) return;
    if (ec) return on_read_error(ec);
    handle();
  }

  void on_read_error(const error_code& ec) {
    if (timed_out_ && !parser_->is_header_done())
      return send_error(408, "Request header not completed within the header timeout of " +
                                 std::to_string(std::min(opts().header_timeout, opts().read_timeout).count()) + " ms");
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

  // --- a request body streamed to the handler ------------------------------------------

  // The handler reads the body piece by piece (http_request::stream) when the server streams
  // requests and this body is past the limit: Content-Length says so, or (chunked) it grows past.
  bool streams_body() const {
    if (opts().stream_request_above == 0 || !state_->async_handler) return false;
    const auto length = parser_->content_length();
    return !length || *length > opts().stream_request_above;
  }

  // The header is read and no body byte parsed: the parser changes its body type.
  void start_upload() {
    upload_.emplace(std::move(*parser_));
    parser_.reset();
    upload_->body_limit(static_cast<std::uint64_t>(opts().body_limit));
    upload_held_.clear();
    upload_error_.clear();
    upload_status_ = 0;
    if (upload_->content_length()) return handle_upload();
    upload_state_ = upload_state::holding;  // chunked: held until it passes the limit or ends
    read_upload_piece();
  }

  // The handler runs now; the body follows through req_.stream (held bytes first).
  void handle_upload() {
    upload_state_ = upload_state::streaming;
    fill_request(upload_->get());
    req_.stream = std::make_shared<upload_source>(self(), exchange_generation_ + 1);
    if (const auto length = upload_->content_length()) req_.stream_length = *length;
    run_handler(upload_->keep_alive(), upload_->get().method());
  }

  class upload_source final : public body_source {
   public:
    upload_source(const std::shared_ptr<http_session>& session, std::uint64_t exchange)
        : session_(session), executor_(session->stream_.get_executor()), exchange_(exchange) {}
    void read(callback got) override {
      auto s = session_.lock();
      if (!s) return got({}, true, "the client closed the connection before the request body was complete");
      net::post(executor_, [s, exchange = exchange_, got = std::move(got)]() mutable {
        s->upload_read(exchange, std::move(got));
      });
    }
    void cancel() override {
      if (auto s = session_.lock()) net::post(executor_, [s, exchange = exchange_] { s->upload_cancel(exchange); });
    }
    int failure_status() const override { return status_; }
    int status_ = 0;  // set by fail_upload

   private:
    std::weak_ptr<http_session> session_;
    typename Stream::executor_type executor_;
    std::uint64_t exchange_;
  };

  void upload_read(std::uint64_t exchange, body_source::callback got) {
    if (exchange != exchange_generation_ || phase_ == phase::closed || upload_state_ == upload_state::failed ||
        upload_state_ == upload_state::abandoned)
      return got({}, true,
                 upload_error_.empty() ? "the request body is no longer available" : upload_error_);
    if (!upload_held_.empty()) {
      std::string first = std::move(upload_held_);
      upload_held_.clear();
      const bool last = upload_->is_done();
      if (last) upload_state_ = upload_state::complete;
      return got(std::move(first), last, {});
    }
    if (upload_->is_done()) {
      upload_state_ = upload_state::complete;
      return got({}, true, {});
    }
    upload_got_ = std::move(got);
    set_deadline_in(opts().read_timeout);
    read_upload_piece();
  }

  void upload_cancel(std::uint64_t exchange) {
    if (exchange != exchange_generation_) return;
    upload_got_ = nullptr;
    if (upload_state_ == upload_state::streaming) upload_state_ = upload_state::abandoned;
  }

  void read_upload_piece() {
    upload_piece_.resize(upload_piece_size);
    auto& body = upload_->get().body();
    body.data = upload_piece_.data();
    body.size = upload_piece_.size();
    body.more = true;
    upload_reading_ = true;
    http::async_read_some(stream_, buffer_, *upload_,
                          beast::bind_front_handler(&http_session::on_upload_piece, self()));
  }

  void on_upload_piece(error_code ec, std::size_t) {
    upload_reading_ = false;
    if (phase_ == phase::closed) return;
    if (ec == http::error::need_buffer) ec = {};
    upload_piece_.resize(upload_piece_.size() - upload_->get().body().size);
    if (phase_ == phase::closing) {  // answered already: the rest is read and discarded
      lingered_ += upload_piece_.size();
      if (ec || upload_->is_done() || lingered_ > linger_byte_limit) return close_now();
      buffer_.clear();
      return do_linger_read();
    }
    const bool done = !ec && upload_->is_done();
    if (upload_state_ == upload_state::holding) {
      if (ec) return on_read_error(ec);
      upload_held_ += upload_piece_;
      if (done) {  // a chunked body within the limit: handled as if read whole
        upload_state_ = upload_state::complete;
        fill_request(upload_->get());
        req_.body = std::move(upload_held_);
        upload_held_.clear();
        return run_handler(upload_->keep_alive(), upload_->get().method());
      }
      if (upload_held_.size() > opts().stream_request_above) return handle_upload();
      return read_upload_piece();
    }
    if (upload_state_ != upload_state::streaming) return;  // abandoned: what is left stays unread
    if (ec) {
      if (timed_out_)
        return fail_upload(408, "Request body not completed: the client sent nothing for " +
                                    std::to_string(opts().read_timeout.count()) + " ms (read timeout)");
      if (ec == http::error::body_limit)
        return fail_upload(413, "Payload content length greater than maximum allowed: " +
                                    std::to_string(opts().body_limit));
      if (is_disconnect(ec) || ec.category() != http::make_error_code(http::error::bad_method).category())
        return fail_upload(0, "the client closed the connection before the request body was complete");
      return fail_upload(400, "Malformed HTTP request body: " + ec.message());
    }
    if (upload_piece_.empty() && !done) return read_upload_piece();
    if (done) upload_state_ = upload_state::complete;
    auto got = std::move(upload_got_);
    upload_got_ = nullptr;
    if (got) got(std::move(upload_piece_), done, {});
  }

  // The streamed body cannot be completed: the handler's reader is told, and the session answers
  // `status` once the handler is done (0: the client left, nothing is answered).
  void fail_upload(int status, std::string message) {
    if (upload_state_ != upload_state::streaming) return;
    upload_state_ = upload_state::failed;
    upload_status_ = status;
    upload_error_ = std::move(message);
    if (auto* source = dynamic_cast<upload_source*>(req_.stream.get())) source->status_ = status;
    auto got = std::move(upload_got_);
    upload_got_ = nullptr;
    if (got) got({}, true, upload_error_);
  }

  // --- handling --------------------------------------------------------------

  // The request line and headers of `msg` (either parser's message) into req_; no body yet.
  void fill_request(const http::request_header<>& msg) {
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
    req_.body.clear();
    req_.stream.reset();
    req_.stream_length.reset();
    req_.version = msg.version();
    req_.remote = remote_;
  }

  void clear_request() {
    req_.method.clear();
    req_.target.clear();
    req_.headers.clear();
    req_.body.clear();
    req_.stream.reset();
    req_.stream_length.reset();
    req_.version = 11;
    req_.remote = remote_;
  }

  // A request read whole.
  void handle() {
    fill_request(parser_->get());
    req_.body = std::move(parser_->get().body());
    run_handler(parser_->keep_alive(), parser_->get().method());
  }

  void run_handler(bool keep_alive, http::verb method) {
    phase_ = phase::handling;
    keep_alive_ = keep_alive && !state_->stopping.load();
    head_request_ = method == http::verb::head;
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
    if (upload_state_ == upload_state::failed) {
      // The client's body broke off while the handler was forwarding it: the handler's answer
      // (made of that failure) gives way to the session's own, or to nothing when the client left.
      if (upload_status_ == 0) return close_now();
      return send_error(upload_status_, upload_error_);
    }
    if (upload_state_ == upload_state::streaming) {
      // Answered without reading the whole body (refused, or the upstream answered early): what
      // is left cannot be told from a next request, so the connection closes after the answer.
      upload_state_ = upload_state::abandoned;
      keep_alive_ = false;
      linger_ = true;
    }
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
    if (phase_ == phase::handling)
      req_.stream.reset();  // the request is known already; its body is not read further
    else if (upload_)
      fill_request(upload_->get());
    else if (parser_ && parser_->is_header_done())
      fill_request(parser_->get());
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
    fail_upload(0, "the client closed the connection before the request body was complete");
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
      if (upload_reading_) return close_now();  // no TLS shutdown beside a pending read
      close_graceful();
    } else {
      phase_ = phase::closing;
      error_code ec;
      socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return close_now();
      lingered_ = 0;
      if (upload_reading_) {
        // A read of the streamed body is under way on buffer_: its handler lingers on.
        set_deadline_in(std::min<std::chrono::milliseconds>(linger_time, opts().read_timeout));
        return;
      }
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
  // A body read piece by piece: held (chunked, up to the limit), or streamed to the handler.
  enum class upload_state { none, holding, streaming, complete, abandoned, failed };
  std::optional<http::request_parser<http::buffer_body>> upload_;
  upload_state upload_state_ = upload_state::none;
  std::string upload_piece_;
  std::string upload_held_;
  std::string upload_error_;
  int upload_status_ = 0;
  body_source::callback upload_got_;
  bool upload_reading_ = false;
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
