#include "server/mock/fixtures.h"
#include "validator/text_util.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "validator/check/response_validator.h"

namespace specgate::server {

using validator::json;

bool is_json_media(std::string_view essence) {
  return essence == "application/json" || essence.ends_with("+json");
}

bool is_ndjson_media(std::string_view essence) {
  return essence == "application/x-ndjson" || essence == "application/ndjson";
}

namespace {

// Query-string component: '+' is a space, then percent-decoding.
bool decode_query_component(std::string_view in, std::string& out) {
  std::string plus(in);
  std::replace(plus.begin(), plus.end(), '+', ' ');
  return validator::percent_decode(plus, out);
}

// Scalar as the text a request would carry it as.
std::optional<std::string> scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  return std::nullopt;
}

const json* find_in(const json& root, const std::vector<std::string>& tokens) {
  const json* node = &root;
  for (const auto& t : tokens) {
    if (node->is_object()) {
      auto it = node->find(t);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      if (t.empty() || t.size() > 9 || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return nullptr;
      if (t.size() > 1 && t[0] == '0') return nullptr;
      const std::size_t index = std::stoul(t);
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node;
}

std::string file_stem(std::string_view name) {
  const std::size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  for (std::string_view ext : {".json", ".yaml", ".yml"})
    if (name.ends_with(ext)) return std::string(name.substr(0, name.size() - ext.size()));
  return std::string(name);
}

std::string join_statuses(const validator::operation& op) {
  std::string out;
  for (const auto& r : op.responses) out += (out.empty() ? "" : ", ") + r.status;
  return out;
}

struct file_loader {
  const validator::contract& c;
  const validator::response_validator& checker;
  const validator::document& doc;
  fixture_load_result& out;
  std::map<std::size_t, std::set<std::string>>& names;  // per operation, across files

  void error(const std::string& pointer, std::string message) {
    out.problems.push_back(doc.make_diagnostic(pointer, std::move(message)));
  }

  bool check_keys(const json& node, const std::string& pointer, std::initializer_list<std::string_view> allowed,
                  std::string_view what) {
    bool ok = true;
    for (const auto& [key, value] : node.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      error(validator::pointer_append(pointer, key), "unknown key '" + key + "' in " + std::string(what) +
                                                         " (allowed: " + list + ")");
      ok = false;
    }
    return ok;
  }

  void load() {
    const json& root = doc.root();
    std::string operation_id = file_stem(doc.file());
    std::string operation_pointer;
    const json* list = nullptr;
    std::string list_pointer;
    if (root.is_array()) {
      list = &root;
    } else if (root.is_object()) {
      if (!check_keys(root, "", {"operationId", "fixtures", "description"}, "a fixture file")) return;
      if (auto id = root.find("operationId"); id != root.end()) {
        if (!id->is_string()) return error("/operationId", "operationId must be a string");
        operation_id = id->get<std::string>();
        operation_pointer = "/operationId";
      }
      auto fixtures = root.find("fixtures");
      if (fixtures == root.end() || !fixtures->is_array())
        return error(fixtures == root.end() ? "" : "/fixtures", "`fixtures` must be a list of fixtures");
      list = &*fixtures;
      list_pointer = "/fixtures";
    } else {
      return error("", "a fixture file holds a list of fixtures, or a mapping with `fixtures` (and optionally "
                       "`operationId`)");
    }
    const validator::operation* op = c.find(operation_id);
    if (!op)
      return error(operation_pointer, "no operation '" + operation_id + "' in the contract" +
                                          (operation_pointer.empty()
                                               ? std::string(" (the file name names the operation; name the file "
                                                             "after an operationId or set `operationId:`)")
                                               : std::string()));
    const std::size_t index = static_cast<std::size_t>(op - c.operations().data());
    for (std::size_t i = 0; i < list->size(); ++i)
      load_entry(*op, index, (*list)[i], validator::pointer_append(list_pointer, std::to_string(i)));
  }

  void load_entry(const validator::operation& op, std::size_t index, const json& entry, const std::string& at) {
    if (!entry.is_object()) return error(at, "a fixture must be a mapping (status, body, headers, when, name)");
    const std::size_t errors_before = out.problems.size();
    auto fail = [&](const std::string& pointer, std::string message) {
      error(pointer, op.operation_id + ": " + std::move(message));
    };
    check_keys(entry, at, {"name", "description", "status", "contentType", "headers", "body", "when"}, "a fixture");
    fixture f;
    f.origin = doc.file() + ":" + std::to_string(doc.position_at(at).line);

    if (auto name = entry.find("name"); name != entry.end()) {
      if (!name->is_string() || name->get<std::string>().empty()) {
        fail(validator::pointer_append(at, "name"), "name must be a non-empty string");
      } else {
        f.name = name->get<std::string>();
        if (!names[index].insert(f.name).second)
          fail(validator::pointer_append(at, "name"), "another fixture of this operation is already named '" +
                                                          f.name + "'");
      }
    }

    // status: declared exactly, by a range (2XX) or by `default`.
    const validator::response* declared = nullptr;
    const std::string status_at = validator::pointer_append(at, "status");
    if (auto status = entry.find("status"); status != entry.end()) {
      std::optional<int> code;
      if (status->is_number_integer()) {
        code = status->get<int>();
      } else if (status->is_string()) {
        const std::string& text = status->get_ref<const std::string&>();
        if (text.size() == 3 && std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
          code = std::stoi(text);
      }
      if (!code || *code < 100 || *code > 599) return fail(status_at, "status must be an HTTP status code (100-599)");
      f.status = *code;
      declared = validator::find_response(op, f.status);
      if (!declared && !op.responses.empty())
        return fail(status_at, "status " + std::to_string(f.status) + " is not declared (declared: " +
                                   join_statuses(op) + ")");
    } else if ((declared = op.success_response())) {
      f.status = declared_status(declared->status);
    } else if (!op.responses.empty()) {
      return fail(at, "no success response is declared; give the fixture a `status` (declared: " +
                          join_statuses(op) + ")");
    }
    const std::string status_text = std::to_string(f.status);

    // Media type.
    const validator::media_type* media = nullptr;
    if (auto type = entry.find("contentType"); type != entry.end()) {
      const std::string type_at = validator::pointer_append(at, "contentType");
      if (!type->is_string()) return fail(type_at, "contentType must be a string");
      if (!declared || declared->content.empty())
        return fail(type_at, status_text + " declares no content, so no contentType");
      for (const auto& m : declared->content)
        if (m.key == type->get<std::string>() || validator::media_type_matches(m, type->get<std::string>())) {
          media = &m;
          break;
        }
      if (!media) {
        std::string keys;
        for (const auto& m : declared->content) keys += (keys.empty() ? "" : ", ") + m.key;
        return fail(type_at, "contentType '" + type->get<std::string>() + "' is not declared for " + status_text +
                                 " (declared: " + keys + ")");
      }
    } else if (declared && !declared->content.empty()) {
      media = preferred_media(*declared).front();
    }

    // Headers.
    if (auto headers = entry.find("headers"); headers != entry.end()) {
      const std::string headers_at = validator::pointer_append(at, "headers");
      if (!headers->is_object()) return fail(headers_at, "headers must be a mapping of names to values");
      for (const auto& [name, value] : headers->items()) {
        const std::string header_at = validator::pointer_append(headers_at, name);
        auto text = scalar_text(value);
        if (!text) {
          fail(header_at, "header '" + name + "' must have a string, number or boolean value");
          continue;
        }
        if (iequals(name, "content-type")) {
          fail(header_at, "set the media type with `contentType`, not a content-type header");
          continue;
        }
        if (iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "connection")) {
          fail(header_at, "header '" + name + "' is set by the server");
          continue;
        }
        if (name.empty() || text->find_first_of("\r\n") != std::string::npos ||
            name.find_first_of(" \t\r\n:") != std::string::npos) {
          fail(header_at, "header '" + name + "' is not a valid HTTP header");
          continue;
        }
        f.headers.emplace_back(name, std::move(*text));
      }
    }

    // Body.
    const std::string body_at = validator::pointer_append(at, "body");
    if (auto body = entry.find("body"); body != entry.end()) {
      if (declared && declared->content.empty())
        return fail(body_at, status_text + " declares no content; remove the body");
      if (media) {
        f.content_type = content_type_for(*media, c.profile());
        // Kibana states the version of the body in a header.
        if (const std::string version = api_version_of(*media);
            c.profile() == validator::profile::kibana && !version.empty() &&
            std::none_of(f.headers.begin(), f.headers.end(),
                         [](const auto& h) { return iequals(h.first, "elastic-api-version"); }))
          f.headers.emplace_back("elastic-api-version", version);
        f.body = serialize_body(*media, *body);
      } else {  // responses: {} declares nothing: JSON, like the mock's own answer
        f.content_type = "application/json; charset=utf-8";
        f.body = body->dump();
      }
    } else if (media) {
      return fail(at, "no body, but " + status_text + " declares content (" + media->key + ")");
    }

    // Conditions.
    if (auto when = entry.find("when"); when != entry.end()) {
      const std::string when_at = validator::pointer_append(at, "when");
      if (!when->is_object()) return fail(when_at, "when must be a mapping (path, query, headers, body)");
      check_keys(*when, when_at, {"path", "query", "headers", "body"}, "`when`");
      for (const auto& [kind, conditions] : when->items()) {
        const std::string kind_at = validator::pointer_append(when_at, kind);
        if (kind != "path" && kind != "query" && kind != "headers" && kind != "body") continue;
        if (!conditions.is_object()) {
          fail(kind_at, "`when." + kind + "` must be a mapping");
          continue;
        }
        for (const auto& [key, value] : conditions.items()) {
          const std::string cond_at = validator::pointer_append(kind_at, key);
          fixture_condition cond;
          cond.key = key;
          if (kind == "body") {
            cond.in = fixture_condition::where::body;
            if (!op.body) {
              fail(cond_at, "the operation takes no request body");
              continue;
            }
            if (!key.empty() && !validator::split_pointer(key)) {
              fail(cond_at, "'" + key + "' is not a JSON Pointer (write /field/0/name)");
              continue;
            }
            cond.value = value;
            f.when.push_back(std::move(cond));
            continue;
          }
          cond.in = kind == "path" ? fixture_condition::where::path
                    : kind == "query" ? fixture_condition::where::query
                                      : fixture_condition::where::header;
          if (cond.in != fixture_condition::where::header) {
            const auto location =
                cond.in == fixture_condition::where::path ? validator::param_location::path : validator::param_location::query;
            const bool known = std::any_of(op.parameters.begin(), op.parameters.end(), [&, &name = key](const validator::parameter& p) {
              // (an init-capture: clang before 16 cannot capture a structured binding)
              return p.in == location && p.name == name;
            });
            if (!known) {
              std::string declared_names;
              for (const auto& p : op.parameters)
                if (p.in == location) declared_names += (declared_names.empty() ? "" : ", ") + p.name;
              fail(cond_at, "no " + kind + " parameter '" + key + "' is declared (declared: " +
                                (declared_names.empty() ? std::string("none") : declared_names) + ")");
              continue;
            }
          }
          bool ok = true;
          if (value.is_array() && !value.empty()) {
            for (const auto& v : value)
              if (auto t = scalar_text(v)) cond.texts.push_back(std::move(*t));
              else ok = false;
          } else if (auto t = scalar_text(value)) {
            cond.texts.push_back(std::move(*t));
          } else {
            ok = false;
          }
          if (!ok) {
            fail(cond_at, "a " + kind + " condition is a string, number or boolean, or a list of them (any matches)");
            continue;
          }
          f.when.push_back(std::move(cond));
        }
      }
    }
    if (out.problems.size() != errors_before) return;

    // The answer must hold up to the same check proxy mode applies to Kibana.
    header_list check_headers = f.headers;
    if (!f.content_type.empty()) check_headers.emplace_back("content-type", f.content_type);
    const auto found = checker.check(op, {f.status, check_headers, f.body});
    for (const auto& v : found) {
      std::string pointer = at;
      if (v.location == validator::violation_location::body) {
        pointer = body_at + v.instance_pointer;
        if (!doc.find(pointer)) pointer = body_at;
      } else if (v.location == validator::violation_location::header && !v.name.empty()) {
        pointer = validator::pointer_append(validator::pointer_append(at, "headers"), v.name);
      }
      fail(pointer, "fixture does not match the contract (" + status_text + "): " + v.message);
    }
    if (!found.empty()) return;
    out.fixtures.add(index, std::move(f));
  }
};

}  // namespace

int declared_status(std::string_view key) {
  if (key.size() == 3 && (key[1] == 'X' || key[1] == 'x') && key[0] >= '1' && key[0] <= '5') return (key[0] - '0') * 100;
  int value = 0;
  const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), value);
  if (ec == std::errc() && end == key.data() + key.size() && value >= 100 && value <= 599) return value;
  return 200;  // "default" (and anything malformed, which the contract reports)
}

std::string api_version_of(const validator::media_type& media) {
  for (const auto& [name, value] : media.parameters)
    if (name == "elastic-api-version") return value;
  return {};
}

std::string content_type_for(const validator::media_type& media, validator::profile profile) {
  if (profile == validator::profile::kibana && media.essence == "application/json")
    return "application/json; charset=utf-8";
  if (validator::parse_media_type(media.key)) return media.key;
  std::string out = media.essence;
  for (const auto& [name, value] : media.parameters) out += "; " + name + "=" + value;
  return out;
}

std::string serialize_body(const validator::media_type& media, const json& value) {
  if (is_json_media(media.essence)) return value.dump();
  if (is_ndjson_media(media.essence)) {
    if (value.is_string()) return value.get<std::string>();
    if (!value.is_array()) return value.dump() + "\n";
    std::string out;
    for (const auto& line : value) out += line.dump() + "\n";
    return out;
  }
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::vector<const validator::media_type*> preferred_media(const validator::response& r) {
  std::vector<const validator::media_type*> out;
  for (const auto& m : r.content)
    if (is_json_media(m.essence)) out.push_back(&m);
  for (const auto& m : r.content)
    if (!is_json_media(m.essence)) out.push_back(&m);
  return out;
}

void fixture_set::add(std::size_t operation, fixture f) {
  if (operation >= by_operation_.size()) by_operation_.resize(operation + 1);
  by_operation_[operation].push_back(std::move(f));
  ++count_;
}

fixture_request::fixture_request(const validator::route_match& route, std::string_view target,
                                 validator::header_span headers, std::string_view body)
    : route_(route), headers_(headers), body_(body) {
  const std::size_t q = target.find('?');
  if (q != std::string_view::npos) query_ = target.substr(q + 1);
  if (const std::size_t hash = query_.find('#'); hash != std::string_view::npos) query_ = query_.substr(0, hash);
}

bool fixture_request::matches(const fixture& f) const {
  return std::all_of(f.when.begin(), f.when.end(), [this](const fixture_condition& c) { return holds(c); });
}

bool fixture_request::holds(const fixture_condition& c) const {
  auto accepted = [&](std::string_view v) { return std::find(c.texts.begin(), c.texts.end(), v) != c.texts.end(); };
  switch (c.in) {
    case fixture_condition::where::path:
      for (const auto& [name, value] : route_.path_params)
        if (name == c.key) return accepted(value);
      return false;
    case fixture_condition::where::query: {
      std::string_view rest = query_;
      while (!rest.empty()) {
        const std::size_t amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        const std::size_t eq = pair.find('=');
        std::string key, value;
        if (!decode_query_component(pair.substr(0, eq), key) || key != c.key) continue;
        if (eq != std::string_view::npos && !decode_query_component(pair.substr(eq + 1), value)) continue;
        if (accepted(value)) return true;
      }
      return false;
    }
    case fixture_condition::where::header:
      for (const auto& [name, value] : headers_)
        if (iequals(name, c.key) && accepted(trim(value))) return true;
      return false;
    case fixture_condition::where::body: {
      if (!parsed_body_) {
        json parsed = json::parse(body_, nullptr, false);
        parsed_body_.emplace(parsed.is_discarded() ? std::nullopt : std::optional<json>(std::move(parsed)));
      }
      if (!*parsed_body_) return false;
      auto tokens = validator::split_pointer(c.key);
      if (!c.key.empty() && !tokens) return false;
      const json* node = c.key.empty() ? &**parsed_body_ : find_in(**parsed_body_, *tokens);
      return node && *node == c.value;
    }
  }
  return false;
}

fixture_load_result load_fixtures(const validator::contract& c, std::span<const fixture_source> sources) {
  fixture_load_result out{fixture_set(c.operations().size()), {}};
  const validator::response_validator checker(c);
  std::map<std::size_t, std::set<std::string>> names;
  for (const auto& source : sources) {
    auto parsed = validator::parse_document(source.text, source.name);
    for (auto& d : parsed.problems) {
      if (d.level == validator::severity::error) out.problems.push_back(std::move(d));
    }
    if (!parsed.doc || validator::has_errors(parsed.problems)) continue;
    file_loader{c, checker, *parsed.doc, out, names}.load();
  }
  return out;
}

std::pair<std::vector<fixture_source>, validator::diagnostics> read_fixture_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::pair<std::vector<fixture_source>, validator::diagnostics> out;
  auto problem = [&](const std::string& file, std::string message) {
    out.second.push_back(validator::file_diagnostic(file, 0, 0, "", std::move(message)));
  };
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    problem(dir, "fixtures directory not found (or not a directory)");
    return out;
  }
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec), end;
  if (ec) {
    problem(dir, "cannot read the fixtures directory: " + ec.message());
    return out;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) {
      problem(dir, "cannot read the fixtures directory: " + ec.message());
      return out;
    }
    const auto ext = it->path().extension().string();
    if ((ext == ".json" || ext == ".yaml" || ext == ".yml") && it->is_regular_file(ec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    if (!in || !(text << in.rdbuf())) {
      // An empty file reads as a failed stream insertion; treat it as empty text.
      if (!in) {
        problem(path.string(), "cannot read the fixture file");
        continue;
      }
    }
    out.first.push_back({path.string(), text.str()});
  }
  return out;
}

}  // namespace specgate::server
