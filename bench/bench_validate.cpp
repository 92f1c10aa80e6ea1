// Validating the POST /api/cases/configure example request body of the
// embedded contract (spec/kibana.yaml, operation
// setCaseConfigurationDefaultSpace, first body example).
//
// Yardstick in the same run: nlohmann::json::parse of the same body text.
// Target (issue 3): the fast check (is_valid) costs no more than the parse.
// The detailed check (explain) only runs when the fast one fails; it is
// measured on an invalid variant of the body.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "validator/contract/contract.h"
#include "validator/document/json_text.h"
#include "test_paths.h"

namespace {

namespace v = specgate::validator;

struct fixture {
  std::shared_ptr<const v::contract> contract;
  v::schema_id schema = v::no_schema;
  std::string body_text;   // the example, serialised as the client would send it
  v::json body;            // parsed once
  v::json invalid_body;    // the same with three defects
  std::string error;       // why the set-up failed ("" = fine)
};

const fixture& setup() {
  static const fixture f = [] {
    fixture out;
    auto built = v::load_contract_file(std::string(specgate::testing::paths::source_dir()) + "/spec/kibana.yaml");
    if (!built.value) {
      out.error = "the embedded contract does not build";
      return out;
    }
    out.contract = built.value;
    const v::operation* op = out.contract->find("setCaseConfigurationDefaultSpace");
    if (!op || !op->body || op->body->content.empty() || op->body->content[0].examples.empty() ||
        op->body->content[0].schema == v::no_schema) {
      out.error = "setCaseConfigurationDefaultSpace has no body example";
      return out;
    }
    const v::media_type& media = op->body->content[0];
    out.schema = media.schema;
    out.body = *media.examples[0].value;
    out.body_text = out.body.dump();
    if (!out.contract->schemas().is_valid(out.schema, out.body)) {
      out.error = "the example body is not valid against its schema";
      return out;
    }
    out.invalid_body = out.body;
    out.invalid_body["connector"]["type"] = ".nope";          // enum
    out.invalid_body["customFields"][0]["label"] = "";        // minLength
    out.invalid_body.erase("owner");                           // required
    if (out.contract->schemas().is_valid(out.schema, out.invalid_body)) out.error = "the invalid variant passes";
    return out;
  }();
  return f;
}

void BM_yardstick_nlohmann_parse(benchmark::State& state) {
  const fixture& f = setup();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  for (auto _ : state) {
    v::json parsed = v::json::parse(f.body_text);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.body_text.size()));
  state.counters["docs/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_yardstick_nlohmann_parse);

// What the request check uses: RapidJSON's reader building the same nlohmann value.
void BM_parse_json_text(benchmark::State& state) {
  const fixture& f = setup();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  v::json_text_error error;
  for (auto _ : state) {
    v::json parsed;
    if (!v::parse_json_text(f.body_text, 128, parsed, error)) return state.SkipWithError(error.detail.c_str());
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.body_text.size()));
  state.counters["docs/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_parse_json_text);

void BM_is_valid(benchmark::State& state) {
  const fixture& f = setup();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  const auto& schemas = f.contract->schemas();
  bool ok = true;
  for (auto _ : state) {
    ok = schemas.is_valid(f.schema, f.body);
    benchmark::DoNotOptimize(ok);
  }
  if (!ok) state.SkipWithError("the example body was rejected");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.body_text.size()));
  state.counters["docs/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_is_valid);

void BM_is_valid_invalid_body(benchmark::State& state) {
  const fixture& f = setup();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  const auto& schemas = f.contract->schemas();
  bool ok = false;
  for (auto _ : state) {
    ok = schemas.is_valid(f.schema, f.invalid_body);
    benchmark::DoNotOptimize(ok);
  }
  if (ok) state.SkipWithError("the invalid body was accepted");
  state.counters["docs/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_is_valid_invalid_body);

void BM_explain_invalid_body(benchmark::State& state) {
  const fixture& f = setup();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  const auto& schemas = f.contract->schemas();
  std::size_t errors = 0;
  for (auto _ : state) {
    auto found = schemas.explain(f.schema, f.invalid_body);
    errors = found.size();
    benchmark::DoNotOptimize(found);
  }
  if (errors == 0) state.SkipWithError("explain found nothing");
  state.counters["errors"] = static_cast<double>(errors);
  state.counters["docs/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_explain_invalid_body);

// Measures parse and is_valid back to back (same conditions) and prints the
// ratio the target is about.
void BM_ratio_is_valid_over_parse(benchmark::State& state) {
  const fixture& f = setup();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  const auto& schemas = f.contract->schemas();
  using clock = std::chrono::steady_clock;
  constexpr int rounds = 20000;
  double ratio = 0;
  for (auto _ : state) {
    auto t0 = clock::now();
    for (int i = 0; i < rounds; ++i) {
      v::json parsed = v::json::parse(f.body_text);
      benchmark::DoNotOptimize(parsed);
    }
    auto t1 = clock::now();
    for (int i = 0; i < rounds; ++i) {
      bool ok = schemas.is_valid(f.schema, f.body);
      benchmark::DoNotOptimize(ok);
    }
    auto t2 = clock::now();
    ratio = std::chrono::duration<double>(t2 - t1).count() / std::chrono::duration<double>(t1 - t0).count();
  }
  state.counters["is_valid/parse"] = ratio;
  std::printf("is_valid / parse ratio (last round, %d documents of %zu bytes): %.2f\n", rounds, f.body_text.size(),
              ratio);
}
BENCHMARK(BM_ratio_is_valid_over_parse)->Iterations(5)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
