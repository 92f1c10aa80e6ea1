// `specgate test` end to end: against `specgate mock` of Kibana's document
// (every operation passes; its spec defect reported as such), against a
// deliberately wrong server (tests/integration/wrong_target.py: each planted
// violation found at its operation and pointer), and its plan on the command
// line: --dry-run lists exactly the request builder's requests (same seed,
// same requests), --shard slices are disjoint and complete, --record writes a
// HAR that reads back with its secrets redacted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "integration/harness.h"
#include "integration/cli_run.h"
#include "test_support.h"
#include "validator/generate/test_plan.h"
#include "validator/text_util.h"
#include "validator/traffic/har.h"

namespace specgate::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string widgets = std::string(specgate::testing::paths::source_dir()) + "/tests/integration/data/widgets.yaml";


std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// (operationId, code, location, name, pointer) of every violation in a JSON report.
using finding = std::tuple<std::string, std::string, std::string, std::string, std::string>;
std::multiset<finding> findings(const json& report) {
  std::multiset<finding> out;
  for (const auto& op : report["operations"])
    for (const auto& v : op["violations"])
      out.insert({op["operationId"], v["code"], v["location"], v.value("name", ""), v.value("pointer", "")});
  return out;
}

const json* operation_entry(const json& report, const std::string& id) {
  for (const auto& op : report["operations"])
    if (op["operationId"] == id) return &op;
  return nullptr;
}

TEST(test_verb, a_wrong_server_fails_with_each_planted_violation_at_its_operation_and_pointer) {
  scratch s("specgate_test_verb");
  python_server target(std::string(specgate::testing::paths::source_dir()) + "/tests/integration/wrong_target.py");
  ASSERT_NE(target.port(), 0) << "python3 could not start tests/integration/wrong_target.py";
  const auto r = run_specgate({"test", "--spec", widgets, "--target", target.url(), "--allow-destructive", "--format",
                               "json", "--output", s / "report.json"},
                              s);
  ASSERT_EQ(r.code, 1) << r.err;
  const json report = json::parse(read_file(s / "report.json"));
  EXPECT_EQ(findings(report),
            (std::multiset<finding>{
                {"listWidgets", "undeclared_status", "status", "", ""},
                {"createWidget", "invalid_request_accepted", "status", "", ""},
                {"createWidget", "invalid_request_accepted", "status", "", ""},
                {"getWidget", "type", "body", "", "/name"},
                {"updateWidget", "valid_request_refused", "status", "", ""},
                {"getHealth", "required", "header", "X-Request-Id", ""},
            }))
      << report.dump(1);
  // The accepted invalid requests are named by their labels.
  const json* create = operation_entry(report, "createWidget");
  ASSERT_NE(create, nullptr);
  std::set<std::string> messages;
  for (const auto& v : (*create)["violations"]) messages.insert(v["message"]);
  EXPECT_THAT(messages, ::testing::ElementsAre(
                            ::testing::StartsWith("negative: missing required property /name was answered 201: "),
                            ::testing::StartsWith("negative: wrong type at /name was answered 201: ")));
  const json* update = operation_entry(report, "updateWidget");
  ASSERT_NE(update, nullptr);
  EXPECT_THAT((*update)["violations"][0]["message"].get<std::string>(),
              ::testing::StartsWith("generated was answered 400: the request is valid by the contract"));
  EXPECT_EQ(operation_entry(report, "getVersion")->at("failed"), 0);
  EXPECT_EQ(operation_entry(report, "deleteWidget")->at("failed"), 0);
  EXPECT_THAT(r.err, ::testing::HasSubstr("specgate: 7 operations"));
}

TEST(test_verb, the_mock_of_a_small_document_passes_and_destructive_operations_are_skipped) {
  scratch s("specgate_test_verb");
  specgate_process mock({"mock", "--quiet", "--port", "0", "--spec", widgets});
  ASSERT_TRUE(mock.running()) << mock.output();
  const auto r = run_specgate({"test", "--spec", widgets, "--target", "http://127.0.0.1:" + std::to_string(mock.port()),
                               "--format", "json", "--output", s / "report.json"},
                              s);
  ASSERT_EQ(r.code, 0) << r.err << read_file(s / "report.json");
  const json report = json::parse(read_file(s / "report.json"));
  EXPECT_EQ(report["summary"]["failed"], 0);
  const json* del = operation_entry(report, "deleteWidget");
  ASSERT_NE(del, nullptr);
  EXPECT_EQ((*del)["skipped"], json::parse(R"([{"reason":"destructive (DELETE): run with --allow-destructive","specDefect":false}])"));
  // Not even a refused connection is fine.
  const auto none = run_specgate({"test", "--spec", widgets, "--target", "http://127.0.0.1:1"}, s);
  EXPECT_EQ(none.code, 2);
  EXPECT_THAT(none.err, ::testing::HasSubstr("specgate test: no answer from http://127.0.0.1:1: upstream"));
}

TEST(test_verb, every_operation_of_kibanas_document_passes_against_the_mock) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  scratch s("specgate_test_verb");
  specgate_process mock({"mock", "--quiet", "--port", "0", "--spec", kibana_spec_path()});
  ASSERT_TRUE(mock.running()) << mock.output();
  const auto r = run_specgate({"test", "--spec", kibana_spec_path(), "--target",
                               "http://127.0.0.1:" + std::to_string(mock.port()), "--allow-destructive", "--api-key",
                               "c29tZTprZXk=", "--concurrency", "8", "--format", "json", "--output", s / "report.json",
                               "--format", "junit", "--output", s / "report.xml"},
                              s);
  const std::string text = read_file(s / "report.json");
  ASSERT_EQ(r.code, 0) << r.err << text.substr(0, 20000);
  const json report = json::parse(text);
  EXPECT_EQ(report["summary"]["failed"], 0);
  EXPECT_EQ(report["summary"]["upstreamErrors"], 0);
  EXPECT_EQ(report["coverage"]["operations"]["declared"], 372);
  EXPECT_EQ(report["coverage"]["operations"]["exercised"], 371);
  const json* copy = operation_entry(report, "CopyTimeline");
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ((*copy)["skipped"][0]["specDefect"], true);
  EXPECT_THAT((*copy)["skipped"][0]["reason"].get<std::string>(), ::testing::HasSubstr("a spec defect"));
  for (const auto& op : report["operations"]) EXPECT_EQ(op.value("failed", 0), 0) << op["operationId"];
  std::printf("[test_verb] Kibana against the mock: %s\n", r.err.c_str());
}

// The dry run lists, line by line, the plan the request builder makes in-process with the same
// options: `test` has no builder of its own.
std::vector<std::string> expected_dry_run(const validator::contract& c, std::uint64_t seed) {
  using namespace validator;
  request_build_options options;
  options.seed = seed;
  options.always_generate = true;
  options.headers = {{"Authorization", "ApiKey c29tZTprZXk="}};
  selection all;
  const test_plan plan = make_test_plan(c, select_operations(c, all), request_builder(c, options), {{"Authorization"}});
  std::vector<std::string> out;
  for (const auto& p : plan.requests) {
    const rendered_request r = p.request.render();
    out.push_back(r.method + " " + r.target + "  " + p.label + "  [" + p.op->operation_id + "]");
  }
  for (const auto& sk : plan.skipped)
    out.push_back("skip " + std::string(method_name(sk.op->method)) + " " + sk.op->path + "  " +
                  (sk.spec_defect ? "spec defect: " : "") + sk.reason + "  [" + sk.op->operation_id + "]");
  return out;
}

TEST(test_verb, dry_run_lists_the_request_builders_plan_and_the_seed_reproduces_it) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  scratch s("specgate_test_verb");
  auto built = validator::load_contract_file(kibana_spec_path());
  ASSERT_TRUE(built.value);
  for (const char* seed : {"0", "42"}) {
    const std::vector<std::string> args = {"test", "--spec", kibana_spec_path(), "--target", "http://127.0.0.1:9",
                                           "--api-key", "c29tZTprZXk=", "--dry-run", "--seed", seed};
    const auto r = run_specgate(args, s);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(lines(r.out), expected_dry_run(*built.value, std::stoull(seed))) << seed;
    EXPECT_EQ(run_specgate(args, s).out, r.out) << "same seed, same requests";
    EXPECT_THAT(r.err, ::testing::HasSubstr("nothing sent"));
  }
}

TEST(test_verb, shards_are_disjoint_and_together_the_unsharded_run) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  scratch s("specgate_test_verb");
  const std::vector<std::string> base = {"test",      "--spec",   kibana_spec_path(), "--target",
                                         "http://127.0.0.1:9", "--dry-run", "--allow-destructive"};
  const auto all = run_specgate(base, s);
  ASSERT_EQ(all.code, 0) << all.err;
  const auto every = lines(all.out);
  std::multiset<std::string> joined;
  std::map<std::string, int> shard_of;  // operationId -> shard
  for (int k = 1; k <= 4; ++k) {
    auto args = base;
    args.push_back("--shard");
    args.push_back(std::to_string(k) + "/4");
    const auto r = run_specgate(args, s);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto part = lines(r.out);
    EXPECT_GT(part.size(), every.size() / 8) << k;
    for (const auto& line : part) {
      joined.insert(line);
      const std::string id = line.substr(line.rfind('[') + 1, line.size() - line.rfind('[') - 2);
      auto [it, fresh] = shard_of.emplace(id, k);
      EXPECT_EQ(it->second, k) << id << " is in two shards";
      (void)fresh;
    }
  }
  EXPECT_EQ(joined, std::multiset<std::string>(every.begin(), every.end()));
  EXPECT_EQ(shard_of.size(), 372u);
  const auto bad = run_specgate({"test", "--target", "http://127.0.0.1:9", "--shard", "5/4", "--dry-run"}, s);
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, ::testing::HasSubstr("--shard wants K/N with 1 <= K <= N (e.g. 2/4), not '5/4'"));
}

TEST(test_verb, record_writes_a_har_that_reads_back_with_secrets_redacted) {
  scratch s("specgate_test_verb");
  specgate_process mock({"mock", "--quiet", "--port", "0", "--spec", widgets});
  ASSERT_TRUE(mock.running()) << mock.output();
  const auto dry = run_specgate({"test", "--spec", widgets, "--target", "http://127.0.0.1:9", "--dry-run",
                                 "--allow-destructive", "--auth", "elastic:changeme", "--header", "X-Trace: t1"},
                                s);
  ASSERT_EQ(dry.code, 0) << dry.err;
  const auto r = run_specgate({"test", "--spec", widgets, "--target",
                               "http://127.0.0.1:" + std::to_string(mock.port()), "--allow-destructive", "--auth",
                               "elastic:changeme", "--header", "X-Trace: t1", "--record", s / "run.har",
                               "--rate", "200", "--concurrency", "2"},
                              s);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  const std::string text = read_file(s / "run.har");
  const auto har = validator::read_har(text, "run.har");
  EXPECT_TRUE(har.problems.empty());
  ASSERT_EQ(har.exchanges.size(), lines(dry.out).size());
  std::set<std::string> labels;
  for (const auto& e : har.exchanges) {
    EXPECT_NE(e.status, 0);
    EXPECT_FALSE(e.operation_id.empty());
    bool traced = false;
    for (const auto& [name, value] : e.request_headers) {
      if (iequals(name, "authorization")) {
        EXPECT_EQ(value, "Basic [redacted]");
      }
      traced = traced || (name == "X-Trace" && value == "t1");
    }
    EXPECT_TRUE(traced);
  }
  EXPECT_EQ(text.find("ZWxhc3RpYzpjaGFuZ2VtZQ"), std::string::npos) << "the credentials leaked into the HAR";
  // The text report went to stdout: every operation passed.
  EXPECT_THAT(r.out, ::testing::HasSubstr("deleteWidget"));
}

// What `test --record` records, `validate` judges as `test` did: against the mock, clean (the
// negatives' invalid requests are what they were made of, and each was refused); against the
// wrong server, the same findings as the live run.
TEST(test_verb, validate_judges_a_recording_of_test_as_test_judged_it) {
  scratch s("specgate_test_verb");
  specgate_process mock({"mock", "--quiet", "--port", "0", "--spec", widgets});
  ASSERT_TRUE(mock.running()) << mock.output();
  const auto live = run_specgate({"test", "--spec", widgets, "--target", "http://127.0.0.1:" + std::to_string(mock.port()),
                                  "--allow-destructive", "--auth", "elastic:changeme", "--record", s / "mock.har",
                                  "--format", "json", "--output", s / "live.json"},
                                 s);
  ASSERT_EQ(live.code, 0) << live.err;
  const auto judged = run_specgate({"validate", "--spec", widgets, s / "mock.har", "--format", "json", "--output",
                                    s / "validate.json"},
                                   s);
  const std::string text = read_file(s / "validate.json");
  ASSERT_EQ(judged.code, 0) << judged.err << text.substr(0, 4000);
  const json live_report = json::parse(read_file(s / "live.json")), report = json::parse(text);
  EXPECT_EQ(report["summary"]["exchanges"], live_report["summary"]["exchanges"]);
  EXPECT_GT(report["summary"]["exchanges"].get<int>(), 0);
  EXPECT_EQ(report["summary"]["violations"], 0);
  EXPECT_EQ(report["coverage"]["operations"], live_report["coverage"]["operations"]);

  python_server wrong_server(std::string(specgate::testing::paths::source_dir()) + "/tests/integration/wrong_target.py");
  ASSERT_NE(wrong_server.port(), 0) << "python3 could not start tests/integration/wrong_target.py";
  const auto wrong = run_specgate({"test", "--spec", widgets, "--target", wrong_server.url(), "--allow-destructive",
                                   "--record",
                                   s / "wrong.har", "--format", "json", "--output", s / "wrong.json"},
                                  s);
  ASSERT_EQ(wrong.code, 1) << wrong.err;
  const auto rejudged = run_specgate({"validate", "--spec", widgets, s / "wrong.har", "--format", "json", "--output",
                                      s / "rejudged.json"},
                                     s);
  ASSERT_EQ(rejudged.code, 1) << rejudged.err;
  EXPECT_EQ(findings(json::parse(read_file(s / "rejudged.json"))), findings(json::parse(read_file(s / "wrong.json"))));
}

// A first try without credentials against a server that wants them says what to do; two sources
// of Authorization are a usage error.
TEST(test_verb, answers_of_401_without_credentials_give_a_hint_and_two_credentials_are_refused) {
  scratch s("specgate_test_verb");
  specgate_process mock({"mock", "--quiet", "--port", "0"});  // the embedded contract: credentials required
  ASSERT_TRUE(mock.running()) << mock.output();
  const std::string target = "http://127.0.0.1:" + std::to_string(mock.port());
  const auto bare = run_specgate({"test", "--target", target, "--operation", "get-fleet-agents-setup"}, s);
  EXPECT_EQ(bare.code, 1) << bare.err;
  EXPECT_THAT(bare.err, ::testing::HasSubstr("hint: 1 valid request(s) were answered 401 and none carried credentials: "
                                             "give --auth user:pass or --api-key KEY"));
  const auto with = run_specgate({"test", "--target", target, "--operation", "get-fleet-agents-setup", "--auth",
                                  "elastic:changeme"},
                                 s);
  EXPECT_EQ(with.code, 0) << with.err;
  EXPECT_THAT(with.err, ::testing::Not(::testing::HasSubstr("hint:")));
  const auto both = run_specgate({"test", "--target", target, "--auth", "a:b", "--api-key", "k"}, s);
  EXPECT_EQ(both.code, 2);
  EXPECT_THAT(both.err, ::testing::HasSubstr("--auth and --api-key both set Authorization: give one"));
}

// Shards of a live run, joined by `report merge`, equal the unsharded run (timing aside).
TEST(test_verb, sharded_runs_merged_equal_the_unsharded_run) {
  scratch s("specgate_test_verb");
  specgate_process mock({"mock", "--quiet", "--port", "0", "--spec", widgets});
  ASSERT_TRUE(mock.running()) << mock.output();
  const std::vector<std::string> base = {"test", "--spec", widgets, "--target",
                                         "http://127.0.0.1:" + std::to_string(mock.port()), "--allow-destructive",
                                         "--auth", "elastic:changeme"};
  auto with = [&](std::vector<std::string> extra) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  ASSERT_EQ(run_specgate(with({"--format", "json", "--output", s / "whole.json"}), s).code, 0);
  std::vector<std::string> merge = {"report", "merge", "--spec", widgets};
  for (int k = 1; k <= 3; ++k) {
    const std::string out = s / ("shard" + std::to_string(k) + ".json");
    ASSERT_EQ(run_specgate(with({"--shard", std::to_string(k) + "/3", "--format", "json", "--output", out}), s).code, 0);
    merge.push_back(out);
  }
  merge.insert(merge.end(), {"--format", "json", "--output", s / "merged.json"});
  const auto merged_run = run_specgate(merge, s);
  ASSERT_EQ(merged_run.code, 0) << merged_run.err;
  // Timing differs run to run; everything else is the same report.
  auto comparable = [](json j) {
    j.erase("generatedAt");
    j.erase("timing");
    for (auto& op : j["operations"]) {
      op.erase("timeMicros");
      op.erase("samples");  // which exchanges a shard kept as samples depends on arrival order
    }
    return j;
  };
  const json whole = comparable(json::parse(read_file(s / "whole.json")));
  const json merged = comparable(json::parse(read_file(s / "merged.json")));
  EXPECT_EQ(merged["summary"], whole["summary"]);
  EXPECT_EQ(merged["coverage"], whole["coverage"]);
  EXPECT_EQ(merged["operations"], whole["operations"]) << merged["operations"].dump().substr(0, 3000);
}

}  // namespace
}  // namespace specgate::testing
