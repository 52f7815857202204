// `custodian staff enroll`: gives a staff member (supervisor, armorer, evidence custodian, admin,
// auditor) a dashboard login — the password read from a file or standard input, a new TOTP secret
// printed with its otpauth:// URI for an authenticator app. `custodian staff code`: the current
// one-time code of a secret (for scripts and the demo).
#pragma once

#include <string>

namespace custodian::cli {

int RunStaffEnroll(const std::string& data, const std::string& badge,
                   const std::string& password_file);
int RunStaffCode(const std::string& secret);

}  // namespace custodian::cli
