// Selection, sharding and the requests of `specgate test`, as data.
#include "validator/generate/test_plan.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <memory>

#include "validator/text_util.h"

namespace specgate::validator {

namespace {

bool parse_unsigned(std::string_view text, unsigned& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::optional<shard_spec> parse_shard(std::string_view text, std::string& error) {
  const std::size_t slash = text.find('/');
  shard_spec s;
  if (slash == std::string_view::npos || !parse_unsigned(text.substr(0, slash), s.index) ||
      !parse_unsigned(text.substr(slash + 1), s.count) || s.count == 0 || s.index == 0 || s.index > s.count) {
    error = "--shard wants K/N with 1 <= K <= N (e.g. 2/4), not '" + std::string(text) + "'";
    return std::nullopt;
  }
  return s;
}

std::uint64_t fnv1a_64(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

bool in_shard(const operation& op, const shard_spec& shard) {
  return fnv1a_64(op.operation_id) % shard.count == shard.index - 1;
}

bool is_destructive(const operation& op) {
  if (op.method == http_method::delete_) return true;
  if (op.method != http_method::post) return false;
  std::string id;
  for (char c : op.operation_id)
    if (c != '_' && c != '-') id += ascii_lower(c);
  return id.find("delete") != std::string::npos;
}

selection_result select_operations(const contract& c, const selection& s) {
  selection_result out;
  std::vector<std::unique_ptr<RE2>> excludes;
  for (const auto& pattern : s.excludes) {
    auto re = std::make_unique<RE2>(pattern, RE2::Quiet);
    if (!re->ok()) {
      out.error = "--exclude '" + pattern + "' is not a regular expression (RE2): " + re->error();
      return out;
    }
    excludes.push_back(std::move(re));
  }
  for (const auto& id : s.operations)
    if (!c.find(id)) {
      out.error = "--operation " + id + ": the document has no operation with this operationId";
      return out;
    }
  for (const auto& op : c.operations()) {
    if (!s.operations.empty() &&
        std::find(s.operations.begin(), s.operations.end(), op.operation_id) == s.operations.end())
      continue;
    if (!s.tags.empty() && std::none_of(op.tags.begin(), op.tags.end(), [&](const std::string& t) {
          return std::find(s.tags.begin(), s.tags.end(), t) != s.tags.end();
        }))
      continue;
    const std::string route = std::string(method_name(op.method)) + " " + op.path;
    if (std::any_of(excludes.begin(), excludes.end(), [&](const auto& re) {
          return RE2::PartialMatch(op.operation_id, *re) || RE2::PartialMatch(route, *re);
        }))
      continue;
    if (s.shard && !in_shard(op, *s.shard)) continue;
    if (!s.allow_destructive && is_destructive(op)) {
      out.skipped.push_back({&op,
                             op.method == http_method::delete_
                                 ? std::string("destructive (DELETE): run with --allow-destructive")
                                 : "destructive (POST " + op.operation_id + " deletes): run with --allow-destructive",
                             false});
      continue;
    }
    out.selected.push_back(&op);
  }
  return out;
}

test_plan make_test_plan(const contract& c, const selection_result& selected, const request_builder& builder,
                         const negative_options& negatives) {
  test_plan plan;
  plan.skipped = selected.skipped;
  for (const operation* op : selected.selected) {
    operation_requests built = builder.build(*op);
    if (!built.problem.empty() || built.candidates.empty()) {
      plan.skipped.push_back({op, built.problem.empty() ? "no request could be built" : built.problem, true});
      continue;
    }
    ++plan.operations;
    for (const auto& candidate : built.candidates) {
      planned_request p;
      p.op = op;
      p.request = candidate;
      p.label = candidate.name;
      plan.requests.push_back(std::move(p));
    }
    for (auto& n : build_negatives(c, built.candidates.front(), negatives)) {
      planned_request p;
      p.op = op;
      p.label = n.label;
      p.negative = true;
      p.expected_status = n.expected_status;
      p.expected = std::move(n.expected);
      p.request = std::move(n.request);
      plan.requests.push_back(std::move(p));
    }
  }
  // Destructive skips first, then spec defects, each in document order.
  std::stable_sort(plan.skipped.begin(), plan.skipped.end(),
                   [](const skipped_operation& a, const skipped_operation& b) { return !a.spec_defect && b.spec_defect; });
  return plan;
}

}  // namespace specgate::validator
