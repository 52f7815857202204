#include "app/api_tokens.h"

#include <array>

#include "core/bytes.h"
#include "ledger/hash.h"

namespace custodian::app {
namespace {

std::string Digest(const std::string& token) {
  const ledger::Hash h = ledger::Sha256(core::AsBytes(token));
  return core::HexEncode(core::ByteSpan(h));
}

}  // namespace

core::Result<std::string> ApiTokens::Issue(const std::string& actor, const std::string& badge,
                                           const std::string& name) {
  const domain::ApiTokenIssued event{badge, name};
  core::Status ok;
  agency_.Read([&](const domain::State& s) { ok = s.Check(event); });
  CUSTODIAN_RETURN_IF_ERROR(ok);
  std::array<uint8_t, 32> raw{};
  random_.Fill(raw);
  const std::string token = std::string(kPrefix) + core::HexEncode(core::ByteSpan(raw));
  // The vault first: a token recorded in the ledger but not stored would be a promise not kept;
  // one stored but not recorded is removed again.
  CUSTODIAN_RETURN_IF_ERROR(vault_.PutApiToken(Digest(token), {name, badge, clock_.NowMicros()}));
  if (core::Status recorded = agency_.Record(actor, {event}); !recorded.ok()) {
    (void)vault_.DeleteApiToken(name);
    return recorded;
  }
  return token;
}

core::Status ApiTokens::Revoke(const std::string& actor, const std::string& name) {
  CUSTODIAN_ASSIGN_OR_RETURN(CredentialVault::ApiToken gone, vault_.DeleteApiToken(name));
  return agency_.Record(actor, {domain::ApiTokenRevoked{gone.badge, gone.name}});
}

std::optional<Session> ApiTokens::Authenticate(const std::string& token) {
  if (!LooksLikeToken(token)) return std::nullopt;
  auto found = vault_.FindApiToken(Digest(token));
  if (!found || !*found) return std::nullopt;
  return Session((*found)->badge, "", (*found)->created_us);
}

}  // namespace custodian::app
