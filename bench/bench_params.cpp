// Parameter decoding (validator/param_decode): typical Kibana-style
// parameters decoded from already-parsed query pairs, and the parse of the
// query string itself. Yardsticks in the same run: std::from_chars over the
// same numbers (the least any integer decoding can cost) and parse_query
// alone.
#include <benchmark/benchmark.h>

#include <charconv>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "validator/contract/contract.h"
#include "validator/document/loader.h"
#include "validator/contract/param_decode.h"

namespace {

using namespace specgate::validator;

constexpr const char* schemas_yaml = R"(
openapi: 3.0.3
info: {title: bench, version: '1'}
paths: {}
components:
  schemas:
    int: {type: integer}
    int_array: {type: array, items: {type: integer}}
    str_array: {type: array, items: {type: string}}
    filter: {type: object, properties: {status: {type: string}, severity: {type: string}, page: {type: integer}}}
    find_query:
      type: object
      properties:
        page: {type: integer}
        perPage: {type: integer}
        sortField: {type: string}
        sortOrder: {type: string, enum: [asc, desc]}
        status: {type: string}
        tags: {oneOf: [{type: string}, {type: array, items: {type: string}}]}
)";

struct shapes {
  std::shared_ptr<const document_set> docs;
  param_shape integer, int_array, str_array, filter, find_query;
  bool ok = false;
};

const shapes& bench_shapes() {
  static const shapes s = [] {
    shapes s;
    auto loaded = load_openapi_text(schemas_yaml, "bench.yaml");
    if (!loaded.ok()) return s;
    s.docs = loaded.docs;
    auto make = [&](const char* name) {
      const std::string ptr = std::string("/components/schemas/") + name;
      const document_set& docs = *s.docs;
      const schema_resolver refs = [&docs](const document& d, const json* n, std::string p) {
        return docs.deref(d, n, std::move(p));
      };
      return make_param_shape(refs, s.docs->root(), s.docs->root().find(ptr), ptr);
    };
    s.integer = make("int");
    s.int_array = make("int_array");
    s.str_array = make("str_array");
    s.filter = make("filter");
    s.find_query = make("find_query");
    s.ok = true;
    return s;
  }();
  return s;
}

// Decodes one parameter from pre-parsed pairs in the loop; checks the value after.
void run_decode(benchmark::State& state, const param_shape& shape, std::string_view style, bool explode,
                param_location in, std::string_view name, std::string_view raw, const json& expected) {
  if (!bench_shapes().ok) return state.SkipWithError("cannot load the bench schemas");
  const parsed_pairs pairs = in == param_location::path ? parsed_pairs{} : parse_query(raw);
  raw_param_input input;
  input.pairs = pairs.pairs;
  if (in == param_location::path) input.path_value = raw;
  for (auto _ : state) {
    decode_result r = decode_parameter(shape, style, explode, in, name, input);
    benchmark::DoNotOptimize(r);
  }
  const decode_result r = decode_parameter(shape, style, explode, in, name, input);
  if (!r.value || *r.value != expected) return state.SkipWithError("decoded value is not the expected one");
  state.counters["params/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_yardstick_from_chars_3_ints(benchmark::State& state) {
  const std::string_view numbers[] = {"1", "2", "3"};
  long sum = 0;
  for (auto _ : state) {
    for (auto n : numbers) {
      int v = 0;
      std::from_chars(n.data(), n.data() + n.size(), v);
      benchmark::DoNotOptimize(v);
      sum += v;
    }
  }
  if (sum != 6 * static_cast<long>(state.iterations())) return state.SkipWithError("from_chars disagrees");
  state.counters["params/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_yardstick_from_chars_3_ints);

void BM_yardstick_parse_query_only(benchmark::State& state) {
  const std::string raw = "ids=1&ids=2&ids=3";
  for (auto _ : state) {
    parsed_pairs p = parse_query(raw);
    benchmark::DoNotOptimize(p);
  }
  if (parse_query(raw).pairs.size() != 3) return state.SkipWithError("parse_query disagrees");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * raw.size()));
  state.counters["queries/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_yardstick_parse_query_only);

// The floor for any decoder that hands the schema check a nlohmann::json:
// building (and destroying) the same values directly.
void BM_yardstick_build_json_int_array(benchmark::State& state) {
  const std::string_view numbers[] = {"1", "2", "3"};
  for (auto _ : state) {
    json a(json::value_t::array);
    a.get_ref<json::array_t&>().reserve(3);
    for (auto n : numbers) {
      std::int64_t v = 0;
      std::from_chars(n.data(), n.data() + n.size(), v);
      a.get_ref<json::array_t&>().emplace_back(v);
    }
    benchmark::DoNotOptimize(a);
  }
  state.counters["params/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_yardstick_build_json_int_array);

void BM_yardstick_build_json_object(benchmark::State& state) {
  for (auto _ : state) {
    json o(json::value_t::object);
    o["page"] = 1;
    o["perPage"] = 20;
    o["sortField"] = "createdAt";
    o["sortOrder"] = "desc";
    o["status"] = "open";
    json tags(json::value_t::array);
    tags.push_back("a");
    tags.push_back("b");
    o["tags"] = std::move(tags);
    benchmark::DoNotOptimize(o);
  }
  state.counters["params/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_yardstick_build_json_object);

void BM_decode_query_integer(benchmark::State& state) {
  run_decode(state, bench_shapes().integer, "form", true, param_location::query, "page", "perPage=20&page=2",
             json(2));
}
BENCHMARK(BM_decode_query_integer);

void BM_decode_form_exploded_int_array(benchmark::State& state) {
  run_decode(state, bench_shapes().int_array, "form", true, param_location::query, "ids", "ids=1&ids=2&ids=3",
             json::parse("[1,2,3]"));
}
BENCHMARK(BM_decode_form_exploded_int_array);

void BM_decode_form_comma_list(benchmark::State& state) {
  run_decode(state, bench_shapes().int_array, "form", false, param_location::query, "ids", "ids=1,2,3",
             json::parse("[1,2,3]"));
}
BENCHMARK(BM_decode_form_comma_list);

void BM_decode_deep_object(benchmark::State& state) {
  run_decode(state, bench_shapes().filter, "deepObject", true, param_location::query, "filter",
             "filter[status]=open&filter[severity]=high&filter[page]=3",
             json::parse(R"({"status":"open","severity":"high","page":3})"));
}
BENCHMARK(BM_decode_deep_object);

void BM_decode_path_simple_array(benchmark::State& state) {
  run_decode(state, bench_shapes().str_array, "simple", false, param_location::path, "ids", "a1,b2,c3",
             json::parse(R"(["a1","b2","c3"])"));
}
BENCHMARK(BM_decode_path_simple_array);

void BM_decode_form_exploded_object(benchmark::State& state) {
  run_decode(state, bench_shapes().find_query, "form", true, param_location::query, "query",
             "page=1&perPage=20&sortField=createdAt&sortOrder=desc&status=open&tags=a&tags=b",
             json::parse(R"({"page":1,"perPage":20,"sortField":"createdAt","sortOrder":"desc","status":"open",)"
                         R"("tags":["a","b"]})"));
}
BENCHMARK(BM_decode_form_exploded_object);

// A whole typical request: parse the query string once, decode five parameters.
void BM_parse_and_decode_request(benchmark::State& state) {
  const shapes& s = bench_shapes();
  if (!s.ok) return state.SkipWithError("cannot load the bench schemas");
  const std::string raw = "page=2&perPage=20&ids=1&ids=2&ids=3&filter%5Bstatus%5D=open&sort=a,b";
  struct param {
    const param_shape* shape;
    const char* style;
    bool explode;
    const char* name;
  };
  const param params[] = {{&s.integer, "form", true, "page"},
                          {&s.integer, "form", true, "perPage"},
                          {&s.int_array, "form", true, "ids"},
                          {&s.filter, "deepObject", true, "filter"},
                          {&s.str_array, "form", false, "sort"}};
  std::size_t present = 0;
  for (auto _ : state) {
    const parsed_pairs pairs = parse_query(raw);
    raw_param_input input;
    input.pairs = pairs.pairs;
    for (const auto& p : params) {
      decode_result r = decode_parameter(*p.shape, p.style, p.explode, param_location::query, p.name, input);
      present += r.value.has_value();
      benchmark::DoNotOptimize(r);
    }
  }
  if (present != 5 * static_cast<std::size_t>(state.iterations()))
    return state.SkipWithError("a parameter was not decoded");
  state.counters["requests/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_parse_and_decode_request);

}  // namespace

BENCHMARK_MAIN();
