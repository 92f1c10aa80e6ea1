// Route matching over every operation of Kibana's full document: one
// concrete request path per operation (templates filled with "x1"), the
// same paths under the space prefix /s/{space_id}/, and paths that match
// nothing (404), matched round-robin. Yardstick in the same run: an
// std::unordered_map<std::string, int> lookup of the same literal
// "METHOD path" strings, the exact-match ceiling (it cannot do templates,
// spaces or percent-decoding).
#include <benchmark/benchmark.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "validator/contract/contract.h"
#include "test_paths.h"

namespace {

using namespace specgate::validator;

constexpr std::uint32_t expect_404 = ~std::uint32_t{0};

struct request_case {
  std::string method;
  std::string path;
  std::uint32_t operation = expect_404;  // the one it must match
};

struct fixture {
  std::shared_ptr<const contract> built;
  std::vector<request_case> operations;  // one per operation, plain /api/... paths
  std::vector<request_case> spaces;      // /s/{space}/api/... variants
  std::vector<request_case> not_found;   // 404s
  std::string error;
};

std::string fill_template(std::string_view tmpl) {
  std::string out;
  out.reserve(tmpl.size());
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') {
      out.push_back(tmpl[i]);
      continue;
    }
    const std::size_t close = tmpl.find('}', i);
    if (close == std::string_view::npos) return {};
    out += "x1";
    i = close;
  }
  return out;
}

const fixture& kibana() {
  static const fixture f = [] {
    fixture f;
    auto result = load_contract_file(specgate::testing::paths::kibana_spec());
    if (!result.value) {
      f.error = std::string("cannot build the contract of ") + specgate::testing::paths::kibana_spec();
      return f;
    }
    f.built = result.value;
    const auto& ops = f.built->operations();
    for (std::uint32_t i = 0; i < ops.size(); ++i) {
      std::string concrete = fill_template(ops[i].path);
      if (concrete.empty()) continue;
      request_case c{std::string(method_name(ops[i].method)), std::move(concrete), i};
      if (c.path.starts_with("/api/") && !ops[i].path.starts_with("/s/"))
        f.spaces.push_back({c.method, "/s/marketing" + c.path, i});
      f.operations.push_back(std::move(c));
    }
    // Misses at several depths: unknown first segment, unknown leaf, wrong method, too deep.
    const char* misses[][2] = {
        {"GET", "/nope"},
        {"GET", "/api/nope"},
        {"GET", "/api/fleet/agents/x1/nope/deeper"},
        {"PUT", "/api/status"},
        {"GET", "/api/cases/x1/comments/x1/nope"},
        {"GET", "/s/marketing/nope"},
        {"GET", "/api/detection_engine/rules/_find/extra"},
        {"DELETE", "/api/saved_objects/_find"},
        {"GET", "/app/kibana"},
        {"GET", "/api/alerting/rule/x1/alert/x1/nope"},
    };
    for (auto& m : misses) f.not_found.push_back({m[0], m[1], expect_404});
    return f;
  }();
  return f;
}

// Checks every case once; returns the first disagreement.
std::optional<std::string> verify(const router& r, const std::vector<request_case>& cases) {
  for (const auto& c : cases) {
    auto m = r.match(c.method, c.path);
    const std::uint32_t got = m ? m->operation : expect_404;
    if (got != c.operation)
      return c.method + " " + c.path + " matched " + (m ? std::to_string(got) : std::string("nothing")) +
             ", expected " + (c.operation == expect_404 ? std::string("nothing") : std::to_string(c.operation));
  }
  return std::nullopt;
}

void run_router(benchmark::State& state, const std::vector<const std::vector<request_case>*>& sets) {
  const fixture& f = kibana();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  std::vector<const request_case*> cases;
  for (const auto* s : sets)
    for (const auto& c : *s) cases.push_back(&c);
  if (cases.empty()) return state.SkipWithError("no request paths");
  const router& r = f.built->routes();
  std::size_t i = 0, hits = 0;
  for (auto _ : state) {
    const request_case& c = *cases[i];
    auto m = r.match(c.method, c.path);
    hits += m.has_value();
    benchmark::DoNotOptimize(m);
    if (++i == cases.size()) i = 0;
  }
  benchmark::DoNotOptimize(hits);
  for (const auto* s : sets)
    if (auto bad = verify(r, *s)) return state.SkipWithError(bad->c_str());
  state.counters["paths"] = static_cast<double>(cases.size());
  state.counters["matches/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_yardstick_unordered_map_exact(benchmark::State& state) {
  const fixture& f = kibana();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  std::unordered_map<std::string, int> table;
  std::vector<std::string> keys;
  for (const auto& c : f.operations) {
    keys.push_back(c.method + " " + c.path);
    table.emplace(keys.back(), static_cast<int>(c.operation));
  }
  std::size_t i = 0, hits = 0;
  for (auto _ : state) {
    auto it = table.find(keys[i]);
    hits += it != table.end();
    benchmark::DoNotOptimize(it);
    if (++i == keys.size()) i = 0;
  }
  benchmark::DoNotOptimize(hits);
  for (const auto& c : f.operations) {
    auto it = table.find(c.method + " " + c.path);
    if (it == table.end() || it->second != static_cast<int>(c.operation))
      return state.SkipWithError("yardstick lookup disagrees");
  }
  state.counters["paths"] = static_cast<double>(keys.size());
  state.counters["matches/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_yardstick_unordered_map_exact);

// Every operation once, plain paths (what the yardstick does, plus templates).
void BM_router_operations(benchmark::State& state) { run_router(state, {&kibana().operations}); }
BENCHMARK(BM_router_operations);

void BM_router_spaces(benchmark::State& state) { run_router(state, {&kibana().spaces}); }
BENCHMARK(BM_router_spaces);

void BM_router_not_found(benchmark::State& state) { run_router(state, {&kibana().not_found}); }
BENCHMARK(BM_router_not_found);

// The mix: operations, their space variants and the 404s, round-robin.
void BM_router_mixed(benchmark::State& state) {
  run_router(state, {&kibana().operations, &kibana().spaces, &kibana().not_found});
}
BENCHMARK(BM_router_mixed);

}  // namespace

BENCHMARK_MAIN();
