// libFuzzer target: request bodies through the real request_validator: urlencoded and multipart
// form bodies (field splitting, part headers, per-field JSON), ndjson, JSON and text, against
// tests/fuzz/libfuzzer/body_spec.yaml. The first byte picks the Content-Type (or takes it from the
// input's first line); the rest is the body. Invariants: no crash or exception; the route matches.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz/libfuzzer/fuzz_util.h"
#include "validator/check/request_validator.h"
#include "validator/contract/contract.h"

namespace {

using namespace specgate::validator;

struct checker {
  std::shared_ptr<const contract> c;
  std::unique_ptr<request_validator> validator;
};

const checker& the_checker() {
  static const checker* out = [] {
    build_options options;
    options.profile = profile_choice::openapi;
    auto built = load_contract_text(specgate::fuzz::source_file("tests/fuzz/libfuzzer/body_spec.yaml"),
                                    "body_spec.yaml", options);
    if (!built.value) specgate::fuzz::broken("body_spec.yaml does not load");
    auto* ch = new checker;
    ch->c = built.value;
    ch->validator = std::make_unique<request_validator>(*ch->c);
    return ch;
  }();
  return *out;
}

constexpr std::array<std::string_view, 6> content_types = {
    "application/x-www-form-urlencoded", "multipart/form-data; boundary=XyZ", "application/x-ndjson",
    "application/json",                  "text/plain; charset=utf-8",         "multipart/form-data; boundary=\"a b\""};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& ch = the_checker();
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string content_type;
  const std::uint8_t pick = data[0];
  if (pick < content_types.size()) {
    content_type = content_types[pick];
  } else {  // "Content-Type\nbody": the media type itself is fuzzed
    const auto nl = body.find('\n');
    content_type = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
  }
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", content_type}, {"Content-Length", std::to_string(body.size())}};
  request_input in;
  in.method = "POST";
  in.target = "/body";
  in.headers = headers;
  in.body = body;
  const request_outcome out = ch.validator->check(in);
  if (!out.route) specgate::fuzz::broken("POST /body did not route");
  for (const auto& v : out.found)
    if (v.message.empty()) specgate::fuzz::broken("a violation without a message");
  return 0;
}
