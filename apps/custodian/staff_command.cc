#include "staff_command.h"

#include <filesystem>
#include <iostream>

#include "app/agency.h"
#include "app/staff_logins.h"
#include "core/clock.h"
#include "data_dir.h"
#include "store/argon2_pins.h"
#include "store/files.h"
#include "store/sqlite/sqlite_credential_vault.h"
#include "store/totp.h"

namespace custodian::cli {

int RunStaffEnroll(const std::string& data, const std::string& badge,
                   const std::string& password_file) {
  std::string password;
  if (password_file.empty() || password_file == "-") {
    std::getline(std::cin, password);
  } else {
    auto text = store::ReadFile(password_file);
    if (!text) return Fail(text.error().Annotate("--password-file"));
    password = text->substr(0, text->find('\n'));
  }
  auto dir = OpenDataDir(data, "agency", false, "seed or import people first");
  if (!dir) return Fail(dir.error());
  auto agency = app::Agency::Open(*(*dir)->ledger, *(*dir)->store);
  if (!agency) return Fail(agency.error());
  auto vault =
      store::SqliteCredentialVault::Open((std::filesystem::path(data) / "credentials.db").string());
  if (!vault) return Fail(vault.error());
  store::Argon2PinHasher hasher;
  store::Totp totp;
  app::StaffLogins staff(**agency, **vault, hasher, totp, (*dir)->clock);
  auto secret = staff.Enroll("cli:staff-enroll", badge, password);
  if (!secret) return Fail(secret.error());
  std::cout << "dashboard login set for " << badge << "\n"
            << "TOTP secret: " << *secret << "\n"
            << "authenticator URI: " << store::Totp::Uri(badge, *secret) << "\n";
  return 0;
}

int RunStaffCode(const std::string& secret) {
  core::SystemClock clock;
  auto code = store::Totp::CodeAt(secret, store::Totp::StepOf(clock.NowMicros()));
  if (!code) return Fail(core::InvalidArgumentError("--secret is not base32"));
  std::cout << *code << "\n";
  return 0;
}

}  // namespace custodian::cli
