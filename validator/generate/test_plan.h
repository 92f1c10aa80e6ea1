#pragma once
// What `specgate test` sends, as data: which operations are selected
// (--operation, --tag, --exclude, --shard K/N), which are skipped and why
// (destructive without --allow-destructive, or impossible by the document),
// and per operation the positive requests (request_builder.h: every valid
// example, and generated data) and the negatives (negative_builder.h), each
// with its label. No networking: tools/ sends the plan.
//
// Sharding is by a hash of the operationId (FNV-1a 64, mod N), not by
// position, so an operation stays in its shard across runs, machines and
// edits of the document that add or remove other operations; the shards of
// one N are disjoint and together hold every selected operation. A skipped
// operation is reported by the shard it falls in, so merged reports list it
// once.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "validator/contract/contract.h"
#include "validator/generate/negative_builder.h"
#include "validator/generate/request_builder.h"

namespace specgate::validator {

struct shard_spec {
  unsigned index = 1;  // K, 1-based
  unsigned count = 1;  // N
};
// "K/N" with 1 <= K <= N; nullopt and `error` set otherwise.
std::optional<shard_spec> parse_shard(std::string_view text, std::string& error);

// FNV-1a, 64 bits: the shard key of an operationId.
std::uint64_t fnv1a_64(std::string_view text);
// Is the operation in shard K of N (by its operationId)?
bool in_shard(const operation& op, const shard_spec& shard);

// DELETE, or a POST whose operationId says delete / bulk_delete (any case, "_" or "-" or none:
// "deleteAgent", "bulk_delete", "BulkDeleteRules").
bool is_destructive(const operation& op);

struct selection {
  std::vector<std::string> operations;  // operationIds; empty: all
  std::vector<std::string> tags;        // any of these tags; empty: all
  std::vector<std::string> excludes;    // RE2 patterns, searched in the operationId and in "METHOD /path"
  std::optional<shard_spec> shard;
  bool allow_destructive = false;
};

struct skipped_operation {
  const operation* op = nullptr;
  std::string reason;
  bool spec_defect = false;
};

struct selection_result {
  std::vector<const operation*> selected;  // to run, in document order
  std::vector<skipped_operation> skipped;  // destructive ones left out (in this shard), in document order
  std::string error;                       // a usage error: a bad --exclude pattern, an unknown --operation
};
selection_result select_operations(const contract& c, const selection& s);

// One request of the plan.
struct planned_request {
  const operation* op = nullptr;
  built_request request;
  std::string label;        // "example 'minimal'", "generated", "negative: missing kbn-xsrf header"
  bool negative = false;
  int expected_status = 0;  // negatives: the contract's refusal (4xx)
  std::string expected;     // negatives: what was expected, for the violation message
};

struct test_plan {
  std::vector<planned_request> requests;   // operation by operation, positives then negatives
  std::vector<skipped_operation> skipped;  // destructive, then impossible (spec_defect) ones, document order
  std::size_t operations = 0;              // operations with requests
};

// Builds every selected operation's requests; an operation the builder cannot build
// (operation_requests::problem: the document makes a valid request impossible) is skipped as a
// spec defect with that reason.
test_plan make_test_plan(const contract& c, const selection_result& selected, const request_builder& builder,
                         const negative_options& negatives);

}  // namespace specgate::validator
