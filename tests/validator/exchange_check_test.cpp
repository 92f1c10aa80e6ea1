// exchange_check: routing, both checks, notes (too large, undecodable, no body kept), what is
// written into the exchange, on a small contract written for the test.
#include "validator/check/exchange_check.h"

#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.h"
#include "validator/check/violation_json.h"
#include "validator/traffic/content_coding.h"
#include "validator/traffic/har.h"
#include "validator/shared_contract.h"

namespace specgate::validator {
namespace {

class exchange_check_test : public shared_contract_suite<exchange_check_test> {
 public:
  static contract::build_result load() {
    return load_contract_file(::specgate::testing::source_dir() + "/tests/validator/data/traffic.yaml");
  }

 protected:
  static exchange make(std::string method, std::string target, int status, std::string response_body,
                       std::string request_body = {}) {
    exchange e;
    e.method = std::move(method);
    e.target = std::move(target);
    e.request_headers = {{"Host", "pets"}};
    if (!request_body.empty()) e.request_headers.emplace_back("Content-Type", "application/json");
    e.request_body = std::move(request_body);
    e.status = status;
    e.response_headers = {{"Content-Type", "application/json"}};
    e.response_body = std::move(response_body);
    return e;
  }
  // "code location pointer" per violation.
  static std::vector<std::string> found(const violations& list) {
    std::vector<std::string> out;
    for (const auto& v : list)
      out.push_back(v.code + " " + std::string(location_name(v.location)) + " " + v.instance_pointer);
    return out;
  }

};

TEST_F(exchange_check_test, a_valid_exchange_is_routed_and_clean) {
  const exchange_check check(c(), 1 << 20);
  exchange e = make("GET", "/api/pets/7", 200, R"({"id":7,"name":"rex"})");
  check.check(e);
  EXPECT_EQ(e.operation_id, "get-pet");
  EXPECT_EQ(e.operation_method, "get");
  EXPECT_EQ(e.operation_path, "/api/pets/{id}");
  EXPECT_TRUE(e.request_violations.empty()) << found(e.request_violations)[0];
  EXPECT_TRUE(e.response_violations.empty()) << found(e.response_violations)[0];
  EXPECT_EQ(e.request_note, "");
  EXPECT_EQ(e.response_note, "");
}

TEST_F(exchange_check_test, request_and_response_violations_name_location_and_pointer) {
  const exchange_check check(c(), 1 << 20);
  exchange e = make("POST", "/api/pets", 201, R"({"id":"seven"})", R"({"age":-1})");
  check.check(e);
  EXPECT_EQ(e.operation_id, "create-pet");
  EXPECT_EQ(found(e.request_violations), (std::vector<std::string>{"minimum body /age", "required body /name"}));
  EXPECT_EQ(found(e.response_violations), (std::vector<std::string>{"type body /id", "required body /name"}));

  exchange q = make("GET", "/api/pets?limit=500", 200, "[]");
  check.check(q);
  EXPECT_EQ(q.operation_id, "list-pets");
  EXPECT_EQ(found(q.request_violations), (std::vector<std::string>{"maximum query "}));
  EXPECT_EQ(q.request_violations[0].name, "limit");
}

TEST_F(exchange_check_test, an_undocumented_request_has_one_violation_and_no_operation) {
  const exchange_check check(c(), 1 << 20);
  exchange e = make("GET", "/api/cats", 200, "{}");
  e.operation_id = "stale";  // read back from a recording: replaced
  check.check(e);
  EXPECT_EQ(e.operation_id, "");
  EXPECT_EQ(e.operation_path, "");
  ASSERT_EQ(found(e.request_violations), (std::vector<std::string>{"undocumented route "}));
  EXPECT_EQ(e.request_violations[0].message, "GET /api/cats is not an operation of the spec");
  EXPECT_TRUE(e.response_violations.empty());
}

TEST_F(exchange_check_test, findings_read_back_from_a_recording_are_replaced_by_the_checks) {
  const exchange_check check(c(), 1 << 20);
  exchange e = make("GET", "/api/pets/7", 200, R"({"id":7,"name":"rex"})");
  violation old;
  old.code = "stale";
  e.request_violations = {old};
  e.response_violations = {old};
  e.request_note = "not checked: too large (9.0 MiB > --max-check-bytes 8.0 MiB)";
  check.check(e);
  EXPECT_TRUE(e.request_violations.empty());
  EXPECT_TRUE(e.response_violations.empty());
  EXPECT_EQ(e.request_note, "");
}

TEST_F(exchange_check_test, bodies_past_the_limit_are_routed_not_checked_and_say_so_as_the_proxy_words_it) {
  const exchange_check check(c(), 10);
  exchange e = make("POST", "/api/pets", 201, R"({"id":"not checked either"})", R"({"age":"not checked"})");
  check.check(e);
  EXPECT_EQ(e.operation_id, "create-pet");
  EXPECT_TRUE(e.request_violations.empty());
  EXPECT_TRUE(e.response_violations.empty());
  EXPECT_EQ(e.request_note, "not checked: too large (0.0 MiB > --max-check-bytes 0.0 MiB)");
  EXPECT_EQ(e.response_note, "not checked: too large (0.0 MiB > --max-check-bytes 0.0 MiB)");
  EXPECT_EQ(too_large_note(12 * 1024 * 1024, 8 * 1024 * 1024),
            "not checked: too large (12.0 MiB > --max-check-bytes 8.0 MiB)");
}

TEST_F(exchange_check_test, a_body_past_the_limit_or_withheld_leaves_the_rest_of_the_request_checked) {
  const exchange_check check(c(), 10);
  // The body's bytes are not judged (not JSON at all here), its media type still is.
  exchange e = make("POST", "/api/pets", 201, R"({"id":1,"name":"rex"})", "not json, and long enough");
  e.request_headers = {{"Host", "pets"}, {"Content-Type", "text/plain"}};
  check.check(e);
  EXPECT_EQ(found(e.request_violations), (std::vector<std::string>{"unsupported_media_type content-type "}));
  EXPECT_EQ(e.request_note, "not checked: too large (0.0 MiB > --max-check-bytes 0.0 MiB)");

  // A body still arriving (the proxy streams it on): no bytes, no "missing body", a note by length.
  const std::string_view target = "/api/pets";
  const header_fields headers = {{"Content-Type", "application/json"}};
  request_input in{"POST", target, headers, {}};
  in.body_withheld = true;
  std::string note;
  auto outcome = check.check_request(in, note);
  EXPECT_EQ(outcome.op->operation_id, "create-pet");
  EXPECT_TRUE(outcome.found.empty()) << outcome.found.front().message;
  EXPECT_EQ(note, "not checked: too large (more than 0.0 MiB, --max-check-bytes)");
  in.withheld_size = 3u << 20;
  outcome = check.check_request(in, note);
  EXPECT_EQ(note, "not checked: too large (3.0 MiB > --max-check-bytes 0.0 MiB)");
  // The same request read whole and empty is missing its required body.
  in.body_withheld = false;
  outcome = check.check_request(in, note);
  EXPECT_FALSE(outcome.found.empty());
}

TEST_F(exchange_check_test, compressed_responses_are_checked_decoded_and_undecodable_ones_noted) {
  const exchange_check check(c(), 1 << 20);
  exchange e = make("GET", "/api/pets/7", 200, gzip_encode(R"({"id":"x","name":"rex"})"));
  e.response_headers.emplace_back("Content-Encoding", "gzip");
  check.check(e);
  EXPECT_EQ(found(e.response_violations), (std::vector<std::string>{"type body /id"}));
  EXPECT_EQ(e.response_note, "");

  exchange ok = make("GET", "/api/pets/7", 200, brotli_encode(R"({"id":7,"name":"rex"})"));
  ok.response_headers.emplace_back("content-encoding", "br");
  check.check(ok);
  EXPECT_TRUE(ok.response_violations.empty());

  exchange broken = make("GET", "/api/pets/7", 200, "not gzip at all");
  broken.response_headers.emplace_back("Content-Encoding", "gzip");
  check.check(broken);
  EXPECT_TRUE(broken.response_violations.empty());
  EXPECT_TRUE(broken.response_note.starts_with("not checked: cannot decode gzip body: ")) << broken.response_note;
}

TEST_F(exchange_check_test, responses_without_a_body_to_judge_are_left_alone) {
  const exchange_check check(c(), 1 << 20);
  for (auto [method, status, error] : {std::tuple<const char*, int, const char*>{"HEAD", 200, ""},
                                       {"GET", 304, ""},
                                       {"GET", 0, ""},
                                       {"GET", 502, "upstream refused the connection"}}) {
    exchange e = make(method, "/api/pets/7", status, "garbage");
    e.error = error;
    check.check(e);
    EXPECT_EQ(e.operation_id, "get-pet") << method << " " << status;
    EXPECT_TRUE(e.response_violations.empty()) << method << " " << status;
  }
  // The recording kept no body: the reader's note stays and the body is not judged.
  exchange e = make("GET", "/api/pets/7", 200, "");
  e.response_note = std::string(note_no_response_body);
  check.check(e);
  EXPECT_EQ(e.response_note, note_no_response_body);
  EXPECT_TRUE(e.response_violations.empty());
  // Without that note an empty body where one is declared is a violation.
  exchange empty = make("GET", "/api/pets/7", 200, "");
  check.check(empty);
  EXPECT_FALSE(empty.response_violations.empty());
}

TEST_F(exchange_check_test, the_two_phases_apart_give_what_check_gives) {
  const exchange_check check(c(), 1 << 20);
  exchange e = make("POST", "/api/pets", 201, R"({"id":"seven"})", R"({"age":-1})");
  const request_outcome outcome = check.check_request(e);
  ASSERT_NE(outcome.op, nullptr);
  EXPECT_EQ(outcome.op->operation_id, "create-pet");
  EXPECT_EQ(outcome.found.size(), e.request_violations.size());
  EXPECT_TRUE(e.response_violations.empty());
  check.check_response(e, outcome.op);
  exchange whole = make("POST", "/api/pets", 201, R"({"id":"seven"})", R"({"age":-1})");
  check.check(whole);
  EXPECT_EQ(found(e.response_violations), found(whole.response_violations));
  EXPECT_FALSE(e.response_violations.empty());
}

TEST_F(exchange_check_test, credentials_a_recording_redacted_count_as_sent) {
  auto built = load_contract_text(R"(openapi: 3.0.3
info: {title: secured, version: '1'}
components:
  securitySchemes:
    key: {type: http, scheme: basic}
security: [{key: []}]
paths:
  /api/x:
    get:
      operationId: get-x
      responses:
        '200': {description: ok}
)",
                                  "secured.yaml");
  ASSERT_TRUE(built.value);
  const exchange_check check(*built.value, 1 << 20);
  exchange e = make("GET", "/api/x", 200, "");
  e.request_headers.emplace_back("Authorization", "Basic [redacted]");
  check.check(e);
  EXPECT_TRUE(e.request_violations.empty()) << found(e.request_violations)[0];
  EXPECT_EQ(e.request_headers.back().second, "Basic [redacted]");  // the exchange keeps what was recorded
  exchange bad = make("GET", "/api/x", 200, "");
  bad.request_headers.emplace_back("Authorization", "Basic %%%");
  check.check(bad);
  EXPECT_FALSE(bad.request_violations.empty());
  exchange none = make("GET", "/api/x", 200, "");
  check.check(none);
  EXPECT_FALSE(none.request_violations.empty());
}

}  // namespace
}  // namespace specgate::validator
