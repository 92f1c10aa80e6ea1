#include "server/mock_service.h"

#include <nlohmann/json.hpp>

#include "validator/generate.h"

namespace specgate::server {

using validator::json;

std::string kibana_error_body(int status, std::string_view message) {
  json body = {{"statusCode", status}, {"error", reason_phrase(status)}, {"message", message}};
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
  const auto& ops = service->contract_->operations();
  service->answers_.reserve(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) service->answers_.push_back(prepare(*service->contract_, i, problems));
  return {std::move(service), std::move(problems)};
}

void mock_service::handle(const http_request& request, http_response& response) const {
  std::string_view target = request.target;
  const std::size_t query = target.find('?');
  const std::string_view path = target.substr(0, query);
  auto match = contract_->routes().match(request.method, path);
  if (!match) {
    response.status = 404;
    response.set_header("content-type", "application/json; charset=utf-8");
    response.body = kibana_error_body(404, "Not Found");
    return;
  }
  // Request validation (security, kbn-xsrf, parameters, body) plugs in here.
  const canned_response& answer = answers_[match->operation];
  response.status = answer.status;
  for (const auto& [name, value] : answer.headers) response.headers.emplace_back(name, value);
  if (!answer.content_type.empty()) response.headers.emplace_back("content-type", answer.content_type);
  response.body = answer.body;
}

}  // namespace specgate::server
