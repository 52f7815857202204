// ApiTokens: bearer tokens for integrations (PRODUCT.md §3.11: "API tokens for integrations").
// A token acts as one person — an integration is a person defined with exactly the roles and
// sites it should have (an auditor for a SIEM export, a supervisor of one site for a CAD bridge) —
// so the API's one authorization table scopes it by role and site like anyone else, and revoking
// the person's credential stops the token too. The token ("cst_" and 64 hex digits: 256 random
// bits) is shown once; the vault keeps its SHA-256. Issue and revoke are ledger events
// (credential.api_token_issued / _revoked, naming the person and the token's name, never the
// token).
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/agency.h"
#include "app/custody_desk.h"
#include "core/clock.h"
#include "core/random.h"

namespace custodian::app {

class ApiTokens {
 public:
  static constexpr std::string_view kPrefix = "cst_";

  ApiTokens(Agency& agency, CredentialVault& vault, const core::Random& random,
            const core::Clock& clock)
      : agency_(agency), vault_(vault), random_(random), clock_(clock) {}

  // A new token for `badge` named `name`, recorded as `actor`. NotFound / FailedPrecondition for a
  // badge that is unknown, revoked or without a staff role; InvalidArgument for a bad name;
  // AlreadyExists when the name is taken.
  core::Result<std::string> Issue(const std::string& actor, const std::string& badge,
                                  const std::string& name);
  // Revokes the token named `name`; NotFound when there is none.
  core::Status Revoke(const std::string& actor, const std::string& name);
  core::Result<std::vector<CredentialVault::ApiToken>> List() { return vault_.ApiTokens(); }

  // The session a request with this bearer token acts in (site "": the person's sites), or none:
  // not a token of ours, or revoked. The person's own state (revoked, locked, roles) is checked
  // by whoever authorizes the request.
  std::optional<Session> Authenticate(const std::string& token);

  static bool LooksLikeToken(const std::string& bearer) { return bearer.rfind(kPrefix, 0) == 0; }

 private:
  Agency& agency_;
  CredentialVault& vault_;
  const core::Random& random_;
  const core::Clock& clock_;
};

}  // namespace custodian::app
