// The custody commands of the CLI: `import`, `access explain`, `access list`. Each returns the
// process exit code (0 ok / allow, 2 bad input, 3 deny, 4 environment).
#pragma once

#include <string>

namespace custodian::cli {

int RunImport(const std::string& data, const std::string& kind, const std::string& file);
int RunAccessExplain(const std::string& data, const std::string& badge, const std::string& serial,
                     const std::string& at);
int RunAccessList(const std::string& data, const std::string& badge, const std::string& at);

}  // namespace custodian::cli
