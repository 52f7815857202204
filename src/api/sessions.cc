#include "api/sessions.h"

#include <openssl/rand.h>

#include <algorithm>

#include "core/bytes.h"

namespace custodian::api {

namespace {

core::Result<std::string> RandomToken() {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    return core::InternalError("no randomness for a session token (OpenSSL RAND_bytes failed)");
  }
  return core::HexEncode(core::ByteSpan(raw, sizeof raw));
}

}  // namespace

bool SessionTable::Expired(const Entry& e, domain::Micros now) const {
  const domain::Micros idle = e.kind == Kind::kStaff ? limits_.staff_idle : limits_.idle;
  return now - e.last_used >= idle || now - e.opened >= limits_.absolute;
}

core::Result<SessionTable::Opened> SessionTable::Open(const app::Session& session, Kind kind) {
  Opened opened;
  CUSTODIAN_ASSIGN_OR_RETURN(opened.token, RandomToken());
  if (kind == Kind::kStaff) {
    CUSTODIAN_ASSIGN_OR_RETURN(opened.csrf, RandomToken());
  }
  const domain::Micros now = clock_.NowMicros();
  std::lock_guard l(mu_);
  if (sessions_.size() >= limits_.max_sessions) {
    // Forget the expired ones; if that is not enough, the least recently used.
    std::erase_if(sessions_, [&](const auto& kv) { return Expired(kv.second, now); });
    if (sessions_.size() >= limits_.max_sessions) {
      auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
        return a.second.last_used < b.second.last_used;
      });
      sessions_.erase(oldest);
    }
  }
  sessions_.emplace(opened.token, Entry{session, kind, opened.csrf, now, now});
  return opened;
}

std::optional<SessionTable::Live> SessionTable::Use(const std::string& token) {
  const domain::Micros now = clock_.NowMicros();
  std::lock_guard l(mu_);
  auto it = sessions_.find(token);
  if (it == sessions_.end()) return std::nullopt;
  if (Expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used = now;
  return Live{it->second.session, it->second.kind, it->second.csrf};
}

bool SessionTable::Alive(const std::string& token) {
  const domain::Micros now = clock_.NowMicros();
  std::lock_guard l(mu_);
  auto it = sessions_.find(token);
  return it != sessions_.end() && !Expired(it->second, now);
}

void SessionTable::Close(const std::string& token) {
  std::lock_guard l(mu_);
  sessions_.erase(token);
}

size_t SessionTable::size() const {
  std::lock_guard l(mu_);
  return sessions_.size();
}

}  // namespace custodian::api
