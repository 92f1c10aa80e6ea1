// libFuzzer target: the proxy's handling of upstream answers: bytes parsed by Beast's response
// parser (chunked, Content-Length or close-delimited bodies, as upstream_client reads them), then
// the body decoded by decode_content for its Content-Encoding (gzip, deflate, br, lists of them).
// Also decode_content straight on the input for each coding. Invariants: no crash or exception;
// a decoded body never passes the output bound; a failure says why.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/libfuzzer/fuzz_util.h"
#include "validator/traffic/content_coding.h"

namespace {

namespace http = boost::beast::http;
using specgate::validator::decode_content;
using specgate::validator::decoded_body;

constexpr std::size_t max_output = 1 << 20;

void check(const decoded_body& d) {
  if (d.ok && d.body.size() > max_output) specgate::fuzz::broken("decoded body past max_output");
  if (!d.ok && d.error.empty()) specgate::fuzz::broken("a failed decode without an error");
}

constexpr std::array<std::string_view, 7> codings = {"gzip", "deflate", "br", "identity", "gzip, br", "x-gzip", "zstd"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] < 0x80) {  // the bytes are a coded body
    check(decode_content(codings[data[0] % codings.size()], bytes, max_output));
    return 0;
  }
  // The bytes are an upstream response on the wire.
  http::response_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(8 * 1024 * 1024);
  if ((data[0] & 1) != 0) parser.skip(true);  // the answer to a HEAD: no body
  boost::beast::error_code ec;
  std::string_view rest = bytes;
  // The header on its own first, as upstream_client reads it (async_read_header, then the body):
  // Beast 1.74's eager parse of a header and body together skips the Content-Length body_limit
  // check and reserves whatever length the header claims.
  while (!rest.empty() && !parser.is_header_done()) {
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    if (ec == http::error::need_more) break;
    if (ec) return 0;
    if (used == 0) break;
    rest.remove_prefix(used);
  }
  parser.eager(true);
  while (!rest.empty() && !parser.is_done()) {
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    if (ec == http::error::need_more) break;
    if (ec) return 0;
    if (used == 0) break;
    rest.remove_prefix(used);
  }
  if (!parser.is_done()) {
    if (!parser.got_some()) return 0;  // nothing read: the connection just closed (put_eof asserts)
    parser.put_eof(ec);  // upstream closed the connection
    if (ec || !parser.is_done()) return 0;
  }
  const auto& msg = parser.get();
  const auto coding = msg[http::field::content_encoding];
  check(decode_content(std::string_view(coding.data(), coding.size()), msg.body(), max_output));
  return 0;
}
