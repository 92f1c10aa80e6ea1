// The traffic report's formats for people and CI: samples (bounded, redacted, cut), JUnit per tag
// checked against tests/validator/data/junit.xsd with xmllint, shards' JSON merged equal to one run,
// and the HTML page opened in headless Chromium.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "validator/report/traffic_report.h"
#include "validator/text_util.h"
#include "validator/traffic/content_coding.h"
#include "validator/shared_contract.h"
#include "test_paths.h"

namespace specgate::validator {
namespace {

using ojson = nlohmann::ordered_json;
namespace fs = std::filesystem;

constexpr std::string_view spec = R"(openapi: 3.0.3
info: {title: formats, version: '2.1'}
paths:
  /api/pets/{id}:
    get:
      operationId: get-pet
      tags: [pets, extra]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok}
        '404': {description: missing}
    delete:
      operationId: delete-pet
      tags: [pets]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '204': {description: gone}
  /api/stores:
    post:
      operationId: create-store
      tags: [stores]
      responses:
        '201': {description: created}
        '400': {description: bad}
  /api/health:
    get:
      operationId: health
      responses:
        '200': {description: ok}
)";

class report_formats_test : public shared_contract_suite<report_formats_test> {
 public:
  static contract::build_result load() { return load_contract_text(spec, "formats.yaml"); }

 protected:
  static exchange make(std::string id, std::string method, std::string target, int status, int second = 0) {
    exchange e;
    e.method = std::move(method);
    e.target = std::move(target);
    e.status = status;
    e.duration = std::chrono::microseconds(1500 + second);
    e.started = std::chrono::system_clock::time_point(std::chrono::seconds(1'796'000'000 + second));
    if (!id.empty()) {
      const operation* op = c().find(id);
      EXPECT_NE(op, nullptr) << id;
      e.operation_id = op->operation_id;
      e.operation_method = to_lower(method_name(op->method));
      e.operation_path = op->path;
    }
    return e;
  }
  static violation make_violation(std::string code, violation_location where, std::string pointer, std::string message) {
    violation v;
    v.code = std::move(code);
    v.location = where;
    v.instance_pointer = std::move(pointer);
    v.schema_pointer = "#/paths/~1api~1pets~1{id}/get/responses/200/content/application~1json/schema/properties/name";
    v.keyword = "type";
    v.expected = "string";
    v.found = "number";
    v.message = std::move(message);
    return v;
  }
  // A varied run: passing and failing exchanges, an upstream error, a note, undocumented requests.
  static std::vector<exchange> traffic() {
    std::vector<exchange> out;
    for (int i = 0; i < 12; ++i) {
      exchange e = make("get-pet", "GET", "/api/pets/" + std::to_string(i), i % 3 == 0 ? 404 : 200, i);
      e.request_headers = {{"Authorization", "Basic c2VjcmV0"}, {"Accept", "application/json"}};
      e.response_headers = {{"Content-Type", "application/json"}};
      e.response_body = R"({"name":)" + std::to_string(i) + "}";
      if (i % 2 == 1)
        e.response_violations = {make_violation("type", violation_location::body, "/name",
                                                "[name]: expected value of type [string] but got [number]")};
      if (i == 5) e.response_violations.push_back(make_violation("required", violation_location::body, "/id", "[id]: required"));
      e.label = i % 2 ? "generated" : "example 'one'";
      out.push_back(std::move(e));
    }
    exchange down = make("create-store", "POST", "/api/stores", 502, 20);
    down.error = "upstream 127.0.0.1:9 refused the connection";
    out.push_back(down);
    exchange created = make("create-store", "POST", "/api/stores", 201, 21);
    created.request_body = R"({"name":"corner"})";
    created.response_note = "not checked: too large (9 MiB > --max-check-bytes 8 MiB)";
    out.push_back(created);
    out.push_back(make("", "GET", "/api/unknown?x=1", 404, 22));
    out.push_back(make("", "GET", "/api/unknown", 404, 23));
    return out;
  }
  static ojson without_generated_at(ojson j) {
    j.erase("generatedAt");
    return j;
  }
  static std::string run(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return "popen failed";
    char buffer[4096];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    const int rc = ::pclose(pipe);
    return (rc == 0 ? "rc=0\n" : "rc=" + std::to_string(rc) + "\n") + out;
  }
  static fs::path temp_file(const std::string& name, const std::string& text) {
    const fs::path p = fs::temp_directory_path() / ("specgate-report-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

};

// ---------------------------------------------------------------- samples

TEST_F(report_formats_test, keeps_the_first_three_failing_and_the_first_passing_exchange_redacted) {
  traffic_report r(c(), "specgate test");
  for (const auto& e : traffic()) r.add(e);
  const ojson j = r.to_json();
  const ojson& get = j["operations"][0];
  ASSERT_EQ(get["operationId"], "get-pet");
  ASSERT_EQ(get["samples"].size(), 4u) << get["samples"].dump(2);
  std::vector<std::string> targets;
  for (const auto& s : get["samples"]) targets.push_back(s["request"]["target"]);
  EXPECT_EQ(targets, (std::vector<std::string>{"/api/pets/1", "/api/pets/3", "/api/pets/5", "/api/pets/0"}))
      << "failing ones first, in order; then the first passing one";
  const ojson& first = get["samples"][0];
  EXPECT_EQ(first["failed"], true);
  EXPECT_EQ(first["label"], "generated");
  EXPECT_EQ(first["request"]["headers"].dump(), R"([["Authorization","Basic [redacted]"],["Accept","application/json"]])");
  EXPECT_EQ(first["response"]["status"], 200);
  EXPECT_EQ(first["response"]["body"], R"({"name":1})");
  EXPECT_EQ(first["violations"].dump(),
            R"(["response body /name: [name]: expected value of type [string] but got [number] [type]"])");
  EXPECT_EQ(get["samples"][3]["failed"], false);
  EXPECT_TRUE(get["samples"][3]["violations"].empty());
  EXPECT_EQ(j.dump().find("c2VjcmV0"), std::string::npos) << "the credential appears nowhere";

  const ojson& store = j["operations"][1];
  ASSERT_EQ(store["operationId"], "create-store");
  ASSERT_EQ(store["samples"].size(), 2u);
  EXPECT_EQ(store["samples"][0]["error"], "upstream 127.0.0.1:9 refused the connection") << "an upstream error fails";
  EXPECT_EQ(store["samples"][1]["request"]["body"], R"({"name":"corner"})");
}

TEST_F(report_formats_test, sample_bodies_are_cut_and_the_total_is_bounded) {
  traffic_report r(c(), "suite");
  exchange big = make("get-pet", "GET", "/api/pets/big", 200);
  big.response_body = std::string(report_max_sample_body + 1000, 'a') + "\xC3\xA9";
  big.response_violations = {make_violation("type", violation_location::body, "", "wrong")};
  for (int i = 0; i < 100; ++i) r.add(big);  // only 3 kept
  exchange gz = make("create-store", "POST", "/api/stores", 201);
  gz.response_headers = {{"Content-Encoding", "gzip"}};
  gz.response_body = gzip_encode(R"({"id":"s1"})");
  r.add(gz);
  const ojson j = r.to_json();
  const ojson& samples = j["operations"][0]["samples"];
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0]["response"]["body"].get<std::string>().size(), report_max_sample_body);
  EXPECT_EQ(samples[0]["response"]["bodyNote"],
            "cut at " + std::to_string(report_max_sample_body) + " of " + std::to_string(report_max_sample_body + 1002) +
                " bytes");
  const ojson& store = j["operations"][1]["samples"][0];
  EXPECT_EQ(store["response"]["body"], R"({"id":"s1"})");
  EXPECT_EQ(store["response"]["bodyNote"], "decoded from gzip");

  // Past the report's budget bodies are left out, with a note: memory is bounded whatever the traffic.
  std::size_t held = 0;
  traffic_report many(c(), "suite");
  for (std::size_t i = 0; i < report_max_sample_bytes / report_max_sample_body + 10; ++i) {
    exchange e = make("", "GET", "/x", 200);
    e.operation_id = "op" + std::to_string(i);  // operations outside the contract: each keeps samples
    e.operation_method = "get";
    e.operation_path = "/op" + std::to_string(i);
    e.response_body = std::string(report_max_sample_body, 'b');
    many.add(e);
  }
  std::size_t left_out = 0;
  const ojson kept = many.to_json();
  for (const auto& op : kept["operations"])
    for (const auto& s : op["samples"]) {
      held += s["response"]["body"].get<std::string>().size();
      if (s["response"].value("bodyNote", "").find("left out") == 0) ++left_out;
    }
  EXPECT_LE(held, report_max_sample_bytes);
  EXPECT_EQ(left_out, 10u);
}

TEST_F(report_formats_test, samples_redact_the_headers_the_verb_was_told_to) {
  traffic_report r(c(), "suite");
  redaction extra;
  extra.headers = {"x-tenant-secret"};
  extra.query = {"sig"};
  r.set_redaction(extra);
  exchange e = make("health", "GET", "/api/health?sig=abc123&page=2", 200);
  e.request_headers = {{"X-Tenant-Secret", "hush"}, {"Cookie", "sid=s3cr3t"}};
  r.add(e);
  const std::string text = r.to_json()["operations"][0]["samples"].dump();
  EXPECT_EQ(text.find("hush"), std::string::npos) << text;
  EXPECT_EQ(text.find("s3cr3t"), std::string::npos) << text;
  EXPECT_EQ(text.find("abc123"), std::string::npos) << text;
  EXPECT_NE(text.find("page=2"), std::string::npos) << text;
}

// ---------------------------------------------------------------- text

TEST_F(report_formats_test, text_is_what_a_person_reads_in_a_ci_log) {
  traffic_report r(c(), "specgate test");
  exchange bad = make("get-pet", "GET", "/api/pets/7", 200);
  bad.response_violations = {make_violation("type", violation_location::body, "/name",
                                            "[name]: expected value of type [string] but got [number]")};
  r.add(bad);
  r.add(make("create-store", "POST", "/api/stores", 201));
  r.add(make("", "GET", "/api/nope?q=1", 404));
  r.skip(*c().find("delete-pet"), "destructive: run with --allow-destructive");
  EXPECT_EQ(r.to_text(),
            "specgate: 2 operations, 3 exchanges, 1 failed (1 violation), 1 undocumented, 1 skipped; coverage 50.0% of "
            "operations, 33.3% of declared statuses\n"
            "verdicts: 1 passed, 1 failed, 0 errors, 1 skipped\n"
            "coverage: operations 2 of 4 (50.0%), declared statuses 2 of 6 (33.3%)\n"
            "\n"
            "FAIL  get-pet  GET /api/pets/{id}  (1 exchange, 1 failed; 200 x1)\n"
            "      response body /name: [name]: expected value of type [string] but got [number] [type] x1\n"
            "        e.g. GET /api/pets/7\n"
            "SKIP  delete-pet  DELETE /api/pets/{id}  (0 exchanges)\n"
            "      skipped: destructive: run with --allow-destructive\n"
            "PASS  create-store  POST /api/stores  (1 exchange; 201 x1)\n"
            "\n"
            "UNDOC GET /api/nope  (1 request; 404 x1)\n");
}

// ---------------------------------------------------------------- JUnit

TEST_F(report_formats_test, junit_has_a_suite_per_first_tag_and_validates_against_the_schema) {
  traffic_report r(c(), "specgate test");
  for (const auto& e : traffic()) r.add(e);
  r.add(make("health", "GET", "/api/health", 200));
  r.skip(*c().find("delete-pet"), "destructive: run with --allow-destructive");
  const std::string x = r.to_junit();
  // Suites in document order of their first operation; get-pet's first tag only.
  const auto at = [&](std::string_view s) { return x.find(s); };
  ASSERT_NE(at("<testsuite name=\"pets\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"1\""), std::string::npos) << x;
  ASSERT_NE(at("<testsuite name=\"stores\" tests=\"1\" failures=\"0\" errors=\"1\""), std::string::npos) << x;
  ASSERT_NE(at("<testsuite name=\"untagged\" tests=\"1\" failures=\"0\""), std::string::npos) << x;
  EXPECT_EQ(at("name=\"extra\""), std::string::npos);
  EXPECT_LT(at("name=\"pets\""), at("name=\"stores\""));
  EXPECT_LT(at("name=\"untagged\""), at("<testsuite name=\"undocumented\""));
  // A failure per distinct violation, with where + what and the code.
  EXPECT_NE(at("<failure message=\"response body /name: [name]: expected value of type [string] but got [number]\" "
               "type=\"type\">seen 6 times\nkeyword: type\nexpected: string\nfound: number\nschema: "
               "#/paths/~1api~1pets~1{id}/get/responses/200/content/application~1json/schema/properties/name\n"
               "example request: GET /api/pets/1 (generated)\n</failure>"),
            std::string::npos)
      << x;
  EXPECT_NE(at("<failure message=\"response body /id: [id]: required\" type=\"required\">"), std::string::npos);
  EXPECT_NE(at("<property name=\"tag.coverage.operations.declared\" value=\"2\"/>"), std::string::npos);
  EXPECT_NE(at("<skipped message=\"destructive: run with --allow-destructive\"/>"), std::string::npos);

  if (std::system("command -v xmllint >/dev/null 2>&1") != 0)
    FAIL() << "xmllint is needed (Debian: libxml2-utils; make test installs it)";
  const std::string xsd = std::string(specgate::testing::paths::source_dir()) + "/tests/validator/data/junit.xsd";
  const fs::path file = temp_file("junit.xml", x);
  const std::string out = run("xmllint --noout --schema " + xsd + " " + file.string());
  EXPECT_EQ(out.rfind("rc=0\n", 0), 0u) << out << "\n" << x;

  // The schema does reject what CI systems do not read: errors and failures in one test case.
  std::string both = x;
  const std::size_t failure = both.find("<failure ");
  both.insert(failure, "<error message=\"e\"/>");
  const fs::path bad = temp_file("junit-bad.xml", both);
  EXPECT_NE(run("xmllint --noout --schema " + xsd + " " + bad.string()).rfind("rc=0\n", 0), 0u);
  fs::remove(file);
  fs::remove(bad);
}

// ---------------------------------------------------------------- merge

TEST_F(report_formats_test, shards_merged_equal_one_report_of_all_the_exchanges) {
  const auto all = traffic();
  traffic_report whole(c(), "specgate test");
  traffic_report first(c(), "specgate test"), second(c(), "specgate test");
  for (std::size_t i = 0; i < all.size(); ++i) {
    whole.add(all[i]);
    (i < all.size() / 2 ? first : second).add(all[i]);
  }
  for (auto* r : {&whole, &second}) r->skip(*c().find("delete-pet"), "destructive: run with --allow-destructive");
  second.set_dropped(2);
  whole.set_dropped(2);

  traffic_report merged(c(), "specgate test");
  EXPECT_EQ(merged.merge_json(nlohmann::json::parse(first.to_json().dump())), "");
  EXPECT_EQ(merged.merge_json(nlohmann::json::parse(second.to_json().dump())), "");
  const ojson expected = without_generated_at(whole.to_json());
  const ojson got = without_generated_at(merged.to_json());
  EXPECT_EQ(got.dump(2), expected.dump(2));
  EXPECT_EQ(merged.to_junit(), whole.to_junit());
  EXPECT_EQ(merged.to_text(), whole.to_text());
  EXPECT_EQ(got["summary"]["exchanges"], all.size());
  EXPECT_EQ(got["summary"]["skipped"], 1);
}

TEST_F(report_formats_test, merge_refuses_reports_of_another_document_and_leaves_the_report_untouched) {
  auto other = load_contract_text(R"(openapi: 3.0.3
info: {title: other, version: '9'}
paths:
  /api/pets/{id}:
    get:
      operationId: get-pet
      responses: {'200': {description: ok}}
)",
                                  "other.yaml");
  ASSERT_TRUE(other.value);
  traffic_report foreign(*other.value, "specgate test");
  traffic_report r(c(), "specgate test");
  r.add(make("health", "GET", "/api/health", 200));
  const std::string before = without_generated_at(r.to_json()).dump();
  const std::string why = r.merge_json(nlohmann::json::parse(foreign.to_json().dump()));
  EXPECT_EQ(why.rfind("made against another document: \"other\" 9 with 1 operations (fnv1a64:", 0), 0u) << why;
  EXPECT_NE(why.find("--spec is \"formats\" 2.1 with 4 operations (" + traffic_report::spec_digest(c()) + ")"),
            std::string::npos)
      << why;
  EXPECT_EQ(r.merge_json(nlohmann::json{{"summary", 1}}), "not a specgate JSON report (no \"tool\": \"specgate\")");
  nlohmann::json newer = nlohmann::json::parse(r.to_json().dump());
  newer["reportVersion"] = 2;
  EXPECT_EQ(r.merge_json(newer), "report version 2, this specgate reads version 1");
  nlohmann::json broken = nlohmann::json::parse(r.to_json().dump());
  broken["operations"][0]["exchanges"] = "many";
  EXPECT_EQ(r.merge_json(broken).rfind("malformed report: ", 0), 0u);
  EXPECT_EQ(without_generated_at(r.to_json()).dump(), before);
  EXPECT_EQ(traffic_report::spec_digest(c()), traffic_report::spec_digest(c()));
  EXPECT_NE(traffic_report::spec_digest(c()), traffic_report::spec_digest(*other.value));
}

// ---------------------------------------------------------------- HTML

TEST_F(report_formats_test, html_is_self_contained_and_escapes_everything) {
  traffic_report r(c(), "specgate <test>");
  auto all = traffic();
  all[1].response_body = R"({"name":"<script>alert(1)</script>","link":"https://example.com/x"})";
  for (const auto& e : all) r.add(e);
  const std::string page = r.to_html();
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos) << "no URL at all, even quoted from the traffic";
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("specgate &lt;test&gt;"), std::string::npos);
  EXPECT_EQ(page.find("c2VjcmV0"), std::string::npos) << "credentials redacted";
  EXPECT_NE(page.find("Basic [redacted]"), std::string::npos);
  EXPECT_NE(page.find("{\n  &quot;name&quot;: 3\n}"), std::string::npos) << "JSON bodies pretty-printed";
  EXPECT_EQ(page.find(" src="), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
}

// Where a test keeps what a person may want to look at: build/tests/artifacts (beside the binary).
fs::path artifacts_dir() {
  const fs::path dir = fs::read_symlink("/proc/self/exe").parent_path() / "artifacts";
  fs::create_directories(dir);
  return dir;
}

TEST_F(report_formats_test, html_report_renders_in_headless_chromium) {
  traffic_report r(c(), "specgate test");
  exchange bad = make("get-pet", "GET", "/api/pets/7", 200);
  bad.response_body = R"({"name":7})";
  bad.response_headers = {{"Content-Type", "application/json"}};
  bad.response_violations = {make_violation("type", violation_location::body, "/name",
                                            "[name]: expected value of type [string] but got [number]")};
  r.add(bad);
  r.add(make("create-store", "POST", "/api/stores", 201));
  const fs::path dir = artifacts_dir();
  const fs::path page = dir / "report.html";
  std::ofstream(page, std::ios::binary) << r.to_html();

  std::string chromium;
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
    if (std::system(("command -v " + std::string(name) + " >/dev/null 2>&1").c_str()) == 0) {
      chromium = name;
      break;
    }
  if (chromium.empty())
    FAIL() << "headless Chromium is needed: apt-get install chromium (Debian; make test installs it)";
  const fs::path profile = fs::temp_directory_path() / ("specgate-chromium-" + std::to_string(::getpid()));
  const std::string flags = " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run "
                            "--user-data-dir=" + profile.string() + " ";
  const std::string dom = run(chromium + flags + "--dump-dom file://" + page.string());
  const fs::path shot = dir / "report.png";
  fs::remove(shot);
  const std::string screenshot =
      run(chromium + flags + "--window-size=1280,1600 --screenshot=" + shot.string() + " file://" + page.string());
  fs::remove_all(profile);

  ASSERT_EQ(dom.rfind("rc=0\n", 0), 0u) << dom;
  // The verdicts and the violation, as the browser built the document.
  EXPECT_NE(dom.find("data-verdict=\"FAIL\""), std::string::npos) << dom;
  EXPECT_NE(dom.find("data-verdict=\"PASS\""), std::string::npos);
  EXPECT_NE(dom.find("<span class=\"verdict v-fail\">FAIL</span> <code>GET /api/pets/{id}</code>"), std::string::npos);
  EXPECT_NE(dom.find("<span class=\"verdict v-pass\">PASS</span> <code>POST /api/stores</code>"), std::string::npos);
  EXPECT_NE(dom.find("[name]: expected value of type [string] but got [number]"), std::string::npos);
  EXPECT_NE(dom.find("<code>/name</code>"), std::string::npos) << "the instance pointer";
  EXPECT_NE(dom.find("<p id=\"filters\" class=\"\">"), std::string::npos) << "the script ran (filters shown)";
  EXPECT_TRUE(fs::exists(shot) && fs::file_size(shot) > 1000) << screenshot;
}

}  // namespace
}  // namespace specgate::validator
