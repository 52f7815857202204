// Log: the server's operational log — one entry per line, for people and for log collectors. An
// entry is a level, a message (a short fixed sentence: "request", "stopping") and named fields
// (values: text, whole numbers, decimals, booleans). Callers put variable facts in fields, never in
// the message, so that collectors can group and filter by message.
//
// StreamLog writes each entry as one line to an ostream, in one of two formats:
//
//   json  {"ts":"2026-11-23T03:55:01.123Z","level":"info","msg":"request","status":200}
//   text  2026-11-23T03:55:01.123Z info request status=200
//
// "ts" is the clock's UTC time in milliseconds. JSON lines are always valid JSON, whatever bytes a
// value holds: quotes, backslashes and control characters are escaped, and a byte that is not
// part of valid UTF-8 becomes U+FFFD. A field named like one of ts, level or msg is written with a
// leading underscore, so a line never has a duplicate member. In text lines a value with a space,
// '=', a quote or a control character is written quoted with the same escapes.
//
// What never goes in a log: secrets (tokens, passwords, PINs, cookies, Authorization headers) and
// request bodies. The log cannot tell; callers choose what they pass.
//
// Thread-safety: Write may be called from any thread; StreamLog writes each line whole (one mutex)
// and flushes it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "core/clock.h"

namespace custodian::core {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kJson, kText };

// "debug", "info", "warn", "error".
std::string_view LogLevelName(LogLevel level);
std::optional<LogLevel> ParseLogLevel(std::string_view name);
// "json", "text".
std::optional<LogFormat> ParseLogFormat(std::string_view name);

// One named value of an entry.
struct LogField {
  using Value = std::variant<std::string, int64_t, uint64_t, double, bool>;

  LogField(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  template <typename I,
            typename = std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>>>
  LogField(std::string_view k, I v) : key(k) {
    if constexpr (std::is_signed_v<I>) {
      value = static_cast<int64_t>(v);
    } else {
      value = static_cast<uint64_t>(v);
    }
  }

  std::string_view key;
  Value value;
};

class Log {
 public:
  virtual ~Log() = default;
  // Whether entries of this level are written (to skip building costly fields).
  virtual bool Enabled(LogLevel level) const = 0;
  virtual void Write(LogLevel level, std::string_view msg, std::span<const LogField> fields) = 0;

  void Debug(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    Write(LogLevel::kDebug, msg, {fields.begin(), fields.size()});
  }
  void Info(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    Write(LogLevel::kInfo, msg, {fields.begin(), fields.size()});
  }
  void Warn(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    Write(LogLevel::kWarn, msg, {fields.begin(), fields.size()});
  }
  void Error(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    Write(LogLevel::kError, msg, {fields.begin(), fields.size()});
  }
};

// One entry as a line (without the newline), as StreamLog writes it. Pure.
std::string FormatLogLine(LogFormat format, int64_t micros, LogLevel level, std::string_view msg,
                          std::span<const LogField> fields);

// Writes entries of `min_level` and above to `out`, one line each.
class StreamLog final : public Log {
 public:
  StreamLog(std::ostream& out, const Clock& clock, LogLevel min_level, LogFormat format)
      : out_(out), clock_(clock), min_level_(min_level), format_(format) {}

  bool Enabled(LogLevel level) const override { return level >= min_level_; }
  void Write(LogLevel level, std::string_view msg, std::span<const LogField> fields) override;

 private:
  std::ostream& out_;
  const Clock& clock_;
  const LogLevel min_level_;
  const LogFormat format_;
  std::mutex mu_;
};

// Writes entries of `min_level` and above to a file descriptor (the server's standard error), one
// line each with a single write(2) and no lock in the process: Linux keeps concurrent writes to a
// regular file whole and in order (the file position is locked per write), and a write of at most
// PIPE_BUF (4096) bytes to a pipe is atomic. So threads answering requests do not queue behind each
// other's log writes, as they do on StreamLog's mutex (~0.8 futex calls per request under load).
// A line longer than 4096 bytes written to a pipe may interleave with another thread's.
class FdLog final : public Log {
 public:
  FdLog(int fd, const Clock& clock, LogLevel min_level, LogFormat format)
      : fd_(fd), clock_(clock), min_level_(min_level), format_(format) {}

  bool Enabled(LogLevel level) const override { return level >= min_level_; }
  void Write(LogLevel level, std::string_view msg, std::span<const LogField> fields) override;

 private:
  const int fd_;
  const Clock& clock_;
  const LogLevel min_level_;
  const LogFormat format_;
};

}  // namespace custodian::core
