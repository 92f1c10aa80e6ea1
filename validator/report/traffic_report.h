#pragma once
// What a run of traffic showed about a contract: per operation, the exchanges
// seen and their violations, and coverage (operations and declared status
// codes exercised out of those declared), rendered as JSON and as JUnit XML
// (one test case per operation seen). Fed by the proxy (--report) and by the
// CI verbs (validate, test).
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "validator/contract/contract.h"
#include "validator/traffic/exchange.h"

namespace specgate::validator {

class traffic_report {
 public:
  // `c` must outlive the report; `suite` names the JUnit test suite ("specgate proxy").
  traffic_report(const contract& c, std::string suite);

  // Counts one exchange. Not thread-safe: one thread feeds it (the recorder's).
  void add(const exchange& e);

  std::size_t exchanges() const;
  std::size_t exchanges_with_violations() const;

  // {"summary":{exchanges, failed, violations, undocumented, unchecked},
  //  "coverage":{"operations":{"declared":N,"exercised":M,"percent":..},"statuses":{...},
  //              "missing":[{"operationId","method","path","statuses":[..]}]},
  //  "operations":[{"operationId","method","path","exchanges","statuses":{"200":3},
  //                 "violations":[{..violation..,"count":N,"example":"GET /api/..."}]}],
  //  "undocumented":[{"method","path","count"}]}
  nlohmann::ordered_json to_json() const;
  // <testsuites><testsuite name=suite tests=.. failures=..><testcase classname="METHOD path"
  // name="operationId">, <failure message=".."> listing each distinct violation with a count.
  std::string to_junit() const;

 private:
  struct per_operation;
  const contract& contract_;
  std::string suite_;
  std::map<std::size_t, per_operation*> seen_;  // placeholder: the implementer chooses the storage
};

}  // namespace specgate::validator
