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
// Usage: JsonText w(expected_size); w.BeginObject(); w.Key("a"); w.Int(1); …; body = w.Take().
//
// Thread-safety: none (one writer per string).
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace custodian::api {

class JsonText {
 public:
  // capacity: the bytes expected (more are made room for as needed).
  explicit JsonText(size_t capacity = 256) : buf_(capacity, '\0') {}

  // The text written so far; the writer starts empty again.
  std::string Take() {
    buf_.resize(used_);
    used_ = 0;
    depth_ = 0;
    after_key_ = false;
    return std::move(buf_);
  }

  [[gnu::always_inline]] void BeginObject() { Open('{'); }
  [[gnu::always_inline]] void EndObject() { Close('}'); }
  [[gnu::always_inline]] void BeginArray() { Open('['); }
  [[gnu::always_inline]] void EndArray() { Close(']'); }

  // The next member's key; its value follows. Keys are the code's own names (plain ASCII, nothing
  // to escape), so they are copied as they are. A literal's length is known when this is compiled,
  // so its copy is a few moves rather than a call (the list writes ~700 keys).
  template <size_t N>
  [[gnu::always_inline]] void Key(const char (&key)[N]) {
    KeyOf(key, N - 1);
  }
  [[gnu::always_inline]] void Key(std::string_view key) { KeyOf(key.data(), key.size()); }

  [[gnu::always_inline]] void String(std::string_view s) {
    Value();
    Quoted(s);
  }
  [[gnu::always_inline]] void Int(int64_t v) {
    Value();
    char* p = Room(24);
    used_ = static_cast<size_t>(std::to_chars(p, p + 24, v).ptr - buf_.data());
  }
  [[gnu::always_inline]] void Bool(bool v) {
    Value();
    if (v) {
      Put("true", 4);
    } else {
      Put("false", 5);
    }
  }

 private:
  static constexpr int kMaxDepth = 64;

  // The write position, with room for n more bytes. The buffer is written through a pointer and
  // cut to size by Take(): std::string's append checks and grows on every call, and was most of
  // the list's cost of writing. The small writers are always inlined (GCC left them as calls,
  // which cost as much again as the copies); growing and escaping stay out of line.
  [[gnu::always_inline]] char* Room(size_t n) {
    if (buf_.size() - used_ < n) Grow(n);
    return buf_.data() + used_;
  }
  [[gnu::noinline]] void Grow(size_t n) { buf_.resize(std::max(2 * buf_.size(), used_ + n)); }
  [[gnu::always_inline]] void Put(const char* s, size_t n) {
    std::memcpy(Room(n), s, n);
    used_ += n;
  }
  [[gnu::always_inline]] void Put(char c) {
    *Room(1) = c;
    ++used_;
  }

  [[gnu::always_inline]] void KeyOf(const char* key, size_t n) {
    char* p = Room(n + 4);
    if (depth_ > 0) {
      if (!first_[depth_ - 1]) *p++ = ',';
      first_[depth_ - 1] = false;
    }
    *p++ = '"';
    std::memcpy(p, key, n);
    p += n;
    *p++ = '"';
    *p++ = ':';
    used_ = static_cast<size_t>(p - buf_.data());
    after_key_ = true;
  }

  [[gnu::always_inline]] void Open(char c) {
    Value();
    if (depth_ == kMaxDepth) throw std::length_error("JsonText: nested deeper than 64");
    Put(c);
    first_[depth_++] = true;
  }
  [[gnu::always_inline]] void Close(char c) {
    Put(c);
    --depth_;
  }

  // A value (or a key) is about to be written: separate it from the previous one.
  [[gnu::always_inline]] void Value() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (depth_ == 0) return;
    if (!first_[depth_ - 1]) Put(',');
    first_[depth_ - 1] = false;
  }

  [[gnu::always_inline]] void Quoted(std::string_view s) {
    // Most strings (codes, serials, times, names) need nothing: one pass to see that, one copy.
    size_t i = 0;
    while (i < s.size()) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++i;
    }
    if (i == s.size()) {
      char* p = Room(s.size() + 2);
      *p++ = '"';
      std::memcpy(p, s.data(), s.size());
      p[s.size()] = '"';
      used_ += s.size() + 2;
      return;
    }
    Escaped(s, i);
  }

  // Quoted() for a string with something to escape or replace from byte i on.
  [[gnu::noinline]] void Escaped(std::string_view s, size_t i) {
    for (; i < s.size(); ++i) {
      if (static_cast<unsigned char>(s[i]) >= 0x80) {
        // Not plain ASCII: nlohmann validates and, where it must, replaces. Rare in names.
        const std::string text =
            nlohmann::json(std::string(s))
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        Put(text.data(), text.size());
        return;
      }
    }
    Put('"');
    size_t plain = 0;  // start of the run of bytes that need no escape
    for (i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      Put(s.data() + plain, i - plain);
      plain = i + 1;
      switch (c) {
        case '"':
          Put("\\\"", 2);
          break;
        case '\\':
          Put("\\\\", 2);
          break;
        case '\b':
          Put("\\b", 2);
          break;
        case '\f':
          Put("\\f", 2);
          break;
        case '\n':
          Put("\\n", 2);
          break;
        case '\r':
          Put("\\r", 2);
          break;
        case '\t':
          Put("\\t", 2);
          break;
        default: {
          static constexpr char kHex[] = "0123456789abcdef";
          const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
          Put(u, sizeof u);
        }
      }
    }
    Put(s.data() + plain, s.size() - plain);
    Put('"');
  }

  std::string buf_;  // [0, used_) written; the rest is room
  size_t used_ = 0;
  int depth_ = 0;                        // objects and arrays open
  std::array<bool, kMaxDepth> first_{};  // per open object or array: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace custodian::api
