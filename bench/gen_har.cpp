// Writes a HAR of Kibana traffic for bench/validate.sh: N exchanges cycling over every operation
// of a document that a valid request can be built for (request_builder), answered by the mock
// (mock_service), with about one exchange in ten made invalid and one in ten gzip-encoded.
//   gen_har SPEC N OUT.har [SEED]
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "server/mock/mock_service.h"
#include "validator/check/request_validator.h"
#include "validator/contract/router.h"
#include "validator/generate/request_builder.h"
#include "validator/text_util.h"
#include "validator/traffic/content_coding.h"
#include "validator/traffic/har.h"

namespace sv = specgate::validator;
namespace ss = specgate::server;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: gen_har SPEC N OUT.har [SEED]\n";
    return 2;
  }
  const std::string spec = argv[1];
  const std::size_t n = std::strtoull(argv[2], nullptr, 10);
  const std::string out_path = argv[3];
  const std::uint64_t seed = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 1;

  auto built = sv::load_contract_file(spec);
  if (!built.value) {
    std::cerr << "gen_har: " << spec << " cannot be loaded\n";
    return 2;
  }
  const sv::contract& contract = *built.value;
  auto [mock, problems] = ss::mock_service::create(built.value);
  if (!mock) {
    std::cerr << "gen_har: the mock cannot be prepared\n";
    return 2;
  }
  sv::request_build_options options;
  options.seed = seed;
  options.headers = {{"Authorization", "ApiKey YmVuY2g6YmVuY2g="}};
  const sv::request_builder builder(contract, options);
  const sv::request_validator check(contract);

  // One valid exchange per operation (every candidate request), answered by the mock.
  std::vector<sv::exchange> templates;
  for (const auto& op : contract.operations()) {
    const auto requests = builder.build(op);
    for (const auto& candidate : requests.candidates) {
      const sv::rendered_request r = candidate.render();
      ss::http_request req;
      req.method = r.method;
      req.target = r.target;
      req.headers = {{"Host", "localhost:5601"}};
      for (const auto& h : r.headers) req.headers.push_back(h);
      req.body = r.body;
      const sv::request_outcome outcome = check.check({req.method, req.target, req.headers, req.body});
      if (!outcome.found.empty()) continue;
      ss::http_response res;
      mock->answer(req, outcome, res);
      sv::exchange e;
      e.method = req.method;
      e.target = req.target;
      e.request_headers = req.headers;
      e.request_body = req.body;
      e.status = res.status;
      e.response_headers = res.headers;
      e.response_body = res.body;
      e.duration = std::chrono::microseconds(1500);
      templates.push_back(std::move(e));
    }
  }
  if (templates.empty()) {
    std::cerr << "gen_har: no valid request could be built\n";
    return 2;
  }

  std::FILE* out = std::fopen(out_path.c_str(), "wb");
  if (!out) {
    std::perror(out_path.c_str());
    return 2;
  }
  std::fputs("{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"specgate gen_har\",\"version\":\"1\"},\"entries\":[\n", out);
  const auto start = std::chrono::system_clock::time_point(std::chrono::seconds(1'796'000'000));
  std::size_t invalid = 0, gzipped = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sv::exchange e = templates[(i * 7919) % templates.size()];
    e.started = start + std::chrono::milliseconds(i * 3);
    std::optional<std::string> decoded;
    switch (i % 20) {
      case 5:  // a write without kbn-xsrf, a GET to a path no operation has
        if (e.method == "GET") e.target = "/api/not_documented/" + std::to_string(i);
        else std::erase_if(e.request_headers, [](const auto& h) { return specgate::iequals(h.first, "kbn-xsrf"); });
        ++invalid;
        break;
      case 13:  // a response body the contract does not allow
        e.response_body = R"({"statusCode":"oops","unexpected":[1,2,3]})";
        ++invalid;
        break;
      case 3:
      case 17:  // gzip on the wire, kept decoded in the HAR as browsers do
        if (!e.response_body.empty()) {
          decoded = e.response_body;
          e.response_body = sv::gzip_encode(*decoded);
          e.response_headers.emplace_back("Content-Encoding", "gzip");
          ++gzipped;
        }
        break;
      default:
        break;
    }
    std::string text = sv::har_entry(e, decoded).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    if (i + 1 < n) text += ",\n";
    std::fwrite(text.data(), 1, text.size(), out);
  }
  std::fputs("\n]}}\n", out);
  if (std::fclose(out) != 0) {
    std::perror(out_path.c_str());
    return 2;
  }
  std::cerr << "gen_har: " << n << " exchanges over " << templates.size() << " requests of "
            << contract.operations().size() << " operations (" << invalid << " made invalid, " << gzipped
            << " gzip on the wire) in " << out_path << "\n";
  return 0;
}
