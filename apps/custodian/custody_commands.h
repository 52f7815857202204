// The custody commands of the CLI: `import`, `demo seed`, `access explain`, `access list`. Each
// returns the process exit code (0 ok / allow, 2 bad input, 3 deny, 4 environment).
#pragma once

#include <string>

namespace custodian::cli {

int RunImport(const std::string& data, const std::string& kind, const std::string& file);
// Imports the demo agency (app/demo_agency.h) into `data`, creating it if needed, and prints the
// counts and the demo credentials. A data directory that already defines a site is left alone
// ("already seeded: …", exit 0), so running it on every start is safe.
int RunDemoSeed(const std::string& data);
int RunAccessExplain(const std::string& data, const std::string& badge, const std::string& serial,
                     const std::string& at);
int RunAccessList(const std::string& data, const std::string& badge, const std::string& at);

}  // namespace custodian::cli
