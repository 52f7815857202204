// SessionTable: the API's sessions, in memory only — so every session is invalid after a restart,
// as after logout. A session is a 256-bit random token (OpenSSL RAND_bytes, 64 hex digits) bound
// to the app::Session a login opened: a terminal's badge and PIN (the token is a bearer token), or
// a staff member's password and one-time code (the token is a cookie, with a second random token
// against cross-site requests: the CSRF token). A terminal session ends after `idle` without a
// request, a staff session after `staff_idle`, and every session `absolute` after it was opened
// (re-login every 12 h).
//
// Thread-safety: every method may be called from any thread (one mutex).
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "app/custody_desk.h"
#include "core/clock.h"
#include "core/result.h"

namespace custodian::api {

class SessionTable {
 public:
  struct Limits {
    domain::Micros idle = 60'000'000;                // terminals lock after 60 s idle
    domain::Micros staff_idle = 30 * 60'000'000LL;   // the dashboard after 30 min idle
    domain::Micros absolute = 12 * 3'600'000'000LL;  // re-login every 12 h
    size_t max_sessions = 10'000;                    // oldest dropped beyond this
  };
  SessionTable(const core::Clock& clock, Limits limits) : clock_(clock), limits_(limits) {}

  // kApi: an integration's API token (app/api_tokens.h), not kept in this table.
  enum class Kind { kTerminal, kStaff, kApi };
  struct Opened {
    std::string token;
    std::string csrf;  // staff sessions only
  };
  struct Live {
    app::Session session;
    Kind kind;
    std::string csrf;
  };
  // A new token (and, for staff, a CSRF token); Internal if the system has no randomness to give.
  core::Result<Opened> Open(const app::Session& session, Kind kind);
  // The session behind a live token, marking it used now; none if unknown, idle or too old (an
  // expired token is forgotten).
  std::optional<Live> Use(const std::string& token);
  // Whether the token is live, without marking it used (event streams ask this).
  bool Alive(const std::string& token);
  void Close(const std::string& token);
  size_t size() const;

 private:
  struct Entry {
    app::Session session;
    Kind kind = Kind::kTerminal;
    std::string csrf;
    domain::Micros opened = 0;
    domain::Micros last_used = 0;
  };
  bool Expired(const Entry& e, domain::Micros now) const;

  const core::Clock& clock_;
  Limits limits_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> sessions_;
};

}  // namespace custodian::api
