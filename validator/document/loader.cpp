// OpenAPI loading: version gate, basic structure, every $ref found, every
// referenced file loaded once, every $ref resolved and every chain followed
// to a definition. All problems are collected; none stops the load (except a
// document that is not OpenAPI 3.0.x at all).
#include "validator/document/loader.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include "validator/text_util.h"

namespace specgate::validator {

namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- $ref syntax

struct ref_parts {
  bool remote = false;      // has a URI scheme (http:, https:, ...)
  bool has_file = false;    // names another file
  std::string file;         // percent-decoded relative path
  std::string pointer;      // canonical JSON Pointer ("" = whole document)
  std::string error;        // non-empty: malformed
};

std::optional<std::string> percent_decode(std::string_view s) {
  if (s.find('%') == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool has_scheme(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == ':') return i > 1;  // "C:" is a drive letter, not a scheme
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.')
      return false;
  }
  return false;
}

ref_parts parse_ref(std::string_view ref) {
  ref_parts parts;
  const auto hash = ref.find('#');
  std::string_view uri = ref.substr(0, hash);
  std::string_view fragment = hash == std::string_view::npos ? std::string_view() : ref.substr(hash + 1);
  if (has_scheme(uri)) {
    parts.remote = true;
    return parts;
  }
  if (!uri.empty()) {
    auto decoded = percent_decode(uri);
    if (!decoded) {
      parts.error = "bad percent-encoding in the file part";
      return parts;
    }
    parts.has_file = true;
    parts.file = std::move(*decoded);
  }
  auto decoded = percent_decode(fragment);
  if (!decoded) {
    parts.error = "bad percent-encoding in the fragment";
    return parts;
  }
  if (!decoded->empty() && decoded->front() != '/') {
    parts.error = "the fragment is not a JSON Pointer (it must start with '/')";
    return parts;
  }
  auto tokens = split_pointer(*decoded);
  if (!tokens) {
    parts.error = "the fragment is not a valid JSON Pointer ('~' must be followed by 0 or 1)";
    return parts;
  }
  for (const auto& t : *tokens) parts.pointer = pointer_append(parts.pointer, t);
  return parts;
}

std::string key_for(std::string_view base_dir, std::string_view relative) {
  fs::path rel{std::string(relative)};
  fs::path full = rel.is_absolute() || base_dir.empty() ? rel : fs::path(std::string(base_dir)) / rel;
  return full.lexically_normal().generic_string();
}

std::string dir_of(const std::string& path) {
  std::string dir = fs::path(path).parent_path().generic_string();
  return dir.empty() ? std::string(".") : dir;
}

const json* ref_member(const json& node) {
  if (!node.is_object()) return nullptr;
  const auto& obj = node.get_ref<const json::object_t&>();
  auto it = obj.find("$ref");
  if (it == obj.end() || !it->second.is_string()) return nullptr;
  return &it->second;
}

// One hop: the node a $ref written in documents()[from] names.
struct step_result {
  std::size_t doc = document_set::npos;
  const json* node = nullptr;
  std::string pointer;
  std::string error;  // non-empty: why it does not resolve
};

step_result step(const document_set& set, std::size_t from, std::string_view ref) {
  step_result r;
  ref_parts parts = parse_ref(ref);
  if (parts.remote) {
    r.error = "remote references are not fetched; save the document next to this one and "
              "refer to it by relative path";
    return r;
  }
  if (!parts.error.empty()) {
    r.error = "malformed reference: " + parts.error;
    return r;
  }
  std::size_t target = from;
  if (parts.has_file) {
    target = set.find_file(from, parts.file);
    if (target == document_set::npos) {
      r.error = "file '" + parts.file + "' is not loaded";
      return r;
    }
  }
  const document& doc = *set.documents()[target];
  const json* node = doc.find(parts.pointer);
  if (node == nullptr) {
    // Name the first missing step.
    auto tokens = split_pointer(parts.pointer).value_or(std::vector<std::string>{});
    std::string existing;
    for (const auto& t : tokens) {
      std::string next = pointer_append(existing, t);
      if (doc.find(next) == nullptr) {
        r.error = "no '" + t + "' in " + (existing.empty() ? std::string("the document root") : existing);
        if (parts.has_file) r.error += " of " + doc.file();
        break;
      }
      existing = std::move(next);
    }
    if (r.error.empty()) r.error = "no such node";
    return r;
  }
  r.doc = target;
  r.node = node;
  r.pointer = std::move(parts.pointer);
  return r;
}

// ---------------------------------------------------------------- version and structure

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool is_version_30(std::string_view v) {
  if (!starts_with(v, "3.0.") || v.size() == 4) return false;
  return std::all_of(v.begin() + 4, v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Returns the version, or nullopt (with a diagnostic) when the document is refused.
std::optional<std::string> check_version(const document& d, diagnostics& problems) {
  const json& root = d.root();
  if (!root.is_object()) {
    problems.push_back(d.make_diagnostic("", "not an OpenAPI document: the top level is not a mapping", severity::error, "document-not-openapi"));
    return std::nullopt;
  }
  auto openapi = root.find("openapi");
  if (openapi == root.end()) {
    if (root.contains("swagger"))
      problems.push_back(d.make_diagnostic(
          "/swagger", "Swagger 2.0 is not supported; convert to OpenAPI 3.0 "
                      "(for example with swagger2openapi or editor.swagger.io)", severity::error, "openapi-version-unsupported"));
    else
      problems.push_back(d.make_diagnostic("", "not an OpenAPI document: no 'openapi' field", severity::error, "document-not-openapi"));
    return std::nullopt;
  }
  if (!openapi->is_string()) {
    problems.push_back(d.make_diagnostic(
        "/openapi", "'openapi' must be a string such as \"3.0.3\" (quote it in YAML), got " +
                        openapi->dump(), severity::error, "openapi-version-invalid"));
    return std::nullopt;
  }
  const std::string& version = openapi->get_ref<const std::string&>();
  if (is_version_30(version)) return version;
  if (starts_with(version, "3.1"))
    problems.push_back(d.make_diagnostic(
        "/openapi", "OpenAPI " + version +
                        " is not supported yet: OpenAPI 3.1 schemas are JSON Schema 2020-12, which "
                        "specgate's schema validator (valijson: drafts 3, 4 and 7) cannot compile; "
                        "use an OpenAPI 3.0.x document", severity::error, "openapi-version-unsupported"));
  else if (starts_with(version, "2."))
    problems.push_back(d.make_diagnostic(
        "/openapi", "Swagger 2.0 is not supported; convert to OpenAPI 3.0", severity::error, "openapi-version-unsupported"));
  else
    problems.push_back(d.make_diagnostic(
        "/openapi", "unsupported OpenAPI version '" + version + "': specgate supports 3.0.x", severity::error, "openapi-version-unsupported"));
  return std::nullopt;
}

void check_structure(const document& d, diagnostics& problems) {
  const json& root = d.root();
  const auto error = [&](const std::string& pointer, std::string message) {
    problems.push_back(d.make_diagnostic(pointer, std::move(message), severity::error, "document-structure-invalid"));
  };
  // info
  auto info = root.find("info");
  if (info == root.end()) {
    error("", "missing required 'info' object");
  } else if (!info->is_object()) {
    error("/info", "'info' must be an object");
  } else {
    for (const char* field : {"title", "version"}) {
      auto it = info->find(field);
      if (it == info->end())
        error("/info", std::string("missing required 'info.") + field + "'");
      else if (!it->is_string())
        error(std::string("/info/") + field, std::string("'info.") + field + "' must be a string");
    }
  }
  // paths
  auto paths = root.find("paths");
  if (paths == root.end()) {
    error("", "missing required 'paths' object");
  } else if (!paths->is_object()) {
    error("/paths", "'paths' must be an object");
  } else {
    for (const auto& [path, item] : paths->items()) {
      if (starts_with(path, "x-")) continue;
      const std::string item_pointer = pointer_append("/paths", path);
      if (path.empty() || path.front() != '/')
        error(item_pointer, "path '" + path + "' must begin with '/'");
      if (!item.is_object()) error(item_pointer, "a path item must be an object");
      // Operations (an operation that is not an object, missing `responses`) are checked
      // where the contract is built, which says what is served instead.
    }
  }
  // components
  auto components = root.find("components");
  if (components != root.end()) {
    if (!components->is_object()) {
      error("/components", "'components' must be an object");
    } else {
      for (const char* section : {"schemas", "responses", "parameters", "examples", "requestBodies",
                                  "headers", "securitySchemes", "links", "callbacks"}) {
        auto it = components->find(section);
        if (it != components->end() && !it->is_object())
          error(std::string("/components/") + section,
                std::string("'components.") + section + "' must be an object");
      }
    }
  }
  for (const char* list : {"servers", "security", "tags"}) {
    auto it = root.find(list);
    if (it != root.end() && !it->is_array())
      error(std::string("/") + list, std::string("'") + list + "' must be an array");
  }
}

// ---------------------------------------------------------------- finding $refs

struct ref_site {
  std::size_t doc;
  const json* node;     // the object holding "$ref"
  const json* ref;      // its "$ref" string
  std::string pointer;  // of `node`
};

// Keys whose values are maps from user-chosen names (property names, status
// codes, media types, component names, header names...): their keys are data.
bool is_names_key(std::string_view k) {
  static const std::unordered_set<std::string_view> keys = {
      "properties", "patternProperties", "definitions", "schemas",   "responses",
      "parameters", "examples",          "requestBodies", "headers", "securitySchemes",
      "links",      "callbacks",         "paths",       "content",   "encoding",
      "variables",  "mapping",           "scopes"};
  return keys.count(k) != 0;
}

// Keys whose values are literal data (examples, defaults, enums, extensions):
// a "$ref" inside them is data, not a reference.
bool is_literal_key(std::string_view k) {
  return k == "example" || k == "default" || k == "enum" || k == "const" || k == "value" ||
         starts_with(k, "x-");
}

class ref_scanner {
 public:
  ref_scanner(const document& doc, std::size_t index, std::vector<ref_site>& sites,
              diagnostics& problems)
      : doc_(doc), index_(index), sites_(sites), problems_(problems) {}

  void run() { visit(doc_.root(), false); }

 private:
  // Depth is bounded by the parser's nesting limit.
  void visit(const json& v, bool names) {
    if (v.is_object()) {
      const auto& obj = v.get_ref<const json::object_t&>();
      if (!names) {
        auto it = obj.find("$ref");
        if (it != obj.end()) {
          if (it->second.is_string()) {
            sites_.push_back({index_, &v, &it->second, pointer_});
          } else {
            problems_.push_back(doc_.make_diagnostic(pointer_ + "/$ref",
                                                     "$ref must be a string, got " +
                                                         std::string(it->second.type_name()),
                                                     severity::error, "ref-invalid"));
          }
          return;  // OpenAPI 3.0: siblings of $ref are ignored
        }
      }
      for (const auto& [k, child] : obj) {
        if (!names && is_literal_key(k)) continue;
        const std::size_t len = pointer_.size();
        if (k.find_first_of("~/") == std::string::npos) {
          pointer_ += '/';
          pointer_ += k;
        } else {
          pointer_ += '/';
          pointer_ += escape_pointer_token(k);
        }
        visit(child, !names && is_names_key(k));
        pointer_.resize(len);
      }
    } else if (v.is_array()) {
      const auto& arr = v.get_ref<const json::array_t&>();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        const std::size_t len = pointer_.size();
        pointer_ += '/';
        pointer_ += std::to_string(i);
        visit(arr[i], false);
        pointer_.resize(len);
      }
    }
  }

  const document& doc_;
  std::size_t index_;
  std::vector<ref_site>& sites_;
  diagnostics& problems_;
  std::string pointer_;
};

// A diagnostic at a $ref: line and column of the reference string, pointer of the $ref object.
diagnostic site_diagnostic(std::string_view rule, const document& doc, const json* ref_value, const std::string& pointer,
                           std::string message) {
  diagnostic d = doc.make_diagnostic(pointer, std::move(message), severity::error, rule);
  source_position pos = doc.position_of(ref_value);
  if (pos.line != 0) {
    d.line = pos.line;
    d.column = pos.column;
  }
  return d;
}

// ---------------------------------------------------------------- the load

load_result load(parse_result entry, const std::string& entry_key, const std::string& base_dir) {
  load_result out;
  diagnostics& problems = out.problems;
  problems = std::move(entry.problems);
  std::vector<std::string> file_order;
  const auto finish = [&]() {
    sort_diagnostics(problems, file_order);
    return std::move(out);
  };
  if (!entry.doc) return finish();
  file_order.push_back(entry.doc->file());

  auto version = check_version(*entry.doc, problems);
  if (!version) return finish();
  check_structure(*entry.doc, problems);

  // Find every $ref; load every file they name, once.
  std::vector<std::shared_ptr<const document>> docs{entry.doc};
  std::vector<std::string> dirs{base_dir};
  std::unordered_set<std::string> keys{entry_key};
  std::unordered_map<std::string, std::string> failed;  // key -> why it could not be loaded
  std::vector<ref_site> sites;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const std::size_t first = sites.size();
    ref_scanner(*docs[i], i, sites, problems).run();
    for (std::size_t k = first; k < sites.size(); ++k) {
      ref_parts parts = parse_ref(sites[k].ref->get_ref<const std::string&>());
      if (parts.remote || !parts.error.empty() || !parts.has_file) continue;
      if (dirs[i].empty() && !fs::path(parts.file).is_absolute()) continue;
      std::string key = key_for(dirs[i], parts.file);
      if (keys.count(key) != 0 || failed.count(key) != 0) continue;
      parse_result loaded = parse_file(key);
      if (loaded.doc) {
        keys.insert(key);
        docs.push_back(loaded.doc);
        dirs.push_back(dir_of(key));
        file_order.push_back(loaded.doc->file());
        for (auto& p : loaded.problems) problems.push_back(std::move(p));
        continue;
      }
      std::string why = "it could not be parsed (see its own diagnostics)";
      if (loaded.problems.size() == 1 && loaded.problems.front().line == 0) {
        why = loaded.problems.front().message;  // cannot open: reported at each $ref instead
      } else {
        file_order.push_back(key);
        for (auto& p : loaded.problems) problems.push_back(std::move(p));
      }
      failed.emplace(std::move(key), std::move(why));
    }
  }
  auto set = std::make_shared<document_set>(docs, *version, dirs);

  // Resolve every $ref one hop; then follow every chain to a definition.
  // First hops of the sites, kept for the chain walk (a failed one is reported here).
  std::unordered_map<const json*, step_result> first_hop;
  first_hop.reserve(sites.size());
  for (const auto& s : sites) {
    const std::string& ref = s.ref->get_ref<const std::string&>();
    step_result& r = first_hop.emplace(s.node, step(*set, s.doc, ref)).first->second;
    if (r.node != nullptr) continue;
    std::string why = r.error;
    if (ref_parts parts = parse_ref(ref); parts.has_file && parts.error.empty() && !parts.remote) {
      if (dirs[s.doc].empty() && !fs::path(parts.file).is_absolute()) {
        why = "'" + docs[s.doc]->file() + "' was loaded from text without a base directory, "
              "so relative file references cannot be resolved";
      } else if (auto f = failed.find(key_for(dirs[s.doc], parts.file)); f != failed.end()) {
        why = "cannot load '" + f->first + "': " + f->second;
      }
    }
    problems.push_back(site_diagnostic("ref-unresolved", *docs[s.doc], s.ref, s.pointer,
                                       "unresolvable $ref '" + ref + "': " + why));
  }

  enum class state : unsigned char { in_progress, good, bad };
  std::unordered_map<const json*, state> memo;
  memo.reserve(sites.size());
  struct hop {
    std::size_t doc;
    const json* node;
    std::string pointer;
  };
  std::vector<hop> path;
  for (const auto& s : sites) {
    path.clear();
    hop cur{s.doc, s.node, s.pointer};
    state result = state::good;
    while (true) {
      auto m = memo.find(cur.node);
      if (m != memo.end() && m->second != state::in_progress) {
        result = m->second;
        break;
      }
      if (m != memo.end()) {
        // Back at a node of this walk: a loop of $ref-only nodes.
        std::size_t start = 0;
        while (path[start].node != cur.node) ++start;
        const document& at = *docs[path[start].doc];
        std::string chain;
        for (std::size_t i = start; i <= path.size(); ++i) {
          const hop& h = i == path.size() ? path[start] : path[i];
          if (!chain.empty()) chain += " -> ";
          if (h.doc != path[start].doc) chain += docs[h.doc]->file();
          chain += "#" + h.pointer;
        }
        problems.push_back(site_diagnostic("ref-cycle", at, ref_member(*path[start].node), path[start].pointer,
                                           "$ref chain loops without reaching a definition: " + chain));
        result = state::bad;
        break;
      }
      memo.emplace(cur.node, state::in_progress);
      path.push_back(cur);
      const json* ref = ref_member(*cur.node);
      auto known = first_hop.find(cur.node);
      step_result r = known != first_hop.end() ? known->second
                                               : step(*set, cur.doc, ref->get_ref<const std::string&>());
      if (r.node == nullptr) {
        if (known == first_hop.end())  // not reported above: a $ref inside literal data
          problems.push_back(site_diagnostic("ref-unresolved", *docs[cur.doc], ref, cur.pointer,
                                             "unresolvable $ref '" + ref->get<std::string>() +
                                                 "' (reached through a $ref chain): " + r.error));
        result = state::bad;
        break;
      }
      if (ref_member(*r.node) == nullptr) break;  // a definition: good
      cur = hop{r.doc, r.node, std::move(r.pointer)};
    }
    for (const hop& h : path) memo[h.node] = result;
  }

  out.docs = std::move(set);
  return finish();
}

}  // namespace

// ---------------------------------------------------------------- document_set

document_set::document_set(std::vector<std::shared_ptr<const document>> docs, std::string version,
                           std::vector<std::string> base_dirs)
    : documents_(std::move(docs)),
      openapi_version_(std::move(version)),
      base_dirs_(std::move(base_dirs)) {
  if (base_dirs_.size() != documents_.size()) {
    base_dirs_.clear();
    for (const auto& d : documents_) base_dirs_.push_back(dir_of(d->file()));
  }
  for (std::size_t i = 0; i < documents_.size(); ++i) {
    const std::string& file = documents_[i]->file();
    keys_.push_back(base_dirs_[i].empty()
                        ? file
                        : key_for(base_dirs_[i], fs::path(file).filename().generic_string()));
  }
}

std::size_t document_set::index_of(const document& doc) const {
  for (std::size_t i = 0; i < documents_.size(); ++i)
    if (documents_[i].get() == &doc) return i;
  return npos;
}

std::size_t document_set::find_file(std::size_t from, std::string_view relative) const {
  if (from >= documents_.size()) return npos;
  if (base_dirs_[from].empty() && !fs::path(std::string(relative)).is_absolute()) return npos;
  const std::string key = key_for(base_dirs_[from], relative);
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key) return i;
  return npos;
}

std::optional<resolved_node> document_set::resolve(const document& from, std::string_view ref) const {
  std::size_t index = index_of(from);
  if (index == npos) return std::nullopt;
  step_result r = step(*this, index, ref);
  std::vector<const json*> seen;
  while (r.node != nullptr) {
    const json* next = ref_member(*r.node);
    if (next == nullptr)
      return resolved_node{documents_[r.doc].get(), r.node, std::move(r.pointer)};
    if (std::find(seen.begin(), seen.end(), r.node) != seen.end()) return std::nullopt;  // loop
    seen.push_back(r.node);
    r = step(*this, r.doc, next->get_ref<const std::string&>());
  }
  return std::nullopt;
}

resolved_node document_set::deref(const document& from, const json* node, std::string pointer) const {
  const json* ref = node == nullptr ? nullptr : ref_member(*node);
  if (ref == nullptr) return {&from, node, std::move(pointer)};
  if (auto r = resolve(from, ref->get_ref<const std::string&>())) return std::move(*r);
  return {&from, nullptr, std::move(pointer)};
}

// ---------------------------------------------------------------- entry points

load_result load_openapi_file(const std::string& path) {
  try {
    const std::string key = fs::path(path).lexically_normal().generic_string();
    return load(parse_file(path), key, dir_of(path));
  } catch (const std::exception& ex) {
    diagnostic d;
    d.file = path;
    d.message = std::string("cannot load: ") + ex.what();
    d.rule = "document-unreadable";
    return {nullptr, {std::move(d)}};
  }
}

load_result load_openapi_text(std::string_view text, std::string name, std::string base_dir) {
  try {
    std::string key = base_dir.empty()
                          ? name
                          : key_for(base_dir, fs::path(name).filename().generic_string());
    return load(parse_document(text, name), key, base_dir);
  } catch (const std::exception& ex) {
    diagnostic d;
    d.file = std::move(name);
    d.message = std::string("cannot load: ") + ex.what();
    d.rule = "document-unreadable";
    return {nullptr, {std::move(d)}};
  }
}

}  // namespace specgate::validator
