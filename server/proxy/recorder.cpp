// The recorder's thread: takes exchanges off a lock-free queue, redacts them, writes the HAR
// recording and feeds the traffic report, and writes the report files on demand.
#include "server/proxy/recorder.h"

#include <unistd.h>

#include <boost/lockfree/queue.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "validator/traffic/content_coding.h"
#include "validator/report/traffic_report.h"
#include "validator/text_util.h"

namespace specgate::server {

namespace {

// A response body bigger than this once decoded goes into the HAR as received (still encoded).
constexpr std::size_t har_decode_limit = 64 * 1024 * 1024;

// Writes `text` to `path` through a temporary file and a rename, so a reader never sees half a
// report. "" or the error naming the file.
std::string write_file(const std::string& path, std::string_view text) {
  const std::string temporary = path + ".tmp" + std::to_string(::getpid());
  std::FILE* f = std::fopen(temporary.c_str(), "wb");
  if (!f) return "cannot write report " + path + ": " + std::strerror(errno);
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int write_errno = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    const std::string error = "cannot write report " + path + ": " + std::strerror(written ? errno : write_errno);
    std::remove(temporary.c_str());
    return error;
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string error = "cannot write report " + path + ": " + std::strerror(errno);
    std::remove(temporary.c_str());
    return error;
  }
  return {};
}

// report.json -> report.xml; a report path that already ends in .xml gets ".xml" appended.
std::string junit_path(const std::string& report_path) {
  std::filesystem::path p(report_path);
  p.replace_extension(".xml");
  return p.string() == report_path ? report_path + ".xml" : p.string();
}

// What an exchange holds on the heap, roughly: the queue's byte budget counts this.
std::size_t footprint(const validator::exchange& e) {
  std::size_t n = sizeof e + e.method.size() + e.target.size() + e.request_body.size() + e.response_body.size() +
                  e.operation_id.size() + e.operation_path.size() + e.request_note.size() + e.response_note.size() +
                  e.error.size();
  for (const auto& fields : {&e.request_headers, &e.response_headers})
    for (const auto& [name, value] : *fields) n += name.size() + value.size() + 2 * sizeof(std::string);
  n += (e.request_violations.size() + e.response_violations.size()) * 256;
  return n;
}

void append_error(std::string& errors, const std::string& error) {
  if (error.empty()) return;
  if (!errors.empty()) errors += "; ";
  errors += error;
}

}  // namespace

struct recorder::impl {
  impl(const validator::contract& c, recorder_options o)
      : options(std::move(o)), queue(std::max<std::size_t>(options.queue_capacity, 1)), report(c, options.suite) {}

  recorder_options options;
  boost::lockfree::queue<validator::exchange*> queue;

  // offer()'s side: atomics only.
  std::atomic<bool> running{false};
  std::atomic<std::uint32_t> wake{0};  // bumped (and notified) by every offer and by stop
  std::atomic<std::uint64_t> pushed{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::size_t> queued_bytes{0};  // footprint() of what the queue holds

  // The worker's side.
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> processed{0};  // taken off the queue and handled (written or not)
  std::atomic<std::uint32_t> progress{0};   // bumped (and notified) after each; drain_offered waits on it
  std::atomic<std::uint64_t> recorded{0};   // handled without a HAR error
  std::thread worker;
  validator::har_writer har;
  bool har_open = false;
  bool har_failed = false;  // after the first write error, the HAR is left alone

  // The report and the errors the worker met: fed by the worker, read by write_report/report_json.
  std::mutex state_mutex;
  validator::traffic_report report;
  std::string worker_errors;

  // start/stop/write_report one at a time.
  std::mutex control;
  bool started = false;
  bool stopped = false;

  void run() {
    for (;;) {
      const auto seen = wake.load(std::memory_order_acquire);
      drain();
      if (stopping.load(std::memory_order_acquire)) {
        drain();
        return;
      }
      wake.wait(seen, std::memory_order_acquire);
    }
  }

  void drain() {
    for (;;) {
      if (options.before_each) options.before_each();
      validator::exchange* raw = nullptr;
      if (!queue.pop(raw)) return;
      const std::size_t size = footprint(*raw);
      handle(std::unique_ptr<validator::exchange>(raw));
      queued_bytes.fetch_sub(size, std::memory_order_relaxed);
      processed.fetch_add(1, std::memory_order_release);
      progress.fetch_add(1, std::memory_order_release);
      progress.notify_all();
    }
  }

  void handle(std::unique_ptr<validator::exchange> e) {
    const validator::exchange copy = validator::redacted(*e, options.redact);
    e.reset();
    bool ok = true;
    if (har_open && !har_failed) {
      std::optional<validator::decoded_body> decoded;
      std::string_view coding;
      for (const auto& [name, value] : copy.response_headers)
        if (iequals(name, "content-encoding")) coding = value;
      if (!trim(coding).empty() && !copy.response_body.empty()) {
        decoded = validator::decode_content(coding, copy.response_body, har_decode_limit);
        if (!decoded->ok) decoded.reset();
      }
      const std::string error =
          har.write(copy, decoded ? std::optional<std::string_view>(decoded->body) : std::nullopt);
      if (!error.empty()) {
        har_failed = true;
        ok = false;
        const std::lock_guard lock(state_mutex);
        append_error(worker_errors, error);
      }
    } else if (har_open) {
      ok = false;
    }
    {
      const std::lock_guard lock(state_mutex);
      report.add(copy);
    }
    if (ok) recorded.fetch_add(1, std::memory_order_relaxed);
  }

  // Waits until the worker has handled everything pushed before the call.
  void drain_offered() {
    if (!worker.joinable()) return;
    const auto target = pushed.load(std::memory_order_acquire);
    for (;;) {
      const auto seen = progress.load(std::memory_order_acquire);
      if (processed.load(std::memory_order_acquire) >= target) return;
      progress.wait(seen, std::memory_order_acquire);
    }
  }

  // The report's JSON with the drops in its summary. Call with state_mutex held.
  nlohmann::ordered_json render_json_locked() {
    nlohmann::ordered_json out = report.to_json();
    out["summary"]["dropped"] = dropped.load(std::memory_order_relaxed);
    return out;
  }

  nlohmann::ordered_json render_json() {
    const std::lock_guard lock(state_mutex);
    return render_json_locked();
  }

  std::string write_report_files() {
    if (options.report_path.empty()) return {};
    std::string json, junit;
    {
      // Both files from the same state.
      const std::lock_guard lock(state_mutex);
      json = render_json_locked().dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
      junit = report.to_junit();
    }
    std::string errors;
    append_error(errors, write_file(options.report_path, json));
    append_error(errors, write_file(junit_path(options.report_path), junit));
    return errors;
  }
};

recorder::recorder(const validator::contract& c, recorder_options options)
    : impl_(std::make_unique<impl>(c, std::move(options))) {}

recorder::~recorder() { stop(); }

bool recorder::active() const { return !impl_->options.har_path.empty() || !impl_->options.report_path.empty(); }

std::string recorder::start() {
  const std::lock_guard lock(impl_->control);
  if (!active() || impl_->started || impl_->stopped) return {};
  if (!impl_->options.har_path.empty()) {
    if (auto error = impl_->har.open(impl_->options.har_path, impl_->options.version); !error.empty()) return error;
    impl_->har_open = true;
  }
  impl_->started = true;
  impl_->running.store(true, std::memory_order_release);
  impl_->worker = std::thread([this] { impl_->run(); });
  return {};
}

bool recorder::offer(std::unique_ptr<validator::exchange> e) {
  auto& s = *impl_;
  if (!e) return false;
  if (!s.running.load(std::memory_order_acquire)) {
    if (active()) s.dropped.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  const std::size_t size = footprint(*e);
  const std::size_t before = s.queued_bytes.fetch_add(size, std::memory_order_relaxed);
  if ((before > 0 && before + size > s.options.queue_bytes) || !s.queue.bounded_push(e.get())) {
    s.queued_bytes.fetch_sub(size, std::memory_order_relaxed);
    s.dropped.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  e.release();  // the queue owns it now
  s.pushed.fetch_add(1, std::memory_order_release);
  s.wake.fetch_add(1, std::memory_order_release);
  s.wake.notify_one();
  return true;
}

std::string recorder::write_report() {
  const std::lock_guard lock(impl_->control);
  impl_->drain_offered();
  return impl_->write_report_files();
}

nlohmann::ordered_json recorder::report_json() {
  const std::lock_guard lock(impl_->control);
  impl_->drain_offered();
  return impl_->render_json();
}

std::string recorder::stop() {
  auto& s = *impl_;
  const std::lock_guard lock(s.control);
  if (s.stopped) return {};
  s.stopped = true;
  if (!s.started) return {};
  s.running.store(false, std::memory_order_release);
  s.stopping.store(true, std::memory_order_release);
  s.wake.fetch_add(1, std::memory_order_release);
  s.wake.notify_one();
  s.worker.join();
  // Offers that raced with the stop and came after the worker's last look: dropped, counted.
  validator::exchange* late = nullptr;
  while (s.queue.pop(late)) {
    delete late;
    s.dropped.fetch_add(1, std::memory_order_relaxed);
  }
  std::string errors;
  {
    const std::lock_guard state(s.state_mutex);
    errors = s.worker_errors;
  }
  if (s.har_open) append_error(errors, s.har.close());
  append_error(errors, s.write_report_files());
  return errors;
}

std::uint64_t recorder::dropped() const { return impl_->dropped.load(std::memory_order_relaxed); }

std::uint64_t recorder::recorded() const { return impl_->recorded.load(std::memory_order_relaxed); }

}  // namespace specgate::server
