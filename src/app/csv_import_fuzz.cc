// Fuzz target: CSV import planning (app/csv_import.h, core/csv.h). The first byte chooses the kind
// (mod 5), the rest is the CSV file. Planning must never crash; a plan must consist of events that
// pass State::Check in order on top of the given state, one per row, with a PIN for every person;
// every failure must be InvalidArgument.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "app/csv_import.h"
#include "core/csv.h"

namespace {

using namespace custodian;

// One site HQ, one compartment HQ/A/1 and one item type CEW.
domain::State Build() {
  domain::State s;
  const domain::DomainEvent events[] = {
      domain::SiteDefined{{"HQ", "Headquarters", "America/New_York"}},
      domain::CompartmentDefined{{{"HQ", "A", "1"}, domain::CompartmentSize::kMedium, {}}},
      domain::ItemTypeDefined{
          {"CEW", domain::Category::kLessLethal, {"CEW"}, 12, false, true, 0, 0}},
  };
  for (const auto& e : events) s.Apply(e, 0);
  return s;
}

const domain::State& Given() {
  static const domain::State state = Build();
  return state;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto kind = static_cast<app::ImportKind>(data[0] % 5);
  const std::string_view csv(reinterpret_cast<const char*>(data + 1), size - 1);
  app::ImportEnv env;
  env.zone_exists = [](std::string_view z) { return z == "UTC" || z == "America/New_York"; };
  env.new_pin = [] { return std::string("123456"); };

  auto plan = app::PlanImport(kind, csv, Given(), env);
  if (!plan.has_value()) {
    if (plan.error().code() != core::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  auto table = core::ParseCsv(csv);
  if (!table.has_value() || table->rows.size() != plan->events.size()) std::abort();
  domain::State s = Given();
  for (const domain::DomainEvent& e : plan->events) {
    if (!s.Check(e).ok()) std::abort();
    s.Apply(e, 0);
  }
  const size_t people = kind == app::ImportKind::kPeople ? plan->events.size() : 0;
  if (plan->pins.size() != people || plan->generated_pin_badges.size() > people) std::abort();
  return 0;
}
