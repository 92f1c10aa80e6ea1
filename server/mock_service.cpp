#include "server/mock_service.h"

#include <nlohmann/json.hpp>

#include "validator/generate.h"

namespace specgate::server {

using validator::json;

std::string kibana_error_body(int status, std::string_view message) {
  // Kibana's key order: statusCode, error, message.
  nlohmann::ordered_json body = {{"statusCode", status}, {"error", reason_phrase(status)}, {"message", message}};
  return body.dump();
}

namespace {

bool is_json_essence(const std::string& essence) {
  return essence == "application/json" || essence.ends_with("+json");
}

int status_number(const std::string& status) {
  if (status == "default") return 200;
  if (status.size() == 3 && (status[1] == 'X' || status[1] == 'x')) return (status[0] - '0') * 100;
  return std::stoi(status);
}

canned_response prepare(const validator::contract& c, std::size_t index, validator::diagnostics& problems) {
  const auto& op = c.operations()[index];
  canned_response answer;
  answer.headers.emplace_back("kbn-name", "kibana");
  const validator::response* resp = op.success_response();
  if (!resp) {
    if (op.responses.empty()) {
      // Kibana declares `responses: {}` on a few operations: the mock answers 200 {}.
      answer.content_type = "application/json; charset=utf-8";
      answer.body = "{}";
      answer.source = "empty responses";
      return answer;
    }
    resp = &op.responses.front();
  }
  answer.status = status_number(resp->status);
  if (resp->content.empty()) {
    answer.source = "no content";
    return answer;
  }
  const validator::media_type* media = &resp->content.front();
  for (const auto& m : resp->content)
    if (is_json_essence(m.essence)) {
      media = &m;
      break;
    }
  answer.content_type = media->key;
  for (const auto& [name, value] : media->parameters)
    if (name == "elastic-api-version") answer.headers.emplace_back("elastic-api-version", value);

  const auto& schemas = c.schemas();
  const bool json_body = is_json_essence(media->essence);
  const validator::example* chosen = nullptr;
  for (const auto& ex : media->examples) {
    const bool valid = media->schema == validator::no_schema || schemas.is_valid(media->schema, *ex.value);
    if (valid) {
      if (!chosen) chosen = &ex;
    } else {
      std::string why;
      for (const auto& e : schemas.explain(media->schema, *ex.value)) {
        why += why.empty() ? "" : "; ";
        why += (e.instance_pointer.empty() ? "(root)" : e.instance_pointer) + ": " + e.message;
        if (why.size() > 300) break;
      }
      problems.push_back(op.doc->make_diagnostic(
          ex.pointer, "example '" + ex.name + "' of " + op.operation_id + " " + resp->status +
                          " does not match its schema and is never served: " + why,
          validator::severity::warning));
    }
  }
  if (chosen) {
    answer.source = "example '" + chosen->name + "'";
    answer.body = json_body || !chosen->value->is_string() ? chosen->value->dump() : chosen->value->get<std::string>();
    return answer;
  }
  if (media->schema == validator::no_schema) {
    answer.body = json_body ? "{}" : "";
    answer.source = "no schema";
    return answer;
  }
  const std::string schema_ptr = media->pointer + "/schema";
  json generated;
  if (const json* schema_node = media->doc->find(schema_ptr))
    generated = validator::generate_value(c.docs(), *media->doc, *schema_node, schema_ptr);
  if (!schemas.is_valid(media->schema, generated))
    problems.push_back(op.doc->make_diagnostic(media->pointer,
                                               "could not generate a valid body for " + op.operation_id + " " +
                                                   resp->status + "; serving the closest value",
                                               validator::severity::warning));
  answer.body = json_body || !generated.is_string() ? generated.dump() : generated.get<std::string>();
  answer.source = "generated";
  return answer;
}

}  // namespace

std::pair<std::shared_ptr<const mock_service>, validator::diagnostics> mock_service::create(
    std::shared_ptr<const validator::contract> contract) {
  auto service = std::make_shared<mock_service>();
  validator::diagnostics problems;
  service->contract_ = std::move(contract);
  service->validator_ = std::make_unique<validator::request_validator>(*service->contract_);
  const auto& ops = service->contract_->operations();
  service->answers_.reserve(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) service->answers_.push_back(prepare(*service->contract_, i, problems));
  return {std::move(service), std::move(problems)};
}

std::string violations_header(const validator::violations& found, std::size_t max_bytes) {
  std::string out = "[";
  std::size_t written = 0;
  for (std::size_t i = 0; i < found.size(); ++i) {
    const auto& v = found[i];
    json entry = {{"location", validator::location_name(v.location)}, {"code", v.code}};
    if (!v.name.empty()) entry["name"] = v.name;
    if (!v.instance_pointer.empty()) entry["pointer"] = v.instance_pointer;
    if (!v.schema_pointer.empty()) entry["schemaPointer"] = v.schema_pointer;
    if (!v.keyword.empty()) entry["keyword"] = v.keyword;
    if (!v.expected.empty()) entry["expected"] = v.expected;
    if (!v.found.empty()) entry["found"] = v.found;
    entry["message"] = v.message;
    std::string text = entry.dump(-1, ' ', true);  // ASCII only: safe in a header
    const std::size_t left = found.size() - i - 1;
    const std::size_t reserve = left > 0 ? 32 : 0;  // room for {"omitted":N}
    if (out.size() + text.size() + 2 + reserve > max_bytes) break;
    if (written++) out += ',';
    out += text;
  }
  if (written < found.size()) {
    if (written) out += ',';
    out += "{\"omitted\":" + std::to_string(found.size() - written) + "}";
  }
  out += ']';
  return out;
}

void mock_service::handle(const http_request& request, http_response& response) const {
  validator::request_input input{request.method, request.target, request.headers, request.body};
  const validator::request_outcome outcome = validator_->check(input);
  if (outcome.op) response.operation_id = outcome.op->operation_id;
  response.violation_count = outcome.found.size();
  if (!outcome.found.empty()) {
    const auto& first = outcome.found.front();
    response.status = first.status;
    response.set_header("content-type", "application/json; charset=utf-8");
    response.set_header("specgate-violations", violations_header(outcome.found));
    response.body = kibana_error_body(first.status, first.status == 404   ? std::string_view("Not Found")
                                                    : first.status == 401 ? std::string_view("Unauthorized")
                                                                          : std::string_view(first.message));
    return;
  }
  const canned_response& answer = answers_[outcome.route->operation];
  response.status = answer.status;
  for (const auto& [name, value] : answer.headers) response.headers.emplace_back(name, value);
  if (!answer.content_type.empty()) response.headers.emplace_back("content-type", answer.content_type);
  response.body = answer.body;
}

}  // namespace specgate::server
