#include "core/log.h"

#include <unistd.h>
#include <cmath>

#include <cerrno>
#include <cstdio>

#include "core/utf8.h"

namespace custodian::core {
namespace {

// Appends `s` escaped for the inside of a JSON string (also used, quoted, in text lines).
void AppendEscaped(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceAt(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
}

void AppendQuoted(std::string& out, std::string_view s) {
  out.push_back('"');
  AppendEscaped(out, s);
  out.push_back('"');
}

std::string NumberText(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

// Text lines quote a value only when it would not read back as one word.
bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7F || c == '"' || c == '=' || c == '\\' || c >= 0x80) return true;
  }
  return false;
}

bool Reserved(std::string_view key) { return key == "ts" || key == "level" || key == "msg"; }

// "2026-11-23T03:55:01.123Z": FormatUtcMicros' six fractional digits cut to three.
std::string Millis(int64_t micros) {
  std::string t = FormatUtcMicros(micros);
  if (t.size() == 27 && t.back() == 'Z') t = t.substr(0, 23) + "Z";
  return t;
}

// A field's value: numbers and booleans bare; a string quoted and escaped (in text, only when it
// needs quotes to stay one token).
void AppendValue(std::string& out, const LogField::Value& value, bool always_quote) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (always_quote || NeedsQuotes(v)) {
            AppendQuoted(out, v);
          } else {
            out += v;
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          out += NumberText(v);
        } else {
          out += std::to_string(v);
        }
      },
      value);
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (name == LogLevelName(l)) return l;
  }
  return std::nullopt;
}

std::optional<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "json") return LogFormat::kJson;
  if (name == "text") return LogFormat::kText;
  return std::nullopt;
}

std::string FormatLogLine(LogFormat format, int64_t micros, LogLevel level, std::string_view msg,
                          std::span<const LogField> fields) {
  std::string out;
  out.reserve(96 + msg.size() + 24 * fields.size());
  if (format == LogFormat::kJson) {
    out += "{\"ts\":\"";
    out += Millis(micros);
    out += "\",\"level\":\"";
    out += LogLevelName(level);
    out += "\",\"msg\":";
    AppendQuoted(out, msg);
    for (const LogField& f : fields) {
      out.push_back(',');
      out.push_back('"');
      if (Reserved(f.key)) out.push_back('_');
      AppendEscaped(out, f.key);
      out += "\":";
      AppendValue(out, f.value, /*always_quote=*/true);
    }
    out.push_back('}');
    return out;
  }
  out += Millis(micros);
  out.push_back(' ');
  out += LogLevelName(level);
  out.push_back(' ');
  AppendEscaped(out, msg);
  for (const LogField& f : fields) {
    out.push_back(' ');
    if (Reserved(f.key)) out.push_back('_');
    AppendEscaped(out, f.key);
    out.push_back('=');
    AppendValue(out, f.value, /*always_quote=*/false);
  }
  return out;
}

void StreamLog::Write(LogLevel level, std::string_view msg, std::span<const LogField> fields) {
  if (!Enabled(level)) return;
  std::string line = FormatLogLine(format_, clock_.NowMicros(), level, msg, fields);
  line.push_back('\n');
  std::lock_guard l(mu_);
  out_.write(line.data(), static_cast<std::streamsize>(line.size()));
  out_.flush();
}

void FdLog::Write(LogLevel level, std::string_view msg, std::span<const LogField> fields) {
  if (!Enabled(level)) return;
  std::string line = FormatLogLine(format_, clock_.NowMicros(), level, msg, fields);
  line.push_back('\n');
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere to report that the log cannot be written
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace custodian::core
