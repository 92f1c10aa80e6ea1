// `specgate report merge` as a user runs it: shards' JSON reports joined into the report of the
// whole run, every format written, exit codes, and a report of another document refused by name.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "validator/report/traffic_report.h"
#include "validator/text_util.h"
#include "test_paths.h"

namespace specgate::validator {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view spec = R"(openapi: 3.0.3
info: {title: merge, version: '1'}
paths:
  /api/items/{id}:
    get:
      operationId: get-item
      tags: [items]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok}
        '404': {description: missing}
  /api/items:
    post:
      operationId: create-item
      tags: [items]
      responses:
        '201': {description: created}
  /api/ping:
    get:
      operationId: ping
      responses:
        '200': {description: ok}
)";

struct result {
  int code = -1;
  std::string err;
};

class report_merge_cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("specgate-merge-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    spec_path_ = write("spec.yaml", std::string(spec));
    auto built = load_contract_file(spec_path_.string());
    ASSERT_TRUE(built.value);
    contract_ = built.value;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  result merge(const std::string& args) {
    const fs::path err = dir_ / "stderr.txt";
    const std::string command = std::string(specgate::testing::paths::specgate_binary()) + " report merge --spec " + spec_path_.string() + " " +
                                args + " >" + (dir_ / "stdout.txt").string() + " 2>" + err.string();
    const int status = std::system(command.c_str());
    result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = read(err);
    return r;
  }
  exchange make(const std::string& id, std::string target, int status, bool bad) {
    const operation* op = contract_->find(id);
    exchange e;
    e.method = std::string(method_name(op->method));
    e.target = std::move(target);
    e.status = status;
    e.duration = std::chrono::microseconds(2000);
    e.started = std::chrono::system_clock::time_point(std::chrono::seconds(1'796'000'000));
    e.operation_id = op->operation_id;
    e.operation_method = to_lower(method_name(op->method));
    e.operation_path = op->path;
    if (bad) {
      violation v;
      v.code = "required";
      v.location = violation_location::body;
      v.instance_pointer = "/id";
      v.message = "[id]: required";
      e.response_violations = {v};
    }
    return e;
  }
  static nlohmann::json without_generated_at(nlohmann::json j) {
    j.erase("generatedAt");
    return j;
  }

  fs::path dir_;
  fs::path spec_path_;
  std::shared_ptr<const contract> contract_;
};

TEST_F(report_merge_cli, shards_merged_equal_the_whole_run_in_every_format) {
  // Shard 1 ran the items operations, shard 2 ping (as test --shard splits by operation).
  traffic_report whole(*contract_, "specgate test"), one(*contract_, "specgate test"), two(*contract_, "specgate test");
  for (auto* r : {&whole, &one}) {
    r->add(make("get-item", "/api/items/1", 200, false));
    r->add(make("get-item", "/api/items/2", 200, true));
    r->add(make("create-item", "/api/items", 201, false));
  }
  for (auto* r : {&whole, &two}) r->add(make("ping", "/api/ping", 200, false));
  const fs::path a = write("a.json", one.to_json().dump(2));
  const fs::path b = write("b.json", two.to_json().dump(2));
  const fs::path out_json = dir_ / "merged.json", out_xml = dir_ / "merged.xml", out_html = dir_ / "merged.html";
  const result r = merge(a.string() + " " + b.string() + " --format json --output " + out_json.string() +
                         " --output " + out_xml.string() + " --output " + out_html.string());
  EXPECT_EQ(r.code, 1) << "a shard found a violation: " << r.err;
  EXPECT_NE(r.err.find("specgate: 3 operations, 4 exchanges, 1 failed (1 violation)"), std::string::npos) << r.err;
  const auto merged = nlohmann::json::parse(read(out_json), nullptr, false);
  ASSERT_FALSE(merged.is_discarded()) << read(out_json);
  EXPECT_EQ(without_generated_at(merged).dump(2),
            without_generated_at(nlohmann::json::parse(whole.to_json().dump())).dump(2));
  EXPECT_EQ(read(out_xml), whole.to_junit());
  EXPECT_NE(read(out_html).find("<!DOCTYPE html>"), std::string::npos);

  // Clean shards: exit 0.
  const result clean = merge(b.string());
  EXPECT_EQ(clean.code, 0) << clean.err;
}

TEST_F(report_merge_cli, refuses_a_report_of_another_document_naming_the_file) {
  traffic_report ours(*contract_, "specgate test");
  ours.add(make("ping", "/api/ping", 200, false));
  const fs::path a = write("a.json", ours.to_json().dump());
  auto other = load_contract_text("openapi: 3.0.3\ninfo: {title: other, version: '2'}\npaths:\n  /api/ping:\n    get:\n"
                                  "      responses: {'200': {description: ok}}\n",
                                  "other.yaml");
  ASSERT_TRUE(other.value);
  traffic_report theirs(*other.value, "specgate test");
  const fs::path b = write("b.json", theirs.to_json().dump());
  result r = merge(a.string() + " " + b.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind("specgate report merge: " + b.string() + ": made against another document: \"other\" 2 with 1 "
                        "operations",
                        0),
            0u)
      << r.err;

  const fs::path junk = write("junk.json", "<testsuites/>");
  r = merge(a.string() + " " + junk.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(junk.string() + ": not JSON"), std::string::npos) << r.err;
  r = merge((dir_ / "missing.json").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("missing.json: cannot be read"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace specgate::validator
