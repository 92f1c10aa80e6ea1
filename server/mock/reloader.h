#pragma once
// Triggers reloads of the spec off the request path: on SIGHUP, and (with
// --watch) when a watched file or directory changes (polled: modification
// time and size of each file, directories walked recursively). Everything
// runs on the reloader's own thread, so reloads never overlap.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace specgate::server {

struct reloader_options {
  std::chrono::milliseconds poll_interval{0};  // 0: no polling (SIGHUP only)
  bool sighup = true;
};

// What the watcher compares between polls: (path, exists, mtime, size) of
// every file under the given paths, sorted. Bounded: at most max_files.
struct file_stamp {
  std::string path;
  bool exists = false;
  std::int64_t mtime_ns = 0;
  std::uintmax_t size = 0;
  bool operator==(const file_stamp&) const = default;
};
std::vector<file_stamp> stamp_files(const std::vector<std::string>& paths, std::size_t max_files = 10'000);

class reloader {
 public:
  // The paths to watch; asked again after each reload (a new $ref'd file is watched from then on).
  using paths_fn = std::function<std::vector<std::string>()>;
  // Does the reload; `reason` is "SIGHUP" or "file changed: <path>".
  using reload_fn = std::function<void(std::string_view reason)>;

  reloader(reloader_options options, paths_fn paths, reload_fn reload);
  ~reloader();  // stop()
  reloader(const reloader&) = delete;
  reloader& operator=(const reloader&) = delete;

  // Installs the SIGHUP handler and starts the thread; "" or an error message.
  std::string start();
  // Idempotent; waits for a reload in progress to finish.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace specgate::server
