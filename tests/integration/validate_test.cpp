// `specgate validate` as a user runs it: planted violations in a hand-made HAR and its NDJSON
// twin (each found with operation, location and pointer), a HAR recorded by `specgate proxy
// --record` in front of `specgate mock` (clean), a truncated HAR (byte position; earlier
// exchanges judged and reported), gzip/base64 bodies, --min-coverage, stdin and exit codes.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/harness.h"
#include "integration/cli_run.h"
#include "test_support.h"
#include "validator/text_util.h"
#include "validator/traffic/content_coding.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using specgate::testing::http_request;
using specgate::testing::specgate_process;

using specgate::testing::run_result;
const auto& slurp = specgate::testing::read_file;

class validate_cli : public specgate::testing::cli_fixture {
 protected:
  validate_cli() : cli_fixture("specgate-validate") {}
  // Runs the binary with `args`, stdin from the file `input` when given.
  run_result run(const std::vector<std::string>& args, const std::string& input = "") { return specgate(args, input); }
  static std::string spec() { return specgate::testing::source_dir() + "/tests/validator/data/traffic.yaml"; }

  // "operationId direction location code [name] pointer" for every violation of a JSON report.
  static std::set<std::string> findings(const json& report) {
    std::set<std::string> out;
    for (const auto& op : report["operations"])
      for (const auto& v : op["violations"])
        out.insert(op["operationId"].get<std::string>() + " " + v["direction"].get<std::string>() + " " +
                   v["location"].get<std::string>() + " " + v["code"].get<std::string>() +
                   (v.contains("name") ? " " + v["name"].get<std::string>() : std::string()) + " " +
                   v.value("pointer", std::string("")));
    return out;
  }

};

json har_entry(const std::string& method, const std::string& url, int status, const std::string& response_body,
               const std::string& request_body = "") {
  json entry = {
      {"startedDateTime", "2026-12-04T00:00:00.000Z"},
      {"time", 2},
      {"request", {{"method", method}, {"url", url}, {"httpVersion", "HTTP/1.1"}, {"headers", json::array()}}},
      {"response",
       {{"status", status},
        {"headers", {{{"name", "Content-Type"}, {"value", "application/json"}}}},
        {"content", {{"size", response_body.size()}, {"mimeType", "application/json"}, {"text", response_body}}}}}};
  if (!request_body.empty()) {
    entry["request"]["headers"].push_back({{"name", "Content-Type"}, {"value", "application/json"}});
    entry["request"]["postData"] = {{"mimeType", "application/json"}, {"text", request_body}};
  }
  return entry;
}

std::string har(const std::vector<json>& entries) {
  return json{{"log", {{"version", "1.2"}, {"creator", {{"name", "hand"}, {"version", "1"}}}, {"entries", entries}}}}
      .dump(2);
}

// Six exchanges, five planted violations (request, response, query, undocumented, in a gzip body).
std::vector<json> planted() {
  json gz = har_entry("GET", "http://pets/api/pets/4", 200, "");
  gz["response"]["headers"].push_back({{"name", "Content-Encoding"}, {"value", "gzip"}});
  gz["response"]["content"] = {{"size", 8}, {"mimeType", "application/json"},
                               {"text", specgate::encode_base64(specgate::validator::gzip_encode(R"({"id":4})"))},
                               {"encoding", "base64"}, {"_contentEncoding", "gzip"}};
  return {har_entry("GET", "http://pets/api/pets/1", 200, R"({"id":1,"name":"a"})"),
          har_entry("POST", "http://pets/api/pets", 201, R"({"id":2,"name":"b"})", R"({"age":-1})"),
          har_entry("GET", "http://pets/api/pets/3", 200, R"({"id":"3","name":"c"})"),
          har_entry("GET", "http://pets/api/pets?limit=500", 200, "[]"),
          har_entry("GET", "http://pets/api/cats", 200, "{}"),
          gz};
}

const std::set<std::string> planted_findings = {
    "create-pet request body required /name",   "create-pet request body minimum /age",
    "get-pet response body type /id",      "get-pet response body required /name",
    "list-pets request query maximum limit "};

TEST_F(validate_cli, a_hand_made_har_has_each_planted_violation_found_with_operation_location_and_pointer) {
  const auto file = write("planted.har", har(planted()));
  const auto report = dir_ / "report.json";
  const auto r = run({"validate", "--spec", spec(), "--format", "json", "--output", report.string(), file.string()});
  EXPECT_EQ(r.code, 1) << r.err;
  const json j = json::parse(slurp(report));
  EXPECT_EQ(findings(j), planted_findings) << j.dump(1);
  EXPECT_EQ(j["summary"]["exchanges"], 6);
  EXPECT_EQ(j["summary"]["failed"], 5);
  ASSERT_EQ(j["undocumented"].size(), 1u);
  EXPECT_EQ(j["undocumented"][0]["path"], "/api/cats");
  EXPECT_EQ(j["coverage"]["operations"]["exercised"], 3);
  // The one-line summary on stderr; no progress line when stderr is not a terminal.
  EXPECT_NE(r.err.find("specgate: 3 operations, 6 exchanges, 5 failed"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos);
}

TEST_F(validate_cli, the_ndjson_twin_of_the_har_gives_the_same_findings) {
  std::string text;
  for (const auto& e : planted()) {
    json line = {{"request", {{"method", e["request"]["method"]}, {"url", e["request"]["url"]}}},
                 {"response", {{"status", e["response"]["status"]}}}};
    json headers = json::object();
    for (const auto& h : e["request"]["headers"]) headers[h["name"].get<std::string>()] = h["value"];
    line["request"]["headers"] = headers;
    if (e["request"].contains("postData")) line["request"]["body"] = e["request"]["postData"]["text"];
    json response_headers = json::array();
    for (const auto& h : e["response"]["headers"]) response_headers.push_back({h["name"], h["value"]});
    line["response"]["headers"] = response_headers;
    line["response"]["body"] = e["response"]["content"]["text"];
    if (e["response"]["content"].contains("encoding")) line["response"]["bodyEncoding"] = "base64";
    text += line.dump() + "\n";
  }
  const auto file = write("planted.ndjson", text);
  const auto report = dir_ / "report.json";
  const auto r = run({"validate", "--spec", spec(), "--output", report.string(), file.string()});
  EXPECT_EQ(r.code, 1) << r.err;
  const json j = json::parse(slurp(report));
  EXPECT_EQ(findings(j), planted_findings) << j.dump(1);
  EXPECT_EQ(j["summary"]["exchanges"], 6);

  // The same from stdin, text report on stdout.
  const auto piped = run({"validate", "--spec", spec(), "-"}, file.string());
  EXPECT_EQ(piped.code, 1) << piped.err;
  EXPECT_NE(piped.out.find("FAIL  create-pet"), std::string::npos) << piped.out;
  EXPECT_NE(piped.out.find("UNDOC GET /api/cats"), std::string::npos) << piped.out;
}

TEST_F(validate_cli, a_truncated_har_is_exit_2_with_the_byte_position_and_the_earlier_exchanges_reported) {
  const std::string full = har(planted());
  const std::size_t cut_at = full.find("/api/pets/3");  // inside the third entry
  const auto file = write("cut.har", full.substr(0, cut_at));
  const auto report = dir_ / "report.json";
  const auto r = run({"validate", "--spec", spec(), "--output", report.string(), file.string()});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find(file.string() + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("malformed HAR at byte " + std::to_string(cut_at) +
                       ": the file ends before the HAR does (truncated?); 2 exchange(s) before it were read"),
            std::string::npos)
      << r.err;
  const json j = json::parse(slurp(report));
  EXPECT_EQ(j["summary"]["exchanges"], 2);
  EXPECT_EQ(findings(j), (std::set<std::string>{"create-pet request body required /name",
                                                "create-pet request body minimum /age"}));
}

TEST_F(validate_cli, min_coverage_fails_below_the_percentage_and_says_so) {
  const auto file = write("one.har", har({har_entry("GET", "http://pets/api/pets/1", 200, R"({"id":1,"name":"a"})")}));
  const auto clean = run({"validate", "--spec", spec(), "--format", "json", file.string()});
  EXPECT_EQ(clean.code, 0) << clean.err;
  EXPECT_EQ(json::parse(clean.out)["coverage"]["operations"]["percent"], 33.3);
  const auto enough = run({"validate", "--spec", spec(), "--min-coverage", "33", "--output", (dir_ / "a.txt").string(),
                           file.string()});
  EXPECT_EQ(enough.code, 0) << enough.err;
  const auto below = run({"validate", "--spec", spec(), "--min-coverage", "50", "--output", (dir_ / "b.txt").string(),
                          file.string()});
  EXPECT_EQ(below.code, 1) << below.err;
  EXPECT_NE(below.err.find("below --min-coverage 50.0% (33.3% of operations)"), std::string::npos) << below.err;
}

TEST_F(validate_cli, usage_and_unreadable_input_are_exit_2) {
  const auto file = write("one.har", har({har_entry("GET", "http://pets/api/pets/1", 200, R"({"id":1,"name":"a"})")}));
  const auto missing = run({"validate", "--spec", spec(), (dir_ / "nope.har").string(), file.string()});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("cannot open " + (dir_ / "nope.har").string()), std::string::npos) << missing.err;
  EXPECT_NE(missing.out.find("1 exchange"), std::string::npos) << missing.out;  // the readable file still judged
  const auto two_stdout = run({"validate", "--spec", spec(), "--format", "json", "--format", "junit", file.string()});
  EXPECT_EQ(two_stdout.code, 2);
  EXPECT_NE(two_stdout.err.find("cannot both go to stdout"), std::string::npos) << two_stdout.err;
  const auto bad_spec = run({"validate", "--spec", (dir_ / "nope.yaml").string(), file.string()});
  EXPECT_EQ(bad_spec.code, 2) << bad_spec.err;
  const auto no_traffic = run({"validate", "--spec", spec()});  // a required argument missing: CLI11's error
  EXPECT_EQ(no_traffic.code, 2) << no_traffic.err;
  EXPECT_NE(no_traffic.err.find("traffic is required"), std::string::npos) << no_traffic.err;
  const auto help = run({"validate", "--help"});
  EXPECT_EQ(help.code, 0) << help.err;
}

// The proxy's recording of correct traffic, in front of the mock of the embedded contract: clean.
TEST_F(validate_cli, a_har_recorded_by_the_proxy_in_front_of_the_mock_is_judged_clean) {
  const std::vector<std::string> auth = {"Authorization: ApiKey c2VjcmV0"};
  const auto recording = dir_ / "recorded.har";
  {
    specgate_process mock({"mock", "--port", "0", "--quiet"});
    ASSERT_TRUE(mock.running()) << mock.output();
    specgate_process proxy({"proxy", "--port", "0", "--upstream", "http://127.0.0.1:" + std::to_string(mock.port()),
                            "--record", recording.string()});
    ASSERT_TRUE(proxy.running()) << proxy.output();
    for (const std::string target : {"/api/fleet/agents/setup", "/api/cases/tags", "/s/dev/api/cases/tags",
                                     "/api/fleet/agents/agent-1", "/api/alerting/rule_types"})
      ASSERT_TRUE(http_request(proxy.port(), "GET", target, auth)) << target;
    ASSERT_TRUE(http_request(proxy.port(), "GET", "/api/cases/tags", {auth[0], "Accept-Encoding: gzip"}));
    ASSERT_TRUE(http_request(proxy.port(), "POST", "/api/fleet/agents/bulk_reassign",
                             {"kbn-xsrf: true", "Content-Type: application/json", auth[0]},
                             R"({"agents":["a1"],"policy_id":"p1"})"));
    ASSERT_EQ(proxy.stop(SIGTERM), 0) << proxy.output();
  }
  const auto r = run({"validate", "--format", "json", recording.string()});
  EXPECT_EQ(r.code, 0) << r.err << r.out;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["summary"]["exchanges"], 7);
  EXPECT_EQ(j["summary"]["failed"], 0) << j.dump(1);
  EXPECT_EQ(j["coverage"]["operations"]["exercised"], 5);
}

}  // namespace
