#include "server/mock/reloader.h"

#include <algorithm>
#include <csignal>
#include <exception>
#include <filesystem>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

namespace specgate::server {

namespace net = boost::asio;
namespace fs = std::filesystem;
using boost::system::error_code;

namespace {

file_stamp stamp_one(const fs::path& path, const fs::directory_entry* entry = nullptr) {
  file_stamp s;
  s.path = path.string();
  std::error_code ec;
  const auto status = entry ? entry->status(ec) : fs::status(path, ec);
  if (ec || !fs::exists(status)) return s;
  s.exists = true;
  const auto time = fs::last_write_time(path, ec);
  if (!ec) s.mtime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  if (fs::is_regular_file(status)) {
    const auto size = fs::file_size(path, ec);
    if (!ec) s.size = size;
  }
  return s;
}

// The first path whose stamp differs, for the log line.
std::string first_difference(const std::vector<file_stamp>& a, const std::vector<file_stamp>& b) {
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (!(a[i] == b[i])) return a[i].path < b[i].path ? a[i].path : b[i].path;
  if (a.size() != b.size()) return (a.size() > b.size() ? a : b)[std::min(a.size(), b.size())].path;
  return {};
}

std::vector<std::string> path_list(const std::vector<file_stamp>& stamps) {
  std::vector<std::string> out;
  out.reserve(stamps.size());
  for (const auto& s : stamps) out.push_back(s.path);
  return out;
}

}  // namespace

std::vector<file_stamp> stamp_files(const std::vector<std::string>& paths, std::size_t max_files) {
  std::vector<file_stamp> out;
  for (const auto& p : paths) {
    if (p.empty() || out.size() >= max_files) continue;
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      out.push_back(stamp_one(p));  // a file added or removed changes the directory's mtime
      for (fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
           !ec && it != end && out.size() < max_files; it.increment(ec)) {
        if (it->is_regular_file(ec)) out.push_back(stamp_one(it->path(), &*it));
      }
    } else {
      out.push_back(stamp_one(p));
    }
  }
  std::sort(out.begin(), out.end(), [](const file_stamp& a, const file_stamp& b) { return a.path < b.path; });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

struct reloader::impl {
  impl(reloader_options o, paths_fn p, reload_fn r)
      : options(o), paths(std::move(p)), reload(std::move(r)), signals(ioc), timer(ioc) {}

  const reloader_options options;
  const paths_fn paths;
  const reload_fn reload;
  net::io_context ioc{1};
  net::signal_set signals;
  net::steady_timer timer;
  std::thread thread;
  std::vector<file_stamp> last;
  std::optional<std::vector<file_stamp>> pending;  // a change seen once, waiting to settle
  bool started = false;

  std::vector<std::string> current_paths() {
    try {
      return paths ? paths() : std::vector<std::string>{};
    } catch (const std::exception&) {
      return {};
    }
  }

  void run_reload(std::string_view reason) {
    try {
      reload(reason);
    } catch (...) {
      // The reload function reports its own failures; a stray exception must not end the thread.
    }
  }

  void wait_signal() {
    signals.async_wait([this](error_code ec, int) {
      if (ec) return;
      run_reload("SIGHUP");
      if (options.poll_interval.count() > 0) last = stamp_files(current_paths());
      wait_signal();
    });
  }

  // A change is acted on once it has settled (two stamps in a row agree), so
  // an editor's truncate-then-write is not reported as a broken spec.
  void arm_timer(std::chrono::milliseconds delay) {
    timer.expires_after(delay);
    timer.async_wait([this](error_code ec) {
      if (ec) return;
      auto now = stamp_files(current_paths());
      if (now == last) {
        pending.reset();
        return arm_timer(options.poll_interval);
      }
      if (!pending || *pending != now) {
        pending = std::move(now);
        return arm_timer(settle_delay());
      }
      const std::string changed = first_difference(now, last);
      last = std::move(now);
      pending.reset();
      run_reload("file changed: " + changed);
      // A reload may watch other files now ($ref'd ones): start from those.
      auto fresh = stamp_files(current_paths());
      if (path_list(fresh) != path_list(last)) last = std::move(fresh);
      arm_timer(options.poll_interval);
    });
  }

  std::chrono::milliseconds settle_delay() const {
    return std::min(options.poll_interval, std::chrono::milliseconds(100));
  }
};

reloader::reloader(reloader_options options, paths_fn paths, reload_fn reload)
    : impl_(std::make_unique<impl>(options, std::move(paths), std::move(reload))) {}

reloader::~reloader() { stop(); }

std::string reloader::start() {
  if (impl_->started) return "reloader already started";
  if (impl_->options.sighup) {
    error_code ec;
    impl_->signals.add(SIGHUP, ec);
    if (ec) return "cannot watch SIGHUP: " + ec.message();
    impl_->wait_signal();
  }
  if (impl_->options.poll_interval.count() > 0) {
    impl_->last = stamp_files(impl_->current_paths());
    impl_->arm_timer(impl_->options.poll_interval);
  }
  impl_->started = true;
  impl_->thread = std::thread([this] {
    auto guard = net::make_work_guard(impl_->ioc);  // keeps run() going with nothing to wait for
    for (;;) {
      try {
        impl_->ioc.run();
        return;
      } catch (...) {
      }
    }
  });
  return {};
}

void reloader::stop() {
  if (!impl_ || !impl_->started) return;
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  error_code ec;
  impl_->signals.cancel(ec);
  impl_->signals.clear(ec);
  impl_->timer.cancel();
  impl_->started = false;
}

}  // namespace specgate::server
