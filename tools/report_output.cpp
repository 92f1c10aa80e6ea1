// Pairs --format with --output, writes the reports, draws the terminal progress line.
#include "tools/report_output.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace specgate::tools {
namespace {

std::string format_of_path(std::string_view path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext;
  };
  if (ends(".sarif") || ends(".sarif.json")) return "sarif";
  if (ends(".json")) return "json";
  if (ends(".xml")) return "junit";
  if (ends(".html") || ends(".htm")) return "html";
  if (ends(".md") || ends(".markdown")) return "markdown";
  return "text";
}

std::string render(const validator::traffic_report& report, std::string_view format) {
  if (format == "json") return report.to_json().dump(2) + "\n";
  if (format == "junit") return report.to_junit();
  if (format == "html") return report.to_html();
  return report.to_text();
}

}  // namespace

std::string plan_reports(const report_options& options, std::vector<report_target>& out,
                         const std::vector<std::string_view>& allowed) {
  static const std::vector<std::string_view> traffic_formats = {"text", "json", "junit", "html"};
  const auto& formats = allowed.empty() ? traffic_formats : allowed;
  out.clear();
  const std::size_t n = std::max(options.formats.size(), options.outputs.size());
  for (std::size_t i = 0; i < n; ++i) {
    report_target t;
    t.path = i < options.outputs.size() ? options.outputs[i] : "-";
    if (i < options.formats.size()) {
      t.format = options.formats[i];
    } else {  // from the extension, when the verb writes that format
      t.format = format_of_path(t.path);
      if (std::find(formats.begin(), formats.end(), t.format) == formats.end()) t.format = "text";
    }
    out.push_back(std::move(t));
  }
  if (out.empty()) out.push_back({"text", "-"});
  const report_target* on_stdout = nullptr;
  for (const auto& t : out) {
    if (t.path != "-") continue;
    if (on_stdout)
      return "two reports cannot both go to stdout (--format " + on_stdout->format + ", --format " + t.format +
             "): give each an --output FILE";
    on_stdout = &t;
  }
  return "";
}

std::string write_output(const std::string& path, const std::string& text, const std::string& what) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return "";
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (file) file.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (file) file.close();
  if (!file) return "cannot write the " + what + " to " + path + ": " + std::strerror(errno);
  return "";
}

std::string write_reports(const validator::traffic_report& report, const std::vector<report_target>& targets) {
  for (const auto& t : targets)
    if (auto error = write_output(t.path, render(report, t.format), t.format + " report"); !error.empty()) return error;
  return "";
}

progress_line::progress_line() {
  const char* ci = std::getenv("CI");
  enabled_ = ::isatty(STDERR_FILENO) == 1 && (ci == nullptr || *ci == '\0' || std::strcmp(ci, "false") == 0);
}

void progress_line::update(std::size_t done, std::size_t total, std::string_view what) {
  if (!enabled_) return;
  std::string shown(what.substr(0, 60));
  std::fprintf(stderr, "\r\033[K[%zu/%zu] %s", done, total, shown.c_str());
  std::fflush(stderr);
  shown_ = true;
}

void progress_line::finish() {
  if (!enabled_ || !shown_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace specgate::tools
