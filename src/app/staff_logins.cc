#include "app/staff_logins.h"

#include <algorithm>

namespace custodian::app {

using domain::Micros;

core::Result<std::string> StaffLogins::Enroll(const std::string& actor, const std::string& badge,
                                              const std::string& password,
                                              std::optional<std::string> secret) {
  if (password.size() < kMinPasswordLength) {
    return core::InvalidArgumentError("the password must have at least " +
                                      std::to_string(kMinPasswordLength) + " characters");
  }
  // Checked before anything is stored: a badge that cannot have a login gets nothing.
  core::Status allowed = core::Status::Ok();
  agency_.Read([&](const domain::State& s) { allowed = s.Check(domain::StaffLoginSet{badge}); });
  CUSTODIAN_RETURN_IF_ERROR(allowed);
  if (!secret) {
    CUSTODIAN_ASSIGN_OR_RETURN(secret, codes_.NewSecret());
  }
  CUSTODIAN_ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(password));
  CUSTODIAN_RETURN_IF_ERROR(vault_.PutStaffSecret(badge, {hash, *secret}));
  CUSTODIAN_RETURN_IF_ERROR(agency_.Record(actor, {domain::StaffLoginSet{badge}}));
  return *secret;
}

core::Result<Login> StaffLogins::Authenticate(const std::string& badge, const std::string& password,
                                              const std::string& code) {
  bool known = false, staff = false, enrolled = false;
  agency_.Read([&](const domain::State& s) {
    const domain::PersonState* p = s.FindPerson(badge);
    known = p != nullptr;
    if (!known) return;
    staff = std::any_of(p->person.roles.begin(), p->person.roles.end(), domain::IsStaffRole);
    enrolled = p->staff_login;
  });
  std::optional<CredentialVault::StaffSecret> secret;
  if (known && enrolled) {
    CUSTODIAN_ASSIGN_OR_RETURN(secret, vault_.GetStaffSecret(badge));
  }
  // The password check (Argon2id) runs outside the lock; without a stored hash it runs against a
  // dummy one, so the time taken does not tell which badges have logins.
  std::string hash;
  if (secret) {
    hash = secret->password_hash;
  } else {
    CUSTODIAN_ASSIGN_OR_RETURN(hash, decoy_.Get());
  }
  const bool password_ok = hasher_.Matches(hash, password) && secret.has_value();

  std::lock_guard l(mu_);
  const Micros now = clock_.NowMicros();
  bool revoked = false, locked = false;
  int recent_failures = 0;
  agency_.Read([&](const domain::State& s) {
    const domain::PersonState* p = s.FindPerson(badge);
    if (p == nullptr) return;
    revoked = p->revoked;
    locked = p->locked;
    recent_failures =
        static_cast<int>(std::count_if(p->recent_failures.begin(), p->recent_failures.end(),
                                       [&](Micros t) { return t > now - domain::kFailureWindow; }));
  });
  const std::string actor = "dashboard";
  auto fail = [&](std::string reason, std::string message) -> core::Result<Login> {
    const bool lock =
        domain::CountsTowardsLock(reason) && recent_failures + 1 >= domain::kLockAfterFailures;
    std::vector<domain::DomainEvent> events{domain::LoginFailed{badge, "", reason}};
    if (lock) events.push_back(domain::CredentialLocked{badge});
    CUSTODIAN_RETURN_IF_ERROR(agency_.Record(actor, std::move(events)));
    Login out;
    out.reason = std::move(reason);
    out.message = lock ? "Too many failed logins: this credential is now locked until an "
                         "administrator releases it."
                       : std::move(message);
    out.locked_now = lock;
    return out;
  };
  const std::string wrong = "The user name or the password is not right.";
  if (!known) return fail("unknown_badge", wrong);
  if (!staff) return fail("not_staff", wrong);
  if (revoked) return fail("revoked", "This credential is revoked.");
  if (locked) {
    return fail("locked",
                "This credential is locked after repeated failed logins. An administrator must "
                "release it.");
  }
  if (!secret) return fail("no_staff_login", wrong);
  if (!password_ok) return fail("wrong_password", wrong);
  const std::optional<int64_t> step = codes_.Check(secret->totp_secret, code, now);
  auto last = last_step_.find(badge);
  if (!step || (last != last_step_.end() && *step <= last->second)) {
    return fail("wrong_code", "The one-time code is not right (or was already used).");
  }
  last_step_[badge] = *step;
  CUSTODIAN_RETURN_IF_ERROR(agency_.Record(actor, {domain::LoginSucceeded{badge, ""}}));
  Login out;
  out.session = Session(badge, "", now);
  return out;
}

}  // namespace custodian::app
