// JsonText: writes JSON text straight into a string, for the responses that are built often enough
// for nlohmann::json's tree (a heap node per value, a std::map per object) to matter — GET
// /api/v1/terminal/items, every terminal's first screen.
//
// Its output is byte for byte what `nlohmann::json::dump(-1, ' ', false, replace)` writes for the
// same value (api_internal.h's Json()): compact, UTF-8 kept as is, the two-character escapes for
// " \ \b \f \n \r \t and \u00xx (lower-case hex) for other control characters. A string that is
// not plain ASCII goes through nlohmann's own serializer, so invalid UTF-8 is replaced exactly as
// it would be. nlohmann sorts an object's keys; here the caller writes them in that order
// (std::string's <, i.e. byte order). api_test pins the two outputs together.
//
// Thread-safety: none (one writer per string).
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace custodian::api {

class JsonText {
 public:
  explicit JsonText(std::string& out) : out_(out) {}

  void BeginObject() {
    Value();
    out_ += '{';
    first_.push_back(true);
  }
  void EndObject() {
    out_ += '}';
    first_.pop_back();
  }
  void BeginArray() {
    Value();
    out_ += '[';
    first_.push_back(true);
  }
  void EndArray() {
    out_ += ']';
    first_.pop_back();
  }
  // The next member's key; its value follows. Keys are the code's own names (plain ASCII, nothing
  // to escape), so they are copied as they are.
  void Key(std::string_view key) {
    // The separator, the quoted key and the colon in one append (the list writes ~1,000 keys).
    char buf[72];
    if (key.size() > sizeof buf - 4) {
      Value();
      out_ += '"';
      out_ += key;
      out_ += "\":";
    } else {
      size_t n = 0;
      if (!first_.empty()) {
        if (!first_.back()) buf[n++] = ',';
        first_.back() = false;
      }
      buf[n++] = '"';
      std::memcpy(buf + n, key.data(), key.size());
      n += key.size();
      buf[n++] = '"';
      buf[n++] = ':';
      out_.append(buf, n);
    }
    after_key_ = true;
  }
  void String(std::string_view s) {
    Value();
    Quoted(s);
  }
  void Int(int64_t v) {
    Value();
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, end);
  }
  void Bool(bool v) {
    Value();
    out_ += v ? "true" : "false";
  }

 private:
  // A value (or a key) is about to be written: separate it from the previous one.
  void Value() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (first_.empty()) return;
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }

  void Quoted(std::string_view s) {
    // Most strings (codes, serials, times, names) need nothing: one pass to see that, one append.
    size_t i = 0;
    while (i < s.size()) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++i;
    }
    if (i == s.size()) {
      char buf[130];
      if (s.size() <= sizeof buf - 2) {
        buf[0] = '"';
        std::memcpy(buf + 1, s.data(), s.size());
        buf[s.size() + 1] = '"';
        out_.append(buf, s.size() + 2);
      } else {
        out_ += '"';
        out_ += s;
        out_ += '"';
      }
      return;
    }
    for (; i < s.size(); ++i) {
      if (static_cast<unsigned char>(s[i]) >= 0x80) {
        // Not plain ASCII: nlohmann validates and, where it must, replaces. Rare in names.
        out_ += nlohmann::json(std::string(s))
                    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
      }
    }
    out_ += '"';
    size_t plain = 0;  // start of the run of bytes that need no escape
    for (i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(s.data() + plain, i - plain);
      plain = i + 1;
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\b':
          out_ += "\\b";
          break;
        case '\f':
          out_ += "\\f";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default: {
          static constexpr char kHex[] = "0123456789abcdef";
          out_ += "\\u00";
          out_ += kHex[c >> 4];
          out_ += kHex[c & 0xf];
        }
      }
    }
    out_.append(s.data() + plain, s.size() - plain);
    out_ += '"';
  }

  std::string& out_;
  std::vector<bool> first_;  // per open object or array: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace custodian::api
