#include "app/ledger_tasks.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace custodian::app {
namespace {

TEST(SyntheticEvent, IsDeterministicValidAndItsPayloadIsCanonicalJson) {
  for (uint64_t n = 0; n < 200; ++n) {
    ledger::EventDraft a = SyntheticEvent(n, 7), b = SyntheticEvent(n, 7);
    EXPECT_EQ(a.payload, b.payload);
    EXPECT_EQ(a.actor, b.actor);
    auto j = nlohmann::json::parse(a.payload);
    EXPECT_EQ(j.dump(), a.payload) << "not canonical: " << a.payload;
    EXPECT_TRUE(j.contains("item_serial"));
    EXPECT_GE(a.payload.size(), 140u);
  }
  EXPECT_NE(SyntheticEvent(3, 7).payload, SyntheticEvent(3, 8).payload);
}

}  // namespace
}  // namespace custodian::app
