#include "server/observe/journal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace specgate::server {
namespace {

void add(journal& j, const std::string& operation_id, int status = 200) {
  http_request req;
  req.method = "GET";
  req.target = "/api/x";
  http_response res;
  res.status = status;
  res.operation_id = operation_id;  // copied by add()
  j.add(req, res, std::chrono::microseconds(10));
}

std::vector<std::uint64_t> ids(const std::vector<journal_entry>& entries) {
  std::vector<std::uint64_t> out;
  for (const auto& e : entries) out.push_back(e.id);
  return out;
}

TEST(journal, keeps_the_last_capacity_entries_newest_first) {
  journal j(5);
  for (int i = 0; i < 12; ++i) add(j, "op");
  EXPECT_EQ(j.size(), 5u);
  EXPECT_EQ(j.recorded(), 12u);
  EXPECT_EQ(ids(j.entries()), (std::vector<std::uint64_t>{12, 11, 10, 9, 8}));
  EXPECT_EQ(ids(j.entries(nullptr, 2)), (std::vector<std::uint64_t>{12, 11}));
  EXPECT_TRUE(j.entries(nullptr, 0).empty());
}

TEST(journal, filters_by_operation_id_and_limits_after_filtering) {
  journal j(10);
  for (int i = 0; i < 9; ++i) add(j, i % 3 == 0 ? "createCase" : "getCase");
  const std::string create = "createCase", none = "nope";
  EXPECT_EQ(ids(j.entries(&create)), (std::vector<std::uint64_t>{7, 4, 1}));
  EXPECT_EQ(ids(j.entries(&create, 2)), (std::vector<std::uint64_t>{7, 4}));
  EXPECT_TRUE(j.entries(&none).empty());
}

TEST(journal, clear_forgets_everything_so_far_and_keeps_counting) {
  journal j(4);
  for (int i = 0; i < 6; ++i) add(j, "op");
  j.clear();
  EXPECT_EQ(j.size(), 0u);
  EXPECT_TRUE(j.entries().empty());
  add(j, "op");
  EXPECT_EQ(ids(j.entries()), (std::vector<std::uint64_t>{7}));
  EXPECT_EQ(j.size(), 1u);
  EXPECT_EQ(j.recorded(), 7u);
}

TEST(journal, keeps_the_response_bounded_with_set_cookie_redacted) {
  journal j(4);
  http_request req;
  req.method = "GET";
  req.target = "/api/x";
  http_response res;
  res.status = 201;
  res.headers = {{"Content-Type", "application/json"}, {"Set-Cookie", "sid=secret"},
                 {"specgate-violations", "[]"}};
  res.body = std::string(journal::body_excerpt_limit + 10, 'x');
  j.add(req, res, std::chrono::microseconds(10));
  const auto e = j.entries().at(0);
  const auto r = e.to_json()["response"];
  EXPECT_EQ(r["status"], 201);
  EXPECT_EQ(r["headers"]["content-type"], "application/json");
  EXPECT_EQ(r["headers"]["set-cookie"], "sid=[redacted]");
  EXPECT_FALSE(r["headers"].contains("specgate-violations"));  // listed as data in "violations"
  EXPECT_EQ(r["bodySize"], journal::body_excerpt_limit + 10);
  EXPECT_EQ(r["body"].get<std::string>().size(), journal::body_excerpt_limit);
  EXPECT_EQ(r["bodyTruncated"], true);
}

TEST(journal, zero_capacity_keeps_nothing) {
  journal j(0);
  add(j, "op");
  EXPECT_EQ(j.size(), 0u);
  EXPECT_TRUE(j.entries().empty());
  j.clear();
}

TEST(journal, entries_are_bounded_and_credentials_redacted) {
  http_request req;
  req.method = "POST";
  req.target = "/api/cases?owner=cases&x=%C3%A9";
  req.headers = {{"Authorization", "ApiKey c2VjcmV0OmtleQ=="},
                 {"Cookie", "sid=secret"},
                 {"kbn-xsrf", "true"},
                 {"X-Long", std::string(5000, 'v')}};
  for (int i = 0; i < 100; ++i) req.headers.emplace_back("x-h" + std::to_string(i), "v");
  req.body = std::string(10'000, 'b');
  http_response res;
  res.status = 400;
  res.operation_id = "createCaseDefaultSpace";
  validator::violation xsrf;
  xsrf.code = "xsrf";
  xsrf.location = validator::violation_location::header;
  xsrf.name = "kbn-xsrf";
  xsrf.message = "Request must contain a kbn-xsrf header.";
  res.violations.push_back(xsrf);
  // The journal keeps the data; the header is only its wire form and is never read back.
  res.set_header("specgate-violations", R"([{"location":"body","code":"not what happened"}])");
  journal jr(2);
  const auto started = std::chrono::system_clock::now();
  jr.add(req, res, std::chrono::microseconds(1500), started);
  ASSERT_EQ(jr.entries().size(), 1u);
  const auto e = jr.entries().front();
  EXPECT_EQ(e.time, started);
  EXPECT_EQ(e.method, "POST");
  EXPECT_EQ(e.path, "/api/cases");
  EXPECT_EQ(e.query, "owner=cases&x=%C3%A9");
  EXPECT_EQ(e.operation_id, "createCaseDefaultSpace");
  EXPECT_EQ(e.body.size(), journal::body_excerpt_limit);
  EXPECT_EQ(e.body_size, 10'000u);
  ASSERT_EQ(e.headers.size(), journal::header_count_limit);
  EXPECT_EQ(e.headers[0], (std::pair<std::string, std::string>("Authorization", "ApiKey [redacted]")));
  EXPECT_EQ(e.headers[1].second, "sid=[redacted]");
  EXPECT_EQ(e.headers[2].second, "true");
  EXPECT_EQ(e.headers[3].second.size(), journal::header_value_limit);
  ASSERT_EQ(e.violations.size(), 1u);
  EXPECT_EQ(e.violations[0]["code"], "xsrf");
  EXPECT_EQ(e.violations[0]["location"], "header");
  EXPECT_EQ(e.violations[0]["name"], "kbn-xsrf");
  EXPECT_EQ(e.violation_count, 1u);

  // A slot is reused on the next lap: nothing of the previous entry leaks into it.
  http_request small;
  small.method = "GET";
  small.target = "/a";
  http_response plain;
  jr.add(small, plain, std::chrono::microseconds(1));
  jr.add(small, plain, std::chrono::microseconds(1));
  const auto reused = jr.entries().front();
  EXPECT_EQ(reused.id, 3u);
  EXPECT_TRUE(reused.headers.empty());
  EXPECT_TRUE(reused.body.empty());
  EXPECT_TRUE(reused.query.empty());
  EXPECT_TRUE(reused.violations.is_array() && reused.violations.empty());
  EXPECT_EQ(reused.violation_count, 0u);

  const auto j = e.to_json();
  EXPECT_EQ(j["operationId"], "createCaseDefaultSpace");
  EXPECT_EQ(j["status"], 400);
  EXPECT_EQ(j["bodyTruncated"], true);
  EXPECT_EQ(j["bodySize"], 10'000);
  EXPECT_DOUBLE_EQ(j["durationMs"].get<double>(), 1.5);
  EXPECT_EQ(j["headers"]["authorization"], "ApiKey [redacted]");
  EXPECT_EQ(j["violations"][0]["code"], "xsrf");
  const std::string text = j.dump();
  EXPECT_EQ(text.find("c2VjcmV0"), std::string::npos) << "no credential in the journal";
  EXPECT_EQ(text.find("secret"), std::string::npos);
}

TEST(journal, what_the_client_sent_survives_invalid_utf8) {
  http_request req;
  req.method = "POST";
  req.target = "/api/\xff";
  req.body = "{\"a\":\"\xc3\x28\"}";
  http_response res;
  validator::violation v;
  v.code = "pattern";
  v.message = "[request path]: \xff does not match";
  res.violations.push_back(v);
  journal j;
  j.add(req, res, std::chrono::microseconds(1));
  const auto json = j.entries().front().to_json();
  EXPECT_NO_THROW((void)json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  EXPECT_TRUE(json["operationId"].is_null());
  EXPECT_EQ(json["violations"][0]["code"], "pattern");
}

TEST(journal, keeps_violations_as_data_bounded_with_the_rest_counted) {
  http_request req;
  req.method = "POST";
  req.target = "/api/x";
  http_response res;
  res.status = 400;
  for (std::size_t i = 0; i < journal::violations_limit + 6; ++i) {
    validator::violation v;
    v.code = "type";
    v.instance_pointer = "/" + std::to_string(i);
    v.message = "m";
    res.violations.push_back(v);
  }
  validator::violation strict;
  strict.code = "undeclared_status";
  strict.location = validator::violation_location::status;
  res.response_violations.push_back(strict);
  journal j;
  j.add(req, res, std::chrono::microseconds(1));
  const auto e = j.entries().front();
  EXPECT_EQ(e.violation_count, journal::violations_limit + 7);
  ASSERT_EQ(e.violations.size(), journal::violations_limit + 1);
  EXPECT_EQ(e.violations[0]["pointer"], "/0");
  EXPECT_EQ(e.violations.back(), (nlohmann::json{{"omitted", 6}}));
  const auto out = e.to_json();
  ASSERT_EQ(out["responseViolations"].size(), 1u);
  EXPECT_EQ(out["responseViolations"][0]["code"], "undeclared_status");
  EXPECT_EQ(out["responseViolations"][0]["location"], "status");
}

TEST(journal, concurrent_writers_readers_and_clears_stay_consistent) {
  constexpr std::size_t capacity = 64;
  journal j(capacity);
  constexpr int writers = 8, per_writer = 5'000;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    const std::string filter = "w3";
    while (!done.load()) {
      auto all = j.entries();
      if (all.size() > capacity) ++bad;
      for (std::size_t i = 1; i < all.size(); ++i)
        if (all[i].id >= all[i - 1].id) ++bad;  // strictly newest first
      for (const auto& e : j.entries(&filter, 10))
        if (e.operation_id != filter) ++bad;
    }
  });
  std::thread clearer([&] {
    for (int i = 0; i < 100 && !done.load(); ++i) {
      j.clear();
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> pool;
  for (int w = 0; w < writers; ++w)
    pool.emplace_back([&j, w] {
      for (int i = 0; i < per_writer; ++i) add(j, "w" + std::to_string(w));
    });
  for (auto& t : pool) t.join();
  clearer.join();
  done = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(j.recorded(), static_cast<std::uint64_t>(writers) * per_writer);
  // Quiet now: the newest `capacity` (or fewer, had a clear come late) are there, distinct.
  const auto last = j.entries();
  EXPECT_LE(last.size(), capacity);
  const auto last_ids = ids(last);
  const std::set<std::uint64_t> distinct(last_ids.begin(), last_ids.end());
  EXPECT_EQ(distinct.size(), last.size());
  add(j, "after");
  EXPECT_EQ(j.entries().front().operation_id, "after");
}


TEST(journal, redacts_secret_query_parameters_and_extra_headers_like_a_recording) {
  validator::redaction extra;
  extra.headers = {"X-Tenant-Token"};
  journal j(2, extra);
  http_request req;
  req.method = "GET";
  req.target = "/items?n=1&api_key=SECRETQ&Access_Token=SECRETT&keep=visible";
  req.headers = {{"x-tenant-token", "SECRETH"}, {"Cookie", "sid=SECRETC; theme=dark"}, {"x-other", "shown"}};
  http_response res;
  res.headers = {{"X-Tenant-Token", "SECRETR"}};
  j.add(req, res, std::chrono::microseconds(1));
  const auto e = j.entries().at(0);
  EXPECT_EQ(e.query, "n=1&api_key=[redacted]&Access_Token=[redacted]&keep=visible");
  EXPECT_EQ(e.headers[0].second, "[redacted]");
  EXPECT_EQ(e.headers[1].second, "sid=[redacted]; theme=[redacted]");
  EXPECT_EQ(e.headers[2].second, "shown");
  const std::string text = e.to_json().dump();
  EXPECT_EQ(text.find("SECRET"), std::string::npos) << text;

  journal plain(2);  // without --redact-header the extra header is an ordinary one
  plain.add(req, res, std::chrono::microseconds(1));
  EXPECT_EQ(plain.entries().at(0).headers[0].second, "SECRETH");
}

}  // namespace
}  // namespace specgate::server
