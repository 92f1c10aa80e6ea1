// The traffic report: counts, violation grouping, coverage (exact, 2XX, default), undocumented
// requests, unchecked and failed exchanges, the JSON shape, and JUnit XML that parses.
#include "validator/report/traffic_report.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.h"
#include "validator/check/response_validator.h"
#include "validator/text_util.h"

namespace specgate::validator {
namespace {

using ojson = nlohmann::ordered_json;

constexpr std::string_view spec = R"(openapi: 3.0.3
info: {title: report, version: '1'}
paths:
  /api/things/{id}:
    get:
      operationId: get-thing
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok}
        '404': {description: missing}
    delete:
      operationId: delete-thing
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '2XX': {description: gone}
        default: {description: trouble}
  /api/things:
    post:
      operationId: create-thing
      responses:
        '201': {description: created}
        '400': {description: bad}
  /api/never:
    get:
      operationId: never-called
      responses:
        '200': {description: ok}
)";

class traffic_report_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto built = load_contract_text(spec, "report.yaml");
    ASSERT_TRUE(built.value) << (built.problems.empty() ? "" : built.problems[0].to_string());
    contract_ = new std::shared_ptr<const contract>(built.value);
  }
  static void TearDownTestSuite() {
    delete contract_;
    contract_ = nullptr;
  }
  static const contract& c() { return **contract_; }

  // An exchange routed to the operation `id` of the test contract (or undocumented when `id` is "").
  static exchange make(std::string id, std::string method, std::string target, int status) {
    exchange e;
    e.method = std::move(method);
    e.target = std::move(target);
    e.status = status;
    e.duration = std::chrono::microseconds(1000);
    e.started = std::chrono::system_clock::time_point(std::chrono::seconds(1'796'000'100));
    if (!id.empty()) {
      const operation* op = c().find(id);
      EXPECT_NE(op, nullptr) << id;
      if (op) {
        e.operation_id = op->operation_id;
        e.operation_method = to_lower(method_name(op->method));
        e.operation_path = op->path;
      }
    }
    return e;
  }
  static violation make_violation(std::string code, violation_location where, std::string name, std::string pointer,
                                  std::string message) {
    violation v;
    v.code = std::move(code);
    v.location = where;
    v.name = std::move(name);
    v.instance_pointer = std::move(pointer);
    v.message = std::move(message);
    v.schema_pointer = "#/paths/x";
    return v;
  }
  static const ojson& operation_entry(const ojson& report, std::string_view id) {
    for (const auto& op : report["operations"])
      if (op["operationId"] == id) return op;
    static const ojson none;
    ADD_FAILURE() << "no operation " << id << " in " << report.dump();
    return none;
  }
  static std::vector<std::string> keys(const ojson& object) {
    std::vector<std::string> out;
    for (const auto& [k, v] : object.items()) out.push_back(k);
    return out;
  }

  static inline std::shared_ptr<const contract>* contract_ = nullptr;
};

TEST_F(traffic_report_test, counts_exchanges_and_statuses_per_operation_in_document_order) {
  traffic_report r(c(), "specgate proxy");
  r.add(make("create-thing", "POST", "/api/things", 201));
  r.add(make("get-thing", "GET", "/api/things/a", 200));
  r.add(make("get-thing", "GET", "/api/things/b", 200));
  r.add(make("get-thing", "GET", "/api/things/c", 404));
  EXPECT_EQ(r.exchanges(), 4u);
  EXPECT_EQ(r.exchanges_with_violations(), 0u);
  const ojson j = r.to_json();
  EXPECT_EQ(j["summary"]["exchanges"], 4);
  EXPECT_EQ(j["summary"]["failed"], 0);
  ASSERT_EQ(j["operations"].size(), 2u) << "only operations seen are listed";
  // Document order, not the order of first sight.
  EXPECT_EQ(j["operations"][0]["operationId"], "get-thing");
  EXPECT_EQ(j["operations"][1]["operationId"], "create-thing");
  const ojson& get = j["operations"][0];
  EXPECT_EQ(get["method"], "GET");
  EXPECT_EQ(get["path"], "/api/things/{id}");
  EXPECT_EQ(get["exchanges"], 3);
  EXPECT_EQ(get["statuses"].dump(), R"({"200":2,"404":1})");
  EXPECT_TRUE(get["violations"].empty());
}

TEST_F(traffic_report_test, groups_violations_by_direction_location_code_name_pointer_and_message) {
  traffic_report r(c(), "suite");
  const violation page = make_violation("type", violation_location::query, "page", "",
                                        "[request query.page]: expected value of type [number] but got [string]");
  const violation id0 = make_violation("type", violation_location::body, "", "/items/0/id", "[0].id: wrong");
  const violation id1 = make_violation("type", violation_location::body, "", "/items/1/id", "[1].id: wrong");

  exchange a = make("get-thing", "GET", "/api/things/a?page=x", 200);
  a.request_violations = {page};
  a.response_violations = {id0, id1};
  exchange b = make("get-thing", "GET", "/api/things/b?page=y", 200);
  b.request_violations = {page};
  b.response_violations = {id0};
  exchange clean = make("get-thing", "GET", "/api/things/c", 200);
  r.add(a);
  r.add(b);
  r.add(clean);

  EXPECT_EQ(r.exchanges_with_violations(), 2u);
  const ojson j = r.to_json();
  EXPECT_EQ(j["summary"]["violations"], 5);
  EXPECT_EQ(j["summary"]["failed"], 2);
  const ojson& get = operation_entry(j, "get-thing");
  EXPECT_EQ(get["failed"], 2);
  ASSERT_EQ(get["violations"].size(), 3u) << get.dump(2);
  // Request first, then response; within a direction by location, code, name, pointer, message.
  const ojson& v0 = get["violations"][0];
  EXPECT_EQ(v0["direction"], "request");
  EXPECT_EQ(v0["location"], "query");
  EXPECT_EQ(v0["code"], "type");
  EXPECT_EQ(v0["name"], "page");
  EXPECT_EQ(v0["message"], page.message);
  EXPECT_EQ(v0["schemaPointer"], "#/paths/x");
  EXPECT_EQ(v0["count"], 2);
  EXPECT_EQ(v0["example"], "GET /api/things/a?page=x") << "the first request that showed it";
  EXPECT_EQ(get["violations"][1]["direction"], "response");
  EXPECT_EQ(get["violations"][1]["pointer"], "/items/0/id");
  EXPECT_EQ(get["violations"][1]["count"], 2);
  EXPECT_EQ(get["violations"][2]["pointer"], "/items/1/id");
  EXPECT_EQ(get["violations"][2]["count"], 1);
  EXPECT_EQ(keys(v0), (std::vector<std::string>{"direction", "location", "code", "name", "message",
                                                "schemaPointer", "count", "example"}));

  // The same message in the other direction is another group.
  exchange c2 = make("get-thing", "GET", "/api/things/z", 200);
  violation in_response = page;
  c2.response_violations = {in_response};
  r.add(c2);
  EXPECT_EQ(operation_entry(r.to_json(), "get-thing")["violations"].size(), 4u);
}

TEST_F(traffic_report_test, distinct_violations_past_the_cap_are_counted_not_listed) {
  traffic_report r(c(), "suite");
  exchange e = make("get-thing", "GET", "/api/things/a", 200);
  for (std::size_t i = 0; i < report_max_violations + 5; ++i)
    e.response_violations.push_back(
        make_violation("type", violation_location::body, "", "/" + std::to_string(i), "wrong"));
  r.add(e);
  const ojson get = operation_entry(r.to_json(), "get-thing");
  EXPECT_EQ(get["violations"].size(), report_max_violations);
  EXPECT_EQ(get["violationsUnlisted"], 5);
  const std::string x = r.to_junit();
  EXPECT_NE(x.find("and 5 more violations of further kinds, not listed"), std::string::npos);
}

TEST_F(traffic_report_test, coverage_counts_exact_range_and_default_responses) {
  traffic_report r(c(), "suite");
  r.add(make("get-thing", "GET", "/api/things/a", 200));
  r.add(make("delete-thing", "DELETE", "/api/things/a", 204));  // 2XX
  {
    ojson cov = r.to_json()["coverage"];
    // Declared: 4 operations; statuses 2 + 2 + 2 + 1 = 7; exercised: 200 (get), 2XX (delete).
    EXPECT_EQ(cov["operations"].dump(), R"({"declared":4,"exercised":2,"percent":50.0})");
    EXPECT_EQ(cov["statuses"].dump(), R"({"declared":7,"exercised":2,"percent":28.5})") << "rounded down";
    ASSERT_EQ(cov["missing"].size(), 4u) << cov.dump(2);
    EXPECT_EQ(cov["missing"][0].dump(),
              R"({"operationId":"get-thing","method":"GET","path":"/api/things/{id}","exercised":true,"statuses":["404"]})");
    EXPECT_EQ(cov["missing"][1]["operationId"], "delete-thing");
    EXPECT_EQ(cov["missing"][1]["statuses"].dump(), R"(["default"])");
    EXPECT_EQ(cov["missing"][2]["operationId"], "create-thing");
    EXPECT_EQ(cov["missing"][2]["exercised"], false);
    EXPECT_EQ(cov["missing"][2]["statuses"].dump(), R"(["201","400"])");
    EXPECT_EQ(cov["missing"][3]["operationId"], "never-called");
  }
  // An answer the proxy made itself (upstream down) exercises nothing, not even `default`.
  exchange down = make("delete-thing", "DELETE", "/api/things/b", 502);
  down.error = "upstream http://127.0.0.1:9 refused the connection";
  r.add(down);
  EXPECT_EQ(r.to_json()["coverage"]["statuses"]["exercised"], 2);
  // A status no exact or range response covers falls to `default`; 404 is get-thing's own.
  r.add(make("delete-thing", "DELETE", "/api/things/c", 409));
  r.add(make("get-thing", "GET", "/api/things/x", 404));
  ojson cov = r.to_json()["coverage"];
  EXPECT_EQ(cov["statuses"].dump(), R"({"declared":7,"exercised":4,"percent":57.1})");
  ASSERT_EQ(cov["missing"].size(), 2u);
  EXPECT_EQ(cov["missing"][0]["operationId"], "create-thing");
  // Everything: 100.0.
  r.add(make("create-thing", "POST", "/api/things", 201));
  r.add(make("create-thing", "POST", "/api/things", 400));
  r.add(make("never-called", "GET", "/api/never", 200));
  cov = r.to_json()["coverage"];
  EXPECT_EQ(cov["operations"]["percent"].dump(), "100.0");
  EXPECT_EQ(cov["statuses"].dump(), R"({"declared":7,"exercised":7,"percent":100.0})");
  EXPECT_TRUE(cov["missing"].empty());
}

TEST_F(traffic_report_test, undocumented_requests_grouped_by_method_and_path_without_query) {
  traffic_report r(c(), "suite");
  r.add(make("", "GET", "/api/nope?x=1", 404));
  r.add(make("", "GET", "/api/nope?y=2", 404));
  r.add(make("", "POST", "/api/nope", 404));
  r.add(make("", "GET", "/api/also-nope", 401));
  const ojson j = r.to_json();
  EXPECT_EQ(j["summary"]["undocumented"], 4);
  EXPECT_EQ(j["summary"]["undocumentedUnlisted"], 0);
  EXPECT_TRUE(j["operations"].empty());
  EXPECT_EQ(j["undocumented"].dump(),
            R"([{"method":"GET","path":"/api/also-nope","count":1,"statuses":{"401":1}},)"
            R"({"method":"GET","path":"/api/nope","count":2,"statuses":{"404":2}},)"
            R"({"method":"POST","path":"/api/nope","count":1,"statuses":{"404":1}}])");
  EXPECT_EQ(j["coverage"]["operations"]["exercised"], 0) << "undocumented requests exercise nothing";
}

TEST_F(traffic_report_test, undocumented_entries_are_capped_and_the_rest_counted) {
  traffic_report r(c(), "suite");
  for (std::size_t i = 0; i < report_max_undocumented + 3; ++i)
    r.add(make("", "GET", "/api/x" + std::to_string(i) + "?q=1", 404));
  r.add(make("", "GET", "/api/x0", 404));  // a listed one still counts
  r.add(make("", "GET", "/api/x" + std::to_string(report_max_undocumented + 1), 404));  // an unlisted one again
  const ojson j = r.to_json();
  EXPECT_EQ(j["undocumented"].size(), report_max_undocumented);
  EXPECT_EQ(j["summary"]["undocumented"], report_max_undocumented + 5);
  EXPECT_EQ(j["summary"]["undocumentedUnlisted"], 4);
  std::size_t listed = 0;
  for (const auto& u : j["undocumented"]) listed += u["count"].get<std::size_t>();
  EXPECT_EQ(listed, report_max_undocumented + 1);
  EXPECT_NE(r.to_junit().find("and 4 more requests to further paths, not listed"), std::string::npos);
}

TEST_F(traffic_report_test, unchecked_exchanges_and_upstream_errors_counted_and_listed) {
  traffic_report r(c(), "suite");
  exchange big = make("get-thing", "GET", "/api/things/big", 200);
  big.response_note = "not checked: too large (12 MiB > --max-check-bytes 8 MiB)";
  exchange big2 = big;
  big2.target = "/api/things/big2";
  exchange both = make("create-thing", "POST", "/api/things", 201);
  both.request_note = "not checked: cannot decode br body: corrupt";
  both.response_note = "not checked: too large (9 MiB > --max-check-bytes 8 MiB)";
  exchange down = make("get-thing", "GET", "/api/things/down", 502);
  down.error = "upstream http://127.0.0.1:9 refused the connection";
  r.add(big);
  r.add(big2);
  r.add(both);
  r.add(down);
  const ojson j = r.to_json();
  EXPECT_EQ(j["summary"]["unchecked"], 3) << "exchanges with a note, not notes";
  EXPECT_EQ(j["summary"]["upstreamErrors"], 1);
  const ojson& get = operation_entry(j, "get-thing");
  EXPECT_EQ(get["unchecked"], 2);
  EXPECT_EQ(get["notes"].dump(),
            R"j([{"direction":"response","note":"not checked: too large (12 MiB > --max-check-bytes 8 MiB)",)j"
            R"j("count":2,"example":"GET /api/things/big"}])j");
  EXPECT_EQ(get["upstreamErrors"], 1);
  EXPECT_EQ(get["errors"].dump(),
            R"([{"error":"upstream http://127.0.0.1:9 refused the connection","count":1,)"
            R"("example":"GET /api/things/down"}])");
  EXPECT_EQ(get["statuses"].dump(), R"({"200":2,"502":1})");
  const ojson& create = operation_entry(j, "create-thing");
  EXPECT_EQ(create["unchecked"], 1);
  ASSERT_EQ(create["notes"].size(), 2u);
  EXPECT_EQ(create["notes"][0]["direction"], "request");
  EXPECT_EQ(create["notes"][1]["direction"], "response");
  EXPECT_EQ(create["upstreamErrors"], 0);

  const std::string x = r.to_junit();
  EXPECT_NE(x.find("<error message=\"upstream failed in 1 of 3 exchanges\" type=\"upstream\">"
                   "upstream http://127.0.0.1:9 refused the connection (x1; e.g. GET /api/things/down)\n</error>"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("  response: not checked: too large (12 MiB &gt; --max-check-bytes 8 MiB) (x2; e.g. GET "
                   "/api/things/big)"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("tests=\"3\" failures=\"0\" errors=\"1\""), std::string::npos) << x;
}

TEST_F(traffic_report_test, skipped_operations_are_listed_with_reasons_and_never_count_as_exercised) {
  traffic_report r(c(), "specgate test");
  r.skip(*c().find("create-thing"), "destructive: run with --allow-destructive");
  r.skip(*c().find("create-thing"), "destructive: run with --allow-destructive");  // once
  r.skip(*c().find("get-thing"), "GET declares a required body", true);
  const ojson j = r.to_json();
  EXPECT_EQ(j["summary"]["skipped"], 2);
  EXPECT_EQ(j["summary"]["specDefects"], 1);
  EXPECT_EQ(j["summary"]["exchanges"], 0);
  EXPECT_EQ(j["coverage"]["operations"]["exercised"], 0);
  EXPECT_EQ(operation_entry(j, "create-thing")["skipped"].dump(),
            R"([{"reason":"destructive: run with --allow-destructive","specDefect":false}])");
  EXPECT_EQ(operation_entry(j, "get-thing")["skipped"][0]["specDefect"], true);
  const std::string junit = r.to_junit();
  EXPECT_NE(junit.find("skipped=\"2\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("<skipped message=\"GET declares a required body\"/>"), std::string::npos) << junit;
  const std::string text = r.to_text();
  EXPECT_NE(text.find("SKIP  create-thing"), std::string::npos) << text;
  EXPECT_NE(text.find("spec defect: GET declares a required body"), std::string::npos) << text;
  EXPECT_NE(r.summary_line().find("2 skipped (1 spec defect)"), std::string::npos) << r.summary_line();
}

TEST_F(traffic_report_test, a_violations_example_names_the_request_that_showed_it) {
  traffic_report r(c(), "specgate test");
  exchange e = make("create-thing", "POST", "/api/things", 200);
  e.label = "negative: missing required property /name";
  e.response_violations.push_back(
      make_violation("invalid_request_accepted", violation_location::status, "", "", "accepted"));
  r.add(e);
  const ojson j = r.to_json();
  EXPECT_EQ(operation_entry(j, "create-thing")["violations"][0]["example"],
            "POST /api/things (negative: missing required property /name)");
}

TEST_F(traffic_report_test, json_shape_and_bytes_that_are_not_utf8) {
  traffic_report r(c(), "suite");
  exchange e = make("get-thing", "GET", "/api/things/\xff\xfe?q=\xc3", 200);
  e.request_violations = {make_violation("pattern", violation_location::path, "id", "", "bad id \xff")};
  r.add(e);
  r.add(make("", "GET", "/api/\xff", 404));
  r.set_dropped(7);
  const ojson j = r.to_json();
  EXPECT_EQ(keys(j), (std::vector<std::string>{"tool", "reportVersion", "suite", "generatedAt", "spec", "timing",
                                              "summary", "coverage", "operations", "undocumented"}));
  EXPECT_EQ(keys(j["summary"]), (std::vector<std::string>{"exchanges", "failed", "violations", "undocumented",
                                                          "undocumentedUnlisted", "unchecked", "upstreamErrors",
                                                          "dropped", "skipped", "specDefects"}));
  EXPECT_EQ(j["summary"]["dropped"], 7);
  EXPECT_EQ(keys(j["coverage"]), (std::vector<std::string>{"operations", "statuses", "missing"}));
  EXPECT_EQ(keys(j["operations"][0]),
            (std::vector<std::string>{"operationId", "method", "path", "exchanges", "failed", "statuses", "violations",
                                      "violationsUnlisted", "unchecked", "notes", "upstreamErrors", "errors", "verdict",
                                      "tag", "answered", "violationsTotal", "notesUnlisted", "errorsUnlisted",
                                      "timeMicros", "samples"}));
  std::string text;
  ASSERT_NO_THROW(text = j.dump()) << "every string is valid UTF-8";
  EXPECT_EQ(j["operations"][0]["violations"][0]["message"], "bad id \xEF\xBF\xBD");
  EXPECT_EQ(j["operations"][0]["violations"][0]["example"], "GET /api/things/\xEF\xBF\xBD\xEF\xBF\xBD?q=\xEF\xBF\xBD");
  EXPECT_EQ(j["undocumented"][0]["path"], "/api/\xEF\xBF\xBD");
}

TEST_F(traffic_report_test, an_operation_the_contract_does_not_hold_is_listed_last_without_coverage) {
  traffic_report r(c(), "suite");
  exchange e = make("", "GET", "/api/other/1", 200);
  e.operation_id = "other-op";
  e.operation_method = "get";
  e.operation_path = "/api/other/{id}";
  r.add(e);
  r.add(make("never-called", "GET", "/api/never", 200));
  // Known by its operationId alone (a recording that kept only that).
  exchange by_id = make("", "POST", "/api/things", 201);
  by_id.operation_id = "create-thing";
  r.add(by_id);
  const ojson j = r.to_json();
  ASSERT_EQ(j["operations"].size(), 3u) << j.dump(2);
  EXPECT_EQ(j["operations"][0]["operationId"], "create-thing");
  EXPECT_EQ(j["operations"][1]["operationId"], "never-called");
  EXPECT_EQ(j["operations"][2]["operationId"], "other-op");
  EXPECT_EQ(j["operations"][2]["method"], "GET");
  EXPECT_EQ(j["operations"][2]["inContract"], false);
  EXPECT_EQ(j["coverage"]["operations"]["exercised"], 2);
}

// ---------------------------------------------------------------- JUnit

// Parses `xml` with Python's minidom and returns what it read as JSON: the testsuite's attributes,
// its properties, and each test case with its failure, error and system-out texts.
std::optional<nlohmann::json> parse_junit(const std::string& xml) {
  static std::atomic<int> counter{0};
  const auto dir = std::filesystem::temp_directory_path();
  const std::string stem = "specgate-junit-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  const auto xml_path = dir / (stem + ".xml");
  const auto json_path = dir / (stem + ".json");
  const auto py_path = dir / (stem + ".py");
  std::ofstream(xml_path, std::ios::binary) << xml;
  std::ofstream(py_path) << R"(import json, sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
def text(node):
    return "".join(c.data for c in node.childNodes if c.nodeType in (c.TEXT_NODE, c.CDATA_SECTION_NODE))
suites = doc.getElementsByTagName("testsuite")
s = suites[0]
out = {"root": doc.documentElement.tagName, "suites": [t.getAttribute("name") for t in suites],
       "root_attributes": {k: v for k, v in doc.documentElement.attributes.items()},
       "attributes": {k: v for k, v in s.attributes.items()},
       "properties": {p.getAttribute("name"): p.getAttribute("value") for p in s.getElementsByTagName("property")},
       "cases": []}
for c in doc.getElementsByTagName("testcase"):
    case = {"classname": c.getAttribute("classname"), "name": c.getAttribute("name"), "time": c.getAttribute("time"),
            "children": [n.tagName for n in c.childNodes if n.nodeType == n.ELEMENT_NODE]}
    for tag in ("failure", "error", "system-out", "system-err"):
        found = c.getElementsByTagName(tag)
        if found:
            case[tag] = text(found[0])
            if found[0].hasAttribute("message"):
                case[tag + ".message"] = found[0].getAttribute("message")
            case[tag + ".all"] = [{"message": f.getAttribute("message"), "type": f.getAttribute("type"),
                                   "text": text(f)} for f in found]
    out["cases"].append(case)
json.dump(out, open(sys.argv[2], "w"))
)";
  const std::string command =
      "python3 " + py_path.string() + " " + xml_path.string() + " " + json_path.string() + " 2>&1";
  const int rc = std::system(command.c_str());
  std::optional<nlohmann::json> out;
  if (rc == 0) {
    std::ifstream in(json_path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    out = nlohmann::json::parse(buffer.str());
  }
  std::filesystem::remove(xml_path);
  std::filesystem::remove(json_path);
  std::filesystem::remove(py_path);
  return out;
}

bool python_available() { return std::system("python3 -c 'import xml.dom.minidom' >/dev/null 2>&1") == 0; }

TEST_F(traffic_report_test, junit_has_one_case_per_operation_seen_plus_undocumented) {
  traffic_report r(c(), "specgate proxy");
  exchange bad = make("get-thing", "GET", "/api/things/a?page=0", 200);
  bad.duration = std::chrono::microseconds(12'000);
  bad.started = std::chrono::system_clock::time_point(std::chrono::seconds(1'796'000'000));
  bad.response_violations = {make_violation("required", violation_location::body, "", "/id", "[id]: required")};
  r.add(make("get-thing", "GET", "/api/things/b", 404));
  r.add(bad);  // the earliest start, though not the first added
  r.add(make("create-thing", "POST", "/api/things", 201));
  const std::string x = r.to_junit();
  EXPECT_EQ(x.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u);

  if (!python_available()) GTEST_SKIP() << "python3 with xml.dom.minidom is needed to parse the XML";
  auto parsed = parse_junit(x);
  ASSERT_TRUE(parsed) << "the JUnit XML does not parse:\n" << x;
  const auto& j = *parsed;
  EXPECT_EQ(j["root"], "testsuites");
  // A suite per tag (none declared here: "untagged"), then "undocumented".
  EXPECT_EQ(j["suites"].dump(), R"(["untagged","undocumented"])");
  EXPECT_EQ(j["root_attributes"]["name"], "specgate proxy");
  EXPECT_EQ(j["root_attributes"]["tests"], "3");
  EXPECT_EQ(j["root_attributes"]["failures"], "1");
  EXPECT_EQ(j["root_attributes"]["errors"], "0");
  EXPECT_EQ(j["root_attributes"]["time"], "0.014");
  EXPECT_EQ(j["attributes"]["name"], "untagged");
  EXPECT_EQ(j["attributes"]["tests"], "2");
  EXPECT_EQ(j["attributes"]["failures"], "1");
  EXPECT_EQ(j["attributes"]["time"], "0.014");
  EXPECT_EQ(j["attributes"]["timestamp"], "2026-11-30T00:53:20");
  EXPECT_EQ(j["properties"]["tag.coverage.operations.declared"], "4");
  EXPECT_EQ(j["properties"]["tag.coverage.statuses.exercised"], "3");
  EXPECT_EQ(j["properties"]["coverage.operations.declared"], "4");
  EXPECT_EQ(j["properties"]["coverage.operations.exercised"], "2");
  EXPECT_EQ(j["properties"]["coverage.operations.percent"], "50.0");
  EXPECT_EQ(j["properties"]["coverage.statuses.declared"], "7");
  EXPECT_EQ(j["properties"]["coverage.statuses.exercised"], "3");
  EXPECT_EQ(j["properties"]["coverage.statuses.percent"], "42.8");
  EXPECT_EQ(j["properties"]["exchanges"], "3");
  EXPECT_EQ(j["properties"]["violations"], "1");

  ASSERT_EQ(j["cases"].size(), 3u);
  const auto& get = j["cases"][0];
  EXPECT_EQ(get["classname"], "GET /api/things/{id}");
  EXPECT_EQ(get["name"], "get-thing");
  EXPECT_EQ(get["time"], "0.013");
  EXPECT_EQ(get["children"].dump(), R"(["failure","system-out"])");
  // One failure per distinct violation: message where + what, type the code, text the details.
  EXPECT_EQ(get["failure.message"], "response body /id: [id]: required");
  EXPECT_EQ(get["failure.all"][0]["type"], "required");
  EXPECT_EQ(get["failure"], "seen 1 time\nschema: #/paths/x\nexample request: GET /api/things/a?page=0\n");
  EXPECT_EQ(get["system-out"], "exchanges: 2\nstatuses: 200 x1, 404 x1\n1 violation (1 distinct) in 1 of 2 exchanges\n");
  const auto& create = j["cases"][1];
  EXPECT_EQ(create["classname"], "POST /api/things");
  EXPECT_EQ(create["children"].dump(), R"(["system-out"])") << "passes";
  const auto& undocumented = j["cases"][2];
  EXPECT_EQ(undocumented["name"], "undocumented requests");
  EXPECT_EQ(undocumented["children"].dump(), "[]") << "passes when none were seen";

  r.add(make("", "DELETE", "/api/gone?x=1", 404));
  parsed = parse_junit(r.to_junit());
  ASSERT_TRUE(parsed);
  EXPECT_EQ((*parsed)["root_attributes"]["failures"], "2");
  const auto& now = (*parsed)["cases"][2];
  EXPECT_EQ(now["children"].dump(), R"(["failure"])");
  EXPECT_EQ(now["failure.message"], "1 request the contract does not document");
  EXPECT_EQ(now["failure"], "DELETE /api/gone (x1; 404 x1)\n");
}

TEST_F(traffic_report_test, junit_escapes_hostile_strings_and_strips_what_xml_forbids) {
  traffic_report r(c(), "suite \"<&>' \x01");
  const std::string hostile = "a<b>&c\"d'e ]]> \x01\x08\x0b\x0c\x1f tab\tcr\r\xef\xbf\xbe\xef\xbf\xbf \xff end";
  exchange e = make("get-thing", "GET", "/api/things/x?q=</failure><x a=\"1\">", 200);
  e.response_violations = {make_violation("enum", violation_location::header, "x-h", "", hostile)};
  e.response_note = hostile;
  r.add(e);
  exchange down = make("get-thing", "GET", "/api/things/y", 502);
  down.error = "cause: " + hostile;
  r.add(down);
  const std::string x = r.to_junit();
  // Nothing forbidden survives, whatever the parser.
  for (char bad : {'\x01', '\x08', '\x0b', '\x0c', '\x1f'}) EXPECT_EQ(x.find(bad), std::string::npos);
  EXPECT_EQ(x.find("\xef\xbf\xbe"), std::string::npos);
  EXPECT_EQ(x.find("\xff"), std::string::npos);
  EXPECT_EQ(x.find("<x a="), std::string::npos);

  if (!python_available()) GTEST_SKIP() << "python3 with xml.dom.minidom is needed to parse the XML";
  auto parsed = parse_junit(x);
  ASSERT_TRUE(parsed) << "the JUnit XML does not parse:\n" << x;
  const auto& j = *parsed;
  EXPECT_EQ(j["root_attributes"]["name"], "suite \"<&>' ");
  const std::string kept = "a<b>&c\"d'e ]]>  tab\tcr\r \xEF\xBF\xBD end";
  const auto& get = j["cases"][0];
  EXPECT_EQ(get["failure.message"], "response header x-h: " + kept);
  EXPECT_EQ(get["failure"], "seen 1 time\nschema: #/paths/x\nexample request: GET /api/things/x?q=</failure><x a=\"1\">\n");
  // Upstream errors beside failures go to system-err (a JUnit test case holds errors or failures).
  EXPECT_EQ(get["system-err"], "upstream failed in 1 of 2 exchanges\ncause: " + kept + " (x1; e.g. GET /api/things/y)\n");
  EXPECT_NE(get["system-out"].get<std::string>().find("  response: " + kept), std::string::npos);
}

TEST(traffic_report_kibana, coverage_of_kibanas_document) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  auto built = load_contract_file(::specgate::testing::kibana_spec_path());
  ASSERT_TRUE(built.value);
  const contract& kibana = *built.value;
  const operation* setup = nullptr;
  for (const auto& op : kibana.operations())
    if (op.method == http_method::get && op.path == "/api/fleet/agents/setup") setup = &op;
  ASSERT_NE(setup, nullptr);
  traffic_report r(kibana, "specgate proxy");
  exchange e;
  e.method = "GET";
  e.target = "/api/fleet/agents/setup";
  e.status = 200;
  e.operation_id = setup->operation_id;
  e.operation_method = "get";
  e.operation_path = setup->path;
  r.add(e);
  const ojson cov = r.to_json()["coverage"];
  EXPECT_EQ(cov["operations"]["declared"], kibana.operations().size());
  EXPECT_EQ(cov["operations"]["exercised"], 1);
  // Every other operation is missing whole; GET /api/fleet/agents/setup only for its other statuses.
  std::vector<std::string> setup_missing;
  for (const auto& resp : setup->responses)
    if (find_response(*setup, 200) != &resp) setup_missing.push_back(resp.status);
  std::size_t unexercised = 0;
  for (const auto& gap : cov["missing"]) {
    if (gap["path"] == "/api/fleet/agents/setup" && gap["method"] == "GET") {
      EXPECT_EQ(gap["exercised"], true);
      EXPECT_EQ(gap["statuses"], ojson(setup_missing));
    } else {
      EXPECT_EQ(gap["exercised"], false);
      ++unexercised;
    }
  }
  EXPECT_EQ(unexercised, kibana.operations().size() - 1);
  if (!python_available()) GTEST_SKIP() << "python3 with xml.dom.minidom is needed to parse the XML";
  auto parsed = parse_junit(r.to_junit());
  ASSERT_TRUE(parsed);
  EXPECT_EQ((*parsed)["cases"].size(), 2u);
  EXPECT_EQ((*parsed)["cases"][0]["classname"], "GET /api/fleet/agents/setup");
}

}  // namespace
}  // namespace specgate::validator
