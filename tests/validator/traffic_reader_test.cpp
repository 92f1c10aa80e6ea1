// read_traffic: HAR streamed one entry at a time (same exchanges as read_har, entries past the
// read buffer, malformed and truncated files with their byte position), NDJSON (header shapes,
// base64 and compressed bodies, bad lines), format by content, unreadable files.
#include "validator/traffic/traffic_reader.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "validator/text_util.h"
#include "validator/traffic/content_coding.h"
#include "validator/traffic/har.h"

namespace specgate::validator {
namespace {

struct read_back {
  traffic_read_summary summary;
  std::vector<exchange> exchanges;
  std::vector<std::string> problems;  // diagnostic::to_string()
};

read_back read_text(const std::string& text, const std::string& name = "t.har") {
  read_back out;
  std::FILE* f = fmemopen(const_cast<char*>(text.data()), text.size(), "rb");
  if (!f) return out;
  traffic_events events;
  events.on_exchange = [&](exchange& e) { out.exchanges.push_back(e); };
  events.on_problem = [&](diagnostic d) { out.problems.push_back(d.to_string()); };
  out.summary = read_traffic(f, name, events);
  std::fclose(f);
  return out;
}

nlohmann::json har_entry_json(const std::string& method, const std::string& url, int status, const std::string& body) {
  return {{"startedDateTime", "2026-12-04T00:00:00.000Z"},
          {"time", 1.5},
          {"request", {{"method", method}, {"url", url}, {"httpVersion", "HTTP/1.1"},
                       {"headers", {{{"name", "Host"}, {"value", "pets"}}}}}},
          {"response", {{"status", status}, {"headers", {{{"name", "Content-Type"}, {"value", "application/json"}}}},
                        {"content", {{"size", body.size()}, {"mimeType", "application/json"}, {"text", body}}}}}};
}

std::string har_text(const std::vector<nlohmann::json>& entries) {
  nlohmann::json doc = {{"log", {{"version", "1.2"}, {"creator", {{"name", "t"}, {"version", "1"}}},
                                 {"pages", nlohmann::json::array()}, {"entries", entries}}}};
  return doc.dump(1);
}

TEST(traffic_reader, har_streams_the_same_exchanges_read_har_reads) {
  nlohmann::json gz = har_entry_json("POST", "http://pets/api/pets?x=1#frag", 201, "");
  gz["request"]["postData"] = {{"mimeType", "application/json"}, {"text", encode_base64(R"({"name":"a"})")},
                               {"encoding", "base64"}};
  gz["response"]["headers"].push_back({{"name", "Content-Encoding"}, {"value", "gzip"}});
  gz["response"]["content"] = {{"size", 20}, {"mimeType", "application/json"},
                               {"text", encode_base64(gzip_encode(R"({"id":1,"name":"a"})"))},
                               {"encoding", "base64"}, {"_contentEncoding", "gzip"}};
  const std::string text = har_text({har_entry_json("GET", "http://pets/api/pets/1", 200, R"({"id":1})"), gz,
                                     har_entry_json("GET", "/api/pets", 200, "[]")});
  const auto streamed = read_text(text);
  const auto whole = read_har(text, "t.har");
  EXPECT_EQ(streamed.summary.format, traffic_format::har);
  EXPECT_EQ(streamed.summary.errors, 0u);
  EXPECT_EQ(streamed.summary.bytes, text.size());
  ASSERT_EQ(streamed.exchanges.size(), 3u);
  ASSERT_EQ(whole.exchanges.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const exchange& a = streamed.exchanges[i];
    const exchange& b = whole.exchanges[i];
    EXPECT_EQ(a.method, b.method);
    EXPECT_EQ(a.target, b.target);
    EXPECT_EQ(a.request_headers, b.request_headers);
    EXPECT_EQ(a.request_body, b.request_body);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.response_headers, b.response_headers);
    EXPECT_EQ(a.response_body, b.response_body);
    EXPECT_EQ(a.started, b.started);
    EXPECT_EQ(a.duration, b.duration);
  }
  EXPECT_EQ(streamed.exchanges[1].target, "/api/pets?x=1");
  EXPECT_EQ(streamed.exchanges[1].request_body, R"({"name":"a"})");
  EXPECT_EQ(decode_content("gzip", streamed.exchanges[1].response_body, 1000).body, R"({"id":1,"name":"a"})");
}

TEST(traffic_reader, entries_larger_than_the_read_buffer_and_a_bom_are_read_whole) {
  const std::string big(300'000, 'x');
  const std::string text = "\xEF\xBB\xBF  \n" + har_text({har_entry_json("GET", "/a", 200, big),
                                                          har_entry_json("GET", "/b", 200, big + "y")});
  const auto r = read_text(text);
  ASSERT_EQ(r.exchanges.size(), 2u) << (r.problems.empty() ? "" : r.problems[0]);
  EXPECT_EQ(r.exchanges[0].response_body, big);
  EXPECT_EQ(r.exchanges[1].response_body, big + "y");
}

TEST(traffic_reader, a_bad_entry_is_skipped_with_its_position_and_the_others_read) {
  nlohmann::json bad = har_entry_json("GET", "/b", 200, "{}");
  bad.erase("response");
  const std::string text = har_text({har_entry_json("GET", "/a", 200, "{}"), bad, har_entry_json("GET", "/c", 200, "{}")});
  const auto r = read_text(text);
  ASSERT_EQ(r.exchanges.size(), 2u);
  EXPECT_EQ(r.exchanges[1].target, "/c");
  EXPECT_EQ(r.summary.errors, 1u);
  // Where read_har puts it too.
  const auto whole = read_har(text, "t.har");
  ASSERT_EQ(whole.problems.size(), 1u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0], whole.problems[0].to_string());
  EXPECT_NE(r.problems[0].find("entry 1 has no response object (entry skipped) [at /log/entries/1/response]"),
            std::string::npos) << r.problems[0];
}

TEST(traffic_reader, a_truncated_har_is_an_error_at_its_end_after_the_entries_before_it) {
  const std::string full = har_text({har_entry_json("GET", "/a", 200, "{}"), har_entry_json("GET", "/b", 200, "{}"),
                                     har_entry_json("GET", "/c", 200, "{}")});
  const std::string cut = full.substr(0, full.find("/c") + 2);  // inside the third entry
  const auto r = read_text(cut, "cut.har");
  ASSERT_EQ(r.exchanges.size(), 2u);
  EXPECT_EQ(r.exchanges[1].target, "/b");
  ASSERT_EQ(r.problems.size(), 1u);
  const std::size_t lines = static_cast<std::size_t>(std::count(cut.begin(), cut.end(), '\n')) + 1;
  const std::size_t column = cut.size() - cut.rfind('\n');
  EXPECT_EQ(r.problems[0], "cut.har:" + std::to_string(lines) + ":" + std::to_string(column) +
                               ": error: malformed HAR at byte " + std::to_string(cut.size()) +
                               ": the file ends before the HAR does (truncated?); 2 exchange(s) before it were "
                               "read, nothing after");
}

TEST(traffic_reader, malformed_json_in_the_middle_names_byte_line_and_column) {
  std::string text = har_text({har_entry_json("GET", "/a", 200, "{}"), har_entry_json("GET", "/b", 200, "{}")});
  const std::size_t at = text.find("\"/b\"");
  text.replace(at, 4, "/b\"");  // a string without its opening quote
  const auto r = read_text(text, "bad.har");
  ASSERT_EQ(r.exchanges.size(), 1u);
  ASSERT_EQ(r.problems.size(), 1u);
  const std::size_t line = static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n')) + 1;
  const std::size_t column = at - text.rfind('\n', at);
  EXPECT_EQ(r.problems[0], "bad.har:" + std::to_string(line) + ":" + std::to_string(column) +
                               ": error: malformed HAR at byte " + std::to_string(at) +
                               ": Invalid value; 1 exchange(s) before it were read, nothing after");
}

TEST(traffic_reader, a_json_object_without_entries_is_not_a_har) {
  const auto r = read_text(R"({"log": {"version": "1.2"}})");
  EXPECT_EQ(r.summary.format, traffic_format::har);
  EXPECT_TRUE(r.exchanges.empty());
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0], "t.har:1:1: error: not a HAR file: it has no log.entries array");
}

TEST(traffic_reader, ndjson_pairs_in_every_header_shape_with_base64_and_compressed_bodies) {
  const std::string gz = encode_base64(gzip_encode(R"({"id":2,"name":"b"})"));
  const std::string text =
      R"({"request":{"method":"GET","url":"http://pets/api/pets/1","headers":[["Host","pets"]]},"response":{"status":200,"headers":{"Content-Type":"application/json"},"body":"{\"id\":1}"},"startedDateTime":"2026-12-04T00:00:00Z"})"
      "\n\n"
      R"({"request":{"method":"POST","target":"/api/pets","headers":[{"name":"Content-Type","value":"application/json"}],"body":")" +
      encode_base64(R"({"name":"b"})") +
      R"(","bodyEncoding":"base64"},"response":{"status":201,"headers":{"Content-Type":"application/json","Content-Encoding":"gzip","Set-Cookie":["a=1","b=2"]},"body":")" +
      gz + R"(","bodyEncoding":"base64"}})" + "\r\n";
  const auto r = read_text(text, "t.ndjson");
  EXPECT_EQ(r.summary.format, traffic_format::ndjson);
  ASSERT_EQ(r.exchanges.size(), 2u) << (r.problems.empty() ? "" : r.problems[0]);
  EXPECT_TRUE(r.problems.empty()) << r.problems[0];
  EXPECT_EQ(r.exchanges[0].target, "/api/pets/1");
  EXPECT_EQ(r.exchanges[0].request_headers, (header_fields{{"Host", "pets"}}));
  EXPECT_EQ(r.exchanges[0].response_body, R"({"id":1})");
  EXPECT_EQ(r.exchanges[1].method, "POST");
  EXPECT_EQ(r.exchanges[1].target, "/api/pets");
  EXPECT_EQ(r.exchanges[1].request_body, R"({"name":"b"})");
  // The body as sent on the wire: Content-Encoding kept, decoding is the check's.
  EXPECT_EQ(r.exchanges[1].response_headers,
            (header_fields{{"Content-Encoding", "gzip"}, {"Content-Type", "application/json"}, {"Set-Cookie", "a=1"},
                           {"Set-Cookie", "b=2"}}));
  EXPECT_EQ(decode_content("gzip", r.exchanges[1].response_body, 1000).body, R"({"id":2,"name":"b"})");
}

TEST(traffic_reader, a_bad_ndjson_line_is_an_error_naming_its_line_and_the_others_are_read) {
  const std::string good = R"({"request":{"method":"GET","target":"/a"},"response":{"status":200}})";
  const std::string text = good + "\n" + R"({"request":{"method":"GET","target":"/b"},"response":{"status":200})" +
                           "\n" + R"({"request":{"method":"GET"},"response":{"status":200}})" + "\n" +
                           R"({"request":{"method":"GET","target":"/c","body":"%%","bodyEncoding":"base64"},"response":{"status":200}})" +
                           "\n" + R"({"request":{"method":"GET","target":"/d","headers":[1]},"response":{"status":200}})" +
                           "\n" + good;
  const auto r = read_text(text, "t.ndjson");
  ASSERT_EQ(r.exchanges.size(), 2u);
  EXPECT_EQ(r.summary.errors, 4u);
  ASSERT_EQ(r.problems.size(), 4u);
  EXPECT_TRUE(r.problems[0].starts_with("t.ndjson:2:")) << r.problems[0];
  EXPECT_NE(r.problems[0].find("line 2: not JSON: "), std::string::npos) << r.problems[0];
  EXPECT_EQ(r.problems[1], "t.ndjson:3:1: error: line 3: request has no url (line skipped) [at /request/url]");
  EXPECT_EQ(r.problems[2],
            "t.ndjson:4:1: error: line 4: request body is not base64 (line skipped) [at /request/body]");
  EXPECT_EQ(r.problems[3],
            "t.ndjson:5:1: error: line 5: request header 0 is neither [name, value] nor {name, value} strings "
            "(line skipped) [at /request/headers]");
}

TEST(traffic_reader, text_that_is_neither_format_stops_at_once) {
  const auto r = read_text("<html>\n<body>\n</body>\n</html>\n", "page.har");
  EXPECT_TRUE(r.exchanges.empty());
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_TRUE(r.problems[0].starts_with("page.har:1:1: error: line 1: not JSON: ")) << r.problems[0];
  EXPECT_EQ(r.problems[1], "page.har: error: not a HAR or NDJSON file: reading stopped at line 1");
  const auto empty = read_text("  \n", "empty.har");
  ASSERT_EQ(empty.problems.size(), 1u);
  EXPECT_EQ(empty.problems[0], "empty.har: error: not a HAR or NDJSON file: it holds no JSON");
}

TEST(traffic_reader, a_file_that_cannot_be_opened_is_one_error) {
  std::vector<std::string> problems;
  traffic_events events;
  events.on_problem = [&](diagnostic d) { problems.push_back(d.to_string()); };
  const auto s = read_traffic("/nonexistent/traffic.har", events);
  EXPECT_EQ(s.errors, 1u);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "/nonexistent/traffic.har: error: cannot open /nonexistent/traffic.har: No such file or directory");
}

}  // namespace
}  // namespace specgate::validator
