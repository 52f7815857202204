#include "hardware/modbus/protocol.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace custodian::hardware::modbus {
namespace {

using ::testing::HasSubstr;

BankSnapshot TwoCompartments() {
  BankSnapshot b;
  b.heartbeat = 4711;
  b.identity = "ACME-LB20 SN0042";
  b.compartments.resize(2);
  CompartmentSnapshot& radio = b.compartments[0];
  radio.tag_count = 1;
  radio.tags = {"E28011700000020000000001"};
  radio.weight_g = 412;
  radio.charge_percent = 87;
  CompartmentSnapshot& fridge = b.compartments[1];
  fridge.door_closed = false;
  fridge.lock_engaged = false;
  fridge.tamper = true;
  fridge.inner_door_closed = false;
  fridge.temperature_deci_c = -25;
  fridge.humidity_deci_pct = 455;
  return b;
}

std::string Error(const BankRegisters& r) {
  auto d = DecodeBank(r);
  EXPECT_FALSE(d);
  return d ? "" : d.error().message();
}

TEST(BankProtocol, RegistersAreLaidOutAsTheSpecificationSays) {
  const BankRegisters r = EncodeBank(TwoCompartments());
  ASSERT_EQ(r.input.size(), 16u + 2 * 32);
  ASSERT_EQ(r.discrete.size(), 8u + 2 * 4);
  EXPECT_EQ(r.input[0], 0x4355);
  EXPECT_EQ(r.input[1], 1);
  EXPECT_EQ(r.input[3], 2);
  EXPECT_EQ(r.input[4], 4711);
  EXPECT_EQ(r.input[5], 'A' << 8 | 'C');
  // Compartment 1 at 16: one tag, EPC big-endian words, weight 412 g, charge 87 %.
  EXPECT_EQ(r.input[16], 1);
  EXPECT_EQ(r.input[17], 0xE280);
  EXPECT_EQ(r.input[22], 0x0001);
  EXPECT_EQ(r.input[16 + 25], 0);
  EXPECT_EQ(r.input[16 + 26], 412);
  EXPECT_EQ(r.input[16 + 27], 87);
  EXPECT_EQ(r.input[16 + 28], 0x8000);  // no sensor
  // Compartment 2 at 48: no scale, -2.5 °C, 45.5 %.
  EXPECT_EQ(r.input[48 + 25], 0xFFFF);
  EXPECT_EQ(r.input[48 + 26], 0xFFFF);
  EXPECT_EQ(r.input[48 + 28], 0xFFE7);
  EXPECT_EQ(r.input[48 + 29], 455);
  EXPECT_EQ(r.discrete[0], 1);                       // mains
  EXPECT_EQ(r.discrete[8], 1);                       // compartment 1 door closed
  EXPECT_EQ(r.discrete[12], 0);                      // compartment 2 door open
  EXPECT_EQ(r.discrete[14], 1);                      // compartment 2 tamper
  EXPECT_EQ(coil::Address(1, coil::kInnerLock), 3);  // compartment 2 inner lock
}

TEST(BankProtocol, DecodesWhatItEncodes) {
  const BankSnapshot b = TwoCompartments();
  auto d = DecodeBank(EncodeBank(b));
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(*d, b);
}

TEST(BankProtocol, RejectsAnythingAConformingControllerWouldNotSend) {
  const BankRegisters good = EncodeBank(TwoCompartments());
  auto with = [&](int address, uint16_t value) {
    BankRegisters r = good;
    r.input[static_cast<size_t>(address)] = value;
    return Error(r);
  };
  EXPECT_THAT(with(0, 0x1234), HasSubstr("input register 0: not a Custodian locker controller"));
  EXPECT_THAT(with(1, 2), HasSubstr("protocol version 2.x is not supported"));
  EXPECT_THAT(with(3, 0), HasSubstr("compartment count 0 is outside 1-64"));
  EXPECT_THAT(with(3, 3), HasSubstr("got 80, expected 112 for 3 compartments"));
  EXPECT_THAT(with(5, 0x0141), HasSubstr("non-printable byte 1"));
  EXPECT_THAT(with(16, 2), HasSubstr("compartment 1, input register 23: tag slot 2 is empty"));
  EXPECT_THAT(with(16, 0), HasSubstr("tag slot 1 holds an EPC but the count says 0"));
  EXPECT_THAT(with(16, 300), HasSubstr("tag count 300 is not plausible"));
  EXPECT_THAT(with(16 + 25, 0x0010), HasSubstr("weight 1048988 g is over 1,000 kg"));
  EXPECT_THAT(with(16 + 27, 101), HasSubstr("charge 101 % is over 100 %"));
  EXPECT_THAT(with(48 + 28, 900), HasSubstr("compartment 2, input register 76: temperature 900"));
  EXPECT_THAT(with(48 + 29, 1001), HasSubstr("humidity 1001"));
  EXPECT_THAT(with(48 + 31, 1), HasSubstr("input register 79: reserved register is not 0"));

  BankRegisters short_discrete = good;
  short_discrete.discrete.pop_back();
  EXPECT_THAT(Error(short_discrete), HasSubstr("discrete inputs: got 15, expected 16"));
  BankRegisters not_a_bit = good;
  not_a_bit.discrete[9] = 2;
  EXPECT_THAT(Error(not_a_bit), HasSubstr("discrete input 9: value 2 is not a bit"));
  EXPECT_THAT(Error(BankRegisters{{0x4355, 1}, {}}), HasSubstr("header: got 2 registers, need 16"));
}

TEST(BankProtocol, MoreTagsThanSlotsAreCountedAndTheFirstFourReported) {
  BankSnapshot b = TwoCompartments();
  b.compartments[0].tag_count = 6;
  b.compartments[0].tags = {"E28011700000020000000001", "E28011700000020000000002",
                            "E28011700000020000000003", "E28011700000020000000004"};
  auto d = DecodeBank(EncodeBank(b));
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->compartments[0].tag_count, 6);
  EXPECT_EQ(d->compartments[0].tags.size(), 4u);
}

RC_GTEST_PROP(BankProtocol, AnyValidSnapshotRoundTrips, ()) {
  BankSnapshot b;
  b.heartbeat = *rc::gen::arbitrary<uint16_t>();
  const int n = *rc::gen::inRange(1, kMaxCompartments + 1);
  b.compartments.resize(static_cast<size_t>(n));
  for (CompartmentSnapshot& c : b.compartments) {
    c.door_closed = *rc::gen::arbitrary<bool>();
    c.tamper = *rc::gen::arbitrary<bool>();
    c.tag_count = *rc::gen::inRange(0, kTagSlots + 1);
    for (int t = 0; t < c.tag_count; ++t) {
      std::string epc = "E2801170";
      for (int k = 0; k < 16; ++k) epc += "0123456789ABCDEF"[*rc::gen::inRange(0, 16)];
      c.tags.push_back(epc);
    }
    if (*rc::gen::arbitrary<bool>()) c.weight_g = *rc::gen::inRange(0, 1'000'001);
    if (*rc::gen::arbitrary<bool>()) c.charge_percent = *rc::gen::inRange(0, 101);
    if (*rc::gen::arbitrary<bool>()) c.temperature_deci_c = *rc::gen::inRange(-400, 851);
  }
  auto d = DecodeBank(EncodeBank(b));
  RC_ASSERT(d.has_value());
  RC_ASSERT(*d == b);
}

}  // namespace
}  // namespace custodian::hardware::modbus
