// Lint on Kibana's full document: every example finding is confirmed by an independent validator
// (Python's jsonschema on specgate's translated schema) and none it finds is missed; and the lint
// findings are pinned in tests/validator/data/kibana_lint_expected.json (SPECGATE_UPDATE_EXPECTED=1 rewrites it).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "test_support.h"
#include "validator/jsonschema_oracle.h"
#include "validator/contract/contract.h"
#include "validator/lint/lint.h"
#include "validator/lint/lint_examples.h"

namespace specgate::validator::lint {
namespace {

using ::specgate::testing::jsonschema_verdicts;
using ::specgate::testing::read_file;

TEST(lint_examples_crosscheck, kibana_example_findings_agree_with_python_jsonschema) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  SPECGATE_REQUIRE_PYTHON_JSONSCHEMA();
  auto loaded = load_openapi_file(specgate::testing::kibana_spec_path());
  ASSERT_TRUE(loaded.docs);

  // Lint's verdicts: the findings of the example family.
  lint_context context{*loaded.docs};
  const auto started = std::chrono::steady_clock::now();
  const diagnostics findings = check_examples(context);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("check_examples on Kibana's document: %.3f s (survey, compile, validate; load excluded)\n", seconds);
  std::set<std::string> lint_invalid, lint_unchecked;
  for (const auto& f : findings) {
    ASSERT_TRUE(f.rule == "example-invalid" || f.rule == "example-unchecked" || f.rule == "example-schema-missing")
        << f.rule;
    (f.rule == "example-invalid" ? lint_invalid : lint_unchecked).insert(f.pointer);
  }
  EXPECT_EQ(lint_invalid.size() + lint_unchecked.size(), findings.size()) << "two findings at one pointer";

  // jsonschema's verdicts on the same sites, against the same translated schemas: a site is valid
  // when one of its directions accepts it (as lint judges).
  const example_survey survey = survey_examples(*loaded.docs);
  ASSERT_GE(survey.sites.size(), 400u);
  const json& root = survey.registry->translated_root();
  json cases = json::array();
  std::vector<std::size_t> first_case;  // per site: index of its first case
  for (const auto& site : survey.sites) {
    first_case.push_back(cases.size());
    for (schema_id id : site.schemas)
      cases.push_back({{"ref", root["properties"]["e" + std::to_string(id)]["$ref"]}, {"value", *site.value}});
  }
  const std::vector<bool> verdicts = jsonschema_verdicts(root, cases);
  ASSERT_EQ(verdicts.size(), cases.size());

  std::set<std::string> theirs_invalid;
  std::set<const json*> distinct_invalid_values;
  std::map<example_kind, std::size_t> invalid_by_kind;
  std::size_t checked_sites = 0, only_as_any_of = 0;
  for (std::size_t i = 0; i < survey.sites.size(); ++i) {
    const auto& site = survey.sites[i];
    bool compiled = false;
    for (schema_id id : site.schemas) compiled = compiled || survey.registry->compiled(id);
    if (!compiled) continue;  // lint says example-unchecked or example-schema-missing; jsonschema is not asked
    ++checked_sites;
    bool valid = false;
    for (std::size_t k = 0; k < site.schemas.size(); ++k) valid = valid || verdicts[first_case[i] + k];
    if (valid) {
      // Figures only: valid as specgate reads oneOf (anyOf), yet matching several branches of some oneOf,
      // which readers who take oneOf literally (JSON Schema's "exactly one") count as invalid.
      bool strict = false;
      for (schema_id id : site.schemas) strict = strict || survey.registry->is_strictly_valid(id, *site.value);
      if (!strict) ++only_as_any_of;
      continue;
    }
    theirs_invalid.insert(site.pointer);
    distinct_invalid_values.insert(site.value);
    ++invalid_by_kind[site.kind];
  }

  for (const auto& p : lint_invalid)
    EXPECT_TRUE(theirs_invalid.count(p)) << "lint finds an example invalid that jsonschema accepts: " << p;
  for (const auto& p : theirs_invalid)
    EXPECT_TRUE(lint_invalid.count(p)) << "jsonschema finds an example invalid that lint misses: " << p;
  EXPECT_FALSE(lint_invalid.empty());

  std::printf("example sites: %zu (%zu checked, %zu not: schema missing or not compiled); invalid: lint %zu, jsonschema %zu; distinct invalid "
              "example values: %zu (media type %zu, parameter %zu, header %zu, schema %zu)\n",
              survey.sites.size(), checked_sites, lint_unchecked.size(), lint_invalid.size(), theirs_invalid.size(),
              distinct_invalid_values.size(), invalid_by_kind[example_kind::media_type],
              invalid_by_kind[example_kind::parameter], invalid_by_kind[example_kind::header],
              invalid_by_kind[example_kind::schema]);
  std::printf("valid examples that match more than one branch of a oneOf (invalid if oneOf meant exactly one): %zu\n",
              only_as_any_of);
  RecordProperty("sites", static_cast<int>(survey.sites.size()));
  RecordProperty("lint_invalid", static_cast<int>(lint_invalid.size()));
  RecordProperty("jsonschema_invalid", static_cast<int>(theirs_invalid.size()));
}

// ---------------------------------------------------------------- expectation file

std::string expected_path() { return specgate::testing::source_dir() + "/tests/validator/data/kibana_lint_expected.json"; }

// One finding as the expectation file holds it; the spec's path (machine-dependent) becomes "kibana.yaml".
json finding_json(const diagnostic& d, const std::string& spec_path) {
  std::string message = d.message;
  for (std::size_t at = message.find(spec_path); at != std::string::npos; at = message.find(spec_path, at))
    message.replace(at, spec_path.size(), "kibana.yaml");
  return json{{"rule", d.rule}, {"level", to_string(d.level)}, {"line", d.line}, {"column", d.column},
              {"pointer", d.pointer}, {"message", message}};
}

// One finding per line, so a change shows as a line in a diff.
std::string render(const std::vector<json>& findings) {
  std::string out = "[\n";
  for (std::size_t i = 0; i < findings.size(); ++i) out += "  " + findings[i].dump() + (i + 1 < findings.size() ? ",\n" : "\n");
  return out + "]\n";
}

// Every family (load, structure, examples), as `specgate lint` runs them: lint_file().
TEST(lint_expected, kibana_findings_match_the_expectation_file) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  const std::string spec = specgate::testing::kibana_spec_path();
  const diagnostics all = lint_file(spec).findings;

  std::vector<json> actual;
  for (const auto& d : all) actual.push_back(finding_json(d, spec));
  const std::string text = render(actual);

  const char* update = std::getenv("SPECGATE_UPDATE_EXPECTED");
  if (update && std::string(update) == "1") {
    std::ofstream out(expected_path(), std::ios::binary);
    out << text;
    std::printf("rewrote %s (%zu findings)\n", expected_path().c_str(), actual.size());
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(expected_path()))
      << expected_path() << " is missing; create it with SPECGATE_UPDATE_EXPECTED=1";
  const json expected = json::parse(read_file(expected_path()));
  std::multiset<std::string> want, got;
  for (const auto& e : expected) want.insert(e.dump());
  for (const auto& a : actual) got.insert(a.dump());
  for (const auto& w : want)
    EXPECT_TRUE(got.count(w)) << "expected finding no longer reported: " << w;
  for (const auto& g : got)
    EXPECT_TRUE(want.count(g)) << "new finding (rerun with SPECGATE_UPDATE_EXPECTED=1 if intended): " << g;
  EXPECT_EQ(text, read_file(expected_path())) << "same findings, different order";
  std::printf("kibana lint findings: %zu, as expected\n", actual.size());
}

}  // namespace
}  // namespace specgate::validator::lint
