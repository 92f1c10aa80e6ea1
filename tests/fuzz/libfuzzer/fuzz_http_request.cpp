// libFuzzer target: raw request bytes parsed by Beast's request parser (the server's limits), then
// handled by the real mock_host serving spec/kibana.yaml (admin API, routing, parameter decoding,
// body and response checks). Invariants: no crash, no exception, a status in 100..599.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <chrono>
#include <string_view>

#include "fuzz/libfuzzer/fuzz_util.h"
#include "server/http/http_server.h"
#include "server/mock/mock_host.h"
#include "server/mock/mock_service.h"
#include "validator/contract/contract.h"

namespace {

using namespace specgate;
namespace http = boost::beast::http;

server::mock_host& the_host() {
  static server::mock_host* host = [] {
    auto built = validator::load_contract_text(fuzz::source_file("spec/kibana.yaml"), "spec/kibana.yaml");
    if (!built.value) fuzz::broken("spec/kibana.yaml does not load");
    auto created = server::mock_service::create(built.value);
    if (!created.first) fuzz::broken("the mock cannot be created from spec/kibana.yaml");
    server::host_options options;
    options.journal_size = 16;
    options.log = [](std::string_view) {};
    return new server::mock_host(created.first, "spec/kibana.yaml", options);
  }();
  return *host;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& host = the_host();
  const server::server_options limits;  // the server's defaults
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
  parser.body_limit(static_cast<std::uint64_t>(limits.body_limit));
  parser.eager(true);
  boost::beast::error_code ec;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  // As the session does: feed what arrived until the message is complete or the parser refuses it.
  while (!rest.empty() && !parser.is_done()) {
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    if (ec == http::error::need_more) break;
    if (ec) return 0;  // the session answers 400/413/431 itself
    if (used == 0) break;
    rest.remove_prefix(used);
  }
  if (!parser.is_done()) {
    if (!parser.got_some()) return 0;  // nothing read: the connection just closed (put_eof asserts)
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;
  }
  auto& msg = parser.get();
  server::http_request req;  // filled as http_session::fill_request does
  req.method.assign(msg.method_string());
  req.target.assign(msg.target());
  for (const auto& f : msg) req.headers.emplace_back(f.name_string(), f.value());
  req.body = std::move(msg.body());
  req.version = msg.version();
  req.remote = "127.0.0.1:1";
  server::http_response res;
  host.handle(req, res);
  if (res.status < 100 || res.status > 599) fuzz::broken("status outside 100..599");
  host.complete(req, res, std::chrono::microseconds(1));
  return 0;
}
