// Our contract (spec/kibana.yaml) must agree with Kibana's published
// document, operation by operation: parameters (name, in, required),
// required request-body properties, and response status codes.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "test_support.h"
#include "validator/contract/contract.h"

namespace specgate::validator {
namespace {

using param_key = std::tuple<std::string, std::string, bool>;

std::set<param_key> parameter_set(const operation& op) {
  std::set<param_key> out;
  for (const auto& p : op.parameters) out.emplace(p.name, std::string(location_name(p.in)), p.required);
  return out;
}

// Required property names of a schema: its own `required`, plus those of allOf members.
void collect_required(const document_set& docs, const document& doc, const json& node, const std::string& ptr,
                      std::set<std::string>& out, int depth = 0) {
  if (depth > 16) return;
  resolved_node r = docs.deref(doc, &node, ptr);
  if (!r.node || !r.node->is_object()) return;
  if (auto req = r.node->find("required"); req != r.node->end() && req->is_array())
    for (const auto& name : *req)
      if (name.is_string()) out.insert(name.get<std::string>());
  if (auto all = r.node->find("allOf"); all != r.node->end() && all->is_array())
    for (std::size_t i = 0; i < all->size(); ++i)
      collect_required(docs, *r.doc, (*all)[i], r.pointer + "/allOf/" + std::to_string(i), out, depth + 1);
}

std::set<std::string> required_body_properties(const contract& c, const operation& op) {
  std::set<std::string> out;
  if (!op.body) return out;
  for (const auto& media : op.body->content) {
    const std::string schema_ptr = media.pointer + "/schema";
    if (const json* schema = media.doc->find(schema_ptr)) collect_required(c.docs(), *media.doc, *schema, schema_ptr, out);
  }
  return out;
}

// Status codes and ranges; `default` is not a status code. (Kibana declares
// `responses: {}` on POST /api/fleet/agents/{agentId}/unenroll, which OpenAPI
// 3.0 forbids; ours declares only `default` there, so both sets are empty.)
std::set<std::string> statuses(const operation& op) {
  std::set<std::string> out;
  for (const auto& r : op.responses)
    if (r.status != "default") out.insert(r.status);
  return out;
}

TEST(embedded_spec, loads_cleanly_with_the_24_reference_operations) {
  auto ours = load_contract_file(specgate::testing::source_dir() + "/spec/kibana.yaml");
  for (const auto& d : ours.problems) ADD_FAILURE() << d.to_string();  // not even a warning
  ASSERT_TRUE(ours.value);
  EXPECT_EQ(ours.value->operations().size(), 24u);
}

TEST(embedded_spec, agrees_with_kibanas_published_document) {
  SPECGATE_REQUIRE_KIBANA_SPEC();
  auto ours = load_contract_file(specgate::testing::source_dir() + "/spec/kibana.yaml");
  auto theirs = load_contract_file(specgate::testing::kibana_spec_path());
  ASSERT_TRUE(ours.value);
  ASSERT_TRUE(theirs.value);
  for (const auto& op : ours.value->operations()) {
    SCOPED_TRACE(std::string(method_name(op.method)) + " " + op.path);
    auto m = theirs.value->routes().match(method_name(op.method), op.path);
    ASSERT_TRUE(m) << "not an operation of Kibana's document";
    const operation& kibana = theirs.value->operations()[m->operation];
    EXPECT_EQ(kibana.path, op.path);
    EXPECT_EQ(op.operation_id, kibana.operation_id);
    EXPECT_EQ(parameter_set(op), parameter_set(kibana));
    EXPECT_EQ(op.body.has_value(), kibana.body.has_value());
    EXPECT_EQ(required_body_properties(*ours.value, op), required_body_properties(*theirs.value, kibana));
    EXPECT_EQ(statuses(op), statuses(kibana));
    // Same media types for the body and each response.
    if (op.body && kibana.body) {
      std::set<std::string> a, b;
      for (const auto& mt : op.body->content) a.insert(mt.key);
      for (const auto& mt : kibana.body->content) b.insert(mt.key);
      EXPECT_EQ(a, b);
    }
  }
}

TEST(embedded_spec, every_example_is_valid_against_its_schema) {
  auto ours = load_contract_file(specgate::testing::source_dir() + "/spec/kibana.yaml");
  ASSERT_TRUE(ours.value);
  std::size_t checked = 0;
  for (const auto& op : ours.value->operations()) {
    auto check = [&](const media_type& media) {
      for (const auto& ex : media.examples) {
        ++checked;
        if (media.schema == no_schema) continue;
        auto errors = ours.value->schemas().explain(media.schema, *ex.value);
        for (const auto& e : errors)
          ADD_FAILURE() << op.operation_id << " example '" << ex.name << "' at " << e.instance_pointer << ": "
                        << e.message;
      }
    };
    if (op.body)
      for (const auto& media : op.body->content) check(media);
    for (const auto& r : op.responses)
      for (const auto& media : r.content) check(media);
  }
  EXPECT_GT(checked, 20u);
}

}  // namespace
}  // namespace specgate::validator
