// Content-Encoding decoding for the checks: gzip, deflate (zlib and raw), br, lists, limits, errors.
#include "validator/traffic/content_coding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace specgate::validator {
namespace {

using ::testing::HasSubstr;

std::string sample_json(std::size_t repeat) {
  std::string out = "[";
  for (std::size_t i = 0; i < repeat; ++i) {
    if (i) out += ',';
    out += R"({"id":")" + std::to_string(i) + R"(","name":"agent","status":"online"})";
  }
  return out + "]";
}

// zlib's compress2 gives a zlib-wrapped stream; windowBits -15 a raw one.
std::string deflate_with(std::string_view in, int window_bits) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(content_coding, gzip_and_x_gzip_decode) {
  const std::string body = sample_json(200);
  const std::string gz = gzip_encode(body);
  ASSERT_LT(gz.size(), body.size());
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);
  for (const char* name : {"gzip", "x-gzip", "GZip", " gzip "}) {
    const auto d = decode_content(name, gz, 1 << 20);
    EXPECT_TRUE(d.ok) << name << ": " << d.error;
    EXPECT_EQ(d.body, body) << name;
    EXPECT_FALSE(d.too_large);
  }
}

TEST(content_coding, concatenated_gzip_members_decode_to_their_concatenation) {
  const auto d = decode_content("gzip", gzip_encode("hello, ") + gzip_encode("world"), 1024);
  EXPECT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.body, "hello, world");
}

TEST(content_coding, deflate_is_read_wrapped_and_raw) {
  const std::string body = sample_json(50);
  const auto wrapped = decode_content("deflate", deflate_with(body, 15), 1 << 20);
  EXPECT_TRUE(wrapped.ok) << wrapped.error;
  EXPECT_EQ(wrapped.body, body);
  const auto raw = decode_content("deflate", deflate_with(body, -15), 1 << 20);
  EXPECT_TRUE(raw.ok) << raw.error;
  EXPECT_EQ(raw.body, body);
}

TEST(content_coding, brotli_decodes) {
  const std::string body = sample_json(300);
  const std::string br = brotli_encode(body);
  ASSERT_FALSE(br.empty());
  ASSERT_LT(br.size(), body.size());
  const auto d = decode_content("br", br, 1 << 20);
  EXPECT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.body, body);
}

TEST(content_coding, a_list_is_decoded_in_reverse_order) {
  const std::string body = sample_json(20);
  // Content-Encoding: gzip, br = gzip applied first, then br.
  const auto d = decode_content("gzip, br", brotli_encode(gzip_encode(body)), 1 << 20);
  EXPECT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.body, body);
  // Identity members change nothing.
  const auto e = decode_content("identity, gzip,identity", gzip_encode(body), 1 << 20);
  EXPECT_TRUE(e.ok) << e.error;
  EXPECT_EQ(e.body, body);
}

TEST(content_coding, identity_and_no_coding_return_the_body) {
  for (const char* name : {"", "identity", "IDENTITY", " , "}) {
    const auto d = decode_content(name, "plain bytes", 100);
    EXPECT_TRUE(d.ok) << name;
    EXPECT_EQ(d.body, "plain bytes") << name;
  }
  // An empty body under a coding (HEAD, 204) is empty.
  const auto empty = decode_content("gzip", "", 100);
  EXPECT_TRUE(empty.ok);
  EXPECT_EQ(empty.body, "");
}

TEST(content_coding, output_is_bounded) {
  const std::string body(100000, 'a');  // compresses to almost nothing: a small zip bomb
  const std::string gz = gzip_encode(body);
  const std::string br = brotli_encode(body);
  ASSERT_LT(gz.size(), 1000u);

  const auto exact = decode_content("gzip", gz, body.size());
  EXPECT_TRUE(exact.ok) << exact.error;
  EXPECT_EQ(exact.body.size(), body.size());

  for (const auto& [name, data] : {std::pair<std::string, std::string>{"gzip", gz}, {"br", br}}) {
    const auto d = decode_content(name, data, body.size() - 1);
    EXPECT_FALSE(d.ok) << name;
    EXPECT_TRUE(d.too_large) << name;
    EXPECT_THAT(d.error, HasSubstr("cannot decode " + name + " body"));
    EXPECT_THAT(d.error, HasSubstr(std::to_string(body.size() - 1)));
  }
  const auto plain = decode_content("identity", body, 10);
  EXPECT_FALSE(plain.ok);
  EXPECT_TRUE(plain.too_large);
  EXPECT_THAT(plain.error, HasSubstr("limit of 10 bytes"));
}

TEST(content_coding, malformed_input_names_the_coding_and_the_reason) {
  const std::string body = sample_json(20);
  std::string gz = gzip_encode(body);

  const auto garbage = decode_content("gzip", "this is not gzip", 1 << 20);
  EXPECT_FALSE(garbage.ok);
  EXPECT_FALSE(garbage.too_large);
  EXPECT_EQ(garbage.error, "cannot decode gzip body: incorrect header check");

  const auto truncated = decode_content("gzip", std::string_view(gz).substr(0, gz.size() / 2), 1 << 20);
  EXPECT_FALSE(truncated.ok);
  EXPECT_EQ(truncated.error, "cannot decode gzip body: unexpected end of data");

  std::string corrupt = gz;
  corrupt[corrupt.size() - 6] ^= 0x55;  // inside the CRC32 trailer
  const auto bad_crc = decode_content("gzip", corrupt, 1 << 20);
  EXPECT_FALSE(bad_crc.ok);
  EXPECT_EQ(bad_crc.error, "cannot decode gzip body: incorrect data check");

  const auto bad_br = decode_content("br", "\xff\xff\xff\xff not brotli", 1 << 20);
  EXPECT_FALSE(bad_br.ok);
  EXPECT_THAT(bad_br.error, HasSubstr("cannot decode br body: corrupt data ("));

  const std::string br = brotli_encode(body);
  const auto cut_br = decode_content("br", std::string_view(br).substr(0, br.size() / 2), 1 << 20);
  EXPECT_FALSE(cut_br.ok);
  EXPECT_EQ(cut_br.error, "cannot decode br body: unexpected end of data");

  const auto bad_deflate = decode_content("deflate", "\x78\x9c garbage here", 1 << 20);
  EXPECT_FALSE(bad_deflate.ok);
  EXPECT_THAT(bad_deflate.error, HasSubstr("cannot decode deflate body: "));
}

TEST(content_coding, unknown_codings_are_refused) {
  const auto d = decode_content("gzip, zstd", "x", 100);
  EXPECT_FALSE(d.ok);
  EXPECT_FALSE(d.too_large);
  EXPECT_EQ(d.error, "unsupported Content-Encoding 'zstd'");
  EXPECT_EQ(decode_content("compress", "x", 100).error, "unsupported Content-Encoding 'compress'");
}

}  // namespace
}  // namespace specgate::server
