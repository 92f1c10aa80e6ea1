#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "tools/commands.h"
#include "tools/embedded.h"

namespace specgate::tools {

void print_problems(const validator::diagnostics& problems, const std::string& spec_name) {
  constexpr std::size_t max_startup_warnings = 20;
  std::size_t warnings_shown = 0, warnings = 0;
  for (const auto& d : problems) {
    if (d.level == validator::severity::warning && ++warnings > max_startup_warnings) continue;
    if (d.level == validator::severity::warning) ++warnings_shown;
    std::cerr << d.to_string() << "\n";
  }
  if (warnings > warnings_shown)
    std::cerr << "specgate: " << warnings - warnings_shown << " more warning(s); run `specgate lint"
              << (spec_name.starts_with("<embedded>") ? "" : " --spec " + spec_name) << "` for all of them\n";
}

std::string spec_display_name(const spec_source& source) {
  return source.path.empty() ? std::string("<embedded>/") + std::string(embedded::spec_name) : source.path;
}

validator::contract::build_result load_contract(const spec_source& source) {
  if (!source.path.empty()) return validator::load_contract_file(source.path, source.build_options());
  auto text = embedded::find(embedded::spec_name);
  if (!text) {
    validator::contract::build_result none;
    none.problems.push_back(validator::file_diagnostic(spec_display_name(source), 0, 0, "", "the embedded spec is missing from this build"));
    return none;
  }
  return validator::load_contract_text(*text, spec_display_name(source), source.build_options());
}

int run_example(const spec_source& source, const std::string& operation_id, bool response) {
  auto built = load_contract(source);
  if (!built.value) {
    for (const auto& d : built.problems) std::cerr << d.to_string() << "\n";
    return exit_violations;
  }
  const validator::operation* op = built.value->find(operation_id);
  if (!op) {
    std::cerr << "specgate: no operation '" << operation_id << "' in " << spec_display_name(source) << "\n";
    return exit_usage;
  }
  const std::vector<validator::media_type>* content = nullptr;
  if (response) {
    if (const auto* r = op->success_response()) content = &r->content;
  } else if (op->body) {
    content = &op->body->content;
  }
  if (content)
    for (const auto& media : *content)
      for (const auto& ex : media.examples)
        if (media.schema == validator::no_schema || built.value->schemas().is_valid(media.schema, *ex.value)) {
          std::cout << (ex.value->is_string() ? ex.value->get<std::string>() : ex.value->dump()) << "\n";
          return exit_ok;
        }
  std::cerr << "specgate: " << operation_id << " has no valid " << (response ? "response" : "request") << " example\n";
  return exit_violations;
}

int run_spec(const spec_source& source) {
  if (source.path.empty()) {
    auto text = embedded::find(embedded::spec_name);
    if (!text) return exit_usage;
    std::fwrite(text->data(), 1, text->size(), stdout);
    return exit_ok;
  }
  std::ifstream in(source.path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "specgate: cannot read %s\n", source.path.c_str());
    return exit_usage;
  }
  std::cout << in.rdbuf();
  return exit_ok;
}

}  // namespace specgate::tools
