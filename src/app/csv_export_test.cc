#include "app/csv_export.h"

#include <gtest/gtest.h>

#include "app/csv_import.h"
#include "app/demo_agency.h"

namespace custodian::app {
namespace {

constexpr domain::Micros kNow = 1'795'532'400'000'000LL;

ImportEnv Env() {
  ImportEnv env;
  env.zone_exists = [](std::string_view) { return true; };
  env.new_pin = [] { return std::string("0000"); };
  return env;
}

// The demo agency's state, through the import path.
domain::State Demo() {
  const DemoAgency demo = MakeDemoAgency(*domain::ParseDate("2026-11-23"));
  domain::State s;
  for (const auto& [kind, csv] : demo.Csvs()) {
    auto plan = PlanImport(kind, *csv, s, Env());
    EXPECT_TRUE(plan) << plan.error().ToString();
    if (!plan) return s;
    for (const auto& e : plan->events) s.Apply(e, kNow);
  }
  return s;
}

TEST(CsvExportTest, LockersAndItemsReadBackAsTheSameCompartmentsAndItems) {
  const domain::State original = Demo();
  ASSERT_FALSE(original.items.empty());
  // Sites and types as they are; lockers and items only from the export.
  domain::State copy;
  copy.sites = original.sites;
  copy.types = original.types;
  for (auto [kind, csv] : {std::pair{ImportKind::kLockers, ExportLockersCsv(original)},
                           std::pair{ImportKind::kItems, ExportItemsCsv(original, false)}}) {
    auto plan = PlanImport(kind, csv, copy, Env());
    ASSERT_TRUE(plan) << ImportKindName(kind) << ": " << plan.error().ToString();
    for (const auto& e : plan->events) copy.Apply(e, kNow);
  }
  EXPECT_EQ(copy.compartments, original.compartments);
  ASSERT_EQ(copy.items.size(), original.items.size());
  for (const auto& [serial, i] : original.items) {
    EXPECT_EQ(copy.items.at(serial).item, i.item) << serial;
  }
}

TEST(CsvExportTest, ItemsOutWithSomeoneAreNotInTheirCompartment) {
  domain::State s = Demo();
  auto& [serial, item] = *s.items.begin();
  item.custody = domain::Custody{"1001", kNow, kNow + 1};
  const std::string all = ExportItemsCsv(s, false);
  const std::string present = ExportItemsCsv(s, true);
  EXPECT_NE(all.find("\n" + serial + ","), std::string::npos);
  EXPECT_EQ(present.find("\n" + serial + ","), std::string::npos);
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'),
            std::count(present.begin(), present.end(), '\n') + 1);
}

}  // namespace
}  // namespace custodian::app
