#include "hardware/modbus/bank_config.h"

#include <gtest/gtest.h>

namespace custodian::hardware::modbus {
namespace {

TEST(BankConfigTest, ReadsWhatTheSimulatorWrites) {
  auto banks = ParseBankConfig(
      R"({"banks":[{"site":"HQ","bank":"A","host":"127.0.0.1","port":5020,"compartments":["1","2"]},
                   {"site":"HQ","bank":"B","host":"lockers-b.local","port":502,"compartments":["X"]}],
          "control_port":7000})");
  ASSERT_TRUE(banks) << banks.error().ToString();
  ASSERT_EQ(banks->size(), 2u);
  EXPECT_EQ((*banks)[0].site, "HQ");
  EXPECT_EQ((*banks)[0].port, 5020);
  EXPECT_EQ((*banks)[0].compartments, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ((*banks)[1].host, "lockers-b.local");
}

TEST(BankConfigTest, RefusesGarbageNamingTheMember) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "not valid JSON"},
      {"[]", "must be a JSON object with \"banks\""},
      {"{}", "banks: missing"},
      {R"({"banks":[]})", "banks: must be a non-empty array"},
      {R"({"banks":[7]})", "banks[0]: must be an object"},
      {R"({"banks":[{"site":"HQ","bank":"A","host":"h","port":0,"compartments":["1"]}]})",
       "banks[0].port: must be a whole number 1-65535"},
      {R"({"banks":[{"site":"HQ","bank":"A","host":"h","port":"502","compartments":["1"]}]})",
       "banks[0].port: must be a whole number 1-65535"},
      {R"({"banks":[{"site":"HQ","bank":"A","host":"h","port":502}]})",
       "banks[0].compartments: missing"},
      {R"({"banks":[{"site":"HQ","bank":"A","host":"h","port":502,"compartments":["1","1"]}]})",
       "banks[0].compartments[1]: \"1\" is listed twice"},
      {R"({"banks":[{"site":"HQ","bank":"A","host":"h","port":502,"compartments":["1"],"prot":1}]})",
       "banks[0].prot: unknown member"},
      {R"({"banks":[{"site":"HQ","bank":"A","host":"a b","port":502,"compartments":["1"]}]})",
       "banks[0].host: must be printable ASCII, no spaces"},
      {R"({"banks":[{"bank":"A","host":"h","port":502,"compartments":["1"]}]})",
       "banks[0].site: missing"},
      {R"({"banks":[{"site":"HQ","bank":"A","host":"h","port":1,"compartments":["1"]},
                    {"site":"HQ","bank":"A","host":"h","port":2,"compartments":["1"]}]})",
       "banks[1]: bank HQ/A is listed twice"},
  };
  for (const auto& [text, message] : cases) {
    auto r = ParseBankConfig(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code(), core::StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(r.error().message(), message) << text;
  }
}

}  // namespace
}  // namespace custodian::hardware::modbus
