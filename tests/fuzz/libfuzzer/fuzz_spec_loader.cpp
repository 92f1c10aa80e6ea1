// libFuzzer target: the spec loader and contract builder on arbitrary YAML or JSON text
// (load_contract_text: parse, $ref resolution, structure checks, schema compilation, routes).
// Invariants: no crash or exception; a refused document comes with an error diagnostic that has a
// message and a place (line or pointer).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/libfuzzer/fuzz_util.h"
#include "validator/contract/contract.h"
#include "validator/document/diagnostic.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace specgate::validator;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The name's extension does not decide the parser (JSON is YAML), but keep both spellings.
  const bool json_like = !text.empty() && (text.front() == '{' || text.front() == '[');
  auto built = load_contract_text(text, json_like ? "fuzz.json" : "fuzz.yaml");
  if (!built.value) {
    bool has_error = false;
    for (const auto& d : built.problems) {
      if (d.level != severity::error) continue;
      has_error = true;
      if (d.message.empty()) specgate::fuzz::broken("an error diagnostic without a message");
    }
    if (!has_error) specgate::fuzz::broken("a refused document without an error diagnostic");
  }
  return 0;
}
