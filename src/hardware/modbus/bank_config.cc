#include "hardware/modbus/bank_config.h"

#include <nlohmann/json.hpp>

#include <set>

#include "hardware/modbus/protocol.h"

namespace custodian::hardware::modbus {
namespace {

using nlohmann::json;

core::Status Bad(const std::string& where, const std::string& why) {
  return core::InvalidArgumentError(where + ": " + why);
}

core::Result<std::string> Text(const json& bank, const std::string& where, const char* name,
                               size_t max) {
  auto it = bank.find(name);
  if (it == bank.end()) return Bad(where + "." + name, "missing");
  if (!it->is_string()) return Bad(where + "." + name, "must be a string");
  std::string v = it->get<std::string>();
  if (v.empty() || v.size() > max) {
    return Bad(where + "." + name, "must have 1-" + std::to_string(max) + " characters");
  }
  for (unsigned char c : v) {
    if (c < 0x21 || c > 0x7E) return Bad(where + "." + name, "must be printable ASCII, no spaces");
  }
  return v;
}

}  // namespace

core::Result<std::vector<BankConfig>> ParseBankConfig(std::string_view json_text) {
  const json root = json::parse(json_text, nullptr, false);
  if (root.is_discarded()) return core::InvalidArgumentError("not valid JSON");
  if (!root.is_object()) return core::InvalidArgumentError("must be a JSON object with \"banks\"");
  auto banks = root.find("banks");
  if (banks == root.end()) return Bad("banks", "missing");
  if (!banks->is_array() || banks->empty()) return Bad("banks", "must be a non-empty array");
  std::vector<BankConfig> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (size_t k = 0; k < banks->size(); ++k) {
    const json& b = (*banks)[k];
    const std::string where = "banks[" + std::to_string(k) + "]";
    if (!b.is_object()) return Bad(where, "must be an object");
    for (auto it = b.begin(); it != b.end(); ++it) {
      static const std::set<std::string> kKnown = {"site", "bank", "host", "port", "compartments"};
      if (!kKnown.count(it.key())) return Bad(where + "." + it.key(), "unknown member");
    }
    BankConfig c;
    CUSTODIAN_ASSIGN_OR_RETURN(c.site, Text(b, where, "site", 32));
    CUSTODIAN_ASSIGN_OR_RETURN(c.bank, Text(b, where, "bank", 32));
    CUSTODIAN_ASSIGN_OR_RETURN(c.host, Text(b, where, "host", 253));
    auto port = b.find("port");
    if (port == b.end()) return Bad(where + ".port", "missing");
    if (!port->is_number_integer() || port->get<int64_t>() < 1 || port->get<int64_t>() > 65535) {
      return Bad(where + ".port", "must be a whole number 1-65535");
    }
    c.port = static_cast<uint16_t>(port->get<int64_t>());
    auto comps = b.find("compartments");
    if (comps == b.end()) return Bad(where + ".compartments", "missing");
    if (!comps->is_array() || comps->empty() ||
        comps->size() > static_cast<size_t>(kMaxCompartments)) {
      return Bad(where + ".compartments",
                 "must be an array of 1-" + std::to_string(kMaxCompartments) + " names");
    }
    std::set<std::string> names;
    for (size_t i = 0; i < comps->size(); ++i) {
      const json& n = (*comps)[i];
      const std::string at = where + ".compartments[" + std::to_string(i) + "]";
      if (!n.is_string() || n.get<std::string>().empty() || n.get<std::string>().size() > 32) {
        return Bad(at, "must be a compartment name of 1-32 characters");
      }
      if (!names.insert(n.get<std::string>()).second) {
        return Bad(at, "\"" + n.get<std::string>() + "\" is listed twice");
      }
      c.compartments.push_back(n.get<std::string>());
    }
    if (!seen.emplace(c.site, c.bank).second) {
      return Bad(where, "bank " + c.site + "/" + c.bank + " is listed twice");
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace custodian::hardware::modbus
