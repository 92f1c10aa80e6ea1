// HAR recording: redaction, entries, the incremental writer, and reading HAR files back.
#include "validator/traffic/har.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "test_support.h"

namespace specgate::validator {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

std::string header(const header_fields& h, std::string_view name) {
  for (const auto& [n, v] : h)
    if (n == name) return v;
  return "<absent>";
}

using ::specgate::testing::read_file;

// A fresh path under the test temp directory, removed at the end.
class temp_file {
 public:
  explicit temp_file(const std::string& name)
      : path_((std::filesystem::temp_directory_path() / ("specgate_har_" + std::to_string(::getpid()) + "_" + name))
                  .string()) {}
  ~temp_file() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

violation sample_violation() {
  violation v;
  v.code = "type";
  v.location = violation_location::body;
  v.name = "";
  v.instance_pointer = "/owner";
  v.schema_pointer = "#/paths/~1api~1cases/post/requestBody/content/application~1json/schema/properties/owner";
  v.keyword = "type";
  v.expected = "string";
  v.found = "number";
  v.message = "[request body.owner]: expected value of type [string] but got [number]";
  return v;
}

std::vector<exchange> sample_exchanges() {
  using std::chrono::system_clock;
  std::vector<exchange> list;

  exchange json_post;
  json_post.started = system_clock::time_point(std::chrono::milliseconds(1714566896789));  // 2024-05-01T12:34:56.789Z
  json_post.duration = 12345us;
  json_post.upstream = 10250us;
  json_post.method = "POST";
  json_post.target = "/api/cases?b=%41&c=d+e";
  json_post.request_headers = {{"Host", "kibana.local:5601"},
                               {"Content-Type", "application/json"},
                               {"kbn-xsrf", "true"},
                               {"X-Empty", ""}};
  json_post.request_body = R"({"owner":1,"title":"caf\u00e9 ☕"})";
  json_post.status = 400;
  json_post.response_headers = {{"content-type", "application/json; charset=utf-8"}, {"elastic-api-version", "2023-10-31"}};
  json_post.response_body = R"({"statusCode":400,"error":"Bad Request","message":"über"})";
  json_post.operation_id = "createCaseDefaultSpace";
  json_post.operation_method = "post";
  json_post.operation_path = "/api/cases";
  json_post.request_violations = {sample_violation()};
  violation status;
  status.code = "status";
  status.location = violation_location::status;
  status.message = "status 418 is not declared";
  json_post.response_violations = {status};
  json_post.request_note = "";
  json_post.response_note = "not checked: too large (12 MiB > --max-check-bytes 8 MiB)";
  list.push_back(json_post);

  exchange binary;
  binary.started = system_clock::time_point(std::chrono::milliseconds(1714566897000));
  binary.duration = 2000us;
  binary.method = "PUT";
  binary.target = "/api/files/x";
  binary.http_version = 10;
  binary.request_headers = {{"content-type", "application/octet-stream"}};
  binary.request_body = std::string("\x00\xff\xfe\x80 raw", 8);
  binary.status = 200;
  binary.response_headers = {{"content-type", "application/zip"}};
  binary.response_body = std::string("PK\x03\x04\x00\x9f\xc3", 7);
  binary.operation_id = "uploadFile";
  binary.request_note = "not checked: cannot decode br body: corrupt data (padding 1)";
  list.push_back(binary);

  exchange failed;
  failed.started = system_clock::time_point(std::chrono::milliseconds(1714566898001));
  failed.duration = 30000000us;
  failed.method = "GET";
  failed.target = "/api/status";
  failed.status = 504;
  failed.response_headers = {{"content-type", "application/json; charset=utf-8"}};
  failed.response_body = R"({"statusCode":504,"error":"Gateway Timeout","message":"upstream timed out"})";
  failed.error = "upstream http://127.0.0.1:5601 did not answer within 30 s";
  list.push_back(failed);

  exchange undocumented;
  undocumented.started = system_clock::time_point(std::chrono::milliseconds(1714566899999));
  undocumented.method = "DELETE";
  undocumented.target = "/nowhere";
  undocumented.status = 404;
  violation route;
  route.code = "undocumented";
  route.location = violation_location::route;
  route.message = "DELETE /nowhere is not in the contract";
  undocumented.request_violations = {route};
  list.push_back(undocumented);
  return list;
}

void expect_same_violations(const violations& got, const violations& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].code, want[i].code);
    EXPECT_EQ(got[i].location, want[i].location);
    EXPECT_EQ(got[i].name, want[i].name);
    EXPECT_EQ(got[i].instance_pointer, want[i].instance_pointer);
    EXPECT_EQ(got[i].schema_pointer, want[i].schema_pointer);
    EXPECT_EQ(got[i].keyword, want[i].keyword);
    EXPECT_EQ(got[i].expected, want[i].expected);
    EXPECT_EQ(got[i].found, want[i].found);
    EXPECT_EQ(got[i].message, want[i].message);
  }
}

// ------------------------------------------------------------ round trip

TEST(har, written_exchanges_read_back_with_bodies_violations_and_notes) {
  temp_file file("round_trip.har");
  const auto sent = sample_exchanges();
  {
    har_writer writer;
    ASSERT_EQ(writer.open(file.path(), "1.2.3"), "");
    for (const auto& e : sent) ASSERT_EQ(writer.write(e), "");
    EXPECT_EQ(writer.written(), sent.size());
    EXPECT_EQ(writer.close(), "");
  }
  const std::string text = read_file(file.path());
  const auto doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["log"]["version"], "1.2");
  EXPECT_EQ(doc["log"]["creator"]["name"], "specgate");
  EXPECT_EQ(doc["log"]["creator"]["version"], "1.2.3");

  const auto read = read_har(text, file.path());
  EXPECT_TRUE(read.problems.empty()) << read.problems.front().to_string();
  ASSERT_EQ(read.exchanges.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    SCOPED_TRACE("exchange " + std::to_string(i));
    const auto& got = read.exchanges[i];
    const auto& want = sent[i];
    EXPECT_EQ(got.started, want.started);
    EXPECT_EQ(got.duration, want.duration);
    EXPECT_EQ(got.upstream, want.upstream);
    EXPECT_EQ(got.method, want.method);
    EXPECT_EQ(got.target, want.target);
    EXPECT_EQ(got.http_version, want.http_version);
    EXPECT_EQ(got.request_headers, want.request_headers);
    EXPECT_EQ(got.request_body, want.request_body);
    EXPECT_EQ(got.status, want.status);
    EXPECT_EQ(got.response_headers, want.response_headers);
    EXPECT_EQ(got.response_body, want.response_body);
    EXPECT_EQ(got.operation_id, want.operation_id);
    expect_same_violations(got.request_violations, want.request_violations);
    expect_same_violations(got.response_violations, want.response_violations);
    EXPECT_EQ(got.request_note, want.request_note);
    EXPECT_EQ(got.response_note, want.response_note);
    EXPECT_EQ(got.error, want.error);
  }
}

TEST(har, entry_has_the_fields_of_har_1_2_and_specgates_own) {
  const auto sent = sample_exchanges();
  const auto entry = har_entry(sent[0]);
  EXPECT_EQ(entry["startedDateTime"], "2024-05-01T12:34:56.789Z");
  EXPECT_DOUBLE_EQ(entry["time"].get<double>(), 12.345);
  const auto& request = entry["request"];
  EXPECT_EQ(request["method"], "POST");
  EXPECT_EQ(request["url"], "http://kibana.local:5601/api/cases?b=%41&c=d+e");
  EXPECT_EQ(request["httpVersion"], "HTTP/1.1");
  EXPECT_EQ(request["headers"][0], (nlohmann::ordered_json{{"name", "Host"}, {"value", "kibana.local:5601"}}));
  EXPECT_EQ(request["queryString"], nlohmann::ordered_json::parse(R"([{"name":"b","value":"A"},{"name":"c","value":"d e"}])"));
  EXPECT_EQ(request["postData"]["mimeType"], "application/json");
  EXPECT_EQ(request["postData"]["text"], sent[0].request_body);
  EXPECT_FALSE(request["postData"].contains("encoding"));
  EXPECT_EQ(request["headersSize"], -1);
  EXPECT_EQ(request["bodySize"], sent[0].request_body.size());
  EXPECT_TRUE(request["cookies"].is_array());
  const auto& response = entry["response"];
  EXPECT_EQ(response["status"], 400);
  EXPECT_EQ(response["statusText"], "Bad Request");
  EXPECT_EQ(response["content"]["mimeType"], "application/json; charset=utf-8");
  EXPECT_EQ(response["content"]["size"], sent[0].response_body.size());
  EXPECT_EQ(response["redirectURL"], "");
  EXPECT_EQ(response["headersSize"], -1);
  EXPECT_EQ(entry["cache"], nlohmann::ordered_json::object());
  EXPECT_EQ(entry["timings"]["send"], 0);
  EXPECT_DOUBLE_EQ(entry["timings"]["wait"].get<double>(), 10.25);
  EXPECT_EQ(entry["timings"]["receive"], 0);
  EXPECT_EQ(entry["_operationId"], "createCaseDefaultSpace");
  const auto& v = entry["_violations"]["request"][0];
  EXPECT_EQ(v["location"], "body");
  EXPECT_EQ(v["code"], "type");
  EXPECT_EQ(v["pointer"], "/owner");
  EXPECT_EQ(v["keyword"], "type");
  EXPECT_EQ(v["expected"], "string");
  EXPECT_EQ(v["found"], "number");
  EXPECT_EQ(entry["_violations"]["response"][0]["location"], "status");
  EXPECT_EQ(entry["_notes"], (nlohmann::ordered_json{{"response", sent[0].response_note}}));

  // No Host: the url is the target; binary bodies go base64; no notes: no "_notes".
  const auto binary = har_entry(sent[1]);
  EXPECT_EQ(binary["request"]["url"], "/api/files/x");
  EXPECT_EQ(binary["request"]["httpVersion"], "HTTP/1.0");
  EXPECT_EQ(binary["request"]["postData"]["encoding"], "base64");
  EXPECT_EQ(binary["request"]["postData"]["text"], "AP/+gCByYXc=");
  EXPECT_EQ(binary["response"]["content"]["encoding"], "base64");
  EXPECT_EQ(binary["response"]["content"]["text"], "UEsDBACfww==");
  EXPECT_FALSE(har_entry(sent[3]).contains("_notes"));
  EXPECT_TRUE(har_entry(sent[3])["_operationId"].is_null());
  EXPECT_FALSE(har_entry(sent[2])["request"].contains("postData"));
  EXPECT_EQ(har_entry(sent[2])["_notes"]["error"], sent[2].error);
}

TEST(har, cookies_and_redirects_appear_as_har_lists) {
  exchange e;
  e.method = "GET";
  e.target = "/app";
  e.request_headers = {{"Cookie", "sid=abc; theme=dark"}};
  e.status = 302;
  e.response_headers = {{"Location", "/app/"}, {"Set-Cookie", "sid=new; Path=/; Domain=example.com; HttpOnly; Secure"}};
  const auto entry = har_entry(e);
  EXPECT_EQ(entry["request"]["cookies"],
            nlohmann::ordered_json::parse(R"([{"name":"sid","value":"abc"},{"name":"theme","value":"dark"}])"));
  EXPECT_EQ(entry["response"]["cookies"],
            nlohmann::ordered_json::parse(
                R"([{"name":"sid","value":"new","path":"/","domain":"example.com","httpOnly":true,"secure":true}])"));
  EXPECT_EQ(entry["response"]["redirectURL"], "/app/");
  EXPECT_EQ(entry["response"]["statusText"], "Found");
}

TEST(har, compressed_responses_are_recorded_decoded_when_the_caller_decoded_them) {
  exchange e;
  e.method = "GET";
  e.target = "/api/x";
  e.status = 200;
  e.response_headers = {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}};
  e.response_body = std::string("\x1f\x8b\x08\x00 fake gzip \xff", 16);
  const std::string decoded = R"({"items":[1,2,3],"padding":"..............."})";

  const auto plain = har_entry(e, decoded);
  EXPECT_EQ(plain["response"]["content"]["text"], decoded);
  EXPECT_EQ(plain["response"]["content"]["size"], decoded.size());
  EXPECT_EQ(plain["response"]["content"]["compression"], decoded.size() - e.response_body.size());
  EXPECT_EQ(plain["response"]["bodySize"], e.response_body.size());
  EXPECT_FALSE(plain["response"]["content"].contains("_contentEncoding"));

  const auto raw = har_entry(e);
  EXPECT_EQ(raw["response"]["content"]["encoding"], "base64");
  EXPECT_EQ(raw["response"]["content"]["_contentEncoding"], "gzip");

  // Read back: decoded text has no coding any more, so the header goes; encoded text keeps it.
  const std::string text = R"({"log":{"entries":[)" + plain.dump() + "," + raw.dump() + "]}}";
  const auto read = read_har(text, "x.har");
  ASSERT_EQ(read.exchanges.size(), 2u);
  EXPECT_EQ(read.exchanges[0].response_body, decoded);
  EXPECT_EQ(header(read.exchanges[0].response_headers, "Content-Encoding"), "<absent>");
  EXPECT_EQ(header(read.exchanges[0].response_headers, "Content-Type"), "application/json");
  EXPECT_EQ(read.exchanges[1].response_body, e.response_body);
  EXPECT_EQ(header(read.exchanges[1].response_headers, "Content-Encoding"), "gzip");
}

// ------------------------------------------------------------ redaction

TEST(har, redaction_replaces_every_default_secret_and_keeps_kbn_xsrf) {
  exchange e;
  e.method = "POST";
  e.target = "/api/x";
  e.request_headers = {{"Authorization", "ApiKey c2VjcmV0OmtleQ=="},
                       {"proxy-authorization", "Basic dXNlcjpwYXNz"},
                       {"COOKIE", "sid=abc123; theme=dark"},
                       {"X-Api-Key", "k-123"},
                       {"es-secondary-authorization", "Bearer tok"},
                       {"kbn-xsrf", "reporting"},
                       {"Content-Type", "application/json"}};
  e.response_headers = {{"Set-Cookie", "sid=zzz; Path=/; HttpOnly"}, {"content-type", "text/plain"}};
  const auto r = redacted(e, {});
  EXPECT_EQ(header(r.request_headers, "Authorization"), "ApiKey [redacted]");
  EXPECT_EQ(header(r.request_headers, "proxy-authorization"), "Basic [redacted]");
  EXPECT_EQ(header(r.request_headers, "COOKIE"), "sid=[redacted]; theme=[redacted]");
  EXPECT_EQ(header(r.request_headers, "X-Api-Key"), "[redacted]");
  EXPECT_EQ(header(r.request_headers, "es-secondary-authorization"), "[redacted]");
  EXPECT_EQ(header(r.request_headers, "kbn-xsrf"), "reporting");
  EXPECT_EQ(header(r.request_headers, "Content-Type"), "application/json");
  EXPECT_EQ(header(r.response_headers, "Set-Cookie"), "sid=[redacted]; Path=/; HttpOnly");
  EXPECT_EQ(header(r.response_headers, "content-type"), "text/plain");
  // The original is untouched.
  EXPECT_EQ(header(e.request_headers, "Authorization"), "ApiKey c2VjcmV0OmtleQ==");

  // A credential without a scheme word is replaced whole.
  e.request_headers = {{"authorization", "justatoken"}};
  EXPECT_EQ(header(redacted(e, {}).request_headers, "authorization"), "[redacted]");

  // Nothing secret survives in the HAR entry (cookies lists included).
  e.request_headers = {{"Cookie", "sid=abc123"}, {"Authorization", "Bearer abc123"}};
  EXPECT_THAT(har_entry(redacted(e, {})).dump(), ::testing::Not(HasSubstr("abc123")));
}

TEST(har, redaction_of_query_parameters_keeps_every_other_byte) {
  exchange e;
  e.method = "GET";
  e.target = "/api/x?a=1&api_key=k1&APIKEY=k2&access_token=k3&b=%41%2B&token=k4&password=k5&secret=k6&flag&"
             "acc%65ss_token=k7&c=+";
  const auto r = redacted(e, {});
  EXPECT_EQ(r.target,
            "/api/x?a=1&api_key=[redacted]&APIKEY=[redacted]&access_token=[redacted]&b=%41%2B&token=[redacted]&"
            "password=[redacted]&secret=[redacted]&flag&acc%65ss_token=[redacted]&c=+");
  // No query: unchanged.
  e.target = "/api/token";
  EXPECT_EQ(redacted(e, {}).target, "/api/token");
}

TEST(har, custom_names_are_redacted_too) {
  exchange e;
  e.method = "GET";
  e.target = "/api/x?session=s1&page=2";
  e.request_headers = {{"X-Custom-Secret", "v1"}, {"X-Other", "v2"}};
  e.response_headers = {{"x-custom-secret", "v3"}};
  redaction r;
  r.headers = {"x-CUSTOM-secret"};
  r.query = {"Session"};
  const auto out = redacted(e, r);
  EXPECT_EQ(header(out.request_headers, "X-Custom-Secret"), "[redacted]");
  EXPECT_EQ(header(out.request_headers, "X-Other"), "v2");
  EXPECT_EQ(header(out.response_headers, "x-custom-secret"), "[redacted]");
  EXPECT_EQ(out.target, "/api/x?session=[redacted]&page=2");
  // kbn-xsrf is never redacted, even when asked.
  e.request_headers = {{"kbn-xsrf", "true"}};
  r.headers = {"kbn-xsrf"};
  EXPECT_EQ(header(redacted(e, r).request_headers, "kbn-xsrf"), "true");
}

// ------------------------------------------------------------ the writer

TEST(har, the_file_parses_after_every_write) {
  temp_file file("incremental.har");
  har_writer writer;
  ASSERT_EQ(writer.open(file.path(), "dev"), "");
  auto entries_now = [&] { return nlohmann::json::parse(read_file(file.path()))["log"]["entries"].size(); };
  EXPECT_EQ(entries_now(), 0u);
  const auto list = sample_exchanges();
  for (std::size_t i = 0; i < list.size(); ++i) {
    ASSERT_EQ(writer.write(list[i]), "");
    // Flushed: another reader sees it before close.
    EXPECT_EQ(entries_now(), i + 1);
  }
  EXPECT_EQ(writer.close(), "");
  EXPECT_EQ(writer.close(), "");  // idempotent
  EXPECT_EQ(entries_now(), list.size());
  EXPECT_EQ(read_har(read_file(file.path()), file.path()).exchanges.size(), list.size());
}

TEST(har, errors_name_the_file) {
  har_writer writer;
  const std::string path = "/nonexistent-dir-for-specgate/x.har";
  const auto error = writer.open(path, "dev");
  EXPECT_THAT(error, HasSubstr(path));
  EXPECT_THAT(writer.write(exchange{}), HasSubstr("not open"));
}

TEST(har, a_pipe_gets_its_closing_brackets_at_close) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string path = "/dev/fd/" + std::to_string(fds[1]);
  har_writer writer;
  ASSERT_EQ(writer.open(path, "dev"), "");
  ::close(fds[1]);  // the writer holds its own descriptor
  const auto list = sample_exchanges();
  ASSERT_EQ(writer.write(list[0]), "");
  ASSERT_EQ(writer.write(list[1]), "");
  EXPECT_EQ(writer.close(), "");
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  const auto read = read_har(text, "pipe");
  EXPECT_TRUE(read.problems.empty());
  EXPECT_EQ(read.exchanges.size(), 2u);
}

// ------------------------------------------------------------ reading other tools' files

TEST(har, a_browser_export_is_read) {
  // Shaped like Chrome's devtools export: pages, HTTP/2 pseudo-headers, a time zone offset,
  // decoded content under a gzip header, an image in base64, a body the browser did not keep.
  const std::string text = R"({
  "log": {
    "version": "1.2",
    "creator": {"name": "WebInspector", "version": "537.36"},
    "pages": [{"startedDateTime": "2024-05-01T14:34:56.000+02:00", "id": "page_1", "title": "Kibana", "pageTimings": {}}],
    "entries": [
      {
        "_initiator": {"type": "script"},
        "pageref": "page_1",
        "startedDateTime": "2024-05-01T14:34:56.789+02:00",
        "time": 41.5,
        "request": {
          "method": "POST",
          "url": "https://kibana.example:5601/kbn/api/cases/_find?page=1&perPage=20#frag",
          "httpVersion": "h2",
          "headers": [
            {"name": ":authority", "value": "kibana.example:5601"},
            {"name": ":method", "value": "POST"},
            {"name": "content-type", "value": "application/json"},
            {"name": "kbn-xsrf", "value": "true"}
          ],
          "queryString": [{"name": "page", "value": "1"}, {"name": "perPage", "value": "20"}],
          "cookies": [],
          "headersSize": -1,
          "bodySize": 13,
          "postData": {"mimeType": "application/json", "text": "{\"a\":\"\u00e9\"}"}
        },
        "response": {
          "status": 200,
          "statusText": "",
          "httpVersion": "h2",
          "headers": [
            {"name": "content-encoding", "value": "gzip"},
            {"name": "content-type", "value": "application/json; charset=utf-8"}
          ],
          "cookies": [],
          "content": {"size": 28, "mimeType": "application/json", "compression": -3, "text": "{\"cases\":[],\"total\":0}"},
          "redirectURL": "",
          "headersSize": -1,
          "bodySize": 31,
          "_transferSize": 200
        },
        "cache": {},
        "timings": {"blocked": 1.2, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": 39.0, "receive": 1.2}
      },
      {
        "startedDateTime": "2024-05-01T12:34:57Z",
        "time": 3,
        "request": {"method": "GET", "url": "https://kibana.example:5601/logo.png", "httpVersion": "HTTP/1.1",
                    "headers": [], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                     "headers": [{"name": "Content-Type", "value": "image/png"}], "cookies": [],
                     "content": {"size": 4, "mimeType": "image/png", "text": "iVBORw==", "encoding": "base64"},
                     "redirectURL": "", "headersSize": -1, "bodySize": 4},
        "cache": {}, "timings": {"send": 0, "wait": 2, "receive": 1}
      },
      {
        "startedDateTime": "2024-05-01T12:34:58.5Z",
        "time": 1,
        "request": {"method": "GET", "url": "https://kibana.example:5601?x=1", "httpVersion": "HTTP/1.1",
                    "headers": [], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                     "content": {"size": 512, "mimeType": "text/html"},
                     "redirectURL": "", "headersSize": -1, "bodySize": 512},
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}
      }
    ]
  }
})";
  const auto read = read_har(text, "chrome.har");
  EXPECT_TRUE(read.problems.empty()) << read.problems.front().to_string();
  ASSERT_EQ(read.exchanges.size(), 3u);
  const auto& first = read.exchanges[0];
  EXPECT_EQ(first.method, "POST");
  EXPECT_EQ(first.target, "/kbn/api/cases/_find?page=1&perPage=20");
  EXPECT_EQ(first.request_headers,
            (header_fields{{"content-type", "application/json"}, {"kbn-xsrf", "true"}}));
  EXPECT_EQ(first.request_body, "{\"a\":\"\xc3\xa9\"}");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.response_headers, (header_fields{{"content-type", "application/json; charset=utf-8"}}));
  EXPECT_EQ(first.response_body, R"({"cases":[],"total":0})");
  EXPECT_EQ(first.started, std::chrono::system_clock::time_point(std::chrono::milliseconds(1714566896789)));
  EXPECT_EQ(first.duration, 41500us);
  EXPECT_EQ(first.upstream, 39000us);
  EXPECT_EQ(first.operation_id, "");
  EXPECT_TRUE(first.request_violations.empty());
  EXPECT_EQ(read.exchanges[1].response_body, std::string("\x89PNG", 4));
  EXPECT_EQ(read.exchanges[1].started, std::chrono::system_clock::time_point(std::chrono::seconds(1714566897)));
  EXPECT_EQ(read.exchanges[2].target, "/?x=1");
  EXPECT_EQ(read.exchanges[2].response_note, "not checked: the recording holds no response body");
  EXPECT_EQ(read.exchanges[2].started, std::chrono::system_clock::time_point(std::chrono::milliseconds(1714566898500)));
}

// ------------------------------------------------------------ broken files

TEST(har, a_file_that_is_not_json_is_located_by_line_and_column) {
  const std::string text = "{\"log\": {\n  \"entries\": [\n    {\"request\": }\n  ]\n}}\n";
  const auto read = read_har(text, "broken.har");
  ASSERT_EQ(read.problems.size(), 1u);
  const auto& d = read.problems[0];
  EXPECT_EQ(d.file, "broken.har");
  EXPECT_EQ(d.line, 3u);
  EXPECT_EQ(d.column, 17u);  // the '}' where a value was expected
  EXPECT_THAT(d.message, HasSubstr("not a HAR file"));
  EXPECT_THAT(d.message, HasSubstr("unexpected '}'"));
  EXPECT_TRUE(read.exchanges.empty());

  const auto truncated = read_har("{\"log\":{\"entries\":[", "cut.har");
  ASSERT_EQ(truncated.problems.size(), 1u);
  EXPECT_EQ(truncated.problems[0].line, 1u);

  const auto not_har = read_har("{\"entries\": []}", "other.json");
  ASSERT_EQ(not_har.problems.size(), 1u);
  EXPECT_THAT(not_har.problems[0].message, HasSubstr("no log.entries array"));
}

TEST(har, broken_entries_are_located_and_the_others_kept) {
  const std::string good = R"({"startedDateTime":"2024-05-01T12:00:00.000Z","time":1,)"
                           R"("request":{"method":"GET","url":"/a","headers":[]},)"
                           R"("response":{"status":200,"headers":[],"content":{"size":0,"text":""}}})";
  const std::string text = "{\"log\":{\"entries\":[\n" + good + ",\n" +                                 // 0
                           R"({"request":{"url":"/b"},"response":{"status":200}})" + ",\n" +                // 1: no method
                           R"({"request":{"method":"GET","url":"/c"}})" + ",\n" +                           // 2: no response
                           "  " + R"({"request":{"method":"GET","url":"/d"},"response":{"status":200,)"  // 3: bad base64
                           R"("content":{"text":"%%%","encoding":"base64"}}})" + ",\n" +
                           R"({"request":{"method":"GET","url":"/e","headers":[{"name":"x"}]},"response":{"status":1}})" +
                           ",\n" +   // 4: header without value
                           "17,\n" + // 5: not an object
                           R"({"startedDateTime":"yesterday","request":{"method":"GET","url":"/g"},"response":{"status":204}})" +
                           "\n]}}";
  const auto read = read_har(text, "entries.har");
  ASSERT_EQ(read.exchanges.size(), 2u);
  EXPECT_EQ(read.exchanges[0].target, "/a");
  EXPECT_EQ(read.exchanges[1].target, "/g");  // a bad date is a warning: the entry is kept
  ASSERT_EQ(read.problems.size(), 6u);
  auto expect = [&](std::size_t k, std::uint32_t line, std::uint32_t column, const std::string& pointer,
                    const std::string& words, severity level = severity::error) {
    SCOPED_TRACE("problem " + std::to_string(k));
    const auto& d = read.problems[k];
    EXPECT_EQ(d.file, "entries.har");
    EXPECT_EQ(d.line, line);
    EXPECT_EQ(d.column, column);
    EXPECT_EQ(d.pointer, pointer);
    EXPECT_THAT(d.message, HasSubstr(words));
    EXPECT_EQ(d.level, level);
  };
  expect(0, 3, 1, "/log/entries/1/request/method", "entry 1: request has no method");
  expect(1, 4, 1, "/log/entries/2/response", "entry 2 has no response object");
  expect(2, 5, 3, "/log/entries/3/response/content/text", "entry 3: response content.text is not base64");
  expect(3, 6, 1, "/log/entries/4/request/headers/0", "entry 4: request header 0 has no string name and value");
  expect(4, 7, 1, "/log/entries/5", "entry 5 is not an object");
  expect(5, 8, 1, "/log/entries/6/startedDateTime", "entry 6: startedDateTime is not an ISO 8601 date-time",
         severity::warning);
  EXPECT_EQ(read.problems[0].to_string(),
            "entries.har:3:1: error: entry 1: request has no method (entry skipped) [at /log/entries/1/request/method]");
}

// Found by fuzz_traffic (tests/fuzz/regressions/fuzz_traffic/ndjson_duration_overflows_microseconds):
// a time of 1.2e62 ms was converted to microseconds with undefined behaviour. Out-of-range times
// are warnings now; the entry is kept with no duration.
TEST(har, times_too_large_for_a_duration_are_warnings_and_the_entry_is_kept) {
  const std::string text = R"({"log":{"entries":[{"startedDateTime":"2026-12-04T10:00:00.000Z","time":1.2e62,)"
                           R"("timings":{"wait":1e300},"request":{"method":"GET","url":"/a","headers":[]},)"
                           R"("response":{"status":200,"headers":[],"content":{"size":0,"text":""}}},)"
                           R"({"startedDateTime":"2026-12-04T10:00:00.000Z","time":12.5,"timings":{"wait":2},)"
                           R"("request":{"method":"GET","url":"/b","headers":[]},)"
                           R"("response":{"status":200,"headers":[],"content":{"size":0,"text":""}}}]}})";
  const auto read = read_har(text, "times.har");
  ASSERT_EQ(read.exchanges.size(), 2u);
  EXPECT_EQ(read.exchanges[0].duration.count(), 0);
  EXPECT_EQ(read.exchanges[0].upstream.count(), 0);
  EXPECT_EQ(read.exchanges[1].duration.count(), 12500);
  EXPECT_EQ(read.exchanges[1].upstream.count(), 2000);
  ASSERT_EQ(read.problems.size(), 2u);
  EXPECT_THAT(read.problems[0].message, HasSubstr("time is too large to be a duration in milliseconds"));
  EXPECT_EQ(read.problems[0].pointer, "/log/entries/0/time");
  EXPECT_THAT(read.problems[1].message, HasSubstr("timings.wait is too large"));
}

}  // namespace
}  // namespace specgate::validator
