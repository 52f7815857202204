#include "api/http.h"

namespace custodian::api {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes s ('+' is a space in a query); false on a bad escape or a NUL.
bool Decode(std::string_view s, bool plus_is_space, std::string& out) {
  out.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return false;
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return false;
    out.push_back(c);
  }
  return true;
}

}  // namespace

core::Status ParseTarget(std::string_view target, HttpRequest& into) {
  if (target.empty() || target[0] != '/') {
    return core::InvalidArgumentError("the request target must start with '/'");
  }
  const size_t q = target.find('?');
  const std::string_view raw_path = target.substr(0, q);
  if (!Decode(raw_path, false, into.path)) {
    return core::InvalidArgumentError("the request path has a bad %-escape");
  }
  if (into.path.find("/../") != std::string::npos || into.path.ends_with("/..")) {
    return core::InvalidArgumentError("the request path may not contain \"..\"");
  }
  into.query.clear();
  if (q == std::string_view::npos) return core::Status::Ok();
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string key, value;
    if (!Decode(pair.substr(0, eq), true, key) ||
        (eq != std::string_view::npos && !Decode(pair.substr(eq + 1), true, value))) {
      return core::InvalidArgumentError("the query string has a bad %-escape");
    }
    into.query[key] = value;
  }
  return core::Status::Ok();
}

}  // namespace custodian::api
