// StaffLogins: the dashboard's logins (PRODUCT.md §3.2: "Dashboard users log in with password +
// TOTP"). A staff member — anyone with a supervisor, armorer, evidence custodian, admin or auditor
// role — is enrolled with a password (Argon2id, like PINs) and a TOTP secret, both in the
// credential vault; the ledger records only that it happened (credential.staff_login_set).
//
// A login needs the badge as user name, the password and the current one-time code; a code is
// accepted once (a replayed code fails). Failures are login.failed events (reasons:
// unknown_badge, no_staff_login, not_staff, revoked, locked, wrong_password, wrong_code) and
// count, with wrong PINs, towards the same lock: the fifth within 15 minutes locks the credential
// until an administrator releases it. An unknown badge costs a dummy Argon2id check and gets the
// same sentence as a wrong password.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "app/agency.h"
#include "app/custody_desk.h"
#include "app/decoy_hash.h"
#include "core/clock.h"

namespace custodian::app {

class StaffLogins {
 public:
  static constexpr size_t kMinPasswordLength = 12;

  StaffLogins(Agency& agency, CredentialVault& vault, const PinHasher& hasher,
              const OneTimeCodes& codes, const core::Clock& clock)
      : agency_(agency), vault_(vault), hasher_(hasher), codes_(codes), clock_(clock) {}

  // Sets the badge's password and TOTP secret (a new random one unless `secret` is given) and
  // records credential.staff_login_set as `actor`; returns the secret. InvalidArgument for a
  // password shorter than kMinPasswordLength, NotFound/FailedPrecondition for an unknown badge or
  // one without a staff role.
  core::Result<std::string> Enroll(const std::string& actor, const std::string& badge,
                                   const std::string& password,
                                   std::optional<std::string> secret = std::nullopt);

  // A dashboard login. The session's site is "" (staff act at the sites of their roles).
  core::Result<Login> Authenticate(const std::string& badge, const std::string& password,
                                   const std::string& code);

 private:
  Agency& agency_;
  CredentialVault& vault_;
  const PinHasher& hasher_;
  const OneTimeCodes& codes_;
  const core::Clock& clock_;
  std::mutex mu_;
  DecoyHash decoy_{hasher_};
  std::map<std::string, int64_t> last_step_;  // badge → the step of the last code accepted
};

}  // namespace custodian::app
