// Decodes gzip, deflate and br bodies (and lists of them) with zlib and brotli, bounded in output size.
#include "validator/traffic/content_coding.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>
#include <vector>

#include "validator/text_util.h"

namespace specgate::validator {

namespace {

// Output is produced in pieces of this size (and never past the limit).
constexpr std::size_t chunk = 64 * 1024;

struct step_result {
  bool ok = true;
  bool too_large = false;
  std::string reason;  // zlib's or brotli's words
};

std::string limit_reason(std::size_t max_output) {
  return "decoded size exceeds the limit of " + std::to_string(max_output) + " bytes";
}

// Inflates `in` with `window_bits` (15+16 gzip, 15 zlib, -15 raw deflate). gzip: members that
// follow the first one are decoded too (RFC 1952 allows a concatenation, as gzip(1) writes it).
step_result inflate_into(std::string_view in, int window_bits, std::size_t max_output, std::string& out) {
  out.clear();
  z_stream z{};
  if (inflateInit2(&z, window_bits) != Z_OK) return {false, false, "cannot start zlib"};
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
  const bool gzip = window_bits > 15;
  auto* next = reinterpret_cast<const Bytef*>(in.data());
  std::size_t left = in.size();
  for (;;) {
    // zlib counts in uInt: feed at most UINT_MAX at a time.
    if (z.avail_in == 0 && left > 0) {
      z.next_in = const_cast<Bytef*>(next);
      z.avail_in = static_cast<uInt>(std::min<std::size_t>(left, UINT_MAX));
      next += z.avail_in;
      left -= z.avail_in;
    }
    const std::size_t room = max_output - out.size();
    // One byte past the limit is asked for, so that "exactly the limit" still fits.
    const std::size_t want = std::min(chunk, room + 1);
    const std::size_t before = out.size();
    out.resize(before + want);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + before);
    z.avail_out = static_cast<uInt>(want);
    const int rc = inflate(&z, Z_NO_FLUSH);
    out.resize(before + (want - z.avail_out));
    if (out.size() > max_output) return {false, true, limit_reason(max_output)};
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0 && left == 0) return {};
      if (!gzip) return {false, false, "data after the end of the stream"};
      // Another gzip member.
      if (inflateReset(&z) != Z_OK) return {false, false, "cannot restart zlib"};
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR) {
      // No progress: more output room or more input is needed, or the input ended early.
      if (z.avail_out == 0 || (z.avail_in == 0 && left > 0)) continue;
      return {false, false, "unexpected end of data"};
    }
    if (rc == Z_NEED_DICT) return {false, false, "a preset dictionary is needed"};
    if (rc == Z_MEM_ERROR) return {false, false, "out of memory"};
    return {false, false, z.msg ? z.msg : zError(rc)};
  }
}

// A zlib stream (RFC 1950) starts with CMF/FLG: deflate method, window at most 32 KiB, and a check
// value that makes the pair a multiple of 31.
bool looks_like_zlib(std::string_view in) {
  if (in.size() < 2) return false;
  const auto cmf = static_cast<unsigned char>(in[0]);
  const auto flg = static_cast<unsigned char>(in[1]);
  return (cmf & 0x0F) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
}

// "deflate" means zlib-wrapped deflate (RFC 9110), but some servers send raw deflate; browsers
// accept both, and so do we. A stream that looks like zlib and fails as zlib reports zlib's error.
step_result inflate_deflate(std::string_view in, std::size_t max_output, std::string& out) {
  if (!looks_like_zlib(in)) return inflate_into(in, -15, max_output, out);
  step_result wrapped = inflate_into(in, 15, max_output, out);
  if (wrapped.ok || wrapped.too_large) return wrapped;
  std::string raw;
  step_result bare = inflate_into(in, -15, max_output, raw);
  if (bare.ok || bare.too_large) {
    out = std::move(raw);
    return bare;
  }
  return wrapped;
}

// brotli's reason: its error name ("PADDING_2") as words, with the kind of error it is:
// "corrupt data (padding 2)", "out of memory (ring buffer 1)".
std::string brotli_reason(BrotliDecoderErrorCode code) {
  std::string name = BrotliDecoderErrorString(code);
  while (!name.empty() && name.front() == '_') name.erase(0, 1);
  for (auto& c : name) c = c == '_' ? ' ' : ascii_lower(c);
  const int value = static_cast<int>(code);
  if (value <= -1 && value >= -16) return "corrupt data (" + name + ")";
  if (value <= -21 && value >= -30) return "out of memory (" + name + ")";
  return name;
}

step_result unbrotli(std::string_view in, std::size_t max_output, std::string& out) {
  out.clear();
  std::unique_ptr<BrotliDecoderState, void (*)(BrotliDecoderState*)> state(
      BrotliDecoderCreateInstance(nullptr, nullptr, nullptr), BrotliDecoderDestroyInstance);
  if (!state) return {false, false, "cannot start brotli"};
  auto* next_in = reinterpret_cast<const std::uint8_t*>(in.data());
  std::size_t avail_in = in.size();
  for (;;) {
    const std::size_t room = max_output - out.size();
    const std::size_t want = std::min(chunk, room + 1);
    const std::size_t before = out.size();
    out.resize(before + want);
    auto* next_out = reinterpret_cast<std::uint8_t*>(out.data() + before);
    std::size_t avail_out = want;
    const auto rc = BrotliDecoderDecompressStream(state.get(), &avail_in, &next_in, &avail_out, &next_out, nullptr);
    out.resize(before + (want - avail_out));
    if (out.size() > max_output) return {false, true, limit_reason(max_output)};
    switch (rc) {
      case BROTLI_DECODER_RESULT_SUCCESS:
        if (avail_in != 0) return {false, false, "data after the end of the stream"};
        return {};
      case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
        continue;
      case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
        return {false, false, "unexpected end of data"};
      case BROTLI_DECODER_RESULT_ERROR:
      default:
        return {false, false, brotli_reason(BrotliDecoderGetErrorCode(state.get()))};
    }
  }
}

}  // namespace

decoded_body decode_content(std::string_view encoding, std::string_view body, std::size_t max_output) {
  // The codings in the order they were applied; identity (and empty list members) do nothing.
  std::vector<std::string_view> codings;
  while (!encoding.empty()) {
    const auto comma = encoding.find(',');
    const std::string_view item = trim(encoding.substr(0, comma));
    if (!item.empty() && !iequals(item, "identity")) codings.push_back(item);
    if (comma == std::string_view::npos) break;
    encoding.remove_prefix(comma + 1);
  }
  for (auto coding : codings) {
    if (!iequals(coding, "gzip") && !iequals(coding, "x-gzip") && !iequals(coding, "deflate") && !iequals(coding, "br"))
      return {false, {}, "unsupported Content-Encoding '" + std::string(coding) + "'", false};
  }

  decoded_body result;
  // An empty body (HEAD, 204, 304 that still name their coding) decodes to nothing.
  if (codings.empty() || body.empty()) {
    if (body.size() > max_output) {
      result.ok = false;
      result.too_large = true;
      result.error = "body of " + std::to_string(body.size()) + " bytes exceeds the limit of " +
                     std::to_string(max_output) + " bytes";
      return result;
    }
    result.body.assign(body);
    return result;
  }
  std::string input(body);
  std::string output;
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    const std::string name = to_lower(*it);
    step_result step;
    if (name == "gzip" || name == "x-gzip") step = inflate_into(input, 15 + 16, max_output, output);
    else if (name == "deflate") step = inflate_deflate(input, max_output, output);
    else step = unbrotli(input, max_output, output);
    if (!step.ok) {
      result.ok = false;
      result.too_large = step.too_large;
      result.error = "cannot decode " + std::string(*it) + " body: " + step.reason;
      return result;
    }
    input.swap(output);
  }
  result.body = std::move(input);
  return result;
}

std::string gzip_encode(std::string_view body) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, deflateEnd);
  std::string out;
  auto* next = reinterpret_cast<const Bytef*>(body.data());
  std::size_t left = body.size();
  int rc = Z_OK;
  do {
    if (z.avail_in == 0 && left > 0) {
      z.next_in = const_cast<Bytef*>(next);
      z.avail_in = static_cast<uInt>(std::min<std::size_t>(left, UINT_MAX));
      next += z.avail_in;
      left -= z.avail_in;
    }
    const std::size_t before = out.size();
    out.resize(before + chunk);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + before);
    z.avail_out = static_cast<uInt>(chunk);
    rc = deflate(&z, left == 0 ? Z_FINISH : Z_NO_FLUSH);
    out.resize(before + (chunk - z.avail_out));
  } while (rc == Z_OK || rc == Z_BUF_ERROR);
  return rc == Z_STREAM_END ? out : std::string();
}

std::string brotli_encode(std::string_view body) {
  std::string out(BrotliEncoderMaxCompressedSize(body.size()), '\0');
  std::size_t size = out.size();
  // Quality 5: what web servers use on the fly; 11 (the default) is far slower for little gain here.
  if (out.empty() || !BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, body.size(),
                                            reinterpret_cast<const std::uint8_t*>(body.data()), &size,
                                            reinterpret_cast<std::uint8_t*>(out.data())))
    return {};
  out.resize(size);
  return out;
}

}  // namespace specgate::validator
