// Every example of Kibana's full document (request and response media
// types, `example` and `examples`, referenced Example Objects too) is
// classified valid/invalid by specgate and, independently, by Python's
// `jsonschema` (Debian's python3-jsonschema, run as /usr/bin/python3 with
// tests/tools/crosscheck_examples.py) on specgate's translated JSON Schema.
// Every disagreement is either fixed or listed below with its reason; the
// test fails on a new disagreement and on a listed one that went away.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "test_support.h"
#include "validator/jsonschema_oracle.h"
#include "validator/contract/contract.h"

namespace specgate::validator {
namespace {


// Known disagreements: example value pointer -> why specgate and jsonschema differ.
const std::map<std::string, std::string>& allowed_disagreements() {
  static const std::map<std::string, std::string> list = {};
  return list;
}

struct example_case {
  std::string operation;
  std::string where;  // "request application/json" / "response 200 application/json"
  std::string name;
  std::string pointer;  // of the example value
  schema_id schema;
  const json* value;
};

// Mutations of an example, to exercise both validators' failure paths too:
// null instead; an extra member; the first member dropped; the first string
// leaf turned into a number.
std::vector<std::pair<std::string, json>> mutations(const json& value) {
  std::vector<std::pair<std::string, json>> out;
  out.emplace_back("null", nullptr);
  if (value.is_object()) {
    json extra = value;
    extra["specgate_extra_member"] = 1;
    out.emplace_back("extra member", std::move(extra));
    if (!value.empty()) {
      json dropped = value;
      dropped.erase(dropped.begin());
      out.emplace_back("first member dropped", std::move(dropped));
    }
  }
  json changed = value;
  std::function<bool(json&)> first_string = [&](json& v) {
    if (v.is_string()) {
      v = 12345;
      return true;
    }
    if (v.is_structured())
      for (auto& child : v)
        if (first_string(child)) return true;
    return false;
  };
  if (first_string(changed)) out.emplace_back("first string -> number", std::move(changed));
  return out;
}

TEST(examples_crosscheck, kibana_examples_agree_with_python_jsonschema) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  SPECGATE_REQUIRE_PYTHON_JSONSCHEMA();
  auto built = load_contract_file(specgate::testing::kibana_spec_path());
  ASSERT_TRUE(built.value);
  const contract& c = *built.value;
  const schema_registry& schemas = c.schemas();

  std::vector<example_case> cases;
  std::set<std::pair<schema_id, std::string>> seen;
  for (const auto& op : c.operations()) {
    auto collect = [&](const media_type& media, const std::string& where) {
      if (media.schema == no_schema) return;
      for (const auto& ex : media.examples)
        if (seen.emplace(media.schema, ex.pointer).second)
          cases.push_back({op.operation_id, where + " " + media.key, ex.name, ex.pointer, media.schema, ex.value});
    };
    if (op.body)
      for (const auto& media : op.body->content) collect(media, "request");
    for (const auto& r : op.responses)
      for (const auto& media : r.content) collect(media, "response " + r.status);
  }
  ASSERT_GE(cases.size(), 90u);  // 108 examples, 94 of them under a media type with a schema

  // The translated root and, per case, the definition its schema id stands for.
  const json& root = schemas.translated_root();
  json input = {{"root", root}, {"cases", json::array()}};
  for (const auto& k : cases)
    input["cases"].push_back({{"ref", root["properties"]["e" + std::to_string(k.schema)]["$ref"]}, {"value", *k.value}});
  struct mutated_case {
    const example_case* example;
    std::string mutation;
    json value;
  };
  std::vector<mutated_case> mutated;
  for (const auto& k : cases)
    for (auto& [what, value] : mutations(*k.value)) {
      input["cases"].push_back({{"ref", root["properties"]["e" + std::to_string(k.schema)]["$ref"]}, {"value", value}});
      mutated.push_back({&k, what, std::move(value)});
    }

  const std::vector<bool> verdicts = ::specgate::testing::jsonschema_verdicts(input["root"], input["cases"]);
  ASSERT_EQ(verdicts.size(), cases.size() + mutated.size());

  std::size_t valid = 0, invalid = 0, disagreements = 0;
  std::set<std::string> disagreeing;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& k = cases[i];
    const bool ours = schemas.is_valid(k.schema, *k.value);
    const bool theirs = verdicts[i];
    (ours ? valid : invalid) += 1;
    const auto errors = schemas.explain(k.schema, *k.value);
    EXPECT_EQ(ours, errors.empty()) << k.pointer;
    for (const auto& e : errors)
      EXPECT_NE(e.keyword, "schema") << "explain found no reason for " << k.pointer << " although is_valid failed";
    if (!ours && !errors.empty())
      std::printf("invalid example: %s %s '%s': %s [%s] %s%s\n", k.operation.c_str(), k.where.c_str(), k.name.c_str(),
                  errors[0].instance_pointer.c_str(), errors[0].keyword.c_str(), errors[0].message.c_str(),
                  errors.size() > 1 ? (" (+" + std::to_string(errors.size() - 1) + " more)").c_str() : "");
    if (ours == theirs) continue;
    ++disagreements;
    disagreeing.insert(k.pointer);
    if (allowed_disagreements().count(k.pointer)) continue;
    std::string why;
    for (const auto& e : errors) why += "\n    " + e.instance_pointer + " [" + e.keyword + "] " + e.message;
    ADD_FAILURE() << "new disagreement: " << k.operation << " " << k.where << " example '" << k.name << "' ("
                  << k.pointer << "): specgate says " << (ours ? "valid" : "invalid") << ", jsonschema says "
                  << (theirs ? "valid" : "invalid") << why;
  }
  // Mutated examples: the two validators must agree on every one (no allow-list).
  std::size_t mutated_valid = 0, mutated_invalid = 0;
  for (std::size_t i = 0; i < mutated.size(); ++i) {
    const auto& m = mutated[i];
    const bool ours = schemas.is_valid(m.example->schema, m.value);
    const bool theirs = verdicts[cases.size() + i];
    (ours ? mutated_valid : mutated_invalid) += 1;
    const auto errors = schemas.explain(m.example->schema, m.value);
    EXPECT_EQ(ours, errors.empty()) << m.example->pointer << " " << m.mutation;
    for (const auto& e : errors)
      EXPECT_NE(e.keyword, "schema") << "explain found no reason for " << m.example->pointer << " " << m.mutation;
    if (ours != theirs) {
      ++disagreements;
      ADD_FAILURE() << "disagreement on a mutated example (" << m.mutation << ") of " << m.example->pointer
                    << ": specgate says " << (ours ? "valid" : "invalid") << ", jsonschema says "
                    << (theirs ? "valid" : "invalid");
    }
  }
  std::printf("mutated examples cross-checked: %zu (specgate: %zu valid, %zu invalid)\n", mutated.size(),
              mutated_valid, mutated_invalid);

  for (const auto& [pointer, reason] : allowed_disagreements())
    EXPECT_TRUE(disagreeing.count(pointer)) << "listed disagreement no longer happens, remove it: " << pointer;

  std::printf("examples cross-checked: %zu (specgate: %zu valid, %zu invalid; disagreements with jsonschema: %zu, "
              "%zu listed)\n",
              cases.size(), valid, invalid, disagreements, allowed_disagreements().size());
  RecordProperty("examples", static_cast<int>(cases.size()));
  RecordProperty("valid", static_cast<int>(valid));
  RecordProperty("invalid", static_cast<int>(invalid));
  RecordProperty("disagreements", static_cast<int>(disagreements));
}

}  // namespace
}  // namespace specgate::validator
