// libFuzzer target: reading recorded traffic (validator/traffic/traffic_reader.h), HAR or NDJSON as
// read_traffic detects from the bytes, through a memory stream, and read_har on the same text.
// Invariants: no crash or exception; every problem has a message; the exchange count adds up.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "fuzz/libfuzzer/fuzz_util.h"
#include "validator/traffic/har.h"
#include "validator/traffic/traffic_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace specgate::validator;
  if (size == 0) return 0;
  std::FILE* file = fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
  if (file == nullptr) return 0;
  std::size_t seen = 0;
  traffic_events events;
  events.on_exchange = [&](exchange&) { ++seen; };
  events.on_problem = [](diagnostic d) {
    if (d.message.empty()) specgate::fuzz::broken("a traffic problem without a message");
  };
  const traffic_read_summary summary = read_traffic(file, "fuzz.traffic", events);
  std::fclose(file);
  if (summary.exchanges != seen) specgate::fuzz::broken("summary.exchanges differs from the exchanges handed out");
  const har_read_result har = read_har(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.har");
  for (const auto& d : har.problems)
    if (d.message.empty()) specgate::fuzz::broken("a HAR problem without a message");
  return 0;
}
