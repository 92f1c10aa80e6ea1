#pragma once
// Recorded traffic read one exchange at a time, whatever the file's size:
// HAR 1.2 through a SAX reader that holds only the current log.entries
// element, and NDJSON (one request/response pair per line, docs/traffic-formats.md).
// The format is told by content, not by the file's name.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "validator/document/diagnostic.h"
#include "validator/traffic/exchange.h"

namespace specgate::validator {

enum class traffic_format { har, ndjson };

struct traffic_events {
  std::function<void(exchange&)> on_exchange;           // each exchange read, in file order
  std::function<void(diagnostic)> on_problem;           // each problem (error: something was not read)
  std::function<void(std::uint64_t bytes)> on_progress;  // bytes read so far, every few hundred exchanges
};

struct traffic_read_summary {
  traffic_format format = traffic_format::ndjson;
  std::size_t exchanges = 0;  // handed to on_exchange
  std::size_t errors = 0;     // error-level problems (unreadable file, malformed JSON, entries or lines skipped)
  std::uint64_t bytes = 0;    // bytes read
};

// HAR when the text is one JSON object whose first member is "log" (after white space and a
// UTF-8 BOM); NDJSON otherwise. HAR entries are converted by read_har_entry (har.h): problems
// name the file, line:col and /log/entries/N; malformed JSON ends the reading with one error
// naming the file, line:col and byte offset and what is wrong, after every earlier entry was
// handed on. NDJSON: a line that cannot be read is one error naming file:line (and the column
// where the JSON breaks), and the other lines are still read; blank lines are skipped.
// `path` "-" reads stdin; a file that cannot be opened is one error.
traffic_read_summary read_traffic(const std::string& path, const traffic_events& events);
// The same from an open file (not closed); `name` is used in diagnostics.
traffic_read_summary read_traffic(std::FILE* file, const std::string& name, const traffic_events& events);

// One NDJSON line into `e`; "" or what is wrong, with `pointer` set to where in the line's object.
std::string read_ndjson_exchange(std::string_view line, exchange& e, std::string& pointer, std::uint32_t& column);

}  // namespace specgate::validator
