// Loading Kibana's full document: parse (YAML -> tree with positions), and
// the whole start-up path (parse + $ref checks + contract + compile every
// schema). Yardstick in the same run: nlohmann's parse of the same document
// as JSON text (no positions, no YAML, no schemas).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <fstream>
#include <sstream>

#include "validator/contract/contract.h"
#include "validator/document/document.h"
#include "test_paths.h"

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string& kibana_text() {
  static const std::string text = read_file(specgate::testing::paths::kibana_spec());
  return text;
}

void BM_yardstick_nlohmann_parse_json(benchmark::State& state) {
  auto parsed = specgate::validator::parse_document(kibana_text(), "kibana.yaml");
  if (!parsed.doc) return state.SkipWithError("cannot parse Kibana's document");
  const std::string as_json = parsed.doc->root().dump();
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(as_json));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * as_json.size()));
}
BENCHMARK(BM_yardstick_nlohmann_parse_json)->Unit(benchmark::kMillisecond);

void BM_parse_yaml_with_positions(benchmark::State& state) {
  if (kibana_text().empty()) return state.SkipWithError("Kibana's document not found");
  for (auto _ : state) {
    auto parsed = specgate::validator::parse_document(kibana_text(), "kibana.yaml");
    if (!parsed.doc) return state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(parsed.doc.get());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kibana_text().size()));
}
BENCHMARK(BM_parse_yaml_with_positions)->Unit(benchmark::kMillisecond);

void BM_load_and_compile_contract(benchmark::State& state) {
  if (kibana_text().empty()) return state.SkipWithError("Kibana's document not found");
  std::size_t operations = 0, schemas = 0;
  for (auto _ : state) {
    auto built = specgate::validator::load_contract_text(kibana_text(), "kibana.yaml");
    if (!built.value) return state.SkipWithError("contract build failed");
    operations = built.value->operations().size();
    schemas = built.value->schemas().size();
    benchmark::DoNotOptimize(built.value.get());
  }
  state.counters["operations"] = static_cast<double>(operations);
  state.counters["schemas"] = static_cast<double>(schemas);
}
BENCHMARK(BM_load_and_compile_contract)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
