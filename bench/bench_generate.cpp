// Generating every response body of Kibana's full document
// (../shared/specs/kibana.yaml): one iteration = one value per response
// media type that has a schema, in the mock's default style (minimal: required
// properties only) and in the `Prefer: dynamic=true` style (dynamic, optional
// properties included, seeded).
//
// Yardsticks in the same run: json::dump and json::parse of the same
// generated values (dynamic set), i.e. what serving them costs anyway.
// Target (issue 4): all of Kibana's response schemas in well under a second
// (Prism's dynamic mode hung on GET /api/cases/_find alone).
// Correctness after the loop: every value of the last iteration is checked
// with the contract's compiled schema; the count of valid ones is a counter.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "validator/contract/contract.h"
#include "validator/generate/generate.h"
#include "test_paths.h"

namespace {

namespace v = specgate::validator;

struct target {
  const v::media_type* media = nullptr;
  const v::json* schema = nullptr;
  std::string pointer;
};

struct fixture {
  std::shared_ptr<const v::contract> contract;
  std::vector<target> targets;
  std::vector<v::json> dynamic_values;  // one generation of every target, dynamic style (yardstick input)
  std::vector<std::string> dynamic_texts;
  std::size_t dynamic_bytes = 0;
  std::string error;  // why the set-up failed ("" = fine)
};

v::generate_options minimal_options() { return {}; }

v::generate_options dynamic_options() {
  v::generate_options o;
  o.seed = 1;
  o.dynamic = true;
  o.required_only = false;
  return o;
}

v::json generate(const fixture& f, const target& t, const v::generate_options& o) {
  return v::generate_value(f.contract->docs(), *t.media->doc, *t.schema, t.pointer, o);
}

const fixture& setup() {
  static const fixture f = [] {
    fixture out;
    const std::string path = specgate::testing::paths::kibana_spec();
    if (!std::filesystem::exists(path)) {
      out.error = "Kibana's document not found at " + path;
      return out;
    }
    auto built = v::load_contract_file(path);
    if (!built.value) {
      out.error = "Kibana's document does not build";
      return out;
    }
    out.contract = built.value;
    for (const auto& op : out.contract->operations())
      for (const auto& r : op.responses)
        for (const auto& m : r.content) {
          if (m.schema == v::no_schema) continue;
          std::string ptr = m.pointer + "/schema";
          const v::json* node = m.doc->find(ptr);
          if (node) out.targets.push_back({&m, node, std::move(ptr)});
        }
    if (out.targets.size() < 500) {
      out.error = "fewer response schemas than expected: " + std::to_string(out.targets.size());
      return out;
    }
    for (const auto& t : out.targets) {
      out.dynamic_values.push_back(generate(out, t, dynamic_options()));
      out.dynamic_texts.push_back(out.dynamic_values.back().dump());
      out.dynamic_bytes += out.dynamic_texts.back().size();
    }
    return out;
  }();
  return f;
}

void run_generation(benchmark::State& state, const v::generate_options& options) {
  const fixture& f = setup();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  std::vector<v::json> values(f.targets.size());
  for (auto _ : state) {
    for (std::size_t i = 0; i < f.targets.size(); ++i) values[i] = generate(f, f.targets[i], options);
    benchmark::DoNotOptimize(values.data());
    benchmark::ClobberMemory();
  }
  std::size_t valid = 0, bytes = 0;
  for (std::size_t i = 0; i < f.targets.size(); ++i) {
    valid += f.contract->schemas().is_valid(f.targets[i].media->schema, values[i]) ? 1 : 0;
    bytes += values[i].dump().size();
  }
  if (valid != f.targets.size()) state.SkipWithError("some generated values do not validate");
  state.counters["schemas"] = static_cast<double>(f.targets.size());
  state.counters["valid"] = static_cast<double>(valid);
  state.counters["out_bytes"] = static_cast<double>(bytes);
  state.counters["values/s"] = benchmark::Counter(static_cast<double>(state.iterations() * f.targets.size()),
                                                  benchmark::Counter::kIsRate);
}

void BM_generate_all_responses_minimal(benchmark::State& state) { run_generation(state, minimal_options()); }
BENCHMARK(BM_generate_all_responses_minimal)->Unit(benchmark::kMillisecond);

void BM_generate_all_responses_dynamic(benchmark::State& state) { run_generation(state, dynamic_options()); }
BENCHMARK(BM_generate_all_responses_dynamic)->Unit(benchmark::kMillisecond);

// Yardstick: serialising the (dynamic) generated values, as the mock must anyway.
void BM_yardstick_dump_all(benchmark::State& state) {
  const fixture& f = setup();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  std::size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (const auto& value : f.dynamic_values) {
      std::string text = value.dump();
      bytes += text.size();
      benchmark::DoNotOptimize(text);
    }
  }
  if (bytes != f.dynamic_bytes) state.SkipWithError("dump differs from set-up");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.dynamic_bytes));
  state.counters["values/s"] = benchmark::Counter(static_cast<double>(state.iterations() * f.dynamic_values.size()),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_yardstick_dump_all)->Unit(benchmark::kMillisecond);

// Yardstick: parsing the same values' text (what a client does with them).
void BM_yardstick_parse_all(benchmark::State& state) {
  const fixture& f = setup();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  for (auto _ : state) {
    for (const auto& text : f.dynamic_texts) {
      v::json parsed = v::json::parse(text);
      benchmark::DoNotOptimize(parsed);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.dynamic_bytes));
  state.counters["values/s"] = benchmark::Counter(static_cast<double>(state.iterations() * f.dynamic_texts.size()),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_yardstick_parse_all)->Unit(benchmark::kMillisecond);

// The worst case Prism hung on: GET /api/cases/_find, dynamic style, a new seed each time.
void BM_generate_cases_find_dynamic(benchmark::State& state) {
  const fixture& f = setup();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  const target* find = nullptr;
  for (const auto& t : f.targets)
    if (t.pointer.starts_with("/paths/~1api~1cases~1_find/get/responses/200/")) find = &t;
  if (!find) return state.SkipWithError("GET /api/cases/_find has no 200 schema");
  v::generate_options o = dynamic_options();
  for (auto _ : state) {
    ++o.seed;
    v::json value = generate(f, *find, o);
    benchmark::DoNotOptimize(value);
  }
  const v::json last = generate(f, *find, o);
  if (!f.contract->schemas().is_valid(find->media->schema, last)) state.SkipWithError("the value does not validate");
  state.counters["out_bytes"] = static_cast<double>(last.dump().size());
}
BENCHMARK(BM_generate_cases_find_dynamic)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
